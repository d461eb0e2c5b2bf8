<?php

declare(strict_types=1);

namespace Resale;

/** An invalid policy (`policy.shop_url.not_absolute` at `$.shop_url`, …). */
class PolicyError extends ResaleException
{
}
