<?php

declare(strict_types=1);

namespace Resale;

/**
 * An HTTP answer rendered by the core (status, headers in order, body):
 * send it as it is.
 */
final class Reply
{
    /** @param list<array{string, string}> $headers */
    public function __construct(
        public readonly int $status,
        public readonly array $headers,
        public readonly string $body,
    ) {
    }

    /** @internal The library's text: the status line, `name: value` lines, an empty line, the body. */
    public static function parse(string $wire): self
    {
        [$head, $body] = explode("\n\n", $wire, 2) + [1 => ''];
        $lines = explode("\n", $head);
        $status = (int) array_shift($lines);
        $headers = [];
        foreach ($lines as $line) {
            [$name, $value] = explode(': ', $line, 2) + [1 => ''];
            $headers[] = [$name, $value];
        }
        return new self($status, $headers, $body);
    }

    /** The first value of header `$name` (lower case), or null. */
    public function header(string $name): ?string
    {
        foreach ($this->headers as [$n, $v]) {
            if ($n === $name) {
                return $v;
            }
        }
        return null;
    }

    /** Send it through the SAPI: status, headers, body. */
    public function send(): void
    {
        http_response_code($this->status);
        foreach ($this->headers as [$name, $value]) {
            header("{$name}: {$value}", false);
        }
        if (!$this->header('content-type')) {
            // PHP would otherwise add its default text/html.
            header('Content-Type:');
        }
        echo $this->body;
    }
}
