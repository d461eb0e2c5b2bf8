<?php

declare(strict_types=1);

/*
 * The hot path of a shop in PHP: rewrite a Plesk buy link, then check the
 * query it brings to the shop. Through FFI (Policy::rewriteBuyUrl +
 * Policy::checkShopRequest) versus a pure-PHP implementation of the same
 * rules (parse_url / parse_str-free query parsing / regexes), 100k calls
 * each, in the same run.
 *
 *   RESALE_LIB=target/release/libresale.so php bench/bench.php [--json] [--calls N]
 *
 * `make bench` and `make bench-php` run it as PHP-FPM runs PHP on Debian:
 * `php -d opcache.enable_cli=1 -d opcache.jit=off` (opcache on, JIT off, as
 * php8.2-opcache ships), both implementations in the same run; `opcache_on`
 * and `opcache_jit_on` in the JSON say what this run had.
 */

require __DIR__ . '/../autoload.php';
require __DIR__ . '/PurePhp.php';

use Resale\Bench\PurePhp;
use Resale\Policy;

$json = in_array('--json', $argv, true);
$calls = 100000;
if (($i = array_search('--calls', $argv, true)) !== false) {
    $calls = max(1, (int) ($argv[$i + 1] ?? $calls));
}

$policyText = <<<'JSON'
{
  "shop_url": "https://shop.example.com/store",
  "extensions": {
    "wp-toolkit": { "products": ["WPT_DELUXE"], "individual_offers": true, "partner_api_item": "EXT-WP-TOOLKIT" },
    "docker": {}
  }
}
JSON;
$policy = Policy::fromJson($policyText);
$pure = new PurePhp(json_decode($policyText, true, 512, JSON_THROW_ON_ERROR));

$links = [
    'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE',
    'https://go.plesk.com/buy-plesk-ext/docker?kn=PLESK.1234567890.0001&buyUrlCoupon=SPRING-24',
];

// Both implementations must agree on these before they are timed.
foreach ($links as $link) {
    $a = $policy->rewriteBuyUrl($link);
    $b = $pure->rewriteBuyUrl($link);
    if ($a !== $b) {
        fwrite(STDERR, "the implementations disagree on the rewrite of {$link}:\n  ffi  {$a}\n  pure {$b}\n");
        exit(1);
    }
    $r = $policy->checkShopRequest($a);
    $ra = $r->toArray() + ['redirect_url' => $r->redirectUrl];
    $rb = $pure->checkShopRequest($b);
    if ($ra !== $rb) {
        fwrite(STDERR, "the implementations disagree on the check of {$a}:\n" . var_export([$ra, $rb], true) . "\n");
        exit(1);
    }
}
foreach (['https://go.plesk.com.evil.example/buy-plesk-ext/docker?kn=X', 'https://evil.example/?go.plesk.com'] as $other) {
    if ($policy->rewriteBuyUrl($other) !== null || $pure->rewriteBuyUrl($other) !== null) {
        fwrite(STDERR, "a look-alike was rewritten: {$other}\n");
        exit(1);
    }
}

/** µs per (rewrite + check) pair. */
function measure(int $calls, array $links, callable $rewrite, callable $check): float
{
    $n = count($links);
    // Warm up.
    for ($i = 0; $i < 2000; $i++) {
        $check($rewrite($links[$i % $n]));
    }
    $t = hrtime(true);
    for ($i = 0; $i < $calls; $i++) {
        $url = $rewrite($links[$i & 1]);
        $r = $check($url);
    }
    return (hrtime(true) - $t) / 1e3 / $calls;
}

