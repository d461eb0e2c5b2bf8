/* The C ABI's conventions: statuses, error objects, NULL and non-UTF-8
 * arguments, buffer reuse, handles, the incremental filter against the
 * one-shot filter at every chunk size.
 *
 *   api <packages.json fixture> */
#include <stdlib.h>
#include <string.h>

#include "resale.h"
#include "support/fields.h"
#include "support/check.h"
#include "support/json.h"

static const char POLICY[] =
    "{\"shop_url\": \"https://shop.example.com/store\","
    " \"extensions\": {\"wp-toolkit\": {\"products\": [\"WPT_DELUXE\"], \"individual_offers\": true,"
    "                                   \"partner_api_item\": \"EXT-WP-TOOLKIT\"},"
    "                  \"docker\": {}}}";

static resale_policy *policy(void) {
    resale_policy *p = NULL;
    resale_error *e = NULL;
    CHECK(resale_policy_new(POLICY, strlen(POLICY), &p, &e) == RESALE_STATUS_OK);
    CHECK(p != NULL && e == NULL);
    return p;
}

static void version(void) {
    CHECK(strlen(resale_version()) > 0);
    CHECK(resale_abi_version() == RESALE_ABI_VERSION);
}

static void policy_errors_name_the_path(void) {
    const char bad[] = "{\"shop_url\": \"shop.example.com\"}";
    resale_policy *p = (resale_policy *)1;
    resale_error *e = NULL;
    CHECK(resale_policy_new(bad, strlen(bad), &p, &e) == RESALE_STATUS_REJECTED);
    CHECK(p == NULL);
    CHECK(STR_IS(resale_error_code(e), "policy.shop_url.not_absolute"));
    CHECK(STR_IS(resale_error_field(e), "$.shop_url"));
    CHECK(resale_error_message(e).len > 0);
    CHECK(resale_error_offset(e) == -1);
    CHECK(STR_IS(resale_error_domain(e), "policy"));
    char text[256];
    size_t n = resale_error_text(e, text, sizeof text);
    CHECK(n > 0 && n < sizeof text);
    CHECK(strncmp(text, "policy.shop_url.not_absolute at $.shop_url: ", 44) == 0);
    CHECK(resale_error_text(e, text, 10) == 10 && memcmp(text, "policy.sho", 10) == 0);
    CHECK(resale_error_text(NULL, text, sizeof text) == 0);
    resale_error_free(e);

    const char unknown[] = "{\"shop_url\": \"https://shop.com\", \"shop\": 1}";
    CHECK(resale_policy_new(unknown, strlen(unknown), &p, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_field(e), "$.shop"));
    resale_error_free(e);
    /* error == NULL: the status alone. */
    CHECK(resale_policy_new(bad, strlen(bad), &p, NULL) == RESALE_STATUS_REJECTED);

    /* A policy file: read by the library, which alone answers
       policy.file.unreadable (PHP's fromFile and nginx come here). */
    const char file[] = "tests/vectors/policies/example.json", missing[] = "tests/vectors/policies/none.json";
    CHECK(resale_policy_from_file(file, strlen(file), &p, &e) == RESALE_STATUS_OK && p != NULL && e == NULL);
    resale_policy_free(p);
    CHECK(resale_policy_from_file(missing, strlen(missing), &p, &e) == RESALE_STATUS_REJECTED && p == NULL);
    CHECK(STR_IS(resale_error_code(e), "policy.file.unreadable") && STR_IS(resale_error_field(e), "path"));
    resale_error_free(e);
    resale_gateway *g = (resale_gateway *)1;
    CHECK(resale_gateway_from_file(missing, strlen(missing), &g, &e) == RESALE_STATUS_REJECTED && g == NULL);
    CHECK(STR_IS(resale_error_code(e), "policy.file.unreadable") && STR_IS(resale_error_field(e), "path"));
    resale_error_free(e);
}

