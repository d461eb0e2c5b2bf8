<?php

declare(strict_types=1);

namespace Resale\Tests;

use Resale\CatalogError;
use Resale\Declarations;
use Resale\Gateway;
use Resale\InvalidArgument;
use Resale\InvalidInput;
use Resale\Library;
use Resale\LibraryError;
use Resale\License;
use Resale\LicenseError;
use Resale\Marketplace\MarketplaceError;
use Resale\Marketplace\Webhook;
use Resale\Policy;
use Resale\PolicyError;
use Resale\Rejection;
use Resale\ShopRequest;

/** The PHP API: errors, shop entry, rewrite, catalog streaming, library loading. */
final class ApiTest extends ResaleTestCase
{
    private const POLICY = '{"shop_url": "https://shop.example.com/store",
        "extensions": {"wp-toolkit": {"products": ["WPT_DELUXE"], "individual_offers": true,
                                      "partner_api_item": "EXT-WP-TOOLKIT"},
                       "docker": {}}}';

    private static function policy(): Policy
    {
        return Policy::fromJson(self::POLICY);
    }

    public function testLibraryLoadsOnceAndMatchesTheHeader(): void
    {
        $lib = Library::get();
        $this->assertSame($lib, Library::get());
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', $lib->version());
        preg_match('~^#define RESALE_ABI_VERSION (\d+)$~m', (string) file_get_contents(__DIR__ . '/../../../ffi/include/resale.h'), $m);
        $this->assertSame((int) $m[1], $lib->abiVersion());
        $this->assertSame((int) $m[1], Declarations::load()['abi']);
    }

    public function testTheDeclarationsAreTheHeaderWithoutPreprocessorLines(): void
    {
        $header = (string) file_get_contents(__DIR__ . '/../../../ffi/include/resale.h');
        $text = Declarations::load()['text'];
        $this->assertDoesNotMatchRegularExpression('/^#/m', $text);
        $this->assertStringNotContainsString('extern "C"', $text);
        $this->assertStringContainsString('uint32_t resale_abi_version(void);', $text);
        // Every line that is not a preprocessor line stays, in order.
        $kept = array_values(array_filter(explode("\n", $text), static fn (string $l): bool => trim($l) !== ''));
        $this->assertContains('typedef struct resale_catalog_stats {', $kept);
        $this->assertGreaterThan(substr_count($header, "\n") / 2, count($kept));
    }

    public function testAnUnreadableHeaderIsAClearError(): void
    {
        putenv('RESALE_HEADER=/nonexistent/resale.h');
        try {
            Declarations::load();
            $this->fail('no exception');
        } catch (LibraryError $e) {
            $this->assertSame('library.header', $e->getErrorCode());
            $this->assertStringContainsString('/nonexistent/resale.h', $e->getMessage());
        } finally {
            putenv('RESALE_HEADER');
        }
    }

    public function testAMissingLibraryIsAClearError(): void
    {
        try {
            new Library('/nonexistent/libresale.so');
            $this->fail('no exception');
        } catch (LibraryError $e) {
            $this->assertSame('library.missing', $e->getErrorCode());
            $this->assertStringContainsString('/nonexistent/libresale.so', $e->getMessage());
            $this->assertStringContainsString('RESALE_LIB', $e->getMessage());
        }
    }

    public function testAFileThatIsNotALibraryIsAClearError(): void
    {
        try {
            new Library(__FILE__);
            $this->fail('no exception');
        } catch (LibraryError $e) {
            $this->assertSame('library.unloadable', $e->getErrorCode());
            $this->assertStringContainsString(__FILE__, $e->getMessage());
        }
    }

    public function testPolicyErrorsCarryCodeAndJsonPath(): void
    {
        try {
            Policy::fromJson('{"shop_url": "shop.example.com"}');
            $this->fail('no exception');
        } catch (PolicyError $e) {
            $this->assertSame('policy.shop_url.not_absolute', $e->getErrorCode());
            $this->assertSame('$.shop_url', $e->getField());
            $this->assertSame(-1, $e->getOffset());
            $this->assertNotSame('', $e->getReason());
            $this->assertSame(Library::STATUS_REJECTED, $e->getStatus());
        }
        try {
            Policy::fromJson('{"shop_url": "https://shop.com", "shop": 1}');
            $this->fail('no exception');
        } catch (PolicyError $e) {
            $this->assertSame('$.shop', $e->getField());
        }
        // The library reads the file, so the code and field are the C ABI's
        // (as nginx gets them from resale_gateway_from_file).
        foreach ([Policy::class, Gateway::class] as $class) {
            try {
                $class::fromFile('/nonexistent/policy.json');
                $this->fail('no exception');
            } catch (PolicyError $e) {
                $this->assertSame('policy.file.unreadable', $e->getErrorCode());
                $this->assertSame('path', $e->getField());
                $this->assertStringContainsString('/nonexistent/policy.json', $e->getReason());
                $this->assertSame(Library::STATUS_REJECTED, $e->getStatus());
            }
        }
    }

    public function testRewriteAndLookAlikes(): void
    {
        $p = self::policy();
        $this->assertSame(
            'https://shop.example.com/store?extension-id=docker&kn=' . self::KN,
            $p->rewriteBuyUrl('https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . '#frag'),
        );
        foreach ([
            'https://go.plesk.com.evil.example/buy-plesk-ext/docker?kn=X' => 'host.not_plesk_store',
            'https://evil.example/?go.plesk.com' => 'host.not_plesk_store',
            'https://go.plesk.com@evil.example/buy-plesk-ext/docker' => 'host.not_plesk_store',
            'https://go.plesk.com/pricing' => 'path.not_buy_link',
        ] as $url => $reason) {
            $this->assertNull($p->rewriteBuyUrl($url), $url);
            $r = $p->rewrite($url);
            $this->assertSame('unchanged', $r->status);
            $this->assertSame($reason, $r->reason, $url);
        }
    }

    public function testANonUrlThrowsWithItsCode(): void
    {
        $p = self::policy();
        try {
            $p->rewriteBuyUrl('not a url');
            $this->fail('no exception');
        } catch (InvalidInput $e) {
            $this->assertSame('url.invalid', $e->getErrorCode());
        }
        $r = $p->rewrite(str_repeat('a', 9000));
        $this->assertSame('error', $r->status);
        $this->assertSame('url.too_long', $r->reason);
        // Not UTF-8: the argument status, with the byte offset.
        try {
            $p->rewriteBuyUrl("https://go.plesk.com/buy-plesk-ext/caf\xe9");
            $this->fail('no exception');
        } catch (InvalidArgument $e) {
            $this->assertSame('argument.not_utf8', $e->getErrorCode());
            $this->assertSame('url', $e->getField());
            $this->assertSame(38, $e->getOffset());
            $this->assertSame(Library::STATUS_INVALID_ARGUMENT, $e->getStatus());
        }
    }

    /** buyLink: one call, the answers of rewriteBuyUrl then checkShopRequest. */
    public function testBuyLinkIsTheRewriteThenTheCheck(): void
    {
        $p = self::policy();
        $long = '&utm_a=' . str_repeat('a', 2000) . '&utm_b=' . str_repeat('b', 2000) . '&utm_c=' . str_repeat('c', 2000);
        foreach ([
            'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=' . self::KN . '&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE',
            'https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . '&a=upgrade&ekn=123456&buyUrlCoupon=A%2DB#f',
            // Larger than the first block: it grows, and the answer is the same.
            'https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . $long,
        ] as $url) {
            $rewritten = $p->rewriteBuyUrl($url);
            $want = $p->checkShopRequest($rewritten);
            $got = $p->buyLink($url);
            $this->assertNotNull($got, $url);
            $this->assertSame($want->toArray(), $got->toArray(), $url);
            $this->assertSame($want->redirectUrl, $got->redirectUrl, $url);
            $this->assertSame($rewritten, $got->query, $url);
            $this->assertNull($got->handle());
        }
        $this->assertSame('123456', $p->buyLink('https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . '&a=upgrade&ekn=123456')->extensionKeyNumber);
        $this->assertNull($p->buyLink('https://go.plesk.com.evil.example/buy-plesk-ext/docker?kn=X'));
        $this->assertNull($p->buyLink('https://go.plesk.com/pricing'));
        foreach ([
            ['https://go.plesk.com/buy-plesk-ext/imunify360?kn=' . self::KN, Rejection::class, 'extension.not_sold', 'extension-id'],
            ['https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.1', Rejection::class, 'kn.malformed', 'kn'],
            ['not a url', InvalidInput::class, 'url.invalid', 'url'],
            ["https://go.plesk.com/buy-plesk-ext/caf\xe9", InvalidArgument::class, 'argument.not_utf8', 'url'],
        ] as [$url, $class, $code, $field]) {
            try {
                $p->buyLink($url);
                $this->fail("no exception for {$url}");
            } catch (\Resale\ResaleException $e) {
                $this->assertInstanceOf($class, $e, $url);
                $this->assertSame($code, $e->getErrorCode(), $url);
                $this->assertSame($field, $e->getField(), $url);
            }
        }
    }

    /**
     * buyLinkRedirect: buyLink()'s redirectUrl, null and exceptions alike,
     * from a first block too small as from one large enough.
     */
    public function testBuyLinkRedirectIsBuyLinksRedirect(): void
    {
        $p = self::policy();
        $long = '&utm_a=' . str_repeat('a', 2000) . '&utm_b=' . str_repeat('b', 2000) . '&utm_c=' . str_repeat('c', 2000);
        $urls = [
            'https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=' . self::KN . '&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE&utm=x',
            'https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . '&a=upgrade&ekn=123456&buyUrlCoupon=A%2DB#f',
            'https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . $long,
        ];
        foreach ($urls as $url) {
            $want = $p->checkShopRequest($p->rewriteBuyUrl($url))->redirectUrl;
            $this->assertStringStartsWith('https://shop.example.com/store?extension-id=', $want, $url);
            // A fresh policy for the long link: its first block is too small.
            $this->assertSame($want, self::policy()->buyLinkRedirect($url), $url);
            $this->assertSame($want, $p->buyLinkRedirect($url), $url);
            $this->assertSame($p->buyLink($url)?->redirectUrl, $p->buyLinkRedirect($url), $url);
        }
        $this->assertNull($p->buyLinkRedirect('https://go.plesk.com.evil.example/buy-plesk-ext/docker?kn=X'));
        $this->assertNull($p->buyLinkRedirect('https://go.plesk.com/pricing'));
        foreach ([
            ['https://go.plesk.com/buy-plesk-ext/imunify360?kn=' . self::KN, Rejection::class, 'extension.not_sold', 'extension-id'],
            ['https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.1', Rejection::class, 'kn.malformed', 'kn'],
            ['https://go.plesk.com/buy-plesk-ext/docker?kn=' . self::KN . '&kn=' . self::KN, Rejection::class, 'param.duplicate', 'kn'],
            ['not a url', InvalidInput::class, 'url.invalid', 'url'],
            ["https://go.plesk.com/buy-plesk-ext/caf\xe9", InvalidArgument::class, 'argument.not_utf8', 'url'],
        ] as [$url, $class, $code, $field]) {
            try {
                $p->buyLinkRedirect($url);
                $this->fail("no exception for {$url}");
            } catch (\Resale\ResaleException $e) {
                $this->assertInstanceOf($class, $e, $url);
                $this->assertSame($code, $e->getErrorCode(), $url);
                $this->assertSame($field, $e->getField(), $url);
            }
        }
    }

    public function testAcceptedShopRequest(): void
    {
        $r = self::policy()->checkShopRequest(
            '/buy?extension-id=wp-toolkit&kn=' . self::KN . '&token=ab+c/dA%3D&product-id=WPT_DELUXE&utm=x',
        );
        $this->assertInstanceOf(ShopRequest::class, $r);
        $this->assertSame('wp-toolkit', $r->extensionId);
        $this->assertSame(self::KN, $r->keyNumber);
        $this->assertSame('ab+c/dA=', $r->token, 'percent-decoded only: + stays +');
        $this->assertSame('WPT_DELUXE', $r->productId);
        $this->assertNull($r->coupon);
        $this->assertSame('buy', $r->action);
        $this->assertFalse($r->isUpgrade());
        $this->assertNull($r->extensionKeyNumber);
        $this->assertSame(
            'https://shop.example.com/store?extension-id=wp-toolkit&kn=' . self::KN . '&token=ab+c/dA%3D&product-id=WPT_DELUXE',
            $r->redirectUrl,
        );

        $u = self::policy()->checkShopRequest('extension-id=docker&kn=' . self::KN . '&a=upgrade&ekn=123456');
        $this->assertTrue($u->isUpgrade());
        $this->assertSame('123456', $u->extensionKeyNumber);
    }

    /** @return array<string, array{string, string, ?string}> */
    public function rejections(): array
    {
        return [
            'duplicate' => ['extension-id=docker&kn=' . self::KN . '&kn=' . self::KN, 'param.duplicate', 'kn'],
            'duplicate-encoded' => ['extension-id=docker&kn=' . self::KN . '&%6Bn=' . self::KN, 'param.duplicate', 'kn'],
            'kn-malformed' => ['extension-id=docker&kn=nope', 'kn.malformed', 'kn'],
            'kn-missing' => ['extension-id=docker', 'kn.missing', 'kn'],
            'not-sold' => ['extension-id=seo&kn=' . self::KN, 'extension.not_sold', 'extension-id'],
            'io-needs-token' => ['extension-id=wp-toolkit&kn=' . self::KN . '&product-id=WPT_DELUXE', 'token.missing', 'token'],
            'control-char' => ['extension-id=docker&kn=' . self::KN . '&buyUrlCoupon=a%0Ab', 'param.control_char', 'buyUrlCoupon'],
        ];
    }

    /** @dataProvider rejections */
    public function testRejectionsCarryCodeAndField(string $query, string $code, ?string $field): void
    {
        try {
            self::policy()->checkShopRequest($query);
            $this->fail('no exception');
        } catch (Rejection $e) {
            $this->assertSame($code, $e->getErrorCode());
            $this->assertSame($field, $e->getField());
            $this->assertNotSame('', $e->getReason());
        }
    }

    public function testArrayInput(): void
    {
        $p = self::policy();
        $r = $p->checkShopRequest(['extension-id' => 'docker', 'kn' => self::KN, 'buyUrlCoupon' => 'SPRING-24']);
        $this->assertSame('SPRING-24', $r->coupon);
        $this->assertSame('extension-id=docker&kn=' . self::KN . '&buyUrlCoupon=SPRING-24', $r->query);
        // Values are encoded back faithfully: a space stays a (rejected) space.
        try {
            $p->checkShopRequest(['extension-id' => 'wp-toolkit', 'kn' => self::KN, 'token' => 'ab c', 'product-id' => 'WPT_DELUXE']);
            $this->fail('no exception');
        } catch (Rejection $e) {
            $this->assertSame('token.malformed', $e->getErrorCode());
        }
        // a[]= / a[b]= arrive as arrays from $_GET: refused, by name.
        try {
            $p->checkShopRequest(['extension-id' => 'docker', 'kn' => [self::KN, self::KN]]);
            $this->fail('no exception');
        } catch (Rejection $e) {
            $this->assertSame('param.array', $e->getErrorCode());
            $this->assertSame('kn', $e->getField());
        }
    }

    public function testCatalogStreamingEqualsOneShot(): void
    {
        $p = Policy::fromFile(self::ROOT . '/tests/vectors/policies/whitelist.json');
        $body = file_get_contents(self::ROOT . '/tests/fixtures/packages.json');
        $path = '/api/v4/packages?platform=unix';
        $this->assertSame('packages', $p->catalogKind($path));
        $this->assertSame('categories', $p->catalogKind('/api/v4/categories'));
        $this->assertSame('other', $p->catalogKind('/api/v4/other'));

        $whole = $p->filterCatalog($path, $body);
        $this->assertSame(300, $whole->stats->items);
        $this->assertSame(220, $whole->stats->kept);
        $this->assertSame(80, $whole->stats->dropped);
        $this->assertSame(\strlen($body), $whole->stats->bytesIn);
        $this->assertSame(\strlen($whole->body), $whole->stats->bytesOut);
        $this->assertSame(220, \count(json_decode($whole->body, true, 512, JSON_THROW_ON_ERROR)));

        foreach ([1, 7, 100, 4096, 65536, \strlen($body)] as $size) {
            $filter = $p->catalogFilter($path);
            $this->assertSame('packages', $filter->kind());
            $out = '';
            foreach (str_split($body, $size) as $chunk) {
                $out .= $filter->push($chunk);
            }
            $out .= $filter->finish();
            $this->assertSame($whole->body, $out, "chunk size {$size}");
            $this->assertEquals($whole->stats, $filter->stats());
        }
    }

    /** Explain through the C ABI: the kept codes are the filtered feed's, hidden ones say not_sold. */
    public function testExplainCatalogIsTheFiltersDecision(): void
    {
        $p = Policy::fromFile(self::ROOT . '/tests/vectors/policies/whitelist.json');
        $body = file_get_contents(self::ROOT . '/tests/fixtures/packages.json');
        $path = '/api/v4/packages?platform=unix';
        $e = $p->explainCatalog($path, $body);
        $this->assertSame('packages', $e['kind']);
        $this->assertCount(300, $e['items']);
        $kept = array_values(array_map(
            static fn (array $i) => $i['code'],
            array_filter($e['items'], static fn (array $i) => $i['decision'] === 'kept'),
        ));
        $filtered = json_decode($p->filterCatalog($path, $body)->body, true, 512, JSON_THROW_ON_ERROR);
        $this->assertSame(array_column($filtered, 'code'), $kept);
        foreach ($e['items'] as $i) {
            $this->assertSame($i['decision'] === 'hidden', $i['rule'] === 'not_sold');
        }
        $this->assertSame(80, $e['summary']['dropped']);
        $this->assertSame('sold_elsewhere', $e['items'][0]['rule']);
        $this->assertSame('store.cloudlinux.com', $e['items'][0]['host']);
        try {
            $p->explainCatalog($path, '[{"code":"x"},]');
            $this->fail('no exception');
        } catch (CatalogError $ex) {
            $this->assertSame('catalog.json.invalid', $ex->getErrorCode());
            $this->assertSame(14, $ex->getOffset());
        }
    }

    public function testAFilterOutlivesItsPolicy(): void
    {
        $p = Policy::fromFile(self::ROOT . '/tests/vectors/policies/whitelist.json');
        $filter = $p->catalogFilter('/api/v4/packages');
        unset($p);
        $out = $filter->push('[{"code":"x"}]') . $filter->finish();
        $this->assertSame('[{"code":"x"}]', $out);
    }

    public function testAnInvalidFeedThrowsWithItsOffset(): void
    {
        $p = self::policy();
        try {
            $p->filterCatalog('/api/v4/packages', '[{"code":"x"},]');
            $this->fail('no exception');
        } catch (CatalogError $e) {
            $this->assertSame('catalog.json.invalid', $e->getErrorCode());
            $this->assertSame(14, $e->getOffset());
        }
        $filter = $p->catalogFilter('/api/v4/packages');
        $filter->push('[{"code":"x"}');
        try {
            $filter->finish();
            $this->fail('no exception');
        } catch (CatalogError $e) {
            $this->assertSame('catalog.json.truncated', $e->getErrorCode());
            $this->assertGreaterThanOrEqual(0, $e->getOffset());
        }
        try {
            $filter->push(']');
            $this->fail('no exception');
        } catch (CatalogError $e) {
            $this->assertSame('catalog.filter.finished', $e->getErrorCode());
        }
    }

    public function testPanelIni(): void
    {
        $p = self::policy();
        $this->assertSame("[extensions]\nbuyUrl = \"https://shop.example.com/store\"\n", $p->panelIni());
        $this->assertStringContainsString('https://catalog.example.com', $p->panelIni('https://catalog.example.com/'));
    }

    public function testLicenses(): void
    {
        $p = self::policy();
        $r = $p->checkShopRequest('extension-id=wp-toolkit&kn=' . self::KN . '&token=QUJD&product-id=WPT_DELUXE');
        $plan = License::plan($p, $r, ['order_id' => 'order-1001', 'api' => 'v3', 'owner_id' => '12345']);
        $this->assertSame('upsell', $plan['scenario']);
        $this->assertSame('order-1001', $plan['order']['order_id']);
        $this->assertSame(201, $plan['steps'][0]['expect_status']);
        try {
            License::plan($p, 'extension-id=docker&kn=' . self::KN, ['order_id' => 'order-1', 'api' => 'v3']);
            $this->fail('no exception');
        } catch (LicenseError $e) {
            $this->assertSame('license.no_partner_item', $e->getErrorCode());
        }
        $this->expectException(Rejection::class);
        License::plan($p, 'extension-id=docker', '{"order_id": "order-1", "api": "v3"}');
    }

    public function testActivationCommandsRefuseShellCharacters(): void
    {
        $this->assertSame(['plesk bin license --install A1B2-C3'], License::activationCommands('A1B2-C3'));
        $this->expectException(LicenseError::class);
        License::activationCommands('A1; rm -rf /', 'linux');
    }

    public function testWebhookSignatures(): void
    {
        $secret = "It's a Secret to Everybody";
        $sig = 'sha256=' . hash_hmac('sha256', 'Hello, World!', $secret);
        Webhook::verify('Hello, World!', $sig, ['old', $secret]);
        foreach ([[null, 'signature.missing'], ['sha256=zz', 'signature.malformed'], ['sha256=' . str_repeat('0', 64), 'signature.mismatch']] as [$s, $code]) {
            try {
                Webhook::verify('Hello, World!', $s, [$secret]);
                $this->fail("no exception for {$code}");
            } catch (MarketplaceError $e) {
                $this->assertSame($code, $e->getErrorCode());
            }
        }
        $this->expectException(InvalidArgument::class);
        Webhook::verify('x', $sig, ["two\nlines"]);
    }

    /**
     * One class per domain of the core's error codes: the mirror is pinned
     * against core/src/error.rs (a domain added there and not here fails),
     * and each domain a call can reach throws its class.
     */
    public function testExceptionClassesFollowTheCoresDomains(): void
    {
        preg_match_all('~Domain::\w+ => "(\w+)",~', file_get_contents(self::ROOT . '/core/src/error.rs'), $m);
        $this->assertNotEmpty($m[1]);
        $this->assertEqualsCanonicalizing($m[1], array_keys(\Resale\ResaleException::DOMAINS));

        $p = self::policy();
        $cases = [
            'policy' => static fn () => Policy::fromJson('{}'),
            'shop_request' => static fn () => $p->checkShopRequest('extension-id=docker&kn=x'),
            'catalog' => static fn () => $p->filterCatalog('/api/v4/packages', '[1]'),
            'license' => static fn () => License::activationCommands('A1;B'),
            'marketplace' => static fn () => Webhook::verify('x', null, ['s']),
            'input' => static fn () => $p->rewriteBuyUrl('not a url'),
            'argument' => static fn () => $p->checkShopRequest("kn=\xff"),
        ];
        foreach ($cases as $domain => $call) {
            try {
                $call();
                $this->fail("no exception for {$domain}");
            } catch (\Resale\ResaleException $e) {
                $this->assertSame(\Resale\ResaleException::forDomain($domain), $e::class, "{$domain}: {$e->getErrorCode()}");
            }
        }
        $this->assertSame(\Resale\ResaleException::class, \Resale\ResaleException::forDomain('not-a-domain'));
    }
}
