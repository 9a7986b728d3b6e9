/*
 * test_mailchimp_client.c — the Mailchimp client (connect/mailchimp_client.c)
 * against the fake Marketing API (tests/tools/fake_mailchimp.c, started from
 * $FAKE_MAILCHIMP, which CTest sets): open refusing a missing or malformed key
 * without quoting it; the three held states, a moved address, erasure; the
 * batch path with a member the fake refuses; the pull; 429 and 401; and, from
 * the fake's request log, that nothing but the values given is ever sent.
 * Skipped when FAKE_MAILCHIMP is not set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "connect/client.h"
#include "fakemc.h"

#define KEY     FAKEMC_KEY
#define KEY_ENV "RKT_MC_KEY"
#define LIST    FAKEMC_LIST

static bool member_tagged(json_t *state, const char *email, const char *tag) {
    json_t *t, *m = fakemc_member(state, email);
    size_t i;
    json_array_foreach(json_object_get(m, "tags"), i, t) {
        if (strcmp(json_string_value(json_object_get(t, "name")), tag) == 0)
            return true;
    }
    return false;
}

static struct rk_recipient recipient_of(const struct fakemc *f) {
    return (struct rk_recipient){.id = "mailchimp",
                                 .connector = {.type = RK_CONNECTOR_MAILCHIMP,
                                               .url = f ? f->url : NULL,
                                               .list_id = LIST,
                                               .api_key_env = KEY_ENV,
                                               .restricted_tag = "rekisteri: restricted"}};
}

static struct rk_client *open_client(const struct rk_recipient *r) {
    struct rk_client *c = NULL;
    struct rk_error e = RK_ERROR_INIT;
    setenv(KEY_ENV, KEY, 1);
    assert_int_equal(rk_client_open(r, &c, &e), RK_OK);
    assert_string_equal(c->ops->type, "mailchimp");
    assert_int_equal(c->ops->batch_min, 100);
    assert_int_equal(c->ops->batch_max, 500);
    return c;
}

static void open_refusals(void **state) {
    (void)state;
    struct rk_recipient r = recipient_of(NULL);
    struct rk_client *c = NULL;
    struct rk_error e = RK_ERROR_INIT;
    unsetenv(KEY_ENV);
    assert_int_equal(rk_client_open(&r, &c, &e), RK_EREFUSED);
    assert_null(c);
    assert_string_equal(rk_error_msg(&e), "recipient 'mailchimp' is not configured: environment "
                                          "variable RKT_MC_KEY is not set");
    setenv(KEY_ENV, "s3cr3tk3y-without-dc!", 1);
    rk_error_clear(&e);
    assert_int_equal(rk_client_open(&r, &c, &e), RK_EREFUSED);
    assert_non_null(strstr(rk_error_msg(&e), "does not hold a Mailchimp API key"));
    assert_null(strstr(rk_error_msg(&e), "s3cr3t"));
    r.connector.type = RK_CONNECTOR_WEBHOOK;
    assert_int_equal(rk_client_open(&r, &c, &e), RK_EINVAL);
    /* Without url the API root is the key's data centre's (no request made here). */
    r = recipient_of(NULL);
    c = open_client(&r);
    rk_client_close(c);
    unsetenv(KEY_ENV);
}

static struct rk_contact contact(const char *name, const char *email, const char *phone) {
    struct rk_contact v = {.v = {NULL}};
    v.v[RK_F_NAME] = name;
    v.v[RK_F_EMAIL] = email;
    v.v[RK_F_PHONE] = phone;
    return v;
}

