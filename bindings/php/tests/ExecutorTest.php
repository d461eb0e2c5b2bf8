<?php

declare(strict_types=1);

namespace Resale\Tests;

use Resale\License;
use Resale\License\Executor;
use Resale\License\StepFailed;
use Resale\Policy;

/**
 * Resale\License\Executor over HTTP against the fake Key Administrator of
 * tests/fake-ka/ (PHP's built-in server): an upsell, an upgrade and a new
 * instance with extensions for Partner API 3.0 and 1.0, and failures (a
 * step in the middle of a plan, 401, 404, a v1 result code).
 */
final class ExecutorTest extends ResaleTestCase
{
    private const LOGIN = 'api-login';
    private const PASSWORD = 'pa"ss<&>word';
    private const EKN = 'EXT.23456789.0001';

    /** @var resource|null */
    private static $server = null;
    private static string $base = '';
    private static string $state = '';

    public static function setUpBeforeClass(): void
    {
        self::$state = tempnam(sys_get_temp_dir(), 'fake-ka-');
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr((string) stream_socket_get_name($sock, false), strrpos((string) stream_socket_get_name($sock, false), ':') + 1);
        fclose($sock);
        $cmd = [PHP_BINARY, '-S', "127.0.0.1:{$port}", self::ROOT . '/tests/fake-ka/router.php'];
        $env = ['FAKE_KA_STATE' => self::$state, 'FAKE_KA_LOGIN' => self::LOGIN, 'FAKE_KA_PASSWORD' => self::PASSWORD];
        self::$server = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes, null, $env);
        self::$base = "http://127.0.0.1:{$port}";
        for ($i = 0; $i < 100; $i++) {
            $c = @fsockopen('127.0.0.1', $port);
            if ($c !== false) {
                fclose($c);
                return;
            }
            usleep(50_000);
        }
        self::fail('the fake KA did not start');
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$server !== null) {
            proc_terminate(self::$server);
            proc_close(self::$server);
        }
        @unlink(self::$state);
    }

    protected function setUp(): void
    {
        // Every test starts from the same KA: a Plesk key and an extension key on it.
        file_put_contents(self::$state, json_encode(['next' => 30000001, 'log' => [], 'keys' => [
            '12345678' => ['ownerId' => '12345', 'keyIdentifiers' => ['keyId' => 12345678, 'keyNumber' => self::KN, 'activationCode' => 'MAIN-CODE'],
                'parentKeyIdentifiers' => null, 'items' => [['item' => 'PLESK-12-WEB-ADMIN-1M', 'externalId' => null]], 'status' => 'ACTIVE'],
            '23456789' => ['ownerId' => '12345', 'keyIdentifiers' => ['keyId' => 23456789, 'keyNumber' => self::EKN, 'activationCode' => 'EXT-CODE'],
                'parentKeyIdentifiers' => ['keyNumber' => self::KN],
                'items' => [['item' => 'EXT-WP-TOOLKIT-LITE-1M', 'externalId' => 'order-1'], ['item' => 'UNMATCHED-FEATURE-X', 'externalId' => null],
                    ['item' => 'WP_TOOLKIT_LITE', 'externalId' => null]],
                'status' => 'ACTIVE'],
        ]]));
    }

    private static function policy(): Policy
    {
        return Policy::fromFile(self::ROOT . '/tests/vectors/policies/ka.json');
    }

    /** @return array<string, mixed> */
    private static function ka(): array
    {
        return json_decode((string) file_get_contents(self::$state), true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return array<string, mixed> */
    private static function key(string $number): array
    {
        foreach (self::ka()['keys'] as $key) {
            if ($key['keyIdentifiers']['keyNumber'] === $number) {
                return $key;
            }
        }
        self::fail("KA has no key {$number}");
    }

    private static function executor(string $password = self::PASSWORD): Executor
    {
        return new Executor(self::$base, self::LOGIN, $password, 10);
    }

    /**
     * The StepFailed that running `$plan` ends with (the test fails when the
     * plan runs through).
     *
     * @param array<string, mixed> $plan
     */
    private function stepFailed(array $plan, string $password = self::PASSWORD): StepFailed
    {
        try {
            self::executor($password)->run($plan);
        } catch (StepFailed $e) {
            return $e;
        }
        $this->fail('the plan ran without a failed step');
    }

    /** An Individual Offers upsell of WP Toolkit on the Plesk key KN. */
    private const UPSELL = 'extension-id=wp-toolkit&kn=' . self::KN . '&token=QUJD&product-id=WPT_DELUXE';
    private const V3 = ['order_id' => 'order-7', 'api' => 'v3', 'owner_id' => '12345'];
    private const V1 = ['order_id' => 'order-8', 'api' => 'v1', 'owner_id' => '12345', 'server_ips' => ['203.0.113.7']];

    public function testV3UpsellCreatesTheKeyAttachedToKn(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL, self::V3);
        $answers = self::executor()->run($plan);
        $a = $answers['extension-key:wp-toolkit'];
        $this->assertSame(201, $a['status']);
        $this->assertMatchesRegularExpression('~/30/keys/\d+$~', $a['location']);
        $key = self::key($a['fields']['keyNumber']);
        $this->assertSame(self::KN, $key['parentKeyIdentifiers']['keyNumber']);
        $this->assertSame([['item' => 'EXT-WP-TOOLKIT-DELUXE-1M', 'externalId' => 'order-7']], $key['items']);
        $this->assertSame('12345', $key['ownerId']);
    }

    public function testV3UpgradeReadsTheKeyAndPutsItsTargetState(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL . '&ekn=' . self::EKN . '&a=upgrade', self::V3);
        $answers = self::executor()->run($plan);
        $this->assertSame(['get-key:23456789', 'upgrade-key:23456789'], array_keys($answers));
        $this->assertSame(200, $answers['upgrade-key:23456789']['status']);
        $items = array_column(self::key(self::EKN)['items'], 'item');
        // The swapped item, and the others passed back unchanged.
        $this->assertSame(['EXT-WP-TOOLKIT-DELUXE-1M', 'UNMATCHED-FEATURE-X', 'WP_TOOLKIT_LITE'], $items);
        $log = array_values(array_filter(self::ka()['log'], static fn ($l) => $l['api'] === 'v3'));
        $this->assertSame([['GET', '/30/keys/23456789'], ['PUT', '/30/keys/23456789']], array_map(static fn ($l) => [$l['method'], $l['path']], $log));
    }

    public function testV3NewInstanceAttachesExtensionsToTheNewMainKey(): void
    {
        $plan = License::newInstancePlan(self::policy(), 'PLESK-12-WEB-ADMIN-1M', ['wp-toolkit'], self::V3);
        $answers = self::executor()->run($plan);
        $main = $answers['main-key']['fields']['keyNumber'];
        $this->assertNotSame('', $answers['main-key']['fields']['activationCode']);
        $ext = self::key($answers['extension-key:wp-toolkit']['fields']['keyNumber']);
        $this->assertSame($main, $ext['parentKeyIdentifiers']['keyNumber']);
    }

    public function testV3FailureInTheMiddleStopsThePlanAndNamesTheStep(): void
    {
        // KA sells no EXT-IMUNIFY360-1M: the second step fails, the third never runs.
        $plan = License::newInstancePlan(self::policy(), 'PLESK-12-WEB-ADMIN-1M', ['imunify360', 'wp-toolkit'], self::V3);
        $this->assertCount(3, $plan['steps']);
        $e = $this->stepFailed($plan);
        $this->assertSame('ka.status', $e->getErrorCode());
        $this->assertSame('extension-key:imunify360', $e->getStep());
        $this->assertSame('extension-key:imunify360', $e->getField());
        $this->assertSame(400, $e->getHttpStatus());
        $this->assertSame(['main-key'], array_keys($e->getCompleted()));
        $this->assertStringContainsString('extension-key:imunify360', $e->getMessage());
        $posts = array_filter(self::ka()['log'], static fn ($l) => $l['api'] === 'v3' && $l['method'] === 'POST');
        $this->assertCount(2, $posts);
        $this->assertStringNotContainsString('EXT-WP-TOOLKIT', implode(' ', array_column($posts, 'body')));
    }

    public function testV3WrongCredentialsAre401AndNeverInTheMessage(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL, self::V3);
        $e = $this->stepFailed($plan, 'wrong-password-xyz');
        $this->assertSame(401, $e->getHttpStatus());
        $this->assertStringNotContainsString('wrong-password-xyz', $e->getMessage() . print_r($e->getCompleted(), true));
        $this->assertStringNotContainsString(self::PASSWORD, print_r(self::executor(), true));
    }

    public function testV3UnknownKeyIs404AtTheGetStep(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL . '&ekn=EXT.99999999.0001&a=upgrade', self::V3);
        $e = $this->stepFailed($plan);
        $this->assertSame(['get-key:99999999', 404], [$e->getStep(), $e->getHttpStatus()]);
        $this->assertCount(1, self::ka()['log'], 'the PUT did not run');
    }

    public function testEndpointMustNotCarryCredentials(): void
    {
        try {
            new Executor('https://user:pw@api.central.plesk.com', self::LOGIN, self::PASSWORD);
            $this->fail('no exception');
        } catch (\Resale\LicenseError $e) {
            $this->assertSame(['ka.base_url.invalid', 'base_url'], [$e->getErrorCode(), $e->getField()]);
            $this->assertStringNotContainsString('pw@', $e->getMessage());
        }
    }

    public function testV1UpsellIsOneCreateKeyWithParent(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL, self::V1);
        $answers = self::executor()->run($plan);
        $a = $answers['extension-key:wp-toolkit'];
        $this->assertSame('101', $a['fields']['resultCode']);
        $key = self::key($a['fields']['keyNumber']);
        $this->assertSame(self::KN, $key['parentKeyIdentifiers']['keyNumber']);
        $this->assertSame('WP_TOOLKIT_DELUXE', $key['items'][0]['item']);
        $this->assertSame([['api' => 'v1', 'method' => 'partner10.createKey', 'params' => 8]], self::ka()['log']);
    }

    public function testV1UpgradeKey(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL . '&ekn=' . self::EKN . '&a=upgrade', self::V1);
        $answers = self::executor()->run($plan);
        $this->assertSame('100', $answers['upgrade-key:' . self::EKN]['fields']['resultCode']);
        $this->assertContains('WP_TOOLKIT_DELUXE', array_column(self::key(self::EKN)['items'], 'item'));
    }

    public function testV1NewInstanceIsOneCallWithAdditionalKeys(): void
    {
        $plan = License::newInstancePlan(self::policy(), 'PLESK_12_WEB_ADMIN', ['wp-toolkit'], self::V1);
        $answers = self::executor()->run($plan);
        $f = $answers['main-key']['fields'];
        $this->assertSame('100', $f['resultCode']);
        $ext = self::key($f['additionalKeysNumbers']);
        $this->assertSame($f['mainKeyNumber'], $ext['parentKeyIdentifiers']['keyNumber']);
        $this->assertNotSame('', $f['productKey']);
    }

    public function testV1ResultCodesAreChecked(): void
    {
        $plan = License::plan(self::policy(), self::UPSELL . '&ekn=EXT.99999999.0001&a=upgrade', self::V1);
        $e = $this->stepFailed($plan);
        $this->assertSame(['ka.result_code', 'upgrade-key:EXT.99999999.0001'], [$e->getErrorCode(), $e->getStep()]);
        $this->assertStringContainsString('resultCode 220', $e->getMessage());
        $plan = License::plan(self::policy(), self::UPSELL, self::V1);
        $e = $this->stepFailed($plan, 'bad-pw-123');
        $this->assertStringContainsString('resultCode 200', $e->getMessage());
        $this->assertStringNotContainsString('bad-pw-123', $e->getMessage());
    }
}