static void arguments(resale_policy *p) {
    resale_buffer out = {0};
    resale_error *e = NULL;
    const char url[] = "https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001";

    CHECK(resale_rewrite_buy_url(NULL, url, strlen(url), &out, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_code(e), "argument.null"));
    CHECK(STR_IS(resale_error_field(e), "policy"));
    CHECK(STR_IS(resale_error_domain(e), "argument"));
    resale_error_free(e);

    CHECK(resale_rewrite_buy_url(p, NULL, 5, &out, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_field(e), "url"));
    resale_error_free(e);

    CHECK(resale_rewrite_buy_url(p, url, strlen(url), NULL, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_field(e), "out"));
    resale_error_free(e);

    /* NULL with length 0 is the empty string: not a URL. */
    CHECK(resale_rewrite_buy_url(p, NULL, 0, &out, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "url.invalid"));
    resale_error_free(e);

    const char latin1[] = "https://go.plesk.com/buy-plesk-ext/caf\xe9";
    CHECK(resale_rewrite_buy_url(p, latin1, strlen(latin1), &out, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_code(e), "argument.not_utf8"));
    CHECK(resale_error_offset(e) == (int64_t)strlen(latin1) - 1);
    resale_error_free(e);

    /* A NUL inside the data is data, not the end of the string. */
    const char nul[] = "extension-id=docker&kn=PLSK.12345678.0001\0&kn=X";
    resale_shop_request *r = NULL;
    CHECK(resale_check_shop_request(p, nul, sizeof nul - 1, &r, &e) == RESALE_STATUS_REJECTED);
    CHECK(r == NULL);
    resale_error_free(e);

    /* Getters and frees accept NULL. */
    CHECK(resale_shop_request_token(NULL).data == NULL);
    CHECK(resale_error_code(NULL).data == NULL);
    resale_shop_request_free(NULL);
    resale_error_free(NULL);
    resale_policy_free(NULL);
    resale_catalog_filter_free(NULL);
    resale_buffer_free(NULL);
    resale_buffer_free(&out);
}

static void rewrite_and_buffer_reuse(resale_policy *p) {
    resale_buffer out = {0};
    resale_error *e = (resale_error *)1;
    const char url[] =
        "https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE";
    CHECK(resale_rewrite_buy_url(p, url, strlen(url), &out, &e) == RESALE_STATUS_OK);
    CHECK(e == NULL);
    const char want[] =
        "https://shop.example.com/store?extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE";
    CHECK(out.len == strlen(want) && memcmp(out.data, want, out.len) == 0);
    CHECK(out.data[out.len] == '\0');
    char *first = out.data;

    const char shorter[] = "https://go.plesk.com/buy-plesk-ext/docker";
    CHECK(resale_rewrite_buy_url(p, shorter, strlen(shorter), &out, &e) == RESALE_STATUS_OK);
    CHECK(strcmp(out.data, "https://shop.example.com/store?extension-id=docker") == 0);
    CHECK(out.data == first); /* the memory is reused */

    const char lookalike[] = "https://go.plesk.com.evil.example/buy-plesk-ext/docker";
    CHECK(resale_rewrite_buy_url(p, lookalike, strlen(lookalike), &out, &e) == RESALE_STATUS_UNCHANGED);
    CHECK(STR_IS(resale_error_code(e), "host.not_plesk_store"));
    resale_error_free(e);
    resale_buffer_free(&out);
    CHECK(out.data == NULL && out.len == 0 && out.capacity == 0);
}

