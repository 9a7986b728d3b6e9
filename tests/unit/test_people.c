/*
 * test_people.c — the staff console's people search and overview counters
 * (core/search.c, migration 0016) over a real SQLite store with the example
 * declaration: folding (case, Latin diacritics, separators), cursors (round
 * trip, malformed ones refused), the search by word prefix insensitive to
 * diacritics, by organisation, with the register, consent and since filters,
 * keyset paging without repeats, what a role sees (rule 4), and the counters
 * equal to a recount of the tables after adds, a withdrawal, the sweep and an
 * erasure — which also leaves no word of the person in the index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "core/register.h"
#include "core/rights.h"
#include "core/search.h"
#include "core/sweep.h"
#include "core/view.h"
#include "regfix.h"
#include "testutil.h"

#define T0 "2025-01-15T10:00:00Z"

static int setup(void **state) {
    return rkt_reg_setup(state, "people", "examples/smartum/declaration.yaml");
}

static void test_fold(void **state) {
    (void)state;
    char out[128];
    rk_fold("Meikäläinen", out, sizeof out);
    assert_string_equal(out, "meikalainen");
    rk_fold("  ÅSA-Britt  Øberg, Æbelø ", out, sizeof out);
    assert_string_equal(out, "asa britt oberg aebelo");
    rk_fold("Łukasz Żółć Straße Œuvre", out, sizeof out);
    assert_string_equal(out, "lukasz zolc strasse oeuvre");
    rk_fold("Jose\xcc\x81 (decomposed)", out, sizeof out); /* e + U+0301 */
    assert_string_equal(out, "jose decomposed");
    rk_fold("Иван Ёлкин", out, sizeof out); /* other scripts are kept as they are */
    assert_string_equal(out, "Иван Ёлкин");
    rk_fold("\xff\xfe broken", out, sizeof out); /* stray bytes separate */
    assert_string_equal(out, "broken");
    rk_fold("abcdef", out, 4); /* cut, never overflowing */
    assert_string_equal(out, "abc");
    char words[RK_SEARCH_WORDS][RK_SEARCH_WORD_MAX + 1];
    assert_int_equal(rk_fold_words("Anna-Liisa anna Virtanen", words, RK_SEARCH_WORDS), 3);
    assert_string_equal(words[1], "liisa");
    assert_int_equal(rk_fold_words("Pitkäaikaistyöttömyysturvajärjestelmäuudistus", words, 4), 1);
    assert_int_equal(strlen(words[0]), RK_SEARCH_WORD_MAX);
    char q[2][RK_SEARCH_WORD_MAX + 1] = {"vir", "ann"};
    assert_true(rk_search_words_match(q, 2, words, 0) == false);
    assert_int_equal(rk_fold_words("Anna-Liisa Virtanen", words, RK_SEARCH_WORDS), 3);
    assert_true(rk_search_words_match(q, 2, words, 3));
}

static void test_cursor(void **state) {
    (void)state;
    struct rk_search_cursor c = {'w', 42, "meikäl"}, back;
    char s[RK_SEARCH_CURSOR_MAX];
    rk_search_cursor_format(&c, s);
    assert_true(rk_search_cursor_parse(s, &back));
    assert_int_equal(back.kind, 'w');
    assert_int_equal(back.pk, 42);
    assert_string_equal(back.key, "meikäl");
    struct rk_search_cursor a = {'a', 7, "2025-01-15T10:00:00Z"};
    rk_search_cursor_format(&a, s);
    assert_string_equal(s, "a7.2025-01-15T10:00:00Z");
    assert_true(rk_search_cursor_parse(s, &back));
    static const char *const bad[] = {"",
                                      "x1.00",
                                      "w.61",
                                      "w1.6",
                                      "w1.6g",
                                      "w1.00",
                                      "a1.2025",
                                      "a1.2025-13-01T00:00:00Z",
                                      "w1",
                                      "w1234567890123456789.61",
                                      "a-1.2025-01-15T10:00:00Z",
                                      "w02.61"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(rk_search_cursor_parse(bad[i], &back));
}

/* A customer (sales_promotion-free register) with a name and organisation, added at `at`. */
static void customer(struct rkt_reg *f, const char *name, const char *org, const char *email,
                     const char *at, char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = name;
    c.v[RK_F_ORGANISATION] = org;
    c.v[RK_F_EMAIL] = email;
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(at)};
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, &f->msg));
}

