/*
 * fuzz_salesforce_query.c — libFuzzer target for the SOQL query page parser
 * (rk_sf_parse_query): any body is accepted or refused with a reason; an
 * accepted page's records all have an Id of 15 or 18 letters and digits and
 * non-NULL strings, and a page that is not done names a /services/data/ path.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/salesforce_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_sf_page p;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_sf_parse_query((const char *)data, size, "Rekisteri_Id__c", &p, &e);
    if (err != RK_OK) {
        if (err != RK_EPARSE || e.message[0] == '\0' || p.records)
            __builtin_trap();
        return 0;
    }
    if (p.total_size < 0 || (!p.done && strncmp(p.next_url, "/services/data/", 15) != 0) ||
        (p.done && p.next_url[0] != '\0'))
        __builtin_trap();
    for (size_t i = 0; i < p.n; i++) {
        const struct rk_sf_record *r = &p.records[i];
        size_t n = strlen(r->id);
        if ((n != 15 && n != 18) || !r->first_name || !r->last_name || !r->email || !r->phone ||
            !r->title || !r->department || !r->external_id)
            __builtin_trap();
    }
    rk_sf_page_free(&p);
    return 0;
}
