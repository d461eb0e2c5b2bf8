<?php

declare(strict_types=1);

namespace Resale;

use FFI\CData;

/**
 * @internal The library's checked request (`resale_shop_request *`) that a
 * ShopRequest from Policy::checkShopRequest keeps for License::plan, freed
 * with it. Its own object so that the ShopRequests without one (buyLink's,
 * those made with `new`) have no destructor to run.
 */
final class RequestHandle
{
    public function __construct(private readonly Library $lib, public readonly CData $cdata)
    {
    }

    public function __destruct()
    {
        $this->lib->ffi->resale_shop_request_free($this->cdata);
    }
}
