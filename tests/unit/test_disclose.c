/*
 * test_disclose.c — the sync of a client recipient (core/disclose.h) against a test double
 * client whose ops record every put: who is added, changed, restricted and removed, with only
 * the shared values; what is recorded per outcome (ok, permanent, transient, stop); the
 * adopt option, the dry run, the batches, the refusals; and the deliverer's question
 * (rk_disclose_synced). Over tests/decls/full.yaml, whose recipient "mailer" (marketing:
 * name, email, interests) gets a Mailchimp connector on the purpose marketing and "crm"
 * (customer: name, email) a Salesforce one, set on the loaded declaration.
 *
 * With RK_DISCLOSE_BENCH=N set, bench_pass times a first and a second pass over N persons
 * (not a timed test: it only prints).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/id.h"
#include "core/disclose.h"
#include "core/rotate.h"
#include "core/work.h"
#include "keys/seal.h"
#include "regfix.h"
#include "testutil.h"

#define T0 "2026-03-02T10:00:00Z"

/* ---- The double client ------------------------------------------------------------------ */

#define LOG_MAX 64
struct logged {
    char id[RK_ID_LEN + 1];
    enum rk_held want, was;
    char remote[RK_CLIENT_REMOTE_MAX + 1];
    unsigned fields; /* the values given */
    char name[64], email[64];
};

struct dbl {
    struct rk_client base;
    struct rk_client_ops ops;
    int nput, nmany;
    struct logged log[LOG_MAX];
    const char *refuse; /* this person is refused for good */
    int transient_at;   /* the nth put (1-based) is transient; 0: none */
    long retry_after_s; /* of the transient outcome */
    bool stop_with_it;  /* the transient outcome says stop too */
};

static rk_err dbl_put(struct rk_client *c, const struct rk_client_put *p,
                      struct rk_client_result *r) {
    struct dbl *d = (struct dbl *)c;
    assert_true(d->nput < LOG_MAX);
    struct logged *l = &d->log[d->nput++];
    memset(l, 0, sizeof *l);
    snprintf(l->id, sizeof l->id, "%s", p->person_id);
    l->want = p->want;
    l->was = p->was;
    snprintf(l->remote, sizeof l->remote, "%s", p->remote ? p->remote : "");
    for (int f = 0; p->values && f < RK_F__COUNT; f++)
        if (p->values->v[f])
            l->fields |= 1u << f;
    if (p->values && p->values->v[RK_F_NAME])
        snprintf(l->name, sizeof l->name, "%s", p->values->v[RK_F_NAME]);
    if (p->values && p->values->v[RK_F_EMAIL])
        snprintf(l->email, sizeof l->email, "%s", p->values->v[RK_F_EMAIL]);
    memset(r, 0, sizeof *r);
    if (d->refuse && strcmp(d->refuse, p->person_id) == 0) {
        r->outcome = RK_CONNECT_PERMANENT;
        r->status = 400;
        snprintf(r->error, sizeof r->error, "400 Member In Compliance State");
    } else if (d->nput == d->transient_at && d->stop_with_it) {
        r->outcome = RK_CONNECT_PERMANENT; /* Mailchimp's 401: the whole connector */
        r->status = 401;
        r->stop = true;
        snprintf(r->error, sizeof r->error, "401 API Key Invalid");
    } else if (d->nput == d->transient_at) {
        r->outcome = RK_CONNECT_TRANSIENT;
        r->status = 429;
        r->retry_after_s = d->retry_after_s;
        snprintf(r->error, sizeof r->error, "429 Too Many Requests");
    } else {
        r->outcome = RK_CONNECT_OK;
        r->status = 200;
        if (p->want != RK_HELD_INACTIVE)
            snprintf(r->remote, sizeof r->remote, "remote-%.8s", p->person_id);
    }
    return RK_OK;
}

static rk_err dbl_put_many(struct rk_client *c, const struct rk_client_put *p, size_t n,
                           struct rk_client_result *r, rk_client_progress_fn progress, void *ctx) {
    struct dbl *d = (struct dbl *)c;
    d->nmany++;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(dbl_put(c, &p[i], &r[i]), RK_OK);
        if (progress)
            progress(ctx, (long long)i + 1, (long long)n);
    }
    return RK_OK;
}

static void dbl_init(struct dbl *d, const struct rk_recipient *r, size_t batch_min) {
    memset(d, 0, sizeof *d);
    d->ops = (struct rk_client_ops){.type = "double",
                                    .batch_min = batch_min,
                                    .batch_max = 3,
                                    .put = dbl_put,
                                    .put_many = dbl_put_many};
    d->base = (struct rk_client){.ops = &d->ops, .recipient = r};
}

