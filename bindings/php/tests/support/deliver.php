<?php

// One of PdoStoreTest's concurrent delivery processes:
//   php deliver.php DB.sqlite JOBS.json GO_FILE
// waits for GO_FILE (so that every process starts at once), applies each
// [delivery ID, body] of JOBS.json through its own PdoStore, and prints one
// JSON line per delivery with the answer's status.

declare(strict_types=1);

require __DIR__ . '/../../autoload.php';

[, $db, $jobs, $go] = $argv;
$store = new Resale\Marketplace\PdoStore(new PDO("sqlite:{$db}", null, null, [PDO::ATTR_TIMEOUT => 60]));
$deliveries = json_decode((string) file_get_contents($jobs), true, 512, JSON_THROW_ON_ERROR);
for ($i = 0; !file_exists($go); $i++) {
    if ($i > 30000) {
        fwrite(STDERR, "no go file\n");
        exit(3);
    }
    usleep(1000);
}
foreach ($deliveries as [$id, $body]) {
    try {
        $a = $store->apply($id, $body);
        echo json_encode(['id' => $id, 'status' => $a['status'], 'redelivered' => $a['redelivered']]), "\n";
    } catch (Resale\ResaleException $e) {
        echo json_encode(['id' => $id, 'error' => $e->getErrorCode(), 'message' => $e->getMessage()]), "\n";
    }
}