static void subscriber(struct rkt_reg *f, const char *name, const char *email, const char *at,
                       char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = name;
    c.v[RK_F_EMAIL] = email;
    struct rk_write w = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, rkt_ts(at)};
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "web_form";
    in.lang = RK_LANG_FI;
    in.at = rkt_ts(at);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, &in, id, &f->msg));
}

struct hits {
    char ids[64][RK_ID_LEN + 1];
    size_t n;
};

static int take_hit(void *ctx, const char *person_id, rk_ts added, const struct rk_entry *e,
                    size_t n) {
    (void)added, (void)e, (void)n;
    struct hits *h = ctx;
    snprintf(h->ids[h->n++], RK_ID_LEN + 1, "%s", person_id);
    return 0;
}

/* Runs one page; returns whether there is more (next then set). */
static bool page(struct rkt_reg *f, const struct rk_view *v, struct rk_search_query *q,
                 struct hits *h, struct rk_search_cursor *next) {
    bool more = false;
    memset(h, 0, sizeof *h);
    if (!q->limit)
        q->limit = 50;
    q->now = rkt_ts("2025-06-01T00:00:00Z");
    RKT_OK(f, rk_search_persons(&f->reg, v, q, take_hit, h, &more, next, &f->msg));
    return more;
}

static bool has(const struct hits *h, const char *id) {
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->ids[i], id) == 0)
            return true;
    return false;
}

static void test_search(void **state) {
    struct rkt_reg *f = *state;
    char meik[RK_ID_LEN + 1], virt[RK_ID_LEN + 1], sub[RK_ID_LEN + 1], old[RK_ID_LEN + 1];
    customer(f, "Matti Meikäläinen", "Örkki Oy", "matti@example.fi", "2025-02-01T10:00:00Z", meik);
    customer(f, "Anna-Liisa Virtanen", "Smartum Oy", "al@example.fi", "2025-03-01T10:00:00Z", virt);
    customer(f, "Olli Vanha", "Meikä Tmi", "olli@example.fi", "2024-01-01T10:00:00Z", old);
    subscriber(f, "Maija Meikäläinen", "maija@example.fi", "2025-04-01T10:00:00Z", sub);
    struct rk_view all = {f->decl, NULL};
    struct rk_search_query q = {0};
    struct rk_search_cursor next;
    struct hits h;

    q.q = "meikalainen"; /* accent-free finds the accented, in both registers */
    assert_false(page(f, &all, &q, &h, &next));
    assert_int_equal(h.n, 2);
    assert_true(has(&h, meik) && has(&h, sub));
    q.q = "MEIKÄ matt"; /* every word a prefix of a word of the name or organisation */
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], meik);
    q.q = "meika"; /* name and organisation words alike */
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 3);
    q.q = "liisa";
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 1);
    q.q = "ikäl"; /* a prefix, not any part */
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 0);
    q.q = "--";
    RKT_EXPECT(f,
               rk_search_persons(&f->reg, &all, &q, take_hit, &h, &(bool){false}, &next,
                                 rkt_clear(&f->msg)),
               RK_EINVAL, "no letter or digit");

    q = (struct rk_search_query){.organisation = "orkki"};
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], meik);
    q = (struct rk_search_query){.q = "meikalainen", .register_id = "marketing"};
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], sub);
    q = (struct rk_search_query){.purpose = "sales_promotion", .consent = RK_SEARCH_CONSENT_GIVEN};
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], sub);
    q.consent = RK_SEARCH_CONSENT_NONE;
    page(f, &all, &q, &h, &next);
    assert_int_equal(h.n, 3);
    q = (struct rk_search_query){.since = rkt_ts("2025-01-01")};
    page(f, &all, &q, &h, &next); /* newest first, the old customer left out */
    assert_int_equal(h.n, 3);
    assert_string_equal(h.ids[0], sub);
    assert_string_equal(h.ids[2], meik);

    /* Paging: one at a time, every person once, in the same order. */
    q = (struct rk_search_query){.limit = 1};
    char order[8][RK_ID_LEN + 1];
    size_t n = 0;
    bool more = true;
    while (more && n < 8) {
        more = page(f, &all, &q, &h, &next);
        assert_int_equal(h.n, 1);
        snprintf(order[n++], RK_ID_LEN + 1, "%s", h.ids[0]);
        q.after = &next;
    }
    assert_int_equal(n, 4);
    assert_string_equal(order[3], old);
    q = (struct rk_search_query){.q = "meika", .limit = 2};
    more = page(f, &all, &q, &h, &next);
    assert_true(more);
    struct rk_search_cursor after = next;
    q.after = &after;
    assert_false(page(f, &all, &q, &h, &next));
    assert_int_equal(h.n, 1);

    /* What a role sees (core/view.h rule 4): marketing finds only its subscriber; sales does
     * not find her, and finds nobody through the marketing register. */
    struct rk_view mk = {f->decl, rk_decl_role(f->decl, "marketing")};
    struct rk_view sa = {f->decl, rk_decl_role(f->decl, "sales")};
    q = (struct rk_search_query){.q = "meikalainen"};
    page(f, &mk, &q, &h, &next);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], sub);
    page(f, &sa, &q, &h, &next);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.ids[0], meik);
    q = (struct rk_search_query){.organisation = "smartum"};
    page(f, &mk, &q, &h, &next);
    assert_int_equal(h.n, 0);
}

