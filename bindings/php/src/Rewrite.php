<?php

declare(strict_types=1);

namespace Resale;

/**
 * What Policy::rewrite() did with a URL: `rewritten` (url is the shop's
 * URL), `unchanged` (not a Plesk buy link: keep the original; reason is
 * `host.not_plesk_store`, `path.not_buy_link` or `extension_id.malformed`)
 * or `error` (not a URL: reason `url.invalid` or `url.too_long`, error is
 * the InvalidInput that rewriteBuyUrl() would throw).
 */
final class Rewrite
{
    public const REWRITTEN = 'rewritten';
    public const UNCHANGED = 'unchanged';
    public const ERROR = 'error';

    public function __construct(
        public readonly string $status,
        public readonly ?string $url,
        public readonly ?string $reason,
        public readonly ?string $message,
        public readonly ?InvalidInput $error,
    ) {
    }

    public function isRewritten(): bool
    {
        return $this->status === self::REWRITTEN;
    }
}
