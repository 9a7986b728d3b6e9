/*
 * fuzz_consent_log.c — libFuzzer target for the consent log's body reader
 * (rk_consent_log_parse, src/http/consent_log.c), against the example's four cookie
 * categories: any body must be accepted or refused with a code and a message, without a
 * crash; an accepted choice has a valid consent id and version, a known action, and choices
 * naming exactly the three non-essential categories; a refusal never repeats the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/consent_log.h"
#include "core/cookie_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rk_cookie_category categories[] = {
    {.id = "essential", .essential = true},
    {.id = "analytics"},
    {.id = "content_feedback"},
    {.id = "marketing"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const struct rk_cookies ck = {.declared = true, .categories = categories, .ncategories = 4};
    struct rk_cookie_choice c;
    struct rk_consent_log_fault f;
    rk_err err = rk_consent_log_parse(&ck, (const char *)data, size, &c, &f);
    if (err == RK_ENOMEM)
        return 0;
    if (err != RK_OK) {
        if (!f.code || !f.message[0])
            __builtin_trap();
        return 0;
    }
    if (!rk_cookie_id_valid(c.consent_id, strlen(c.consent_id)) ||
        !rk_cookie_version_valid(c.version, strlen(c.version)) ||
        (unsigned)c.action >= RK_COOKIE__COUNT || c.choices[0] != '{' ||
        !strstr(c.choices, "\"analytics\":") || !strstr(c.choices, "\"content_feedback\":") ||
        !strstr(c.choices, "\"marketing\":") || strstr(c.choices, "essential"))
        __builtin_trap();
    return 0;
}
