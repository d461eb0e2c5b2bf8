<?php

declare(strict_types=1);

namespace Resale\License;

use Resale\License;
use Resale\LicenseError;
use Resale\Library;

/**
 * Runs a license plan (Resale\License::plan(), ::newInstancePlan()) against
 * Key Administrator, step by step, on PHP's curl.
 *
 * The plan decides every call (method, path, headers, body, expected
 * status, v1 result codes); this class only carries it out:
 * - credentials come from the caller: HTTP Basic for v3 steps (`auth:
 *   basic`), the `{{ka.login}}` / `{{ka.password}}` placeholders of
 *   AuthInfo for v1 steps (`auth: body`), XML-escaped; they never appear
 *   in an exception or a returned answer;
 * - `{{step-id.field}}` placeholders are filled from earlier answers
 *   (`{{main-key.keyNumber}}`); a `body_from` step gets its body from the
 *   engine (License::upgradeTargetState) and the answer it names;
 * - each answer's status (and v1 resultCode) is checked; the first failure
 *   throws StepFailed naming the step, and nothing after it runs.
 *
 * Endpoints (Plesk's documentation): Partner API 3.0
 * `https://api.central.plesk.com` (the Location example of Creating a
 * License Key); Partner API 1.0 `https://ka.plesk.com:7050` (tests:
 * `https://ka.demo.plesk.com:7050`).
 */
final class Executor
{
    private string $base;

    /**
     * @param int $timeout seconds per call
     */
    public function __construct(
        string $baseUrl,
        #[\SensitiveParameter] private string $login,
        #[\SensitiveParameter] private string $password,
        private int $timeout = 30,
        private ?Library $lib = null,
    ) {
        $scheme = parse_url($baseUrl, PHP_URL_SCHEME);
        $parts = parse_url($baseUrl);
        if (!\in_array($scheme, ['http', 'https'], true) || !isset($parts['host']) || isset($parts['user']) || isset($parts['query']) || isset($parts['fragment'])) {
            // Credentials go in as arguments, never in the URL (it may end up in a message).
            throw new LicenseError('ka.base_url.invalid', 'the KA endpoint is an absolute http(s) URL without user, query or fragment', 'base_url');
        }
        $this->base = rtrim($baseUrl, '/');
    }

    /** Credentials stay out of var_dump() and print_r(). */
    public function __debugInfo(): array
    {
        return ['base' => $this->base, 'login' => '***', 'password' => '***', 'timeout' => $this->timeout];
    }

    /**
     * Run every step of `$plan` in order.
     *
     * @param array<string, mixed> $plan a plan as License::plan() returns it
     * @return array<string, array<string, mixed>> by step id: `status` (HTTP),
     *     `location`, `body` (KA's answer), `fields` (what later steps may
     *     use: v3 keyId/keyNumber/activationCode, v1 the answer's members)
     * @throws StepFailed
     */
    public function run(array $plan): array
    {
        $done = [];
        foreach ($plan['steps'] as $step) {
            $id = (string) $step['id'];
            foreach ($step['depends_on'] as $dep) {
                if (!isset($done[$dep])) {
                    throw new StepFailed('ka.placeholder', $id, "it needs step `{$dep}`, which has not run", null, $done);
                }
            }
            $body = $this->body($step, $done);
            $answer = $this->send($step, $body, $done);
            $done[$id] = $answer;
        }
        return $done;
    }

    /** @param array<string, array<string, mixed>> $done */
    private function body(array $step, array $done): string
    {
        $id = (string) $step['id'];
        if (($step['body_from'] ?? null) !== null) {
            $spec = $step['body_from'];
            try {
                return License::upgradeTargetState((string) $done[$spec['step']]['body'], $spec, $this->lib);
            } catch (LicenseError $e) {
                throw new StepFailed($e->getErrorCode(), $id, $e->getMessage(), null, $done, $e);
            }
        }
        $xml = $step['auth'] === 'body';
        $escape = $xml
            ? static fn (string $v): string => htmlspecialchars($v, ENT_XML1 | ENT_QUOTES, 'UTF-8')
            : static fn (string $v): string => substr(json_encode($v, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES), 1, -1);
        return (string) preg_replace_callback('~\{\{([A-Za-z0-9_.:-]+)\.([A-Za-z0-9_]+)\}\}~', function (array $m) use ($id, $done, $xml, $escape): string {
            [, $from, $field] = $m;
            if ($from === 'ka' && $xml && $field === 'login') {
                return $escape($this->login);
            }
            if ($from === 'ka' && $xml && $field === 'password') {
                return $escape($this->password);
            }
            $value = $done[$from]['fields'][$field] ?? null;
            if (!\is_string($value) || $value === '') {
                throw new StepFailed('ka.placeholder', $id, "no earlier answer gives `{$from}.{$field}`", null, $done);
            }
            return $escape($value);
        }, (string) $step['body']);
    }

