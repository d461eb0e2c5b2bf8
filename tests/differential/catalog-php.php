<?php
// Oracle: which catalog items Plesk would see, decided from PHP's own
// json_decode reading of the feed (duplicate keys: the last wins; escapes
// resolved), with the documented rule. Reads a JSON array of cases
// {name, policy_sells: [...], feed: "<bytes>"} on stdin; prints one JSON line
// per case: {name, decoded: bool, kept_ids: [...]}.
$cases = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
foreach ($cases as $case) {
    $items = json_decode($case['feed']);
    if (!is_array($items)) {
        echo json_encode(['name' => $case['name'], 'decoded' => false, 'kept_ids' => []]), "\n";
        continue;
    }
    $kept = [];
    foreach ($items as $item) {
        $url = $item->buy_url ?? null;
        $pleskSold = false;
        if (is_string($url) && $url !== '') {
            $host = parse_url($url, PHP_URL_HOST);
            $scheme = strtolower((string) parse_url($url, PHP_URL_SCHEME));
            $pleskSold = in_array($scheme, ['http', 'https'], true) && is_string($host) && rtrim(strtolower($host), '.') === 'go.plesk.com';
        }
        $code = $item->code ?? null;
        if (!$pleskSold || (is_string($code) && in_array($code, $case['policy_sells'], true))) {
            $kept[] = $item->id;
        }
    }
    echo json_encode(['name' => $case['name'], 'decoded' => true, 'kept_ids' => $kept]), "\n";
}
