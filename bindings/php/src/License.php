<?php

declare(strict_types=1);

namespace Resale;

/**
 * Key Administrator (Plesk's Partner API) plans, activation commands and
 * key structures. Plans and keys are the C ABI's JSON (the core's types,
 * no status around them) decoded into arrays (see the project README,
 * "Licenses").
 */
final class License
{
    /**
     * The plan for an accepted shop request: an upsell, or an upgrade with
     * `a=upgrade`. `$request` is a ShopRequest from
     * Policy::checkShopRequest (its checked request is passed as it is, not
     * checked again), or a query (string or `$_GET`-like array) to check
     * first. `$order` is the order context:
     * `['order_id' => …, 'api' => 'v3'|'v1', 'owner_id' => …, 'server_ips' => […]]`
     * (or the same object as JSON text), identical in every binding.
     *
     * @param ShopRequest|array<string, mixed>|string $request
     * @param array<string, mixed>|string $order
     * @return array<string, mixed> the plan (`api`, `scenario`, `order`, `steps`, `activation`)
     * @throws Rejection when the query is refused
     * @throws LicenseError `license.no_partner_item`, `license.order.malformed`, `license.api.unknown`, …
     */
    public static function plan(Policy $policy, ShopRequest|array|string $request, array|string $order): array
    {
        $order = self::orderText($order);
        if (!$request instanceof ShopRequest || $request->handle() === null) {
            // A query, or a ShopRequest made with `new`: the library checks it.
            $request = $policy->checkShopRequest($request instanceof ShopRequest ? $request->query : $request);
        }
        $status = $policy->lib->ffi->resale_license_plan(
            $policy->handle,
            $request->handle(),
            $order,
            \strlen($order),
            $policy->bufAddr,
            $policy->errAddr,
        );
        return Library::decode($policy->fill($status));
    }

    /**
     * The plan for a new Plesk instance: the main key `$mainItem`, then the
     * extension keys for the extension codes `$extensions` (each with its
     * `partner_api_item` in the policy) attached to it.
     *
     * @param list<string> $extensions
     * @param array<string, mixed>|string $order the order context, as for plan()
     * @return array<string, mixed>
     * @throws LicenseError
     */
    public static function newInstancePlan(Policy $policy, string $mainItem, array $extensions, array|string $order): array
    {
        $order = self::orderText($order);
        $list = self::lines($extensions, 'extensions', LicenseError::class);
        $status = $policy->lib->ffi->resale_new_instance_plan(
            $policy->handle,
            $mainItem,
            \strlen($mainItem),
            $list,
            \strlen($list),
            $order,
            \strlen($order),
            $policy->bufAddr,
            $policy->errAddr,
        );
        return Library::decode($policy->fill($status));
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
        $text = $lib->check($status);
        // One command per line, each ended by "\n".
        $lines = explode("\n", $text);
        array_pop($lines);
        return $lines;
    }

    /**
     * Read Key Administrator's answer to a v3 key request: its body (may be
     * empty) and its `Location` header.
     *
     * @return array<string, mixed> the key (key_id, key_number, activation_code, parent_key_number, status, location)
     * @throws LicenseError
     */
    public static function parseKey(string $body, ?string $location = null, ?Library $lib = null): array
    {
        $lib ??= Library::get();
        $status = $lib->ffi->resale_parse_key(
            $body,
            \strlen($body),
            $location,
            $location === null ? 0 : \strlen($location),
            $lib->bufAddr,
            $lib->errAddr,
        );
        return $lib->answer($status);
    }

    /**
     * The `PUT` body of a v3 upgrade: KA's answer to the plan's `GET` step,
     * and the `body_from` of the `PUT` step.
     *
     * @param array<string, mixed>|string $spec
     * @throws LicenseError `license.upgrade.already`, `license.upgrade.nothing_to_replace`, `license.response.invalid`
     */
    public static function upgradeTargetState(string $key, array|string $spec, ?Library $lib = null): string
    {
        $lib ??= Library::get();
        $spec = \is_string($spec) ? $spec : json_encode($spec, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
        $status = $lib->ffi->resale_upgrade_target_state($key, \strlen($key), $spec, \strlen($spec), $lib->bufAddr, $lib->errAddr);
        return $lib->check($status);
    }

    /** @param array<string, mixed>|string $order */
    private static function orderText(array|string $order): string
    {
        return \is_string($order) ? $order : json_encode($order, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
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
}
