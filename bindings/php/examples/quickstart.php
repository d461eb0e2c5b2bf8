<?php

declare(strict_types=1);

// RESALE_LIB=target/release/libresale.so php bindings/php/examples/quickstart.php

require __DIR__ . '/../autoload.php';

use Resale\Policy;
use Resale\Rejection;

$policy = Policy::fromFile(__DIR__ . '/policy.json');

// Buy links: the shop's URL, or null (keep the link) for anything that is
// not exactly Plesk's store, look-alikes included.
$link = 'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=PLSK.12345678.0001&token=QUJD&product-id=WPT_DELUXE';
$shopUrl = $policy->rewriteBuyUrl($link);
echo $shopUrl, "\n";
var_dump($policy->rewriteBuyUrl('https://go.plesk.com.evil.example/buy-plesk-ext/wp-toolkit'));

// Shop entry: a typed request, or a Rejection with a stable code and the parameter.
$request = $policy->checkShopRequest($shopUrl);
printf("%s for %s (product %s)\n", $request->extensionId, $request->keyNumber, $request->productId);
try {
    $policy->checkShopRequest('extension-id=docker&kn=PLSK.12345678.0001&kn=PLSK.87654321.0001');
} catch (Rejection $e) {
    printf("rejected: %s at %s\n", $e->getErrorCode(), $e->getField());
}

// Catalog feeds, and panel.ini.
$feed = '[{"code":"docker","buy_url":"https://go.plesk.com/buy-plesk-ext/docker"},{"code":"seo","buy_url":"https://go.plesk.com/buy-plesk-ext/seo"}]';
$filtered = $policy->filterCatalog('/api/v4/packages', $feed);
printf("kept %d, dropped %d: %s\n", $filtered->stats->kept, $filtered->stats->dropped, $filtered->body);
echo $policy->panelIni('https://catalog.shop.example.com');
