/*
 * test_pull.c — moving in from a recipient (core/pull.c) over a real SQLite
 * store with tests/decls/full.yaml, whose recipient "mailer" is made a
 * Mailchimp connector and "crm" a Salesforce one on the loaded declaration
 * (the structs are set directly). The recipient is a test double: a struct
 * rk_client whose pull yields the members or Contacts a test lists. Every
 * refusal of the pull is provoked once, and no reason may hold a value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "core/consent.h"
#include "core/pull.h"
#include "core/register.h"
#include "regfix.h"
#include "testutil.h"

#define NOW            "2025-06-01T12:00:00Z"
#define LIST_ID        "a1b2c3d4e5"
#define NO_SUCH_PERSON "aaaaaaaaaaaaaaaaaaaaaaaaaa"

/* ---- The double ------------------------------------------------------------------------- */

struct dbl {
    struct rk_client base;
    const struct rk_client_pulled *items;
    size_t n;
    size_t fail_at; /* 0: never; k: the read of item k (1-based) fails with RK_EIO */
};

static rk_err dbl_pull(struct rk_client *c, rk_client_pull_fn fn, void *ctx, struct rk_error *e) {
    struct dbl *d = (struct dbl *)c;
    for (size_t i = 0; i < d->n; i++) {
        if (d->fail_at && i + 1 == d->fail_at)
            return rk_error_set(e, RK_EIO, NULL, "recipient 'mailer': 503 Service Unavailable");
        struct rk_client_pulled p = d->items[i];
        const char **strings[] = {&p.email,        &p.name,   &p.phone,     &p.position,
                                  &p.organisation, &p.remote, &p.person_id, &p.signup_at,
                                  &p.signup_ip,    &p.opt_at, &p.opt_ip};
        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
            if (!*strings[k])
                *strings[k] = "";
        if (fn(ctx, &p, (long long)i + 1, (long long)d->n))
            return RK_EREFUSED;
    }
    return RK_OK;
}

static const struct rk_client_ops dbl_ops = {.type = "double", .pull = dbl_pull};

/* A pulled person (status active unless given); the double hands its absent strings on as "",
 * as a client does. */
#define PULLED(...) ((struct rk_client_pulled){__VA_ARGS__})

/* ---- Fixture ---------------------------------------------------------------------------- */

static struct rk_recipient *recipient(struct rkt_reg *f, const char *id) {
    for (size_t i = 0; i < f->decl->nrecipients; i++)
        if (strcmp(f->decl->recipients[i].id, id) == 0)
            return &f->decl->recipients[i];
    fail_msg("no recipient %s", id);
    return NULL;
}

static int setup(void **state) {
    if (rkt_reg_setup(state, "pull", "tests/decls/full.yaml") != 0)
        return -1;
    struct rkt_reg *f = *state;
    struct rk_recipient *mc = recipient(f, "mailer");
    mc->connector.type = RK_CONNECTOR_MAILCHIMP;
    mc->connector.list_id = LIST_ID;
    mc->connector.api_key_env = "REKISTERI_MAILCHIMP_API_KEY";
    mc->connector.purpose = rk_decl_purpose(f->decl, "marketing");
    struct rk_recipient *sf = recipient(f, "crm");
    sf->connector.type = RK_CONNECTOR_SALESFORCE;
    sf->connector.url = "https://acme.my.salesforce.com";
    sf->connector.external_id_field = "Rekisteri_Id__c";
    sf->connector.restriction_field = "Processing_Restricted__c";
    return 0;
}

/* The adopted persons a pull handed on. */
struct adopted {
    char id[16][RK_ID_LEN + 1];
    int n;
};

static rk_err on_adopted(void *ctx, const char *person_id, enum rk_held held) {
    struct adopted *a = ctx;
    assert_int_equal(held, RK_HELD_ACTIVE);
    assert_true(a->n < 16);
    snprintf(a->id[a->n++], RK_ID_LEN + 1, "%s", person_id);
    return RK_OK;
}

static rk_err pull_with(struct rkt_reg *f, const char *rid, const struct rk_client_pulled *items,
                        size_t n, struct rk_pull_options *o, struct rk_pull_report *out) {
    struct rk_recipient *r = recipient(f, rid);
    struct dbl d = {.base = {.ops = &dbl_ops, .recipient = r}, .items = items, .n = n};
    o->now = rkt_ts(NOW);
    return rk_pull_recipient(&f->reg, r, &d.base, o, out, rkt_clear(&f->msg));
}

static rk_err pull(struct rkt_reg *f, const char *rid, const struct rk_client_pulled *items,
                   size_t n, struct rk_pull_report *out) {
    struct rk_pull_options o = {.dry_run = false};
    return pull_with(f, rid, items, n, &o, out);
}

/* The person holding email (normalised), or "" when none. */
static const char *person_of(struct rkt_reg *f, const char *email) {
    static char id[RK_ID_LEN + 1];
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&f->keys, RK_F_EMAIL, email, h);
    if (rk_store_find_by_hash(f->store, h, NULL, id) != RK_OK)
        id[0] = '\0';
    return id;
}

