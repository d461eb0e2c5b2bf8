<?php

declare(strict_types=1);

namespace Resale;

use FFI\CData;

/** What a catalog filter did, by reason (`resale_catalog_stats`). */
final class CatalogStats
{
    /** `resale_catalog_kind` values by number. */
    public const KINDS = ['packages', 'categories', 'other'];

    public function __construct(
        /** `packages`, `categories` or `other`. */
        public readonly string $kind,
        public readonly int $items,
        public readonly int $kept,
        public readonly int $dropped,
        public readonly int $keptFree,
        public readonly int $keptElsewhere,
        public readonly int $keptSold,
        public readonly int $rewritten,
        public readonly int $topPackagesKept,
        public readonly int $topPackagesDropped,
        public readonly int $bytesIn,
        public readonly int $bytesOut,
    ) {
    }

    /** @internal */
    public static function fromC(CData $s): self
    {
        return new self(
            self::KINDS[$s->kind] ?? 'other',
            $s->items,
            $s->kept,
            $s->dropped,
            $s->kept_free,
            $s->kept_elsewhere,
            $s->kept_sold,
            $s->rewritten,
            $s->top_packages_kept,
            $s->top_packages_dropped,
            $s->bytes_in,
            $s->bytes_out,
        );
    }
}
