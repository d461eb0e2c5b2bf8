<?php

declare(strict_types=1);

namespace Resale;

/** A filtered catalog response (Policy::filterCatalog): the body to send and the counts. */
final class FilteredCatalog
{
    public function __construct(
        public readonly string $body,
        public readonly CatalogStats $stats,
    ) {
    }
}
