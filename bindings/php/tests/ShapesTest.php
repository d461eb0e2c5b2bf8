<?php

declare(strict_types=1);

namespace Resale\Tests;

use Resale\CatalogStats;
use Resale\Declarations;
use Resale\Policy;
use Resale\ShopRequest;

/**
 * PHP's value objects and the C structs PHP reads against the core's
 * shapes: tests/vectors/schema/ (generated from the Rust types), and the
 * answers the shared vectors get through PHP. A field the core adds and
 * PHP does not mirror fails here.
 */
final class ShapesTest extends ResaleTestCase
{
    /** @return list<string> the top-level properties of a schema, in order */
    private static function schemaFields(string $name): array
    {
        $schema = json_decode((string) file_get_contents(self::ROOT . "/tests/vectors/schema/{$name}.json"), true, 512, JSON_THROW_ON_ERROR);
        return array_keys($schema['properties']);
    }

    /** @return list<string> the fields of `struct $name` in the declarations PHP loads */
    private static function cFields(string $name): array
    {
        $h = Declarations::load()['text'];
        if (!preg_match('/typedef struct ' . $name . ' \{(.*?)\} ' . $name . ';/s', $h, $m)) {
            self::fail("no struct {$name} in resale.h");
        }
        preg_match_all('/^\s*[A-Za-z_][\w\s\*]*?\b(\w+);\s*$/m', $m[1], $f);
        return $f[1];
    }

    /** @return list<string> a class's constructor parameters as snake_case */
    private static function phpFields(string $class): array
    {
        $params = (new \ReflectionMethod($class, '__construct'))->getParameters();
        return array_map(
            static fn (\ReflectionParameter $p): string => strtolower((string) preg_replace('/[A-Z]/', '_$0', $p->getName())),
            $params,
        );
    }

    public function testCatalogStatsMirrorsTheCoreInPhpAndInC(): void
    {
        $core = self::schemaFields('catalog_stats');
        $this->assertContains('bytes_out', $core);
        $this->assertSame($core, self::phpFields(CatalogStats::class), 'Resale\CatalogStats');
        $this->assertSame($core, self::cFields('resale_catalog_stats'), 'resale_catalog_stats');
    }

    public function testShopRequestMirrorsTheCoreInPhpAndInC(): void
    {
        $core = self::schemaFields('shop_request');
        $this->assertContains('extension_key_number', $core);
        // PHP adds the redirect and the query it was checked from; C the
        // forwarded query, the redirect and the query.
        $this->assertSame([...$core, 'redirect_url', 'query'], self::phpFields(ShopRequest::class));
        // C: the block (data, len), then each value by name as `<name>_at`
        // and `<name>_len`, `action` as itself.
        $c = self::cFields('resale_shop_request_fields');
        $this->assertSame(['data', 'len'], \array_slice($c, 0, 2));
        $names = [];
        foreach (\array_slice($c, 2) as $i => $field) {
            if (str_ends_with($field, '_at')) {
                $name = substr($field, 0, -3);
                $this->assertSame("{$name}_len", $c[$i + 3] ?? null, "{$field} is followed by its length");
                $names[] = $name;
            } elseif (!str_ends_with($field, '_len')) {
                $names[] = $field;
            }
        }
        $this->assertSame([...$core, 'forward_query', 'redirect_url', 'query'], $names);
        // The absent length PHP compares with is the header's.
        $h = (string) file_get_contents(self::ROOT . '/ffi/include/resale.h');
        $this->assertMatchesRegularExpression('/^#define RESALE_ABSENT UINT32_MAX$/m', $h);
        $this->assertSame(0xFFFFFFFF, ShopRequest::ABSENT);
        preg_match('/^\s*RESALE_ACTION_UPGRADE = (\d+),$/m', $h, $m);
        $this->assertSame(ShopRequest::ACTION_UPGRADE, (int) ($m[1] ?? -1));
    }

    /**
     * The answers themselves: every accepted check vector's request, read
     * through the C struct into ShopRequest, gives back the core's object
     * (the same names and values), and the catalog vectors' stats have the
     * schema's fields.
     */
    public function testTheVectorsAnswersReadIntoTheValueObjects(): void
    {
        $n = 0;
        foreach (['check/seeds.json', 'check/targets.json', 'check/rejections.json'] as $file) {
            $doc = json_decode((string) file_get_contents(self::ROOT . "/tests/vectors/{$file}"), true, 512, JSON_THROW_ON_ERROR);
            foreach ($doc['cases'] as $c) {
                if ($c['expect']['status'] !== 'accepted') {
                    continue;
                }
                $policy = Policy::fromFile(self::ROOT . '/tests/vectors/policies/' . ($c['policy'] ?? $doc['policy']) . '.json');
                $r = $policy->checkShopRequest($c['input']);
                $this->assertSame($c['expect']['request'], $r->toArray(), $c['name']);
                $this->assertSame(self::schemaFields('shop_request'), array_keys($r->toArray()));
                $n++;
            }
        }
        $this->assertGreaterThan(10, $n);
        $doc = json_decode((string) file_get_contents(self::ROOT . '/tests/vectors/catalog/basic.json'), true, 512, JSON_THROW_ON_ERROR);
        $stats = 0;
        foreach ($doc['cases'] as $c) {
            if ($c['expect']['status'] !== 'ok') {
                continue;
            }
            $policy = Policy::fromFile(self::ROOT . '/tests/vectors/policies/' . ($c['policy'] ?? $doc['policy']) . '.json');
            $s = $policy->filterCatalog($c['input']['path'], $c['input']['body'])->stats;
            $this->assertSame($c['expect']['kept'], $s->kept, $c['name']);
            $this->assertSame($c['expect']['kind'], $s->kind, $c['name']);
            $this->assertSame(self::schemaFields('catalog_stats'), array_keys(self::snake(get_object_vars($s))));
            $stats++;
        }
        $this->assertGreaterThan(0, $stats);
    }

    /**
     * @param array<string, mixed> $vars
     * @return array<string, mixed>
     */
    private static function snake(array $vars): array
    {
        $out = [];
        foreach ($vars as $k => $v) {
            $out[strtolower((string) preg_replace('/[A-Z]/', '_$0', $k))] = $v;
        }
        return $out;
    }
}
