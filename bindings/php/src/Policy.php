<?php

declare(strict_types=1);

namespace Resale;

use FFI;
use FFI\CData;

/**
 * A compiled shop policy (`resale_policy`): immutable, cheap to use, freed
 * when the object goes away.
 *
 * Each Policy owns one reusable output buffer and one error slot, so the
 * hot path (rewriteBuyUrl, checkShopRequest) is one foreign call and one
 * copy of the answer into a PHP string. A Policy is not meant to be shared
 * between threads (PHP's ZTS); in PHP-FPM each worker compiles its own.
 */
final class Policy
{
    use CompiledFromPolicy;

    /** @internal */
    public readonly Library $lib;
    /** @internal the `resale_policy *` */
    public readonly CData $handle;
    /** @internal */
    public readonly CData $buf;
    /** @internal */
    public readonly CData $bufAddr;
    /** @internal */
    public readonly CData $errSlot;
    /** @internal */
    public readonly CData $errAddr;
    private readonly FFI $ffi;
    private readonly CData $stats;
    private readonly CData $statsAddr;
    private readonly CData $fields;
    private readonly CData $fieldsAddr;
    /** `resale_shop_request *`, parsed once (FFI::new with a string parses it per call). */
    private readonly \FFI\CType $requestPtr;
    /** buyLink's block (`uint8_t[]`, laid out as `$fields` says), grown when the library asks for more. */
    private CData $out;
    private int $outCap = 4096;
    /**
     * buyLink's fixed arguments (`resale_buy_link_job`: this policy, `$out`,
     * `$fields`, no error slot), so that a call passes three arguments, not
     * seven: PHP's FFI pays for each on every call.
     */
    private readonly CData $job;
    private readonly CData $jobAddr;

    private function __construct(Library $lib, CData $handle)
    {
        $this->lib = $lib;
        $this->ffi = $lib->ffi;
        $this->handle = $handle;
        $this->buf = $this->ffi->new('resale_buffer');
        $this->bufAddr = FFI::addr($this->buf);
        $this->errSlot = $this->ffi->new('resale_error*');
        $this->errAddr = FFI::addr($this->errSlot);
        $this->stats = $this->ffi->new('resale_catalog_stats');
        $this->statsAddr = FFI::addr($this->stats);
        $this->fields = $this->ffi->new('resale_shop_request_fields');
        $this->fieldsAddr = FFI::addr($this->fields);
        $this->requestPtr = $this->ffi->type('resale_shop_request*');
        $this->out = $this->ffi->new("uint8_t[{$this->outCap}]");
        $this->job = $this->ffi->new('resale_buy_link_job');
        $this->job->policy = $handle;
        $this->job->fields = $this->fieldsAddr;
        $this->job->error = null;
        $this->jobAddr = FFI::addr($this->job);
        $this->setOut();
    }

    /** Point buyLink's job at `$out` (after it was allocated or grown). */
    private function setOut(): void
    {
        $this->job->out = FFI::cast('uint8_t*', $this->out);
        $this->job->out_cap = $this->outCap;
    }

    // ---- rewrite ----------------------------------------------------------

    /**
     * The shop's URL for a Plesk buy link, or null when `$url` is not one
     * (another host, look-alikes included, another path, a malformed
     * extension ID): then keep the original.
     *
     * @throws InvalidInput when `$url` is not a URL (`url.invalid`, `url.too_long`)
     * @throws InvalidArgument when `$url` is not UTF-8
     */
    public function rewriteBuyUrl(string $url): ?string
    {
        // No error object on the hot path: UNCHANGED needs none, and a
        // failure is asked again with one (the call is a pure function).
        $status = $this->ffi->resale_rewrite_buy_url($this->handle, $url, \strlen($url), $this->bufAddr, null);
        if ($status === 0) {
            return FFI::string($this->buf->data, $this->buf->len);
        }
        if ($status === 1) {
            return null;
        }
        throw $this->rewrite($url)->error ?? new InternalError('internal.unstable', 'the rewrite changed its answer');
    }