static void shop_request(resale_policy *p) {
    const char q[] = "extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE";
    resale_shop_request *r = NULL;
    resale_error *e = NULL;
    CHECK(resale_check_shop_request(p, q, strlen(q), &r, &e) == RESALE_STATUS_OK);
    CHECK(STR_IS(resale_shop_request_extension_id(r), "wp-toolkit"));
    CHECK(STR_IS(resale_shop_request_key_number(r), "PLSK.12345678.0001"));
    CHECK(STR_IS(resale_shop_request_token(r), "U29NZVVuaXF1ZUdVSUQxMjM="));
    CHECK(STR_IS(resale_shop_request_product_id(r), "WPT_DELUXE"));
    CHECK(resale_shop_request_coupon(r).data == NULL);
    CHECK(resale_shop_request_action(r) == RESALE_ACTION_BUY);

    /* The one-call form answers the same values, by name, from its own request. */
    resale_buffer out = {0};
    resale_shop_request *r2 = NULL;
    resale_shop_request_fields f;
    CHECK(resale_check_shop_request_fields(p, q, strlen(q), &r2, &f, &e) == RESALE_STATUS_OK);
    CHECK(STR_IS(FIELD(f, extension_id), "wp-toolkit"));
    CHECK(STR_IS(FIELD(f, key_number), "PLSK.12345678.0001"));
    CHECK(STR_IS(FIELD(f, token), "U29NZVVuaXF1ZUdVSUQxMjM="));
    CHECK(STR_IS(FIELD(f, product_id), "WPT_DELUXE"));
    CHECK(FIELD(f, coupon).data == NULL && FIELD(f, extension_key_number).data == NULL);
    CHECK(f.coupon_len == RESALE_ABSENT && f.extension_key_number_len == RESALE_ABSENT);
    CHECK(f.action == RESALE_ACTION_BUY);
    resale_str redirect = resale_shop_request_redirect_url(r);
    resale_str fredirect = FIELD(f, redirect_url);
    CHECK(fredirect.len == redirect.len && memcmp(fredirect.data, redirect.data, redirect.len) == 0);
    resale_str forward = resale_shop_request_forward_query(r);
    resale_str fforward = FIELD(f, forward_query);
    CHECK(fforward.len == forward.len && memcmp(fforward.data, forward.data, forward.len) == 0);
    CHECK(STR_IS(FIELD(f, query), q));
    /* Every value lies in the one block, and the block holds nothing else:
       each byte is some value's (values may share bytes: most are parts of
       the query, and the block holds the query once). */
    unsigned char covered[1024] = {0};
    CHECK(f.len <= sizeof covered);
    resale_str all[] = {FIELD(f, extension_id), FIELD(f, key_number), FIELD(f, token), FIELD(f, product_id),
                        FIELD(f, coupon), FIELD(f, extension_key_number), FIELD(f, forward_query),
                        FIELD(f, redirect_url), FIELD(f, query)};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i].data) {
            const uint8_t *at = (const uint8_t *)all[i].data;
            CHECK(at >= f.data && at + all[i].len <= f.data + f.len);
            if (at >= f.data && at + all[i].len <= f.data + f.len && f.len <= sizeof covered)
                memset(covered + (at - f.data), 1, all[i].len);
        }
    }
    size_t uncovered = 0;
    for (size_t i = 0; i < f.len && i < sizeof covered; i++) uncovered += !covered[i];
    CHECK(uncovered == 0);
    /* Each text is in the block once: the redirect, the query, and the
       token, the one value that is not a part of the query (it was
       percent-decoded); the other values and the forward query point into
       the query's bytes. */
    CHECK(f.len == f.redirect_url_len + f.query_len + f.token_len);
    /* Pairs that did not arrive joined in the forward order: the forward
       query is written out, equal to the request's own. */
    const char shuffled[] = "kn=PLSK.12345678.0001&utm=1&buyUrlCoupon=A%2DB&extension-id=docker";
    resale_shop_request *r3 = NULL;
    resale_shop_request_fields f3;
    CHECK(resale_check_shop_request_fields(p, shuffled, strlen(shuffled), &r3, &f3, &e) == RESALE_STATUS_OK);
    CHECK(STR_IS(FIELD(f3, forward_query), "extension-id=docker&kn=PLSK.12345678.0001&buyUrlCoupon=A%2DB"));
    resale_str forward3 = resale_shop_request_forward_query(r3);
    resale_str fforward3 = FIELD(f3, forward_query);
    CHECK(fforward3.len == forward3.len && memcmp(fforward3.data, forward3.data, forward3.len) == 0);
    CHECK(STR_IS(FIELD(f3, coupon), "A-B") && STR_IS(FIELD(f3, extension_id), "docker") && STR_IS(FIELD(f3, query), shuffled));
    resale_shop_request_free(r3);
    resale_shop_request_fields again = resale_shop_request_get_fields(r2);
    CHECK(again.data == f.data && again.len == f.len && again.token_at == f.token_at);
    resale_shop_request_fields none = resale_shop_request_get_fields(NULL);
    CHECK(none.data == NULL && none.len == 0 && FIELD(none, extension_id).data == NULL &&
          FIELD(none, redirect_url).data == NULL);
    resale_shop_request_free(r2);

    /* The license plan reads the accepted request. */
    static const char order3[] = "{\"order_id\":\"order-1\",\"api\":\"v3\"}";
    static const char order2[] = "{\"order_id\":\"order-1\",\"api\":\"v2\"}";
    CHECK(resale_license_plan(p, r, order3, strlen(order3), &out, &e) == RESALE_STATUS_OK);
    /* The plan itself: no "status" around it (the return value is the status). */
    json *plan = json_parse(out.data, out.len);
    CHECK(plan && json_get(plan, "status") == NULL && json_get(plan, "steps") != NULL);
    json_free(plan);
    CHECK(resale_license_plan(p, r, order2, strlen(order2), &out, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "license.api.unknown"));
    CHECK(STR_IS(resale_error_field(e), "api"));
    resale_error_free(e);
    resale_shop_request_free(r);

    const char dup[] = "extension-id=docker&kn=PLSK.12345678.0001&extension-id=wp-toolkit";
    CHECK(resale_check_shop_request(p, dup, strlen(dup), &r, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "param.duplicate"));
    CHECK(STR_IS(resale_error_field(e), "extension-id"));
    resale_error_free(e);
    resale_buffer_free(&out);
}

