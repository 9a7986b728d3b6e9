/*
 * retention.c — the sweep's retention rules (see retention.h): the declared
 * retention of each register applied to its entries, kept records deleted
 * when their statutory period ends, finished mail and notices deleted, and
 * late art 14 tasks and data-subject requests counted for staff.
 *
 * Design. Each rule selects its rows through a store listing, acts on them
 * in batches of RK_RETENTION_BATCH per transaction and audits every action with
 * pseudonymous ids only. "today" is the UTC date of now, as in
 * rk_reg_membership; a period "has passed" on the day after it ends, so an
 * entry is kept through the last day of its grace.
 *
 *   1. entries   For each register that is not a consent register and whose
 *                retention.until names relationship_end or contract_end, the
 *                register's entries in key order (a cursor, so entries left
 *                alone are not read again). An entry is due when
 *                  - retention.period is declared and today > since + period
 *                    (a maximum, whatever the contracts say); or
 *                  - the person has contracts in the register, none open-ended,
 *                    and today > the latest end + retention.grace (0 if not
 *                    declared): no longer a customer (rk_reg_membership); or
 *                  - the person never had a contract there (a prospect),
 *                    retention.prospects is declared and today > since +
 *                    prospects.
 *                A due entry is erased through rk_rights_erase_from: the
 *                register's recipients are told (art 19), the entry and the
 *                provenance only it used go, its contracts and invoices follow
 *                their category's erasure rule (kept ones restricted), and a
 *                person left with nothing is deleted wholly (rk_rights_settle).
 *                Lawful: art 5(1)(e) storage limitation and art 17(1)(a), the
 *                data being no longer necessary for the declared purposes; the
 *                rule is the controller's, not an objection or a request, so
 *                nothing goes onto the suppression list. A restricted person's
 *                entry (art 18: the person may need it kept, 18(1)(c)) is left
 *                and counted as held; so is the entry of a person holding a
 *                live consent for a consent-based purpose of the register (a
 *                basis of its own, ended by the consent rule), unless
 *                retention.period has passed; and the entry of a person with
 *                a data-subject request still open (answered on the data as
 *                it stands; the first run after it closes erases the entry).
 *   2. kept      Restricted invoices whose keep_until is before today are
 *                deleted; then restricted contracts no invoice refers to any
 *                more whose own period has passed (a category kept keep_years
 *                counts from the contract's end, or start when open-ended,
 *                or the end of that calendar year; any other category: at
 *                once, it was kept only for the invoices). Then the person is
 *                settled. Lawful: the legal obligation (art 17(3)(b)) that
 *                alone kept them has ended.
 *   3. mail      Sent or failed emails finished more than RK_RETENTION_MAIL_DAYS
 *                ago, and art 19 notices delivered (done) or unsupported more
 *                than RK_RETENTION_NOTICE_DAYS ago, are deleted with their
 *                addresses (a delivered notice's address is already cleared;
 *                an unsupported one still holds it). Failed notices stay: they
 *                still have to be told by hand. One audit event per batch.
 *                The documents of a request's answer (core/answer.h) go when their
 *                download window ends (14 days after completion): the row holds its
 *                own expiry. Lawful: art 5(1)(e); the person was given them.
 *   3b. cookies  Website cookie choices (the consent log, migration 0018) recorded before
 *                now minus the declared cookies.log_retention (default 3 years) are
 *                deleted, one audit event per batch with the count. They hold no person,
 *                only a browser's random id, and are kept as long as the proof of consent
 *                is needed (art 7(1)), then no longer (art 5(1)(e)).
 *   4. flags     Open art14_inform tasks past due, and open requests past
 *                their deadline or due within RK_RETENTION_SOON_DAYS, are
 *                counted and their ids listed. Nothing is changed.
 *
 * Invariants: a rule acts only on rows its listing returned and that still
 * qualify; a second run at the same instant finds nothing to do (acted-on
 * rows no longer match); a failed batch is rolled back whole. The dry run
 * runs every rule in one transaction and rolls it back, so it counts exactly
 * what a run would do and writes nothing (it holds the write lock meanwhile).
 */
#include "core/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/reg_impl.h"
#include "core/rights.h"
#include "core/cookie_log.h"

#define ART14_TASK "art14_inform"

