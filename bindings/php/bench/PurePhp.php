<?php

declare(strict_types=1);

namespace Resale\Bench;

/**
 * The benchmark's peer: the buy-link rewrite and the shop-entry check
 * written the way a careful PHP shop would, with parse_url, rawurldecode
 * and regexes (no form-decoding: `+` stays `+`). It implements the same
 * rules as the engine for ordinary input (exact host after lower-casing
 * and a trailing dot, buy-link path, duplicate names, encoding, control
 * characters, limits, every parameter rule), but not WHATWG URL parsing
 * (backslashes, tabs, percent-encoded or IDNA hosts): parse_url differs
 * from browsers there, which is the reason the engine exists. For timing only.
 */
final class PurePhp
{
    private const KN = '~^[A-Z][A-Z0-9]{1,9}\.[0-9]{8,10}\.[0-9]{4}$~';
    private const CODE = '~^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$~';
    private const PRODUCT = '~^[A-Za-z0-9._-]{1,128}$~';
    private const COUPON = '~^[A-Za-z0-9._-]{1,64}$~';
    private const B64 = '~^(?:(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?|(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?)$~';
    private const NAMES = ['extension-id', 'kn', 'token', 'product-id', 'buyUrlCoupon', 'a', 'ekn'];

    private string $shopUrl;
    private string $joiner;
    /** @var array<string, true> the shop URL's own pairs, set aside once each */
    private array $shopPairs = [];
    /** @var array<string, array<string, mixed>> */
    private array $extensions;

    /** @param array<string, mixed> $policy */
    public function __construct(array $policy)
    {
        $shop = $policy['shop_url'];
        $parts = parse_url($shop);
        $path = $parts['path'] ?? '';
        $this->shopUrl = $parts['scheme'] . '://' . $parts['host'] . (isset($parts['port']) ? ':' . $parts['port'] : '')
            . ($path === '' ? '/' : $path) . (isset($parts['query']) ? '?' . $parts['query'] : '');
        $this->joiner = isset($parts['query']) ? '&' : '?';
        foreach (isset($parts['query']) ? explode('&', $parts['query']) : [] as $pair) {
            $this->shopPairs[$pair] = true;
        }
        $this->extensions = $policy['extensions'] ?? [];
    }

    public function rewriteBuyUrl(string $url): ?string
    {
        if (\strlen($url) > 8192) {
            throw new \InvalidArgumentException('url.too_long');
        }
        $p = parse_url($url);
        if ($p === false || !isset($p['scheme'])) {
            throw new \InvalidArgumentException('url.invalid');
        }
        $scheme = strtolower($p['scheme']);
        if (($scheme !== 'https' && $scheme !== 'http') || isset($p['user']) || isset($p['pass'])) {
            return null;
        }
        if (rtrim(strtolower($p['host'] ?? ''), '.') !== 'go.plesk.com') {
            return null;
        }
        if (!preg_match('~^/buy-plesk-ext/([^/]+)$~', $p['path'] ?? '', $m) || !preg_match(self::CODE, $m[1])) {
            return null;
        }
        $query = $p['query'] ?? '';
        return $this->shopUrl . $this->joiner . 'extension-id=' . $m[1] . ($query !== '' ? '&' . $query : '');
    }