// The floor under the binding: the same two foreign calls made directly
// (no result objects), to tell the binding's overhead from the engine's work.
$f = $policy->lib->ffi;
$h = $policy->handle;
$bufAddr = $policy->bufAddr;
$errAddr = $policy->errAddr;
$buf = $policy->buf;
$rawRewrite = static function (string $u) use ($f, $h, $bufAddr, $buf): string {
    $f->resale_rewrite_buy_url($h, $u, strlen($u), $bufAddr, null);
    return FFI::string($buf->data, $buf->len);
};
$slot = $f->new('resale_shop_request*');
$slotAddr = FFI::addr($slot);
$fieldsAddr = FFI::addr($f->new('resale_shop_request_fields'));
$rawCheck = static function (string $q) use ($f, $h, $slot, $slotAddr, $fieldsAddr, $errAddr): void {
    $f->resale_check_shop_request_fields($h, $q, strlen($q), $slotAddr, $fieldsAddr, $errAddr);
    $f->resale_shop_request_free($slot);
};
$trivial = static fn (mixed $u) => $f->resale_abi_version();
// The buy-link job as one call (Policy::buyLink: resale_buy_link_run into the
// policy's preallocated block): the ShopRequest of the rewritten link.
$one = static fn (string $u) => $policy->buyLink($u);
$same = static fn (mixed $r) => $r;
// The same job when only the redirect is wanted (Policy::buyLinkRedirect:
// the same call, one value read back).
$redirect = static fn (string $u) => $policy->buyLinkRedirect($u);
// buyLink's foreign call alone (resale_buy_link_run into a job like the
// policy's), nothing read back: buyLink minus this is what reading the
// answer into a ShopRequest costs in PHP.
$job = $f->new('resale_buy_link_job');
$jobOut = $f->new('uint8_t[4096]');
$jobFields = $f->new('resale_shop_request_fields');
$job->policy = $h;
$job->out = FFI::cast('uint8_t*', $jobOut);
$job->out_cap = 4096;
$job->fields = FFI::addr($jobFields);
$jobAddr = FFI::addr($job);
$oneRaw = static fn (string $u) => $f->resale_buy_link_run($jobAddr, $u, strlen($u));
// buyLink's call floor: the same foreign function with the same three
// arguments, given a NULL job (it returns RESALE_STATUS_INVALID_ARGUMENT at
// once): what PHP's FFI costs for this call before any work is done.
$oneFloor = static fn (string $u) => $f->resale_buy_link_run(null, $u, strlen($u));
// The timing loop itself: two closures that do nothing, as every row calls two.
$loop = static fn (mixed $u) => $u;
foreach ($links as $link) {
    $r = $policy->buyLink($link);
    $want = $policy->checkShopRequest($policy->rewriteBuyUrl($link));
    if ($r === null || $r->toArray() !== $want->toArray() || $r->redirectUrl !== $want->redirectUrl) {
        fwrite(STDERR, "buyLink disagrees with rewriteBuyUrl + checkShopRequest on {$link}\n");
        exit(1);
    }
    if ($policy->buyLinkRedirect($link) !== $want->redirectUrl) {
        fwrite(STDERR, "buyLinkRedirect disagrees with checkShopRequest's redirectUrl on {$link}\n");
        exit(1);
    }
}

$best = ['ffi' => INF, 'php' => INF, 'raw' => INF, 'trivial' => INF, 'one' => INF, 'redirect' => INF, 'one_raw' => INF, 'one_floor' => INF, 'loop' => INF];
for ($round = 0; $round < 3; $round++) {
    $best['ffi'] = min($best['ffi'], measure(
        $calls,
        $links,
        static fn (string $u) => $policy->rewriteBuyUrl($u),
        static fn (string $q) => $policy->checkShopRequest($q),
    ));
    $best['php'] = min($best['php'], measure(
        $calls,
        $links,
        static fn (string $u) => $pure->rewriteBuyUrl($u),
        static fn (string $q) => $pure->checkShopRequest($q),
    ));
    $best['raw'] = min($best['raw'], measure($calls, $links, $rawRewrite, $rawCheck));
    $best['trivial'] = min($best['trivial'], measure($calls, $links, $trivial, $trivial) / 2);
    $best['one'] = min($best['one'], measure($calls, $links, $one, $same));
    $best['redirect'] = min($best['redirect'], measure($calls, $links, $redirect, $same));
    $best['one_raw'] = min($best['one_raw'], measure($calls, $links, $oneRaw, $same));
    $best['one_floor'] = min($best['one_floor'], measure($calls, $links, $oneFloor, $same));
    $best['loop'] = min($best['loop'], measure($calls, $links, $loop, $loop));
}