struct run {
    struct rk_reg *reg;
    rk_ts now;
    struct rk_date today;
    bool dry;
    struct rk_retention_counts *out;
    struct rk_error *msg;
    struct rk_work batch; /* the batch being acted on */
};

static rk_err failed(const struct rk_store *s, struct rk_error *msg, const char *what, rk_err err) {
    if (!msg->message[0])
        snprintf(msg->message, sizeof msg->message, "sweep: %.160s: %s (%.100s)", what,
                 rk_err_name(err), rk_store_errmsg(s));
    return msg->code = err;
}

/* A batch is one unit of work (core/work.h): its own transaction, or, in a dry run, joined to
 * the one transaction rk_retention_run rolls back. */
static rk_err batch_begin(struct run *r) {
    rk_err err = rk_reg_work_begin(r->reg, &r->batch);
    return err == RK_OK ? RK_OK : failed(r->reg->store, r->msg, "beginning a batch", err);
}

static rk_err batch_end(struct run *r, rk_err err) {
    rk_err end = rk_reg_work_end(r->reg, &r->batch, err);
    return err == RK_OK && end != RK_OK ? failed(r->reg->store, r->msg, "committing a batch", end)
                                        : end;
}

static rk_err audit(struct run *r, const char *action, const char *person_id, const char *detail) {
    rk_err err = rk_reg_audit(r->reg, action, person_id, detail, r->now);
    return err == RK_OK ? RK_OK : failed(r->reg->store, r->msg, "auditing", err);
}

static bool passed(struct rk_date today, struct rk_date from, struct rk_duration d) {
    return rk_date_cmp(today, rk_date_add(from, d)) > 0;
}

/* ---- 1. Entries past their register's retention --------------------------------------------- */

static bool governed(const struct rk_register *r) {
    return r->retention.declared && !rk_register_on_consent(r) &&
           (r->retention.until & (RK_UNTIL_RELATIONSHIP_END | RK_UNTIL_CONTRACT_END));
}

/* Whether the entry e of register r is past its retention today. */
static bool entry_due(const struct rk_register *r, const struct rk_retention_row *e,
                      struct rk_date today) {
    const struct rk_retention *ret = &r->retention;
    struct rk_date since = rk_ts_date(e->since);
    if (ret->period.n && passed(today, since, ret->period))
        return true;
    if (e->contracts == 0)
        return ret->prospects.n && passed(today, since, ret->prospects);
    if (e->open || !e->last_end.y)
        return false;
    struct rk_duration grace = ret->grace.n ? ret->grace : (struct rk_duration){0, 'd'};
    return passed(today, e->last_end, grace);
}

struct due_row {
    char person_id[RK_ID_LEN + 1];
    bool restricted;
    bool by_period; /* past retention.period: a maximum, whatever else holds the entry */
};

struct entry_batch {
    const struct rk_register *r;
    struct rk_date today;
    struct due_row *rows;
    int n, seen;
    int64_t last_key;
};

static int collect_entry(void *ctx, const struct rk_retention_row *e) {
    struct entry_batch *b = ctx;
    b->seen++;
    b->last_key = e->key;
    if (!entry_due(b->r, e, b->today))
        return 0;
    struct due_row *d = &b->rows[b->n++];
    snprintf(d->person_id, sizeof d->person_id, "%s", e->person_id);
    d->restricted = e->restricted;
    const struct rk_duration period = b->r->retention.period;
    d->by_period = period.n && passed(b->today, rk_ts_date(e->since), period);
    return 0;
}

/* Whether the person holds a live consent for a consent-based purpose of register rd: a basis
 * of its own for staying in the register, which the end of a customer relationship does not
 * end (the consent rule ends it when the consent does). */
static rk_err consented(struct run *r, const struct rk_register *rd, const char *person,
                        bool *out) {
    *out = false;
    for (size_t i = 0; i < rd->npurposes && !*out; i++) {
        struct rk_consent_state st;
        if (rd->purposes[i]->basis != RK_BASIS_CONSENT)
            continue;
        rk_err err = rk_store_consent_state_get(r->reg->store, person, rd->purposes[i]->id, &st);
        if (err == RK_ENOENT)
            continue;
        if (err != RK_OK)
            return failed(r->reg->store, r->msg, "reading a consent state", err);
        *out = rk_consent_effective(&st, r->now) == RK_CONSENT_LIVE;
    }
    return RK_OK;
}

