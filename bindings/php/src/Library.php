<?php

declare(strict_types=1);

namespace Resale;

use FFI;
use FFI\CData;

/**
 * libresale loaded through PHP's FFI, once per process and path.
 *
 * The path comes from the constructor argument, else the environment
 * variable `RESALE_LIB`, else `libresale.so` from the dynamic linker's
 * search path (after `make install`). The declarations are the C header
 * `resale.h` without its preprocessor lines (Declarations); the library's
 * `resale_abi_version()` must equal the header's `RESALE_ABI_VERSION`.
 *
 * A Library also owns one output buffer and one error slot for the calls
 * that need no policy (licenses, marketplace): freed in __destruct.
 */
final class Library
{
    public const STATUS_OK = 0;
    public const STATUS_UNCHANGED = 1;
    public const STATUS_REJECTED = 2;
    public const STATUS_INVALID_ARGUMENT = 3;
    public const STATUS_PANIC = 4;

    /** @var array<string, Library> loaded libraries by path */
    private static array $loaded = [];

    /** @internal the FFI instance */
    public readonly FFI $ffi;
    public readonly string $path;
    /** @internal */
    public readonly CData $buf;
    /** @internal */
    public readonly CData $bufAddr;
    /** @internal */
    public readonly CData $errSlot;
    /** @internal */
    public readonly CData $errAddr;
    /** `char **`, made once: a type parsed per cast() stays allocated until the FFI instance goes. */
    private readonly \FFI\CType $charPtrPtr;

    /**
     * The process-wide library for `$path` (or RESALE_LIB, or libresale.so),
     * loaded on first use.
     *
     * @throws LibraryError
     */
    public static function get(?string $path = null): self
    {
        $path ??= self::defaultPath();
        return self::$loaded[$path] ??= new self($path);
    }

    /** The path get() uses when given none. */
    public static function defaultPath(): string
    {
        $env = getenv('RESALE_LIB');
        return is_string($env) && $env !== '' ? $env : 'libresale.so';
    }

    /**
     * Load the library at `$path` (prefer get(), which loads it once).
     *
     * @throws LibraryError
     */
    public function __construct(?string $path = null)
    {
        $path ??= self::defaultPath();
        $this->path = $path;
        if (!extension_loaded('ffi')) {
            throw new LibraryError('library.ffi_missing', 'PHP\'s FFI extension is not loaded (ext-ffi)');
        }
        // A bare file name is left to the dynamic linker; a path must exist.
        if (str_contains($path, '/') && !is_file($path)) {
            throw new LibraryError(
                'library.missing',
                "no resale library at {$path} (build it with `cargo build --release -p resale-ffi`, "
                . 'then pass its path or set RESALE_LIB)',
            );
        }
        $decls = Declarations::load();
        $abi = $decls['abi'];
        try {
            $this->ffi = self::preloaded() ?? FFI::cdef($decls['text'], $path);
        } catch (\Throwable $e) {
            $hint = ini_get('ffi.enable') === 'preload' && PHP_SAPI !== 'cli'
                ? ' (ffi.enable=preload allows FFI::cdef only in the CLI and preloading: set ffi.enable=1 or preload this package)'
                : '';
            throw new LibraryError(
                'library.unloadable',
                "cannot load {$path}: {$e->getMessage()}{$hint}; set RESALE_LIB to the path of libresale.so",
                null,
                -1,
                0,
                $e,
            );
        }
        $have = $this->ffi->resale_abi_version();
        if ($have !== $abi) {
            throw new LibraryError(
                'library.abi_mismatch',
                "{$path} has ABI version {$have}, these declarations need {$abi}: use a matching libresale",
            );
        }
        $this->charPtrPtr = $this->ffi->type('char **');
        $this->buf = $this->ffi->new('resale_buffer');
        $this->bufAddr = FFI::addr($this->buf);
        $this->errSlot = $this->ffi->new('resale_error*');
        $this->errAddr = FFI::addr($this->errSlot);
    }

