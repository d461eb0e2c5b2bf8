<?php

declare(strict_types=1);

namespace Resale;

/**
 * Key Administrator (Plesk's Partner API) plans, activation commands and
 * key structures. Plans and keys are the report JSON of the C ABI decoded
 * into arrays (see the project README, "Licenses").
 */
final class License
{
    /**
     * The plan for an accepted shop request: an upsell, or an upgrade with
     * `a=upgrade`. `$request` is a ShopRequest (its query is checked again
     * by the engine) or the query itself. `$api` is `v3` or `v1`;
     * `$orderId` is the shop's order (sent as `externalId`).
     *
     * @param ShopRequest|array<string, mixed>|string $request
     * @return array<string, mixed> the plan (`api`, `scenario`, `order_id`, `steps`, …)
     * @throws Rejection when the query is refused
     * @throws LicenseError `license.no_partner_item`, `license.order_id.malformed`, `license.api.unknown`, …
     */
    public static function plan(Policy $policy, ShopRequest|array|string $request, string $api, string $orderId): array
    {
        $query = match (true) {
            $request instanceof ShopRequest => $request->query,
            \is_array($request) => Policy::queryFromArray($request),
            default => $request,
        };
        $f = $policy->lib->ffi;
        $r = $f->new('resale_shop_request*');
        $status = $f->resale_check_shop_request($policy->handle, $query, \strlen($query), \FFI::addr($r), $policy->errAddr);
        if ($status !== 0) {
            throw $policy->lib->failure($status, $policy->errSlot, Rejection::class);
        }
        try {
            $status = $f->resale_license_plan(
                $policy->handle,
                $r,
                $api,
                \strlen($api),
                $orderId,
                \strlen($orderId),
                $policy->bufAddr,
                $policy->errAddr,
            );
        } finally {
            $f->resale_shop_request_free($r);
        }
        return self::decode($policy->fill($status, LicenseError::class))['plan'];
    }

    /**
     * The plan for a new Plesk instance: the main key `$mainItem`, then the
     * extension keys for the extension codes `$extensions` (each with its
     * `partner_api_item` in the policy) attached to it.
     *
     * @param list<string> $extensions
     * @return array<string, mixed>
     * @throws LicenseError
     */
    public static function newInstancePlan(Policy $policy, string $mainItem, array $extensions, string $api, string $orderId): array
    {
        $list = self::lines($extensions, 'extensions', LicenseError::class);
        $status = $policy->lib->ffi->resale_new_instance_plan(
            $policy->handle,
            $mainItem,
            \strlen($mainItem),
            $list,
            \strlen($list),
            $api,
            \strlen($api),
            $orderId,
            \strlen($orderId),
            $policy->bufAddr,
            $policy->errAddr,
        );
        return self::decode($policy->fill($status, LicenseError::class))['plan'];
    }

    /**
     * The command lines that install the activation `$code` on a server
     * (`$os`: `linux` or `windows`). The code is checked, not quoted: only
     * `A`-`Z`, `0`-`9` and `-` pass.
     *
     * @return list<string>
     * @throws LicenseError `license.activation_code.malformed`, …
     */
    public static function activationCommands(string $code, string $os = 'linux', ?Library $lib = null): array
    {
        $lib ??= Library::get();
        $status = $lib->ffi->resale_activation_commands($code, \strlen($code), $os, \strlen($os), $lib->bufAddr, $lib->errAddr);
        if ($status !== 0) {
            throw $lib->failure($status, $lib->errSlot, LicenseError::class);
        }
        $text = Library::bytes($lib->buf);
        // One command per line, each ended by "\n".
        $lines = explode("\n", $text);
        array_pop($lines);
        return $lines;
    }

    /**
     * Read Key Administrator's key structure (the JSON body of a v3 key answer).
     *
     * @return array<string, mixed> the key (key number, activation code, parent, …)
     * @throws LicenseError
     */
    public static function parseKey(string $json, ?Library $lib = null): array
    {
        $lib ??= Library::get();
        $status = $lib->ffi->resale_parse_key($json, \strlen($json), $lib->bufAddr, $lib->errAddr);
        if ($status !== 0) {
            throw $lib->failure($status, $lib->errSlot, LicenseError::class);
        }
        return $lib->json($lib->buf)['key'];
    }

    /**
     * @internal Values joined by "\n" (none may contain one).
     *
     * @param array<mixed> $values
     * @param class-string<ResaleException> $class
     */
    public static function lines(array $values, string $field, string $class): string
    {
        foreach ($values as $i => $v) {
            if (!\is_string($v) || str_contains($v, "\n")) {
                throw new InvalidArgument('argument.list_item', "each of {$field} must be a string without a newline", "{$field}[{$i}]");
            }
        }
        return implode("\n", $values);
    }

    /** @return array<string, mixed> */
    private static function decode(string $json): array
    {
        return json_decode($json, true, 512, JSON_BIGINT_AS_STRING | JSON_THROW_ON_ERROR);
    }
}