    /**
     * @param array<string, array<string, mixed>> $done
     * @return array<string, mixed>
     */
    private function send(array $step, string $body, array $done): array
    {
        $id = (string) $step['id'];
        $headers = [];
        foreach ($step['headers'] as [$name, $value]) {
            // curl asks for gzip itself (CURLOPT_ENCODING) and decodes the answer.
            if (strcasecmp($name, 'Accept-Encoding') !== 0) {
                $headers[] = "{$name}: {$value}";
            }
        }
        $location = null;
        $ch = curl_init($this->base . $step['path']);
        $options = [
            CURLOPT_CUSTOMREQUEST => $step['method'],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_ENCODING => 'gzip',
            CURLOPT_TIMEOUT => $this->timeout,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_HEADERFUNCTION => static function ($ch, string $line) use (&$location): int {
                if (stripos($line, 'location:') === 0) {
                    $location = trim(substr($line, 9));
                }
                return \strlen($line);
            },
        ];
        if ($body !== '') {
            $options[CURLOPT_POSTFIELDS] = $body;
        }
        if ($step['auth'] === 'basic') {
            $options[CURLOPT_HTTPAUTH] = CURLAUTH_BASIC;
            $options[CURLOPT_USERPWD] = "{$this->login}:{$this->password}";
        }
        curl_setopt_array($ch, $options);
        $answer = curl_exec($ch);
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $transport = curl_error($ch);
        curl_close($ch);
        if ($answer === false) {
            throw new StepFailed('ka.transport', $id, "no answer from KA ({$transport})", null, $done);
        }
        $answer = (string) $answer;
        if ($status !== (int) $step['expect_status']) {
            throw new StepFailed('ka.status', $id, "KA answered HTTP {$status}, the step expects {$step['expect_status']}: " . self::excerpt($answer), $status, $done);
        }
        $fields = $step['auth'] === 'body'
            ? $this->xmlRpcFields($step, $id, $answer, $status, $done)
            : $this->keyFields($id, $answer, $location, $status, $done);
        return ['status' => $status, 'location' => $location, 'body' => $answer, 'fields' => $fields];
    }

    /**
     * v3: the key structure (and Location) read by the engine.
     *
     * @param array<string, array<string, mixed>> $done
     * @return array<string, string>
     */
    private function keyFields(string $id, string $answer, ?string $location, int $status, array $done): array
    {
        if (trim($answer) === '' && $location === null) {
            return [];
        }
        try {
            $key = License::parseKey($answer, $location, $this->lib);
        } catch (LicenseError $e) {
            throw new StepFailed('ka.answer_invalid', $id, $e->getMessage(), $status, $done, $e);
        }
        return array_filter([
            'keyId' => $key['key_id'],
            'keyNumber' => $key['key_number'],
            'activationCode' => $key['activation_code'],
        ], static fn ($v): bool => $v !== null);
    }

    /**
     * v1: the members of the XML-RPC answer's struct; `resultCode` must be
     * one the step expects.
     *
     * @param array<string, mixed> $step
     * @param array<string, array<string, mixed>> $done
     * @return array<string, string>
     */
    private function xmlRpcFields(array $step, string $id, string $answer, int $status, array $done): array
    {
        $previous = libxml_use_internal_errors(true);
        $doc = simplexml_load_string($answer, 'SimpleXMLElement', LIBXML_NONET);
        libxml_use_internal_errors($previous);
        if ($doc === false || $doc->getName() !== 'methodResponse') {
            throw new StepFailed('ka.answer_invalid', $id, 'KA\'s answer is not an XML-RPC methodResponse', $status, $done);
        }
        if (isset($doc->fault)) {
            throw new StepFailed('ka.result_code', $id, 'KA answered an XML-RPC fault: ' . self::excerpt(strip_tags($doc->fault->asXML() ?: '')), $status, $done);
        }
        $fields = [];
        foreach ($doc->params->param->value->struct->member ?? [] as $member) {
            $value = $member->value;
            $scalar = $value->children();
            $text = \count($scalar) > 0 ? (string) $scalar[0] : (string) $value;
            if (\count($scalar) > 0 && $scalar[0]->getName() === 'array') {
                $text = implode(',', array_map('strval', $scalar[0]->xpath('data/value/*') ?: []));
            }
            $fields[(string) $member->name] = $text;
        }
        $code = isset($fields['resultCode']) ? (int) $fields['resultCode'] : null;
        if ($code === null || !\in_array($code, $step['expect_result_codes'], true)) {
            $desc = self::excerpt($fields['resultDesc'] ?? '');
            throw new StepFailed('ka.result_code', $id, 'KA answered resultCode ' . ($code ?? 'none') . " ({$desc}), the step expects " . implode(' or ', $step['expect_result_codes']), $status, $done);
        }
        if (isset($fields['mainKeyNumber'])) {
            $fields['keyNumber'] ??= $fields['mainKeyNumber'];
        }
        return $fields;
    }

    /** A short, single-line piece of KA's answer for a message. */
    private static function excerpt(string $text): string
    {
        $one = trim((string) preg_replace('~\s+~', ' ', $text));
        return \strlen($one) > 200 ? substr($one, 0, 200) . '…' : $one;
    }
}
