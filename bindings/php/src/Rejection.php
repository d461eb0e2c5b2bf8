<?php

declare(strict_types=1);

namespace Resale;

/** A shop request refused by a rule (`kn.malformed` at `kn`, `param.duplicate`, …). */
class Rejection extends ResaleException
{
}
