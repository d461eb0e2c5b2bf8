<?php

declare(strict_types=1);

namespace Resale\Marketplace;

use Resale\InvalidArgument;
use Resale\Library;

/**
 * Entitlements in a database through PDO (SQLite, MySQL/MariaDB,
 * PostgreSQL), safe when deliveries for one account arrive at once in
 * several PHP processes.
 *
 * Each delivery is one transaction: the account's row is locked
 * (`SELECT … FOR UPDATE` on MySQL and PostgreSQL; `BEGIN IMMEDIATE`, the
 * database's write lock, on SQLite), the `X-GitHub-Delivery` ID is looked up
 * (a redelivery changes nothing and repeats the answer it got the first
 * time, with `redelivered: true`), and the account's kept deliveries and the
 * new one are folded in event order by the engine ({@see Webhook::replay()}):
 * the entitlement stored is the same whatever order concurrent deliveries
 * arrived in. The schema is shipped in `sql/` ({@see createSchema()}).
 *
 * ```php
 * $pdo = new PDO('sqlite:/var/lib/shop/entitlements.db', null, null, [PDO::ATTR_TIMEOUT => 30]);
 * $store = new Resale\Marketplace\PdoStore($pdo);
 * Resale\Marketplace\Webhook::verify($body, $_SERVER['HTTP_X_HUB_SIGNATURE_256'] ?? null, $secrets);
 * $answer = $store->apply($_SERVER['HTTP_X_GITHUB_DELIVERY'], $body);
 * ```
 *
 * On SQLite, set `PDO::ATTR_TIMEOUT` (seconds to wait for the lock held by
 * another process; PHP's default is 60). An account keeps at most
 * {@see MAX_KEPT} payloads: at that many, the fold so far becomes the
 * account's base and the payloads are dropped (their IDs stay, so
 * redeliveries are still recognised).
 */
final class PdoStore
{
    /** Payloads kept per account before they are folded into its base (below the engine's 1024). */
    public const MAX_KEPT = 1000;

    /** Longest delivery ID accepted (GitHub's are 36-character GUIDs). */
    public const MAX_DELIVERY_ID = 128;

    private const JSON = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR;

    private string $driver;

    public function __construct(private \PDO $pdo, private ?Library $lib = null)
    {
        $pdo->setAttribute(\PDO::ATTR_ERRMODE, \PDO::ERRMODE_EXCEPTION);
        $this->driver = (string) $pdo->getAttribute(\PDO::ATTR_DRIVER_NAME);
        if (!\in_array($this->driver, ['sqlite', 'mysql', 'pgsql'], true)) {
            throw new InvalidArgument('argument.pdo_driver', "PDO driver `{$this->driver}` is not supported (sqlite, mysql, pgsql)", 'pdo');
        }
    }

    /** The path of the schema shipped for this connection's database. */
    public function schemaFile(): string
    {
        $name = ['sqlite' => 'sqlite', 'mysql' => 'mysql', 'pgsql' => 'postgresql'][$this->driver];
        return \dirname(__DIR__, 2) . "/sql/{$name}.sql";
    }

    /** Create the two tables (and index) if they do not exist. */
    public function createSchema(): void
    {
        $sql = (string) file_get_contents($this->schemaFile());
        foreach (preg_split('/;\s*$/m', $sql) ?: [] as $statement) {
            $lines = array_filter(explode("\n", $statement), static fn (string $l): bool => !str_starts_with(ltrim($l), '--'));
            if (trim(implode("\n", $lines)) !== '') {
                $this->pdo->exec($statement);
            }
        }
    }

    /**
     * Apply one verified `marketplace_purchase` delivery.
     *
     * @return array{status: string, reason: ?string, duplicate_purchase: bool, entitlement: array<string, mixed>, redelivered: bool}
     * @throws MarketplaceError the engine's error for this payload (nothing is stored)
     * @throws InvalidArgument `argument.delivery_id` (empty, longer than MAX_DELIVERY_ID, or control characters),
     *                         `delivery.other_account` (the ID was seen for another account)
     */
    public function apply(string $deliveryId, string $body): array
    {
        if ($deliveryId === '' || \strlen($deliveryId) > self::MAX_DELIVERY_ID || preg_match('/[\x00-\x20\x7f]/', $deliveryId)) {
            throw new InvalidArgument('argument.delivery_id', 'the X-GitHub-Delivery ID must be 1 to ' . self::MAX_DELIVERY_ID . ' visible characters', 'delivery_id');
        }
        $account = self::accountOf($body);
        if ($account === null) {
            // Not an event the engine can read: its error names the field.
            Webhook::replay(null, [$body], $this->lib);
            throw new InvalidArgument('argument.body', 'the payload names no account', 'body');
        }
        return $this->transaction($account, function (array $row) use ($account, $deliveryId, $body): array {
            $seen = $this->fetch('SELECT account_id, answer FROM resale_deliveries WHERE delivery_id = ?', [$deliveryId]);
            if ($seen !== null) {
                if ((int) $seen['account_id'] !== $account) {
                    throw new InvalidArgument('delivery.other_account', "delivery {$deliveryId} was seen for another account", 'delivery_id');
                }
                return json_decode((string) $seen['answer'], true, 512, JSON_THROW_ON_ERROR) + ['redelivered' => true];
            }
            $payloads = $this->payloads($account);
            $base = $row['base'];
            if (\count($payloads) >= self::MAX_KEPT) {
                $base = $row['entitlement'];
                $payloads = [];
                $this->run('UPDATE resale_deliveries SET payload = NULL WHERE account_id = ?', [$account]);
            }
            $payloads[] = $body;
            $answer = Webhook::replay($base, $payloads, $this->lib);
            $seq = (int) $row['deliveries'] + 1;
            $this->run(
                'INSERT INTO resale_deliveries (delivery_id, account_id, seq, payload, answer) VALUES (?, ?, ?, ?, ?)',
                [$deliveryId, $account, $seq, $body, json_encode($answer, self::JSON)],
            );
            $this->run(
                'UPDATE resale_entitlements SET base = ?, entitlement = ?, deliveries = ? WHERE account_id = ?',
                [$base, json_encode($answer['entitlement'], self::JSON), $seq, $account],
            );
            return $answer + ['redelivered' => false];
        });
    }

