/* Runs every shared vector of tests/vectors/ through the C ABI.
 *
 *   vectors <tests/vectors dir> [count file]
 *
 * Each case's answer is built from the C API's typed results (or read from
 * its JSON output where the core answers in JSON) into the shared report
 * shape, then compared with `expect` by the rule of tests/vectors/README.md:
 * equal once the top-level `message` is set aside, and any message is a
 * non-empty sentence. The count file gets "name<TAB>total<TAB>failed". */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resale.h"
#include "support/fields.h"
#include "support/json.h"

static const char *vectors_dir;

/* ---- helpers: C API values to JSON -------------------------------------- */

static json *str_or_null(resale_str s) { return s.data ? json_string(s.data, s.len) : json_null(); }

/* {"status": status} and, when key is not NULL, key: value beside it. */
static json *shape(const char *status, const char *key, json *value) {
    json *o = json_object();
    json_set(o, "status", json_cstring(status));
    if (key) json_set(o, key, value);
    return o;
}

/* {"status": status, "code", [field_key: field], ["offset"], "message"} from an error object. */
static json *error_shape(const char *status, resale_error *e, const char *field_key, int offset) {
    json *o = shape(status, NULL, NULL);
    resale_str code = resale_error_code(e);
    json_set(o, "code", json_string(code.data, code.len));
    if (field_key) json_set(o, field_key, str_or_null(resale_error_field(e)));
    if (offset) json_set(o, "offset", json_number((double)resale_error_offset(e)));
    resale_str msg = resale_error_message(e);
    json_set(o, "message", json_string(msg.data, msg.len));
    resale_error_free(e);
    return o;
}

static json *buffer_text(const resale_buffer *out) { return json_string(out->data, out->len); }

static json *buffer_json(const resale_buffer *out) {
    json *v = json_parse(out->data, out->len);
    if (!v) {
        fprintf(stderr, "the library's JSON output does not parse: %.*s\n", (int)out->len, out->data);
        exit(2);
    }
    return v;
}

/* {"status":"ok", key: the buffer's JSON}; with key NULL, the buffer's
 * object's members beside the status. The library answers the value alone
 * (its status is the return value); the vector shape adds the status. */
static json *ok_answer(const char *key, const resale_buffer *out) {
    json *v = buffer_json(out);
    if (key) return shape("ok", key, v);
    json *o = shape("ok", NULL, NULL);
    for (size_t i = 0; i < v->count; i++) {
        json_set(o, v->keys[i], v->items[i]);
        v->items[i] = NULL;
    }
    json_free(v);
    return o;
}

static resale_policy *load_policy(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/policies/%s.json", vectors_dir, name);
    size_t len;
    char *text = read_file(path, &len);
    if (!text) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
    resale_policy *p = NULL;
    resale_error *e = NULL;
    if (resale_policy_new(text, len, &p, &e) != RESALE_STATUS_OK) {
        resale_str m = resale_error_message(e);
        fprintf(stderr, "%s: %.*s\n", path, (int)m.len, m.data);
        exit(2);
    }
    free(text);
    return p;
}

/* The input's string member `key` (NULL when absent or null). */
static const json *member(const json *input, const char *key) {
    const json *v = json_get(input, key);
    return v && v->type != JSON_NULL ? v : NULL;
}

/* The input's member `key` written as JSON text (its length in *len), NULL
 * when absent or null: an optional JSON argument of the C API. */
static char *member_text(const json *input, const char *key, size_t *len) {
    const json *v = member(input, key);
    *len = 0;
    return v ? json_write(v, len) : NULL;
}

/* A string array joined by newlines (its length in *len): a list argument
 * of the C API. */
static char *joined(const json *array, size_t *len) {
    size_t total = 0, at = 0;
    for (size_t i = 0; i < array->count; i++) total += array->items[i]->length + 1;
    char *list = calloc(1, total + 1);
    for (size_t i = 0; i < array->count; i++) {
        if (i) list[at++] = '\n';
        memcpy(list + at, array->items[i]->string, array->items[i]->length);
        at += array->items[i]->length;
    }
    *len = at;
    return list;
}

/* ---- one answer per vector function ------------------------------------- */

