/*
 * test_deliver_client.c — the deliverer (connect/deliver.c) with notices to a
 * recipient whose connector is a client (a mailchimp connector at the fake
 * Mailchimp, tests/tools/fake_mailchimp.c, from $FAKE_MAILCHIMP): while the API
 * key is not set every notice waits, "not configured", never failing; an
 * erasure is sent at once (the member deleted for good); a rectification or
 * restriction waits for the sync (the deliverer's question, here a stub) as
 * pending with no remote id, and is done or failed as the sync says; without
 * a sync to ask it waits. Skipped when FAKE_MAILCHIMP is not set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "connect/client.h"
#include "core/notify.h"
#include "fakemc.h"
#include "fixtures.h"
#include "regfix.h"
#include "store/store.h"
#include "testutil.h"

#define KEY_ENV "RKT_MC_KEY"
#define T0      "2026-03-02T10:00:00Z"
#define MSG     (rkt_clear(&f->msg))

/* The stub of the sync's answer (core/disclose.c's rk_disclose_synced in serve). */
struct sync_stub {
    enum rk_sync_says says_a, says_b; /* for person a, and for anyone else */
    const char *a;
    int calls;
    rk_ts since;
};

static rk_err stub_synced(void *ctx, struct rk_store *s, const char *recipient,
                          const char *person_id, rk_ts since, enum rk_sync_says *out, char *error,
                          size_t errorsz) {
    struct sync_stub *st = ctx;
    (void)s;
    assert_string_equal(recipient, "mc");
    st->calls++;
    st->since = since;
    *out = strcmp(person_id, st->a) == 0 ? st->says_a : st->says_b;
    if (*out == RK_SYNC_FAILED)
        snprintf(error, errorsz, "Mailchimp answered 400 Member In Compliance State");
    return RK_OK;
}

struct seen {
    int n;
    struct {
        int64_t id;
        enum rk_notice_state state;
        enum rk_notice_kind kind;
        int attempts;
        char remote[80], error[320], person[40];
    } rows[16];
};

static int collect_row(void *ctx, const struct rk_notice_row *r) {
    struct seen *s = ctx;
    if (s->n == 16)
        return 1;
    s->rows[s->n].id = r->id;
    s->rows[s->n].state = r->state;
    s->rows[s->n].kind = r->kind;
    s->rows[s->n].attempts = r->attempts;
    snprintf(s->rows[s->n].remote, sizeof s->rows[s->n].remote, "%s",
             r->remote_id ? r->remote_id : "(null)");
    snprintf(s->rows[s->n].error, sizeof s->rows[s->n].error, "%s",
             r->last_error ? r->last_error : "");
    snprintf(s->rows[s->n].person, sizeof s->rows[s->n].person, "%s", r->person_id);
    s->n++;
    return 0;
}

/* Every notice, newest first. */
static struct seen notices(struct rkt_reg *f) {
    struct seen s = {.n = 0};
    RKT_OK(f,
           rk_store_recipient_notice_list(f->store, RK_NOTICE_STATE__COUNT, 16, collect_row, &s));
    return s;
}

/* The notice of person and kind. */
static int row_of(const struct seen *s, const char *person, enum rk_notice_kind kind) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].person, person) == 0 && s->rows[i].kind == kind)
            return i;
    fail_msg("no %s notice for %s", rk_notice_kind_name(kind), person);
    return -1;
}

static void add_customer(struct rkt_reg *f, const char *name, const char *email,
                         char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "service", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_contact c = {.v = {NULL}};
    c.v[RK_F_NAME] = name;
    c.v[RK_F_EMAIL] = email;
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
}

static void notify(struct rkt_reg *f, const char *id, enum rk_notice_kind kind) {
    int n = 0;
    RKT_OK(f, rk_notify_recipients(&f->reg, id, kind, NULL, rkt_ts(T0), &n));
    assert_int_equal(n, 1);
}

static void everything_due(struct rkt_reg *f) {
    rkt_exec(f, "UPDATE recipient_notice SET next_attempt_at = 0 "
                "WHERE state IN ('queued', 'pending')");
}