/* A person in register reg_id (purpose, with a consent at `at` when it rests on consent). */
static void add(struct rkt_reg *f, const char *reg_id, const char *purpose, const char *name,
                const char *email, const char *at, char id[RK_ID_LEN + 1]) {
    struct rk_write w = {reg_id, purpose, RK_SRC_WEB_FORM, NULL, rkt_ts(at)};
    struct rk_contact c = {.v = {[RK_F_NAME] = name, [RK_F_EMAIL] = email}};
    struct rk_consent_input in = {.channel = "web_form", .at = rkt_ts(at)};
    bool consent = strcmp(purpose, "marketing") == 0;
    RKT_OK(f,
           rk_reg_person_add(&f->reg, &w, NULL, &c, consent ? &in : NULL, id, rkt_clear(&f->msg)));
}

/* The consent events of a person, as "kind channel collector @at | evidence" lines. */
struct events {
    char text[2048];
    int n;
};

static int take_event(void *ctx, const struct rk_consent_event *ev) {
    struct events *x = ctx;
    char at[RK_TS_LEN + 1];
    rk_ts_format(ev->at, at);
    size_t len = strlen(x->text);
    snprintf(x->text + len, sizeof x->text - len, "%d %s %s @%s | %s | %s\n", (int)ev->kind,
             ev->channel ? ev->channel : "", ev->collector ? ev->collector : "", at,
             ev->evidence ? ev->evidence : "", ev->ip ? ev->ip : "");
    x->n++;
    return 0;
}

static struct events events_of(struct rkt_reg *f, const char *person_id) {
    struct events x = {.n = 0};
    x.text[0] = '\0';
    assert_int_equal(rk_store_consent_events(f->store, person_id, take_event, &x), RK_OK);
    return x;
}

static bool detail_is(const struct rk_provenance *p, const void *arg) {
    return p->detail && strcmp(p->detail, arg) == 0 && p->by && strcmp(p->by, "pull") == 0;
}

/* No reason of a report holds any of the values. */
static void assert_no_values(const struct rk_pull_report *r, const char *const *values) {
    for (size_t i = 0; i < r->nreasons; i++)
        for (const char *const *v = values; *v; v++)
            if (**v && strstr(r->reasons[i], *v))
                fail_msg("reason '%s' holds a value", r->reasons[i]);
}

/* ---- Mailchimp ---------------------------------------------------------------------------- */

static void mailchimp_members_become_persons_with_consent(void **state) {
    struct rkt_reg *f = *state;
    const struct rk_client_pulled m[] = {
        PULLED(.email = "Anna@Example.fi", .name = "Anna Aalto", .phone = "040 123 4567",
               .opt_at = "2025-03-01T10:00:00+00:00", .opt_ip = "192.0.2.1",
               .signup_at = "2025-02-28T09:00:00+00:00", .signup_ip = "192.0.2.9"),
        PULLED(.email = "bo@example.fi", .signup_at = "2025-04-01T08:30:00+02:00"),
        PULLED(.email = "cy@example.fi", .name = "Cy"),
    };
    struct rk_pull_report r;
    struct adopted a = {.n = 0};
    struct rk_pull_options o = {.adopted = on_adopted, .adopted_ctx = &a};
    RKT_OK(f, pull_with(f, "mailer", m, 3, &o, &r));
    assert_string_equal(r.register_id, "marketing");
    assert_string_equal(r.purpose, "marketing");
    assert_int_equal(r.read, 3);
    assert_int_equal(r.total, 3);
    assert_int_equal(r.imported, 3);
    assert_int_equal(r.matched + r.rejected + r.skipped + r.suppressed, 0);
    assert_int_equal(r.art14_tasks, 0); /* the audience's signup form: from the person */
    assert_int_equal(r.adopted, 3);
    assert_int_equal(a.n, 3);

    const char *anna = person_of(f, "anna@example.fi");
    assert_true(rk_id_valid(anna));
    assert_string_equal(a.id[0], anna);
    struct rk_entry e;
    assert_int_equal(rk_store_entry_get(f->store, "marketing", anna, &e), RK_OK);
    assert_string_equal(e.v[RK_F_NAME], "Anna Aalto");
    assert_null(e.v[RK_F_PHONE]); /* marketing holds no phone: not taken */
    struct events ev = events_of(f, anna);
    assert_int_equal(ev.n, 1);
    assert_non_null(strstr(ev.text,
                           "0 mailchimp pull @2025-03-01T10:00:00Z | mailchimp list " LIST_ID
                           "; consent time from timestamp_opt; timestamp_opt "
                           "2025-03-01T10:00:00Z; ip_opt 192.0.2.1; timestamp_signup "
                           "2025-02-28T09:00:00Z; ip_signup 192.0.2.9 | 192.0.2.1"));
    /* timestamp_signup when there is no timestamp_opt; the offset is applied */
    ev = events_of(f, person_of(f, "bo@example.fi"));
    assert_non_null(strstr(ev.text, "@2025-04-01T06:30:00Z | mailchimp list " LIST_ID
                                    "; consent time from timestamp_signup;"));
    /* neither: the pull's own time, and the evidence says so */
    ev = events_of(f, person_of(f, "cy@example.fi"));
    assert_non_null(strstr(ev.text, "@" NOW " | mailchimp list " LIST_ID
                                    "; consent time from the pull (no opt-in time) |"));
    assert_int_equal(rkt_provenance_count(f, detail_is, "mailchimp list " LIST_ID), 1);
    assert_int_equal(rkt_audit_count(f, "person.add", NULL), 3);
    assert_int_equal(rkt_audit_like(f, "recipient.pull", "mailer: 3 read, 3 imported%"), 1);
    assert_int_equal(rkt_audit_mentions(f, "%example.fi%"), 0);
}

