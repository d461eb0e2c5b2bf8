<?php

declare(strict_types=1);

namespace Resale;

/** A catalog feed that is not valid JSON of the expected shape or exceeds the policy's limits; getOffset() says where. */
class CatalogError extends ResaleException
{
}
