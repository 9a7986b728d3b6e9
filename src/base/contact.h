/*
 * contact.h — the contact fields the registers hold about a person, and the
 * rule that ties them to the declaration: each field is stored under the
 * declared category of the same id (a register may hold "email" only if it
 * declares a category with id "email"). Contracts are held under the
 * register's category of kind `contract`, invoices under kind `billing`.
 */
#ifndef RK_CONTACT_H
#define RK_CONTACT_H

#include <stddef.h>

#include "base/normalize.h"

enum rk_field {
    RK_F_NAME,
    RK_F_EMAIL,
    RK_F_PHONE,
    RK_F_POSITION,
    RK_F_ORGANISATION,
    RK_F_INTERESTS,
    RK_F__COUNT
};

/* Longest value of each text field, in code points. */
#define RK_NAME_MAX         200
#define RK_POSITION_MAX     200
#define RK_ORGANISATION_MAX 200
#define RK_INTERESTS_MAX    1000

/* The field's id, which is also the id of the declared category holding it. */
const char *rk_field_id(enum rk_field f);
/* The field named id ("email"), or -1. */
int rk_field_from_id(const char *id);

/*
 * One person's contact data as given to a write: each value normalised (email
 * by rk_norm_email, phone to E.164, texts trimmed and checked), NULL when not
 * given. The strings are borrowed from the caller.
 */
struct rk_contact {
    const char *v[RK_F__COUNT];
};

/*
 * Normalises the raw value of field f into buf (size n): email and phone by
 * their rules, the others as one-line text (interests may be multi-line)
 * within their length limits. On failure returns RK_EINVAL (RK_ETOOBIG when
 * buf is too small) with e (may be NULL) as base/normalize.h says — the phrase
 * in message, its Finnish in message_fi — and where the field's id. Nothing is
 * written to e on success.
 */
RK_MUST_USE rk_err rk_field_normalize(enum rk_field f, const char *raw, char *buf, size_t n,
                                      struct rk_error *e);

/*
 * The rule for the other texts a write stores — a source detail, a contract's
 * service, an invoice number, a request's name and text, a staff reason —
 * which are not contact fields but are shown beside them: rk_text_fault's
 * (no control, direction-control or invisible format characters; tab and line
 * breaks only when multiline). s NULL passes. On a refusal sets e (NULL:
 * only the code) to RK_EINVAL with the message "FIELD: why" (field is the
 * option, JSON member and column name the value came in under) and returns
 * RK_EINVAL; the value is never quoted. e->where stays "": the message names
 * the field already, and the API answers a "field" member only for the
 * contact fields a person fills in.
 */
RK_MUST_USE rk_err rk_text_field_check(const char *field, const char *s, bool multiline,
                                       struct rk_error *e);

#endif
