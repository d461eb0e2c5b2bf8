<?php

declare(strict_types=1);

/*
 * A complete entry page for Plesk buy links, in one file: the customer is
 * sent on to the shop target the policy picks for the extension and
 * product (302), or shown why the link cannot be used (400, HTML, or JSON
 * for `Accept: application/json`) — the same answer, byte for byte, as the
 * worker's, Fastly's and nginx's /buy.
 *
 *   RESALE_LIB=target/release/libresale.so RESALE_POLICY=examples/policy.json \
 *     php -d ffi.enable=1 -S 127.0.0.1:8000 bindings/php/examples/buy.php
 *
 * The policy is RESALE_POLICY (a file) or policy.json next to this file.
 */

require __DIR__ . '/../autoload.php';

$gateway = Resale\Gateway::fromFile(getenv('RESALE_POLICY') ?: __DIR__ . '/policy.json');
$gateway->buy($_SERVER['REQUEST_METHOD'] ?? 'GET', $_SERVER['QUERY_STRING'] ?? '', $_SERVER['HTTP_ACCEPT'] ?? null)->send();