// The foreign calls under a pair: rewriteBuyUrl is one
// (resale_rewrite_buy_url, into the policy's output buffer, which the
// library allocated once and reuses); checkShopRequest is one
// (resale_check_shop_request_fields) and the request handle it keeps is
// freed by a second (resale_shop_request_free) when the ShopRequest goes.
// The floor under a pair is as many trivial calls.
$callsPerPair = 3;
$floor = $callsPerPair * $best['trivial'];
$result = [
    'calls' => $calls,
    'php_version' => PHP_VERSION,
    'opcache_on' => (bool) ((function_exists('opcache_get_status') ? opcache_get_status(false) : false)['opcache_enabled'] ?? false),
    'opcache_jit' => (string) ini_get('opcache.jit'),
    // Whether the JIT actually ran (opcache.jit alone does not say: the CLI
    // has opcache off unless opcache.enable_cli).
    'opcache_jit_on' => (bool) ((function_exists('opcache_get_status') ? opcache_get_status(false) : false)['jit']['on'] ?? false),
    'ffi_us_per_pair' => round($best['ffi'], 3),
    'php_us_per_pair' => round($best['php'], 3),
    'ratio_php_over_ffi' => round($best['php'] / $best['ffi'], 2),
    'raw_ffi_us_per_pair' => round($best['raw'], 3),
    'trivial_ffi_call_us' => round($best['trivial'], 3),
    'ffi_calls_per_pair' => $callsPerPair,
    'ffi_minus_floor_us_per_pair' => round($best['ffi'] - $floor, 3),
    // Policy::buyLink: rewrite + check in one foreign call; the floor
    // under it is one trivial call.
    'ffi_one_call_us_per_pair' => round($best['one'], 3),
    'ffi_one_call_minus_floor_us_per_pair' => round($best['one'] - $best['trivial'], 3),
    // buyLink's call alone, nothing read (resale_buy_link_run).
    'ffi_one_call_raw_us_per_pair' => round($best['one_raw'], 3),
    // buyLink's call floor (resale_buy_link_run with a NULL job: the same
    // call, no work), and buyLink minus it: the engine's work plus PHP
    // reading the answer. Both rows include the timing loop (loop_us).
    'ffi_one_call_floor_us' => round($best['one_floor'], 3),
    'ffi_one_call_minus_call_floor_us_per_pair' => round($best['one'] - $best['one_floor'], 3),
    // buyLinkRedirect: the same call and check, the redirect alone read
    // back; and that minus the same call floor.
    'ffi_redirect_us_per_pair' => round($best['redirect'], 3),
    'ffi_redirect_minus_call_floor_us_per_pair' => round($best['redirect'] - $best['one_floor'], 3),
    'loop_us' => round($best['loop'], 3),
];
if ($json) {
    echo json_encode($result, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
} else {
    printf("rewriteBuyUrl + checkShopRequest, %d pairs each (best of 3 rounds), PHP %s, opcache %s, JIT %s\n",
        $calls, PHP_VERSION, $result['opcache_on'] ? 'on' : 'off', $result['opcache_jit_on'] ? 'on' : 'off');
    printf("  resale through FFI : %.3f µs per pair (%d foreign calls)\n", $result['ffi_us_per_pair'], $callsPerPair);
    printf("  pure PHP           : %.3f µs per pair\n", $result['php_us_per_pair']);
    printf("  pure PHP / FFI     : %.2f×\n", $result['ratio_php_over_ffi']);
    printf("  (the same two calls made directly, no result objects: %.3f µs per pair;\n", $result['raw_ffi_us_per_pair']);
    printf("   a trivial FFI call, resale_abi_version: %.3f µs; the FFI row minus %d of them: %.3f µs)\n",
        $result['trivial_ffi_call_us'], $callsPerPair, $result['ffi_minus_floor_us_per_pair']);
    printf("  buyLink, one call  : %.3f µs per pair (minus one trivial call: %.3f µs)\n",
        $result['ffi_one_call_us_per_pair'], $result['ffi_one_call_minus_floor_us_per_pair']);
    printf("  (buyLink's call alone, resale_buy_link_run, nothing read: %.3f µs)\n", $result['ffi_one_call_raw_us_per_pair']);
    printf("  (buyLink's call floor, the same call with a NULL job: %.3f µs; buyLink minus it: %.3f µs;\n",
        $result['ffi_one_call_floor_us'], $result['ffi_one_call_minus_call_floor_us_per_pair']);
    printf("   the timing loop alone, in every row: %.3f µs)\n", $result['loop_us']);
    printf("  buyLinkRedirect    : %.3f µs per pair (minus buyLink's call floor: %.3f µs)\n",
        $result['ffi_redirect_us_per_pair'], $result['ffi_redirect_minus_call_floor_us_per_pair']);
}