/* ---- Fixture ----------------------------------------------------------------------------- */

struct fx {
    struct rkt_reg f; /* first: the regfix helpers take it */
    struct rk_recipient *mailer, *crm, *books;
    struct dbl d;
};

static int setup(void **state) {
    struct fx *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    *state = x;
    struct rk_decl *decl = rkt_load("tests/decls/full.yaml");
    if (!decl)
        return -1;
    if (rkt_reg_open(&x->f, "disclose", decl, "tester") != 0)
        return -1;
    for (size_t i = 0; i < decl->nrecipients; i++) {
        struct rk_recipient *r = &decl->recipients[i];
        if (strcmp(r->id, "mailer") == 0)
            x->mailer = r;
        else if (strcmp(r->id, "crm") == 0)
            x->crm = r;
        else if (strcmp(r->id, "books") == 0)
            x->books = r;
    }
    if (!x->mailer || !x->crm || !x->books)
        return -1;
    x->mailer->connector.type = RK_CONNECTOR_MAILCHIMP;
    x->mailer->connector.purpose = rk_decl_purpose(decl, "marketing");
    x->crm->connector.type = RK_CONNECTOR_SALESFORCE;
    x->crm->connector.purpose = NULL;
    return 0;
}

static int teardown(void **state) {
    struct fx *x = *state;
    if (x)
        rkt_reg_close(&x->f);
    free(x);
    return 0;
}

static void subscriber(struct fx *x, const char *name, const char *email, const char *interests,
                       char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = name;
    c.v[RK_F_EMAIL] = email;
    c.v[RK_F_INTERESTS] = interests;
    struct rk_write w = {"marketing", "marketing", RK_SRC_WEB_FORM, NULL, rkt_ts(T0)};
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "web_form";
    in.lang = RK_LANG_FI;
    in.at = rkt_ts(T0);
    RKT_OK(&x->f, rk_reg_person_add(&x->f.reg, &w, NULL, &c, &in, id, &x->f.msg));
}

static void customer(struct fx *x, const char *name, const char *email, const char *phone,
                     char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = name;
    c.v[RK_F_EMAIL] = email;
    c.v[RK_F_PHONE] = phone;
    struct rk_write w = {"customer", "service", RK_SRC_MEETING, NULL, rkt_ts(T0)};
    RKT_OK(&x->f, rk_reg_person_add(&x->f.reg, &w, NULL, &c, NULL, id, &x->f.msg));
}

static void restrict_person(struct fx *x, const char *id, bool on) {
    RKT_OK(&x->f, rk_store_begin(x->f.store));
    RKT_OK(&x->f, rk_store_person_flags_set(x->f.store, id, on, false));
    RKT_OK(&x->f, rk_store_commit(x->f.store));
}

static struct rk_sync_report sync_at(struct fx *x, struct rk_recipient *r, const char *at,
                                     const struct rk_sync_options *o) {
    struct rk_sync_report rep;
    RKT_OK(&x->f, rk_sync_recipient(&x->f.reg, r, &x->d.base, rkt_ts(at), o, &rep, &x->f.msg));
    return rep;
}

/* What the store keeps of a person at a recipient. */
struct row {
    bool found;
    enum rk_held held;
    bool has_remote, has_error;
    char error[128];
    unsigned char sealed[128];
    size_t sealed_len;
    rk_ts first_at, last_at;
};

static int take_row(void *ctx, const struct rk_disclosure *d) {
    struct row *w = ctx;
    w->found = true;
    w->held = d->held;
    w->has_remote = d->remote_sealed != NULL;
    w->has_error = d->error != NULL;
    snprintf(w->error, sizeof w->error, "%s", d->error ? d->error : "");
    w->sealed_len =
        d->remote_sealed && d->remote_sealed_len < sizeof w->sealed ? d->remote_sealed_len : 0;
    if (w->sealed_len)
        memcpy(w->sealed, d->remote_sealed, w->sealed_len);
    w->first_at = d->first_at;
    w->last_at = d->last_at;
    return 0;
}

static struct row row_of(struct fx *x, const char *recipient, const char *id) {
    struct row w = {.found = false};
    rk_err err = rk_store_disclosure_get(x->f.store, recipient, id, take_row, &w);
    assert_true(err == RK_OK || err == RK_ENOENT);
    return w;
}

struct events {
    int n;
    char line[8][96];
};

static int take_event(void *ctx, const struct rk_disclosure_event *ev) {
    struct events *es = ctx;
    if (es->n < 8)
        snprintf(es->line[es->n++], sizeof es->line[0], "%s %s [%s]", ev->recipient, ev->action,
                 ev->categories);
    return 0;
}

