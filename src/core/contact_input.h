/*
 * contact_input.h — where raw contact values become struct rk_contact, for
 * every edge: a JSON "values" object, a form's fields, the CLI's --name,
 * --email... options, a webhook's address. Each (field, raw text) pair is
 * normalised by the field's rule (base/contact.h: email and phone to their
 * canonical forms, the texts trimmed and checked) into a buffer the input
 * holds, so the contact's strings live as long as the input does. A refusal
 * names the field and the reason (base/normalize.h's English phrase, such as
 * "is not an email address", with its Finnish in the input's struct rk_error); the edge
 * words it for its audience. Free of HTTP, JSON and SQL.
 */
#ifndef RK_CORE_CONTACT_INPUT_H
#define RK_CORE_CONTACT_INPUT_H

#include "base/contact.h"
#include "util/err.h"

/* Bytes of the longest normalised value (interests: RK_INTERESTS_MAX code points). */
#define RK_CONTACT_VALUE_MAX (RK_INTERESTS_MAX * 4)

struct rk_contact_input {
    struct rk_contact c; /* c.v[f] points into buf[f]; NULL: not given */
    char buf[RK_F__COUNT][RK_CONTACT_VALUE_MAX + 1];
    enum rk_field field;   /* after a refusal: the field refused */
    struct rk_error error; /* after a refusal, as util/err.h says: where the field's id,
                            * message why (a phrase, never the value), message_fi its
                            * Finnish if any */
};

/* Empties in: no field given. */
void rk_contact_input_init(struct rk_contact_input *in);

/* Normalises raw (not NULL) as field f into in->c.v[f]. RK_EINVAL with in->field and
 * in->error when the value does not pass the field's rule (f out of range included). */
RK_MUST_USE rk_err rk_contact_input_add(struct rk_contact_input *in, enum rk_field f,
                                        const char *raw);

/* rk_contact_input_init, then rk_contact_input_add for every field in order whose raw[f] is
 * not NULL; stops at the first refusal. */
RK_MUST_USE rk_err rk_contact_input_read(struct rk_contact_input *in,
                                         const char *const raw[RK_F__COUNT]);

#endif
