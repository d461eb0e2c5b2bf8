<?php

/*
 * A fake Key Administrator for tests, written from Plesk's public Partner API
 * documentation (the pages are named in core/src/license/partner_v3.rs and
 * partner_v1.rs). Run it with PHP's built-in server:
 *
 *   FAKE_KA_STATE=/tmp/ka.json FAKE_KA_LOGIN=api FAKE_KA_PASSWORD=secret \
 *     php -S 127.0.0.1:8765 tests/fake-ka/router.php
 *
 * State (keys, and a log of the calls) lives in the FAKE_KA_STATE file, so
 * a test can seed keys and read what was asked. The API account is a
 * reseller's: ownerId is required on create.
 *
 * Documented behaviour it follows:
 * - v3 (REST, HTTP Basic): POST /30/keys answers 201 with Location and,
 *   with return-key-state, the key structure; GET /30/keys/<keyId> 200;
 *   PUT /30/keys/<keyId> 200 with the target state, unmatched items passed
 *   back unchanged; the request headers of the Technology page.
 * - v1 (XML-RPC at /): partner10.createKey (8 positional parameters;
 *   100, 101), partner10.attachKey (100), partner10.upgradeKey (100), 200
 *   "Client authorization failed", 220 "Key … is not found", 260 "No … entry
 *   in the client's price list" (upgradeKey).
 * Chosen where the pages are silent (so marked): 401 for missing or wrong
 * Basic credentials, 404 for an unknown keyId, 400 for an unknown item, a
 * missing ownerId, a missing documented header or an unmatched item left
 * out of a PUT; the error body {"code", "type", "message"} follows the
 * documented error example.
 */

declare(strict_types=1);

const V3_ITEMS = ['PLESK-12-WEB-ADMIN-1M', 'EXT-WP-TOOLKIT-LITE-1M', 'EXT-WP-TOOLKIT-DELUXE-1M'];
const V1_KEYTYPES = ['PLESK_12_WEB_ADMIN', 'WP_TOOLKIT_LITE', 'WP_TOOLKIT_DELUXE'];
const V1_UPGRADE_PLANS = ['WP_TOOLKIT_LITE_TO_DELUXE' => ['WP_TOOLKIT_LITE', 'WP_TOOLKIT_DELUXE']];

$stateFile = getenv('FAKE_KA_STATE') ?: sys_get_temp_dir() . '/fake-ka.json';
$fp = fopen($stateFile, 'c+');
flock($fp, LOCK_EX);
$state = json_decode(stream_get_contents($fp) ?: '{}', true) ?: [];
$state += ['keys' => [], 'log' => [], 'next' => 30000001];

function save(): void
{
    global $fp, $state;
    ftruncate($fp, 0);
    rewind($fp);
    fwrite($fp, json_encode($state, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));
    fflush($fp);
    flock($fp, LOCK_UN);
}

function answer(int $status, ?array $json = null, array $headers = []): never
{
    save();
    http_response_code($status);
    foreach ($headers as $h) {
        header($h);
    }
    if ($json !== null) {
        header('Content-Type: application/json; charset=UTF-8');
        $body = json_encode($json, JSON_UNESCAPED_SLASHES);
        if (str_contains($_SERVER['HTTP_ACCEPT_ENCODING'] ?? '', 'gzip')) {
            header('Content-Encoding: gzip');
            $body = gzencode($body);
        }
        echo $body;
    }
    exit;
}

function error(int $status, string $message): never
{
    answer($status, ['code' => (string) $status, 'type' => 'fake', 'message' => $message]);
}

function newKey(string $prefix, array $items, string $owner, ?string $parent): array
{
    global $state;
    $id = $state['next']++;
    $key = [
        'ownerId' => $owner,
        'keyIdentifiers' => [
            'keyId' => $id,
            'keyNumber' => sprintf('%s.%08d.0001', $prefix, $id),
            'activationCode' => sprintf('A%05d-B%05d', $id % 100000, ($id * 7) % 100000),
        ],
        'parentKeyIdentifiers' => $parent === null ? null : ['keyNumber' => $parent],
        'items' => $items,
        'status' => 'ACTIVE',
    ];
    $state['keys'][(string) $id] = $key;
    return $key;
}

function findByNumber(string $number): ?array
{
    global $state;
    foreach ($state['keys'] as $key) {
        if ($key['keyIdentifiers']['keyNumber'] === $number) {
            return $key;
        }
    }
    return null;
}

$method = $_SERVER['REQUEST_METHOD'];
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$query = [];
parse_str((string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_QUERY), $query);
$body = file_get_contents('php://input');
$login = getenv('FAKE_KA_LOGIN') ?: 'api';
$password = getenv('FAKE_KA_PASSWORD') ?: 'secret';

