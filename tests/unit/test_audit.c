/*
 * test_audit.c — the audit chain (core/audit.c) over a real store (SQLite's, or
 * PostgreSQL's under tests/unit/with_pg.sh):
 * register writes and recorded reads append linked events, and verification
 * catches every kind of tampering a database writer without the key could
 * try — an altered field, a removed row, a reordered pair, a row forged
 * with a recomputed plain hash — and names the first bad event. The same
 * fixture checks that art 19 notices (core/notify.c) reach each recipient once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/notify.h"
#include "base/id.h"
#include "core/register.h"
#include "keys/seal.h"
#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

/* The fixture is regfix's (tests/unit/regfix.h), the actor "anna"; its raw connection is
 * the tamperer (rows changed behind the store's back, as someone with the file would: raw
 * SQL is the subject here). */
static int setup(void **state) {
    return rkt_reg_setup_as(state, "audit", rkt_load_example(), "anna");
}

static int teardown(void **state) { return rkt_reg_teardown(state); }

/* The tamperer's edit of the database (SQLite's file or PostgreSQL's schema, through the
 * fixture's raw connection); everything read back goes through the store. */
static void exec(struct rkt_reg *f, const char *sql) { rkt_exec(f, sql); }

/* Adds a person to the customer register as f->reg.actor; returns the id in id. */
static void add_person(struct rkt_reg *f, const char *email, char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_MEETING, NULL, 0};
    struct rk_contact c = {0};
    struct rk_error msg;
    assert_true(rk_ts_parse("2025-01-15T10:00:00Z", &w.at));
    c.v[RK_F_NAME] = "Maija Meikäläinen";
    c.v[RK_F_EMAIL] = email;
    assert_int_equal(rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, &msg), RK_OK);
}

static struct rk_audit_report verify(struct rkt_reg *f) {
    struct rk_audit_report rep;
    assert_int_equal(rk_audit_verify(f->store, &f->keys, &rep), RK_OK);
    return rep;
}

struct seen {
    int n;
    char actions[8][32];
    char persons[8][RK_ID_LEN + 1];
    char actors[8][16];
};

static int collect(void *ctx, const struct rk_audit_event *e) {
    struct seen *s = ctx;
    if (s->n < 8) {
        snprintf(s->actions[s->n], sizeof s->actions[0], "%s", e->action);
        snprintf(s->persons[s->n], sizeof s->persons[0], "%s", e->person_id ? e->person_id : "");
        snprintf(s->actors[s->n], sizeof s->actors[0], "%s", e->actor);
    }
    s->n++;
    return 0;
}

/* An empty chain holds; writes and recorded reads append events naming actor and person. */

/* Counts the audit rows naming someone: actor, action, person and detail run together hold
 * "example.fi", or the detail holds "Maija" (SQL LIKE, letters without case). */
static int names_someone(void *ctx, const struct rk_audit_event *e) {
    char all[1024];
    snprintf(all, sizeof all, "%s%s%s%s", e->actor, e->action, e->person_id ? e->person_id : "",
             e->detail ? e->detail : "");
    *(int64_t *)ctx += rkt_like(all, "%example.fi%") || rkt_like(e->detail, "%Maija%");
    return 0;
}

static void writes_and_reads_are_recorded(void **state) {
    struct rkt_reg *f = *state;
    struct rk_audit_report rep = verify(f);
    assert_int_equal(rep.events, 0);
    assert_int_equal(rep.bad_seq, 0);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    add_person(f, "maija@example.fi", a);
    f->reg.actor = "ville";
    add_person(f, "ville@example.fi", b);
    assert_int_equal(rk_reg_audit(&f->reg, "person.read", a, NULL, rk_time_now()), RK_OK);
    struct seen s = {0};
    assert_int_equal(rk_store_audit_scan(f->store, 1, NULL, collect, &s), RK_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.actions[0], "person.add");
    assert_string_equal(s.persons[0], a);
    assert_string_equal(s.actors[0], "anna");
    assert_string_equal(s.actors[1], "ville");
    assert_string_equal(s.actions[2], "person.read");
    /* One person's events only. */
    memset(&s, 0, sizeof s);
    assert_int_equal(rk_store_audit_scan(f->store, 1, a, collect, &s), RK_OK);
    assert_int_equal(s.n, 2);
    rep = verify(f);
    assert_int_equal(rep.events, 3);
    assert_int_equal(rep.bad_seq, 0);
    /* No personal data in any row. */
    int64_t named = 0;
    assert_int_equal(rk_store_audit_scan(f->store, 1, NULL, names_someone, &named), RK_OK);
    assert_int_equal(named, 0);
}

