/*
 * fuzz_mailchimp_api_members.c — libFuzzer target for the Mailchimp member
 * list page parser (rk_mc_parse_members): any body is accepted or refused
 * with a reason, without a crash or a leak; an accepted page has, for every
 * member, an email and a defined status and no NULL string.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/mailchimp_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_mc_page p;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_mc_parse_members((const char *)data, size, &p, &e);
    if (err != RK_OK) {
        if ((e.message[0] == '\0' && err != RK_ENOMEM) || p.members || p.n)
            __builtin_trap();
        return 0;
    }
    for (size_t i = 0; i < p.n; i++) {
        const struct rk_mc_member *m = &p.members[i];
        if (!m->email || m->email[0] == '\0' || m->status == RK_MC_ST_NONE ||
            m->status >= RK_MC_ST__COUNT)
            __builtin_trap();
        const char *s[] = {m->fname,     m->lname,         m->phone, m->timestamp_signup,
                           m->ip_signup, m->timestamp_opt, m->ip_opt};
        for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
            if (!s[k])
                __builtin_trap();
    }
    rk_mc_page_free(&p);
    return 0;
}