// ---- Partner API 1.0: XML-RPC at the endpoint's root ---------------------
if ($path === '/' && $method === 'POST') {
    $call = simplexml_load_string($body, 'SimpleXMLElement', LIBXML_NONET);
    $params = [];
    foreach ($call->params->param ?? [] as $p) {
        $params[] = $p->value;
    }
    $name = (string) ($call->methodName ?? '');
    $state['log'][] = ['api' => 'v1', 'method' => $name, 'params' => \count($params)];
    $str = static fn ($v): string => (string) ($v->string ?? $v);
    $members = static function ($v): array {
        $out = [];
        foreach ($v->struct->member ?? [] as $m) {
            $out[(string) $m->name] = $m->value;
        }
        return $out;
    };
    $list = static fn ($v): array => array_map('strval', $v->array ? ($v->array->xpath('data/value/string') ?: []) : []);
    $respond = static function (array $fields): never {
        $xml = '';
        foreach ($fields as $k => $v) {
            $value = \is_int($v) ? "<int>{$v}</int>"
                : (\is_array($v) ? '<array><data>' . implode('', array_map(static fn ($s) => '<value><string>' . htmlspecialchars($s, ENT_XML1) . '</string></value>', $v)) . '</data></array>'
                : '<string>' . htmlspecialchars($v, ENT_XML1) . '</string>');
            $xml .= "<member><name>{$k}</name><value>{$value}</value></member>";
        }
        save();
        header('Content-Type: text/xml');
        echo "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>{$xml}</struct></value></param></params></methodResponse>";
        exit;
    };
    $arity = ['partner10.createKey' => 8, 'partner10.attachKey' => 3, 'partner10.upgradeKey' => 3];
    if (!isset($arity[$name]) || \count($params) !== $arity[$name]) {
        save();
        header('Content-Type: text/xml');
        echo '<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-32602</int></value></member>'
            . '<member><name>faultString</name><value><string>unknown method or wrong number of parameters</string></value></member></struct></value></fault></methodResponse>';
        exit;
    }
    $auth = $members($params[0]);
    if ($str($auth['login'] ?? '') !== $login || $str($auth['password'] ?? '') !== $password) {
        $respond(['resultCode' => 200, 'resultDesc' => 'Client authorization failed']);
    }
    if ($name === 'partner10.createKey') {
        $ips = $list($members($params[1])['ips'] ?? new SimpleXMLElement('<v/>'));
        $client = $str($params[2]);
        $keytype = $str($params[3]);
        $creation = $members($params[5]);
        $additional = $list($params[6]);
        if ($ips === [] || $client === '') {
            $respond(['resultCode' => 300, 'resultDesc' => 'ServerAddress and client ID are required']);
        }
        foreach (array_merge([$keytype], $additional) as $k) {
            if (!\in_array($k, V1_KEYTYPES, true)) {
                $respond(['resultCode' => 260, 'resultDesc' => "No \"{$k}\" entry in the client's price list"]);
            }
        }
        $parent = isset($creation['parentKeyNumber']) ? $str($creation['parentKeyNumber']) : null;
        if ($parent !== null) {
            if (findByNumber($parent) === null) {
                $respond(['resultCode' => 220, 'resultDesc' => "Key {$parent} is not found"]);
            }
            $key = newKey('EXT', [['item' => $keytype, 'externalId' => null]], $client, $parent);
            $respond(['resultCode' => 101, 'resultDesc' => "Additional key {$key['keyIdentifiers']['keyNumber']} has been successfully created and attached to {$parent}",
                'mainKeyNumber' => $key['keyIdentifiers']['keyNumber'], 'productKey' => $key['keyIdentifiers']['activationCode']]);
        }
        $main = newKey('PLSK', [['item' => $keytype, 'externalId' => null]], $client, null);
        $numbers = [];
        foreach ($additional as $k) {
            $numbers[] = newKey('EXT', [['item' => $k, 'externalId' => null]], $client, $main['keyIdentifiers']['keyNumber'])['keyIdentifiers']['keyNumber'];
        }
        $respond(['resultCode' => 100, 'resultDesc' => "{$main['keyIdentifiers']['keyNumber']} has been successfully created",
            'mainKeyNumber' => $main['keyIdentifiers']['keyNumber'], 'productKey' => $main['keyIdentifiers']['activationCode'], 'additionalKeysNumbers' => $numbers]);
    }
    if ($name === 'partner10.upgradeKey') {
        $number = $str($params[1]);
        $plan = $str($params[2]);
        $key = findByNumber($number);
        if ($key === null) {
            $respond(['resultCode' => 220, 'resultDesc' => "Key {$number} is not found"]);
        }
        [$from, $to] = V1_UPGRADE_PLANS[$plan] ?? [null, null];
        $items = array_column($key['items'], 'item');
        if ($from === null || !\in_array($from, $items, true)) {
            $respond(['resultCode' => 260, 'resultDesc' => "No \"{$plan}\" entry in the client's price list"]);
        }
        $id = (string) $key['keyIdentifiers']['keyId'];
        $state['keys'][$id]['items'] = array_map(static fn ($i) => $i['item'] === $from ? ['item' => $to, 'externalId' => null] : $i, $key['items']);
        $respond(['resultCode' => 100, 'resultDesc' => "\"{$plan}\" has been successfully added to {$number}", 'keyNumber' => $number]);
    }
    // partner10.attachKey
    $main = $str($params[1]);
    $extra = $str($params[2]);
    foreach ([$main, $extra] as $n) {
        if (findByNumber($n) === null) {
            $respond(['resultCode' => 220, 'resultDesc' => "Key {$n} is not found"]);
        }
    }
    $id = (string) findByNumber($extra)['keyIdentifiers']['keyId'];
    $state['keys'][$id]['parentKeyIdentifiers'] = ['keyNumber' => $main];
    $respond(['resultCode' => 100, 'resultDesc' => "Additional key {$extra} has been successfully attached to {$main}"]);
}

