<?php

declare(strict_types=1);

namespace Resale;

/** The library cannot be loaded (missing file, not a resale library, ABI version mismatch): codes `library.*`. */
class LibraryError extends ResaleException
{
}
