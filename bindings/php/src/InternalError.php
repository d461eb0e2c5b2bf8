<?php

declare(strict_types=1);

namespace Resale;

/** `RESALE_STATUS_PANIC`: a bug in the library was caught (`internal.panic`); the library stays usable. */
class InternalError extends ResaleException
{
}
