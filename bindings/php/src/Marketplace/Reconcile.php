<?php

declare(strict_types=1);

namespace Resale\Marketplace;

use Resale\Library;

/**
 * GitHub's accounts listing against the stored entitlements: GitHub does not
 * resend a failed webhook delivery, so a store can miss a purchase, a change
 * or a cancellation for good. Fetch `GET /marketplace_listing/plans/:id/accounts`
 * for every plan (every page), pass the accounts as one JSON array with the
 * stored entitlements, and store each `repaired` entitlement (for example
 * with {@see PdoStore::store()}). The rules are the engine's
 * (`resale_core::marketplace::reconcile`).
 */
final class Reconcile
{
    /**
     * @param string $accounts the listing: one JSON array, every plan's accounts, every page
     * @param list<array<string, mixed>|string> $stored the stored entitlements (arrays or their JSON)
     * @param string $now when the listing was read (RFC 3339)
     * @return array{differences: list<array{account_id: int, login: string, kind: string, stored: mixed, listed: mixed, repair: string}>, repaired: list<array<string, mixed>>}
     * @throws MarketplaceError `listing.invalid`, `entitlement.invalid`, `reconcile.duplicate_account`, `reconcile.too_many_accounts`, `time.invalid`
     */
    public static function compare(string $accounts, array $stored, string $now, ?Library $lib = null): array
    {
        $lib ??= Library::get();
        $parts = array_map(
            static fn (array|string $s): string => \is_string($s) ? $s : json_encode($s, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR),
            $stored,
        );
        $list = '[' . implode(',', $parts) . ']';
        $status = $lib->ffi->resale_marketplace_reconcile(
            $accounts,
            \strlen($accounts),
            $list,
            \strlen($list),
            $now,
            \strlen($now),
            $lib->bufAddr,
            $lib->errAddr,
        );
        return $lib->answer($status);
    }
}