static void mailchimp_unsubscribed_and_cleaned_become_suppressions(void **state) {
    struct rkt_reg *f = *state;
    char held[RK_ID_LEN + 1];
    add(f, "marketing", "marketing", "Dan", "dan@example.fi", "2025-05-01T00:00:00Z", held);
    struct rk_census before = rkt_census(f, NULL);
    struct rk_client_pulled m[] = {
        PULLED(.status = RK_PULLED_UNSUBSCRIBED, .email = "dan@example.fi"),
        PULLED(.status = RK_PULLED_CLEANED, .email = "eve@example.fi"),
        PULLED(.status = RK_PULLED_OTHER, .email = "pending@example.fi"),
        PULLED(.status = RK_PULLED_UNSUBSCRIBED, .email = "eve@example.fi"), /* once is enough */
    };
    struct rk_pull_report r;
    RKT_OK(f, pull(f, "mailer", m, 4, &r));
    assert_int_equal(r.suppressed, 3);
    assert_int_equal(r.withdrawn, 1);
    assert_int_equal(r.skipped, 1);
    assert_int_equal(r.imported + r.matched + r.rejected, 0);
    struct rk_census after = rkt_census(f, NULL);
    assert_int_equal(after.persons, before.persons);
    assert_int_equal(after.suppressions, before.suppressions + 2);
    assert_int_equal(after.suppressions_objection, before.suppressions_objection + 2);
    assert_int_equal(after.consent_states_live, before.consent_states_live - 1);
    bool hit = false;
    RKT_OK(f, rk_reg_is_suppressed(&f->reg, RK_F_EMAIL, "eve@example.fi", &hit));
    assert_true(hit);
    struct events ev = events_of(f, held);
    assert_non_null(strstr(ev.text, "2 mailchimp pull @" NOW " | mailchimp pull: unsubscribed"));
    assert_int_equal(rkt_entries_with(f, NULL, RK_F_EMAIL, "pending@example.fi"), 0);

    /* A subscribed member whose address is suppressed is refused, counted apart. */
    m[0] = PULLED(.email = "eve@example.fi", .opt_at = "2025-05-01T00:00:00Z");
    RKT_OK(f, pull(f, "mailer", m, 1, &r));
    assert_int_equal(r.refused_suppressed, 1);
    assert_int_equal(r.rejected + r.imported, 0);
}

static void mailchimp_matches_persons_already_here(void **state) {
    struct rkt_reg *f = *state;
    char in_list[RK_ID_LEN + 1], customer[RK_ID_LEN + 1];
    add(f, "marketing", "marketing", "Fay", "fay@example.fi", "2025-05-01T00:00:00Z", in_list);
    add(f, "customer", "service", "Gus", "gus@example.fi", "2025-05-01T00:00:00Z", customer);
    const struct rk_client_pulled m[] = {
        PULLED(.email = "FAY@example.fi", .name = "Another Name", .opt_at = "2025-01-01"),
        PULLED(.email = "gus@example.fi", .name = "Gus G", .opt_at = "2025-05-20T00:00:00Z"),
    };
    struct rk_pull_report r;
    struct adopted a = {.n = 0};
    struct rk_pull_options o = {.adopted = on_adopted, .adopted_ctx = &a};
    int64_t persons = rkt_census(f, NULL).persons;
    RKT_OK(f, pull_with(f, "mailer", m, 2, &o, &r));
    assert_int_equal(r.matched, 2);
    assert_int_equal(r.imported, 0);
    assert_int_equal(rkt_census(f, NULL).persons, persons);
    /* Fay had a live consent: nothing recorded, her entry untouched, not adopted */
    assert_int_equal(events_of(f, in_list).n, 1);
    struct rk_entry e;
    assert_int_equal(rk_store_entry_get(f->store, "marketing", in_list, &e), RK_OK);
    assert_string_equal(e.v[RK_F_NAME], "Fay");
    /* Gus joins the marketing register with the member's consent, and is adopted */
    assert_int_equal(rk_store_entry_get(f->store, "marketing", customer, &e), RK_OK);
    assert_string_equal(e.v[RK_F_NAME], "Gus G");
    assert_int_equal(events_of(f, customer).n, 1);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.id[0], customer);

    /* A person in the list whose consent has run out (not yet swept) gets the member's. */
    char expired[RK_ID_LEN + 1];
    add(f, "marketing", "marketing", "Val", "val@example.fi", "2023-01-01T00:00:00Z", expired);
    struct rk_client_pulled v[] = {
        PULLED(.email = "val@example.fi", .opt_at = "2023-06-01T00:00:00Z")};
    RKT_OK(f, pull(f, "mailer", v, 1, &r)); /* an opt-in past the validity (18 months) */
    assert_int_equal(r.rejected, 1);
    assert_string_equal(r.reasons[0],
                        "member 1: consent: the consent given at that time has already expired");
    assert_int_equal(events_of(f, expired).n, 1);
    v[0].opt_at = "2025-05-01T00:00:00Z";
    a.n = 0;
    RKT_OK(f, pull_with(f, "mailer", v, 1, &o, &r));
    assert_int_equal(r.matched, 1);
    assert_int_equal(a.n, 0); /* the entry was here already */
    struct events ev = events_of(f, expired);
    assert_int_equal(ev.n, 2);
    assert_non_null(strstr(ev.text, "0 mailchimp pull @2025-05-01T00:00:00Z"));
    struct rk_consent_state st;
    assert_int_equal(rk_store_consent_state_get(f->store, expired, "marketing", &st), RK_OK);
    assert_int_equal(rk_consent_effective(&st, rkt_ts(NOW)), RK_CONSENT_LIVE);

    /* A consent withdrawn here after the member's opt-in is not given again by the pull. */
    char gone[RK_ID_LEN + 1];
    add(f, "customer", "service", "Wes", "wes@example.fi", "2025-01-01T00:00:00Z", gone);
    struct rk_write wm = {"marketing", "marketing", RK_SRC_WEB_FORM, NULL,
                          rkt_ts("2025-01-01T00:00:00Z")};
    struct rk_contact wc = {.v = {[RK_F_EMAIL] = "wes@example.fi"}};
    struct rk_consent_input given = {.channel = "web_form", .at = wm.at};
    RKT_OK(f, rk_reg_person_add(&f->reg, &wm, gone, &wc, &given, NULL, rkt_clear(&f->msg)));
    struct rk_consent_input in = {.channel = "email", .at = rkt_ts("2025-04-01T00:00:00Z")};
    RKT_OK(f, rk_reg_consent(&f->reg, gone, "marketing", RK_CE_WITHDRAWN, &in, rkt_clear(&f->msg)));
    const struct rk_client_pulled w[] = {
        PULLED(.email = "wes@example.fi", .opt_at = "2025-03-01T00:00:00Z")};
    RKT_OK(f, pull(f, "mailer", w, 1, &r));
    assert_int_equal(r.rejected, 1);
    assert_string_equal(r.reasons[0], "member 1: consent: withdrawn here after the member's "
                                      "opt-in: the opt-in is not given again");
    assert_int_equal(rkt_entries_with(f, "marketing", RK_F_EMAIL, "wes@example.fi"), 0);
}

