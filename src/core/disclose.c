/*
 * disclose.c — the sync of a client recipient (core/disclose.h has the design): the desired
 * state of each person, the difference from the disclosure rows by keyed digest, the puts and
 * their records, the pass's record; and the deliverer's question (rk_disclose_synced).
 */
#include "core/disclose.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/contact.h"
#include "core/reg_impl.h"
#include "core/register.h"
#include "core/work.h"
#include "keys/seal.h"
#include "worker/worker.h"

/* ---- The set of persons a pass looks at ------------------------------------------------ */

enum {
    F_IN_REGS = 1 << 0,    /* an entry in one of r's registers */
    F_RESTRICTED = 1 << 1, /* art 18 */
    F_AUDIENCE = 1 << 2,   /* in the connector purpose's audience over r's registers */
    F_VALUED = 1 << 3,     /* want and digest computed from the person's values */
    F_SAME = 1 << 4,       /* the digest of want and the values is the kept one */
};

struct slot {
    char id[RK_ID_LEN];                           /* not terminated */
    unsigned char have[RK_DISCLOSURE_DIGEST_LEN]; /* the kept digest (zero: none) */
    unsigned char held, want, flags, fields;
};

struct set {
    struct slot *v;
    size_t n, cap;
    uint32_t *idx; /* slot + 1; 0: empty */
    size_t icap;   /* a power of two, at least twice n */
};

static uint64_t id_hash(const char *id) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < RK_ID_LEN; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
    return h;
}

static rk_err set_grow_index(struct set *s) {
    size_t icap = s->icap ? s->icap * 2 : 1024;
    uint32_t *idx = calloc(icap, sizeof *idx);
    if (!idx)
        return RK_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t b = (size_t)id_hash(s->v[i].id) & (icap - 1);
        while (idx[b])
            b = (b + 1) & (icap - 1);
        idx[b] = (uint32_t)(i + 1);
    }
    free(s->idx);
    s->idx = idx;
    s->icap = icap;
    return RK_OK;
}

/* The slot of id, added (zeroed) when add and absent; NULL when absent and not added, or out
 * of memory (*oom). */
static struct slot *set_find(struct set *s, const char *id, bool add, bool *oom) {
    if (strlen(id) != RK_ID_LEN)
        return NULL;
    if (s->icap) {
        size_t b = (size_t)id_hash(id) & (s->icap - 1);
        while (s->idx[b]) {
            struct slot *x = &s->v[s->idx[b] - 1];
            if (memcmp(x->id, id, RK_ID_LEN) == 0)
                return x;
            b = (b + 1) & (s->icap - 1);
        }
    }
    if (!add)
        return NULL;
    if (s->n >= UINT32_MAX - 1 || ((s->n + 1) * 2 > s->icap && set_grow_index(s) != RK_OK)) {
        *oom = true;
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap + s->cap / 2 : 1024;
        struct slot *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            *oom = true;
            return NULL;
        }
        s->v = v;
        s->cap = cap;
    }
    struct slot *x = &s->v[s->n];
    memset(x, 0, sizeof *x);
    memcpy(x->id, id, RK_ID_LEN);
    size_t b = (size_t)id_hash(id) & (s->icap - 1);
    while (s->idx[b])
        b = (b + 1) & (s->icap - 1);
    s->idx[b] = (uint32_t)(++s->n);
    return x;
}

static void set_free(struct set *s) {
    free(s->v);
    free(s->idx);
    *s = (struct set){.v = NULL};
}

/* ---- Desired state, values and digests ---------------------------------------------------- */

struct pass {
    struct rk_reg *reg;
    const struct rk_recipient *r;
    bool by_purpose;
    unsigned char digest_key[crypto_kdf_KEYBYTES];
    struct set set;
    bool oom;
    /* The values of the person being read (entries_all groups a person's entries). */
    char cur[RK_ID_LEN + 1];
    size_t cur_from[RK_F__COUNT]; /* r's register index + 1 the value came from; 0: none */
    char *cur_v[RK_F__COUNT];
};

static bool held_disclosed(unsigned char held) {
    return held == RK_HELD_ACTIVE || held == RK_HELD_RESTRICTED;
}

