<?php

declare(strict_types=1);

namespace Resale\Tests;

use Resale\InvalidArgument;
use Resale\Marketplace\MarketplaceError;
use Resale\Marketplace\PdoStore;
use Resale\Marketplace\Webhook;

/**
 * The PDO store on SQLite: deliveries for one account from several PHP
 * processes at once, shuffled and partly duplicated, end in the
 * entitlement the command line computes applying the same events one by one
 * in event order.
 */
final class PdoStoreTest extends ResaleTestCase
{
    private const ACCOUNT = 4242;

    private string $dir;

    protected function setUp(): void
    {
        if (!\extension_loaded('pdo_sqlite')) {
            $this->fail('pdo_sqlite is missing: scripts/setup.sh php installs php8.2-sqlite3');
        }
        $this->dir = sys_get_temp_dir() . '/resale-pdo-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        foreach (glob("{$this->dir}/*") ?: [] as $f) {
            unlink($f);
        }
        rmdir($this->dir);
    }

    private function store(): PdoStore
    {
        $store = new PdoStore(new \PDO("sqlite:{$this->dir}/store.sqlite", null, null, [\PDO::ATTR_TIMEOUT => 60]));
        $store->createSchema();
        return $store;
    }

    /**
     * 50 events for one account in event order (dates strictly increasing):
     * purchases, changes, pending changes and their withdrawals,
     * cancellations and purchases again.
     *
     * @return list<string> the payloads
     */
    public static function events(int $n, int $seed, int $account = self::ACCOUNT): array
    {
        mt_srand($seed);
        $plans = [[435, 'Basic', 1000], [436, 'Pro', 3000], [437, 'Team', 5000]];
        $purchase = static function (int $p, int $units, string $cycle) use ($plans, $account): array {
            [$id, $name, $price] = $plans[$p];
            return [
                'account' => ['type' => 'Organization', 'id' => $account, 'login' => 'acme'],
                'billing_cycle' => $cycle, 'unit_count' => $units, 'on_free_trial' => false,
                'free_trial_ends_on' => null, 'next_billing_date' => '2027-01-01T00:00:00Z',
                'plan' => ['id' => $id, 'name' => $name, 'monthly_price_in_cents' => $price, 'yearly_price_in_cents' => 10 * $price,
                    'price_model' => 'PER_UNIT', 'unit_name' => 'seat', 'has_free_trial' => false, 'bullets' => []],
            ];
        };
        $t = gmmktime(0, 0, 0, 1, 1, 2026);
        $current = null;
        $pending = false;
        $out = [];
        for ($i = 0; $i < $n; $i++) {
            $t += 3600 * mt_rand(1, 72);
            $next = $purchase(mt_rand(0, 2), mt_rand(1, 20), mt_rand(0, 1) ? 'monthly' : 'yearly');
            if ($current === null) {
                $action = 'purchased';
            } else {
                $roll = mt_rand(0, 9);
                $action = match (true) {
                    $roll < 4 => 'changed',
                    $roll < 7 => 'pending_change',
                    $roll < 8 && $pending => 'pending_change_cancelled',
                    default => 'cancelled',
                };
            }
            $event = ['action' => $action, 'effective_date' => gmdate('Y-m-d\TH:i:s\Z', $t), 'sender' => ['login' => 'octocat', 'id' => 1]];
            $event['marketplace_purchase'] = match ($action) {
                'purchased', 'changed', 'pending_change' => $next,
                default => $current,
            };
            if ($current !== null) {
                $event['previous_marketplace_purchase'] = $current;
            }
            $out[] = json_encode($event, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
            [$current, $pending] = match ($action) {
                'purchased', 'changed' => [$next, false],
                'pending_change' => [$current, true],
                'pending_change_cancelled' => [$current, false],
                'cancelled' => [null, false],
            };
        }
        return $out;
    }

    /**
     * The entitlement `resale marketplace apply` gives for the events one
     * by one, in order.
     *
     * @param list<string> $events
     * @return array<string, mixed>
     */
    private function inOrder(array $events): array
    {
        $cli = self::ROOT . '/target/release/resale';
        $this->assertFileExists($cli, 'make build');
        $state = "{$this->dir}/state.json";
        $have = false;
        foreach ($events as $body) {
            $cmd = [$cli, 'marketplace', 'apply', ...($have ? ['--state', $state] : [])];
            $p = proc_open($cmd, [['pipe', 'r'], ['pipe', 'w'], ['pipe', 'w']], $pipes);
            fwrite($pipes[0], $body);
            fclose($pipes[0]);
            $answer = json_decode((string) stream_get_contents($pipes[1]), true, 512, JSON_THROW_ON_ERROR);
            fclose($pipes[1]);
            fclose($pipes[2]);
            $this->assertSame(0, proc_close($p));
            $this->assertContains($answer['status'], ['applied', 'ignored'], json_encode($answer));
            file_put_contents($state, json_encode($answer['entitlement'], JSON_UNESCAPED_SLASHES));
            $have = true;
        }
        return json_decode((string) file_get_contents($state), true, 512, JSON_THROW_ON_ERROR);
    }

    public function testConcurrentShuffledDuplicatedDeliveriesEndInTheInOrderEntitlement(): void
    {
        $events = self::events(50, 19);
        $actions = array_count_values(array_map(static fn (string $e): string => json_decode($e, true)['action'], $events));
        foreach (['purchased', 'changed', 'pending_change', 'cancelled'] as $a) {
            $this->assertArrayHasKey($a, $actions, "the sequence has no {$a}");
        }
        $deliveries = [];
        foreach ($events as $i => $body) {
            $deliveries[] = [sprintf('72d3162e-cc78-11e3-81ab-%012d', $i), $body];
        }
        mt_srand(7);
        $duplicates = 10;
        for ($k = 0; $k < $duplicates; $k++) {
            $deliveries[] = $deliveries[mt_rand(0, 49) + 0];
        }
        // A delivery chosen twice above still counts once per copy: the ID set decides.
        $copies = \count($deliveries) - \count(array_unique(array_column($deliveries, 0)));
        shuffle($deliveries);
        // The arrival order matters: applying each delivery on arrival (no fold) would end elsewhere.
        $naive = null;
        foreach ($deliveries as [, $body]) {
            $naive = Webhook::apply($naive, $body)['entitlement'];
        }
        $want = $this->inOrder($events);
        $this->assertNotSame($want, $naive, 'pick a shuffle where arrival order changes the naive answer');

        $this->store();
        $workers = 6;
        $go = "{$this->dir}/go";
        $procs = [];
        foreach (array_chunk($deliveries, (int) ceil(\count($deliveries) / $workers)) as $w => $jobs) {
            file_put_contents("{$this->dir}/jobs-{$w}.json", json_encode($jobs, JSON_UNESCAPED_SLASHES));
            $cmd = [PHP_BINARY, '-d', 'ffi.enable=1', __DIR__ . '/support/deliver.php', "{$this->dir}/store.sqlite", "{$this->dir}/jobs-{$w}.json", $go];
            $procs[] = proc_open($cmd, [['pipe', 'r'], ['pipe', 'w'], ['pipe', 'w']], $pipes) ?: null;
            $procs[\count($procs) - 1] = [$procs[\count($procs) - 1], $pipes];
        }
        touch($go);
        $answers = [];
        foreach ($procs as [$p, $pipes]) {
            fclose($pipes[0]);
            $out = (string) stream_get_contents($pipes[1]);
            $err = (string) stream_get_contents($pipes[2]);
            fclose($pipes[1]);
            fclose($pipes[2]);
            $this->assertSame(0, proc_close($p), $err);
            foreach (array_filter(explode("\n", $out)) as $line) {
                $answers[] = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
            }
        }
        $this->assertCount(\count($deliveries), $answers);
        foreach ($answers as $a) {
            $this->assertArrayNotHasKey('error', $a, json_encode($a));
        }
        $this->assertSame($copies, \count(array_filter($answers, static fn (array $a): bool => $a['redelivered'])));

        $this->assertSame($want, $this->store()->get(self::ACCOUNT));
    }

    public function testRedeliveryRepeatsTheFirstAnswerAndChangesNothing(): void
    {
        $store = $this->store();
        [$bought, $changed] = self::events(2, 3);
        $first = $store->apply('a', $bought);
        $this->assertFalse($first['redelivered']);
        $store->apply('b', $changed);
        $again = $store->apply('a', $bought);
        $this->assertTrue($again['redelivered']);
        $this->assertSame(array_diff_key($first, ['redelivered' => 1]), array_diff_key($again, ['redelivered' => 1]));
        $this->assertSame(json_decode($changed, true)['marketplace_purchase']['plan']['id'], $store->get(self::ACCOUNT)['plan']['id']);
    }

    public function testBadDeliveriesStoreNothing(): void
    {
        $store = $this->store();
        try {
            $store->apply('x', '{"action":"purchased"}');
            $this->fail('no error');
        } catch (MarketplaceError $e) {
            $this->assertSame('event.invalid', $e->getErrorCode());
        }
        [$bought] = self::events(1, 3);
        $other = str_replace('"id":' . self::ACCOUNT, '"id":7', $bought);
        $store->apply('y', $bought);
        $this->expectException(InvalidArgument::class);
        try {
            $store->apply('y', $other);
        } finally {
            $this->assertNull($store->get(7));
            $this->assertCount(1, $store->all());
        }
    }

    public function testReconcileApplyRepairsTheStoreAndLaterDeliveriesFoldOnTop(): void
    {
        $store = $this->store();
        [$bought, $changed] = self::events(2, 3);
        $store->apply('a', $bought);
        $listing = json_encode([[
            'type' => 'Organization', 'id' => self::ACCOUNT, 'login' => 'acme',
            'marketplace_pending_change' => null,
            'marketplace_purchase' => ['billing_cycle' => 'yearly', 'unit_count' => 99, 'on_free_trial' => false,
                'plan' => ['id' => 999, 'name' => 'Enterprise', 'price_model' => 'PER_UNIT']],
        ]]);
        $listedAt = json_decode($bought, true)['effective_date'];
        $result = $store->reconcile($listing, $listedAt, true);
        $this->assertContains('set_plan', array_column($result['differences'], 'repair'));
        $this->assertSame(999, $store->get(self::ACCOUNT)['plan']['id']);
        $this->assertSame([], $store->reconcile($listing, $listedAt)['differences']);
        // A change made after the listing was read still applies.
        $store->apply('b', $changed);
        $this->assertSame(json_decode($changed, true)['marketplace_purchase']['plan']['id'], $store->get(self::ACCOUNT)['plan']['id']);
    }
}
