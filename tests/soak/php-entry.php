<?php

// The PHP entry page scripts/soak.mjs holds under PHP-FPM: /buy through the
// package's Gateway (as bindings/php/examples/buy.php), and GitHub's webhook
// verified and applied through Resale\Marketplace\PdoStore on SQLite
// (RESALE_STORE). Test support, not an example to deploy as is.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Resale\Marketplace\MarketplaceError;
use Resale\Marketplace\PdoStore;
use Resale\Marketplace\Webhook;
use Resale\ResaleException;

$path = (string) parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
if ($path !== '/webhooks/github') {
    Resale\Gateway::fromFile((string) getenv('RESALE_POLICY'))
        ->buy($_SERVER['REQUEST_METHOD'] ?? 'GET', $_SERVER['QUERY_STRING'] ?? '', $_SERVER['HTTP_ACCEPT'] ?? null)
        ->send();
    return;
}

$answer = static function (int $status, array $body): void {
    http_response_code($status);
    header('content-type: application/json; charset=utf-8');
    echo json_encode($body, JSON_UNESCAPED_SLASHES), "\n";
};
$body = (string) file_get_contents('php://input');
try {
    Webhook::verify($body, $_SERVER['HTTP_X_HUB_SIGNATURE_256'] ?? null, [(string) getenv('RESALE_WEBHOOK_SECRET')]);
} catch (MarketplaceError $e) {
    $answer(401, ['status' => 'error', 'code' => $e->getErrorCode(), 'message' => $e->getMessage()]);
    return;
}
$store = new PdoStore(new PDO('sqlite:' . getenv('RESALE_STORE'), null, null, [PDO::ATTR_TIMEOUT => 30]));
$store->createSchema();
try {
    $answer(200, $store->apply($_SERVER['HTTP_X_GITHUB_DELIVERY'] ?? '', $body));
} catch (ResaleException $e) {
    $answer($e instanceof MarketplaceError ? 422 : 400, ['status' => 'error', 'code' => $e->getErrorCode(), 'message' => $e->getMessage()]);
}