static void held_states(void **state) {
    (void)state;
    struct fakemc f;
    if (!fakemc_start(&f, NULL))
        skip();
    struct rk_recipient r = recipient_of(&f);
    struct rk_client *c = open_client(&r);
    struct rk_client_result res;
    char h[RK_MC_HASH_LEN + 1];
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_mc_subscriber_hash("anna@example.fi", h, &e), RK_OK);

    /* Active: subscribed with the shared merge fields; the key is the hash. */
    struct rk_contact v = contact("Anna Maria Virtanen", "Anna@Example.fi", NULL);
    struct rk_client_put p = {.person_id = "p1", .values = &v, .want = RK_HELD_ACTIVE};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    assert_string_equal(res.remote, h);
    json_t *st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "anna@example.fi"), "subscribed");
    json_t *mf = json_object_get(fakemc_member(st, "anna@example.fi"), "merge_fields");
    assert_string_equal(json_string_value(json_object_get(mf, "FNAME")), "Anna Maria");
    assert_string_equal(json_string_value(json_object_get(mf, "LNAME")), "Virtanen");
    json_decref(st);

    /* Restricted: unsubscribed and tagged; lifted: subscribed, the tag inactive. */
    p = (struct rk_client_put){.person_id = "p1",
                               .values = &v,
                               .want = RK_HELD_RESTRICTED,
                               .was = RK_HELD_ACTIVE,
                               .remote = h};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "anna@example.fi"), "unsubscribed");
    assert_true(member_tagged(st, "anna@example.fi", "rekisteri: restricted"));
    json_decref(st);
    p.want = RK_HELD_ACTIVE;
    p.was = RK_HELD_RESTRICTED;
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "anna@example.fi"), "subscribed");
    assert_false(member_tagged(st, "anna@example.fi", "rekisteri: restricted"));
    json_decref(st);

    /* A rectified address moves the member (PATCH on the old hash). */
    struct rk_contact v2 = contact("Anna Virtanen", "anna.virtanen@example.fi", NULL);
    p = (struct rk_client_put){.person_id = "p1",
                               .values = &v2,
                               .want = RK_HELD_ACTIVE,
                               .was = RK_HELD_ACTIVE,
                               .remote = h};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    char h2[RK_MC_HASH_LEN + 1];
    assert_int_equal(rk_mc_subscriber_hash("anna.virtanen@example.fi", h2, &e), RK_OK);
    assert_string_equal(res.remote, h2);
    st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "anna@example.fi"), "(absent)");
    assert_string_equal(fakemc_status(st, "anna.virtanen@example.fi"), "subscribed");
    json_decref(st);

    /* Inactive: unsubscribed by the remote key, with no values; unknown member: ok, "". */
    p = (struct rk_client_put){.person_id = "p1",
                               .values = NULL,
                               .want = RK_HELD_INACTIVE,
                               .was = RK_HELD_ACTIVE,
                               .remote = h2};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    assert_string_equal(res.remote, h2);
    st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "anna.virtanen@example.fi"), "unsubscribed");
    json_decref(st);
    struct rk_contact v3 = contact(NULL, "nobody@example.fi", NULL);
    p = (struct rk_client_put){.person_id = "p2", .values = &v3, .want = RK_HELD_INACTIVE};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    assert_string_equal(res.remote, "");
    /* Active without an address: refused for this person, nothing sent. */
    struct rk_contact v4 = contact("Nimi Vain", NULL, NULL);
    p = (struct rk_client_put){.person_id = "p3", .values = &v4, .want = RK_HELD_ACTIVE};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_PERMANENT);
    assert_false(res.stop);

    /* Erasure deletes for good: again is ok (404), a put after it is refused. */
    assert_int_equal(rk_client_erase(c, "p1", "anna.virtanen@example.fi", &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "anna.virtanen@example.fi"), "(absent)");
    json_decref(st);
    assert_int_equal(rk_client_erase(c, "p1", "anna.virtanen@example.fi", &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_OK);
    assert_int_equal(rk_client_erase(c, "p1", NULL, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_PERMANENT);
    p = (struct rk_client_put){.person_id = "p1", .values = &v2, .want = RK_HELD_ACTIVE};
    assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
    assert_int_equal(res.outcome, RK_CONNECT_PERMANENT);
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(res.error, "Forgotten Email Not Subscribed"));
    assert_null(strstr(res.error, "anna"));
    rk_client_close(c);

    /* Nothing but the values given was sent: every member body's keys and merge fields. */
    FILE *log = fopen(f.log, "r");
    assert_non_null(log);
    char line[8192];
    int bodies = 0;
    while (fgets(line, sizeof line, log)) {
        json_t *l = json_loads(line, 0, NULL), *b = json_object_get(l, "body"), *val;
        const char *k;
        assert_non_null(l);
        assert_null(strstr(line, KEY));
        json_object_foreach(b, k, val) {
            if (strcmp(k, "merge_fields") == 0) {
                const char *mk;
                json_t *mv;
                json_object_foreach(val, mk, mv) {
                    assert_true(strcmp(mk, "FNAME") == 0 || strcmp(mk, "LNAME") == 0);
                }
            } else
                assert_true(strcmp(k, "email_address") == 0 || strcmp(k, "status") == 0 ||
                            strcmp(k, "status_if_new") == 0 || strcmp(k, "tags") == 0);
            bodies++;
        }
        json_decref(l);
    }
    fclose(log);
    assert_true(bodies > 10);
    fakemc_stop(&f);
}