static void notices_to_a_client(void **state) {
    (void)state;
    struct fakemc fk;
    if (!fakemc_start(&fk, NULL))
        skip();
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "%srecipients:\n  - id: mc\n    name: Mailchimp\n    role: processor\n"
             "    country: US\n    transfer: dpf\n    registers: [customer]\n"
             "    shares: [name, email]\n"
             "    connector: {type: mailchimp, list_id: %s, api_key_env: %s, url: '%s',\n"
             "                purpose: marketing}\n",
             FX_MINIMAL, FAKEMC_LIST, KEY_ENV, fk.url);
    struct rkt_reg fx, *f = &fx;
    memset(&fx, 0, sizeof fx);
    assert_int_equal(rkt_reg_open(f, "dlvclient", rkt_parse(yaml), "tester"), 0);
    const struct rk_recipient *r = rk_decl_recipient(f->decl, "mc");
    assert_true(rk_client_speaks(r));

    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    add_customer(f, "Maija Meikäläinen", "maija@example.fi", a);
    add_customer(f, "Pekka Puup", "pekka@example.fi", b);
    /* Maija is a member at the recipient (as the sync would have put her). */
    setenv(KEY_ENV, FAKEMC_KEY, 1);
    struct rk_client *c = NULL;
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_client_open(r, &c, &e), RK_OK);
    struct rk_contact v = {.v = {NULL}};
    v.v[RK_F_EMAIL] = "maija@example.fi";
    struct rk_client_put put = {.person_id = a, .values = &v, .want = RK_HELD_ACTIVE};
    struct rk_client_result res;
    assert_int_equal(rk_client_put(c, &put, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    rk_client_close(c);

    notify(f, a, RK_NOTICE_RECTIFICATION);
    notify(f, b, RK_NOTICE_RESTRICTION);
    notify(f, a, RK_NOTICE_ERASURE);

    /* Not configured: every notice waits with the reason, none fails, nothing is sent. */
    unsetenv(KEY_ENV);
    struct sync_stub stub = {.says_a = RK_SYNC_WAIT, .says_b = RK_SYNC_WAIT, .a = a};
    struct rk_deliver_config cfg = {.synced = stub_synced,
                                    .synced_ctx = &stub,
                                    .decl = f->decl,
                                    .keys = &f->keys,
                                    .backoff_base_s = 1,
                                    .quiet = true};
    struct rk_deliver_report rep;
    for (int round = 0; round < 2; round++) {
        everything_due(f);
        assert_int_equal(rk_deliver_pass(f->store, &cfg, &rep), RK_OK);
        assert_int_equal(rep.pending, 3);
        assert_int_equal(rep.failed + rep.delivered + rep.retried, 0);
    }
    assert_int_equal(stub.calls, 0);
    struct seen s = notices(f);
    assert_int_equal(s.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s.rows[i].state, RK_NOTICE_QUEUED);
        assert_string_equal(s.rows[i].error,
                            "recipient 'mc' is not configured: environment variable RKT_MC_KEY "
                            "is not set");
    }
    json_t *st = fakemc_state(&fk);
    assert_string_equal(fakemc_status(st, "maija@example.fi"), "subscribed");
    json_decref(st);

    /* Configured: the erasure is sent at once; the others wait for the sync, pending with no
     * remote id. */
    setenv(KEY_ENV, FAKEMC_KEY, 1);
    everything_due(f);
    assert_int_equal(rk_deliver_pass(f->store, &cfg, &rep), RK_OK);
    assert_int_equal(rep.delivered, 1);
    assert_int_equal(rep.pending, 2);
    assert_int_equal(stub.calls, 2);
    assert_int_equal(stub.since, rkt_ts(T0));
    s = notices(f);
    int er = row_of(&s, a, RK_NOTICE_ERASURE), rc = row_of(&s, a, RK_NOTICE_RECTIFICATION),
        rs = row_of(&s, b, RK_NOTICE_RESTRICTION);
    assert_int_equal(s.rows[er].state, RK_NOTICE_DONE);
    assert_int_equal(s.rows[rc].state, RK_NOTICE_PENDING);
    assert_string_equal(s.rows[rc].remote, "");
    assert_int_equal(s.rows[rs].state, RK_NOTICE_PENDING);
    st = fakemc_state(&fk);
    assert_string_equal(fakemc_status(st, "maija@example.fi"), "(absent)");
    json_decref(st);

    /* Still waiting: no attempt counted while pending. */
    int attempts = s.rows[rc].attempts;
    everything_due(f);
    assert_int_equal(rk_deliver_pass(f->store, &cfg, &rep), RK_OK);
    assert_int_equal(rep.pending, 2);
    s = notices(f);
    assert_int_equal(s.rows[row_of(&s, a, RK_NOTICE_RECTIFICATION)].attempts, attempts);

    /* The sync has put Maija (done) and was refused for Pekka (failed, with its error). */
    stub.says_a = RK_SYNC_DONE;
    stub.says_b = RK_SYNC_FAILED;
    everything_due(f);
    assert_int_equal(rk_deliver_pass(f->store, &cfg, &rep), RK_OK);
    assert_int_equal(rep.completed + rep.delivered, 1);
    assert_int_equal(rep.failed, 1);
    s = notices(f);
    assert_int_equal(s.rows[row_of(&s, a, RK_NOTICE_RECTIFICATION)].state, RK_NOTICE_DONE);
    rs = row_of(&s, b, RK_NOTICE_RESTRICTION);
    assert_int_equal(s.rows[rs].state, RK_NOTICE_FAILED);
    assert_string_equal(s.rows[rs].error, "Mailchimp answered 400 Member In Compliance State");

    /* Without a sync to ask, a notice waits. */
    notify(f, b, RK_NOTICE_RESTRICTION_LIFTED);
    cfg.synced = NULL;
    assert_int_equal(rk_deliver_pass(f->store, &cfg, &rep), RK_OK);
    assert_int_equal(rep.pending, 1);
    s = notices(f);
    assert_int_equal(s.rows[row_of(&s, b, RK_NOTICE_RESTRICTION_LIFTED)].state, RK_NOTICE_PENDING);

    /* An erasure whose member is not there is done too (nothing held); Mailchimp's refusal of
     * the key would fail it as a webhook's 401 does. */
    cfg.synced = stub_synced;
    notify(f, b, RK_NOTICE_ERASURE);
    assert_int_equal(rk_deliver_pass(f->store, &cfg, &rep), RK_OK);
    assert_int_equal(rep.delivered, 1);

    unsetenv(KEY_ENV);
    rkt_reg_close(f);
    fakemc_stop(&fk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notices_to_a_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
