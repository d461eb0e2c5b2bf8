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

    /** The `resale_shop_request *`, when the library checked this request. */
    private ?CData $handle = null;
    private ?Library $lib = null;

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

    /**
     * @internal From `resale_check_shop_request_fields`: `$fields` (a
     * `resale_shop_request_fields`: one block in `$handle` and each value's
     * offset and length in it) read by name; the new object owns `$handle`.
     * The block is copied into PHP once and cut with substr: each pointer or
     * nested struct read through FFI costs more than the whole copy.
     */
    public static function accepted(Library $lib, CData $handle, CData $fields, string $query): self
    {
        $b = FFI::string($fields->data, $fields->len);
        $r = new self(
            substr($b, $fields->extension_id_at, $fields->extension_id_len),
            substr($b, $fields->key_number_at, $fields->key_number_len),
            ($n = $fields->token_len) === self::ABSENT ? null : substr($b, $fields->token_at, $n),
            ($n = $fields->product_id_len) === self::ABSENT ? null : substr($b, $fields->product_id_at, $n),
            ($n = $fields->coupon_len) === self::ABSENT ? null : substr($b, $fields->coupon_at, $n),
            $fields->action === 1 ? self::UPGRADE : self::BUY,
            ($n = $fields->extension_key_number_len) === self::ABSENT
                ? null
                : substr($b, $fields->extension_key_number_at, $n),
            substr($b, $fields->redirect_url_at, $fields->redirect_url_len),
            $query,
        );
        $r->handle = $handle;
        $r->lib = $lib;
        return $r;
    }

    /**
     * @internal From `resale_buy_link`: its NUL-terminated fields, split
     * (rewritten link, redirect URL, extension-id, kn, token, product-id,
     * buyUrlCoupon, action, ekn, forward query); an absent value is empty.
     *
     * @param list<string> $f
     */
    public static function fromBuyLink(array $f): self
    {
        return new self(
            $f[2],
            $f[3],
            $f[4] === '' ? null : $f[4],
            $f[5] === '' ? null : $f[5],
            $f[6] === '' ? null : $f[6],
            $f[7] === self::UPGRADE ? self::UPGRADE : self::BUY,
            $f[8] === '' ? null : $f[8],
            $f[1],
            $f[0],
        );
    }

    /** @internal The library's checked request, or null for one made with `new`. */
    public function handle(): ?CData
    {
        return $this->handle;
    }

    public function __destruct()
    {
        if ($this->handle !== null && $this->lib !== null) {
            $this->lib->ffi->resale_shop_request_free($this->handle);
        }
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
