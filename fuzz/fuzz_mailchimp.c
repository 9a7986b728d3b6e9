/*
 * fuzz_mailchimp.c — libFuzzer target for the Mailchimp webhook payload
 * parser (rk_mailchimp_parse): any body must be accepted or refused with a
 * reason, without a crash; an accepted event has every field it needs, each
 * within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/connect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_mailchimp_event ev;
    struct rk_error why = RK_ERROR_INIT;
    rk_err err = rk_mailchimp_parse((const char *)data, size, &ev, &why);
    if (err != RK_OK) {
        if (why.message[0] == '\0' && err != RK_ENOMEM)
            __builtin_trap();
        return 0;
    }
    if (!memchr(ev.list_id, '\0', sizeof ev.list_id) || !memchr(ev.fname, '\0', sizeof ev.fname))
        __builtin_trap();
    if ((ev.type == RK_MC_UNSUBSCRIBE || ev.type == RK_MC_CLEANED) &&
        strlen(ev.email) > RK_MC_VALUE_MAX)
        __builtin_trap();
    if (ev.type == RK_MC_UPEMAIL &&
        (strlen(ev.old_email) > RK_MC_VALUE_MAX || strlen(ev.new_email) > RK_MC_VALUE_MAX))
        __builtin_trap();
    return 0;
}
