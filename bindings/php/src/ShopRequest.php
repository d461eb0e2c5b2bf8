<?php

declare(strict_types=1);

namespace Resale;

/**
 * An accepted shop request (Policy::checkShopRequest): the parameters,
 * percent-decoded only (`+` stays `+`), and where to send the customer.
 * An absent optional parameter is null.
 */
final class ShopRequest
{
    public const BUY = 'buy';
    public const UPGRADE = 'upgrade';

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
