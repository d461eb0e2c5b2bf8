/* Reading a resale_shop_request_fields in the C tests. */
#ifndef RESALE_TEST_FIELDS_H
#define RESALE_TEST_FIELDS_H
#include <string.h>

#include "resale.h"

/* Field `name` of a resale_shop_request_fields as a view into its block:
   data NULL when absent (`name_len` is RESALE_ABSENT); a span that does not
   lie inside the block comes back as "<outside the block>", which no
   expected value equals. */
static inline resale_str field_view(const resale_shop_request_fields *f, uint32_t at, uint32_t len) {
    resale_str s = {NULL, 0};
    if (len == RESALE_ABSENT) return s;
    if (f->data == NULL || (size_t)at + len > f->len) {
        s.data = "<outside the block>";
        s.len = strlen(s.data);
        return s;
    }
    s.data = (const char *)f->data + at;
    s.len = len;
    return s;
}
#define FIELD(f, name) field_view(&(f), (f).name##_at, (f).name##_len)
#endif
