<?php

declare(strict_types=1);

namespace Resale\Tests;

use Resale\CatalogError;
use Resale\InvalidInput;
use Resale\Policy;
use Resale\PolicyError;
use Resale\Rejection;

/**
 * Native memory is freed deterministically: 100,000 rewrite + check pairs,
 * with error paths, catalog filters (one-shot and streaming) and policies
 * made and dropped along the way, leave PHP's memory and the process's RSS
 * where they were at the 10,000 mark.
 */
final class LeakTest extends ResaleTestCase
{
    private static function rssBytes(): int
    {
        $statm = explode(' ', trim((string) file_get_contents('/proc/self/statm')));
        return (int) $statm[1] * 4096;
    }

    public function testNoGrowthOver100kCalls(): void
    {
        if (!is_readable('/proc/self/statm')) {
            $this->markTestSkipped('needs /proc/self/statm');
        }
        $policyText = (string) file_get_contents(self::ROOT . '/tests/vectors/policies/example.json');
        $policy = Policy::fromJson($policyText);
        $big = (string) file_get_contents(self::ROOT . '/tests/fixtures/packages.json');
        $small = '[{"code":"docker","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"},'
            . '{"code":"seo","buy_url":"https://go.plesk.com/buy-plesk-ext/seo"},{"code":"free"}]';
        $links = [
            'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=' . self::KN . '&token=QUJD&product-id=WPT_DELUXE',
            'https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . '&buyUrlCoupon=SPRING',
        ];
        // The largest outputs first, so buffers have their final capacity.
        $policy->filterCatalog('/api/v4/packages', $big);

        $errors = 0;
        $calls = 100000;
        $at10k = null;
        for ($i = 1; $i <= $calls; $i++) {
            $url = $policy->rewriteBuyUrl($links[$i & 1]);
            $r = $policy->checkShopRequest($url);
            if ($r->keyNumber !== self::KN) {
                $this->fail("wrong answer at call {$i}");
            }
            if ($i % 25 === 0) {
                // Error paths: each reads and frees an error object.
                try {
                    $policy->checkShopRequest('extension-id=docker&kn=' . self::KN . '&kn=x');
                } catch (Rejection $e) {
                    $errors++;
                }
                try {
                    $policy->rewriteBuyUrl('not a url');
                } catch (InvalidInput $e) {
                    $errors++;
                }
                $policy->rewriteBuyUrl('https://go.plesk.com.evil.example/buy-plesk-ext/docker');
                $policy->rewrite('https://evil.example/?go.plesk.com');
                // Catalog: one-shot, streaming, and an invalid feed.
                $policy->filterCatalog('/api/v4/packages', $small);
                $filter = $policy->catalogFilter('/api/v4/packages');
                $filter->push(substr($small, 0, 40));
                $filter->push(substr($small, 40));
                $filter->finish();
                try {
                    $policy->filterCatalog('/api/v4/packages', '[{"code":"x"},]');
                } catch (CatalogError $e) {
                    $errors++;
                }
            }
            if ($i % 250 === 0) {
                // Policies made and dropped, valid and invalid.
                $other = Policy::fromJson($policyText);
                $other->rewriteBuyUrl($links[0]);
                unset($other);
                try {
                    Policy::fromJson('{"shop_url": "shop.example.com"}');
                } catch (PolicyError $e) {
                    $errors++;
                }
            }
            if ($i === 10000) {
                unset($e, $filter, $r);
                gc_collect_cycles();
                $at10k = [memory_get_usage(), self::rssBytes()];
            }
        }
        unset($e, $filter, $r);
        gc_collect_cycles();
        $end = [memory_get_usage(), self::rssBytes()];

        $this->assertSame(3 * $calls / 25 + $calls / 250, $errors);
        $phpGrowth = $end[0] - $at10k[0];
        $rssGrowth = $end[1] - $at10k[1];
        fwrite(STDERR, sprintf(
            "\nleak test: %d rewrite+check pairs, %d error paths; from call 10k to 100k PHP memory %+d bytes, RSS %+d KiB (%.1f MiB at 100k)\n",
            $calls,
            $errors,
            $phpGrowth,
            intdiv($rssGrowth, 1024),
            $end[1] / 1048576,
        ));
        $this->assertLessThanOrEqual(4096, $phpGrowth, 'PHP memory grew');
        $this->assertLessThan(2 * 1048576, $rssGrowth, 'RSS grew by 2 MiB or more');
    }
}