static void mailchimp_rejections_name_no_value(void **state) {
    struct rkt_reg *f = *state;
    const struct rk_client_pulled m[] = {
        PULLED(.email = "not-an-address", .name = "Hal"),
        PULLED(.email = "", .name = "Ida"),
        PULLED(.email = "jo@example.fi", .opt_at = "2022-01-01T00:00:00Z"), /* validity 18m */
        PULLED(.email = "kim@example.fi", .name = "Kim\x01"
                                                  "Bad"),
        PULLED(.email = "lea@example.fi", .opt_at = "yesterday", .opt_ip = "<script>"),
    };
    struct rk_pull_report r;
    RKT_OK(f, pull(f, "mailer", m, 5, &r));
    assert_int_equal(r.read, 5);
    assert_int_equal(r.rejected, 4);
    assert_int_equal(r.imported, 1);
    assert_int_equal(r.nreasons, 4);
    assert_string_equal(r.reasons[0], "member 1: email: has no '@'");
    assert_string_equal(r.reasons[1], "member 2: email: missing");
    assert_non_null(strstr(r.reasons[2], "member 3: consent: "));
    assert_non_null(strstr(r.reasons[2], "expired"));
    assert_non_null(strstr(r.reasons[3], "member 4: name: "));
    const char *values[] = {"not-an-address", "Hal", "Ida", "jo@", "Kim", NULL};
    assert_no_values(&r, values);
    /* A malformed opt-in time or address is not evidence: the pull's time, no IP. */
    struct events ev = events_of(f, person_of(f, "lea@example.fi"));
    assert_non_null(strstr(ev.text, "@" NOW " | mailchimp list " LIST_ID
                                    "; consent time from the pull (no opt-in time) | \n"));
    assert_null(strstr(ev.text, "script"));
}

static void mailchimp_dry_run_writes_nothing(void **state) {
    struct rkt_reg *f = *state;
    char held[RK_ID_LEN + 1];
    add(f, "marketing", "marketing", "Mia", "mia@example.fi", "2025-05-01T00:00:00Z", held);
    struct rk_census before = rkt_census(f, NULL);
    const struct rk_client_pulled m[] = {
        PULLED(.email = "new@example.fi"),
        PULLED(.email = "mia@example.fi"),
        PULLED(.status = RK_PULLED_UNSUBSCRIBED, .email = "gone@example.fi"),
        PULLED(.email = "bad"),
    };
    struct rk_pull_report r;
    struct adopted a = {.n = 0};
    struct rk_pull_options o = {.dry_run = true, .adopted = on_adopted, .adopted_ctx = &a};
    RKT_OK(f, pull_with(f, "mailer", m, 4, &o, &r));
    assert_int_equal(r.imported, 1);
    assert_int_equal(r.matched, 1);
    assert_int_equal(r.suppressed, 1);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(r.adopted, 0);
    assert_int_equal(a.n, 0);
    struct rk_census after = rkt_census(f, NULL);
    assert_memory_equal(&before, &after, sizeof before);
}

/* The progress a pull reports. */
static void on_progress(void *ctx, long long done, long long total) {
    long long *last = ctx;
    assert_true(done > last[0] && done <= total);
    last[0] = done;
    last[1] = total;
}