    /**
     * The rewrite with its reason: a Rewrite that is `rewritten` (url),
     * `unchanged` (reason code and message) or, when `$url` is not a URL,
     * `error` (error: the InvalidInput). Does not throw for those.
     *
     * @throws InvalidArgument when `$url` is not UTF-8
     */
    public function rewrite(string $url): Rewrite
    {
        $status = $this->ffi->resale_rewrite_buy_url($this->handle, $url, \strlen($url), $this->bufAddr, $this->errAddr);
        if ($status === 0) {
            return new Rewrite(Rewrite::REWRITTEN, FFI::string($this->buf->data, $this->buf->len), null, null, null);
        }
        $e = $this->lib->failure($status, $this->errSlot);
        if ($status === Library::STATUS_UNCHANGED) {
            return new Rewrite(Rewrite::UNCHANGED, null, $e->getErrorCode(), $e->getReason(), null);
        }
        if ($e instanceof InvalidInput) {
            return new Rewrite(Rewrite::ERROR, null, $e->getErrorCode(), $e->getReason(), $e);
        }
        throw $e;
    }

    /**
     * A Plesk buy link rewritten to the shop and checked as the shop will
     * check it, in one foreign call (`resale_buy_link`): the ShopRequest
     * that the rewritten link brings (its `query` is the rewritten link,
     * its `redirectUrl` where the shop sends the customer on), or null when
     * `$url` is not a Plesk buy link (keep the original). The same answers
     * as rewriteBuyUrl() then checkShopRequest(), at the cost of one call,
     * read by the same reader (ShopRequest::read); the ShopRequest holds no
     * library handle (License::plan checks its query again).
     *
     * @throws Rejection when the shop would refuse the rewritten link (`extension.not_sold`, …)
     * @throws InvalidInput when `$url` is not a URL (`url.invalid`, `url.too_long`)
     * @throws InvalidArgument when `$url` is not UTF-8
     */
    public function buyLink(string $url): ?ShopRequest
    {
        // No error object on the hot path, as for rewriteBuyUrl; the job
        // holds the other arguments of resale_buy_link.
        $status = $this->ffi->resale_buy_link_run($this->jobAddr, $url, \strlen($url));
        if ($status === 0) {
            $f = $this->fields;
            return ShopRequest::read(FFI::string($this->out, $f->len), $f);
        }
        if ($status === Library::STATUS_UNCHANGED) {
            return null;
        }
        return $this->buyLinkFailure($url, $status);
    }

    /**
     * buyLink()'s `redirectUrl` alone: where the customer goes once the
     * shop has checked the rewritten link, or null when `$url` is not a
     * Plesk buy link (keep the original). The same call as buyLink() and
     * the same check; it reads back one value, not nine, so a proxy that
     * only answers a redirect does not pay for a ShopRequest (PHP's FFI
     * costs more per value read than the library's whole job:
     * README, "Memory and speed").
     *
     * @throws Rejection when the shop would refuse the rewritten link (`extension.not_sold`, …)
     * @throws InvalidInput when `$url` is not a URL (`url.invalid`, `url.too_long`)
     * @throws InvalidArgument when `$url` is not UTF-8
     */
    public function buyLinkRedirect(string $url): ?string
    {
        $status = $this->ffi->resale_buy_link_run($this->jobAddr, $url, \strlen($url));
        if ($status === 0) {
            $f = $this->fields;
            // The layout names the redirect's place; the library writes it
            // first, so the usual read is one copy of just its bytes.
            $at = $f->redirect_url_at;
            return $at === 0
                ? FFI::string($this->out, $f->redirect_url_len)
                : \substr(FFI::string($this->out, $f->len), $at, $f->redirect_url_len);
        }
        if ($status === Library::STATUS_UNCHANGED) {
            return null;
        }
        return $this->buyLinkFailure($url, $status)?->redirectUrl;
    }

    /** buyLink() after a failure: a larger block, or the error object. */
    private function buyLinkFailure(string $url, int $status): ?ShopRequest
    {
        $needed = $this->fields->len;
        if ($status === Library::STATUS_INVALID_ARGUMENT && $needed > $this->outCap) {
            $this->outCap = max($needed, 2 * $this->outCap);
            $this->out = $this->ffi->new("uint8_t[{$this->outCap}]");
            $this->setOut();
            return $this->buyLink($url);
        }
        $status = $this->ffi->resale_buy_link($this->handle, $url, \strlen($url), $this->out, $this->outCap, $this->fieldsAddr, $this->errAddr);
        if ($status === 0 || $status === Library::STATUS_UNCHANGED) {
            throw new InternalError('internal.unstable', 'resale_buy_link changed its answer');
        }
        throw $this->lib->failure($status, $this->errSlot);
    }

    // ---- shop entry -------------------------------------------------------

