/*
 * mail_limit.c — the mail limit's rule (see mail_limit.h) and shadow work.
 *
 * Design. The rule counts, per recipient hash, the limited mails queued in the
 * last 24 hours (table mail_limit, one row per mail): a mail may go when fewer
 * than per_day are counted and, for a mail the public causes, the latest is at
 * least min_interval old.
 *
 * An answer to the public must not tell whether a mail went — neither by its
 * body nor by its time, for time is the work done before the answer. So every
 * path of rk_mail_limit_send does the same work, and where the mail must not
 * go the work is shadow work, undone before the unit of work commits:
 *
 *   budget \ refused   no                              yes (e.g. suppressed)
 *   within             SENT: row and mail kept         NONE: row and mail undone
 *   over               WITHHELD: row and mail undone   NONE: row and mail undone
 *
 * Invariants:
 *   1. A limited mail is queued only together with its row, in the same
 *      transaction, and the rule counts rows: a rolled-back mail was never
 *      counted, a committed one always is.
 *   2. Only keyed hashes are written (keys/keys.h, subkey mail_limit); each
 *      row is deleted by the first row written more than a day after it.
 *   3. Every path runs one count, one savepoint, one prune and insert, the
 *      caller's queue() (composing and queueing the mail), and one savepoint
 *      end; only the end differs (keep, or undo and keep nothing).
 */
#include "core/mail_limit.h"

#include "core/reg_impl.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400

static const char *const class_names[RK_MAILC__COUNT] = {
    "confirmation", "request_receipt", "verification", "preferences_link", "answer_code"};

const char *rk_mail_class_name(enum rk_mail_class c) {
    return (unsigned)c < RK_MAILC__COUNT ? class_names[c] : "?";
}

rk_err rk_shadow_begin(struct rk_reg *reg) { return rk_store_savepoint(reg->store); }

rk_err rk_shadow_end(struct rk_reg *reg, bool undo) {
    if (undo)
        reg->last_prov.id = 0; /* it may be a row undone here */
    return rk_store_savepoint_end(reg->store, undo);
}

void rk_shadow_value(const char *value, char *out) {
    size_t i = 0;
    for (; value[i]; i++) {
        char ch = value[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
            ch = 'x';
        out[i] = ch;
    }
    out[i] = '\0';
}

/* The budget of h at `at`: whether a mail by `by` may go, from the rows of the last 24 hours. */
static rk_err within(struct rk_reg *reg, const unsigned char h[RK_HASH_LEN], enum rk_mail_by by,
                     rk_ts at, bool *may) {
    const struct rk_mail_limits *l = &reg->decl->mail_limits;
    int64_t interval = l->min_interval > 0 ? l->min_interval : RK_MAIL_MIN_INTERVAL_DEFAULT;
    int per_day = l->per_day > 0 ? l->per_day : RK_MAIL_PER_DAY_DEFAULT;
    int64_t n = 0;
    rk_ts last = 0;
    rk_err err = rk_store_mail_limit_count(reg->store, h, at - DAY + 1, &n, &last);
    if (err == RK_OK)
        *may = n < per_day && (n == 0 || by == RK_MAIL_BY_STAFF || at - last >= interval);
    return err;
}

rk_err rk_mail_limit_take(struct rk_reg *reg, const char *email, enum rk_mail_by by, rk_ts at,
                          bool *may) {
    unsigned char h[RK_HASH_LEN];
    rk_keys_mail_hash(&reg->keys, email, h);
    bool ok = false;
    rk_err err = within(reg, h, by, at, &ok);
    if (err == RK_OK && ok)
        err = rk_store_mail_limit_add(reg->store, h, at, at - DAY + 1);
    if (err == RK_OK)
        *may = ok;
    return err;
}

rk_err rk_mail_limit_send(struct rk_reg *reg, const struct rk_mail_job *job,
                          enum rk_mail_outcome *out) {
    unsigned char h[RK_HASH_LEN];
    rk_keys_mail_hash(&reg->keys, job->recipient, h);
    bool may = false;
    rk_err err = within(reg, h, RK_MAIL_BY_PUBLIC, job->at, &may);
    may = may && !job->refused;
    if (err == RK_OK)
        err = rk_shadow_begin(reg);
    if (err != RK_OK)
        return err;
    err = rk_store_mail_limit_add(reg->store, h, job->at, job->at - DAY + 1);
    if (err == RK_OK)
        err = job->queue(reg, job->ctx, job->person_id, job->recipient);
    rk_err end = rk_shadow_end(reg, !may || err != RK_OK);
    if (err == RK_OK)
        err = end;
    if (err == RK_OK)
        *out = job->refused ? RK_MAIL_NONE : may ? RK_MAIL_SENT : RK_MAIL_WITHHELD;
    return err;
}