static rk_err erase_entry(struct run *r, const struct rk_register *reg_decl, const char *person) {
    struct rk_erase_report rep;
    struct rk_error m = RK_ERROR_INIT;
    rk_err err = rk_rights_erase_from(r->reg, person, reg_decl->id, r->now, &rep, &m);
    if (err == RK_ENOENT)
        return RK_OK; /* gone meanwhile */
    if (err != RK_OK)
        return failed(r->reg->store, r->msg, m.message, err);
    r->out->entries_erased++;
    r->out->persons_deleted += rep.person_deleted;
    r->out->records_kept += rep.invoices_kept + rep.contracts_kept;
    r->out->notices_queued += rep.notices;
    char detail[RK_AUDIT_FIELD_MAX];
    snprintf(detail, sizeof detail,
             "register %.40s; art 17(1)(a); kept %d invoices, %d contracts%s", reg_decl->id,
             (int)rep.invoices_kept % 1000, (int)rep.contracts_kept % 1000,
             rep.person_deleted ? "; person deleted" : "");
    return audit(r, "sweep.entry_erased", person, detail);
}

static rk_err rule_entries(struct run *r, const struct rk_register *rd) {
    struct entry_batch b = {
        .r = rd, .today = r->today, .rows = calloc(RK_RETENTION_BATCH, sizeof(struct due_row))};
    if (!b.rows)
        return failed(r->reg->store, r->msg, "allocating a batch", RK_ENOMEM);
    rk_err err = RK_OK;
    for (;;) {
        b.n = b.seen = 0;
        err = rk_store_retention_entries(r->reg->store, rd->id, b.last_key, RK_RETENTION_BATCH,
                                         collect_entry, &b);
        if (err != RK_OK) {
            err = failed(r->reg->store, r->msg, "listing a register's entries", err);
            break;
        }
        if (b.n > 0) {
            if ((err = batch_begin(r)) != RK_OK)
                break;
            for (int i = 0; i < b.n && err == RK_OK; i++) {
                bool live = false;
                if (b.rows[i].restricted) {
                    r->out->held_restricted++;
                    continue;
                }
                int64_t open = 0;
                if ((err = rk_store_requests_open_of_person(r->reg->store, b.rows[i].person_id,
                                                            &open)) == RK_OK &&
                    open > 0) {
                    r->out->held_request++; /* answered on the data as it stands (art 15-21) */
                    continue;
                }
                if (err != RK_OK) {
                    err = failed(r->reg->store, r->msg, "looking for the person's open requests",
                                 err);
                    break;
                }
                if (!b.rows[i].by_period &&
                    (err = consented(r, rd, b.rows[i].person_id, &live)) == RK_OK && live) {
                    r->out->held_consent++;
                    continue;
                }
                if (err == RK_OK)
                    err = erase_entry(r, rd, b.rows[i].person_id);
            }
            if ((err = batch_end(r, err)) != RK_OK)
                break;
        }
        if (b.seen < RK_RETENTION_BATCH)
            break;
    }
    free(b.rows);
    return err;
}

/* ---- 2. Kept records past their period ------------------------------------------------------ */

struct id_pair {
    char id[RK_ID_LEN + 1], person_id[RK_ID_LEN + 1];
};

struct pair_batch {
    struct id_pair *rows;
    int n;
};

static int collect_invoice(void *ctx, const char *invoice_id, const char *person_id) {
    struct pair_batch *b = ctx;
    if (strlen(invoice_id) > RK_ID_LEN || strlen(person_id) > RK_ID_LEN)
        return -1;
    snprintf(b->rows[b->n].id, sizeof b->rows[0].id, "%s", invoice_id);
    snprintf(b->rows[b->n].person_id, sizeof b->rows[0].person_id, "%s", person_id);
    b->n++;
    return 0;
}