static struct events events_of(struct fx *x, const char *id) {
    struct events es = {0};
    RKT_OK(&x->f, rk_store_disclosure_events_of_person(x->f.store, id, take_event, &es));
    return es;
}

/* The last put of person id (NULL: none). */
static const struct logged *last_put(const struct dbl *d, const char *id) {
    for (int i = d->nput - 1; i >= 0; i--)
        if (strcmp(d->log[i].id, id) == 0)
            return &d->log[i];
    return NULL;
}

/* The last put of person id, which must have been sent. */
static const struct logged *put_of(const struct dbl *d, const char *id) {
    static const struct logged none = {.want = RK_HELD__COUNT};
    const struct logged *l = last_put(d, id);
    if (!l)
        fail_msg("no put of %s", id);
    return l ? l : &none;
}

struct sync_seen {
    rk_ts complete_at, next_at;
    int attempts;
    bool has_error;
    int64_t added, changed, removed, failed;
};

static int take_sync(void *ctx, const struct rk_recipient_sync *rs) {
    struct sync_seen *s = ctx;
    s->complete_at = rs->complete_at;
    s->next_at = rs->next_at;
    s->attempts = rs->attempts;
    s->has_error = rs->last_error != NULL;
    s->added = rs->added;
    s->changed = rs->changed;
    s->removed = rs->removed;
    s->failed = rs->failed;
    return 0;
}

static struct sync_seen sync_row(struct fx *x, const char *recipient) {
    struct sync_seen s = {0};
    rk_err err = rk_store_recipient_sync_get(x->f.store, recipient, take_sync, &s);
    assert_true(err == RK_OK || err == RK_ENOENT);
    return s;
}

static enum rk_sync_says synced(struct fx *x, const char *recipient, const char *id,
                                const char *since, char *error, size_t n) {
    enum rk_sync_says says = RK_SYNC_DONE;
    RKT_OK(&x->f,
           rk_disclose_synced(NULL, x->f.store, recipient, id, rkt_ts(since), &says, error, n));
    return says;
}

#define SHARED_MC ((1u << RK_F_NAME) | (1u << RK_F_EMAIL) | (1u << RK_F_INTERESTS))

/* ---- Tests -------------------------------------------------------------------------------- */

/* The first pass adds the purpose's audience with only the shared values, seals the
 * recipient's key, records one event each and the complete pass; a second pass sends
 * nothing; a customer of a register the recipient does not receive is never sent. */
