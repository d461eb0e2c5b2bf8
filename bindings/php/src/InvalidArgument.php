<?php

declare(strict_types=1);

namespace Resale;

/** `RESALE_STATUS_INVALID_ARGUMENT`: the call itself was wrong (text that is not UTF-8: `argument.not_utf8` with the offset). */
class InvalidArgument extends ResaleException
{
}