static rk_err settle(struct run *r, const char *person_id) {
    struct rk_erase_report rep;
    memset(&rep, 0, sizeof rep);
    rk_err err = rk_rights_settle(r->reg, person_id, &rep);
    if (err != RK_OK)
        return failed(r->reg->store, r->msg, "settling a person", err);
    if (rep.person_deleted) {
        r->out->persons_deleted++;
        return audit(r, "sweep.person_deleted", person_id, "nothing left to keep");
    }
    return RK_OK;
}

static rk_err rule_invoices(struct run *r) {
    struct pair_batch b = {calloc(RK_RETENTION_BATCH, sizeof(struct id_pair)), 0};
    if (!b.rows)
        return failed(r->reg->store, r->msg, "allocating a batch", RK_ENOMEM);
    rk_err err = RK_OK;
    for (;;) {
        b.n = 0;
        err = rk_store_kept_invoices_run_out(r->reg->store, r->today, RK_RETENTION_BATCH,
                                             collect_invoice, &b);
        if (err != RK_OK) {
            err = failed(r->reg->store, r->msg, "listing kept invoices", err);
            break;
        }
        if (b.n == 0 || (err = batch_begin(r)) != RK_OK)
            break;
        for (int i = 0; i < b.n && err == RK_OK; i++) {
            char detail[64];
            snprintf(detail, sizeof detail, "invoice %s past keep_until", b.rows[i].id);
            if ((err = rk_store_invoice_delete(r->reg->store, b.rows[i].id)) != RK_OK) {
                err = failed(r->reg->store, r->msg, "deleting an invoice", err);
                break;
            }
            r->out->invoices_deleted++;
            err = audit(r, "sweep.invoice_deleted", b.rows[i].person_id, detail);
        }
        for (int i = 0; i < b.n && err == RK_OK; i++)
            err = settle(r, b.rows[i].person_id);
        if ((err = batch_end(r, err)) != RK_OK || b.n < RK_RETENTION_BATCH)
            break;
    }
    free(b.rows);
    return err;
}

/* The last day a kept contract c must stay, by its category's rule; y == 0: none (not kept
 * for itself, only for the invoices that referred to it). */
static struct rk_date contract_keep_until(const struct rk_decl *d, const struct rk_contract *c) {
    const struct rk_register *r = rk_decl_register(d, c->register_id);
    for (size_t i = 0; r && i < r->ncategories; i++) {
        const struct rk_category *cat = r->categories[i];
        if (cat->kind != RK_CAT_CONTRACT || cat->erasure.rule != RK_ERASE_KEEP)
            continue;
        return rk_category_keep_until(d, cat, c->end.y ? c->end : c->start);
    }
    return (struct rk_date){0, 0, 0};
}

struct contract_batch {
    const struct rk_decl *decl;
    struct rk_date today;
    struct id_pair *rows;
    int n, seen;
    char last[RK_ID_LEN + 1];
};

static int collect_contract(void *ctx, const struct rk_contract *c) {
    struct contract_batch *b = ctx;
    b->seen++;
    snprintf(b->last, sizeof b->last, "%s", c->id);
    struct rk_date until = contract_keep_until(b->decl, c);
    if (until.y && rk_date_cmp(b->today, until) <= 0)
        return 0;
    snprintf(b->rows[b->n].id, sizeof b->rows[0].id, "%s", c->id);
    snprintf(b->rows[b->n].person_id, sizeof b->rows[0].person_id, "%s", c->person_id);
    b->n++;
    return 0;
}

static rk_err rule_contracts(struct run *r) {
    struct contract_batch b = {
        r->reg->decl, r->today, calloc(RK_RETENTION_BATCH, sizeof(struct id_pair)), 0, 0, ""};
    if (!b.rows)
        return failed(r->reg->store, r->msg, "allocating a batch", RK_ENOMEM);
    rk_err err = RK_OK;
    for (;;) {
        b.n = b.seen = 0;
        err = rk_store_kept_contracts(r->reg->store, b.last, RK_RETENTION_BATCH, collect_contract,
                                      &b);
        if (err != RK_OK) {
            err = failed(r->reg->store, r->msg, "listing kept contracts", err);
            break;
        }
        if (b.n > 0) {
            if ((err = batch_begin(r)) != RK_OK)
                break;
            for (int i = 0; i < b.n && err == RK_OK; i++) {
                char detail[64];
                snprintf(detail, sizeof detail, "contract %s past its period", b.rows[i].id);
                if ((err = rk_store_contract_delete(r->reg->store, b.rows[i].id)) != RK_OK) {
                    err = failed(r->reg->store, r->msg, "deleting a contract", err);
                    break;
                }
                r->out->contracts_deleted++;
                err = audit(r, "sweep.contract_deleted", b.rows[i].person_id, detail);
                if (err == RK_OK)
                    err = settle(r, b.rows[i].person_id);
            }
            if ((err = batch_end(r, err)) != RK_OK)
                break;
        }
        if (b.seen < RK_RETENTION_BATCH)
            break;
    }
    free(b.rows);
    return err;
}

