/*
 * request.c — the data-subject request workflow.
 *
 * Design. One state per request:
 *
 *   RECEIVED     recorded; the deadline runs from the local date of receipt
 *   VERIFIED     the person's identity was verified by a declared method
 *   IN_PROGRESS  staff are acting on it (core/rights.h does the acting)
 *   COMPLETED    answered (final)
 *   REJECTED     declined with a reason: art 12(5), or identity not verifiable (final)
 *
 * "Extended" is not a state but a mark an open request carries (extended_due,
 * extension_months, extension_reason): a request is extended whatever else it
 * is, and a state of its own would lose whether it had been verified.
 *
 * Invariants:
 *   1. A request is not acted on before it is verified: COMPLETED and
 *      IN_PROGRESS are reached only from VERIFIED (or IN_PROGRESS), so every
 *      completed request carries its verification (method, by whom, when;
 *      for in_person the document type only — never its number or a copy).
 *   2. due is one month after the local date of receipt in the controller's
 *      time zone (Regulation 1182/71: 31 Jan → 28/29 Feb) and never changes;
 *      an extension sets extended_due to 1 + months months after receipt,
 *      at most three in all, once, with a reason, within the first month.
 *   3. COMPLETED and REJECTED are final: every event on them is refused.
 *   4. Every transition is one rk_request_apply call, stored in the same
 *      transaction as its "request.<event>" audit event (rk_request_transition);
 *      a refused event writes nothing.
 *
 * Transitions (rk_request_apply is the one function that performs them;
 * rk_request_create makes the RECEIVED request):
 *
 *   state \ event   verify        start         extend          complete     reject
 *   RECEIVED        VERIFIED      refused¹      RECEIVED, ext²  refused¹     REJECTED³
 *   VERIFIED        refused       IN_PROGRESS   VERIFIED, ext²  COMPLETED    REJECTED³
 *   IN_PROGRESS     refused       refused       IN_PROGRESS,²   COMPLETED    REJECTED³
 *   COMPLETED       refused       refused       refused         refused      refused
 *   REJECTED        refused       refused       refused         refused      refused
 *
 *   ¹ not before the identity is verified (invariant 1).
 *   ² only once, by 1 or 2 months, with a reason, on or before the original due date.
 *   ³ with a reason; from RECEIVED this is how "identity not verifiable" ends.
 *   verify needs a method the declaration allows (rights.verification) and, for
 *   in_person, a document type.
 */
#include "core/request.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "base/id.h"
#include "core/mail_limit.h"
#include "core/reg_impl.h"

static const char *const type_names[RK_RQ_TYPE__COUNT] = {
    "access",    "rectification",      "erasure",           "restriction", "portability",
    "objection", "automated_decision", "consent_withdrawal"};
static const char *const status_names[RK_RQS__COUNT] = {"received", "verified", "in_progress",
                                                        "completed", "rejected"};
static const char *const channel_names[RK_RQC__COUNT] = {"web", "email", "post", "in_person",
                                                         "api"};
static const char *const event_names[RK_RQE__COUNT] = {"verified", "started", "extended",
                                                       "completed", "rejected"};
static const char *const documents[] = {"passport", "id_card", "driving_licence", "other"};

