<?php

declare(strict_types=1);

namespace Resale;

use FFI;
use FFI\CData;

/**
 * The edge's answers (`resale_gateway`, resale_core::gateway) for a PHP
 * entry page: the same `/buy` reply every edge sends — a 302 to the shop
 * target the policy picks, or a 400 with the coded rejection as JSON or as
 * the core's HTML page, 405 for another method — so a one-file page
 * (examples/buy.php) is a complete entry page.
 */
final class Gateway
{
    use CompiledFromPolicy;

    private readonly FFI $ffi;
    private readonly CData $buf;
    private readonly CData $bufAddr;

    private function __construct(private readonly Library $lib, private readonly CData $handle)
    {
        $this->ffi = $lib->ffi;
        $this->buf = $this->ffi->new('resale_buffer');
        $this->bufAddr = FFI::addr($this->buf);
    }

    /**
     * The `/buy` answer to a request with this method, query and Accept
     * header (as the core routes `/buy`: GET and HEAD, else 405).
     *
     * @throws InvalidArgument when a value is not UTF-8
     */
    public function buy(string $method, string $query, ?string $accept): Reply
    {
        $target = $query === '' ? '/buy' : "/buy?{$query}";
        $keep = [];
        $req = $this->ffi->new('resale_http_request');
        $this->view($req->method, $method, $keep);
        $this->view($req->target, $target, $keep);
        $this->view($req->accept, $accept, $keep);
        $this->view($req->if_none_match, null, $keep);
        $this->view($req->accept_encoding, null, $keep);
        $decision = $this->ffi->new('resale_gateway_decision');
        $status = $this->ffi->resale_gateway_route($this->handle, FFI::addr($req), FFI::addr($decision), $this->bufAddr, $this->lib->errAddr);
        if ($status !== Library::STATUS_OK) {
            throw $this->lib->failure($status, $this->lib->errSlot);
        }
        return Reply::parse(Library::bytes($this->buf));
    }

    /**
     * Point a `resale_str` at a copy of `$s` (NULL for null); the copy is
     * kept alive in `$keep` until the call returns.
     *
     * @param list<CData> $keep
     */
    private function view(CData $str, ?string $s, array &$keep): void
    {
        if ($s === null) {
            $str->data = null;
            $str->len = 0;
            return;
        }
        $n = \strlen($s);
        $copy = $this->ffi->new('char[' . max($n, 1) . ']');
        FFI::memcpy($copy, $s, $n);
        $keep[] = $copy;
        $str->data = $this->ffi->cast('char *', $copy);
        $str->len = $n;
    }
}