    /**
     * The account's entitlement, or null.
     *
     * @return array<string, mixed>|null
     */
    public function get(int $accountId): ?array
    {
        $row = $this->fetch('SELECT entitlement FROM resale_entitlements WHERE account_id = ?', [$accountId]);
        return $row === null || $row['entitlement'] === null ? null : json_decode((string) $row['entitlement'], true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * Every stored entitlement, by account ID.
     *
     * @return list<array<string, mixed>>
     */
    public function all(): array
    {
        $out = [];
        foreach ($this->pdo->query('SELECT entitlement FROM resale_entitlements WHERE entitlement IS NOT NULL ORDER BY account_id') ?: [] as $row) {
            $out[] = json_decode((string) $row['entitlement'], true, 512, JSON_THROW_ON_ERROR);
        }
        return $out;
    }

    /**
     * Compare GitHub's listing with this store ({@see Reconcile::compare()});
     * with `$apply`, each repaired entitlement becomes its account's base
     * (kept deliveries dated after the listing still fold on top of it).
     *
     * @return array{status: string, differences: list<array<string, mixed>>, repaired: list<array<string, mixed>>}
     */
    public function reconcile(string $accounts, string $listedAt, bool $apply = false): array
    {
        $result = Reconcile::compare($accounts, $this->all(), $listedAt, $this->lib);
        if ($apply) {
            foreach ($result['repaired'] as $state) {
                $this->storeBase($state);
            }
        }
        return $result;
    }

    /** @param array<string, mixed> $state */
    private function storeBase(array $state): void
    {
        $account = (int) $state['account']['id'];
        $this->transaction($account, function () use ($account, $state): bool {
            $base = json_encode($state, self::JSON);
            $payloads = $this->payloads($account);
            $now = $payloads === [] ? $state : Webhook::replay($base, $payloads, $this->lib)['entitlement'];
            $this->run('UPDATE resale_entitlements SET base = ?, entitlement = ? WHERE account_id = ?', [$base, json_encode($now, self::JSON), $account]);
            return true;
        });
    }

    /**
     * Run `$work` with the account's row locked, in one transaction.
     *
     * @template T
     * @param callable(array{base: ?string, entitlement: ?string, deliveries: int|string}): T $work
     * @return T
     */
    private function transaction(int $account, callable $work): mixed
    {
        if ($this->driver === 'sqlite') {
            $this->pdo->exec('BEGIN IMMEDIATE');
        } else {
            $this->pdo->beginTransaction();
        }
        try {
            $insert = [
                'sqlite' => 'INSERT OR IGNORE INTO resale_entitlements (account_id) VALUES (?)',
                'mysql' => 'INSERT IGNORE INTO resale_entitlements (account_id) VALUES (?)',
                'pgsql' => 'INSERT INTO resale_entitlements (account_id) VALUES (?) ON CONFLICT DO NOTHING',
            ][$this->driver];
            $this->run($insert, [$account]);
            $lock = $this->driver === 'sqlite' ? '' : ' FOR UPDATE';
            $row = $this->fetch("SELECT base, entitlement, deliveries FROM resale_entitlements WHERE account_id = ?{$lock}", [$account]);
            $result = $work($row ?? ['base' => null, 'entitlement' => null, 'deliveries' => 0]);
            $this->driver === 'sqlite' ? $this->pdo->exec('COMMIT') : $this->pdo->commit();
            return $result;
        } catch (\Throwable $e) {
            $this->driver === 'sqlite' ? $this->pdo->exec('ROLLBACK') : $this->pdo->rollBack();
            throw $e;
        }
    }

    /** @return list<string> the account's kept payloads, in arrival order */
    private function payloads(int $account): array
    {
        $st = $this->pdo->prepare('SELECT payload FROM resale_deliveries WHERE account_id = ? AND payload IS NOT NULL ORDER BY seq');
        $st->execute([$account]);
        return array_map('strval', $st->fetchAll(\PDO::FETCH_COLUMN));
    }

    /**
     * @param list<mixed> $args
     * @return array<string, mixed>|null
     */
    private function fetch(string $sql, array $args): ?array
    {
        $st = $this->pdo->prepare($sql);
        $st->execute($args);
        $row = $st->fetch(\PDO::FETCH_ASSOC);
        return $row === false ? null : $row;
    }

    /** @param list<mixed> $args */
    private function run(string $sql, array $args): void
    {
        $this->pdo->prepare($sql)->execute($args);
    }

    /** The account ID a payload names, or null. */
    private static function accountOf(string $body): ?int
    {
        try {
            $id = json_decode($body, true, 64, JSON_THROW_ON_ERROR)['marketplace_purchase']['account']['id'] ?? null;
        } catch (\JsonException) {
            return null;
        }
        return \is_int($id) && $id >= 0 ? $id : null;
    }
}
