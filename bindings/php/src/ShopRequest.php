<?php

declare(strict_types=1);

namespace Resale;

use FFI;
use FFI\CData;

/**
 * An accepted shop request (Policy::checkShopRequest): the parameters,
 * percent-decoded only (`+` stays `+`), and where to send the customer.
 * An absent optional parameter is null. The properties are the core's
 * `ShopRequest` fields (tests/vectors/schema/shop_request.json) in
 * camelCase; a test compares them.
 *
 * One from checkShopRequest also holds the library's checked request
 * (`resale_shop_request`), which License::plan takes as it is.
 */
final class ShopRequest
{
    public const BUY = 'buy';
    public const UPGRADE = 'upgrade';

    /** The library's checked request, when checkShopRequest made this one. */
    private ?RequestHandle $handle = null;

    public function __construct(
        /** `extension-id`: the extension's code. */
        public readonly string $extensionId,
        /** `kn`: the main Plesk key number. */
        public readonly string $keyNumber,
        /** `token` (Individual Offers). */
        public readonly ?string $token,
        /** `product-id` (Individual Offers). */
        public readonly ?string $productId,
        /** `buyUrlCoupon`. */
        public readonly ?string $coupon,
        /** `buy`, or `upgrade` (`a=upgrade`). */
        public readonly string $action,
        /** `ekn`: the extension key being upgraded. */
        public readonly ?string $extensionKeyNumber,
        /** The shop URL with the accepted parameters exactly as they arrived. */
        public readonly string $redirectUrl,
        /** The query (or URL) that was checked. */
        public readonly string $query,
    ) {
    }

    /**
     * The `_len` of an absent value in `resale_shop_request_fields`
     * (`RESALE_ABSENT` in resale.h, UINT32_MAX; ShapesTest pins it).
     */
    public const ABSENT = 0xFFFFFFFF;

    /** `RESALE_ACTION_UPGRADE`, the struct's `action` for an upgrade (ShapesTest pins it). */
    public const ACTION_UPGRADE = 1;

    /**
     * @internal The one reader of a request the library laid out: `$f` a
     * `resale_shop_request_fields` (from checkShopRequest's
     * `resale_check_shop_request_fields` or buyLink's `resale_buy_link`)
     * read by name, `$b` its block copied into PHP once: each value is cut
     * from it with substr, as each pointer or nested struct read through
     * FFI costs more than the whole copy.
     */
    public static function read(string $b, CData $f): self
    {
        return new self(
            \substr($b, $f->extension_id_at, $f->extension_id_len),
            \substr($b, $f->key_number_at, $f->key_number_len),
            ($n = $f->token_len) === self::ABSENT ? null : \substr($b, $f->token_at, $n),
            ($n = $f->product_id_len) === self::ABSENT ? null : \substr($b, $f->product_id_at, $n),
            ($n = $f->coupon_len) === self::ABSENT ? null : \substr($b, $f->coupon_at, $n),
            $f->action === self::ACTION_UPGRADE ? self::UPGRADE : self::BUY,
            ($n = $f->extension_key_number_len) === self::ABSENT
                ? null
                : \substr($b, $f->extension_key_number_at, $n),
            \substr($b, $f->redirect_url_at, $f->redirect_url_len),
            \substr($b, $f->query_at, $f->query_len),
        );
    }

    /**
     * @internal read() for checkShopRequest: the new object also keeps the
     * request `$handle` (a `resale_shop_request *` it now owns) for
     * License::plan.
     */
    public static function checked(Library $lib, CData $handle, CData $fields): self
    {
        $r = self::read(FFI::string($fields->data, $fields->len), $fields);
        $r->handle = new RequestHandle($lib, $handle);
        return $r;
    }

    /** @internal The library's checked request, or null for one made with `new` or by buyLink. */
    public function handle(): ?CData
    {
        return $this->handle?->cdata;
    }

    public function isUpgrade(): bool
    {
        return $this->action === self::UPGRADE;
    }

    /**
     * The request in the shared report shape (`extension_id`, `key_number`, …).
     *
     * @return array<string, ?string>
     */
    public function toArray(): array
    {
        return [
            'extension_id' => $this->extensionId,
            'key_number' => $this->keyNumber,
            'token' => $this->token,
            'product_id' => $this->productId,
            'coupon' => $this->coupon,
            'action' => $this->action,
            'extension_key_number' => $this->extensionKeyNumber,
        ];
    }
}
