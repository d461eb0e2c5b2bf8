<?php

declare(strict_types=1);

namespace Resale\Marketplace;

use Resale\ResaleException;

/**
 * A webhook refused (`signature.missing`, `signature.malformed`,
 * `signature.mismatch`, `signature.no_secret`), an event that cannot be
 * applied (`event.invalid` with the JSON path, `event.stale`, …) or a
 * stored entitlement that does not read.
 */
class MarketplaceError extends ResaleException
{
}