/* A refused write records nothing. */
static void refused_write_records_nothing(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_person(f, "maija@example.fi", a);
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_MEETING, NULL, rk_time_now()};
    struct rk_contact c = {0};
    struct rk_error msg;
    c.v[RK_F_EMAIL] = "maija@example.fi"; /* a duplicate */
    assert_int_equal(rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, NULL, &msg), RK_ECONFLICT);
    assert_int_equal(verify(f).events, 1);
}

static void setup_three(struct rkt_reg *f) {
    char id[RK_ID_LEN + 1];
    add_person(f, "a@example.fi", id);
    add_person(f, "b@example.fi", id);
    add_person(f, "c@example.fi", id);
    assert_int_equal(verify(f).bad_seq, 0);
}

static void altered_field_is_caught(void **state) {
    struct rkt_reg *f = *state;
    setup_three(f);
    exec(f, "UPDATE audit SET actor = 'someone' WHERE seq = 2");
    struct rk_audit_report rep = verify(f);
    assert_int_equal(rep.bad_seq, 2);
    assert_int_equal(rep.events, 1);
    assert_non_null(strstr(rep.reason, "hash"));
}

static void removed_row_is_caught(void **state) {
    struct rkt_reg *f = *state;
    setup_three(f);
    exec(f, "DELETE FROM audit WHERE seq = 2");
    assert_int_equal(verify(f).bad_seq, 3);
}

static void renumbered_rows_are_caught(void **state) {
    struct rkt_reg *f = *state;
    setup_three(f);
    /* Remove row 2 and renumber 3 as 2: the links no longer hold. */
    exec(f, "DELETE FROM audit WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3");
    struct rk_audit_report rep = verify(f);
    assert_int_equal(rep.bad_seq, 2);
}

static void swapped_rows_are_caught(void **state) {
    struct rkt_reg *f = *state;
    setup_three(f);
    exec(f, "UPDATE audit SET seq = 100 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 2;"
            "UPDATE audit SET seq = 2 WHERE seq = 100");
    assert_int_equal(verify(f).bad_seq, 1);
}

/* Someone without the key cannot append a row that verifies. */
static void forged_row_is_caught(void **state) {
    struct rkt_reg *f = *state;
    setup_three(f);
    exec(f, "INSERT INTO audit (seq, at, actor, action, person_id, detail, prev, hash) "
            "SELECT 4, at, actor, 'person.read', person_id, NULL, hash, "
            "prev FROM audit WHERE seq = 3"); /* a wrong hash: any, not the keyed one */
    assert_int_equal(verify(f).bad_seq, 4);
}

/* Over-long strings are refused, not cut. */
static void long_fields_refused(void **state) {
    struct rkt_reg *f = *state;
    char longer[RK_AUDIT_FIELD_MAX + 2];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(rk_store_begin(f->store), RK_OK);
    assert_int_equal(rk_audit_append(f->store, &f->keys, 1, "anna", "x", NULL, longer), RK_ETOOBIG);
    rk_store_rollback(f->store);
}

/* The notices read back through the store: every row (any state) in id order, with its
 * sealed identity when it holds one (sealed_list). */
#define NOTICES_MAX 8
struct notices {
    int n;
    struct {
        int64_t id;
        char recipient[32], request_id[32];
        enum rk_notice_kind kind;
        enum rk_notice_state state;
        unsigned char sealed[512];
        size_t sealed_len; /* 0: none */
    } r[NOTICES_MAX];
};

static int take_notice(void *ctx, const struct rk_notice_row *r) {
    struct notices *ns = ctx;
    assert_true(ns->n < NOTICES_MAX);
    int i = ns->n++;
    ns->r[i].id = r->id;
    snprintf(ns->r[i].recipient, sizeof ns->r[i].recipient, "%s", r->recipient);
    snprintf(ns->r[i].request_id, sizeof ns->r[i].request_id, "%s",
             r->request_id ? r->request_id : "");
    ns->r[i].kind = r->kind;
    ns->r[i].state = r->state;
    ns->r[i].sealed_len = 0;
    return 0;
}

static int take_sealed(void *ctx, const struct rk_sealed_row *r) {
    struct notices *ns = ctx;
    for (int i = 0; i < ns->n; i++) {
        if (ns->r[i].id == r->id) {
            assert_true(r->len <= sizeof ns->r[i].sealed);
            memcpy(ns->r[i].sealed, r->sealed, r->len);
            ns->r[i].sealed_len = r->len;
        }
    }
    return 0;
}