static void mailchimp_first_and_second_pass(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", "uutiset", a);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, b);
    customer(x, "Cecilia Cederlöf", "cecilia@example.fi", "+358401234567", c);
    dbl_init(&x->d, x->mailer, 0);

    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_false(rep.stopped);
    assert_int_equal(rep.add, 2);
    assert_int_equal(rep.change + rep.restrict_ + rep.remove + rep.unchanged, 0);
    assert_int_equal(rep.sent, 2);
    assert_int_equal(rep.failed, 0);
    assert_int_equal(x->d.nput, 2);
    assert_int_equal(x->d.nmany, 0);
    const struct logged *pa = put_of(&x->d, a);
    assert_non_null(pa);
    assert_int_equal(pa->want, RK_HELD_ACTIVE);
    assert_int_equal(pa->was, RK_HELD_NONE);
    assert_string_equal(pa->remote, "");
    assert_int_equal(pa->fields, SHARED_MC);
    assert_string_equal(pa->name, "Aino Äijälä");
    assert_int_equal(put_of(&x->d, b)->fields, (1u << RK_F_NAME) | (1u << RK_F_EMAIL));
    assert_null(last_put(&x->d, c));

    struct row ra = row_of(x, "mailer", a);
    assert_true(ra.found);
    assert_int_equal(ra.held, RK_HELD_ACTIVE);
    assert_true(ra.has_remote);
    assert_false(ra.has_error);
    assert_true(ra.first_at == rkt_ts("2026-03-03T10:00:00Z"));
    /* Sealed: the key is not there in clear. */
    assert_true(ra.sealed_len > RK_SEAL_OVERHEAD);
    for (size_t i = 0; i + 7 <= ra.sealed_len; i++)
        assert_false(memcmp(ra.sealed + i, "remote-", 7) == 0);
    assert_false(row_of(x, "mailer", c).found);
    struct events es = events_of(x, a);
    assert_int_equal(es.n, 1);
    assert_string_equal(es.line[0], "mailer added [name,email,interests]");
    struct sync_seen s = sync_row(x, "mailer");
    assert_true(s.complete_at == rkt_ts("2026-03-03T10:00:00Z"));
    assert_int_equal(s.added, 2);
    assert_int_equal(s.attempts, 0);
    assert_false(s.has_error);
    assert_int_equal(rkt_audit_count(&x->f, "recipient.sync", NULL), 1);
    assert_int_equal(rkt_audit_mentions(&x->f, "%aino%"), 0);

    /* Nothing changed: nothing sent, no audit event. */
    rep = sync_at(x, x->mailer, "2026-03-04T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(rep.unchanged, 2);
    assert_int_equal(rep.add + rep.change + rep.restrict_ + rep.remove + rep.sent, 0);
    assert_int_equal(x->d.nput, 2);
    assert_int_equal(rkt_audit_count(&x->f, "recipient.sync", NULL), 1);
    assert_true(sync_row(x, "mailer").complete_at == rkt_ts("2026-03-04T10:00:00Z"));
}

/* A rectification is a change carrying the kept key; a restricted person is restricted; a
 * withdrawn consent removes the person (no values: the key is known); then nothing more. */
static void mailchimp_change_restrict_remove(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, a);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, b);
    subscriber(x, "Cecilia Cederlöf", "cecilia@example.fi", NULL, c);
    dbl_init(&x->d, x->mailer, 0);
    (void)sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_int_equal(x->d.nput, 3);

    struct rk_contact ct;
    memset(&ct, 0, sizeof ct);
    ct.v[RK_F_NAME] = "Aino Uusi";
    struct rk_write w = {"marketing", "marketing", RK_SRC_WEB_FORM, NULL, rkt_ts(T0)};
    RKT_OK(&x->f, rk_reg_person_update(&x->f.reg, &w, a, &ct, &x->f.msg));
    restrict_person(x, b, true);
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "email";
    in.at = rkt_ts("2026-03-04T09:00:00Z");
    RKT_OK(&x->f, rk_reg_consent(&x->f.reg, c, "marketing", RK_CE_WITHDRAWN, &in, &x->f.msg));

    dbl_init(&x->d, x->mailer, 0);
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-04T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(rep.change, 1);
    assert_int_equal(rep.restrict_, 1);
    assert_int_equal(rep.remove, 1);
    assert_int_equal(rep.sent, 3);
    const struct logged *pa = put_of(&x->d, a), *pb = put_of(&x->d, b), *pc = put_of(&x->d, c);
    assert_int_equal(pa->want, RK_HELD_ACTIVE);
    assert_int_equal(pa->was, RK_HELD_ACTIVE);
    assert_string_equal(pa->name, "Aino Uusi");
    assert_true(strncmp(pa->remote, "remote-", 7) == 0);
    assert_int_equal(pb->want, RK_HELD_RESTRICTED);
    assert_int_equal(pb->fields, (1u << RK_F_NAME) | (1u << RK_F_EMAIL));
    assert_int_equal(pc->want, RK_HELD_INACTIVE);
    assert_int_equal(pc->fields, 0); /* the key is known: no values */
    assert_true(strncmp(pc->remote, "remote-", 7) == 0);
    assert_int_equal(row_of(x, "mailer", b).held, RK_HELD_RESTRICTED);
    struct row rc = row_of(x, "mailer", c);
    assert_int_equal(rc.held, RK_HELD_INACTIVE);
    assert_false(rc.has_remote);
    struct events es = events_of(x, a);
    assert_int_equal(es.n, 2);
    assert_string_equal(es.line[1], "mailer changed [name,email]");
    assert_string_equal(events_of(x, b).line[1], "mailer restricted [name,email]");
    assert_string_equal(events_of(x, c).line[1], "mailer removed []");
    struct sync_seen s = sync_row(x, "mailer");
    assert_int_equal(s.changed, 2);
    assert_int_equal(s.removed, 1);

    /* Restricted and removed stay so: nothing to send. */
    dbl_init(&x->d, x->mailer, 0);
    rep = sync_at(x, x->mailer, "2026-03-05T10:00:00Z", NULL);
    assert_int_equal(x->d.nput, 0);
    assert_int_equal(rep.unchanged, 2); /* the removed one is wanted no more */
    /* The restriction lifted: active again. */
    restrict_person(x, b, false);
    rep = sync_at(x, x->mailer, "2026-03-06T10:00:00Z", NULL);
    assert_int_equal(rep.change, 1);
    assert_int_equal(put_of(&x->d, b)->want, RK_HELD_ACTIVE);
    assert_int_equal(put_of(&x->d, b)->was, RK_HELD_RESTRICTED);
}