/* What r should hold of the person of x (design: "Desired state"). */
static enum rk_held desired(const struct pass *p, const struct slot *x) {
    if (p->by_purpose) {
        if (x->flags & F_AUDIENCE)
            return RK_HELD_ACTIVE;
        if ((x->flags & F_RESTRICTED) && (x->flags & F_IN_REGS) && held_disclosed(x->held))
            return RK_HELD_RESTRICTED;
    } else if (x->flags & F_IN_REGS) {
        return (x->flags & F_RESTRICTED) ? RK_HELD_RESTRICTED : RK_HELD_ACTIVE;
    }
    return held_disclosed(x->held) ? RK_HELD_INACTIVE : RK_HELD_NONE;
}

/* The index of reg among r's registers, or -1. */
static int reg_index(const struct rk_recipient *r, const char *register_id) {
    for (size_t i = 0; i < r->nregisters; i++)
        if (strcmp(r->registers[i]->id, register_id) == 0)
            return (int)i;
    return -1;
}

/* Takes e's shared values where no earlier register (in r's order) gave one. */
static bool take_values(const struct rk_recipient *r, const struct rk_entry *e,
                        size_t from[RK_F__COUNT], char *v[RK_F__COUNT]) {
    int i = reg_index(r, e->register_id);
    if (i < 0)
        return true;
    const struct rk_share *sh = rk_recipient_share(r, r->registers[i]);
    for (size_t k = 0; sh && k < sh->ncategories; k++) {
        int f = rk_field_from_id(sh->categories[k]->id);
        if (f < 0 || !e->v[f] || (from[f] && from[f] <= (size_t)i + 1))
            continue;
        char *d = strdup(e->v[f]);
        if (!d)
            return false;
        free(v[f]);
        v[f] = d;
        from[f] = (size_t)i + 1;
    }
    return true;
}

static void values_clear(size_t from[RK_F__COUNT], char *v[RK_F__COUNT]) {
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (v[f]) {
            sodium_memzero(v[f], strlen(v[f]));
            free(v[f]);
        }
        v[f] = NULL;
        from[f] = 0;
    }
}

static unsigned fields_of(char *const v[RK_F__COUNT]) {
    unsigned m = 0;
    for (int f = 0; f < RK_F__COUNT; f++)
        if (v[f])
            m |= 1u << f;
    return m;
}

static void feed(crypto_generichash_state *h, const char *v) {
    unsigned char len[8];
    uint64_t n = v ? (uint64_t)strlen(v) : UINT64_MAX;
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(h, len, sizeof len);
    if (v)
        crypto_generichash_update(h, (const unsigned char *)v, (size_t)n);
}

/* The keyed digest of (held, the values sent); v NULL: no values. */
static void digest_of(const unsigned char key[crypto_kdf_KEYBYTES], enum rk_held held,
                      char *const *v, unsigned char out[RK_DISCLOSURE_DIGEST_LEN]) {
    crypto_generichash_state h;
    unsigned char st = (unsigned char)held;
    crypto_generichash_init(&h, key, crypto_kdf_KEYBYTES, RK_DISCLOSURE_DIGEST_LEN);
    feed(&h, "rekisteri-disclosure 1");
    crypto_generichash_update(&h, &st, 1);
    for (int f = 0; f < RK_F__COUNT; f++)
        feed(&h, v ? v[f] : NULL);
    crypto_generichash_final(&h, out, RK_DISCLOSURE_DIGEST_LEN);
}

/* The values a put of want carries, from everything the person holds (v): all of them but
 * for INACTIVE, which carries none when the recipient's key is known, else only the email. */
static void values_for(enum rk_held want, bool has_remote, char *v[RK_F__COUNT],
                       char *out[RK_F__COUNT]) {
    for (int f = 0; f < RK_F__COUNT; f++)
        out[f] = want == RK_HELD_INACTIVE && (has_remote || f != RK_F_EMAIL) ? NULL : v[f];
}

/* Sets x's want, digest and fields from the values v (NULL: none held). */
static void settle(const struct pass *p, struct slot *x, char *v[RK_F__COUNT]) {
    char *none[RK_F__COUNT] = {NULL};
    char *sent[RK_F__COUNT];
    enum rk_held want = desired(p, x);
    /* The digest ignores whether the remote key is known: it covers the values of an
     * ACTIVE or RESTRICTED put, and none for INACTIVE. */
    values_for(want, true, v ? v : none, sent);
    x->want = (unsigned char)want;
    x->fields = (unsigned char)fields_of(sent);
    unsigned char digest[RK_DISCLOSURE_DIGEST_LEN];
    digest_of(p->digest_key, want, sent, digest);
    if (sodium_memcmp(digest, x->have, sizeof digest) == 0)
        x->flags |= F_SAME;
    x->flags |= F_VALUED;
}

