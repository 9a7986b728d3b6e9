/*
 * sweep.c — the retention sweep (see sweep.h): consents past their validity
 * expired through the consent rules, unconfirmed signups past expires_at
 * removed, each action audited, in batches per transaction (RK_SWEEP_BATCH, or the consent
 * rule's sized by time: sweep.h, rk_sweep_run_paced).
 *
 * The signup rule reads each batch first (the store's cursor is closed before any write),
 * then acts on it; the consent rule is one store operation per batch inside the batch's write
 * transaction (consents_expire: picks and expires set-based), then the batch's audit events.
 * An acted-on row no longer matches the query, so the next batch starts where this one ended;
 * a batch in which nothing could be done (every row refused) ends the rule, so a refused row
 * cannot loop forever.
 * A run holds the store's lease "sweep" throughout (sweep.h): none when another has it.
 */
#include "core/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "core/audit.h"
#include "core/reg_impl.h"
#include "core/reg_write.h"
#include "core/rights.h"

/* The run's hold on the store's lease "sweep" (sweep.h). */
struct run_lease {
    char holder[RK_ID_LEN + 1];
    rk_ts renewed; /* wall clock of the last take */
};

#define LEASE_NAME "sweep"

/* Takes (or renews) the lease for RK_SWEEP_LEASE_S from the wall clock (never the run's own
 * `now`, which --now may put anywhere); *got whether the run has it. */
static rk_err lease_take(struct rk_reg *reg, struct run_lease *l, bool *got) {
    rk_ts wall = rk_time_now();
    rk_err err =
        rk_store_lease_take(reg->store, LEASE_NAME, l->holder, wall, wall + RK_SWEEP_LEASE_S, got);
    if (err == RK_OK && *got)
        l->renewed = wall;
    return err;
}

/* After a batch: the lease renewed once a tenth of it has passed. A failure or a lease lost
 * meanwhile (it ran out and another run took it) does not stop this run: each batch is its
 * own transaction, so two runs at once repeat no action; the next renewal tries again. */
static void lease_renew(struct rk_reg *reg, struct run_lease *l) {
    if (!l || rk_time_now() - l->renewed < RK_SWEEP_LEASE_S / 10)
        return;
    bool got = false;
    if (lease_take(reg, l, &got) != RK_OK || !got) {
        /* tried again after the next batch */
    }
}