/* A restricted person never disclosed is not sent to a purpose's recipient. */
static void mailchimp_restricted_never_disclosed(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, a);
    restrict_person(x, a, true);
    dbl_init(&x->d, x->mailer, 0);
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(x->d.nput, 0);
    assert_false(row_of(x, "mailer", a).found);
}

/* Without a purpose every person of the recipient's registers is held, restricted ones as
 * restricted, with the shares only (crm: name and email, never the phone); the erased
 * person's rows go with it. */
static void salesforce_everyone_held(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], m[RK_ID_LEN + 1];
    customer(x, "Aino Äijälä", "aino@example.fi", "+358401234567", a);
    customer(x, "Bertta Böök", NULL, "+358401234568", b);
    subscriber(x, "Maija Markkinoitava", "maija@example.fi", NULL, m);
    restrict_person(x, b, true);
    dbl_init(&x->d, x->crm, 0);
    struct rk_sync_report rep = sync_at(x, x->crm, "2026-03-03T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(rep.add, 1);
    assert_int_equal(rep.restrict_, 1);
    assert_int_equal(x->d.nput, 2);
    assert_int_equal(put_of(&x->d, a)->fields, (1u << RK_F_NAME) | (1u << RK_F_EMAIL));
    assert_int_equal(put_of(&x->d, b)->want, RK_HELD_RESTRICTED);
    assert_int_equal(put_of(&x->d, b)->fields, 1u << RK_F_NAME);
    assert_null(last_put(&x->d, m));
    assert_int_equal(rkt_census(&x->f, a).disclosures, 1);
    assert_int_equal(rkt_census(&x->f, a).disclosure_events, 1);

    RKT_OK(&x->f, rk_store_begin(x->f.store));
    RKT_OK(&x->f, rk_store_person_delete(x->f.store, a));
    RKT_OK(&x->f, rk_store_commit(x->f.store));
    assert_int_equal(rkt_census(&x->f, a).disclosures, 0);
    assert_int_equal(rkt_census(&x->f, a).disclosure_events, 0);
    dbl_init(&x->d, x->crm, 0);
    rep = sync_at(x, x->crm, "2026-03-04T10:00:00Z", NULL);
    assert_int_equal(rep.unchanged, 1);
    assert_int_equal(x->d.nput, 0); /* the erasure's notice tells the recipient, not the sync */
}

/* A permanent refusal is recorded against the person and the pass goes on and completes;
 * the deliverer then hears FAILED for that person, DONE for the others and the never
 * disclosed, and WAIT for a notice newer than the last complete pass. */
static void permanent_refusal(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], never[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, a);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, b);
    rk_id_new(never);
    char error[RK_CONNECT_ERROR_MAX + 1];
    assert_int_equal(synced(x, "mailer", a, T0, error, sizeof error), RK_SYNC_WAIT);
    dbl_init(&x->d, x->mailer, 0);
    x->d.refuse = a;
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(rep.sent, 1);
    assert_int_equal(rep.failed, 1);
    assert_string_equal(rep.error, "400 Member In Compliance State");
    struct row ra = row_of(x, "mailer", a);
    assert_true(ra.found);
    assert_int_equal(ra.held, RK_HELD_NONE);
    assert_string_equal(ra.error, "400 Member In Compliance State");
    assert_int_equal(events_of(x, a).n, 0);
    struct sync_seen s = sync_row(x, "mailer");
    assert_int_equal(s.failed, 1);
    assert_true(s.has_error);

    assert_int_equal(synced(x, "mailer", a, T0, error, sizeof error), RK_SYNC_FAILED);
    assert_string_equal(error, "400 Member In Compliance State");
    assert_int_equal(synced(x, "mailer", b, T0, error, sizeof error), RK_SYNC_DONE);
    assert_int_equal(synced(x, "mailer", never, T0, error, sizeof error), RK_SYNC_DONE);
    assert_int_equal(synced(x, "mailer", b, "2026-03-03T10:00:01Z", error, sizeof error),
                     RK_SYNC_WAIT);
    assert_int_equal(synced(x, "mailer", b, "2026-03-03T10:00:00Z", error, sizeof error),
                     RK_SYNC_WAIT); /* the pass's own second: it may have read before */
    assert_int_equal(synced(x, "crm", b, T0, NULL, 0), RK_SYNC_WAIT);

    /* Tried again at the next pass; accepted, the refusal is gone. */
    x->d.refuse = NULL;
    rep = sync_at(x, x->mailer, "2026-03-04T10:00:00Z", NULL);
    assert_int_equal(rep.add, 1);
    assert_int_equal(rep.sent, 1);
    assert_false(row_of(x, "mailer", a).has_error);
    assert_int_equal(synced(x, "mailer", a, T0, error, sizeof error), RK_SYNC_DONE);
}

