/* Eight threads share one policy and filter the same feed (one-shot and
 * chunked) and rewrite buy links at once; every answer must equal the
 * single-threaded one. Run under ThreadSanitizer-free tools too (valgrind,
 * ASan): the point is that a policy is immutable and the library keeps no
 * shared mutable state.
 *
 *   threads <packages.json fixture> */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "resale.h"
#include "support/check.h"
#include "support/json.h"

#define THREADS 8
#define ROUNDS 20

static const char PATH[] = "/api/v4/packages";
static const char POLICY[] = "{\"shop_url\": \"https://shop.com\", \"extensions\": {\"docker\": {}, \"wp-toolkit\": {}},"
                             " \"catalog\": {\"allow_patterns\": [\"^imunify\"]}}";
static const char URL[] = "https://go.plesk.com/buy-plesk-ext/docker?kn=PLSK.12345678.0001";

static const resale_policy *shared;
static const char *feed;
static size_t feed_len;
static resale_buffer expected;
static resale_buffer expected_url;

typedef struct { int id; int mismatches; } job;

static void *work(void *arg) {
    job *j = arg;
    resale_buffer out = {0}, chunk = {0};
    for (int round = 0; round < ROUNDS; round++) {
        if (resale_filter_catalog(shared, PATH, strlen(PATH), feed, feed_len, &out, NULL, NULL) != RESALE_STATUS_OK ||
            out.len != expected.len || memcmp(out.data, expected.data, out.len) != 0)
            j->mismatches++;

        /* Chunked, with a chunk size that differs per thread. */
        resale_catalog_filter *f = NULL;
        if (resale_catalog_filter_new(shared, PATH, strlen(PATH), &f, NULL) != RESALE_STATUS_OK) { j->mismatches++; continue; }
        size_t step = 97 + (size_t)j->id * 131, at = 0;
        int same = 1;
        for (size_t i = 0; i < feed_len; i += step) {
            size_t n = feed_len - i < step ? feed_len - i : step;
            if (resale_catalog_filter_push(f, feed + i, n, &chunk, NULL) != RESALE_STATUS_OK) { same = 0; break; }
            same = same && at + chunk.len <= expected.len && memcmp(expected.data + at, chunk.data, chunk.len) == 0;
            at += chunk.len;
        }
        same = same && resale_catalog_filter_finish(f, &chunk, NULL, NULL) == RESALE_STATUS_OK &&
               at + chunk.len == expected.len && memcmp(expected.data + at, chunk.data, chunk.len) == 0;
        resale_catalog_filter_free(f);
        if (!same) j->mismatches++;

        if (resale_rewrite_buy_url(shared, URL, strlen(URL), &out, NULL) != RESALE_STATUS_OK ||
            out.len != expected_url.len || memcmp(out.data, expected_url.data, out.len) != 0)
            j->mismatches++;
    }
    resale_buffer_free(&out);
    resale_buffer_free(&chunk);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s <packages.json>\n", argv[0]); return 2; }
    char *text = read_file(argv[1], &feed_len);
    if (!text) return 2;
    feed = text;
    resale_policy *p = NULL;
    CHECK(resale_policy_new(POLICY, strlen(POLICY), &p, NULL) == RESALE_STATUS_OK);
    shared = p;
    CHECK(resale_filter_catalog(p, PATH, strlen(PATH), feed, feed_len, &expected, NULL, NULL) == RESALE_STATUS_OK);
    CHECK(resale_rewrite_buy_url(p, URL, strlen(URL), &expected_url, NULL) == RESALE_STATUS_OK);

    pthread_t threads[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){i, 0};
        CHECK(pthread_create(&threads[i], NULL, work, &jobs[i]) == 0);
    }
    int mismatches = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        mismatches += jobs[i].mismatches;
    }
    CHECK(mismatches == 0);
    resale_policy_free(p);
    resale_buffer_free(&expected);
    resale_buffer_free(&expected_url);
    free(text);
    printf("c threads: %d threads x %d rounds, %d mismatches\n", THREADS, ROUNDS, mismatches);
    return check_failures ? 1 : 0;
}
