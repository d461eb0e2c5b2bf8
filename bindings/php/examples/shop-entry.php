<?php

declare(strict_types=1);

/*
 * A shop's entry page for Plesk buy links: the query a rewritten buy link
 * brings is checked against the policy; a valid one shows the order, a bad
 * one answers 400 with the rejection's code, field and message (HTML, or
 * JSON when the client sends `Accept: application/json`).
 *
 *   RESALE_LIB=target/release/libresale.so \
 *     php -d ffi.enable=1 -S 127.0.0.1:8000 bindings/php/examples/shop-entry.php
 *   curl '127.0.0.1:8000/?extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=QUJD&product-id=WPT_DELUXE'
 *
 * The policy is RESALE_POLICY (a file) or policy.json next to this file.
 * The built-in server (SAPI cli-server) needs ffi.enable=1: the default
 * `preload` allows FFI::cdef only in the CLI and in preloading.
 */

require __DIR__ . '/../autoload.php';

use Resale\Policy;
use Resale\Rejection;
use Resale\ResaleException;

function h(?string $s): string
{
    return htmlspecialchars((string) $s, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
}

function wantsJson(): bool
{
    return str_contains($_SERVER['HTTP_ACCEPT'] ?? '', 'application/json');
}

/** @param array<string, mixed> $body */
function answer(int $status, array $body, string $html): never
{
    http_response_code($status);
    header('Cache-Control: no-store');
    header('X-Content-Type-Options: nosniff');
    if (wantsJson()) {
        header('Content-Type: application/json');
        echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE), "\n";
    } else {
        header('Content-Type: text/html; charset=utf-8');
        echo "<!doctype html>\n<meta charset=\"utf-8\">\n<title>Order</title>\n{$html}\n";
    }
    exit;
}

// One compiled policy per worker process would be kept in a static in
// FPM; the built-in server runs this script per request.
try {
    $policy = Policy::fromFile(getenv('RESALE_POLICY') ?: __DIR__ . '/policy.json');
} catch (ResaleException $e) {
    error_log((string) $e);
    answer(500, ['status' => 'error', 'code' => $e->getErrorCode()], '<h1>Shop unavailable</h1>');
}

// The raw query string, not $_GET: the engine then sees every pair as
// sent (a duplicated `kn` is refused instead of silently collapsed, and a
// base64 token's `+` stays `+`).
$query = $_SERVER['QUERY_STRING'] ?? '';

try {
    $r = $policy->checkShopRequest($query);
} catch (Rejection $e) {
    answer(
        400,
        ['status' => 'rejected', 'code' => $e->getErrorCode(), 'field' => $e->getField(), 'message' => $e->getReason()],
        '<h1>This link cannot be used</h1>'
        . '<p>' . h($e->getReason()) . '</p>'
        . '<dl><dt>code</dt><dd><code>' . h($e->getErrorCode()) . '</code></dd>'
        . '<dt>parameter</dt><dd><code>' . h($e->getField() ?? '(the query)') . '</code></dd></dl>',
    );
} catch (ResaleException $e) {
    // Not UTF-8, or a caught bug in the library: still a clean answer.
    answer(400, ['status' => 'error', 'code' => $e->getErrorCode(), 'field' => $e->getField(), 'message' => $e->getReason()],
        '<h1>This link cannot be used</h1><p><code>' . h($e->getErrorCode()) . '</code></p>');
}

// The request's fields as the core names them (ShopRequest::toArray, the
// shared report shape), the absent ones left out.
$html = '<h1>Your order</h1><table>';
foreach ($r->toArray() as $field => $value) {
    if ($value !== null) {
        $html .= '<tr><th>' . h($field) . '</th><td>' . h($value) . '</td></tr>';
    }
}
$html .= '</table><form method="post" action="' . h($r->redirectUrl) . '"><button>Continue to checkout</button></form>';
answer(200, ['status' => 'accepted', 'request' => $r->toArray(), 'redirect_url' => $r->redirectUrl], $html);