/* ---- 3. Mail and notices that have done their job ------------------------------------------ */

typedef rk_err (*purge_fn)(struct rk_store *s, rk_ts before, int limit, bool dry, int64_t *n);

static rk_err purge_outbox(struct rk_store *s, rk_ts before, int limit, bool dry, int64_t *n) {
    return rk_store_outbox_purge(s, before, limit, dry, n);
}

/* Answers whose download window (RK_ANSWER_DAYS, core/answer.h) has passed: the row and its
 * sealed documents. The window is in the row, so the rule's "days" is 0. */
static rk_err purge_answers(struct rk_store *s, rk_ts before, int limit, bool dry, int64_t *n) {
    return rk_store_answer_purge(s, before, limit, dry, n);
}

static rk_err purge_notices(struct rk_store *s, rk_ts before, int limit, bool dry, int64_t *n) {
    return rk_store_recipient_notice_purge(s, before, limit, dry, n);
}

static rk_err purge_consent_log(struct rk_store *s, rk_ts before, int limit, bool dry, int64_t *n) {
    return rk_store_consent_log_purge(s, before, limit, dry, n);
}

static rk_err rule_purge_before(struct run *r, purge_fn fn, rk_ts before, const char *action,
                                int64_t *total);

static rk_err rule_purge(struct run *r, purge_fn fn, int days, const char *action, int64_t *total) {
    return rule_purge_before(r, fn, r->now - (rk_ts)days * 86400, action, total);
}

/* Deletes the rows fn lists as finished (or recorded) before `before`, in batches. */
static rk_err rule_purge_before(struct run *r, purge_fn fn, rk_ts before, const char *action,
                                int64_t *total) {
    char at[RK_TS_LEN + 1], detail[96];
    rk_ts_format(before, at);
    if (r->dry) { /* counting is enough: nothing else depends on these rows */
        rk_err err = fn(r->reg->store, before, 0, true, total);
        return err == RK_OK ? RK_OK : failed(r->reg->store, r->msg, "counting finished rows", err);
    }
    for (;;) {
        int64_t n = 0;
        rk_err err = batch_begin(r);
        if (err != RK_OK)
            return err;
        if ((err = fn(r->reg->store, before, RK_RETENTION_BATCH, false, &n)) != RK_OK)
            err = failed(r->reg->store, r->msg, "deleting finished rows", err);
        snprintf(detail, sizeof detail, "%lld finished before %s", (long long)n, at);
        if (err == RK_OK && n > 0)
            err = audit(r, action, NULL, detail);
        if ((err = batch_end(r, err)) != RK_OK)
            return err;
        *total += n;
        if (n < RK_RETENTION_BATCH)
            return RK_OK;
    }
}

/* ---- 4. Flags for staff --------------------------------------------------------------------- */

static void flag(struct rk_retention_flag *list, int *n, const char *id, struct rk_date due,
                 bool overdue) {
    if (*n >= RK_RETENTION_FLAG_IDS)
        return;
    snprintf(list[*n].id, sizeof list[0].id, "%s", id);
    list[*n].due = due;
    list[*n].overdue = overdue;
    (*n)++;
}

static int flag_task(void *ctx, const struct rk_task_view *t) {
    struct run *r = ctx;
    if (rk_date_cmp(t->due, r->today) >= 0)
        return 1; /* listed by due date: the rest are not late */
    r->out->art14_overdue++;
    flag(r->out->tasks, &r->out->ntasks, t->id, t->due, true);
    return 0;
}

