/* CHECK(cond): report the failed condition and its line, count it, go on. */
#ifndef RESALE_TEST_CHECK_H
#define RESALE_TEST_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;
#define CHECK(cond)                                                            \
    do {                                                                       \
        check_count++;                                                         \
        if (!(cond)) {                                                         \
            check_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                      \
    } while (0)

/* A resale_str equals a C string. */
#define STR_IS(s, lit) ((s).len == strlen(lit) && (s).data && memcmp((s).data, (lit), (s).len) == 0)
#endif