static int by_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static struct notices *notices_read(struct rkt_reg *f) {
    struct notices *ns = calloc(1, sizeof *ns);
    assert_non_null(ns);
    assert_int_equal(
        rk_store_recipient_notice_list(f->store, RK_NOTICE_STATE__COUNT, 100, take_notice, ns),
        RK_OK);
    qsort(ns->r, (size_t)ns->n, sizeof ns->r[0], by_id); /* the id leads each row */
    assert_int_equal(rk_store_sealed_list(f->store, RK_SEALED_NOTICE, 0, false, 0, take_sealed, ns),
                     RK_OK);
    return ns;
}

/* Whether the bytes hold the text. */
static bool holds(const unsigned char *b, size_t n, const char *text) {
    size_t k = strlen(text);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, text, k) == 0)
            return true;
    return false;
}

/* Opens the sealed identity of notice row (in id order, 0 first) under the notice subkey,
 * bound to the row named by (id, recipient, person); RK_EPARSE when it does not open. */
static rk_err open_notice(struct rkt_reg *f, int row, int64_t id, const char *recipient,
                          const char *person, char out[64]) {
    struct notices *ns = notices_read(f);
    rk_err err = RK_ENOENT;
    if (row < ns->n && ns->r[row].sealed_len > 0) {
        struct rk_seal_ad ad;
        char *plain = NULL;
        size_t n = 0;
        rk_seal_ad_notice(id, recipient, person, &ad);
        err =
            rk_seal_open(f->keys.notice, &ad, ns->r[row].sealed, ns->r[row].sealed_len, &plain, &n);
        if (err == RK_OK)
            snprintf(out, 64, "%s", plain);
        rk_seal_free(plain, n);
    }
    free(ns);
    return err;
}

/* Art 19 (core/notify.c): each recipient of a register holding the person is told once,
 * with the email it knows the person by, sealed to the notice's row; a person held nowhere
 * tells nobody. */
static void recipients_are_notified_once(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], email[64] = "";
    add_person(f, "maija@example.fi", id);
    int n = 0;
    assert_int_equal(rk_notify_recipients(&f->reg, id, RK_NOTICE_ERASURE, "req1", 5, &n), RK_OK);
    assert_int_equal(n, 2); /* salesforce and mailchimp, both of the customer register */
    struct notices *ns = notices_read(f);
    int told = 0;
    for (int i = 0; i < ns->n; i++)
        told += ns->r[i].kind == RK_NOTICE_ERASURE && ns->r[i].sealed_len > 0 &&
                !holds(ns->r[i].sealed, ns->r[i].sealed_len, "maija") &&
                ns->r[i].state == RK_NOTICE_QUEUED && strcmp(ns->r[i].request_id, "req1") == 0;
    assert_int_equal(told, 2);
    /* The identity opens on its own row only: another row id, recipient or person, or
     * another subkey, fails. */
    assert_true(ns->n > 0);
    int64_t first = ns->r[0].id;
    char recipient[32] = "";
    snprintf(recipient, sizeof recipient, "%s", ns->r[0].recipient);
    int distinct = 0;
    for (int i = 0; i < ns->n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= strcmp(ns->r[j].recipient, ns->r[i].recipient) == 0;
        distinct += !seen;
    }
    free(ns);
    assert_int_equal(open_notice(f, 0, first, recipient, id, email), RK_OK);
    assert_string_equal(email, "maija@example.fi");
    assert_int_equal(open_notice(f, 0, first + 1, recipient, id, email), RK_EPARSE);
    assert_int_equal(open_notice(f, 0, first, "other", id, email), RK_EPARSE);
    assert_int_equal(open_notice(f, 0, first, recipient, "bbbbbbbbbbbbbbbbbbbbbbbbbb", email),
                     RK_EPARSE);
    assert_int_equal(open_notice(f, 1, first, recipient, id, email), RK_EPARSE); /* swapped */
    assert_int_equal(distinct, 2);
    assert_int_equal(rk_notify_recipients(&f->reg, "aaaaaaaaaaaaaaaaaaaaaaaaaa",
                                          RK_NOTICE_RESTRICTION, NULL, 5, &n),
                     RK_OK);
    assert_int_equal(n, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writes_and_reads_are_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_write_records_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(altered_field_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(removed_row_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(renumbered_rows_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(swapped_rows_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_row_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(long_fields_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(recipients_are_notified_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
