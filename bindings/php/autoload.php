<?php

// PSR-4 autoloader for `Resale\` → src/, for tests and examples run
// without Composer (Composer's own autoloader does the same).
spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Resale\\', 7) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 7)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