// ---- Partner API 3.0: REST under /30/keys -------------------------------
if (!preg_match('~^/30/keys(?:/(\d+))?$~', (string) $path, $m)) {
    error(404, 'no such resource');
}
$keyId = $m[1] ?? null;
$state['log'][] = ['api' => 'v3', 'method' => $method, 'path' => $path, 'body' => $body];
if (($_SERVER['PHP_AUTH_USER'] ?? null) !== $login || ($_SERVER['PHP_AUTH_PW'] ?? null) !== $password) {
    answer(401, ['code' => '401', 'type' => 'fake', 'message' => 'authentication required'], ['WWW-Authenticate: Basic realm="Partner API"']);
}
// Technology page: Accept, Accept-Charset, Accept-Encoding on every request;
// Content-Type with charset on those with a body.
$accepts = static fn (string $h, string $v): bool => stripos($_SERVER[$h] ?? '', $v) !== false;
if (!$accepts('HTTP_ACCEPT', 'application/json') || !$accepts('HTTP_ACCEPT_CHARSET', 'UTF-8') || !$accepts('HTTP_ACCEPT_ENCODING', 'gzip')) {
    error(400, 'Accept, Accept-Charset and Accept-Encoding are required');
}
if ($method !== 'GET' && !preg_match('~^application/json;\s*charset=UTF-?8$~i', $_SERVER['CONTENT_TYPE'] ?? '')) {
    error(400, 'Content-Type must be application/json with a charset');
}
$withState = \in_array($query['return-key-state'] ?? 'no', ['yes', 'true', '1'], true);
$self = 'http://' . $_SERVER['HTTP_HOST'] . '/30/keys/';

if ($keyId === null && $method === 'POST') {
    $req = json_decode($body, true);
    if (!\is_array($req) || !\is_array($req['items'] ?? null) || $req['items'] === []) {
        error(400, 'the body is not a license key structure with items');
    }
    if (!isset($req['ownerId'])) {
        error(400, 'License keys cannot be created for reseller accounts: pass the client account\'s ID as ownerId');
    }
    foreach ($req['items'] as $item) {
        if (!\in_array($item['item'] ?? null, V3_ITEMS, true)) {
            error(400, 'unknown item ' . json_encode($item['item'] ?? null));
        }
    }
    $parent = $req['parentKeyIdentifiers']['keyNumber'] ?? null;
    if ($parent !== null && findByNumber($parent) === null) {
        error(400, "parent key {$parent} not found");
    }
    $prefix = $parent === null ? 'PLSK' : 'EXT';
    $key = newKey($prefix, array_map(static fn ($i) => ['item' => $i['item'], 'externalId' => $i['externalId'] ?? null], $req['items']), (string) $req['ownerId'], $parent);
    answer(201, $withState ? $key : null, ['Location: ' . $self . $key['keyIdentifiers']['keyId']]);
}
if ($keyId === null) {
    error(405, 'method not allowed');
}
$key = $state['keys'][$keyId] ?? null;
if ($key === null) {
    error(404, "license key {$keyId} not found");
}
if ($method === 'GET') {
    answer(200, $key);
}
if ($method === 'PUT') {
    $req = json_decode($body, true);
    if (!\is_array($req) || !\is_array($req['items'] ?? null)) {
        error(400, 'the body is not a license key structure with items');
    }
    if (isset($req['keyIdentifiers']['keyId']) && (string) $req['keyIdentifiers']['keyId'] !== $keyId) {
        error(400, 'keyIdentifiers do not match the key');
    }
    $sent = array_column($req['items'], 'item');
    foreach ($key['items'] as $old) {
        if (!\in_array($old['item'], V3_ITEMS, true) && !\in_array($old['item'], $sent, true)) {
            error(400, "unmatched item {$old['item']} must be passed without changes");
        }
    }
    foreach ($req['items'] as $item) {
        if (!\in_array($item['item'], V3_ITEMS, true) && !\in_array($item['item'], array_column($key['items'], 'item'), true)) {
            error(400, 'unknown item ' . json_encode($item['item']));
        }
    }
    $state['keys'][$keyId]['items'] = $req['items'];
    answer(200, $withState ? $state['keys'][$keyId] : null);
}
error(405, 'method not allowed');