/* A transient outcome ends the pass: what was accepted is recorded, the pass is incomplete,
 * next_at follows Retry-After (else the backoff); the next pass sends only the rest. */
static void transient_ends_the_pass(void **state) {
    struct fx *x = *state;
    char id[3][RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, id[0]);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, id[1]);
    subscriber(x, "Cecilia Cederlöf", "cecilia@example.fi", NULL, id[2]);
    dbl_init(&x->d, x->mailer, 0);
    x->d.transient_at = 2;
    x->d.retry_after_s = 120;
    rk_ts t1 = rkt_ts("2026-03-03T10:00:00Z");
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_false(rep.complete);
    assert_false(rep.stopped);
    assert_int_equal(rep.retry_after_s, 120);
    assert_int_equal(rep.sent, 1);
    assert_int_equal(x->d.nput, 2);
    assert_string_equal(rep.error, "429 Too Many Requests");
    struct sync_seen s = sync_row(x, "mailer");
    assert_true(s.complete_at == 0);
    assert_true(s.next_at == t1 + 120);
    assert_int_equal(s.attempts, 1);
    assert_true(s.has_error);
    assert_int_equal(synced(x, "mailer", id[0], T0, NULL, 0), RK_SYNC_WAIT);

    /* No Retry-After: the backoff. */
    dbl_init(&x->d, x->mailer, 0);
    x->d.transient_at = 1;
    rep = sync_at(x, x->mailer, "2026-03-03T11:00:00Z", NULL);
    assert_false(rep.complete);
    s = sync_row(x, "mailer");
    assert_int_equal(s.attempts, 2);
    assert_true(s.next_at > rkt_ts("2026-03-03T11:00:00Z"));

    dbl_init(&x->d, x->mailer, 0);
    rep = sync_at(x, x->mailer, "2026-03-03T12:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(rep.add, 2);
    assert_int_equal(x->d.nput, 2);
    s = sync_row(x, "mailer");
    assert_int_equal(s.attempts, 0);
    assert_true(s.next_at == 0);
    assert_false(s.has_error);
    assert_int_equal(synced(x, "mailer", id[0], T0, NULL, 0), RK_SYNC_DONE);
}

/* A client that says stop (credentials) ends the pass too. */
static void stop_ends_the_pass(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, a);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, b);
    dbl_init(&x->d, x->mailer, 0);
    x->d.transient_at = 1;
    x->d.stop_with_it = true;
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_false(rep.complete);
    assert_true(rep.stopped);
    assert_int_equal(x->d.nput, 1);
    assert_int_equal(rep.sent, 0);
    assert_int_equal(rep.failed, 0);
    assert_string_equal(rep.error, "401 API Key Invalid");
    /* Not the person's refusal: nothing recorded against either. */
    assert_false(row_of(x, "mailer", a).found);
    assert_false(row_of(x, "mailer", b).found);
    assert_int_equal(sync_row(x, "mailer").attempts, 1);
}

struct diffs {
    int n;
    char line[8][64];
};

static int take_diff(void *ctx, const struct rk_sync_diff *d) {
    struct diffs *ds = ctx;
    if (ds->n < 8)
        snprintf(ds->line[ds->n++], sizeof ds->line[0], "%s %s>%s %x", d->action,
                 rk_held_name(d->was), rk_held_name(d->want), d->fields);
    return 0;
}

/* A dry run lists the differences and writes nothing, without a client; a run without a
 * client is refused. */
static void dry_run_writes_nothing(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", "uutiset", a);
    struct diffs ds = {0};
    struct rk_sync_options o = {.dry_run = true, .each = take_diff, .each_ctx = &ds};
    struct rk_sync_report rep;
    RKT_OK(&x->f, rk_sync_recipient(&x->f.reg, x->mailer, NULL, rkt_ts(T0), &o, &rep, &x->f.msg));
    assert_int_equal(rep.add, 1);
    assert_int_equal(rep.sent, 0);
    assert_int_equal(ds.n, 1);
    char want[64];
    snprintf(want, sizeof want, "add none>active %x", SHARED_MC);
    assert_string_equal(ds.line[0], want);
    assert_false(row_of(x, "mailer", a).found);
    assert_true(sync_row(x, "mailer").complete_at == 0);
    assert_int_equal(rkt_audit_count(&x->f, "recipient.sync", NULL), 0);

    RKT_EXPECT(
        &x->f,
        rk_sync_recipient(&x->f.reg, x->mailer, NULL, rkt_ts(T0), NULL, &rep, rkt_clear(&x->f.msg)),
        RK_EINVAL, "no client");
}