struct progress_seen {
    long long last, total;
    int calls;
};

static void on_progress(void *ctx, long long done, long long total) {
    struct progress_seen *p = ctx;
    assert_true(done >= p->last || p->calls == 0);
    p->last = done;
    p->total = total;
    p->calls++;
}

struct pulled {
    int active, unsubscribed, other;
    long long last_total;
    bool named;
};

static int on_pulled(void *ctx, const struct rk_client_pulled *m, long long done, long long total) {
    struct pulled *p = ctx;
    p->active += m->status == RK_PULLED_ACTIVE;
    p->unsubscribed += m->status == RK_PULLED_UNSUBSCRIBED;
    p->other += m->status == RK_PULLED_OTHER || m->status == RK_PULLED_CLEANED;
    assert_int_equal(strlen(m->remote), RK_MC_HASH_LEN);
    assert_true(done <= total);
    p->last_total = total;
    if (strcmp(m->email, "b7@example.fi") == 0)
        p->named = strcmp(m->name, "Etu7 Suku") == 0 && strcmp(m->phone, "") == 0;
    return 0;
}

static void batch_and_pull(void **state) {
    (void)state;
    struct fakemc f;
    if (!fakemc_start(&f, NULL))
        skip();
    struct rk_recipient r = recipient_of(&f);
    struct rk_client *c = open_client(&r);
    enum { N = 150 };
    static char emails[N][40], names[N][40];
    struct rk_contact v[N];
    struct rk_client_put p[N];
    struct rk_client_result res[N];
    for (int i = 0; i < N; i++) {
        snprintf(emails[i], sizeof emails[i], "b%d@example.fi", i);
        snprintf(names[i], sizeof names[i], "Etu%d Suku", i);
        v[i] = contact(names[i], emails[i], NULL);
        p[i] = (struct rk_client_put){.person_id = "p",
                                      .values = &v[i],
                                      .want = i % 10 == 9 ? RK_HELD_RESTRICTED : RK_HELD_ACTIVE};
    }
    struct progress_seen seen = {0};
    assert_int_equal(rk_client_put_many(c, p, N, res, on_progress, &seen), RK_OK);
    for (int i = 0; i < N; i++) {
        assert_int_equal(res[i].outcome, RK_CONNECT_OK);
        assert_int_equal(strlen(res[i].remote), RK_MC_HASH_LEN);
    }
    assert_true(seen.calls >= 1);
    assert_int_equal(seen.total, N);
    json_t *st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "b0@example.fi"), "subscribed");
    assert_string_equal(fakemc_status(st, "b9@example.fi"), "unsubscribed");
    assert_true(member_tagged(st, "b9@example.fi", "rekisteri: restricted"));
    assert_int_equal(json_object_size(json_object_get(st, "batches")), 1);
    json_decref(st);

    /* One member the fake refuses (not an address): the batch errs, each put is redone
     * alone, that one permanent and the others ok. */
    v[3].v[RK_F_EMAIL] = "not-an-address@";
    for (int i = 0; i < N; i++) {
        p[i].was = p[i].want;
        p[i].want = i == 42 ? RK_HELD_INACTIVE : RK_HELD_ACTIVE;
    }
    assert_int_equal(rk_client_put_many(c, p, N, res, NULL, NULL), RK_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(res[i].outcome, i == 3 ? RK_CONNECT_PERMANENT : RK_CONNECT_OK);
    assert_null(strstr(res[3].error, "not-an-address"));
    st = fakemc_state(&f);
    assert_string_equal(fakemc_status(st, "b42@example.fi"), "unsubscribed");
    assert_string_equal(fakemc_status(st, "b9@example.fi"), "subscribed");
    assert_false(member_tagged(st, "b9@example.fi", "rekisteri: restricted"));
    json_decref(st);

    /* The pull reads every member (pages of 1000; here one) with the progress. */
    struct pulled pl = {0};
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_client_pull(c, on_pulled, &pl, &e), RK_OK);
    assert_int_equal(pl.active, N - 1); /* b42 unsubscribed (b3 kept its first address) */
    assert_int_equal(pl.unsubscribed, 1);
    assert_int_equal(pl.last_total, N);
    assert_true(pl.named);
    rk_client_close(c);
    fakemc_stop(&f);
}

