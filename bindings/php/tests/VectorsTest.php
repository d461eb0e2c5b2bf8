<?php

declare(strict_types=1);

namespace Resale\Tests;

use Resale\License;
use Resale\Marketplace\Reconcile;
use Resale\Marketplace\Webhook;
use Resale\Policy;
use Resale\Rejection;
use Resale\ResaleException;
use Resale\Rewrite;

/**
 * Every shared vector of tests/vectors/ through the PHP API (not raw FFI),
 * each answer built in the report shape of resale_core::report, compared
 * by the rule of tests/vectors/README.md: equal once the top-level
 * `message` is set aside on both sides, and any message a non-empty
 * sentence. Writes target/vector-counts/php-ffi.txt ("php-ffi\ttotal\tfailed").
 */
final class VectorsTest extends ResaleTestCase
{
    private const JSON = JSON_BIGINT_AS_STRING | JSON_THROW_ON_ERROR;

    /** @var array<string, Policy> */
    private array $policies = [];

    public function testEveryVectorFile(): void
    {
        $dir = self::ROOT . '/tests/vectors';
        $files = [];
        $it = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($dir, \FilesystemIterator::SKIP_DOTS));
        foreach ($it as $file) {
            $path = $file->getPathname();
            if (str_ends_with($path, '.json') && !str_contains($path, '/policies/') && !str_contains($path, '/gateway/') && !str_contains($path, '/schema/')) {
                $files[] = $path;
            }
        }
        sort($files);
        $this->assertNotEmpty($files);

        $total = 0;
        $failures = [];
        $functions = [];
        foreach ($files as $path) {
            $text = file_get_contents($path);
            // Arrays for comparing; objects (keeping {} apart from []) for
            // inputs that are re-encoded as JSON for the engine.
            $doc = json_decode($text, true, 512, self::JSON);
            $raw = json_decode($text, false, 512, self::JSON);
            $functions[$doc['function']] = true;
            foreach ($doc['cases'] as $i => $case) {
                $total++;
                $policyName = $case['policy'] ?? $doc['policy'] ?? null;
                $policy = $policyName !== null ? $this->policy($policyName) : null;
                try {
                    $actual = $this->answer($doc['function'], $policy, $case['input'], $raw->cases[$i]->input);
                } catch (\Throwable $e) {
                    $actual = ['status' => 'exception', 'class' => \get_class($e), 'message' => $e->getMessage()];
                }
                if (!self::sameAnswer($actual, $case['expect'])) {
                    $failures[] = sprintf(
                        "%s: %s\n  expected %s\n  actual   %s",
                        substr($path, \strlen($dir) + 1),
                        $case['name'],
                        json_encode($case['expect'], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE),
                        json_encode($actual, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE),
                    );
                }
            }
        }

        $counts = self::ROOT . '/target/vector-counts';
        if (!is_dir($counts)) {
            mkdir($counts, 0777, true);
        }
        file_put_contents("{$counts}/php-ffi.txt", sprintf("php-ffi\t%d\t%d\n", $total, \count($failures)));
        fwrite(STDERR, sprintf("\nphp-ffi: %d passed of %d shared vectors\n", $total - \count($failures), $total));