    /**
     * @return array<string, ?string> the request in the report shape
     * @throws \UnexpectedValueException with the rejection code
     */
    public function checkShopRequest(string $input): array
    {
        $q = ($at = strpos($input, '?')) !== false ? substr($input, $at + 1) : $input;
        if (($hash = strpos($q, '#')) !== false) {
            $q = substr($q, 0, $hash);
        }
        if (\strlen($q) > 8192) {
            throw new \UnexpectedValueException('query.too_long');
        }
        $own = $this->shopPairs;
        $raw = [];
        $values = [];
        $n = 0;
        foreach (explode('&', $q) as $pair) {
            if ($pair === '') {
                continue;
            }
            if (isset($own[$pair])) {
                unset($own[$pair]);
                continue;
            }
            if (++$n > 64) {
                throw new \UnexpectedValueException('query.too_many_params');
            }
            $eq = strpos($pair, '=');
            $rawName = $eq === false ? $pair : substr($pair, 0, $eq);
            $rawValue = $eq === false ? '' : substr($pair, $eq + 1);
            $name = self::decode($rawName);
            $value = self::decode($rawValue);
            if (\strlen($name) > 64 || \strlen($value) > 2048) {
                throw new \UnexpectedValueException('param.too_long');
            }
            if (isset($values[$name])) {
                throw new \UnexpectedValueException('param.duplicate');
            }
            $values[$name] = $value;
            $raw[$name] = $rawName . '=' . $rawValue;
        }
        $get = static fn (string $k): ?string => isset($values[$k]) && $values[$k] !== '' ? $values[$k] : null;

        $ext = $get('extension-id') ?? throw new \UnexpectedValueException('extension_id.missing');
        if (!preg_match(self::CODE, $ext)) {
            throw new \UnexpectedValueException('extension_id.malformed');
        }
        $sold = $this->extensions[$ext] ?? throw new \UnexpectedValueException('extension.not_sold');
        $kn = $get('kn') ?? throw new \UnexpectedValueException('kn.missing');
        if (!preg_match(self::KN, $kn)) {
            throw new \UnexpectedValueException('kn.malformed');
        }
        $token = $get('token');
        if ($token !== null && \strlen($token) > 1024) {
            throw new \UnexpectedValueException('token.too_long');
        }
        if ($token !== null && !preg_match(self::B64, $token)) {
            throw new \UnexpectedValueException('token.malformed');
        }
        $product = $get('product-id');
        if ($product !== null) {
            if (!preg_match(self::PRODUCT, $product)) {
                throw new \UnexpectedValueException('product_id.malformed');
            }
            if (!empty($sold['products']) && !\in_array($product, $sold['products'], true)) {
                throw new \UnexpectedValueException('product_id.not_sold');
            }
        }
        if (!empty($sold['individual_offers'])) {
            $token ?? throw new \UnexpectedValueException('token.missing');
            $product ?? throw new \UnexpectedValueException('product_id.missing');
        }
        $coupon = $get('buyUrlCoupon');
        if ($coupon !== null && !preg_match(self::COUPON, $coupon)) {
            throw new \UnexpectedValueException('coupon.malformed');
        }
        $action = $get('a');
        if ($action !== null && $action !== 'upgrade') {
            throw new \UnexpectedValueException('action.unknown');
        }
        $ekn = $get('ekn');
        if ($action === 'upgrade') {
            $ekn ?? throw new \UnexpectedValueException('ekn.missing');
            if (!preg_match(self::KN, $ekn) && !preg_match('~^[0-9]{1,20}$~', $ekn)) {
                throw new \UnexpectedValueException('ekn.malformed');
            }
        } elseif ($ekn !== null) {
            throw new \UnexpectedValueException('ekn.unexpected');
        }

        $forward = [];
        foreach (self::NAMES as $k) {
            if ($get($k) !== null) {
                $forward[] = $raw[$k];
            }
        }
        return [
            'extension_id' => $ext,
            'key_number' => $kn,
            'token' => $token,
            'product_id' => $product,
            'coupon' => $coupon,
            'action' => $action === 'upgrade' ? 'upgrade' : 'buy',
            'extension_key_number' => $ekn,
            'redirect_url' => $this->shopUrl . $this->joiner . implode('&', $forward),
        ];
    }

    /** Percent-decoding only, with the engine's encoding and control-character rules. */
    private static function decode(string $s): string
    {
        if (strpos($s, '%') !== false) {
            if (preg_match('~%(?![0-9A-Fa-f]{2})~', $s)) {
                throw new \UnexpectedValueException('param.bad_encoding');
            }
            $s = rawurldecode($s);
        }
        if (!preg_match('//u', $s)) {
            throw new \UnexpectedValueException('param.bad_encoding');
        }
        if (preg_match('~[\x00-\x1F\x7F]|\xC2[\x80-\x9F]~', $s)) {
            throw new \UnexpectedValueException('param.control_char');
        }
        return $s;
    }
}
