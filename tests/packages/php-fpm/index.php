<?php

declare(strict_types=1);

// A shop's entry page as a Composer user writes it (tests/packages/php-fpm.sh):
// the package comes from vendor/ (a path-repository install), PHP-FPM runs
// it behind nginx. 302 to the shop, or 400 with the rejection as JSON;
// /ffi answers which FFI mode the worker is in.
require __DIR__ . '/../vendor/autoload.php';

use Resale\Policy;
use Resale\Rejection;

if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) === '/ffi') {
    try {
        FFI::cdef('int abs(int);');
        $cdef = 'allowed';
    } catch (Throwable) {
        $cdef = 'refused';
    }
    header('Content-Type: application/json');
    echo json_encode(['ffi.enable' => ini_get('ffi.enable'), 'cdef' => $cdef, 'version' => Resale\Library::get()->version()]), "\n";
    exit;
}

static $policy = null;
$policy ??= Policy::fromFile(getenv('RESALE_POLICY'));
try {
    $order = $policy->checkShopRequest($_SERVER['QUERY_STRING'] ?? '');
    header('Location: ' . $order->redirectUrl, true, 302);
} catch (Rejection $e) {
    http_response_code(400);
    header('Content-Type: application/json');
    echo json_encode(['code' => $e->getErrorCode(), 'field' => $e->getField()]), "\n";
}