        foreach (['lint', 'rewrite', 'check', 'panel_ini', 'filter_catalog', 'license_plan', 'activation_commands',
            'parse_key', 'upgrade_target_state', 'marketplace_verify', 'marketplace_apply', 'marketplace_seat', 'marketplace_reconcile', 'marketplace_replay'] as $f) {
            $this->assertArrayHasKey($f, $functions, "no vector file for {$f}");
        }
        $this->assertSame([], $failures, implode("\n", $failures));
    }

    private function policy(string $name): Policy
    {
        return $this->policies[$name] ??= Policy::fromFile(self::ROOT . "/tests/vectors/policies/{$name}.json");
    }

    /**
     * The answer in the report shape.
     *
     * @param mixed $input the case's input (arrays)
     * @param mixed $rawInput the same, objects kept as objects
     * @return array<string, mixed>
     */
    private function answer(string $function, ?Policy $p, mixed $input, mixed $rawInput): array
    {
        switch ($function) {
            case 'lint':
                try {
                    Policy::fromJson($input);
                    return ['status' => 'ok'];
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'path');
                }

            case 'rewrite':
                $r = $p->rewrite($input);
                return match ($r->status) {
                    Rewrite::REWRITTEN => ['status' => 'rewritten', 'url' => $r->url],
                    Rewrite::UNCHANGED => ['status' => 'unchanged', 'reason' => $r->reason, 'message' => $r->message],
                    default => ['status' => 'error', 'code' => $r->reason, 'message' => $r->message],
                };

            case 'check':
                try {
                    $r = $p->checkShopRequest($input);
                } catch (Rejection $e) {
                    return self::error('rejected', $e, 'field');
                }
                return ['status' => 'accepted', 'request' => $r->toArray(), 'redirect_url' => $r->redirectUrl];

            case 'panel_ini':
                try {
                    return ['status' => 'ok', 'text' => $p->panelIni($input['catalog_url'] ?? null)];
                } catch (ResaleException $e) {
                    return self::error('error', $e);
                }

            case 'filter_catalog':
                try {
                    $f = $p->filterCatalog($input['path'], $input['body']);
                } catch (ResaleException $e) {
                    return self::error('error', $e, null, true);
                }
                return [
                    'status' => 'ok',
                    'kind' => $f->stats->kind,
                    'body' => $f->body,
                    'kept' => $f->stats->kept,
                    'dropped' => $f->stats->dropped,
                ];

            case 'license_plan':
                try {
                    if (($input['main_item'] ?? null) !== null) {
                        $plan = License::newInstancePlan($p, $input['main_item'], $input['extensions'], self::encode($rawInput->order));
                    } else {
                        $plan = License::plan($p, $input['query'], self::encode($rawInput->order));
                    }
                } catch (Rejection $e) {
                    return self::error('rejected', $e, 'field');
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }
                return ['status' => 'ok', 'plan' => $plan];

            case 'activation_commands':
                try {
                    return ['status' => 'ok', 'commands' => License::activationCommands($input['code'], $input['os'])];
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'parse_key':
                try {
                    return ['status' => 'ok', 'key' => License::parseKey($input['body'], $input['location'] ?? null)];
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'upgrade_target_state':
                try {
                    return ['status' => 'ok', 'body' => License::upgradeTargetState($input['key'], self::encode($rawInput->spec))];
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'marketplace_verify':
                try {
                    Webhook::verify($input['body'], $input['signature'] ?? null, $input['secrets']);
                    return ['status' => 'ok'];
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'marketplace_apply':
                try {
                    $state = $rawInput->state === null ? null : self::encode($rawInput->state);
                    return Webhook::apply($state, self::encode($rawInput->event));
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'marketplace_replay':
                try {
                    $base = $rawInput->base === null ? null : self::encode($rawInput->base);
                    $events = \is_array($rawInput->events)
                        ? array_map(static fn ($e): string => self::encode($e), $rawInput->events)
                        : self::encode($rawInput->events);
                    return Webhook::replay($base, $events);
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'marketplace_reconcile':
                try {
                    $stored = array_map(static fn ($s): string => self::encode($s), $rawInput->stored);
                    return ['status' => 'ok'] + Reconcile::compare(self::encode($rawInput->accounts), $stored, $input['now']);
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }

            case 'marketplace_seat':
                try {
                    return ['status' => 'ok'] + Webhook::seat(self::encode($rawInput->state), (int) $input['seat'], $input['now']);
                } catch (ResaleException $e) {
                    return self::error('error', $e, 'field');
                }
        }
        throw new \LogicException("no runner for vector function `{$function}`: add it here and in every binding");
    }

    /** {"status", "code", [fieldKey: field], ["offset"], "message"} from an exception. */
    private static function error(string $status, ResaleException $e, ?string $fieldKey = null, bool $offset = false): array
    {
        $o = ['status' => $status, 'code' => $e->getErrorCode()];
        if ($fieldKey !== null) {
            $o[$fieldKey] = $e->getField();
        }
        if ($offset) {
            $o['offset'] = $e->getOffset();
        }
        $o['message'] = $e->getReason();
        return $o;
    }

    private static function encode(mixed $v): string
    {
        return json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR);
    }

    /** The README's matching rule. */
    private static function sameAnswer(array $actual, array $expect): bool
    {
        if (\array_key_exists('message', $actual) && (!\is_string($actual['message']) || $actual['message'] === '')) {
            return false;
        }
        unset($actual['message'], $expect['message']);
        return self::canonical($actual) === self::canonical($expect);
    }

    /** Objects with sorted keys, integral floats as integers: JSON equality as ===. */
    private static function canonical(mixed $v): mixed
    {
        if (\is_array($v)) {
            if (!array_is_list($v)) {
                ksort($v, SORT_STRING);
            }
            return array_map([self::class, 'canonical'], $v);
        }
        if (\is_float($v) && floor($v) === $v && abs($v) < 2 ** 53) {
            return (int) $v;
        }
        return $v;
    }
}