static int find(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *rk_request_type_name(enum rk_request_type t) {
    return (unsigned)t < RK_RQ_TYPE__COUNT ? type_names[t] : "?";
}
int rk_request_type_parse(const char *s) { return find(type_names, RK_RQ_TYPE__COUNT, s); }
const char *rk_request_status_name(enum rk_request_status s) {
    return (unsigned)s < RK_RQS__COUNT ? status_names[s] : "?";
}
int rk_request_status_parse(const char *s) { return find(status_names, RK_RQS__COUNT, s); }
const char *rk_request_channel_name(enum rk_request_channel c) {
    return (unsigned)c < RK_RQC__COUNT ? channel_names[c] : "?";
}
int rk_request_channel_parse(const char *s) { return find(channel_names, RK_RQC__COUNT, s); }
const char *rk_request_event_name(enum rk_request_event_kind k) {
    return (unsigned)k < RK_RQE__COUNT ? event_names[k] : "?";
}
bool rk_request_document_valid(const char *doc) { return find(documents, 4, doc) >= 0; }

bool rk_request_id_valid(const char *s) {
    if (!s || strlen(s) != RK_REQUEST_ID_LEN || s[0] != 'R' || s[1] != '-')
        return false;
    for (size_t i = 2; i < RK_REQUEST_ID_LEN; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
            return false;
    return true;
}

/* ---- Deadlines ------------------------------------------------------------------------- */

struct rk_date rk_request_due(struct rk_date received) {
    return rk_date_add_months(received, 1);
}

struct rk_date rk_request_effective_due(const struct rk_request *q) {
    return q->extended_due.y ? q->extended_due : q->due;
}

bool rk_request_open(const struct rk_request *q) {
    return q->status == RK_RQS_RECEIVED || q->status == RK_RQS_VERIFIED ||
           q->status == RK_RQS_IN_PROGRESS;
}

bool rk_request_overdue(const struct rk_request *q, struct rk_date today) {
    return rk_request_open(q) && rk_date_cmp(today, rk_request_effective_due(q)) > 0;
}

/* ---- The state machine ------------------------------------------------------------------ */

#define REFUSE(code, ...)                                                                          \
    do {                                                                                           \
        return rk_error_set(why, code, NULL, __VA_ARGS__);                                         \
    } while (0)

static bool blank(const char *s) {
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

rk_err rk_request_apply(struct rk_request *q, const struct rk_request_event *ev, unsigned allowed,
                        struct rk_error *why) {
    const char *state = rk_request_status_name(q->status);
    if (!rk_request_open(q))
        REFUSE(RK_EREFUSED, "the request is already %s; a closed request does not change", state);
    if (rk_text_field_check("reason", ev->reason, true, why) != RK_OK ||
        rk_text_field_check("note", ev->note, true, why) != RK_OK)
        return RK_EINVAL;
    struct rk_request r = *q;
    switch (ev->kind) {
    case RK_RQE_VERIFY:
        if (q->status != RK_RQS_RECEIVED)
            REFUSE(RK_EREFUSED, "the request is already verified (it is %s)", state);
        if (ev->method != RK_VERIFY_IN_PERSON && ev->method != RK_VERIFY_EMAIL_CODE)
            REFUSE(RK_EINVAL, "the verification method must be in_person or email_code");
        if (!(allowed & ev->method))
            REFUSE(RK_EINVAL,
                   "the declaration does not allow verification by %s (rights.verification)",
                   rk_verification_id((enum rk_verification)ev->method));
        if (ev->method == RK_VERIFY_IN_PERSON && !rk_request_document_valid(ev->document))
            REFUSE(RK_EINVAL, "in_person verification needs the document type seen: passport, "
                              "id_card, driving_licence or other (never its number)");
        r.status = RK_RQS_VERIFIED;
        r.verification = ev->method;
        r.verified_by = ev->by;
        r.verified_at = ev->at;
        r.document = ev->method == RK_VERIFY_IN_PERSON ? ev->document : NULL;
        break;
    case RK_RQE_START:
        if (q->status != RK_RQS_VERIFIED)
            REFUSE(RK_EREFUSED, "%s",
                   q->status == RK_RQS_RECEIVED ? "the request is not verified yet: verify the "
                                                  "person's identity before acting on it"
                                                : "the request is already in progress");
        r.status = RK_RQS_IN_PROGRESS;
        break;
    case RK_RQE_EXTEND: {
        if (ev->months < 1 || ev->months > RK_REQUEST_EXTEND_MAX)
            REFUSE(RK_EINVAL, "an extension is by 1 or 2 further months (art 12(3))");
        if (blank(ev->reason))
            REFUSE(RK_EINVAL, "an extension needs a reason; the person is told it");
        if (q->extension_months)
            REFUSE(RK_EREFUSED,
                   "the request was already extended by %d month(s); it may be extended once, "
                   "by at most two further months in all",
                   q->extension_months);
        if (rk_date_cmp(ev->today, q->due) > 0)
            REFUSE(RK_EREFUSED, "the first month has passed: an extension must be told to the "
                                "person within a month of receipt (art 12(3))");
        r.extension_months = ev->months;
        r.extension_reason = ev->reason;
        /* Counted from receipt, not from the clamped due date: 31 Jan + 3 months = 30 Apr. */
        r.extended_due = rk_date_add_months(q->received_on, 1 + ev->months);
        break;
    }
    case RK_RQE_COMPLETE:
        if (q->status == RK_RQS_RECEIVED)
            REFUSE(RK_EREFUSED, "the request is not verified yet: verify the person's identity "
                                "before completing it");
        r.status = RK_RQS_COMPLETED;
        r.note = blank(ev->note) ? NULL : ev->note;
        r.closed_at = ev->at;
        break;
    case RK_RQE_REJECT:
        if (blank(ev->reason))
            REFUSE(RK_EINVAL, "a rejection needs a reason (art 12(4)): manifestly unfounded or "
                              "excessive, or identity not verifiable");
        r.status = RK_RQS_REJECTED;
        r.rejection_reason = ev->reason;
        r.closed_at = ev->at;
        break;
    default: REFUSE(RK_EINVAL, "unknown event");
    }
    *q = r;
    return RK_OK;
}

/* ---- The workflow over a register ----------------------------------------------------- */

/* "R-" and 12 characters of a fresh random id, upper case: easy to read out over the phone. */
static void new_request_id(char out[RK_REQUEST_ID_LEN + 1]) {
    char id[RK_ID_LEN + 1];
    rk_id_new(id);
    out[0] = 'R';
    out[1] = '-';
    for (size_t i = 0; i < RK_REQUEST_ID_LEN - 2; i++)
        out[2 + i] = (char)(id[i] >= 'a' && id[i] <= 'z' ? id[i] - 'a' + 'A' : id[i]);
    out[RK_REQUEST_ID_LEN] = '\0';
}

static bool too_long(const char *s, size_t max) { return s && strlen(s) > max; }

/* Finds the person an email or phone belongs to through the keyed hash index. */
static rk_err match(struct rk_reg *reg, enum rk_field f, const char *raw, char id[RK_ID_LEN + 1]) {
    char norm[RK_REQUEST_FIELD_MAX * 2 + 1];
    if (!raw || rk_field_normalize(f, raw, norm, sizeof norm, NULL) != RK_OK)
        return RK_ENOENT;
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, f, norm, h);
    return rk_store_find_by_hash(reg->store, h, NULL, id);
}

static rk_err audit_event(struct rk_reg *reg, const struct rk_request *q, const char *event,
                          rk_ts at) {
    char action[48], detail[64];
    snprintf(action, sizeof action, "request.%s", event);
    snprintf(detail, sizeof detail, "%s %s", q->id, rk_request_type_name(q->type));
    return rk_audit_append(reg->store, &reg->keys, at, reg->actor, action,
                           q->person_id[0] ? q->person_id : NULL, detail);
}

rk_err rk_request_create(struct rk_reg *reg, const struct rk_tz *tz,
                         const struct rk_request_input *in, struct rk_request *out,
                         struct rk_error *msg) {
    if ((unsigned)in->type >= RK_RQ_TYPE__COUNT || (unsigned)in->channel >= RK_RQC__COUNT) {
        return rk_error_set(msg, RK_EINVAL, NULL, "unknown request type or channel");
    }
    bool has_email = !blank(in->email), has_phone = !blank(in->phone);
    if (!has_email && !has_phone && !in->person_id) {
        return rk_error_set(
            msg, RK_EINVAL, NULL,
            "a request needs a way to reach the person: an email address, a phone number "
            "or a person id");
    }
    if (too_long(in->email, RK_REQUEST_FIELD_MAX) || too_long(in->phone, RK_REQUEST_FIELD_MAX) ||
        too_long(in->name, RK_REQUEST_FIELD_MAX) || too_long(in->text, RK_REQUEST_TEXT_MAX)) {
        return rk_error_set(msg, RK_ETOOBIG, NULL,
                            "a contact detail is longer than %d bytes or the text longer than %d",
                            RK_REQUEST_FIELD_MAX, RK_REQUEST_TEXT_MAX);
    }
    if (rk_text_field_check("email", in->email, false, msg) != RK_OK ||
        rk_text_field_check("phone", in->phone, false, msg) != RK_OK ||
        rk_text_field_check("name", in->name, false, msg) != RK_OK ||
        rk_text_field_check("text", in->text, true, msg) != RK_OK)
        return RK_EINVAL;
    if (in->person_id && !rk_id_valid(in->person_id)) {
        return rk_error_set(msg, RK_EINVAL, NULL, "the person id is not a valid id");
    }
    struct rk_date today = rk_tz_date(tz, in->now);
    struct rk_date on = in->received.y ? in->received : today;
    if (!rk_date_valid(on) || rk_date_cmp(on, today) > 0) {
        return rk_error_set(
            msg, RK_EINVAL, NULL,
            "the date of receipt is in the future; give the date the request arrived");
    }
    struct rk_request *q = calloc(1, sizeof *q);
    if (!q)
        return RK_ENOMEM;
    new_request_id(q->id);
    q->type = in->type;
    q->status = RK_RQS_RECEIVED;
    q->channel = in->channel;
    q->lang = in->lang;
    q->email = has_email ? in->email : NULL;
    q->phone = has_phone ? in->phone : NULL;
    q->name = blank(in->name) ? NULL : in->name;
    q->text = blank(in->text) ? NULL : in->text;
    q->received_at = in->received.y ? rk_date_ts(on) : in->now;
    q->received_on = on;
    q->due = rk_request_due(on);
    q->created_by = reg->actor;
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err != RK_OK) {
        free(q);
        return err;
    }
    if (in->person_id) {
        bool restricted = false, objected = false;
        err = rk_store_person_exists(reg->store, in->person_id, &restricted, &objected);
        if (err == RK_ENOENT)
            err = rk_error_set(msg, err, NULL, "no person has that id");
        else if (err == RK_OK)
            snprintf(q->person_id, sizeof q->person_id, "%s", in->person_id);
    } else {
        err = match(reg, RK_F_EMAIL, q->email, q->person_id);
        if (err == RK_ENOENT)
            err = match(reg, RK_F_PHONE, q->phone, q->person_id);
        if (err == RK_ENOENT) {
            q->person_id[0] = '\0'; /* not on file: the request is kept all the same */
            err = RK_OK;
        }
    }
    if (err == RK_OK && (err = rk_store_request_insert(reg->store, q)) == RK_ECONFLICT) {
        new_request_id(q->id); /* 60 random bits: a second collision is not worth a loop */
        err = rk_store_request_insert(reg->store, q);
    }
    if (err == RK_OK)
        err = audit_event(reg, q, "received", in->now);
    err = rk_reg_work_end(reg, &tx, err);
    if (err == RK_OK)
        *out = *q;
    free(q);
    return err;
}

/* Copies q to out, pointing out's read strings at its own buffer (others stay borrowed). */
static void copy_request(struct rk_request *out, const struct rk_request *q) {
    *out = *q;
    const char **strs[] = {&out->email,
                           &out->phone,
                           &out->name,
                           &out->text,
                           &out->extension_reason,
                           &out->verified_by,
                           &out->document,
                           &out->rejection_reason,
                           &out->note,
                           &out->created_by};
    uintptr_t lo = (uintptr_t)q->buf, hi = lo + sizeof q->buf;
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        uintptr_t p = (uintptr_t)*strs[i];
        if (*strs[i] && p >= lo && p < hi)
            *strs[i] = out->buf + (p - lo);
    }
}