static void flush_current(struct pass *p) {
    if (!p->cur[0])
        return;
    struct slot *x = set_find(&p->set, p->cur, false, &p->oom);
    if (x)
        settle(p, x, p->cur_v);
    values_clear(p->cur_from, p->cur_v);
    p->cur[0] = '\0';
}

static int each_entry(void *ctx, const struct rk_entry *e) {
    struct pass *p = ctx;
    if (strcmp(p->cur, e->person_id) != 0) {
        flush_current(p);
        memcpy(p->cur, e->person_id, sizeof p->cur);
    }
    if (!take_values(p->r, e, p->cur_from, p->cur_v)) {
        p->oom = true;
        return 1;
    }
    return 0;
}

static int each_member(void *ctx, const struct rk_audience_row *row) {
    struct pass *p = ctx;
    struct slot *x = set_find(&p->set, row->person_id, true, &p->oom);
    if (!x)
        return p->oom ? 1 : 0;
    x->flags |= F_IN_REGS;
    if (row->restricted)
        x->flags |= F_RESTRICTED;
    return 0;
}

static int each_audience(void *ctx, const struct rk_entry *e) {
    struct pass *p = ctx;
    struct slot *x = set_find(&p->set, e->person_id, true, &p->oom);
    if (x)
        x->flags |= F_AUDIENCE;
    return p->oom ? 1 : 0;
}

static bool in_recipients_registers(void *ctx, const struct rk_register *reg) {
    return reg_index(ctx, reg->id) >= 0;
}

static int each_disclosure(void *ctx, const struct rk_disclosure *d) {
    struct pass *p = ctx;
    struct slot *x = set_find(&p->set, d->person_id, true, &p->oom);
    if (!x)
        return p->oom ? 1 : 0;
    x->held = (unsigned char)d->held;
    memcpy(x->have, d->digest, sizeof x->have);
    return 0;
}

static bool differs(const struct slot *x) {
    if (x->want == RK_HELD_NONE)
        return false;
    if (x->want != x->held)
        return true;
    return x->want != RK_HELD_INACTIVE && !(x->flags & F_SAME);
}

static const char *action_of(enum rk_held was, enum rk_held want) {
    if (want == RK_HELD_INACTIVE)
        return "remove";
    if (want == RK_HELD_RESTRICTED)
        return "restrict";
    return held_disclosed((unsigned char)was) ? "change" : "add";
}

/* The event's word for an action. */
static const char *event_of(const char *action) {
    if (strcmp(action, "add") == 0)
        return "added";
    if (strcmp(action, "change") == 0)
        return "changed";
    if (strcmp(action, "restrict") == 0)
        return "restricted";
    return "removed";
}

/* ---- One put: its values, its record ------------------------------------------------------ */

struct prep {
    struct slot *x;
    char id[RK_ID_LEN + 1];
    size_t from[RK_F__COUNT];
    char *all[RK_F__COUNT];
    struct rk_contact values;
    char remote[RK_CLIENT_REMOTE_MAX + 1];
    unsigned char digest[RK_DISCLOSURE_DIGEST_LEN];
    unsigned fields;
    struct rk_client_put put;
};

static void prep_clear(struct prep *q) { values_clear(q->from, q->all); }

struct entries_ctx {
    const struct rk_recipient *r;
    struct prep *q;
    bool oom;
};

static int prep_entry(void *ctx, const struct rk_entry *e) {
    struct entries_ctx *c = ctx;
    if (!take_values(c->r, e, c->q->from, c->q->all))
        c->oom = true;
    return c->oom ? 1 : 0;
}

struct remote_ctx {
    unsigned char *sealed;
    size_t len;
    bool oom;
};

static int copy_remote(void *ctx, const struct rk_disclosure *d) {
    struct remote_ctx *c = ctx;
    if (d->remote_sealed && d->remote_sealed_len > 0) {
        c->sealed = malloc(d->remote_sealed_len);
        if (!c->sealed)
            c->oom = true;
        else
            memcpy(c->sealed, d->remote_sealed, d->remote_sealed_len);
        c->len = d->remote_sealed_len;
    }
    return 1;
}

/* The recipient's key of the person, opened ("" when none or it does not open: a key file
 * that lost the old generation; the client then finds the person by its values). */