    /**
     * Check what arrived at the shop.
     *
     * `$query` is best the raw query string (`$_SERVER['QUERY_STRING']`), a
     * path with a query or a whole URL: the engine then sees every pair as
     * sent, duplicates included. An array (`$_GET`) is turned back into a
     * query (rawurlencode of each name and value) — but PHP has already
     * form-decoded it (`+` became a space, so base64 tokens break), kept
     * only the last of duplicate names and made `a[]=` arrays; arrays are
     * refused here (`param.array`).
     *
     * @param array<string, mixed>|string $query
     * @throws Rejection with the stable code (`kn.malformed`) and the parameter as field
     * @throws InvalidArgument when the text is not UTF-8
     */
    public function checkShopRequest(array|string $query): ShopRequest
    {
        if (\is_array($query)) {
            $query = self::queryFromArray($query);
        }
        // One call: the checked request (kept by the ShopRequest, for
        // License::plan) and its values by name.
        $handle = $this->ffi->new($this->requestPtr);
        $status = $this->ffi->resale_check_shop_request_fields(
            $this->handle,
            $query,
            \strlen($query),
            FFI::addr($handle),
            $this->fieldsAddr,
            $this->errAddr,
        );
        if ($status !== 0) {
            throw $this->lib->failure($status, $this->errSlot);
        }
        return ShopRequest::checked($this->lib, $handle, $this->fields);
    }

    /**
     * A query string from `$_GET`-like pairs, in their order.
     *
     * @param array<array-key, mixed> $params
     * @throws Rejection `param.array` for an array value (`a[]=…`, `a[b]=…`)
     */
    public static function queryFromArray(array $params): string
    {
        $pairs = [];
        foreach ($params as $name => $value) {
            $name = (string) $name;
            if (\is_array($value) || \is_object($value)) {
                throw new Rejection(
                    'param.array',
                    "the parameter {$name} is an array or object (name[]= in the query): each parameter must be given once, as text",
                    $name,
                );
            }
            if ($value === null || $value === false) {
                $value = '';
            } elseif ($value === true) {
                $value = '1';
            }
            $pairs[] = rawurlencode($name) . '=' . rawurlencode((string) $value);
        }
        return implode('&', $pairs);
    }

    // ---- catalog ----------------------------------------------------------

    /** Which feed a request path asks for: `packages`, `categories` or `other`. */
    public function catalogKind(string $path): string
    {
        return CatalogStats::KINDS[$this->ffi->resale_policy_catalog_kind($this->handle, $path, \strlen($path))]
            ?? 'other';
    }

    /**
     * Filter a whole catalog response for the request `$path`.
     *
     * @throws CatalogError with the code (`catalog.json.invalid`, …) and byte offset
     */
    public function filterCatalog(string $path, string $body): FilteredCatalog
    {
        $feed = $this->overFeed('filter_catalog', $path, $body, $this->statsAddr);
        return new FilteredCatalog($feed, CatalogStats::fromC($this->stats));
    }

    /**
     * Why each item of a catalog response is kept or hidden: the filter's own
     * decisions, `['kind', 'items' => [['index', 'code', 'name', 'decision',
     * 'rule', 'host'|'pattern'?], …], 'categories' => [['index', 'code',
     * 'name', 'kept', 'hidden' => […]], …], 'summary' => counts]`.
     *
     * @return array<string, mixed>
     * @throws CatalogError as filterCatalog
     */
    public function explainCatalog(string $path, string $body): array
    {
        return Library::decode($this->overFeed('explain_catalog', $path, $body));
    }

    /**
     * An incremental filter for one response to `$path` (push chunks as they
     * arrive). It outlives this policy if need be.
     */
    public function catalogFilter(string $path): CatalogFilter
    {
        return new CatalogFilter($this, $path);
    }

    // ---- panel.ini --------------------------------------------------------

    /**
     * The `[extensions]` section of panel.ini (see PanelIni).
     *
     * @throws InvalidInput when `$catalogUrl` is not acceptable
     */
    public function panelIni(?string $catalogUrl = null): string
    {
        return PanelIni::render($this, $catalogUrl);
    }

    /**
     * `resale_<function>(policy, path, body, buffer, …$out, error)`, the
     * one-shot catalog calls: the buffer's bytes, or the call's error thrown.
     */
    private function overFeed(string $function, string $path, string $body, CData ...$out): string
    {
        $args = [$this->handle, $path, \strlen($path), $body, \strlen($body), $this->bufAddr, ...$out, $this->errAddr];
        return $this->fill($this->ffi->{"resale_{$function}"}(...$args));
    }

    /** @internal Run a call that fills this policy's buffer; throw its error on failure. */
    public function fill(int $status): string
    {
        if ($status !== 0) {
            throw $this->lib->failure($status, $this->errSlot);
        }
        return Library::bytes($this->buf);
    }
}
