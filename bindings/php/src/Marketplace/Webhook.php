<?php

declare(strict_types=1);

namespace Resale\Marketplace;

use Resale\InvalidArgument;
use Resale\Library;
use Resale\License;

/**
 * GitHub Marketplace: webhook signatures, `marketplace_purchase` events
 * applied to a stored entitlement, and questions about it. The engine has
 * no clock: pass "now" (RFC 3339).
 */
final class Webhook
{
    /**
     * Verify the `X-Hub-Signature-256` header (null when the request had
     * none) over the raw body, with any of `$secrets` (several during a
     * rotation). Constant-time.
     *
     * @param list<string> $secrets
     * @throws MarketplaceError `signature.missing`, `signature.malformed`, `signature.mismatch`, `signature.no_secret`
     */
    public static function verify(string $body, ?string $signature, array $secrets, ?Library $lib = null): void
    {
        $lib ??= Library::get();
        $list = License::lines($secrets, 'secrets', MarketplaceError::class);
        $status = $lib->ffi->resale_marketplace_verify(
            $body,
            \strlen($body),
            $signature,
            $signature === null ? 0 : \strlen($signature),
            $list,
            \strlen($list),
            $lib->errAddr,
        );
        $lib->check($status);
    }

    /**
     * Apply a verified `marketplace_purchase` payload (`$body`, the raw
     * request body) to the account's stored entitlement (`$state`: the
     * previous answer's `entitlement`, as an array or its JSON text; null
     * for none).
     *
     * @param array<string, mixed>|string|null $state
     * @return array{status: string, reason: ?string, duplicate_purchase: bool, entitlement: array<string, mixed>}
     *         store `json_encode($answer['entitlement'])` for the next event
     * @throws MarketplaceError `event.invalid` (with the JSON path), `event.stale`, …
     */
    public static function apply(array|string|null $state, string $body, ?Library $lib = null): array
    {
        return self::onState('apply', $state, $body, $lib);
    }

    /**
     * Fold an account's deliveries in event order (effective date, then
     * action, then arrival), whatever order they arrived in: `$bodies` are
     * the raw payloads, the newest arrival last (or the JSON text of their
     * array); `$base` the state before the first (null, or a reconciled
     * state). The answer is the last delivery's, shaped as {@see apply()}'s,
     * with the entitlement after all of them. {@see PdoStore} calls this.
     *
     * @param array<string, mixed>|string|null $base
     * @param list<string>|string $bodies
     * @return array{status: string, reason: ?string, duplicate_purchase: bool, entitlement: array<string, mixed>}
     * @throws MarketplaceError the last delivery's error, `replay.empty`, `replay.too_many_events`
     */
    public static function replay(array|string|null $base, array|string $bodies, ?Library $lib = null): array
    {
        $events = \is_string($bodies) ? $bodies : '[' . implode(',', $bodies) . ']';
        return self::onState('replay', $base, $events, $lib);
    }

    /**
     * Questions about a stored entitlement at `$now` (RFC 3339) for seat
     * number `$seat` (1-based).
     *
     * @param array<string, mixed>|string $state
     * @return array{entitled: bool, trial_days_remaining: ?int, seat: array{allowed: bool, reason: string, limit: ?int}}
     * @throws MarketplaceError
     */
    public static function seat(array|string $state, int $seat, string $now, ?Library $lib = null): array
    {
        $lib ??= Library::get();
        if ($seat < 0) {
            throw new InvalidArgument('argument.seat', 'the seat number must not be negative', 'seat');
        }
        $state = self::stateJson($state);
        $status = $lib->ffi->resale_marketplace_seat($state, \strlen($state), $seat, $now, \strlen($now), $lib->bufAddr, $lib->errAddr);
        return $lib->answer($status);
    }

    /**
     * `resale_marketplace_<function>(state, input, buffer, error)`, the calls
     * that take a stored state (NULL for none) and deliveries: their answer.
     *
     * @param array<string, mixed>|string|null $state
     * @return array<string, mixed>
     */
    private static function onState(string $function, array|string|null $state, string $input, ?Library $lib): array
    {
        $lib ??= Library::get();
        $state = self::stateJson($state);
        $status = $lib->ffi->{"resale_marketplace_{$function}"}(
            $state,
            $state === null ? 0 : \strlen($state),
            $input,
            \strlen($input),
            $lib->bufAddr,
            $lib->errAddr,
        );
        return $lib->answer($status);
    }

    /** @param array<string, mixed>|string|null $state */
    private static function stateJson(array|string|null $state): ?string
    {
        if (\is_array($state)) {
            return json_encode($state, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR);
        }
        return $state;
    }
}