/* A recipient whose connector is no client, and one without shares, are refused. */
static void refusals(void **state) {
    struct fx *x = *state;
    struct rk_sync_report rep;
    dbl_init(&x->d, x->books, 0);
    RKT_EXPECT(&x->f,
               rk_sync_recipient(&x->f.reg, x->books, &x->d.base, rkt_ts(T0), NULL, &rep,
                                 rkt_clear(&x->f.msg)),
               RK_EINVAL, "has no mailchimp or salesforce connector");
    x->books->connector.type = RK_CONNECTOR_SALESFORCE;
    RKT_EXPECT(&x->f,
               rk_sync_recipient(&x->f.reg, x->books, &x->d.base, rkt_ts(T0), NULL, &rep,
                                 rkt_clear(&x->f.msg)),
               RK_EREFUSED, "declares no shares");
}

/* A transient outcome inside a batch: the batch's other outcomes are recorded, the next
 * chunk is not sent, the pass is incomplete. */
static void batch_with_a_transient(void **state) {
    struct fx *x = *state;
    static const char *const emails[] = {"a@example.fi", "b@example.fi", "c@example.fi",
                                         "d@example.fi", "e@example.fi"};
    char id[5][RK_ID_LEN + 1];
    for (int i = 0; i < 5; i++)
        subscriber(x, "Testi Henkilö", emails[i], NULL, id[i]);
    dbl_init(&x->d, x->mailer, 2);
    x->d.transient_at = 2;
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_false(rep.complete);
    assert_int_equal(x->d.nmany, 1);
    assert_int_equal(x->d.nput, 3);
    assert_int_equal(rep.sent, 2);
    int held = 0;
    for (int i = 0; i < 5; i++)
        held += row_of(x, "mailer", id[i]).found;
    assert_int_equal(held, 2);
}

/* At least batch_min differences go through put_many in chunks of batch_max. */
static void batches(void **state) {
    struct fx *x = *state;
    static const char *const emails[] = {"a@example.fi", "b@example.fi", "c@example.fi",
                                         "d@example.fi", "e@example.fi"};
    char id[5][RK_ID_LEN + 1];
    for (int i = 0; i < 5; i++)
        subscriber(x, "Testi Henkilö", emails[i], NULL, id[i]);
    dbl_init(&x->d, x->mailer, 5);
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    assert_true(rep.complete);
    assert_int_equal(rep.sent, 5);
    assert_int_equal(x->d.nmany, 2); /* 3 + 2 */
    for (int i = 0; i < 5; i++)
        assert_int_equal(row_of(x, "mailer", id[i]).held, RK_HELD_ACTIVE);
    /* The option's batch_min overrides the client's. */
    restrict_person(x, id[0], true);
    dbl_init(&x->d, x->mailer, 5);
    struct rk_sync_options o = {.batch_min = 1};
    rep = sync_at(x, x->mailer, "2026-03-04T10:00:00Z", &o);
    assert_int_equal(x->d.nmany, 1);
    assert_int_equal(rep.restrict_, 1);
}

static bool adopt_first(void *ctx, const char *person_id, enum rk_held want) {
    return ctx && want == RK_HELD_ACTIVE && strcmp(ctx, person_id) == 0;
}

/* An adopted person is recorded as held without a put or an event. */
static void adopt_records_without_sending(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, a);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, b);
    dbl_init(&x->d, x->mailer, 0);
    struct rk_sync_options o = {.adopt = adopt_first, .adopt_ctx = a};
    struct rk_sync_report rep = sync_at(x, x->mailer, "2026-03-03T10:00:00Z", &o);
    assert_true(rep.complete);
    assert_int_equal(rep.adopted, 1);
    assert_int_equal(rep.sent, 1);
    assert_int_equal(x->d.nput, 1);
    assert_null(last_put(&x->d, a));
    assert_int_equal(row_of(x, "mailer", a).held, RK_HELD_ACTIVE);
    assert_int_equal(events_of(x, a).n, 0);
    rep = sync_at(x, x->mailer, "2026-03-04T10:00:00Z", NULL);
    assert_int_equal(rep.unchanged, 2);
    assert_int_equal(x->d.nput, 1);
}

/* A key rotation re-seals the recipient's keys (they open under the new key at the next
 * pass) and changes every digest's key, so the next pass puts everyone once again. */
