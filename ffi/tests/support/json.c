#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static json *new_value(json_type t) {
    json *v = calloc(1, sizeof *v);
    if (!v) abort();
    v->type = t;
    return v;
}

void json_free(json *v) {
    if (!v) return;
    for (size_t i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

/* ---- parser ------------------------------------------------------------ */

typedef struct { const char *p, *end; int depth; } reader;

static void skip_ws(reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static json *parse_value(reader *r);

static int hex4(reader *r, unsigned *out) {
    if (r->end - r->p < 4) return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    r->p += 4;
    *out = v;
    return 1;
}

typedef struct { char *data; size_t len, cap; } sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void sb_utf8(sbuf *b, unsigned cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) { u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
    else { u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
    sb_put(b, u, n);
}

static int parse_string(reader *r, char **out, size_t *out_len) {
    if (r->p >= r->end || *r->p != '"') return 0;
    r->p++;
    sbuf b = {0};
    sb_put(&b, "", 0);
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) goto fail;
        if (c != '\\') { sb_put(&b, r->p, 1); r->p++; continue; }
        r->p++;
        if (r->p >= r->end) goto fail;
        char e = *r->p++;
        switch (e) {
        case '"': sb_put(&b, "\"", 1); break;
        case '\\': sb_put(&b, "\\", 1); break;
        case '/': sb_put(&b, "/", 1); break;
        case 'b': sb_put(&b, "\b", 1); break;
        case 'f': sb_put(&b, "\f", 1); break;
        case 'n': sb_put(&b, "\n", 1); break;
        case 'r': sb_put(&b, "\r", 1); break;
        case 't': sb_put(&b, "\t", 1); break;
        case 'u': {
            unsigned cp;
            if (!hex4(r, &cp)) goto fail;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u') goto fail;
                r->p += 2;
                if (!hex4(r, &lo) || lo < 0xDC00 || lo >= 0xE000) goto fail;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                goto fail;
            }
            sb_utf8(&b, cp);
            break;
        }
        default: goto fail;
        }
    }
    if (r->p >= r->end) goto fail;
    r->p++;
    *out = b.data;
    *out_len = b.len;
    return 1;
fail:
    free(b.data);
    return 0;
}

static json *parse_number(reader *r) {
    const char *start = r->p;
    if (r->p < r->end && *r->p == '-') r->p++;
    while (r->p < r->end && ((*r->p >= '0' && *r->p <= '9') || *r->p == '.' || *r->p == 'e' || *r->p == 'E' || *r->p == '+' || *r->p == '-')) r->p++;
    if (r->p == start) return NULL;
    char tmp[64];
    size_t n = (size_t)(r->p - start);
    if (n >= sizeof tmp) return NULL;
    memcpy(tmp, start, n);
    tmp[n] = 0;
    char *endp;
    double d = strtod(tmp, &endp);
    if (*endp) return NULL;
    json *v = new_value(JSON_NUMBER);
    v->number = d;
    return v;
}

static void add_item(json *c, char *key, json *item) {
    c->items = realloc(c->items, (c->count + 1) * sizeof *c->items);
    if (!c->items) abort();
    if (c->type == JSON_OBJECT) {
        c->keys = realloc(c->keys, (c->count + 1) * sizeof *c->keys);
        if (!c->keys) abort();
        c->keys[c->count] = key;
    }
    c->items[c->count++] = item;
}

static int literal(reader *r, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return 0;
    r->p += n;
    return 1;
}

static json *parse_value(reader *r) {
    skip_ws(r);
    if (r->p >= r->end || ++r->depth > 256) return NULL;
    json *v = NULL;
    char c = *r->p;
    if (c == '{' || c == '[') {
        int object = c == '{';
        char close = object ? '}' : ']';
        v = new_value(object ? JSON_OBJECT : JSON_ARRAY);
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == close) { r->p++; goto done; }
        for (;;) {
            char *key = NULL;
            size_t key_len;
            skip_ws(r);
            if (object) {
                if (!parse_string(r, &key, &key_len)) goto fail;
                skip_ws(r);
                if (r->p >= r->end || *r->p != ':') { free(key); goto fail; }
                r->p++;
            }
            json *item = parse_value(r);
            if (!item) { free(key); goto fail; }
            add_item(v, key, item);
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') { r->p++; continue; }
            if (r->p < r->end && *r->p == close) { r->p++; break; }
            goto fail;
        }
    } else if (c == '"') {
        v = new_value(JSON_STRING);
        if (!parse_string(r, &v->string, &v->length)) goto fail;
    } else if (literal(r, "true")) { v = json_bool(1); }
    else if (literal(r, "false")) { v = json_bool(0); }
    else if (literal(r, "null")) { v = json_null(); }
    else { v = parse_number(r); }
done:
    r->depth--;
    return v;
fail:
    json_free(v);
    return NULL;
}