rk_err rk_request_transition(struct rk_reg *reg, const char *id, const struct rk_request_event *ev,
                             struct rk_request *out, struct rk_error *msg) {
    if (!rk_request_id_valid(id)) {
        return rk_error_set(msg, RK_ENOENT, NULL,
                            "no request has that id (ids look like R-XXXXXXXXXXXX)");
    }
    struct rk_request *q = calloc(1, sizeof *q);
    if (!q)
        return RK_ENOMEM;
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK) {
        err = rk_store_request_get(reg->store, id, q);
        if (err == RK_ENOENT)
            err = rk_error_set(msg, err, NULL, "no request has that id");
        if (err == RK_OK)
            err = rk_request_apply(q, ev, reg->decl->rights.verification, msg);
        if (err == RK_OK)
            err = rk_store_request_update(reg->store, q);
        if (err == RK_OK)
            err = audit_event(reg, q, rk_request_event_name(ev->kind), ev->at);
        err = rk_reg_work_end(reg, &tx, err);
    }
    if (err == RK_OK)
        copy_request(out, q);
    free(q);
    return err;
}

struct first_email {
    char *out;
    size_t n;
    bool found;
};

static int take_email(void *ctx, const struct rk_entry *e) {
    struct first_email *f = ctx;
    if (!e->v[RK_F_EMAIL])
        return 0;
    snprintf(f->out, f->n, "%s", e->v[RK_F_EMAIL]);
    f->found = true;
    return 1;
}

