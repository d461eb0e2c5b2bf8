<?php

declare(strict_types=1);

/*
 * The catalog filter through PHP's FFI: MB/s over a feed, and the kept count.
 *
 *   RESALE_LIB=… php bench/filter.php <feed> <policy.json> [iterations]   → JSON
 */

require __DIR__ . '/../autoload.php';

use Resale\Policy;

[, $feedFile, $policyFile] = $argv;
$iterations = (int) ($argv[3] ?? 10);
$feed = file_get_contents($feedFile);
$policy = Policy::fromFile($policyFile);

$kept = $policy->filterCatalog('/api/v4/packages', $feed)->stats->kept;
$best = INF;
for ($i = 0; $i < $iterations; $i++) {
    $t = hrtime(true);
    $policy->filterCatalog('/api/v4/packages', $feed);
    $best = min($best, (hrtime(true) - $t) / 1e9);
}
echo json_encode(['mb_per_s' => strlen($feed) / $best / 1e6, 'kept' => $kept, 'iterations' => $iterations]), "\n";
