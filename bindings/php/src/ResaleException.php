<?php

declare(strict_types=1);

namespace Resale;

/**
 * Base of every exception this package throws: the C error object's
 * stable code (`kn.malformed`), the field at fault (a query parameter, a
 * JSON path, an argument name; null when the input as a whole is at
 * fault), the message and, for feeds, the byte offset (-1 when none).
 * Match on getErrorCode(): messages may be reworded between versions.
 *
 * The subclass is chosen by the code's domain, which the library derives
 * from the code's first segment (`resale_error_domain`; resale_core's
 * `Domain`): one class per domain, DOMAINS below.
 */
class ResaleException extends \RuntimeException
{
    /** @var array<string, class-string<ResaleException>> the class for each domain of the core */
    public const DOMAINS = [
        'policy' => PolicyError::class,
        'shop_request' => Rejection::class,
        'catalog' => CatalogError::class,
        'license' => LicenseError::class,
        'marketplace' => Marketplace\MarketplaceError::class,
        'input' => InvalidInput::class,
        'argument' => InvalidArgument::class,
        'internal' => InternalError::class,
    ];

    /**
     * The class for a domain name (ResaleException itself for a domain this
     * package does not know yet).
     *
     * @return class-string<ResaleException>
     */
    public static function forDomain(string $domain): string
    {
        return self::DOMAINS[$domain] ?? self::class;
    }

    /** The C ABI's status (`RESALE_STATUS_*`), 0 for failures of the binding itself. */
    private int $status;

    public function __construct(
        private string $errorCode,
        string $message,
        private ?string $field = null,
        private int $offset = -1,
        int $status = 0,
        ?\Throwable $previous = null,
    ) {
        $this->status = $status;
        $where = $field !== null ? " at {$field}" : ($offset >= 0 ? " at byte {$offset}" : '');
        parent::__construct("{$errorCode}{$where}: {$message}", 0, $previous);
    }

    /** The stable machine code, e.g. `kn.malformed`. */
    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** The field at fault, or null. */
    public function getField(): ?string
    {
        return $this->field;
    }

    /** The byte offset in the input (catalog feeds, non-UTF-8 arguments), or -1. */
    public function getOffset(): int
    {
        return $this->offset;
    }

    /** The sentence for a person, without the code and field prefix. */
    public function getReason(): string
    {
        $m = $this->getMessage();
        $at = strpos($m, ': ');
        return $at === false ? $m : substr($m, $at + 2);
    }

    /** The C status (`Status::*`) that carried this error; 0 for the binding's own errors. */
    public function getStatus(): int
    {
        return $this->status;
    }
}