static rk_err remote_of(struct rk_reg *reg, const char *recipient, const char *person_id,
                        char out[RK_CLIENT_REMOTE_MAX + 1]) {
    struct remote_ctx c = {.sealed = NULL};
    out[0] = '\0';
    rk_err err = rk_store_disclosure_get(reg->store, recipient, person_id, copy_remote, &c);
    if (err == RK_ENOENT)
        err = RK_OK;
    if (err == RK_OK && c.oom)
        err = RK_ENOMEM;
    if (err == RK_OK && c.sealed) {
        struct rk_seal_ad ad;
        char *plain = NULL;
        size_t n = 0;
        rk_seal_ad_disclosure(recipient, person_id, &ad);
        if (rk_seal_open(reg->keys.notice, &ad, c.sealed, c.len, &plain, &n) == RK_OK) {
            if (n <= RK_CLIENT_REMOTE_MAX)
                memcpy(out, plain, n + 1);
            rk_seal_free(plain, n);
        }
    }
    free(c.sealed);
    return err;
}

/* Builds the put of x: reads the person's values again (they may have changed since the
 * scan; the digest recorded is of what is sent). */
static rk_err prep_build(struct pass *p, struct slot *x, struct prep *q) {
    memset(q, 0, sizeof *q);
    q->x = x;
    memcpy(q->id, x->id, RK_ID_LEN);
    q->id[RK_ID_LEN] = '\0';
    struct entries_ctx c = {.r = p->r, .q = q};
    rk_err err = rk_store_entries_of_person(p->reg->store, q->id, prep_entry, &c);
    if (err == RK_OK && c.oom)
        err = RK_ENOMEM;
    if (err == RK_OK)
        err = remote_of(p->reg, p->r->id, q->id, q->remote);
    if (err != RK_OK) {
        prep_clear(q);
        return err;
    }
    enum rk_held want = (enum rk_held)x->want;
    char *sent[RK_F__COUNT], *digested[RK_F__COUNT];
    values_for(want, q->remote[0] != '\0', q->all, sent);
    values_for(want, true, q->all, digested);
    for (int f = 0; f < RK_F__COUNT; f++)
        q->values.v[f] = sent[f];
    q->fields = fields_of(sent);
    digest_of(p->digest_key, want, digested, q->digest);
    q->put = (struct rk_client_put){.person_id = q->id,
                                    .values = q->fields ? &q->values : NULL,
                                    .want = want,
                                    .was = (enum rk_held)x->held,
                                    .remote = q->remote};
    return RK_OK;
}

