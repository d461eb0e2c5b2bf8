<?php

declare(strict_types=1);

namespace Resale;

/**
 * @internal How a Policy and a Gateway are made and freed: the library
 * compiles the policy JSON, or reads and compiles a policy file, into the
 * handle the class is named after (Policy: `resale_policy_new`,
 * `resale_policy_from_file`; Gateway: `resale_gateway_new`,
 * `resale_gateway_from_file`) and frees it
 * with the output buffer the object owns. The class has the properties
 * `ffi`, `handle` and `bufAddr`.
 */
trait CompiledFromPolicy
{
    /**
     * Compile from the policy's JSON text.
     *
     * @throws PolicyError with the code and the JSON path (`$.shop_url`) as field
     * @throws LibraryError
     */
    public static function fromJson(string $json, ?Library $lib = null): self
    {
        $lib ??= Library::get();
        return new self($lib, $lib->compile(self::kind(), 'new', $json));
    }

    /**
     * Compile the policy in the file `$path` (read by the library).
     *
     * @throws PolicyError (`policy.file.unreadable`, field `path`, when the file cannot be read)
     * @throws InvalidArgument when `$path` is not UTF-8
     * @throws LibraryError
     */
    public static function fromFile(string $path, ?Library $lib = null): self
    {
        $lib ??= Library::get();
        return new self($lib, $lib->compile(self::kind(), 'from_file', $path));
    }

    public function __destruct()
    {
        $this->ffi->resale_buffer_free($this->bufAddr);
        $this->ffi->{'resale_' . self::kind() . '_free'}($this->handle);
    }

    /** `policy` or `gateway`: the class's name, as the C ABI spells its handle. */
    private static function kind(): string
    {
        return strtolower(substr(self::class, \strlen(__NAMESPACE__) + 1));
    }
}