/* Field by field: the struct has padding after `kind`. */
static int same_stats(const resale_catalog_stats *a, const resale_catalog_stats *b) {
    return a->kind == b->kind && a->items == b->items && a->kept == b->kept && a->dropped == b->dropped &&
           a->kept_free == b->kept_free && a->kept_elsewhere == b->kept_elsewhere && a->kept_sold == b->kept_sold &&
           a->rewritten == b->rewritten && a->top_packages_kept == b->top_packages_kept &&
           a->top_packages_dropped == b->top_packages_dropped && a->bytes_in == b->bytes_in && a->bytes_out == b->bytes_out;
}

static void catalog(resale_policy *p, const char *feed, size_t feed_len) {
    static const char path[] = "/api/v4/packages?platform=unix";
    CHECK(resale_policy_catalog_kind(p, path, strlen(path)) == RESALE_CATALOG_KIND_PACKAGES);
    CHECK(resale_policy_catalog_kind(p, "/api/v4/categories", 18) == RESALE_CATALOG_KIND_CATEGORIES);
    CHECK(resale_policy_catalog_kind(p, "/robots.txt", 11) == RESALE_CATALOG_KIND_OTHER);

    resale_buffer whole = {0}, out = {0};
    resale_catalog_stats stats, chunked_stats;
    resale_error *e = NULL;
    CHECK(resale_filter_catalog(p, path, strlen(path), feed, feed_len, &whole, &stats, &e) == RESALE_STATUS_OK);
    CHECK(stats.kind == RESALE_CATALOG_KIND_PACKAGES);
    CHECK(stats.kept > 0 && stats.dropped > 0 && stats.kept + stats.dropped == stats.items);
    CHECK(stats.bytes_in == feed_len && stats.bytes_out == whole.len);

    static const size_t sizes[] = {1, 3, 7, 64, 1000, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        resale_catalog_filter *f = NULL;
        CHECK(resale_catalog_filter_new(p, path, strlen(path), &f, &e) == RESALE_STATUS_OK);
        char *joined = malloc(whole.len + 1);
        size_t at = 0;
        int ok = 1;
        for (size_t i = 0; i < feed_len && ok; i += sizes[s]) {
            size_t n = feed_len - i < sizes[s] ? feed_len - i : sizes[s];
            ok = resale_catalog_filter_push(f, feed + i, n, &out, &e) == RESALE_STATUS_OK;
            if (ok && at + out.len <= whole.len) memcpy(joined + at, out.data, out.len);
            at += out.len;
        }
        CHECK(ok);
        CHECK(resale_catalog_filter_finish(f, &out, &chunked_stats, &e) == RESALE_STATUS_OK);
        if (at + out.len <= whole.len) memcpy(joined + at, out.data, out.len);
        at += out.len;
        CHECK(at == whole.len && memcmp(joined, whole.data, whole.len) == 0);
        CHECK(same_stats(&stats, &chunked_stats));
        free(joined);
        resale_catalog_filter_free(f);
    }

    /* _feed: the last chunk's data and the end in one call, both outputs
     * kept (a push then a finish would each replace the buffer). */
    resale_catalog_filter *fed = NULL;
    CHECK(resale_catalog_filter_new(p, path, strlen(path), &fed, &e) == RESALE_STATUS_OK);
    CHECK(resale_catalog_filter_feed(fed, feed, 100, 0, &out, NULL, &e) == RESALE_STATUS_OK);
    size_t head = out.len;
    char *fed_out = malloc(whole.len + 1);
    memcpy(fed_out, out.data, head < whole.len ? head : whole.len);
    CHECK(resale_catalog_filter_feed(fed, feed + 100, feed_len - 100, 1, &out, &chunked_stats, &e) == RESALE_STATUS_OK);
    if (head + out.len == whole.len) memcpy(fed_out + head, out.data, out.len);
    CHECK(head + out.len == whole.len && memcmp(fed_out, whole.data, whole.len) == 0);
    CHECK(same_stats(&stats, &chunked_stats));
    CHECK(resale_catalog_filter_feed(fed, NULL, 0, 1, &out, NULL, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "catalog.filter.finished"));
    resale_error_free(e);
    free(fed_out);
    resale_catalog_filter_free(fed);

    /* A feed cut short fails at the end; the filter then refuses input. */
    resale_catalog_filter *f = NULL;
    CHECK(resale_catalog_filter_new(p, path, strlen(path), &f, &e) == RESALE_STATUS_OK);
    CHECK(resale_catalog_filter_push(f, feed, feed_len / 2, &out, &e) == RESALE_STATUS_OK);
    CHECK(resale_catalog_filter_finish(f, &out, NULL, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "catalog.json.truncated"));
    CHECK(resale_error_offset(e) == (int64_t)(feed_len / 2));
    resale_error_free(e);
    CHECK(resale_catalog_filter_push(f, "]", 1, &out, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "catalog.filter.finished"));
    resale_error_free(e);
    resale_catalog_filter_free(f);

    /* Invalid JSON says where. */
    const char bad[] = "[{\"code\": 1,}]";
    CHECK(resale_filter_catalog(p, path, strlen(path), bad, strlen(bad), &out, NULL, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "catalog.json.invalid"));
    CHECK(resale_error_offset(e) == 12);
    resale_error_free(e);

    /* Explain: one decision per item, as many hidden as the filter dropped. */
    resale_buffer why = {0};
    CHECK(resale_explain_catalog(p, path, strlen(path), feed, feed_len, &why, &e) == RESALE_STATUS_OK);
    char *text = malloc(why.len + 1);
    memcpy(text, why.data, why.len);
    text[why.len] = 0;
    static const char start[] = "{\"kind\":\"packages\",\"items\":[";
    CHECK(strncmp(text, start, strlen(start)) == 0);
    uint64_t hidden = 0, kept = 0;
    for (const char *at = text; (at = strstr(at, "\"decision\":\"")) != NULL; at++)
        *(strncmp(at + 12, "hidden", 6) == 0 ? &hidden : &kept) += 1;
    CHECK(hidden == stats.dropped && kept == stats.kept);
    free(text);
    CHECK(resale_explain_catalog(p, path, strlen(path), bad, strlen(bad), &why, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "catalog.json.invalid"));
    CHECK(resale_error_offset(e) == 12);
    resale_error_free(e);
    resale_buffer_free(&why);

    /* A filter outlives the policy it came from. */
    resale_policy *own = NULL;
    CHECK(resale_policy_new(POLICY, strlen(POLICY), &own, NULL) == RESALE_STATUS_OK);
    CHECK(resale_catalog_filter_new(own, path, strlen(path), &f, NULL) == RESALE_STATUS_OK);
    resale_policy_free(own);
    CHECK(resale_catalog_filter_push(f, feed, feed_len, &out, NULL) == RESALE_STATUS_OK);
    size_t first = out.len;
    CHECK(resale_catalog_filter_finish(f, &out, NULL, NULL) == RESALE_STATUS_OK);
    CHECK(first + out.len == whole.len);
    resale_catalog_filter_free(f);

    resale_buffer_free(&whole);
    resale_buffer_free(&out);
}

