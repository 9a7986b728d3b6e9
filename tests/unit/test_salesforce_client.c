/*
 * test_salesforce_client.c — the Salesforce recipient client
 * (src/connect/salesforce_client.c) against the fake Salesforce
 * (tests/tools/fake_salesforce.c, started from $FAKE_SALESFORCE; the tests
 * skip when it is not set): opening and its refusals, put (upsert, restrict,
 * delete), erase, a refused record, the token fetched anew after it expired,
 * bad credentials (stop), API limits (transient), no answer, put_many through
 * a Bulk API 2.0 job with per-record failures and deletes, the pull with
 * paging, linking a Contact by its record Id — and the request log, which
 * must hold no field outside the shares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "connect/client.h"

#define ID_ENV     "RK_TEST_SF_CLIENT_ID"
#define SECRET_ENV "RK_TEST_SF_CLIENT_SECRET"

struct fake {
    pid_t pid;
    char url[64];
    char log[256];
};

/* Starts the fake with args (NULL-terminated); false when $FAKE_SALESFORCE is not set. */
static bool fake_start(struct fake *f, const char *const *args) {
    const char *bin = getenv("FAKE_SALESFORCE");
    if (!bin || !*bin)
        return false;
    snprintf(f->log, sizeof f->log, "/tmp/rk_sf_client_%ld_%ld.log", (long)getpid(),
             (long)time(NULL));
    unlink(f->log);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        const char *argv[32] = {bin, "--max-seconds", "120", "--log", f->log};
        size_t n = 5;
        for (size_t i = 0; args && args[i] && n < 30; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    char line[32] = "";
    size_t got = 0;
    while (got + 1 < sizeof line) {
        ssize_t r = read(fd[0], line + got, 1);
        if (r <= 0 || line[got] == '\n')
            break;
        got++;
    }
    line[got] = '\0';
    close(fd[0]);
    assert_true(got > 0);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%s", line);
    return true;
}

static void fake_stop(struct fake *f) {
    int st = 0;
    kill(f->pid, SIGTERM);
    waitpid(f->pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    unlink(f->log);
}

/* Whether the log holds a line with all of the needles (NULL-terminated). */
static int log_count(const struct fake *f, const char *const *needles) {
    FILE *fp = fopen(f->log, "r");
    if (!fp)
        return 0;
    char line[65536];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        bool all = true;
        for (size_t i = 0; needles[i]; i++)
            all = all && strstr(line, needles[i]);
        n += all;
    }
    fclose(fp);
    return n;
}

static const struct rk_category cat_name = {.id = "name"}, cat_email = {.id = "email"},
                                cat_org = {.id = "organisation"};
static const struct rk_category *cats[] = {&cat_name, &cat_email, &cat_org};

/* A recipient whose Salesforce connector points at the fake. */
struct fixture {
    struct rk_recipient r;
    struct rk_share share;
};

static void recipient(struct fixture *x, const char *url) {
    memset(x, 0, sizeof *x);
    x->share = (struct rk_share){.categories = cats, .ncategories = 3};
    x->r.id = "crm";
    x->r.shares = &x->share;
    x->r.nshares = 1;
    x->r.connector = (struct rk_connector){.type = RK_CONNECTOR_SALESFORCE,
                                           .url = url,
                                           .client_id_env = ID_ENV,
                                           .client_secret_env = SECRET_ENV,
                                           .external_id_field = "Rekisteri_Id__c",
                                           .restriction_field = "Processing_Restricted__c"};
    setenv(ID_ENV, "FAKE_ID", 1);
    setenv(SECRET_ENV, "FAKE_SECRET", 1);
}

static struct rk_client *open_ok(const struct rk_recipient *r) {
    struct rk_client *c = NULL;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_client_open(r, &c, &e);
    if (err != RK_OK)
        fail_msg("open: %s", e.message);
    assert_string_equal(c->ops->type, "salesforce");
    return c;
}

static const char P1[] = "aaaaaaaaaaaaaaaaaaaaaaaaaa", P2[] = "bbbbbbbbbbbbbbbbbbbbbbbbbb";

static void open_refusals(void **state) {
    (void)state;
    struct fixture x;
    recipient(&x, "http://127.0.0.1:9");
    struct rk_client *c = NULL;
    struct rk_error e = RK_ERROR_INIT;
    unsetenv(SECRET_ENV);
    assert_int_equal(rk_client_open(&x.r, &c, &e), RK_EREFUSED);
    assert_null(c);
    assert_string_equal(e.message, "recipient 'crm' is not configured: environment variable "
                                   "RK_TEST_SF_CLIENT_SECRET is not set");
    setenv(SECRET_ENV, "FAKE_SECRET", 1);
    x.r.connector.external_id_field = "Bad Field";
    assert_int_equal(rk_client_open(&x.r, &c, &e), RK_EREFUSED);
    assert_non_null(strstr(e.message, "external_id_field"));
    x.r.connector.external_id_field = "Rekisteri_Id__c";
    x.r.connector.api_version = "v60";
    assert_int_equal(rk_client_open(&x.r, &c, &e), RK_EREFUSED);
    assert_non_null(strstr(e.message, "api_version"));
    x.r.connector.api_version = NULL;
    x.r.connector.type = RK_CONNECTOR_WEBHOOK;
    assert_int_equal(rk_client_open(&x.r, &c, &e), RK_EINVAL);
    x.r.connector.type = RK_CONNECTOR_SALESFORCE;
    c = open_ok(&x.r);
    assert_int_equal(c->ops->batch_min, 200);
    assert_int_equal(c->ops->batch_max, 10000);
    rk_client_close(c);
}

static void put_and_delete(void **state) {
    (void)state;
    struct fake f;
    if (!fake_start(&f, NULL))
        skip();
    struct fixture x;
    recipient(&x, f.url);
    struct rk_client *c = open_ok(&x.r);
    struct rk_contact v = {.v = {[RK_F_NAME] = "Anna Virtanen",
                                 [RK_F_EMAIL] = "anna@example.fi",
                                 [RK_F_PHONE] = "+358401234567", /* not shared */
                                 [RK_F_ORGANISATION] = "R&D"}};
    struct rk_client_put p = {.person_id = P1, .values = &v, .want = RK_HELD_ACTIVE};
    struct rk_client_result r;
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    if (r.outcome != RK_CONNECT_OK)
        fail_msg("put: %s", r.error);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.remote, P1);
    p.want = RK_HELD_RESTRICTED;
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    assert_int_equal(r.status, 200);
    const char *restricted[] = {"\"PATCH\"", P1, "\"Processing_Restricted__c\":true", NULL};
    assert_int_equal(log_count(&f, restricted), 1);
    const char *fields[] = {"\"fields\":[\"FirstName\",\"LastName\",\"Email\",\"Department\","
                            "\"Processing_Restricted__c\"]",
                            NULL};
    assert_int_equal(log_count(&f, fields), 2);
    const char *phone[] = {"Phone", NULL}, *secret[] = {"FAKE_SECRET", NULL};
    assert_int_equal(log_count(&f, phone), 0);
    assert_int_equal(log_count(&f, secret), 0);
    /* Refused: an address Salesforce does not take; the error never quotes it. */
    struct rk_contact bad = {.v = {[RK_F_EMAIL] = "not-an-address"}};
    struct rk_client_put pb = {.person_id = P2, .values = &bad, .want = RK_HELD_ACTIVE};
    assert_int_equal(rk_client_put(c, &pb, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_false(r.stop);
    assert_string_equal(r.error, "Salesforce answered 400 INVALID_EMAIL_ADDRESS");
    /* A person id no path can carry. */
    pb.person_id = "../x";
    assert_int_equal(rk_client_put(c, &pb, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    /* Inactive: deleted; again: nothing held, ok. */
    p.want = RK_HELD_INACTIVE;
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    assert_int_equal(r.status, 204);
    assert_string_equal(r.remote, "");
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    assert_int_equal(r.status, 404);
    /* Erase: the same DELETE. */
    p.want = RK_HELD_ACTIVE;
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(rk_client_erase(c, P1, "anna@example.fi", &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    assert_int_equal(r.status, 204);
    assert_int_equal(rk_client_erase(c, P1, "anna@example.fi", &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    const char *tokens[] = {"/services/oauth2/token", NULL};
    assert_int_equal(log_count(&f, tokens), 1);
    rk_client_close(c);
    fake_stop(&f);
}

/* link: a Contact the org had before rekisteri is given the person id by its record Id, so
 * that the next upsert finds it; the refusals (the id taken, the Contact gone, ids no path can
 * carry) are permanent for that person, never a stop. */
static void link_contacts(void **state) {
    (void)state;
    char seed[128];
    snprintf(seed, sizeof seed, "/tmp/rk_sf_link_seed_%ld.json", (long)getpid());
    FILE *fp = fopen(seed, "w");
    assert_non_null(fp);
    fputs("{\"contacts\": [{\"LastName\": \"One\", \"Email\": \"one@example.fi\"},"
          " {\"LastName\": \"Two\"}]}",
          fp);
    fclose(fp);
    const char *args[] = {"--seed", seed, NULL};
    struct fake f;
    bool started = fake_start(&f, args);
    unlink(seed);
    if (!started)
        skip();
    struct fixture x;
    recipient(&x, f.url);
    struct rk_client *c = open_ok(&x.r);
    assert_true(rk_client_links(c));
    struct rk_client_result r;
    assert_int_equal(rk_client_link(c, "003FK0000000000001", P1, &r), RK_OK);
    if (r.outcome != RK_CONNECT_OK)
        fail_msg("link: %s", r.error);
    assert_int_equal(r.status, 204);
    assert_string_equal(r.remote, P1);
    const char *linked[] = {"\"PATCH\"", "/sobjects/Contact/003FK0000000000001\"",
                            "\"fields\":[\"Rekisteri_Id__c\"]", NULL};
    assert_int_equal(log_count(&f, linked), 1);
    /* the upsert by the external id now updates that Contact: no second one */
    struct rk_contact v = {.v = {[RK_F_NAME] = "Olli One", [RK_F_EMAIL] = "one@example.fi"}};
    struct rk_client_put p = {.person_id = P1, .values = &v, .want = RK_HELD_ACTIVE};
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    assert_int_equal(r.status, 200);
    /* the id another Contact holds */
    assert_int_equal(rk_client_link(c, "003FK0000000000002", P1, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_false(r.stop);
    assert_string_equal(r.error, "Salesforce answered 400 DUPLICATE_VALUE");
    /* a Contact that is gone */
    assert_int_equal(rk_client_link(c, "003FK0000000000099", P2, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_false(r.stop);
    assert_string_equal(r.error, "Salesforce answered 404 NOT_FOUND");
    /* ids no path can carry: refused without a call */
    const char *patches[] = {"\"PATCH\"", NULL};
    int before = log_count(&f, patches);
    assert_int_equal(rk_client_link(c, "003FK/../../x12345", P2, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_string_equal(r.error, "the Contact Id is not 15 or 18 letters and digits");
    assert_int_equal(rk_client_link(c, "003FK00000000000", P2, &r), RK_OK); /* 16 */
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_int_equal(rk_client_link(c, "003FK0000000000002", "../x", &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_string_equal(r.error, "the person id is not letters and digits");
    assert_int_equal(log_count(&f, patches), before);
    rk_client_close(c);
    fake_stop(&f);
    /* a type that does not link */
    static const struct rk_client_ops none = {.type = "none"};
    struct rk_client d = {.ops = &none};
    assert_false(rk_client_links(&d));
    assert_int_equal(rk_client_link(&d, "003FK0000000000001", P1, &r), RK_EINVAL);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
}

static void tokens_and_limits(void **state) {
    (void)state;
    struct fake f;
    const char *args[] = {"--token-ttl", "1", "--rate-limit", "6", NULL};
    if (!fake_start(&f, args))
        skip();
    struct fixture x;
    recipient(&x, f.url);
    struct rk_client *c = open_ok(&x.r);
    struct rk_contact v = {.v = {[RK_F_NAME] = "Anna", [RK_F_EMAIL] = "anna@example.fi"}};
    struct rk_client_put p = {.person_id = P1, .values = &v, .want = RK_HELD_ACTIVE};
    struct rk_client_result r;
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK); /* requests 1 (token), 2 */
    assert_int_equal(r.outcome, RK_CONNECT_OK);
    sleep(2);
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK); /* 3 (401), 4 (token), 5 */
    if (r.outcome != RK_CONNECT_OK)
        fail_msg("after expiry: %s", r.error);
    const char *tokens[] = {"/services/oauth2/token", "\"status\":200", NULL};
    assert_int_equal(log_count(&f, tokens), 2);
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK); /* 6: the org's API limit */
    assert_int_equal(r.outcome, RK_CONNECT_TRANSIENT);
    assert_false(r.stop);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.error, "Salesforce answered 403 REQUEST_LIMIT_EXCEEDED");
    rk_client_close(c);
    /* Bad credentials: permanent, and the pass stops. */
    setenv(SECRET_ENV, "WRONG_SECRET", 1);
    c = open_ok(&x.r);
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_true(r.stop);
    assert_string_equal(r.error, "Salesforce answered 400 invalid_client");
    rk_client_close(c);
    /* A token answer moving an https instance to plain http is refused. */
    setenv(SECRET_ENV, "FAKE_SECRET", 1);
    char token_url[128];
    snprintf(token_url, sizeof token_url, "%s/services/oauth2/token", f.url);
    x.r.connector.url = "https://example.invalid";
    x.r.connector.token_url = token_url;
    c = open_ok(&x.r);
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_PERMANENT);
    assert_true(r.stop);
    assert_non_null(strstr(r.error, "not https"));
    rk_client_close(c);
    fake_stop(&f);
    const char *args429[] = {"--rate-429", "2", "--retry-after", "9", NULL};
    if (!fake_start(&f, args429))
        skip();
    recipient(&x, f.url);
    c = open_ok(&x.r);
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_TRANSIENT);
    assert_int_equal(r.status, 429);
    assert_int_equal(r.retry_after_s, 9);
    rk_client_close(c);
    fake_stop(&f);
    /* No answer at all. */
    recipient(&x, "http://127.0.0.1:9");
    c = open_ok(&x.r);
    assert_int_equal(rk_client_put(c, &p, &r), RK_OK);
    assert_int_equal(r.outcome, RK_CONNECT_TRANSIENT);
    assert_int_equal(r.status, 0);
    rk_client_close(c);
}

static long long progress_calls;
static void on_progress(void *ctx, long long done, long long total) {
    (void)ctx;
    assert_true(done <= total);
    progress_calls++;
}

struct pulled {
    int n, with_id;
    long long total;
    bool saw_anna, saw_solo;
};

static int on_pulled(void *ctx, const struct rk_client_pulled *p, long long done, long long total) {
    struct pulled *s = ctx;
    s->n++;
    s->total = total;
    assert_int_equal(p->status, RK_PULLED_ACTIVE);
    assert_true(done == s->n);
    assert_int_equal(strlen(p->remote), 18);
    s->with_id += p->person_id[0] != '\0';
    if (strcmp(p->name, "Anna 5 Virtanen") == 0 && strcmp(p->organisation, "Org") == 0)
        s->saw_anna = true;
    if (strcmp(p->name, "") == 0 && strcmp(p->email, "solo@example.fi") == 0)
        s->saw_solo = true;
    return 0;
}

static int stop_at_three(void *ctx, const struct rk_client_pulled *p, long long done,
                         long long total) {
    (void)ctx, (void)p, (void)total;
    return done == 3;
}

static void many_and_pull(void **state) {
    (void)state;
    struct fake f;
    const char *args[] = {"--page-size", "100", NULL};
    if (!fake_start(&f, args))
        skip();
    struct fixture x;
    recipient(&x, f.url);
    struct rk_client *c = open_ok(&x.r);
    enum { N = 250 };
    static char ids[N][RK_ID_LEN + 1], emails[N][64], names[N][64];
    static struct rk_contact v[N];
    static struct rk_client_put p[N];
    static struct rk_client_result r[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "p%025d", i);
        snprintf(emails[i], sizeof emails[i], i == 7 ? "broken%d" : "p%d@example.fi", i);
        snprintf(names[i], sizeof names[i], "Anna %d Virtanen", i);
        v[i] = (struct rk_contact){.v = {[RK_F_NAME] = names[i],
                                         [RK_F_EMAIL] = emails[i],
                                         [RK_F_PHONE] = "+358401234567",
                                         [RK_F_ORGANISATION] = "Org"}};
        p[i] = (struct rk_client_put){.person_id = ids[i],
                                      .values = &v[i],
                                      .want = i % 10 == 3 ? RK_HELD_RESTRICTED : RK_HELD_ACTIVE};
    }
    /* A Contact with no name shared, and one to delete within the batch. */
    v[9].v[RK_F_NAME] = NULL;
    snprintf(emails[9], sizeof emails[9], "solo@example.fi");
    struct rk_client_put one = p[11];
    struct rk_client_result r1;
    assert_int_equal(rk_client_put(c, &one, &r1), RK_OK);
    assert_int_equal(r1.outcome, RK_CONNECT_OK);
    p[11].want = RK_HELD_INACTIVE;
    p[12].want = RK_HELD_INACTIVE; /* never held: ok too */
    /* A value no CSV may carry: refused before the job. */
    v[20].v[RK_F_ORGANISATION] = "#N/A";
    progress_calls = 0;
    assert_int_equal(rk_client_put_many(c, p, N, r, on_progress, NULL), RK_OK);
    assert_true(progress_calls >= 2);
    for (int i = 0; i < N; i++) {
        if (i == 7) {
            assert_int_equal(r[i].outcome, RK_CONNECT_PERMANENT);
            assert_string_equal(r[i].error, "Salesforce refused the record: INVALID_EMAIL_ADDRESS");
            assert_null(strstr(r[i].error, "broken"));
        } else if (i == 20) {
            assert_int_equal(r[i].outcome, RK_CONNECT_PERMANENT);
            assert_string_equal(r[i].error, "the organisation is not UTF-8 or is \"#N/A\"");
        } else if (i == 11 || i == 12) {
            assert_int_equal(r[i].outcome, RK_CONNECT_OK);
            assert_string_equal(r[i].remote, "");
        } else {
            if (r[i].outcome != RK_CONNECT_OK)
                fail_msg("put %d: %s", i, r[i].error);
            assert_string_equal(r[i].remote, ids[i]);
        }
    }
    /* One job, its CSV carrying only the shared columns (no Phone). */
    const char *csv[] = {"\"PUT\"",
                         "\"fields\":[\"Rekisteri_Id__c\",\"FirstName\",\"LastName\","
                         "\"Email\",\"Department\",\"Processing_Restricted__c\"]",
                         "\"rows\":247", NULL};
    assert_int_equal(log_count(&f, csv), 1);
    const char *phone[] = {"Phone", NULL};
    assert_int_equal(log_count(&f, phone), 0);
    /* The pull reads them back in pages of 100: 250 - 7, 11, 12, 20 = 246 - 1 (7 failed). */
    struct pulled s = {0};
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_client_pull(c, on_pulled, &s, &e), RK_OK);
    assert_int_equal(s.n, 246);
    assert_true(s.total == 246);
    assert_int_equal(s.with_id, 246);
    assert_true(s.saw_anna);
    assert_true(s.saw_solo);
    const char *pages[] = {"/query/01gFAKE-", NULL};
    assert_int_equal(log_count(&f, pages), 2);
    assert_int_equal(rk_client_pull(c, stop_at_three, NULL, &e), RK_EREFUSED);
    rk_client_close(c);
    fake_stop(&f);
    /* A pull the org refuses: RK_EIO naming the status and code. */
    recipient(&x, "http://127.0.0.1:9");
    c = open_ok(&x.r);
    rk_error_clear(&e);
    assert_int_equal(rk_client_pull(c, on_pulled, &s, &e), RK_EIO);
    assert_non_null(strstr(e.message, "did not answer"));
    rk_client_close(c);
}

/* A job that ends Failed: the puts are redone one by one; an API limit on the way makes the
 * rest transient, none of them refused. */
static void many_fallback(void **state) {
    (void)state;
    struct fake f;
    const char *args[] = {"--fail-jobs", "1", "--rate-limit", "12", NULL};
    if (!fake_start(&f, args))
        skip();
    struct fixture x;
    recipient(&x, f.url);
    struct rk_client *c = open_ok(&x.r);
    enum { N = 10 };
    static char ids[N][RK_ID_LEN + 1];
    static struct rk_contact v = {.v = {[RK_F_NAME] = "Anna", [RK_F_EMAIL] = "a@example.fi"}};
    struct rk_client_put p[N];
    struct rk_client_result r[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "q%025d", i);
        p[i] = (struct rk_client_put){.person_id = ids[i], .values = &v, .want = RK_HELD_ACTIVE};
    }
    /* 1 token, 2 create, 3 upload, 4 close, 5 poll (InProgress), 6 poll (Failed), then puts
     * 7..11 ok, 12 the API limit. */
    assert_int_equal(rk_client_put_many(c, p, N, r, NULL, NULL), RK_OK);
    int ok = 0, transient = 0;
    for (int i = 0; i < N; i++) {
        ok += r[i].outcome == RK_CONNECT_OK;
        transient += r[i].outcome == RK_CONNECT_TRANSIENT;
        if (r[i].outcome == RK_CONNECT_TRANSIENT)
            assert_string_equal(r[i].error, "Salesforce answered 403 REQUEST_LIMIT_EXCEEDED");
    }
    assert_int_equal(ok, 5);
    assert_int_equal(transient, 5);
    const char *puts[] = {"\"PATCH\"", "/sobjects/Contact/", NULL};
    assert_int_equal(log_count(&f, puts), 6);
    rk_client_close(c);
    fake_stop(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_refusals),     cmocka_unit_test(put_and_delete),
        cmocka_unit_test(tokens_and_limits), cmocka_unit_test(many_and_pull),
        cmocka_unit_test(many_fallback),     cmocka_unit_test(link_contacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