static json *answer(const char *function, const resale_policy *p, const json *input, resale_buffer *out) {
    resale_error *e = NULL;
    resale_status st;
    json *o;

    if (strcmp(function, "lint") == 0) {
        resale_policy *compiled = NULL;
        st = resale_policy_new(input->string, input->length, &compiled, &e);
        resale_policy_free(compiled);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "path", 0);
        return shape("ok", NULL, NULL);
    }
    if (strcmp(function, "rewrite") == 0) {
        st = resale_rewrite_buy_url(p, input->string, input->length, out, &e);
        if (st == RESALE_STATUS_UNCHANGED) {
            o = error_shape("unchanged", e, NULL, 0);
            json *code = json_get(o, "code");
            json_set(o, "reason", json_string(code->string, code->length));
            json_remove(o, "code");
            return o;
        }
        if (st != RESALE_STATUS_OK) return error_shape("error", e, NULL, 0);
        return shape("rewritten", "url", buffer_text(out));
    }
    if (strcmp(function, "check") == 0) {
        resale_shop_request *r = NULL;
        resale_shop_request_fields f;
        st = resale_check_shop_request_fields(p, input->string, input->length, &r, &f, &e);
        if (st != RESALE_STATUS_OK) return error_shape("rejected", e, "field", 0);
        json *req = json_object();
        json_set(req, "extension_id", str_or_null(FIELD(f, extension_id)));
        json_set(req, "key_number", str_or_null(FIELD(f, key_number)));
        json_set(req, "token", str_or_null(FIELD(f, token)));
        json_set(req, "product_id", str_or_null(FIELD(f, product_id)));
        json_set(req, "coupon", str_or_null(FIELD(f, coupon)));
        json_set(req, "action", json_cstring(f.action == RESALE_ACTION_UPGRADE ? "upgrade" : "buy"));
        json_set(req, "extension_key_number", str_or_null(FIELD(f, extension_key_number)));
        o = shape("accepted", "request", req);
        json_set(o, "redirect_url", str_or_null(FIELD(f, redirect_url)));
        resale_shop_request_free(r);
        return o;
    }
    if (strcmp(function, "panel_ini") == 0) {
        const json *url = member(input, "catalog_url");
        st = resale_panel_ini(p, url ? url->string : NULL, url ? url->length : 0, out, &e);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, NULL, 0);
        return shape("ok", "text", buffer_text(out));
    }
    if (strcmp(function, "filter_catalog") == 0) {
        const json *path = json_get(input, "path"), *body = json_get(input, "body");
        resale_catalog_stats stats;
        st = resale_filter_catalog(p, path->string, path->length, body->string, body->length, out, &stats, &e);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, NULL, 1);
        static const char *kinds[] = {"packages", "categories", "other"};
        o = shape("ok", "kind", json_cstring(kinds[stats.kind]));
        json_set(o, "body", buffer_text(out));
        json_set(o, "kept", json_number((double)stats.kept));
        json_set(o, "dropped", json_number((double)stats.dropped));
        return o;
    }
    if (strcmp(function, "license_plan") == 0) {
        size_t order_len = 0;
        char *order = json_write(json_get(input, "order"), &order_len);
        const json *main_item = member(input, "main_item");
        if (main_item) {
            /* extensions: the codes joined by newlines */
            size_t at;
            char *list = joined(json_get(input, "extensions"), &at);
            st = resale_new_instance_plan(p, main_item->string, main_item->length, list, at, order, order_len, out, &e);
            free(list);
        } else {
            const json *query = json_get(input, "query");
            resale_shop_request *r = NULL;
            st = resale_check_shop_request(p, query->string, query->length, &r, &e);
            if (st != RESALE_STATUS_OK) {
                free(order);
                return error_shape("rejected", e, "field", 0);
            }
            st = resale_license_plan(p, r, order, order_len, out, &e);
            resale_shop_request_free(r);
        }
        free(order);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return ok_answer("plan", out);
    }
    if (strcmp(function, "activation_commands") == 0) {
        const json *code = json_get(input, "code"), *os = json_get(input, "os");
        st = resale_activation_commands(code->string, code->length, os->string, os->length, out, &e);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        json *commands = json_array();
        size_t start = 0;
        for (size_t i = 0; i < out->len; i++) {
            if (out->data[i] == '\n') {
                json_push(commands, json_string(out->data + start, i - start));
                start = i + 1;
            }
        }
        return shape("ok", "commands", commands);
    }
    if (strcmp(function, "parse_key") == 0) {
        const json *body = json_get(input, "body"), *location = member(input, "location");
        const char *loc = location && json_str(location) ? location->string : NULL;
        st = resale_parse_key(body->string, body->length, loc, loc ? location->length : 0, out, &e);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return ok_answer("key", out);
    }
    if (strcmp(function, "upgrade_target_state") == 0) {
        const json *key = json_get(input, "key");
        size_t spec_len = 0;
        char *spec = json_write(json_get(input, "spec"), &spec_len);
        st = resale_upgrade_target_state(key->string, key->length, spec, spec_len, out, &e);
        free(spec);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return shape("ok", "body", buffer_text(out));
    }
    if (strcmp(function, "marketplace_verify") == 0) {
        const json *body = json_get(input, "body"), *sig = member(input, "signature");
        size_t at;
        char *list = joined(json_get(input, "secrets"), &at);
        st = resale_marketplace_verify(body->string, body->length, sig ? sig->string : NULL, sig ? sig->length : 0,
                                       list, at, &e);
        free(list);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return shape("ok", NULL, NULL);
    }
    /* apply and replay: the same call shape, an optional JSON state then the deliveries. */
    if (strcmp(function, "marketplace_apply") == 0 || strcmp(function, "marketplace_replay") == 0) {
        int apply = strcmp(function, "marketplace_apply") == 0;
        size_t state_len, events_len;
        char *state_text = member_text(input, apply ? "state" : "base", &state_len);
        char *events_text = json_write(json_get(input, apply ? "event" : "events"), &events_len);
        st = (apply ? resale_marketplace_apply : resale_marketplace_replay)(state_text, state_len, events_text,
                                                                             events_len, out, &e);
        free(state_text);
        free(events_text);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return buffer_json(out);
    }
    if (strcmp(function, "marketplace_seat") == 0) {
        const json *now = json_get(input, "now");
        size_t state_len;
        char *state_text = json_write(json_get(input, "state"), &state_len);
        st = resale_marketplace_seat(state_text, state_len, (uint64_t)json_get(input, "seat")->number, now->string,
                                     now->length, out, &e);
        free(state_text);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return ok_answer(NULL, out);
    }
    if (strcmp(function, "marketplace_reconcile") == 0) {
        const json *now = json_get(input, "now");
        size_t accounts_len, stored_len;
        char *accounts_text = json_write(json_get(input, "accounts"), &accounts_len);
        char *stored_text = json_write(json_get(input, "stored"), &stored_len);
        st = resale_marketplace_reconcile(accounts_text, accounts_len, stored_text, stored_len, now->string,
                                          now->length, out, &e);
        free(accounts_text);
        free(stored_text);
        if (st != RESALE_STATUS_OK) return error_shape("error", e, "field", 0);
        return ok_answer(NULL, out);
    }
    fprintf(stderr, "no runner for vector function `%s`: add it here and in every binding\n", function);
    exit(2);
}