/* A counter as the store reads it back: column i of the row named name (and of week, for
 * the consent weeks, summed over its purposes); -1 when there is no such row. */
struct counter_query {
    const char *name, *week;
    int i;
    int64_t n;
};

static int counter_match(void *ctx, const struct rk_counter_row *r) {
    struct counter_query *q = ctx;
    if ((q->name && strcmp(r->name, q->name) != 0) ||
        (q->week && (!r->week || strcmp(r->week, q->week) != 0)))
        return 0;
    q->n = (q->n < 0 ? 0 : q->n) + r->n[q->i];
    return 0;
}

static int64_t register_persons(struct rkt_reg *f, const char *reg) {
    struct counter_query q = {reg, NULL, 0, -1};
    RKT_OK(f, rk_store_register_counts(f->peer, counter_match, &q));
    return q.n;
}

static int64_t purpose_live(struct rkt_reg *f, const char *purpose) {
    struct counter_query q = {purpose, NULL, 0, -1};
    RKT_OK(f, rk_store_purpose_counts(f->peer, counter_match, &q));
    return q.n;
}

static int64_t week_withdrawn(struct rkt_reg *f, const char *week) {
    struct counter_query q = {NULL, week, 1, -1};
    RKT_OK(f, rk_store_consent_weeks(f->peer, week, counter_match, &q));
    return q.n;
}

/* Every counter equals a recount of its table. The subject is the backend's own bookkeeping
 * (counters and word index kept by triggers beside the tables), so this recount stays in SQL;
 * only the week of an instant is said in each backend's own words. */
static void assert_counters(struct rkt_reg *f) {
    assert_int_equal(
        rkt_count(f, "SELECT count(*) FROM (SELECT register, count(*) n FROM entry GROUP BY 1) e "
                     "LEFT JOIN register_count c USING (register) WHERE c.persons IS DISTINCT "
                     "FROM e.n"),
        0);
    assert_int_equal(rkt_count(f, "SELECT count(*) FROM register_count c WHERE persons <> "
                                  "(SELECT count(*) FROM entry e WHERE e.register = c.register)"),
                     0);
    assert_int_equal(
        rkt_count(f, "SELECT count(*) FROM purpose_count c WHERE live <> (SELECT count(*) FROM "
                     "consent_state s WHERE s.purpose = c.purpose AND s.state = 'live')"),
        0);
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT %s week, purpose, "
             "count(*) FILTER (WHERE (event = 'given' AND pending = 0) OR event = 'confirmed') g, "
             "count(*) FILTER (WHERE event = 'withdrawn') w, "
             "count(*) FILTER (WHERE event = 'expired') x FROM consent_event "
             "GROUP BY 1, 2) e FULL JOIN consent_week c USING (week, purpose) "
             "WHERE c.given IS DISTINCT FROM e.g OR c.withdrawn IS DISTINCT FROM e.w "
             "OR c.expired IS DISTINCT FROM e.x",
             f->pg ? "to_char(date_trunc('week', CAST(at AS timestamptz) AT TIME ZONE 'UTC'), "
                     "'YYYY-MM-DD')"
                   : "date(at, '-6 days', 'weekday 1')");
    assert_int_equal(rkt_count(f, sql), 0);
    assert_int_equal(rkt_count(f, "SELECT count(*) FROM entry e WHERE e.name IS NOT NULL AND "
                                  "NOT EXISTS (SELECT 1 FROM search_token t WHERE t.person = "
                                  "e.person AND t.register = e.register)"),
                     0);
}