static void key_rotation_reseals(void **state) {
    struct fx *x = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    subscriber(x, "Aino Äijälä", "aino@example.fi", NULL, a);
    subscriber(x, "Bertta Böök", "bertta@example.fi", NULL, b);
    dbl_init(&x->d, x->mailer, 0);
    (void)sync_at(x, x->mailer, "2026-03-03T10:00:00Z", NULL);
    struct rk_keys next;
    struct rk_rotate_report rep;
    RKT_OK(&x->f, rk_keys_rotated(&x->f.reg.keys, rkt_ts("2026-03-04T09:00:00Z"), &next));
    RKT_OK(&x->f, rk_rotate_db(x->f.store, &next, rk_keys_generation(&x->f.reg.keys),
                               rkt_ts("2026-03-04T09:00:00Z"), "tester", &rep, &x->f.msg));
    assert_int_equal(rep.resealed, 2);
    assert_int_equal(rep.unopened, 0);
    x->f.reg.keys = next;
    dbl_init(&x->d, x->mailer, 0);
    struct rk_sync_report r = sync_at(x, x->mailer, "2026-03-04T10:00:00Z", NULL);
    assert_int_equal(r.change, 2);
    assert_int_equal(x->d.nput, 2);
    assert_true(strncmp(put_of(&x->d, a)->remote, "remote-", 7) == 0);
    assert_true(strncmp(put_of(&x->d, b)->remote, "remote-", 7) == 0);
    r = sync_at(x, x->mailer, "2026-03-05T10:00:00Z", NULL);
    assert_int_equal(r.unchanged, 2);
}

/* ---- The bench (RK_DISCLOSE_BENCH=N) -------------------------------------------------------- */

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static rk_err bench_put(struct rk_client *c, const struct rk_client_put *p,
                        struct rk_client_result *r) {
    (void)c;
    memset(r, 0, sizeof *r);
    r->outcome = RK_CONNECT_OK;
    snprintf(r->remote, sizeof r->remote, "%.32s", p->person_id);
    return RK_OK;
}

static void bench_pass(void **state) {
    const char *n_env = getenv("RK_DISCLOSE_BENCH");
    if (!n_env || !n_env[0]) {
        skip();
        return;
    }
    struct fx *x = *state;
    long n = strtol(n_env, NULL, 10);
    struct rk_store *s = x->f.store;
    double t0 = seconds();
    RKT_OK(&x->f, rk_store_begin(s));
    for (long i = 0; i < n; i++) {
        struct rk_entry *e = calloc(1, sizeof *e);
        assert_non_null(e);
        rk_id_new(e->person_id);
        RKT_OK(&x->f, rk_store_person_insert(s, e->person_id, rkt_ts(T0)));
        snprintf(e->register_id, sizeof e->register_id, "customer");
        e->since = rkt_ts(T0);
        char name[32], email[48];
        snprintf(name, sizeof name, "Henkilö %ld", i);
        snprintf(email, sizeof email, "h%ld@example.fi", i);
        e->v[RK_F_NAME] = name;
        e->v[RK_F_EMAIL] = email;
        rk_keys_hash(&x->f.keys, RK_F_EMAIL, email, e->email_hash);
        RKT_OK(&x->f, rk_store_entry_put(s, e));
        free(e);
    }
    RKT_OK(&x->f, rk_store_commit(s));
    double t1 = seconds();
    struct rk_client_ops ops = {.type = "bench", .put = bench_put};
    struct rk_client c = {.ops = &ops, .recipient = x->crm};
    struct rk_sync_report rep;
    RKT_OK(&x->f, rk_sync_recipient(&x->f.reg, x->crm, &c, rkt_ts("2026-03-03T10:00:00Z"), NULL,
                                    &rep, &x->f.msg));
    double t2 = seconds();
    assert_int_equal(rep.sent, n);
    RKT_OK(&x->f, rk_sync_recipient(&x->f.reg, x->crm, &c, rkt_ts("2026-03-04T10:00:00Z"), NULL,
                                    &rep, &x->f.msg));
    double t3 = seconds();
    assert_int_equal(rep.unchanged, n);
    fprintf(stderr,
            "bench: %ld persons: populate %.2f s; first pass (all added, one transaction a "
            "put) %.2f s; second pass (nothing to send) %.2f s\n",
            n, t1 - t0, t2 - t1, t3 - t2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
    if (rk_crypto_init() != RK_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        T(mailchimp_first_and_second_pass),
        T(mailchimp_change_restrict_remove),
        T(mailchimp_restricted_never_disclosed),
        T(salesforce_everyone_held),
        T(permanent_refusal),
        T(transient_ends_the_pass),
        T(stop_ends_the_pass),
        T(dry_run_writes_nothing),
        T(refusals),
        T(batches),
        T(batch_with_a_transient),
        T(adopt_records_without_sending),
        T(key_rotation_reseals),
        T(bench_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