static void mailchimp_commits_in_batches_and_stops_on_a_failure(void **state) {
    struct rkt_reg *f = *state;
    struct rk_client_pulled m[5];
    char email[5][32];
    for (int i = 0; i < 5; i++) {
        snprintf(email[i], sizeof email[i], "p%d@example.fi", i);
        m[i] = PULLED(.email = email[i]);
    }
    struct rk_recipient *rc = recipient(f, "mailer");
    struct dbl d = {.base = {.ops = &dbl_ops, .recipient = rc}, .items = m, .n = 5, .fail_at = 4};
    struct adopted a = {.n = 0};
    long long progress[2] = {0, 0};
    struct rk_pull_options o = {.batch = 2,
                                .adopted = on_adopted,
                                .adopted_ctx = &a,
                                .progress = on_progress,
                                .progress_ctx = progress,
                                .now = rkt_ts(NOW)};
    struct rk_pull_report r;
    int64_t persons = rkt_census(f, NULL).persons;
    rk_err err = rk_pull_recipient(&f->reg, rc, &d.base, &o, &r, rkt_clear(&f->msg));
    assert_int_equal(err, RK_EIO);
    assert_string_equal(f->msg.message, "recipient 'mailer': 503 Service Unavailable");
    assert_int_equal(r.read, 3);
    assert_int_equal(r.imported, 2); /* the first batch; the third person was rolled back */
    assert_int_equal(a.n, 2);
    assert_int_equal(rkt_census(f, NULL).persons, persons + 2);
    assert_int_equal(progress[0], 3);
    assert_int_equal(progress[1], 5);
    assert_false(rk_reg_in_batch(&f->reg));

    /* Read again without the failure: the two are matched, the rest imported. */
    d.fail_at = 0;
    a.n = 0;
    progress[0] = 0;
    RKT_OK(f, rk_pull_recipient(&f->reg, rc, &d.base, &o, &r, rkt_clear(&f->msg)));
    assert_int_equal(r.matched, 2);
    assert_int_equal(r.imported, 3);
    assert_int_equal(rkt_census(f, NULL).persons, persons + 5);
    assert_string_equal(rk_reg_actor(&f->reg), "tester"); /* the caller's actor again */
}

static rk_err adopted_fails(void *ctx, const char *person_id, enum rk_held held) {
    (void)ctx;
    (void)person_id;
    (void)held;
    return RK_ENOMEM;
}

static void mailchimp_store_failure_keeps_the_committed_batches(void **state) {
    struct rkt_reg *f = *state;
    struct rk_client_pulled m[5];
    char email[5][32];
    for (int i = 0; i < 5; i++) {
        snprintf(email[i], sizeof email[i], "s%d@example.fi", i);
        m[i] = PULLED(.email = email[i]);
    }
    int64_t persons = rkt_census(f, NULL).persons;
    /* The store fails at the fourth new person with an error that is no refusal (SQLite's
     * "integer overflow", RK_EIO; a RAISE would be a constraint, which the register's writes
     * answer as a refusal; on PostgreSQL the same words under SQLSTATE 22003, numeric value
     * out of range). A trap in the database: raw SQL on purpose, in each backend's words. */
    char sql[512];
    if (f->pg)
        snprintf(sql, sizeof sql,
                 "CREATE FUNCTION fail_late() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN IF "
                 "(SELECT count(*) FROM person) >= %lld THEN RAISE EXCEPTION 'integer overflow' "
                 "USING ERRCODE = '22003'; END IF; RETURN NEW; END$$; CREATE TRIGGER fail_late "
                 "BEFORE INSERT ON person FOR EACH ROW EXECUTE FUNCTION fail_late()",
                 (long long)persons + 3);
    else
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER fail_late BEFORE INSERT ON person WHEN (SELECT count(*) FROM "
                 "person) >= %lld BEGIN SELECT abs(length(NEW.id) * 0 - 9223372036854775807 - 1); "
                 "END",
                 (long long)persons + 3);
    rkt_exec(f, sql);
    struct rk_pull_report r;
    struct rk_pull_options o = {.batch = 2};
    assert_int_not_equal(pull_with(f, "mailer", m, 5, &o, &r), RK_OK);
    assert_non_null(strstr(f->msg.message, "integer overflow"));
    assert_int_equal(r.read, 4);
    assert_int_equal(r.imported, 2);
    assert_int_equal(rkt_census(f, NULL).persons, persons + 2);
    assert_false(rk_reg_in_batch(&f->reg));
    assert_string_equal(rk_reg_actor(&f->reg), "tester");
    assert_int_equal(rkt_audit_count(f, "recipient.pull", NULL), 0);
    /* Once the cause is gone, the pull again finishes the work. */
    rkt_exec(f, f->pg ? "DROP TRIGGER fail_late ON person" : "DROP TRIGGER fail_late");
    RKT_OK(f, pull_with(f, "mailer", m, 5, &o, &r));
    assert_int_equal(r.matched, 2);
    assert_int_equal(r.imported, 3);
    assert_int_equal(rkt_census(f, NULL).persons, persons + 5);

    /* The caller's failure to keep the adopted persons stops the pull too. */
    const struct rk_client_pulled one[] = {PULLED(.email = "t@example.fi")};
    o = (struct rk_pull_options){.adopted = adopted_fails};
    RKT_EXPECT(f, pull_with(f, "mailer", one, 1, &o, &r), RK_ENOMEM,
               "the adopted persons could not be kept");
}