    /**
     * The declarations preload.php loaded at server start (FFI scope
     * "RESALE"), where `ffi.enable=preload` forbids FFI::cdef in requests;
     * null when nothing was preloaded (the CLI, `ffi.enable=1`).
     */
    private static function preloaded(): ?FFI
    {
        if (ini_get('ffi.enable') !== 'preload' || PHP_SAPI === 'cli') {
            return null;
        }
        try {
            return FFI::scope('RESALE');
        } catch (\FFI\Exception) {
            return null;
        }
    }

    public function __destruct()
    {
        if (isset($this->bufAddr)) {
            $this->ffi->resale_buffer_free($this->bufAddr);
        }
    }

    /** The library's version, e.g. `0.1.0`. */
    public function version(): string
    {
        // A `const char *` return value arrives as a PHP string already.
        return (string) $this->ffi->resale_version();
    }

    /** The library's ABI version (equal to the header's once loaded). */
    public function abiVersion(): int
    {
        return $this->ffi->resale_abi_version();
    }

    /**
     * @internal The exception for a failed call: reads the error object in
     * `$slot` (a `resale_error *`), frees it, and picks the class by the
     * code's domain (ResaleException::forDomain).
     */
    public function failure(int $status, CData $slot): ResaleException
    {
        if (FFI::isNull($slot)) {
            return new InternalError('internal.no_error', "status {$status} without an error object", null, -1, $status);
        }
        $f = $this->ffi;
        $code = $this->str($f->resale_error_code($slot)) ?? '';
        $field = $this->str($f->resale_error_field($slot));
        $message = $this->str($f->resale_error_message($slot)) ?? '';
        $offset = (int) $f->resale_error_offset($slot);
        $class = ResaleException::forDomain($this->str($f->resale_error_domain($slot)) ?? '');
        $f->resale_error_free($slot);
        return new $class($code, $message, $field, $offset, $status);
    }

    /**
     * @internal A policy handle compiled by `resale_<kind>_<from>` (`kind`
     * `policy` or `gateway`; `from` `new`, the policy's JSON text, or
     * `from_file`, the path of a policy file, which the library reads: it
     * alone answers `policy.file.unreadable`), or its error thrown.
     */
    public function compile(string $kind, string $from, string $text): CData
    {
        $handle = $this->ffi->new("resale_{$kind}*");
        $status = $this->ffi->{"resale_{$kind}_{$from}"}($text, \strlen($text), FFI::addr($handle), $this->errAddr);
        if ($status !== self::STATUS_OK) {
            throw $this->failure($status, $this->errSlot);
        }
        return $handle;
    }

    /** @internal A `resale_str` as a PHP string, null when absent. */
    public function str(CData $s): ?string
    {
        // PHP's FFI would read the `const char *` field as a NUL-terminated
        // string (these views are not terminated): read it as `char *`.
        $data = $this->ffi->cast($this->charPtrPtr, FFI::addr($s))[0];
        if ($data === null || FFI::isNull($data)) {
            return null;
        }
        $len = $s->len;
        return $len === 0 ? '' : FFI::string($data, $len);
    }

    /** @internal The contents of the buffer `$buf`. */
    public static function bytes(CData $buf): string
    {
        $len = $buf->len;
        return $len === 0 ? '' : FFI::string($buf->data, $len);
    }

    /**
     * @internal The bytes a call left in this library's buffer; the call's
     * error thrown when `$status` is not OK.
     */
    public function check(int $status): string
    {
        if ($status !== self::STATUS_OK) {
            throw $this->failure($status, $this->errSlot);
        }
        return self::bytes($this->buf);
    }

    /**
     * @internal The JSON answer a call left in this library's buffer,
     * decoded; the call's error thrown when `$status` is not OK.
     *
     * @return array<string, mixed>
     */
    public function answer(int $status): array
    {
        return self::decode($this->check($status));
    }

    /**
     * @internal JSON text from the library, decoded (big integers kept as strings).
     *
     * @return array<string, mixed>
     */
    public static function decode(string $json): array
    {
        return json_decode($json, true, 512, JSON_BIGINT_AS_STRING | JSON_THROW_ON_ERROR);
    }
}