static void marketplace(void) {
    /* GitHub's documented example. */
    const char body[] = "Hello, World!";
    const char sig[] = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const char secrets[] = "old secret\nIt's a Secret to Everybody";
    resale_error *e = NULL;
    CHECK(resale_marketplace_verify(body, strlen(body), sig, strlen(sig), secrets, strlen(secrets), &e) == RESALE_STATUS_OK);
    CHECK(resale_marketplace_verify(body, strlen(body), sig, strlen(sig), "old secret", 10, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "signature.mismatch"));
    resale_error_free(e);
    CHECK(resale_marketplace_verify(body, strlen(body), NULL, 0, secrets, strlen(secrets), &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "signature.missing"));
    resale_error_free(e);

    resale_buffer out = {0};
    CHECK(resale_marketplace_seat("{}", 2, 1, "2026-01-01T00:00:00Z", 20, &out, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "entitlement.invalid"));
    CHECK(STR_IS(resale_error_field(e), "state"));
    resale_error_free(e);
    CHECK(resale_activation_commands("A1B2-C3D4", 9, "linux", 5, &out, &e) == RESALE_STATUS_OK);
    CHECK(out.len > 0 && out.data[out.len - 1] == '\n');
    CHECK(resale_activation_commands("A1; rm -rf /", 12, "linux", 5, &out, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "license.activation_code.malformed"));
    resale_error_free(e);
    resale_buffer_free(&out);
}

/* A gateway reply read back through resale_reply_*: the loop nginx runs. */
static void gateway_reply(void) {
    resale_gateway *g = NULL;
    resale_error *e = NULL;
    CHECK(resale_gateway_new(POLICY, strlen(POLICY), &g, &e) == RESALE_STATUS_OK);
    const char *target = "/buy?kn=1&kn=2";
    resale_http_request req = { { "GET", 3 }, { target, strlen(target) }, { "application/json", 16 }, { NULL, 0 }, { NULL, 0 } };
    resale_gateway_decision d;
    resale_buffer out = {0};
    CHECK(resale_gateway_route(g, &req, &d, &out, &e) == RESALE_STATUS_OK);
    CHECK(d == RESALE_GATEWAY_DECISION_REPLY);
    resale_str text = { out.data, out.len }, name, value;
    CHECK(resale_reply_status(text) == 400);
    int headers = 0, is_json = 0;
    for (size_t at = 0; (at = resale_reply_header(text, at, &name, &value)); headers++) {
        if (STR_IS(name, "content-type")) is_json = value.len >= 16 && memcmp(value.data, "application/json", 16) == 0;
    }
    CHECK(headers >= 2 && is_json);
    CHECK(name.data == NULL && value.data == NULL);
    resale_str body = resale_reply_body(text);
    CHECK(body.len > 0 && body.data[0] == '{' && body.data + body.len == out.data + out.len);
    resale_str bad = { "abc", 3 };
    CHECK(resale_reply_status(bad) == 0 && resale_reply_header(bad, 0, &name, &value) == 0);
    resale_buffer_free(&out);
    resale_gateway_free(g);
}