/* ---- Salesforce ----------------------------------------------------------------------------- */

static void salesforce_contacts_go_to_the_customer_register(void **state) {
    struct rkt_reg *f = *state;
    char linked[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    add(f, "marketing", "marketing", "Ned", "ned@example.fi", "2025-05-01T00:00:00Z", linked);
    add(f, "customer", "service", "Oona", "oona@example.fi", "2025-05-01T00:00:00Z", other);
    const struct rk_client_pulled c[] = {
        PULLED(.name = "Pia Paju", .email = "pia@example.fi", .phone = "040 765 4321",
               .position = "CTO", .organisation = "R&D", .remote = "003xx0001"),
        PULLED(.name = "Ned N", .email = "ned.work@example.fi", .person_id = linked,
               .remote = "003xx0002"),
        PULLED(.name = "[rekisteri]", .email = "quinn@example.fi", .remote = "003xx0003"),
        PULLED(.name = "Oona", .email = "oona@example.fi", .remote = "003xx0004"),
        PULLED(.name = "Ghost", .person_id = NO_SUCH_PERSON, .remote = "003xx0005"),
        PULLED(.name = "Rae", .person_id = "not an id", .remote = "003xx0006"),
    };
    struct rk_pull_report r;
    struct adopted a = {.n = 0};
    struct rk_pull_options o = {.adopted = on_adopted, .adopted_ctx = &a};
    int64_t tasks = rkt_census(f, NULL).tasks;
    RKT_OK(f, pull_with(f, "crm", c, 6, &o, &r));
    assert_string_equal(r.register_id, "customer");
    assert_string_equal(r.purpose, "service");
    assert_int_equal(r.imported, 2);
    assert_int_equal(r.matched, 2);
    assert_int_equal(r.rejected, 2);
    assert_string_equal(r.reasons[0], "contact 5: Rekisteri_Id__c: names no person here (erased, "
                                      "or another register's): not imported");
    assert_string_equal(r.reasons[1], "contact 6: Rekisteri_Id__c: names no person here (erased, "
                                      "or another register's): not imported");
    /* third_party: an art 14 task for each person written, matched ones added included */
    assert_int_equal(r.art14_tasks, 3);
    assert_int_equal(rkt_census(f, NULL).tasks, tasks + 3);
    /* Ned's Contact carries his id: matched to him, added to the register, adopted */
    assert_int_equal(a.n, 1);
    assert_string_equal(a.id[0], linked);
    /* the others have no external id: the first sync makes Contacts of its own */
    assert_int_equal(r.unlinked, 3);

    const char *pia = person_of(f, "pia@example.fi");
    struct rk_entry e;
    assert_int_equal(rk_store_entry_get(f->store, "customer", pia, &e), RK_OK);
    assert_string_equal(e.v[RK_F_NAME], "Pia Paju");
    assert_null(e.v[RK_F_PHONE]);        /* crm is not shared the phone */
    assert_null(e.v[RK_F_POSITION]);     /* nor does customer hold a position */
    assert_null(e.v[RK_F_ORGANISATION]); /* or an organisation */
    assert_int_equal(rk_store_entry_get(f->store, "customer", linked, &e), RK_OK);
    assert_string_equal(e.v[RK_F_EMAIL], "ned.work@example.fi");
    /* the LastName the sync sends for a person whose name is not shared is no name */
    assert_int_equal(rk_store_entry_get(f->store, "customer", person_of(f, "quinn@example.fi"), &e),
                     RK_OK);
    assert_null(e.v[RK_F_NAME]);
    assert_int_equal(rkt_provenance_count(f, detail_is, "salesforce org acme.my.salesforce.com"),
                     1);
    assert_int_equal(events_of(f, pia).n, 0); /* no consent: the customer register's purposes */
}

/* A double that also links (as Salesforce's client does): every call recorded; the Contact
 * `refuse` names is refused, the one `transient` names is a 429. */
struct ldbl {
    struct dbl d; /* first: dbl_pull reads it */
    struct rkt_reg *f;
    char remote[8][RK_CLIENT_REMOTE_MAX + 1], person[8][RK_ID_LEN + 1];
    int n;
    const char *refuse, *transient;
};

static rk_err ldbl_link(struct rk_client *c, const char *remote, const char *person_id,
                        struct rk_client_result *r) {
    struct ldbl *l = (struct ldbl *)c;
    /* only once the batch that wrote the person is committed */
    assert_false(rk_reg_in_batch(&l->f->reg));
    assert_int_equal(rk_store_person_exists(l->f->store, person_id, NULL, NULL), RK_OK);
    assert_true(l->n < 8);
    snprintf(l->remote[l->n], sizeof l->remote[l->n], "%s", remote);
    snprintf(l->person[l->n++], RK_ID_LEN + 1, "%s", person_id);
    if (l->refuse && strcmp(remote, l->refuse) == 0) {
        *r = (struct rk_client_result){.outcome = RK_CONNECT_PERMANENT, .status = 400};
        snprintf(r->error, sizeof r->error, "400 DUPLICATE_VALUE");
    } else if (l->transient && strcmp(remote, l->transient) == 0) {
        *r = (struct rk_client_result){
            .outcome = RK_CONNECT_TRANSIENT, .status = 429, .retry_after_s = 5};
        snprintf(r->error, sizeof r->error, "429 REQUEST_LIMIT_EXCEEDED");
    } else {
        *r = (struct rk_client_result){.outcome = RK_CONNECT_OK, .status = 204};
        snprintf(r->remote, sizeof r->remote, "%s", person_id);
    }
    return RK_OK;
}

static const struct rk_client_ops ldbl_ops = {
    .type = "double", .pull = dbl_pull, .link = ldbl_link};

static rk_err pull_linking(struct rkt_reg *f, struct ldbl *l, const struct rk_client_pulled *items,
                           size_t n, struct rk_pull_options *o, struct rk_pull_report *out) {
    struct rk_recipient *r = recipient(f, "crm");
    l->d = (struct dbl){.base = {.ops = &ldbl_ops, .recipient = r}, .items = items, .n = n};
    l->f = f;
    o->now = rkt_ts(NOW);
    return rk_pull_recipient(&f->reg, r, &l->d.base, o, out, rkt_clear(&f->msg));
}

static void salesforce_links_contacts_without_the_external_id(void **state) {
    struct rkt_reg *f = *state;
    char ned[RK_ID_LEN + 1], oona[RK_ID_LEN + 1];
    add(f, "marketing", "marketing", "Ned", "ned@example.fi", "2025-05-01T00:00:00Z", ned);
    add(f, "customer", "service", "Oona", "oona@example.fi", "2025-05-01T00:00:00Z", oona);
    const struct rk_client_pulled c[] = {
        PULLED(.name = "Pia Paju", .email = "pia@example.fi", .remote = "003xx0001"),
        PULLED(.name = "Ned N", .email = "ned@example.fi", .person_id = ned, .remote = "003xx0002"),
        PULLED(.name = "Oona", .email = "oona@example.fi", .remote = "003xx0003"),
        PULLED(.name = "Sam Salo", .email = "sam@example.fi", .remote = "003xx0004"),
        PULLED(.name = "Tea", .email = "tea@example.fi"), /* no record Id: cannot be linked */
    };
    /* a dry run links nothing and counts what it would link */
    struct ldbl l = {.n = 0};
    struct rk_pull_report r;
    struct adopted a = {.n = 0};
    struct rk_pull_options o = {.dry_run = true, .adopted = on_adopted, .adopted_ctx = &a};
    RKT_OK(f, pull_linking(f, &l, c, 5, &o, &r));
    assert_int_equal(l.n, 0);
    assert_int_equal(r.linked, 3);
    assert_int_equal(r.unlinked, 1);
    assert_int_equal(a.n, 0);

    /* batches of two: each batch's Contacts are linked once it is committed */
    l = (struct ldbl){.refuse = "003xx0004"};
    o = (struct rk_pull_options){.batch = 2, .adopted = on_adopted, .adopted_ctx = &a};
    RKT_OK(f, pull_linking(f, &l, c, 5, &o, &r));
    assert_int_equal(r.imported, 3);
    assert_int_equal(r.matched, 2);
    assert_int_equal(l.n, 3);
    char pia[RK_ID_LEN + 1], sam[RK_ID_LEN + 1]; /* person_of's answer is static */
    snprintf(pia, sizeof pia, "%s", person_of(f, "pia@example.fi"));
    snprintf(sam, sizeof sam, "%s", person_of(f, "sam@example.fi"));
    assert_string_equal(l.remote[0], "003xx0001");
    assert_string_equal(l.person[0], pia);
    assert_string_equal(l.remote[1], "003xx0003"); /* Oona's entry was here: linked too */
    assert_string_equal(l.person[1], oona);
    assert_string_equal(l.remote[2], "003xx0004");
    assert_string_equal(l.person[2], sam);
    assert_int_equal(r.linked, 2);
    assert_int_equal(r.unlinked, 2); /* Sam's refused, Tea's without a record Id */
    assert_int_equal(r.nlink_reasons, 1);
    assert_string_equal(r.link_reasons[0], "contact 4: not linked: 400 DUPLICATE_VALUE");
    /* adopted: Pia (written from her Contact, now linked) and Ned (his id already there); not
     * Oona (rekisteri's values are sent once), nor Sam (unlinked: the sync's) */
    assert_int_equal(r.adopted, 2);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.id[0], pia);
    assert_string_equal(a.id[1], ned);
    const char *const values[] = {"Pia", "pia@", "Sam", "sam@", "003xx", NULL};
    for (size_t i = 0; i < r.nlink_reasons; i++)
        for (const char *const *v = values; *v; v++)
            if (strstr(r.link_reasons[i], *v))
                fail_msg("reason '%s' holds a value", r.link_reasons[i]);
}