static int flag_request(void *ctx, const struct rk_request *q) {
    struct run *r = ctx;
    struct rk_date due = q->extended_due.y ? q->extended_due : q->due;
    bool overdue = rk_date_cmp(due, r->today) < 0;
    if (overdue)
        r->out->requests_overdue++;
    else
        r->out->requests_due_soon++;
    flag(r->out->requests, &r->out->nrequests, q->id, due, overdue);
    return 0;
}

static rk_err rule_flags(struct run *r) {
    rk_err err = rk_store_tasks_list(r->reg->store, ART14_TASK, true, flag_task, r);
    struct rk_request_filter f = {.status = -1,
                                  .open_only = true,
                                  .due_by = rk_date_add_days(r->today, RK_RETENTION_SOON_DAYS)};
    if (err == RK_OK)
        err = rk_store_requests_list(r->reg->store, &f, flag_request, r);
    return err == RK_OK ? RK_OK : failed(r->reg->store, r->msg, "listing tasks and requests", err);
}

/* ---- The run -------------------------------------------------------------------------------- */

static rk_err run_rules(struct run *r) {
    rk_err err = RK_OK;
    for (size_t i = 0; i < r->reg->decl->nregisters && err == RK_OK; i++)
        if (governed(&r->reg->decl->registers[i]))
            err = rule_entries(r, &r->reg->decl->registers[i]);
    if (err == RK_OK)
        err = rule_invoices(r);
    if (err == RK_OK)
        err = rule_contracts(r);
    if (err == RK_OK)
        err = rule_purge(r, purge_outbox, RK_RETENTION_MAIL_DAYS, "sweep.mail_deleted",
                         &r->out->mail_deleted);
    if (err == RK_OK) /* answers' documents: the download window is their whole life */
        err = rule_purge(r, purge_answers, 0, "sweep.answers_deleted", &r->out->answers_deleted);
    if (err == RK_OK)
        err = rule_purge(r, purge_notices, RK_RETENTION_NOTICE_DAYS, "sweep.notices_deleted",
                         &r->out->notices_deleted);
    if (err == RK_OK && r->reg->decl->cookies.declared)
        err = rule_purge_before(r, purge_consent_log,
                                rk_cookie_log_cutoff(&r->reg->decl->cookies, r->now),
                                "sweep.consent_log_deleted", &r->out->consent_log_deleted);
    if (err == RK_OK)
        err = rule_flags(r);
    return err;
}

rk_err rk_retention_run(struct rk_reg *reg, rk_ts now, bool dry_run,
                        struct rk_retention_counts *out, struct rk_error *msg) {
    memset(out, 0, sizeof *out);
    struct run r = {reg, now, rk_ts_date(now), dry_run, out, msg, {.own = false}};
    if (!dry_run)
        return run_rules(&r);
    rk_err err = rk_reg_batch_begin(reg);
    if (err != RK_OK)
        return failed(reg->store, msg, "beginning the dry run", err);
    err = run_rules(&r);
    rk_reg_batch_rollback(reg);
    return err;
}

bool rk_retention_deleted_personal(const struct rk_retention_counts *c) {
    return c->entries_erased || c->persons_deleted || c->invoices_deleted || c->contracts_deleted ||
           c->mail_deleted || c->notices_deleted || c->consent_log_deleted || c->answers_deleted;
}

void rk_retention_summary(const struct rk_retention_counts *c, char *buf, size_t n) {
    size_t used = strnlen(buf, n);
    if (used + 1 >= n)
        return;
    snprintf(buf + used, n - used,
             " erased=%lld persons=%lld records=%lld mail=%lld notices=%lld "
             "late=%lld/%lld/%lld",
             (long long)c->entries_erased, (long long)c->persons_deleted,
             (long long)c->invoices_deleted + (long long)c->contracts_deleted,
             (long long)c->mail_deleted, (long long)c->notices_deleted, (long long)c->art14_overdue,
             (long long)c->requests_overdue, (long long)c->requests_due_soon);
    used = strnlen(buf, n);
    if (c->consent_log_deleted && used + 1 < n)
        snprintf(buf + used, n - used, " cookies=%lld", (long long)c->consent_log_deleted);
    used = strnlen(buf, n);
    if (c->answers_deleted && used + 1 < n)
        snprintf(buf + used, n - used, " answers=%lld", (long long)c->answers_deleted);
}