/* ---- files and the matching rule ----------------------------------------- */

static int matches(json *actual, json *expect) {
    json *m = json_get(actual, "message");
    if (m && (m->type != JSON_STRING || m->length == 0)) return 0;
    json_remove(actual, "message");
    json_remove(expect, "message");
    return json_equal(actual, expect);
}

static char **files;
static size_t nfiles;

static void collect(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { fprintf(stderr, "cannot open %s\n", dir); exit(2); }
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(ent->d_name, "policies") != 0 && strcmp(ent->d_name, "gateway") != 0 && strcmp(ent->d_name, "schema") != 0) collect(path);
        } else {
            size_t n = strlen(path);
            if (n > 5 && strcmp(path + n - 5, ".json") == 0) {
                files = realloc(files, (nfiles + 1) * sizeof *files);
                files[nfiles++] = strdup(path);
            }
        }
    }
    closedir(d);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s <tests/vectors> [count file]\n", argv[0]); return 2; }
    vectors_dir = argv[1];
    collect(vectors_dir);
    qsort(files, nfiles, sizeof *files, by_name);

    resale_buffer out = {0};
    size_t total = 0, failed = 0;
    for (size_t f = 0; f < nfiles; f++) {
        size_t len;
        char *text = read_file(files[f], &len);
        json *doc = text ? json_parse(text, len) : NULL;
        if (!doc) { fprintf(stderr, "%s: not JSON\n", files[f]); return 2; }
        const char *function = json_str(json_get(doc, "function"));
        const char *file_policy = json_str(json_get(doc, "policy"));
        json *cases = json_get(doc, "cases");
        for (size_t i = 0; i < cases->count; i++) {
            json *c = cases->items[i];
            const char *policy_name = json_str(json_get(c, "policy"));
            if (!policy_name) policy_name = file_policy;
            resale_policy *p = policy_name ? load_policy(policy_name) : NULL;
            json *actual = answer(function, p, json_get(c, "input"), &out);
            json *expect = json_get(c, "expect");
            total++;
            size_t alen;
            char *shown = json_write(actual, &alen);
            if (!matches(actual, expect)) {
                failed++;
                printf("FAIL %s: %s\n  expected ", files[f], json_str(json_get(c, "name")));
                json_print(stdout, expect);
                printf("\n  actual   %s\n", shown);
            }
            free(shown);
            json_free(actual);
            resale_policy_free(p);
        }
        json_free(doc);
        free(text);
        free(files[f]);
    }
    free(files);
    resale_buffer_free(&out);
    printf("c-abi: %zu passed of %zu shared vectors\n", total - failed, total);
    if (argc > 2) {
        FILE *c = fopen(argv[2], "w");
        if (c) { fprintf(c, "c-abi\t%zu\t%zu\n", total, failed); fclose(c); }
    }
    return failed ? 1 : 0;
}
