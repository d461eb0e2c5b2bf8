/* A small JSON reader, builder and comparator for the C tests (test code
 * only: the library itself never parses JSON in C). Objects keep their key
 * order; equality ignores it, as JSON's does. */
#ifndef RESALE_TEST_JSON_H
#define RESALE_TEST_JSON_H

#include <stddef.h>
#include <stdio.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json json;
struct json {
    json_type type;
    int boolean;
    double number;
    char *string; /* NUL-terminated, may contain NUL bytes: use length */
    size_t length;
    json **items;  /* array elements or object values */
    char **keys;   /* object keys (NUL-terminated) */
    size_t count;
};

/* NULL when the text is not one JSON value. */
json *json_parse(const char *text, size_t len);
void json_free(json *v);

json *json_get(const json *object, const char *key); /* NULL when absent */
const char *json_str(const json *v);                 /* NULL unless a string */

json *json_null(void);
json *json_bool(int b);
json *json_number(double n);
json *json_string(const char *s, size_t len);
json *json_cstring(const char *s);
json *json_array(void);
json *json_object(void);
void json_push(json *array, json *item);
void json_set(json *object, const char *key, json *value); /* replaces */
void json_remove(json *object, const char *key);

int json_equal(const json *a, const json *b);

/* Serialize into a malloc'ed string (*len set); key order kept. */
char *json_write(const json *v, size_t *len);
void json_print(FILE *out, const json *v);

/* The whole file, malloc'ed, NUL-terminated; NULL on error. */
char *read_file(const char *path, size_t *len);

#endif
