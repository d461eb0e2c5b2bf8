<?php

declare(strict_types=1);

namespace Resale;

/** A license plan, key or activation command that cannot be made (`license.no_partner_item`, …). */
class LicenseError extends ResaleException
{
}
