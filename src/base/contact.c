/*
 * contact.c — the contact fields of a person: their ids (which are also the
 * ids of the declared categories that hold them) and the normalisation of
 * each raw value before it is stored (see contact.h). Email and phone take
 * their normal forms from normalize.c; the text fields are trimmed, checked
 * and copied within their length limits.
 */
#include "base/contact.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* The default country code for phone numbers written with a trunk 0 (Finland). */
#define DEFAULT_CC "358"

static const struct {
    const char *id;
    size_t max_chars; /* text fields only */
    bool multiline;
} fields[RK_F__COUNT] = {
    [RK_F_NAME] = {"name", RK_NAME_MAX, false},
    [RK_F_EMAIL] = {"email", 0, false},
    [RK_F_PHONE] = {"phone", 0, false},
    [RK_F_POSITION] = {"position", RK_POSITION_MAX, false},
    [RK_F_ORGANISATION] = {"organisation", RK_ORGANISATION_MAX, false},
    [RK_F_INTERESTS] = {"interests", RK_INTERESTS_MAX, true},
};

const char *rk_field_id(enum rk_field f) {
    assert((unsigned)f < RK_F__COUNT);
    return (unsigned)f < RK_F__COUNT ? fields[f].id : NULL;
}

int rk_field_from_id(const char *id) {
    if (!id)
        return -1;
    for (int f = 0; f < RK_F__COUNT; f++)
        if (strcmp(fields[f].id, id) == 0)
            return f;
    return -1;
}

/* Fails with code: e (may be NULL) gets the phrase msg and its Finnish when it has one. */
static rk_err fail(struct rk_error *e, const char *msg, rk_err code) {
    const char *fi = e ? rk_norm_why_fi(msg) : NULL;
    rk_err rc = rk_error_set(e, code, NULL, "%s", msg);
    if (fi)
        rk_error_set_fi(e, "%s", fi);
    return rc;
}

/* Copies the n bytes at s and a NUL into buf (size cap), or fails without writing. */
static rk_err copy_out(const char *s, size_t n, char *buf, size_t cap, struct rk_error *e) {
    if (n >= cap)
        return fail(e, "does not fit in the space reserved for it", RK_ETOOBIG);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return RK_OK;
}

rk_err rk_field_normalize(enum rk_field f, const char *raw, char *buf, size_t n,
                          struct rk_error *e) {
    assert(raw != NULL && buf != NULL);
    if ((unsigned)f >= RK_F__COUNT)
        return fail(e, "is not a known contact field", RK_EINVAL);
    rk_err rc;
    switch (f) {
    case RK_F_EMAIL: {
        char email[RK_EMAIL_MAX + 1];
        rc = rk_norm_email(raw, email, e);
        if (rc == RK_OK)
            rc = copy_out(email, strlen(email), buf, n, e);
        break;
    }
    case RK_F_PHONE: {
        char phone[RK_PHONE_MAX + 1];
        rc = rk_norm_phone(raw, DEFAULT_CC, phone, e);
        if (rc == RK_OK)
            rc = copy_out(phone, strlen(phone), buf, n, e);
        break;
    }
    default: {
        const char *start;
        size_t len;
        rc = rk_norm_text(raw, fields[f].max_chars, fields[f].multiline, &start, &len, e);
        if (rc == RK_OK && len == 0)
            rc = fail(e, "is empty", RK_EINVAL);
        if (rc == RK_OK)
            rc = copy_out(start, len, buf, n, e);
        break;
    }
    }
    if (rc != RK_OK && e)
        snprintf(e->where, sizeof e->where, "%s", fields[f].id);
    return rc;
}

rk_err rk_text_field_check(const char *field, const char *s, bool multiline, struct rk_error *e) {
    const char *why = s ? rk_text_fault(s, strlen(s), multiline) : NULL;
    if (!why)
        return RK_OK;
    return rk_error_set(e, RK_EINVAL, NULL, "%s: %s", field, why);
}
