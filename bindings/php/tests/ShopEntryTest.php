<?php

declare(strict_types=1);

namespace Resale\Tests;


/**
 * examples/shop-entry.php over HTTP in PHP's built-in server
 * (`php -d ffi.enable=1 -S 127.0.0.1:<free port>`), RESALE_LIB passed through.
 */
final class ShopEntryTest extends ResaleTestCase
{
    /** @var resource|null */
    private static $server = null;
    private static string $base = '';
    private static string $log = '';

    public static function setUpBeforeClass(): void
    {
        // A free port: bind to 0, read what the kernel chose, release it.
        $probe = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        if ($probe === false) {
            self::fail("cannot find a free port: {$errstr}");
        }
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);

        self::$log = tempnam(sys_get_temp_dir(), 'resale-shop-entry-');
        $env = ['PATH' => getenv('PATH') ?: '/usr/bin:/bin'];
        foreach (['RESALE_LIB', 'RESALE_POLICY'] as $k) {
            if (($v = getenv($k)) !== false) {
                $env[$k] = $v;
            }
        }
        $cmd = [PHP_BINARY, '-d', 'ffi.enable=1', '-S', "127.0.0.1:{$port}", __DIR__ . '/../examples/shop-entry.php'];
        self::$server = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', self::$log, 'a'], 2 => ['file', self::$log, 'a']], $pipes, null, $env);
        if (!\is_resource(self::$server)) {
            self::fail('cannot start php -S');
        }
        self::$base = "http://127.0.0.1:{$port}";
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            $c = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.2);
            if ($c !== false) {
                fclose($c);
                return;
            }
            if (!proc_get_status(self::$server)['running']) {
                break;
            }
            usleep(50000);
        }
        self::stopServer();
        self::fail('php -S did not answer: ' . file_get_contents(self::$log));
    }

    public static function tearDownAfterClass(): void
    {
        self::stopServer();
        if (self::$log !== '' && is_file(self::$log)) {
            unlink(self::$log);
        }
    }

    private static function stopServer(): void
    {
        if (\is_resource(self::$server)) {
            proc_terminate(self::$server);
            proc_close(self::$server);
        }
        self::$server = null;
    }

    /** @return array{int, string, string} status, content type, body */
    private static function get(string $pathAndQuery, bool $json = false): array
    {
        $ctx = stream_context_create(['http' => [
            'ignore_errors' => true,
            'timeout' => 10,
            'header' => $json ? "Accept: application/json\r\n" : "Accept: text/html\r\n",
        ]]);
        $body = file_get_contents(self::$base . $pathAndQuery, false, $ctx);
        $headers = $http_response_header ?? [];
        preg_match('~^HTTP/\S+ (\d{3})~', $headers[0] ?? '', $m);
        $type = '';
        foreach ($headers as $h) {
            if (stripos($h, 'content-type:') === 0) {
                $type = trim(substr($h, 13));
            }
        }
        return [(int) ($m[1] ?? 0), $type, (string) $body];
    }

    public function testAValidBuyLinkShowsTheOrder(): void
    {
        [$status, $type, $body] = self::get('/?extension-id=wp-toolkit&kn=' . self::KN . '&token=QUJD&product-id=WPT_DELUXE');
        $this->assertSame(200, $status, $body);
        $this->assertStringStartsWith('text/html', $type);
        $this->assertStringContainsString('<td>wp-toolkit</td>', $body);
        $this->assertStringContainsString('<td>' . self::KN . '</td>', $body);
        $this->assertStringContainsString('<td>WPT_DELUXE</td>', $body);
        // The redirect URL is escaped in the attribute.
        $this->assertStringContainsString('extension-id=wp-toolkit&amp;kn=', $body);

        [$status, $type, $body] = self::get('/buy?extension-id=docker&kn=' . self::KN, true);
        $this->assertSame(200, $status);
        $this->assertSame('application/json', $type);
        $answer = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        $this->assertSame('accepted', $answer['status']);
        $this->assertSame('docker', $answer['request']['extension_id']);
        $this->assertSame('https://shop.example.com/store?extension-id=docker&kn=' . self::KN, $answer['redirect_url']);
    }

    /** @return array<string, array{string, string, ?string}> */
    public function badLinks(): array
    {
        return [
            'duplicate' => ['extension-id=docker&kn=' . self::KN . '&kn=PLSK.87654321.0001', 'param.duplicate', 'kn'],
            'duplicate-spelled-%6Bn' => ['extension-id=docker&kn=' . self::KN . '&%6Bn=x', 'param.duplicate', 'kn'],
            'look-alike-extension' => ['extension-id=docker.evil&kn=' . self::KN, 'extension.not_sold', 'extension-id'],
            'look-alike-key' => ['extension-id=docker&kn=PLSK.1234.0001', 'kn.malformed', 'kn'],
            'malformed-token' => ['extension-id=wp-toolkit&kn=' . self::KN . '&token=QU%20JD&product-id=WPT_DELUXE', 'token.malformed', 'token'],
            'bad-encoding' => ['extension-id=docker&kn=' . self::KN . '&x=%zz', 'param.bad_encoding', 'x'],
        ];
    }

    /** @dataProvider badLinks */
    public function testABadLinkIs400WithTheCode(string $query, string $code, ?string $field): void
    {
        [$status, $type, $body] = self::get('/?' . $query, true);
        $this->assertSame(400, $status, $body);
        $this->assertSame('application/json', $type);
        $answer = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
        $this->assertSame('rejected', $answer['status']);
        $this->assertSame($code, $answer['code']);
        $this->assertSame($field, $answer['field']);
        $this->assertNotSame('', $answer['message']);

        [$status, $type, $body] = self::get('/?' . $query);
        $this->assertSame(400, $status);
        $this->assertStringStartsWith('text/html', $type);
        $this->assertStringContainsString('<code>' . $code . '</code>', $body);
    }

    public function testRejectionsAreEscaped(): void
    {
        [$status, , $body] = self::get('/?extension-id=docker&kn=' . self::KN . '&%3Cb%3E=1&%3Cb%3E=2');
        $this->assertSame(400, $status);
        $this->assertStringContainsString('&lt;b&gt;', $body);
        $this->assertStringNotContainsString('<b>', $body);
    }
}
