/* A C program built as a libresale-dev user builds one:
 *   cc shop.c $(pkg-config --cflags --libs resale)
 * It checks a buy link's query against a policy and prints the shop URL, or
 * the rejection's code and field (tests/packages/deb.sh). */
#include <resale.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    const char *json = argv[1], *url = argv[2];
    resale_policy *policy = NULL;
    resale_error *error = NULL;
    if (resale_policy_new(json, strlen(json), &policy, &error) != RESALE_STATUS_OK) {
        resale_str code = resale_error_code(error);
        fprintf(stderr, "policy: %.*s\n", (int)code.len, code.data);
        resale_error_free(error);
        return 1;
    }
    resale_buffer out = {0};
    int status = resale_rewrite_buy_url(policy, url, strlen(url), &out, NULL);
    printf("%s %s\n", resale_version(), status == RESALE_STATUS_OK ? out.data : "unchanged");
    resale_buffer_free(&out);
    resale_policy_free(policy);
    return status == RESALE_STATUS_OK ? 0 : 1;
}