/* The category ids of fields, comma-separated. */
static void categories_of(unsigned fields, char *out, size_t n) {
    size_t len = 0;
    out[0] = '\0';
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (!(fields & (1u << f)))
            continue;
        int w = snprintf(out + len, n - len, "%s%s", len ? "," : "", rk_field_id((enum rk_field)f));
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

/* Records an accepted put (or an adopted person: no event) in its own unit of work. */
static rk_err record_ok(struct pass *p, const struct prep *q, const char *remote, rk_ts now,
                        bool event) {
    unsigned char *sealed = NULL;
    size_t slen = 0;
    rk_err err = RK_OK;
    if (remote && remote[0]) {
        struct rk_seal_ad ad;
        rk_seal_ad_disclosure(p->r->id, q->id, &ad);
        err = rk_seal(p->reg->keys.notice, &ad, remote, strlen(remote), &sealed, &slen);
    }
    struct rk_disclosure d = {.recipient = p->r->id,
                              .held = q->put.want,
                              .remote_sealed = sealed,
                              .remote_sealed_len = slen,
                              .first_at = now,
                              .last_at = now};
    memcpy(d.person_id, q->id, sizeof d.person_id);
    memcpy(d.digest, q->digest, sizeof d.digest);
    struct rk_work tx;
    if (err == RK_OK)
        err = rk_reg_work_begin(p->reg, &tx);
    if (err == RK_OK) {
        rk_err w = rk_store_disclosure_put(p->reg->store, &d);
        if (w == RK_OK && event) {
            char cats[128];
            categories_of(q->fields, cats, sizeof cats);
            w = rk_store_disclosure_event_add(
                p->reg->store, q->id, p->r->id,
                event_of(action_of((enum rk_held)q->x->held, q->put.want)), cats, now);
        }
        /* RK_ENOENT: the person was erased meanwhile; nothing to record. */
        err = rk_reg_work_end(p->reg, &tx, w == RK_ENOENT ? RK_OK : w);
    }
    free(sealed);
    return err;
}

static rk_err record_fail(struct pass *p, const struct prep *q, const char *error, rk_ts now) {
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(p->reg, &tx);
    if (err == RK_OK) {
        rk_err w = rk_store_disclosure_fail(p->reg->store, p->r->id, q->id, error, now);
        err = rk_reg_work_end(p->reg, &tx, w == RK_ENOENT ? RK_OK : w);
    }
    return err;
}

/* ---- The pass ------------------------------------------------------------------------------ */

struct run {
    struct pass *p;
    struct rk_client *c;
    const struct rk_sync_options *o;
    struct rk_sync_report *out;
    rk_ts now;
    long long done, total;
    int64_t added, changed, removed;
    bool ended; /* a transient outcome or stop: the pass ends */
};

/* Records one outcome; sets ended when the pass must end. */
static rk_err outcome(struct run *u, const struct prep *q, const struct rk_client_result *res) {
    rk_err err = RK_OK;
    if (res->outcome == RK_CONNECT_OK) {
        err = record_ok(u->p, q, res->remote, u->now, true);
        if (err == RK_OK) {
            u->out->sent++;
            const char *a = action_of((enum rk_held)q->x->held, q->put.want);
            if (strcmp(a, "add") == 0)
                u->added++;
            else if (strcmp(a, "remove") == 0)
                u->removed++;
            else
                u->changed++;
        }
    } else if (res->outcome == RK_CONNECT_PERMANENT && !res->stop) {
        /* A stop is the connector's fault (credentials, a 403), not this person's. */
        err = record_fail(u->p, q, res->error, u->now);
        u->out->failed++;
        snprintf(u->out->error, sizeof u->out->error, "%s", res->error);
    } else {
        u->ended = true;
        u->out->retry_after_s = res->retry_after_s;
        snprintf(u->out->error, sizeof u->out->error, "%s", res->error);
    }
    if (res->stop) {
        u->ended = true;
        u->out->stopped = true;
        snprintf(u->out->error, sizeof u->out->error, "%s", res->error);
    }
    return err;
}

static void progress(struct run *u) {
    if (u->o->progress)
        u->o->progress(u->o->progress_ctx, u->done, u->total);
}

/* Sends the n differences of todo (slot indices) one by one or in batches. */
static rk_err send_all(struct run *u, const uint32_t *todo, size_t n) {
    struct rk_client *c = u->c;
    size_t min = u->o->batch_min ? u->o->batch_min : c->ops->batch_min;
    size_t max = c->ops->batch_max ? c->ops->batch_max : 500;
    bool batched = min > 0 && n >= min && c->ops->put_many;
    size_t chunk = batched ? max : 1;
    struct prep *q = calloc(chunk, sizeof *q);
    struct rk_client_put *puts = calloc(chunk, sizeof *puts);
    struct rk_client_result *res = calloc(chunk, sizeof *res);
    rk_err err = q && puts && res ? RK_OK : RK_ENOMEM;
    for (size_t at = 0; err == RK_OK && !u->ended && at < n;) {
        size_t k = 0;
        for (; err == RK_OK && k < chunk && at < n; at++) {
            struct slot *x = &u->p->set.v[todo[at]];
            err = prep_build(u->p, x, &q[k]);
            if (err == RK_OK) {
                puts[k] = q[k].put;
                k++;
            }
        }
        if (err == RK_OK && k > 0) {
            memset(res, 0, k * sizeof *res);
            if (batched)
                err = rk_client_put_many(c, puts, k, res, u->o->progress, u->o->progress_ctx);
            else
                err = rk_client_put(c, &puts[0], &res[0]);
        }
        /* Every outcome of a batch is recorded, also those after a transient one: what the
         * recipient accepted is held there. The next chunk is not sent once the pass ends. */
        for (size_t i = 0; i < k; i++) {
            if (err == RK_OK) {
                err = outcome(u, &q[i], &res[i]);
                u->done++;
            }
            prep_clear(&q[i]);
        }
        if (!batched)
            progress(u);
    }
    free(q);
    free(puts);
    free(res);
    return err;
}

struct sync_row {
    int attempts;
    rk_ts complete_at;
};

static int copy_sync(void *ctx, const struct rk_recipient_sync *rs) {
    struct sync_row *row = ctx;
    row->attempts = rs->attempts;
    row->complete_at = rs->complete_at;
    return 1;
}

/* The pass's record (design: "The pass's record") and its audit event. */
static rk_err record_pass(struct run *u) {
    struct rk_reg *reg = u->p->reg;
    struct sync_row row = {0};
    rk_err err = rk_store_recipient_sync_get(reg->store, u->p->r->id, copy_sync, &row);
    if (err == RK_ENOENT)
        err = RK_OK;
    if (err != RK_OK)
        return err;
    struct rk_sync_report *out = u->out;
    struct rk_recipient_sync rs = {.recipient = u->p->r->id,
                                   .last_pass_at = u->now,
                                   .complete_at = row.complete_at,
                                   .added = u->added,
                                   .changed = u->changed,
                                   .removed = u->removed,
                                   .failed = out->failed};
    if (out->complete) {
        rs.complete_at = u->now;
        rs.last_error = out->failed ? out->error : NULL;
    } else {
        rs.attempts = row.attempts + 1;
        int64_t wait =
            out->retry_after_s > 0 ? out->retry_after_s : rk_worker_backoff(rs.attempts, 60);
        rs.next_at = u->now + wait;
        rs.last_error = out->error[0] ? out->error : "the pass ended early";
    }
    struct rk_work tx;
    err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK)
        err = rk_reg_work_end(reg, &tx, rk_store_recipient_sync_put(reg->store, &rs));
    if (err == RK_OK && (out->sent || out->adopted || out->failed)) {
        char detail[256];
        snprintf(detail, sizeof detail,
                 "recipient=%s added=%lld changed=%lld removed=%lld adopted=%lld failed=%lld "
                 "complete=%s",
                 u->p->r->id, (long long)u->added, (long long)u->changed, (long long)u->removed,
                 out->adopted, out->failed, out->complete ? "yes" : "no");
        err = rk_reg_audit(reg, "recipient.sync", NULL, detail, u->now);
    }
    return err;
}