static void salesforce_link_transient_leaves_the_rest_unlinked(void **state) {
    struct rkt_reg *f = *state;
    const struct rk_client_pulled c[] = {
        PULLED(.name = "Pia Paju", .email = "pia@example.fi", .remote = "003xx0001"),
        PULLED(.name = "Sam Salo", .email = "sam@example.fi", .remote = "003xx0002"),
        PULLED(.name = "Tea Teri", .email = "tea@example.fi", .remote = "003xx0003"),
    };
    struct ldbl l = {.transient = "003xx0002"};
    struct rk_pull_report r;
    struct adopted a = {.n = 0};
    struct rk_pull_options o = {.adopted = on_adopted, .adopted_ctx = &a};
    RKT_OK(f, pull_linking(f, &l, c, 3, &o, &r));
    assert_int_equal(r.imported, 3); /* the pull itself goes on */
    assert_int_equal(l.n, 2);        /* Tea's link is not tried */
    assert_int_equal(r.linked, 1);
    assert_int_equal(r.unlinked, 2);
    assert_int_equal(r.nlink_reasons, 1);
    assert_string_equal(r.link_reasons[0],
                        "contact 2: not linked (nor any after it): 429 REQUEST_LIMIT_EXCEEDED");
    assert_int_equal(a.n, 1);
    assert_string_equal(a.id[0], person_of(f, "pia@example.fi"));
}

