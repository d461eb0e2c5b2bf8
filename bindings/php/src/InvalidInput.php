<?php

declare(strict_types=1);

namespace Resale;

/** Input a function cannot work on: a buy link that is not a URL (`url.invalid`, `url.too_long`), a panel.ini catalog URL, … */
class InvalidInput extends ResaleException
{
}
