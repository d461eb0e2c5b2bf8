<?php
// Peer: the logic of Plesk's own proxy example (extensions-catalog-proxy,
// site/index.php): json_decode, array_filter with a strpos prefix test,
// json_encode. Rewritten here (not copied) to run on a file, timed.
// Usage: php php-example-filter.php FEED WHITELIST [ITER]
[$_, $feed, $whitelist] = $argv;
$iters = (int)($argv[3] ?? 10);
$bytes = file_get_contents($feed);
$sold = array_flip(array_filter(explode("\n", file_get_contents($whitelist))));
$run = function () use ($bytes, $sold) {
    $items = json_decode($bytes);
    $kept = array_values(array_filter($items, function ($item) use ($sold) {
        $buyUrl = $item->buy_url ?? '';
        return !(is_string($buyUrl) && strpos($buyUrl, 'https://go.plesk.com') === 0 && !isset($sold[$item->code]));
    }));
    return [json_encode($kept), count($kept)];
};
[$out, $kept] = $run();
$t = hrtime(true);
for ($i = 0; $i < $iters; $i++) { [$out, $kept] = $run(); }
$secs = (hrtime(true) - $t) / 1e9 / $iters;
echo json_encode(['peer' => 'php-example', 'bytes' => strlen($bytes), 'seconds' => $secs, 'mb_per_s' => strlen($bytes) / $secs / 1e6, 'kept' => $kept]), "\n";
