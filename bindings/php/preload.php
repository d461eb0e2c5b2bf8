<?php

declare(strict_types=1);

/*
 * opcache.preload script for PHP-FPM (or mod_php) with `ffi.enable=preload`,
 * where requests may not call FFI::cdef: at server start, it loads
 * libresale's declarations (resale.h, read by Resale\Declarations) under
 * the FFI scope "RESALE";
 * Resale\Library then takes FFI::scope('RESALE') in every request, parsing
 * nothing. In php.ini (or the FPM master's -d options):
 *
 *   opcache.enable = 1
 *   opcache.preload = /path/to/vendor/resale/resale/preload.php
 *   opcache.preload_user = www-data
 *   ffi.enable = preload
 *
 * The library is RESALE_LIB in the master's environment, else libresale.so
 * on the dynamic linker's path (as Library::defaultPath()).
 */

(static function (): void {
    $lib = getenv('RESALE_LIB');
    $lib = is_string($lib) && $lib !== '' ? $lib : 'libresale.so';
    foreach (['ResaleException', 'LibraryError', 'Declarations'] as $class) {
        require_once __DIR__ . "/src/{$class}.php";
    }
    $decls = Resale\Declarations::load()['text'];
    // FFI::load reads FFI_SCOPE and FFI_LIB from the header file itself.
    $header = tempnam(sys_get_temp_dir(), 'resale-ffi-');
    file_put_contents($header, '#define FFI_SCOPE "RESALE"' . "\n" . '#define FFI_LIB ' . json_encode($lib, JSON_UNESCAPED_SLASHES) . "\n" . $decls);
    try {
        if (FFI::load($header) === null) {
            throw new RuntimeException("resale preload: FFI::load could not load {$lib}");
        }
    } finally {
        unlink($header);
    }
})();

// The package's classes, compiled once for every worker (those required above
// already are: compiling them again would declare them twice).
foreach (array_diff(glob(__DIR__ . '/src/{,*/}*.php', GLOB_BRACE) ?: [], get_included_files()) as $file) {
    opcache_compile_file($file);
}
