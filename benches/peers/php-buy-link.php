<?php
// Peer: the buy-link rewrite and shop check in pure PHP
// (parse_url / parse_str / http_build_query), as a shop script would do it.
// Usage: php php-buy-link.php [ITER]
const SHOP = 'https://shop.com/';
const LINK = 'https://go.plesk.com/buy-plesk-ext/some-extension-name?kn=PLESK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=SomeProductID';
$sold = ['some-extension-name' => ['products' => ['SomeProductID'], 'io' => true]];

function rewrite(string $link): ?string {
    $u = parse_url($link);
    if (!$u || strtolower(rtrim($u['host'] ?? '', '.')) !== 'go.plesk.com') return null;
    if (!preg_match('#^/buy-plesk-ext/([^/]+)/?$#', $u['path'] ?? '', $m)) return null;
    return SHOP . '?extension-id=' . $m[1] . (isset($u['query']) && $u['query'] !== '' ? '&' . $u['query'] : '');
}

function check(string $url, array $sold): array {
    parse_str((string)parse_url($url, PHP_URL_QUERY), $q);
    $ext = $q['extension-id'] ?? null; $kn = $q['kn'] ?? null;
    if (!is_string($ext) || $ext === '') return ['code' => 'extension_id.missing'];
    if (!is_string($kn) || !preg_match('/^[A-Z][A-Z0-9]{1,9}\.[0-9]{8,10}\.[0-9]{4}$/', $kn)) return ['code' => 'kn.malformed'];
    if (!isset($sold[$ext])) return ['code' => 'extension.not_sold'];
    $token = $q['token'] ?? null; $product = $q['product-id'] ?? null;
    if ($sold[$ext]['io'] && (!$token || !$product)) return ['code' => 'token.missing'];
    if ($product && !in_array($product, $sold[$ext]['products'], true)) return ['code' => 'product_id.not_sold'];
    return ['ext' => $ext, 'kn' => $kn, 'token' => $token, 'product' => $product,
            'redirect' => SHOP . '?' . http_build_query(['extension-id' => $ext, 'kn' => $kn, 'token' => $token, 'product-id' => $product])];
}

$iters = (int)($argv[1] ?? 100000);
for ($i = 0; $i < 10000; $i++) { $out = check(rewrite(LINK), $sold); }
$t = hrtime(true);
for ($i = 0; $i < $iters; $i++) { $out = check(rewrite(LINK), $sold); }
$ns = (hrtime(true) - $t) / $iters;
if (($out['kn'] ?? '') !== 'PLESK.12345678.0001') { fwrite(STDERR, "peer gave a wrong answer\n"); exit(1); }
echo json_encode(['peer' => 'php-pure', 'op' => 'rewrite+check', 'ns_per_call' => $ns]), "\n";
