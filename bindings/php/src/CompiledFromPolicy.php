<?php

declare(strict_types=1);

namespace Resale;

/**
 * @internal How a Policy and a Gateway are made and freed: the library
 * compiles the policy JSON into the handle the class is named after
 * (Policy: `resale_policy_new`, Gateway: `resale_gateway_new`) and frees it
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
        return new self($lib, $lib->compile(self::kind(), $json));
    }

    /**
     * Compile the policy in the file `$path`.
     *
     * @throws PolicyError (`policy.file.unreadable` when the file cannot be read)
     */
    public static function fromFile(string $path, ?Library $lib = null): self
    {
        return self::fromJson(Library::policyFile($path), $lib);
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