json *json_parse(const char *text, size_t len) {
    reader r = {text, text + len, 0};
    json *v = parse_value(&r);
    skip_ws(&r);
    if (v && r.p != r.end) { json_free(v); return NULL; }
    return v;
}

/* ---- access and building ------------------------------------------------ */

json *json_get(const json *o, const char *key) {
    if (!o || o->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < o->count; i++)
        if (strcmp(o->keys[i], key) == 0) return o->items[i];
    return NULL;
}

const char *json_str(const json *v) { return v && v->type == JSON_STRING ? v->string : NULL; }

json *json_null(void) { return new_value(JSON_NULL); }
json *json_bool(int b) { json *v = new_value(JSON_BOOL); v->boolean = !!b; return v; }
json *json_number(double n) { json *v = new_value(JSON_NUMBER); v->number = n; return v; }
json *json_string(const char *s, size_t len) {
    json *v = new_value(JSON_STRING);
    v->string = malloc(len + 1);
    if (!v->string) abort();
    if (len) memcpy(v->string, s, len);
    v->string[len] = 0;
    v->length = len;
    return v;
}
json *json_cstring(const char *s) { return json_string(s, strlen(s)); }
json *json_array(void) { return new_value(JSON_ARRAY); }
json *json_object(void) { return new_value(JSON_OBJECT); }
void json_push(json *a, json *item) { add_item(a, NULL, item); }

void json_remove(json *o, const char *key) {
    for (size_t i = 0; i < o->count; i++) {
        if (strcmp(o->keys[i], key) == 0) {
            json_free(o->items[i]);
            free(o->keys[i]);
            memmove(o->items + i, o->items + i + 1, (o->count - i - 1) * sizeof *o->items);
            memmove(o->keys + i, o->keys + i + 1, (o->count - i - 1) * sizeof *o->keys);
            o->count--;
            return;
        }
    }
}

void json_set(json *o, const char *key, json *value) {
    json_remove(o, key);
    size_t n = strlen(key);
    char *k = malloc(n + 1);
    if (!k) abort();
    memcpy(k, key, n + 1);
    add_item(o, k, value);
}

int json_equal(const json *a, const json *b) {
    if (!a || !b) return a == b;
    if (a->type != b->type) return 0;
    switch (a->type) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return a->boolean == b->boolean;
    case JSON_NUMBER: return a->number == b->number;
    case JSON_STRING: return a->length == b->length && memcmp(a->string, b->string, a->length) == 0;
    case JSON_ARRAY:
        if (a->count != b->count) return 0;
        for (size_t i = 0; i < a->count; i++)
            if (!json_equal(a->items[i], b->items[i])) return 0;
        return 1;
    case JSON_OBJECT:
        if (a->count != b->count) return 0;
        for (size_t i = 0; i < a->count; i++)
            if (!json_equal(a->items[i], json_get(b, a->keys[i]))) return 0;
        return 1;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

static void write_string(sbuf *b, const char *s, size_t n) {
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; sb_put(b, esc, 2); }
        else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); sb_put(b, esc, 6); }
        else sb_put(b, (const char *)&s[i], 1);
    }
    sb_put(b, "\"", 1);
}

static void write_value(sbuf *b, const json *v) {
    char num[40];
    switch (v->type) {
    case JSON_NULL: sb_put(b, "null", 4); break;
    case JSON_BOOL: v->boolean ? sb_put(b, "true", 4) : sb_put(b, "false", 5); break;
    case JSON_NUMBER:
        if (v->number == (double)(int64_t)v->number) snprintf(num, sizeof num, "%lld", (long long)v->number);
        else snprintf(num, sizeof num, "%.17g", v->number);
        sb_put(b, num, strlen(num));
        break;
    case JSON_STRING: write_string(b, v->string, v->length); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        sb_put(b, v->type == JSON_ARRAY ? "[" : "{", 1);
        for (size_t i = 0; i < v->count; i++) {
            if (i) sb_put(b, ",", 1);
            if (v->type == JSON_OBJECT) { write_string(b, v->keys[i], strlen(v->keys[i])); sb_put(b, ":", 1); }
            write_value(b, v->items[i]);
        }
        sb_put(b, v->type == JSON_ARRAY ? "]" : "}", 1);
        break;
    }
}

char *json_write(const json *v, size_t *len) {
    sbuf b = {0};
    sb_put(&b, "", 0);
    write_value(&b, v);
    if (len) *len = b.len;
    return b.data;
}

void json_print(FILE *out, const json *v) {
    size_t n;
    char *s = json_write(v, &n);
    fwrite(s, 1, n, out);
    free(s);
}

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sbuf b = {0};
    sb_put(&b, "", 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sb_put(&b, chunk, n);
    fclose(f);
    if (len) *len = b.len;
    return b.data;
}
