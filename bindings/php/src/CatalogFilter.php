<?php

declare(strict_types=1);

namespace Resale;

use FFI;
use FFI\CData;

/**
 * An incremental catalog filter (Policy::catalogFilter): push() chunks cut
 * anywhere as they arrive and send on what each returns, then finish().
 * The concatenated output equals Policy::filterCatalog()'s body.
 *
 * After a CatalogError the output sent so far is not a feed: abort the
 * response (close the connection); further calls throw
 * `catalog.filter.finished`. One filter per response; freed with the object.
 */
final class CatalogFilter
{
    private readonly Library $lib;
    private readonly FFI $ffi;
    private CData $handle;
    private readonly CData $buf;
    private readonly CData $bufAddr;
    private readonly CData $errSlot;
    private readonly CData $errAddr;
    private readonly CData $cstats;
    private ?CatalogStats $stats = null;

    /** @internal use Policy::catalogFilter() */
    public function __construct(Policy $policy, string $path)
    {
        $this->lib = $policy->lib;
        $this->ffi = $f = $policy->lib->ffi;
        $this->buf = $f->new('resale_buffer');
        $this->bufAddr = FFI::addr($this->buf);
        $this->errSlot = $f->new('resale_error*');
        $this->errAddr = FFI::addr($this->errSlot);
        $this->cstats = $f->new('resale_catalog_stats');
        $this->handle = $f->new('resale_catalog_filter*');
        $status = $f->resale_catalog_filter_new($policy->handle, $path, \strlen($path), FFI::addr($this->handle), $this->errAddr);
        if ($status !== 0) {
            throw $this->lib->failure($status, $this->errSlot);
        }
    }

    public function __destruct()
    {
        $this->ffi->resale_catalog_filter_free($this->handle);
        $this->ffi->resale_buffer_free($this->bufAddr);
    }

    /** The feed this filter reads: `packages`, `categories` or `other`. */
    public function kind(): string
    {
        return CatalogStats::KINDS[$this->ffi->resale_catalog_filter_kind($this->handle)] ?? 'other';
    }

    /**
     * Read the next chunk; returns the bytes that can be sent on now (maybe '').
     *
     * @throws CatalogError
     */
    public function push(string $chunk): string
    {
        $status = $this->ffi->resale_catalog_filter_push($this->handle, $chunk, \strlen($chunk), $this->bufAddr, $this->errAddr);
        if ($status !== 0) {
            throw $this->lib->failure($status, $this->errSlot);
        }
        return Library::bytes($this->buf);
    }

    /**
     * End of input: the last bytes. A feed cut short throws
     * (`catalog.json.truncated`, …).
     *
     * @throws CatalogError
     */
    public function finish(): string
    {
        $status = $this->ffi->resale_catalog_filter_finish($this->handle, $this->bufAddr, FFI::addr($this->cstats), $this->errAddr);
        if ($status !== 0) {
            throw $this->lib->failure($status, $this->errSlot);
        }
        $this->stats = CatalogStats::fromC($this->cstats);
        return Library::bytes($this->buf);
    }

    /** The counts, once finish() succeeded (null before). */
    public function stats(): ?CatalogStats
    {
        return $this->stats;
    }
}