/* resale_gateway_catalog_answer's `whole`: the length to read a feed whole
 * at (the core's rule, gateway::WHOLE_FEED_LIMIT), -1 to stream it, and -1
 * for every other answer, a NULL `whole` refused by nothing. */
static int64_t catalog_whole(resale_gateway *g, const char *target, uint16_t status,
                             const char *lines, const char *decodes, resale_catalog_action *action) {
    resale_http_request req = { { "GET", 3 }, { target, strlen(target) }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
    resale_str head = { lines, lines ? strlen(lines) : 0 }, dec = { decodes, strlen(decodes) };
    resale_buffer out = {0};
    resale_error *e = NULL;
    int64_t whole = 77; /* overwritten on every path */
    CHECK(resale_gateway_catalog_answer(g, &req, status, head, dec, action, &whole, &out, &e) == RESALE_STATUS_OK && e == NULL);
    resale_buffer_free(&out);
    return whole;
}

static void gateway_catalog_whole(void) {
    resale_gateway *g = NULL;
    resale_error *e = NULL;
    CHECK(resale_gateway_new(POLICY, strlen(POLICY), &g, &e) == RESALE_STATUS_OK);
    const char *feed = "/api/v4/packages";
    resale_catalog_action a = RESALE_CATALOG_ACTION_PASS;
    CHECK(catalog_whole(g, feed, 200, "Content-Type: application/json\r\nContent-Length: 139\r\n", "", &a) == 139 && a == RESALE_CATALOG_ACTION_FILTER);
    CHECK(catalog_whole(g, feed, 200, "Content-Length: 0\n", "", &a) == 0 && a == RESALE_CATALOG_ACTION_FILTER);
    CHECK(catalog_whole(g, feed, 200, "Content-Length: 8388608\n", "", &a) == 8388608);
    /* Streamed: over 8 MiB, no length, chunked, two lengths, a sign, a body the host inflated. */
    CHECK(catalog_whole(g, feed, 200, "Content-Length: 8388609\n", "", &a) == -1 && a == RESALE_CATALOG_ACTION_FILTER);
    CHECK(catalog_whole(g, feed, 200, "Content-Type: application/json\n", "", &a) == -1 && a == RESALE_CATALOG_ACTION_FILTER);
    CHECK(catalog_whole(g, feed, 200, "Transfer-Encoding: chunked\nContent-Length: 139\n", "", &a) == -1);
    CHECK(catalog_whole(g, feed, 200, "Content-Length: 139\nContent-Length: 139\n", "", &a) == -1);
    CHECK(catalog_whole(g, feed, 200, "Content-Length: +139\n", "", &a) == -1);
    CHECK(catalog_whole(g, feed, 200, "Content-Encoding: gzip\nContent-Length: 139\n", "gzip", &a) == -1 && a == RESALE_CATALOG_ACTION_FILTER);
    /* Not a filter: a reply (upstream 5xx, no upstream at all) or passed on. */
    CHECK(catalog_whole(g, feed, 502, "Content-Length: 10\n", "", &a) == -1 && a == RESALE_CATALOG_ACTION_REPLY);
    CHECK(catalog_whole(g, feed, 502, NULL, "", &a) == -1 && a == RESALE_CATALOG_ACTION_REPLY);
    CHECK(catalog_whole(g, feed, 404, "Content-Length: 2\n", "", &a) == -1 && a == RESALE_CATALOG_ACTION_PASS);
    /* `whole` may be NULL (a host that always streams: nginx). */
    resale_http_request req = { { "GET", 3 }, { feed, strlen(feed) }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
    resale_str head = { "Content-Length: 139\n", 20 }, none = { "", 0 };
    resale_buffer out = {0};
    CHECK(resale_gateway_catalog_answer(g, &req, 200, head, none, &a, NULL, &out, &e) == RESALE_STATUS_OK && a == RESALE_CATALOG_ACTION_FILTER);
    resale_str text = { out.data, out.len };
    CHECK(resale_reply_status(text) == 200);
    /* A failed call leaves "stream" too. */
    int64_t whole = 77;
    CHECK(resale_gateway_catalog_answer(NULL, &req, 200, head, none, &a, &whole, &out, &e) == RESALE_STATUS_INVALID_ARGUMENT && whole == -1);
    CHECK(STR_IS(resale_error_field(e), "gateway"));
    resale_error_free(e);
    resale_buffer_free(&out);
    resale_gateway_free(g);
}

/* resale_buy_link: the rewrite and the check in one call, into the
 * caller's buffer, read by name as a checked request's fields are; the
 * same answers as the two calls. */
static void buy_link(resale_policy *p) {
    uint8_t out[1024];
    resale_shop_request_fields f;
    resale_error *e = (resale_error *)1;
    const char url[] =
        "https://go.plesk.com/buy-plesk-ext/wp-toolkit?kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE&utm=x#f";
    CHECK(resale_buy_link(p, url, strlen(url), out, sizeof out, &f, &e) == RESALE_STATUS_OK);
    CHECK(e == NULL);
    CHECK(f.data == out && f.len > 0 && f.len <= sizeof out);
    const char link[] =
        "https://shop.example.com/store?extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE&utm=x";
    const char forward[] = "extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE";
    CHECK(STR_IS(FIELD(f, query), link));
    CHECK(STR_IS(FIELD(f, redirect_url), "https://shop.example.com/store?extension-id=wp-toolkit&kn=PLSK.12345678.0001&token=U29NZVVuaXF1ZUdVSUQxMjM%3D&product-id=WPT_DELUXE"));
    CHECK(STR_IS(FIELD(f, extension_id), "wp-toolkit"));
    CHECK(STR_IS(FIELD(f, key_number), "PLSK.12345678.0001"));
    CHECK(STR_IS(FIELD(f, token), "U29NZVVuaXF1ZUdVSUQxMjM="));
    CHECK(STR_IS(FIELD(f, product_id), "WPT_DELUXE"));
    CHECK(f.coupon_len == RESALE_ABSENT && f.extension_key_number_len == RESALE_ABSENT);
    CHECK(f.action == RESALE_ACTION_BUY);
    CHECK(STR_IS(FIELD(f, forward_query), forward));

    /* The same as the two calls it replaces, to the byte: the one layout. */
    resale_buffer rewritten = {0};
    CHECK(resale_rewrite_buy_url(p, url, strlen(url), &rewritten, NULL) == RESALE_STATUS_OK);
    CHECK(strcmp(rewritten.data, link) == 0);
    resale_shop_request *r = NULL;
    resale_shop_request_fields g;
    CHECK(resale_check_shop_request_fields(p, rewritten.data, rewritten.len, &r, &g, NULL) == RESALE_STATUS_OK);
    CHECK(g.len == f.len && memcmp(g.data, f.data, f.len) == 0);
    CHECK(g.token_at == f.token_at && g.query_at == f.query_at && g.redirect_url_len == f.redirect_url_len);
    resale_shop_request_free(r);
    resale_buffer_free(&rewritten);

    /* A rewritten link with nothing the shop drops is its own redirect: one
       span for both, and the block is that text alone. */
    const char plain[] = "https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001";
    CHECK(resale_buy_link(p, plain, strlen(plain), out, sizeof out, &f, NULL) == RESALE_STATUS_OK);
    CHECK(STR_IS(FIELD(f, query), "https://shop.example.com/store?extension-id=docker&kn=PLSK.12345678.0001"));
    CHECK(f.query_at == f.redirect_url_at && f.query_len == f.redirect_url_len && f.len == f.query_len);
    CHECK(STR_IS(FIELD(f, key_number), "PLSK.12345678.0001") && STR_IS(FIELD(f, extension_id), "docker"));

    const char upgrade[] = "https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001&a=upgrade&ekn=123456&buyUrlCoupon=A%2DB";
    CHECK(resale_buy_link(p, upgrade, strlen(upgrade), out, sizeof out, &f, NULL) == RESALE_STATUS_OK);
    CHECK(f.token_len == RESALE_ABSENT);
    CHECK(STR_IS(FIELD(f, coupon), "A-B"));
    CHECK(f.action == RESALE_ACTION_UPGRADE);
    CHECK(STR_IS(FIELD(f, extension_key_number), "123456"));

    /* Not a buy link: UNCHANGED with the rewrite's reason, no block. */
    const char lookalike[] = "https://go.plesk.com.evil.example/buy-plesk-ext/docker";
    CHECK(resale_buy_link(p, lookalike, strlen(lookalike), out, sizeof out, &f, &e) == RESALE_STATUS_UNCHANGED);
    CHECK(f.data == NULL && f.len == 0 && f.query_len == RESALE_ABSENT);
    CHECK(STR_IS(resale_error_code(e), "host.not_plesk_store"));
    resale_error_free(e);
    CHECK(resale_buy_link(p, "x", 1, out, sizeof out, &f, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "url.invalid") && f.data == NULL && f.len == 0);
    resale_error_free(e);

    /* Refused by the check: the check's error, no block. */
    const char unsold[] = "https://go.plesk.com/buy-plesk-ext/imunify360?kn=PLSK.12345678.0001";
    CHECK(resale_buy_link(p, unsold, strlen(unsold), out, sizeof out, &f, &e) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "extension.not_sold"));
    CHECK(STR_IS(resale_error_field(e), "extension-id"));
    CHECK(f.data == NULL && f.len == 0 && f.extension_id_len == RESALE_ABSENT);
    resale_error_free(e);

    /* Too small: the size needed, nothing written; then it fits. */
    uint8_t small[16] = {0};
    CHECK(resale_buy_link(p, url, strlen(url), small, sizeof small, &f, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_code(e), "argument.too_small"));
    CHECK(STR_IS(resale_error_field(e), "out"));
    resale_error_free(e);
    CHECK(small[0] == 0 && f.data == NULL && f.extension_id_len == RESALE_ABSENT);
    size_t needed = f.len;
    CHECK(needed > sizeof small);
    uint8_t *exact = malloc(needed);
    CHECK(resale_buy_link(p, url, strlen(url), exact, needed, &f, NULL) == RESALE_STATUS_OK && f.len == needed);
    CHECK(STR_IS(FIELD(f, query), link));
    free(exact);
    CHECK(resale_buy_link(p, url, strlen(url), NULL, 0, &f, NULL) == RESALE_STATUS_INVALID_ARGUMENT && f.len == needed);

    /* NULL arguments. */
    CHECK(resale_buy_link(p, url, strlen(url), out, sizeof out, NULL, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_field(e), "fields"));
    resale_error_free(e);
    CHECK(resale_buy_link(p, url, strlen(url), NULL, 8, &f, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_field(e), "out"));
    resale_error_free(e);
    CHECK(resale_buy_link(NULL, url, strlen(url), out, sizeof out, &f, &e) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_field(e), "policy"));
    resale_error_free(e);

    /* resale_buy_link_run: the same call with the fixed arguments in a job. */
    uint8_t jout[1024];
    resale_shop_request_fields jf;
    resale_buy_link_job job = {p, jout, sizeof jout, &jf, NULL};
    CHECK(resale_buy_link(p, url, strlen(url), out, sizeof out, &f, NULL) == RESALE_STATUS_OK);
    CHECK(resale_buy_link_run(&job, url, strlen(url)) == RESALE_STATUS_OK);
    CHECK(jf.data == jout && jf.len == f.len && memcmp(jout, out, f.len) == 0);
    CHECK(jf.query_at == f.query_at && jf.query_len == f.query_len && jf.token_at == f.token_at);
    CHECK(resale_buy_link_run(&job, lookalike, strlen(lookalike)) == RESALE_STATUS_UNCHANGED);
    CHECK(jf.data == NULL && jf.len == 0);
    job.error = &e;
    CHECK(resale_buy_link_run(&job, unsold, strlen(unsold)) == RESALE_STATUS_REJECTED);
    CHECK(STR_IS(resale_error_code(e), "extension.not_sold"));
    resale_error_free(e);
    job.out_cap = 16;
    CHECK(resale_buy_link_run(&job, url, strlen(url)) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_code(e), "argument.too_small") && jf.len == needed);
    resale_error_free(e);
    job.out_cap = sizeof jout;
    job.policy = NULL;
    CHECK(resale_buy_link_run(&job, url, strlen(url)) == RESALE_STATUS_INVALID_ARGUMENT);
    CHECK(STR_IS(resale_error_field(e), "policy"));
    resale_error_free(e);
    CHECK(resale_buy_link_run(NULL, url, strlen(url)) == RESALE_STATUS_INVALID_ARGUMENT);
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s <packages.json>\n", argv[0]); return 2; }
    size_t feed_len;
    char *feed = read_file(argv[1], &feed_len);
    if (!feed) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
    resale_policy *p = policy();
    version();
    policy_errors_name_the_path();
    arguments(p);
    rewrite_and_buffer_reuse(p);
    shop_request(p);
    buy_link(p);
    catalog(p, feed, feed_len);
    marketplace();
    gateway_reply();
    gateway_catalog_whole();
    resale_policy_free(p);
    free(feed);
    printf("c api: %d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
