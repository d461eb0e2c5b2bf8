<?php

declare(strict_types=1);

namespace Resale\Tests;

use PHPUnit\Framework\TestCase;

/**
 * What every test of the binding reads from the same place: the checkout's
 * root (the shared vectors and fixtures under tests/) and the main key
 * number the fixtures are written for.
 */
abstract class ResaleTestCase extends TestCase
{
    protected const ROOT = __DIR__ . '/../../..';
    protected const KN = 'PLSK.12345678.0001';
}