static rk_err store_fail(struct rk_reg *reg, rk_err err, const char *what, struct rk_error *e) {
    return rk_error_set(e, err, NULL, "the sync could not %s: %s (%s)", what, rk_err_str(err),
                        err == RK_ENOMEM ? "out of memory" : rk_store_errmsg(reg->store));
}

/* Steps A–E of a pass: the set of persons, each one's desired state and digest. */
static rk_err scan(struct pass *p, rk_ts now, struct rk_error *e) {
    struct rk_store *s = p->reg->store;
    rk_err err = RK_OK;
    for (size_t i = 0; err == RK_OK && i < p->r->nregisters; i++)
        err = rk_store_audience_rows(s, p->r->registers[i]->id, NULL, each_member, p);
    if (err == RK_OK && p->oom)
        err = RK_ENOMEM;
    if (err != RK_OK)
        return store_fail(p->reg, err, "read the recipient's registers", e);
    if (p->by_purpose) {
        struct rk_error m = RK_ERROR_INIT;
        err = rk_reg_audience_in(p->reg, p->r->connector.purpose->id, now, in_recipients_registers,
                                 (void *)p->r, each_audience, p, &m);
        if (err == RK_OK && p->oom)
            err = RK_ENOMEM;
        if (err != RK_OK)
            return rk_error_set(e, err, NULL, "the sync could not read the audience: %s",
                                m.message[0] ? m.message : rk_err_str(err));
    }
    err = rk_store_disclosure_each(s, p->r->id, each_disclosure, p);
    if (err == RK_OK && p->oom)
        err = RK_ENOMEM;
    if (err != RK_OK)
        return store_fail(p->reg, err, "read what the recipient holds", e);
    err = rk_store_entries_all(s, each_entry, p);
    if (err == RK_OK && !p->oom)
        flush_current(p);
    values_clear(p->cur_from, p->cur_v);
    if (err == RK_OK && p->oom)
        err = RK_ENOMEM;
    if (err != RK_OK)
        return store_fail(p->reg, err, "read the persons' values", e);
    for (size_t i = 0; i < p->set.n; i++)
        if (!(p->set.v[i].flags & F_VALUED))
            settle(p, &p->set.v[i], NULL);
    return RK_OK;
}