struct rk_pair {
    char person_id[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
};

struct collect {
    const struct rk_decl *decl;
    struct rk_pair *rows; /* NULL: count only */
    int n, cap;
    int64_t counted, refused;
};

/* Whether purpose is declared and rests on consent: otherwise rk_reg_consent refuses it. */
static bool consent_purpose(const struct rk_decl *d, const char *purpose) {
    const struct rk_purpose *p = rk_decl_purpose(d, purpose);
    return p && p->basis == RK_BASIS_CONSENT;
}

static int collect_row(void *ctx, const char *person_id, const char *purpose) {
    struct collect *c = ctx;
    if (!c->rows) {
        if (consent_purpose(c->decl, purpose))
            c->counted++;
        else
            c->refused++;
        return 0;
    }
    if (c->n >= c->cap || strlen(person_id) > RK_ID_LEN || strlen(purpose) > RK_DECL_ID_MAX)
        return -1;
    snprintf(c->rows[c->n].person_id, sizeof c->rows[c->n].person_id, "%s", person_id);
    snprintf(c->rows[c->n].purpose, sizeof c->rows[c->n].purpose, "%s", purpose);
    c->n++;
    return 0;
}

static rk_err failed(const struct rk_store *s, struct rk_error *msg, const char *what, rk_err err) {
    snprintf(msg->message, sizeof msg->message, "sweep: %.160s: %s (%.100s)", what,
             rk_err_name(err), rk_store_errmsg(s));
    return msg->code = err;
}

/* Ends a batch's unit of work (core/work.h): committed when err is RK_OK, else rolled back. */
static rk_err end_batch(struct rk_reg *reg, const struct rk_work *w, rk_err err,
                        struct rk_error *msg) {
    rk_err end = rk_reg_work_end(reg, w, err);
    return err == RK_OK && end != RK_OK ? failed(reg->store, msg, "committing a batch", end) : end;
}

static struct rk_consent_input expiry_at(rk_ts now) {
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "retention_sweep";
    in.lang = RK_LANG_FI;
    in.at = now;
    return in;
}

/* Deletes one run-out signup, expires its pending consent and audits the action. */
static rk_err expire_signup(struct rk_reg *reg, const struct rk_pair *r, rk_ts now, bool *done,
                            struct rk_error *msg) {
    *done = false;
    rk_err err = rk_store_signup_delete(reg->store, r->person_id, r->purpose);
    if (err == RK_ENOENT)
        return RK_OK;
    if (err != RK_OK)
        return failed(reg->store, msg, "deleting a signup", err);
    struct rk_consent_state st;
    if ((err = rk_store_consent_state_get(reg->store, r->person_id, r->purpose, &st)) != RK_OK)
        return failed(reg->store, msg, "reading a consent state", err);
    if (st.status == RK_CONSENT_PENDING && consent_purpose(reg->decl, r->purpose)) {
        struct rk_consent_input in = expiry_at(now);
        struct rk_error m = RK_ERROR_INIT;
        err = rk_reg_consent(reg, r->person_id, r->purpose, RK_CE_EXPIRED, &in, &m);
        if (err != RK_OK && err != RK_EREFUSED)
            return failed(reg->store, msg, m.message, err);
    }
    *done = true;
    if ((err = rk_reg_audit(reg, "sweep.signup_expired", r->person_id, r->purpose, now)) != RK_OK)
        return err;
    /* A newcomer who never confirmed is in no register: what is left of them (the person
     * row, the pending consent's ledger with its IP address) has no purpose any more. */
    struct rk_erase_report rep;
    memset(&rep, 0, sizeof rep);
    if ((err = rk_rights_settle(reg, r->person_id, &rep)) != RK_OK)
        return failed(reg->store, msg, "settling what is left of the person", err);
    return rep.person_deleted
               ? rk_reg_audit(reg, "sweep.person_deleted", r->person_id, "signup_expired", now)
               : RK_OK;
}

typedef rk_err (*list_fn)(struct rk_store *s, rk_ts now, int limit, rk_person_purpose_fn fn,
                          void *ctx);

static rk_err list_signups(struct rk_store *s, rk_ts now, int limit, rk_person_purpose_fn fn,
                           void *ctx) {
    return rk_store_signups_run_out(s, now, limit, fn, ctx);
}
typedef rk_err (*act_fn)(struct rk_reg *reg, const struct rk_pair *r, rk_ts now, bool *done,
                         struct rk_error *msg);

/* Runs one rule to the end in batches; adds what it did to *done_n and what it refused to
 * *skipped. */
static rk_err run_rule(struct rk_reg *reg, list_fn list, act_fn act, rk_ts now, int batch,
                       int64_t *done_n, int64_t *skipped, struct run_lease *lease,
                       struct rk_error *msg) {
    struct collect c = {reg->decl, calloc((size_t)batch, sizeof(struct rk_pair)), 0, batch, 0, 0};
    if (!c.rows)
        return failed(reg->store, msg, "allocating a batch", RK_ENOMEM);
    rk_err err = RK_OK;
    for (;;) {
        c.n = 0;
        if ((err = list(reg->store, now, batch, collect_row, &c)) != RK_OK) {
            err = failed(reg->store, msg, "listing what has run out", err);
            break;
        }
        if (c.n == 0)
            break;
        struct rk_work w;
        if ((err = rk_reg_work_begin(reg, &w)) != RK_OK) {
            err = failed(reg->store, msg, "beginning a batch", err);
            break;
        }
        int64_t did = 0;
        for (int i = 0; i < c.n && err == RK_OK; i++) {
            bool done = false;
            err = act(reg, &c.rows[i], now, &done, msg);
            did += done;
        }
        if ((err = end_batch(reg, &w, err, msg)) != RK_OK)
            break;
        lease_renew(reg, lease);
        *done_n += did;
        if (did == 0 || c.n < batch) {
            *skipped += c.n - did;
            break;
        }
    }
    free(c.rows);
    return err;
}

/* ---- The consent rule (issue 18: set-based) ----
 * Each batch is one store operation inside its own write transaction (consents_expire): the
 * store picks the batch (live, run out, purpose declared on consent), writes the ledger events
 * and the states and takes the persons out of the consent registers they no longer have a live
 * consent for, set-based, and names each consent expired; the two audit events of each
 * (consent.expired, as rk_reg_consent_expire writes it, and sweep.consent_expired) follow in
 * the same transaction, chained in the ledger's order. A run-out consent whose purpose is no
 * longer declared on consent is left alone and counted as skipped. */

struct expired_row {
    char person_id[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
};

struct expired_list {
    struct expired_row *rows;
    int n, cap;
};

static int collect_expired(void *ctx, const char *person_id, const char *purpose,
                           const struct rk_consent_state *st) {
    struct expired_list *c = ctx;
    (void)st;
    if (c->n >= c->cap || strlen(person_id) > RK_ID_LEN || strlen(purpose) > RK_DECL_ID_MAX)
        return -1;
    struct expired_row *r = &c->rows[c->n++];
    snprintf(r->person_id, sizeof r->person_id, "%s", person_id);
    snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
    return 0;
}

/* What consents_expire expires and which registers the persons leave, from the declaration:
 * every purpose declared on consent, and every register holding people only on consent. */
struct expiry_plan {
    struct rk_expiry x;
    const char **purposes;           /* x.purposes */
    struct rk_expiry_register *regs; /* x.registers */
    const char **reg_purposes;       /* the registers' purposes, one run after another */
    struct rk_consent_event *event;  /* x.event */
};

static void plan_free(struct expiry_plan *p) {
    free(p->purposes);
    free(p->regs);
    free(p->reg_purposes);
    free(p->event);
}

static rk_err plan_make(struct rk_reg *reg, rk_ts now, struct expiry_plan *p) {
    const struct rk_decl *d = reg->decl;
    size_t nrp = 0;
    for (size_t i = 0; i < d->nregisters; i++)
        nrp += d->registers[i].npurposes;
    memset(p, 0, sizeof *p);
    p->purposes = calloc(d->npurposes + 1, sizeof *p->purposes);
    p->regs = calloc(d->nregisters + 1, sizeof *p->regs);
    p->reg_purposes = calloc(nrp + 1, sizeof *p->reg_purposes);
    p->event = calloc(1, sizeof *p->event);
    if (!p->purposes || !p->regs || !p->reg_purposes || !p->event) {
        plan_free(p);
        return RK_ENOMEM;
    }
    for (size_t i = 0; i < d->npurposes; i++)
        if (d->purposes[i].basis == RK_BASIS_CONSENT)
            p->purposes[p->x.npurposes++] = d->purposes[i].id;
    size_t used = 0;
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        if (!rw_consent_register(r))
            continue;
        struct rk_expiry_register *e = &p->regs[p->x.nregisters++];
        e->id = r->id;
        e->purposes = &p->reg_purposes[used];
        e->npurposes = r->npurposes;
        for (size_t j = 0; j < r->npurposes; j++)
            p->reg_purposes[used++] = r->purposes[j]->id;
    }
    /* The event rw_append_consent writes for RK_CE_EXPIRED from the sweep's input. */
    struct rk_consent_event *e = p->event;
    e->kind = RK_CE_EXPIRED;
    e->basis = RK_BASIS_CONSENT;
    e->notice_version = reg->notice_version;
    snprintf(e->notice_sha256, sizeof e->notice_sha256, "%s", reg->notice_sha256[0]); /* fi */
    e->channel = "retention_sweep";
    e->collector = reg->actor;
    e->at = now;
    p->x.purposes = p->purposes;
    p->x.registers = p->regs;
    p->x.event = p->event;
    return RK_OK;
}

/* One batch: expired and audited in one transaction. *did: how many consents. */
static rk_err consent_batch(struct rk_reg *reg, const struct expiry_plan *p, struct expired_list *c,
                            rk_ts now, int64_t *did, struct rk_error *msg) {
    struct rk_work w;
    rk_err err = rk_reg_work_begin(reg, &w);
    if (err != RK_OK)
        return failed(reg->store, msg, "beginning a batch", err);
    c->n = 0;
    *did = 0;
    err = rk_store_consents_expire(reg->store, now, c->cap, &p->x, collect_expired, c, did);
    if (err != RK_OK)
        err = failed(reg->store, msg, "expiring what has run out", err);
    else if (*did != c->n)
        err = failed(reg->store, msg, "expiring what has run out", RK_EIO);
    if (err == RK_OK && *did > 0)
        reg->last_prov.id = 0; /* it may be a row just deleted */
    for (int i = 0; i < c->n && err == RK_OK; i++) {
        err = rk_reg_audit(reg, "consent.expired", c->rows[i].person_id, c->rows[i].purpose, now);
        if (err == RK_OK)
            err = rk_reg_audit(reg, "sweep.consent_expired", c->rows[i].person_id,
                               c->rows[i].purpose, now);
        if (err != RK_OK)
            err = failed(reg->store, msg, "auditing an expiry", err);
    }
    return end_batch(reg, &w, err, msg); /* nothing to do: an empty transaction committed */
}

static rk_err list_consents(struct rk_store *s, rk_ts now, int limit, rk_person_purpose_fn fn,
                            void *ctx);
static rk_err count_rule(struct rk_reg *reg, list_fn list, rk_ts now, int64_t *n, int64_t *skipped,
                         struct rk_error *msg);

int rk_sweep_next_batch(const struct rk_sweep_pace *p, int batch, int64_t took_us) {
    const int64_t bound = RK_SWEEP_BUSY_US / 2;
    int64_t aim = p->aim_us < bound ? p->aim_us : bound;
    int64_t next = batch;
    if (p->clock && aim > 0) {
        if (took_us < 1)
            took_us = 1;
        /* batch * aim / took: grown (at most twofold) inside the aim, held between the aim
         * and the bound, cut in proportion past the bound */
        double scaled = (double)batch * (double)aim / (double)took_us;
        if (took_us <= aim)
            next = scaled > 2.0 * batch ? 2 * (int64_t)batch : (int64_t)scaled;
        else if (took_us > bound)
            next = (int64_t)scaled;
    }
    int lo = p->min > 0 ? p->min : 1, hi = p->max >= lo ? p->max : lo;
    return next < lo ? lo : next > hi ? hi : (int)next;
}

/* Runs the consent rule to the end in batches sized by pace (sweep.h), then counts what it
 * left (purposes no longer declared on consent) as skipped. */
static rk_err run_consents(struct rk_reg *reg, rk_ts now, const struct rk_sweep_pace *pace,
                           struct rk_sweep_counts *out, struct run_lease *lease,
                           struct rk_error *msg) {
    int batch = rk_sweep_next_batch(&(struct rk_sweep_pace){.min = pace->min, .max = pace->max},
                                    pace->first, 0);
    struct expired_list c = {calloc((size_t)batch, sizeof(struct expired_row)), 0, batch};
    struct expiry_plan p;
    rk_err err = c.rows ? plan_make(reg, now, &p) : RK_ENOMEM;
    if (err != RK_OK) {
        free(c.rows);
        return failed(reg->store, msg, "allocating a batch", RK_ENOMEM);
    }
    for (;;) {
        if (batch > c.cap) { /* grown: room for the larger batch (the ids only) */
            struct expired_row *more = realloc(c.rows, (size_t)batch * sizeof *more);
            if (!more) {
                err = failed(reg->store, msg, "allocating a batch", RK_ENOMEM);
                break;
            }
            c.rows = more;
        }
        c.cap = batch;
        int64_t did = 0, t0 = pace->clock ? pace->clock() : 0;
        err = consent_batch(reg, &p, &c, now, &did, msg);
        int64_t took = pace->clock ? pace->clock() - t0 : 0;
        out->consent_batches++;
        if (batch > out->batch_largest)
            out->batch_largest = batch;
        if (took > out->batch_longest_us)
            out->batch_longest_us = took;
        if (err == RK_OK && pace->on_batch)
            pace->on_batch(pace->ctx, batch, did, took);
        if (err != RK_OK || did == 0)
            break;
        lease_renew(reg, lease);
        out->consents_expired += did;
        if (did < batch)
            break;
        batch = rk_sweep_next_batch(pace, batch, took);
    }
    plan_free(&p);
    free(c.rows);
    if (err == RK_OK) {
        int64_t left = 0;
        err = count_rule(reg, list_consents, now, &left, &out->skipped, msg);
    }
    return err;
}

/* Counts what a run would do, writing nothing. */
static rk_err count_rule(struct rk_reg *reg, list_fn list, rk_ts now, int64_t *n, int64_t *skipped,
                         struct rk_error *msg) {
    struct collect c = {reg->decl, NULL, 0, 0, 0, 0};
    rk_err err = list(reg->store, now, 0, collect_row, &c);
    if (err != RK_OK)
        return failed(reg->store, msg, "listing what has run out", err);
    *n += c.counted;
    *skipped += c.refused;
    return RK_OK;
}

static rk_err list_consents(struct rk_store *s, rk_ts now, int limit, rk_person_purpose_fn fn,
                            void *ctx) {
    return rk_store_consents_run_out(s, now, limit, fn, ctx);
}

static rk_err count_signups(struct rk_reg *reg, rk_ts now, int64_t *n, struct rk_error *msg) {
    int64_t refused = 0;
    rk_err err = count_rule(reg, list_signups, now, n, &refused, msg);
    *n += refused; /* a signup is deleted whatever its purpose */
    return err;
}

static rk_err sweep_locked(struct rk_reg *reg, rk_ts now, const struct rk_sweep_pace *pace,
                           struct run_lease *lease, struct rk_sweep_counts *out,
                           struct rk_error *msg);

rk_err rk_sweep_run(struct rk_reg *reg, rk_ts now, bool dry_run, struct rk_sweep_counts *out,
                    struct rk_error *msg) {
    return rk_sweep_run_batched(reg, now, dry_run, RK_SWEEP_BATCH, out, msg);
}

rk_err rk_sweep_run_batched(struct rk_reg *reg, rk_ts now, bool dry_run, int batch,
                            struct rk_sweep_counts *out, struct rk_error *msg) {
    int b = batch < 1 ? RK_SWEEP_BATCH : batch;
    struct rk_sweep_pace fixed = {.first = b, .min = b, .max = b, .aim_us = 0, .clock = NULL};
    return rk_sweep_run_paced(reg, now, dry_run, &fixed, out, msg);
}

rk_err rk_sweep_run_paced(struct rk_reg *reg, rk_ts now, bool dry_run,
                          const struct rk_sweep_pace *pace, struct rk_sweep_counts *out,
                          struct rk_error *msg) {
    memset(out, 0, sizeof *out);
    msg->message[0] = '\0';
    if (dry_run) {
        rk_err err =
            count_rule(reg, list_consents, now, &out->consents_expired, &out->skipped, msg);
        err = err != RK_OK ? err : count_signups(reg, now, &out->signups_expired, msg);
        return err != RK_OK ? err : rk_retention_run(reg, now, true, &out->retention, msg);
    }
    struct run_lease lease = {.renewed = 0};
    rk_id_new(lease.holder);
    bool got = false;
    rk_err err = lease_take(reg, &lease, &got);
    if (err != RK_OK)
        return failed(reg->store, msg, "taking the sweep lease", err);
    if (!got) {
        out->elsewhere = true; /* another run is sweeping: skipped, not failed */
        return RK_OK;
    }
    err = sweep_locked(reg, now, pace, &lease, out, msg);
    if (rk_store_lease_drop(reg->store, LEASE_NAME, lease.holder) != RK_OK) {
        /* not held any more, or the store failed: the lease runs out by itself */
    }
    return err;
}

/* The run under the lease. */
static rk_err sweep_locked(struct rk_reg *reg, rk_ts now, const struct rk_sweep_pace *pace,
                           struct run_lease *lease, struct rk_sweep_counts *out,
                           struct rk_error *msg) {
    rk_err err = run_consents(reg, now, pace, out, lease, msg);
    int batch = pace->first > 0 ? pace->first : RK_SWEEP_BATCH;
    if (err == RK_OK)
        err = run_rule(reg, list_signups, expire_signup, now, batch, &out->signups_expired,
                       &out->skipped, lease, msg);
    lease_renew(reg, lease);
    if (err == RK_OK)
        err = rk_retention_run(reg, now, false, &out->retention, msg);
    bool personal = out->consents_expired || out->signups_expired ||
                    rk_retention_deleted_personal(&out->retention);
    if (err == RK_OK && !personal) {
        /* Nothing of ours to audit; but erasures made meanwhile by other connections (the
         * service's) may wait for a checkpoint to leave the files: PostgreSQL's rewrite
         * (docs/operations.md, erasure on PostgreSQL), SQLite's log. Nothing pending: a
         * read of one row. */
        out->checkpointed = rk_store_checkpoint(reg->store) == RK_OK;
        return RK_OK;
    }
    if (err != RK_OK)
        return err;
    char detail[RK_AUDIT_FIELD_MAX + 1];
    snprintf(detail, sizeof detail, "consents_expired=%lld signups_expired=%lld skipped=%lld",
             (long long)out->consents_expired, (long long)out->signups_expired,
             (long long)out->skipped);
    rk_retention_summary(&out->retention, detail, sizeof detail);
    if ((err = rk_reg_audit(reg, "sweep.run", NULL, detail, now)) != RK_OK)
        return failed(reg->store, msg, "auditing the run", err);
    /* secure_delete zeroed the main file's copies; the log's go with a checkpoint (busy while
     * another connection reads: the next run or checkpoint takes them). */
    out->checkpointed = rk_store_checkpoint(reg->store) == RK_OK;
    return RK_OK;
}