/* ---- Refusals before anything is read ------------------------------------------------------- */

static void refusals_before_reading(void **state) {
    struct rkt_reg *f = *state;
    const struct rk_client_pulled m[] = {PULLED(.email = "x@example.fi")};
    struct rk_pull_report r;
    struct rk_census before = rkt_census(f, NULL);
    struct rk_pull_options o = {.dry_run = false};

    /* a connector no client speaks */
    RKT_EXPECT(f, pull(f, "support", m, 1, &r), RK_EINVAL,
               "recipient 'support' has no mailchimp or salesforce connector to pull from");
    /* an undeclared purpose */
    o.purpose = "nonesuch";
    RKT_EXPECT(f, pull_with(f, "mailer", m, 1, &o, &r), RK_EINVAL,
               "purpose 'nonesuch' is not declared");
    RKT_EXPECT(f, pull_with(f, "crm", m, 1, &o, &r), RK_EINVAL,
               "purpose 'nonesuch' is not declared");
    /* a purpose the customer register holds on consent, or not at all */
    o.purpose = "marketing";
    RKT_EXPECT(f, pull_with(f, "crm", m, 1, &o, &r), RK_EINVAL,
               "purpose 'marketing' is not one of register 'customer''s purposes that do not "
               "rest on consent");
    /* a source not declared for the register and purpose */
    o = (struct rk_pull_options){.has_source = true, .source = RK_SRC_PHONE};
    RKT_EXPECT(f, pull_with(f, "mailer", m, 1, &o, &r), RK_EINVAL,
               "source 'phone' is not declared for register 'marketing' and purpose 'marketing'");
    o.source = RK_SRC__COUNT;
    RKT_EXPECT(f, pull_with(f, "mailer", m, 1, &o, &r), RK_EINVAL, "is not a source kind");
    /* the purpose Salesforce finds by itself may be refused a source too */
    o = (struct rk_pull_options){
        .purpose = "acquisition", .has_source = true, .source = RK_SRC_PUBLIC_SOURCE};
    RKT_OK(f, pull_with(f, "crm", m, 1, &o, &r)); /* declared for acquisition */
    assert_int_equal(r.imported, 1);
    before = rkt_census(f, NULL);
    o.purpose = "service";
    RKT_EXPECT(f, pull_with(f, "crm", m, 1, &o, &r), RK_EINVAL,
               "source 'public_source' is not declared for register 'customer' and purpose "
               "'service'");

    struct rk_recipient *mc = recipient(f, "mailer");
    /* no purpose for the audience */
    mc->connector.purpose = NULL;
    RKT_EXPECT(f, pull(f, "mailer", m, 1, &r), RK_EINVAL,
               "recipient 'mailer' names no purpose for its audience");
    /* a purpose none of its registers declares */
    mc->connector.purpose = rk_decl_purpose(f->decl, "service");
    RKT_EXPECT(f, pull(f, "mailer", m, 1, &r), RK_EINVAL,
               "none of recipient 'mailer''s registers declares purpose 'service'");
    /* a register whose email is not shared with the recipient */
    mc->connector.purpose = rk_decl_purpose(f->decl, "marketing");
    size_t n = mc->shares[0].ncategories;
    mc->shares[0].ncategories = 1; /* name only */
    RKT_EXPECT(f, pull(f, "mailer", m, 1, &r), RK_EINVAL,
               "register 'marketing' holds no email category shared with recipient 'mailer'");
    mc->shares[0].ncategories = n;
    /* a Salesforce recipient whose registers all rest on consent */
    mc->connector.type = RK_CONNECTOR_SALESFORCE;
    RKT_EXPECT(f, pull(f, "mailer", m, 1, &r), RK_EINVAL,
               "every register of recipient 'mailer' rests on consent");

    struct rk_census after = rkt_census(f, NULL);
    assert_memory_equal(&before, &after, sizeof before);
}

int main(void) {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, rkt_reg_teardown)
    const struct CMUnitTest tests[] = {
        T(mailchimp_members_become_persons_with_consent),
        T(mailchimp_unsubscribed_and_cleaned_become_suppressions),
        T(mailchimp_matches_persons_already_here),
        T(mailchimp_rejections_name_no_value),
        T(mailchimp_dry_run_writes_nothing),
        T(mailchimp_commits_in_batches_and_stops_on_a_failure),
        T(mailchimp_store_failure_keeps_the_committed_batches),
        T(salesforce_contacts_go_to_the_customer_register),
        T(salesforce_links_contacts_without_the_external_id),
        T(salesforce_link_transient_leaves_the_rest_unlinked),
        T(refusals_before_reading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