rk_err rk_sync_recipient(struct rk_reg *reg, const struct rk_recipient *r, struct rk_client *c,
                         rk_ts now, const struct rk_sync_options *o, struct rk_sync_report *out,
                         struct rk_error *e) {
    static const struct rk_sync_options defaults = {.dry_run = false};
    if (!o)
        o = &defaults;
    *out = (struct rk_sync_report){.complete = false};
    if (!rk_client_speaks(r))
        return rk_error_set(e, RK_EINVAL, NULL,
                            "recipient '%s' has no mailchimp or salesforce connector", r->id);
    if (!c && !o->dry_run)
        return rk_error_set(e, RK_EINVAL, NULL, "recipient '%s': no client to sync through", r->id);
    if (r->nshares == 0)
        return rk_error_set(e, RK_EREFUSED, NULL,
                            "recipient '%s' declares no shares: nothing may be sent to it", r->id);
    struct pass *p = calloc(1, sizeof *p);
    if (!p)
        return rk_error_set(e, RK_ENOMEM, NULL, "the sync is out of memory");
    p->reg = reg;
    p->r = r;
    p->by_purpose = r->connector.purpose != NULL;
    crypto_kdf_derive_from_key(p->digest_key, sizeof p->digest_key, 1, "rkdisclo",
                               reg->keys.notice);
    rk_err err = scan(p, now, e);
    bool said = err != RK_OK; /* e holds the error already */

    /* The differences, in the set's order (registers first, then disclosures). */
    uint32_t *todo = NULL;
    size_t ntodo = 0;
    if (err == RK_OK) {
        todo = malloc((p->set.n ? p->set.n : 1) * sizeof *todo);
        if (!todo) {
            err = rk_error_set(e, RK_ENOMEM, NULL, "the sync is out of memory");
            said = true;
        }
    }
    for (size_t i = 0; err == RK_OK && todo && i < p->set.n; i++) {
        struct slot *x = &p->set.v[i];
        if (!differs(x)) {
            out->unchanged += x->want != RK_HELD_NONE;
            continue;
        }
        char id[RK_ID_LEN + 1];
        memcpy(id, x->id, RK_ID_LEN);
        id[RK_ID_LEN] = '\0';
        const char *a = action_of((enum rk_held)x->held, (enum rk_held)x->want);
        if (x->want == RK_HELD_INACTIVE)
            out->remove++;
        else if (x->want == RK_HELD_RESTRICTED)
            out->restrict_++;
        else if (held_disclosed(x->held))
            out->change++;
        else
            out->add++;
        if (o->each) {
            struct rk_sync_diff d = {.person_id = id,
                                     .was = (enum rk_held)x->held,
                                     .want = (enum rk_held)x->want,
                                     .action = a,
                                     .fields = x->fields};
            (void)o->each(o->each_ctx, &d);
        }
        todo[ntodo++] = (uint32_t)i;
    }
    if (err != RK_OK || o->dry_run) {
        out->complete = err == RK_OK;
        free(todo);
        set_free(&p->set);
        sodium_memzero(p, sizeof *p);
        free(p);
        return err;
    }

    struct run u = {.p = p, .c = c, .o = o, .out = out, .now = now, .total = (long long)ntodo};
    /* Adopted persons: recorded as held, nothing sent. */
    size_t nsend = 0;
    for (size_t i = 0; err == RK_OK && i < ntodo; i++) {
        struct slot *x = &p->set.v[todo[i]];
        char id[RK_ID_LEN + 1];
        memcpy(id, x->id, RK_ID_LEN);
        id[RK_ID_LEN] = '\0';
        if (!o->adopt || !o->adopt(o->adopt_ctx, id, (enum rk_held)x->want)) {
            todo[nsend++] = todo[i];
            continue;
        }
        struct prep q;
        char key[RK_CLIENT_REMOTE_MAX + 1] = "";
        err = prep_build(p, x, &q);
        /* the key a put would have returned, so that a later removal finds the person */
        if (err == RK_OK && !(c && rk_client_remote(c, &q.put, key)))
            snprintf(key, sizeof key, "%s", q.remote);
        if (err == RK_OK)
            err = record_ok(p, &q, key, now, false);
        prep_clear(&q);
        if (err == RK_OK) {
            out->adopted++;
            u.done++;
        }
    }
    if (err == RK_OK)
        err = send_all(&u, todo, nsend);
    if (err == RK_OK) {
        out->complete = !u.ended;
        err = record_pass(&u);
    }
    if (err != RK_OK && !said)
        err = store_fail(reg, err, "send and record the differences", e);
    free(todo);
    set_free(&p->set);
    sodium_memzero(p, sizeof *p);
    free(p);
    return err;
}

/* ---- The deliverer's question ---------------------------------------------------------- */

struct synced_row {
    bool failed;
    char *error;
    size_t errorsz;
};

/* ---- What the recipient did itself ------------------------------------------------------ */

struct heard_row {
    bool found;
    struct rk_disclosure d;
    unsigned char *sealed;
};