rk_err rk_request_verification_link(struct rk_reg *reg, const char *id, rk_ts now,
                                    struct rk_request *out, char *email, size_t emailsz,
                                    char token[RK_LINK_MAX], bool *withheld, struct rk_error *msg) {
    if (withheld)
        *withheld = false;
    if (!(reg->decl->rights.verification & RK_VERIFY_EMAIL_CODE)) {
        return rk_error_set(msg, RK_EINVAL, NULL,
                            "the declaration does not allow verification by email_code "
                            "(rights.verification)");
    }
    if (!rk_request_id_valid(id)) {
        return rk_error_set(msg, RK_ENOENT, NULL, "no request has that id");
    }
    struct rk_request *q = calloc(1, sizeof *q);
    if (!q)
        return RK_ENOMEM;
    struct first_email fe = {email, emailsz, false};
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK) {
        err = rk_store_request_get(reg->store, id, q);
        if (err == RK_ENOENT)
            err = rk_error_set(msg, err, NULL, "no request has that id");
        if (err == RK_OK && q->status != RK_RQS_RECEIVED) {
            err = rk_error_set(msg, RK_EREFUSED, NULL,
                               "the request is %s: only a received request "
                               "awaits verification",
                               rk_request_status_name(q->status));
        }
        if (err == RK_OK && !q->person_id[0]) {
            err = rk_error_set(
                msg, RK_EREFUSED, NULL,
                "the request matches no person on file, so no address on file can receive "
                "a code; verify in person or reject it as not verifiable");
        }
        if (err == RK_OK)
            err = rk_store_entries_of_person(reg->store, q->person_id, take_email, &fe);
        if (err == RK_OK && !fe.found) {
            err = rk_error_set(msg, RK_EREFUSED, NULL,
                               "the person has no email address on file; verify in person instead");
        }
        bool may = false;
        if (err == RK_OK &&
            (err = rk_mail_limit_take(reg, email, RK_MAIL_BY_STAFF, now, &may)) == RK_OK && !may) {
            err = rk_error_set(
                msg, RK_EREFUSED, NULL,
                "the person's address has had %d mails in the last 24 hours, the most "
                "mail_limits.per_day in the declaration allows (form confirmations, request "
                "receipts and verification links count together); a link sent before stays "
                "valid for %d days, or send a new one tomorrow",
                reg->decl->mail_limits.per_day, RK_REQUEST_LINK_DAYS);
            if (withheld)
                *withheld = true;
        }
        struct rk_link l = {.kind = RK_LINK_VERIFY,
                            .expires = now + (rk_ts)RK_REQUEST_LINK_DAYS * 86400};
        snprintf(l.person_id, sizeof l.person_id, "%s", q->person_id);
        snprintf(l.purpose, sizeof l.purpose, "%s", q->id);
        if (err == RK_OK)
            err = rk_link_make(&reg->keys, &l, token);
        if (err == RK_OK)
            err = audit_event(reg, q, "verification_sent", now);
        err = rk_reg_work_end(reg, &tx, err);
    }
    if (err == RK_OK)
        copy_request(out, q);
    free(q);
    return err;
}

rk_err rk_request_address(struct rk_reg *reg, const struct rk_request *q, char *out, size_t n) {
    if (q->email) {
        char norm[RK_REQUEST_FIELD_MAX * 2 + 1];
        if (rk_field_normalize(RK_F_EMAIL, q->email, norm, sizeof norm, NULL) == RK_OK) {
            snprintf(out, n, "%s", norm);
            return RK_OK;
        }
    }
    if (!q->person_id[0])
        return RK_ENOENT;
    struct first_email fe = {out, n, false};
    rk_err err = rk_store_entries_of_person(reg->store, q->person_id, take_email, &fe);
    return err == RK_OK && !fe.found ? RK_ENOENT : err;
}

rk_err rk_request_load_tz(const struct rk_decl *d, struct rk_tz *out, struct rk_error *msg) {
    const char *name = d->controller.timezone ? d->controller.timezone : "Europe/Helsinki";
    rk_err err = rk_tz_load(name, out);
    if (err != RK_OK)
        err = rk_error_set(msg, err, NULL,
                           "the controller's time zone %s cannot be read (%s): install the tzdata "
                           "package or correct controller.timezone",
                           name, rk_err_str(err));
    return err;
}