static void test_counters(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    subscriber(f, "Aino Äijälä", "aino@example.fi", T0, a);
    subscriber(f, "Bertta Böök", "bertta@example.fi", "2025-01-20T10:00:00Z", b);
    customer(f, "Cecilia Cederlöf", "Örkki Oy", "cecilia@example.fi", T0, c);
    assert_counters(f);
    assert_int_equal(register_persons(f, "marketing"), 2);
    /* The customer joins marketing too; a rewrite of her entry counts once. */
    struct rk_contact ct;
    memset(&ct, 0, sizeof ct);
    ct.v[RK_F_NAME] = "Cecilia Cederlöf-Uusi";
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_person_update(&f->reg, &w, c, &ct, &f->msg));
    assert_counters(f);
    assert_int_equal(register_persons(f, "customer"), 1);
    /* The word index's rows: the backend's own bookkeeping, read with SQL (see above). */
    assert_int_equal(rkt_count(f, "SELECT count(*) FROM search_token WHERE token = 'uusi'"), 1);
    /* Withdrawal: b leaves marketing, the week counts it. */
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "email";
    in.at = rkt_ts("2025-02-03T10:00:00Z");
    RKT_OK(f, rk_reg_consent(&f->reg, b, "sales_promotion", RK_CE_WITHDRAWN, &in, &f->msg));
    assert_counters(f);
    assert_int_equal(purpose_live(f, "sales_promotion"), 1);
    assert_int_equal(week_withdrawn(f, "2025-02-03"), 1);
    /* The sweep expires a's consent two years on; the mark says when it ran. */
    struct rk_sweep_counts sc;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts("2027-02-01T00:00:00Z"), false, &sc, &f->msg));
    assert_int_equal(sc.consents_expired, 1);
    assert_counters(f);
    assert_int_equal(purpose_live(f, "sales_promotion"), 0);
    struct rk_console_mark mark;
    RKT_OK(f, rk_store_console_mark_get(f->peer, "sweep", &mark));
    assert_int_equal(mark.at, rkt_ts("2027-02-01T00:00:00Z"));
    /* Erasure: c's words go from the index, the register's count falls. */
    struct rk_erase_report rep;
    RKT_OK(f, rk_rights_erase(&f->reg, c, NULL, rkt_ts("2027-02-02T00:00:00Z"), &rep, &f->msg));
    assert_counters(f);
    assert_int_equal(rkt_census(f, NULL).search_tokens, 0);
    assert_int_equal(register_persons(f, "customer"), 0);
}

static void test_backfill(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    customer(f, "Åke Ström", NULL, "ake@example.fi", T0, a);
    /* As a database from before migration 0016: no words, not built. */
    /* (SQL: the backend's word index and its state are the subject, as above.) */
    rkt_exec(f, "DELETE FROM search_token; UPDATE search_state SET built = 0");
    int64_t n = 0;
    RKT_OK(f, rk_search_backfill(&f->reg, &n, &f->msg));
    assert_int_equal(n, 1);
    assert_int_equal(rkt_count(f, "SELECT count(*) FROM search_token WHERE token IN "
                                  "('ake', 'strom')"),
                     2);
    RKT_OK(f, rk_search_backfill(&f->reg, &n, &f->msg)); /* once only */
    assert_int_equal(n, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test_setup_teardown(test_search, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(test_backfill, setup, rkt_reg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
