<?php

declare(strict_types=1);

/*
 * N rounds of one piece of the buy-link job through PHP's FFI, for
 * callgrind: `make profile-php` runs each mode at 10,000 and 20,000 rounds
 * and prints the difference per round, so PHP's start-up, the library's
 * load and the first calls' allocations cancel out (instruction counts
 * repeat on a busy machine, timings do not).
 *
 *   RESALE_LIB=target/release/libresale.so php bench/profile.php MODE N
 *
 * Modes:
 *   buylink  Policy::buyLink, the ShopRequest of the rewritten link
 *   redirect Policy::buyLinkRedirect, its redirect URL alone
 *   raw      buyLink's foreign call alone (resale_buy_link_run into a job
 *            like the policy's), nothing read back
 *   floor    the call floor: resale_buy_link_run with a NULL job (the same
 *            function and arguments, which returns at once)
 *   trivial  resale_abi_version(), a foreign call with no arguments
 *   loop     the loop alone (no call), what every mode also pays
 */

require __DIR__ . '/../autoload.php';

use Resale\Policy;

$mode = $argv[1] ?? '';
$n = (int) ($argv[2] ?? 0);
if ($n < 1) {
    fwrite(STDERR, "usage: profile.php buylink|redirect|raw|floor|trivial|loop N\n");
    exit(2);
}

$policy = Policy::fromJson(<<<'JSON'
{
  "shop_url": "https://shop.example.com/store",
  "extensions": {
    "wp-toolkit": { "products": ["WPT_DELUXE"], "individual_offers": true, "partner_api_item": "EXT-WP-TOOLKIT" },
    "docker": {}
  }
}
JSON);
$links = [
    'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE',
    'https://go.plesk.com/buy-plesk-ext/docker?kn=PLESK.1234567890.0001&buyUrlCoupon=SPRING-24',
];
$f = $policy->lib->ffi;
$job = $f->new('resale_buy_link_job');
$out = $f->new('uint8_t[4096]');
$fields = $f->new('resale_shop_request_fields');
$job->policy = $policy->handle;
$job->out = FFI::cast('uint8_t*', $out);
$job->out_cap = 4096;
$job->fields = FFI::addr($fields);
$jobAddr = FFI::addr($job);

$keep = null;
switch ($mode) {
    case 'buylink':
        for ($i = 0; $i < $n; $i++) {
            $keep = $policy->buyLink($links[$i & 1]);
        }
        break;
    case 'redirect':
        for ($i = 0; $i < $n; $i++) {
            $keep = $policy->buyLinkRedirect($links[$i & 1]);
        }
        break;
    case 'raw':
        for ($i = 0; $i < $n; $i++) {
            $u = $links[$i & 1];
            $keep = $f->resale_buy_link_run($jobAddr, $u, strlen($u));
        }
        break;
    case 'floor':
        for ($i = 0; $i < $n; $i++) {
            $u = $links[$i & 1];
            $keep = $f->resale_buy_link_run(null, $u, strlen($u));
        }
        break;
    case 'trivial':
        for ($i = 0; $i < $n; $i++) {
            $u = $links[$i & 1];
            $keep = $f->resale_abi_version();
        }
        break;
    case 'loop':
        for ($i = 0; $i < $n; $i++) {
            $u = $links[$i & 1];
            $keep = strlen($u);
        }
        break;
    default:
        fwrite(STDERR, "unknown mode {$mode}\n");
        exit(2);
}
// The last answer, so that nothing above is dead code (and a wrong mode shows).
echo $mode, ' ', is_object($keep) ? $keep::class : var_export($keep, true), "\n";