static void limits_and_auth(void **state) {
    (void)state;
    struct fakemc f;
    const char *const extra[] = {"--rate-429", "2", "--retry-after", "7", NULL};
    if (!fakemc_start(&f, extra))
        skip();
    struct rk_recipient r = recipient_of(&f);
    struct rk_client *c = open_client(&r);
    struct rk_contact v = contact("Eero", "eero@example.fi", NULL);
    struct rk_client_put p = {.person_id = "p1", .values = &v, .want = RK_HELD_ACTIVE};
    struct rk_client_result res;
    int transient = 0, ok = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
        if (res.outcome == RK_CONNECT_TRANSIENT) {
            transient++;
            assert_int_equal(res.status, 429);
            assert_int_equal(res.retry_after_s, 7);
            assert_false(res.stop);
        } else {
            ok += res.outcome == RK_CONNECT_OK;
        }
    }
    assert_int_equal(transient, 2);
    assert_int_equal(ok, 2);
    rk_client_close(c);

    /* A key the API refuses: permanent and stop, the key never in the error. */
    setenv(KEY_ENV, "ffffffffffffffffffffffffffffffff-us6", 1);
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_client_open(&r, &c, &e), RK_OK);
    int seen401 = 0;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rk_client_put(c, &p, &res), RK_OK);
        if (res.status == 401) {
            seen401++;
            assert_int_equal(res.outcome, RK_CONNECT_PERMANENT);
            assert_true(res.stop);
            assert_non_null(strstr(res.error, "API Key Invalid"));
            assert_null(strstr(res.error, "ffff"));
        }
    }
    assert_int_equal(seen401, 1);
    struct pulled pl = {0};
    rk_error_clear(&e);
    int calls = 0;
    for (; calls < 2 && rk_client_pull(c, on_pulled, &pl, &e) != RK_EIO; calls++)
        ;
    assert_true(calls < 2);
    assert_non_null(strstr(rk_error_msg(&e), "reading the audience"));
    rk_client_close(c);
    unsetenv(KEY_ENV);
    fakemc_stop(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_refusals),
        cmocka_unit_test(held_states),
        cmocka_unit_test(batch_and_pull),
        cmocka_unit_test(limits_and_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