static int copy_heard(void *ctx, const struct rk_disclosure *d) {
    struct heard_row *h = ctx;
    h->d = *d;
    h->d.recipient = NULL;
    h->d.error = NULL;
    h->d.remote_sealed = NULL;
    h->d.remote_sealed_len = 0;
    if (d->remote_sealed && d->remote_sealed_len) {
        h->sealed = malloc(d->remote_sealed_len);
        if (!h->sealed)
            return 1;
        memcpy(h->sealed, d->remote_sealed, d->remote_sealed_len);
        h->d.remote_sealed = h->sealed;
        h->d.remote_sealed_len = d->remote_sealed_len;
    }
    h->found = true;
    return 0;
}

struct heard_values {
    const struct rk_recipient *r;
    size_t from[RK_F__COUNT];
    char *v[RK_F__COUNT];
    bool oom;
};

static int heard_entry(void *ctx, const struct rk_entry *e) {
    struct heard_values *h = ctx;
    if (!take_values(h->r, e, h->from, h->v)) {
        h->oom = true;
        return 1;
    }
    return 0;
}

/* The digest a pass would keep for person_id held active by r, from the register now. */
static rk_err heard_digest(struct rk_reg *reg, const struct rk_recipient *r, const char *person_id,
                           unsigned char out[RK_DISCLOSURE_DIGEST_LEN]) {
    struct heard_values h = {.r = r};
    rk_err err = rk_store_entries_of_person(reg->store, person_id, heard_entry, &h);
    if (err == RK_OK && h.oom)
        err = RK_ENOMEM;
    if (err == RK_OK) {
        unsigned char key[crypto_kdf_KEYBYTES];
        crypto_kdf_derive_from_key(key, sizeof key, 1, "rkdisclo", reg->keys.notice);
        digest_of(key, RK_HELD_ACTIVE, h.v, out);
        sodium_memzero(key, sizeof key);
    }
    values_clear(h.from, h.v);
    return err;
}

rk_err rk_disclose_heard(struct rk_reg *reg, const struct rk_recipient *r, const char *person_id,
                         enum rk_held held, rk_ts at) {
    if (!rk_client_speaks(r) || (held != RK_HELD_INACTIVE && held != RK_HELD_ACTIVE))
        return RK_OK;
    struct heard_row h = {.found = false};
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK) {
        rk_err w = rk_store_disclosure_get(reg->store, r->id, person_id, copy_heard, &h);
        if (w == RK_OK && !h.found)
            w = RK_ENOMEM; /* the copy failed */
        if (w == RK_OK && held == RK_HELD_ACTIVE && h.d.held == RK_HELD_ACTIVE) {
            h.d.recipient = r->id;
            w = heard_digest(reg, r, person_id, h.d.digest);
            if (w == RK_OK)
                w = rk_store_disclosure_put(reg->store, &h.d);
        } else if (w == RK_OK && held == RK_HELD_INACTIVE &&
                   held_disclosed((unsigned char)h.d.held)) {
            h.d.recipient = r->id;
            h.d.held = held;
            h.d.last_at = at;
            w = rk_store_disclosure_put(reg->store, &h.d);
            if (w == RK_OK)
                w = rk_store_disclosure_event_add(reg->store, person_id, r->id, "removed", "", at);
        }
        err = rk_reg_work_end(reg, &tx, w == RK_ENOENT ? RK_OK : w);
    }
    free(h.sealed);
    return err;
}

static int copy_error(void *ctx, const struct rk_disclosure *d) {
    struct synced_row *row = ctx;
    if (d->error) {
        row->failed = true;
        snprintf(row->error, row->errorsz, "%s", d->error);
    }
    return 1;
}

rk_err rk_disclose_synced(void *ctx, struct rk_store *s, const char *recipient,
                          const char *person_id, rk_ts since, enum rk_sync_says *out, char *error,
                          size_t errorsz) {
    (void)ctx;
    struct sync_row row = {0};
    if (error && errorsz)
        error[0] = '\0';
    rk_err err = rk_store_recipient_sync_get(s, recipient, copy_sync, &row);
    if (err == RK_ENOENT || (err == RK_OK && (row.complete_at == 0 || row.complete_at <= since))) {
        *out = RK_SYNC_WAIT;
        return RK_OK;
    }
    if (err != RK_OK)
        return err;
    char none[1];
    struct synced_row d = {.error = error && errorsz ? error : none,
                           .errorsz = error && errorsz ? errorsz : sizeof none};
    err = rk_store_disclosure_get(s, recipient, person_id, copy_error, &d);
    if (err == RK_ENOENT)
        err = RK_OK;
    if (err == RK_OK)
        *out = d.failed ? RK_SYNC_FAILED : RK_SYNC_DONE;
    return err;
}
