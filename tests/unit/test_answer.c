/*
 * test_answer.c — core/answer.h: the one-time code's rules (right, wrong, five
 * wrong lock it, expiry, none sent), the grant, the status page's last day,
 * and over a real store: completing an access request with an email stores
 * the documents sealed (and none without an email), a download needs the
 * grant and is audited by request id, a document opens only as the file it
 * was stored as, the window's end hides the answer and the sweep deletes it,
 * an erasure of the person deletes it at once, and the digest's once-a-day
 * mark and its recipient.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/answer.h"
#include "core/fulfil.h"
#include "core/request.h"
#include "core/retention.h"
#include "core/rights.h"
#include "keys/seal.h"
#include "regfix.h"
#include "testutil.h"
#include "views/access.h"

/* ---- Pure rules ----------------------------------------------------------------------------- */

static struct rk_keys test_keys(void) {
    struct rk_keys k;
    memset(&k, 0, sizeof k);
    memset(k.answer, 7, sizeof k.answer);
    return k;
}

static struct rk_answer_row row_at(rk_ts now) {
    struct rk_answer_row a;
    memset(&a, 0, sizeof a);
    snprintf(a.request_id, sizeof a.request_id, "R-ABCDEFGH2345");
    snprintf(a.person_id, sizeof a.person_id, "%s", RK_ANSWER_NOBODY);
    a.created_at = now;
    a.expires_at = now + (rk_ts)RK_ANSWER_DAYS * 86400;
    return a;
}

/* A code that differs from code in every digit. */
static void other_code(const char *code, char out[RK_ANSWER_CODE_DIGITS + 1]) {
    for (int i = 0; i < RK_ANSWER_CODE_DIGITS; i++)
        out[i] = (char)('0' + (code[i] - '0' + 1) % 10);
    out[RK_ANSWER_CODE_DIGITS] = '\0';
}

static void code_rules(void **state) {
    (void)state;
    struct rk_keys k = test_keys();
    rk_ts now = rkt_ts("2027-01-04T08:00:00Z");
    struct rk_answer_row a = row_at(now);
    char code[RK_ANSWER_CODE_DIGITS + 1], wrong[RK_ANSWER_CODE_DIGITS + 1];
    assert_int_equal(rk_answer_check_code(&k, &a, "123456", now), RK_CODE_NONE);
    rk_answer_new_code(&k, &a, now, code);
    assert_int_equal((int)strlen(code), RK_ANSWER_CODE_DIGITS);
    other_code(code, wrong);
    /* A malformed entry counts as a wrong try. */
    assert_int_equal(rk_answer_check_code(&k, &a, "12345x", now), RK_CODE_WRONG);
    assert_int_equal(rk_answer_check_code(&k, &a, wrong, now), RK_CODE_WRONG);
    assert_int_equal(a.code_tries, 2);
    assert_int_equal(rk_answer_check_code(&k, &a, code, now + 60), RK_CODE_RIGHT);
    assert_false(a.has_code); /* used: it works once */
    assert_int_equal(rk_answer_check_code(&k, &a, code, now + 61), RK_CODE_NONE);

    /* Five wrong tries void it: the right one is refused after. */
    rk_answer_new_code(&k, &a, now, code);
    other_code(code, wrong);
    for (int i = 1; i < RK_ANSWER_CODE_TRIES; i++)
        assert_int_equal(rk_answer_check_code(&k, &a, wrong, now), RK_CODE_WRONG);
    assert_int_equal(rk_answer_check_code(&k, &a, wrong, now), RK_CODE_LOCKED);
    assert_int_equal(rk_answer_check_code(&k, &a, code, now), RK_CODE_LOCKED);
    /* A new code starts again. */
    rk_answer_new_code(&k, &a, now, code);
    assert_int_equal(a.code_tries, 0);
    assert_int_equal(rk_answer_check_code(&k, &a, code, now), RK_CODE_RIGHT);

    /* Ten minutes: then it has expired, right or not. */
    rk_answer_new_code(&k, &a, now, code);
    assert_int_equal(rk_answer_check_code(&k, &a, code, now + RK_ANSWER_CODE_SECONDS),
                     RK_CODE_EXPIRED);
    assert_false(a.has_code);

    /* The hash is bound to the request: another request's row does not take the code. */
    struct rk_answer_row b = row_at(now);
    rk_answer_new_code(&k, &a, now, code);
    b.has_code = true;
    b.code_expires = a.code_expires;
    memcpy(b.code_hash, a.code_hash, sizeof b.code_hash);
    snprintf(b.request_id, sizeof b.request_id, "R-ZZZZZZZZ2345");
    assert_int_equal(rk_answer_check_code(&k, &b, code, now), RK_CODE_WRONG);
}

static void grant_rules(void **state) {
    (void)state;
    struct rk_keys k = test_keys();
    rk_ts now = rkt_ts("2027-01-04T08:00:00Z");
    struct rk_answer_row a = row_at(now);
    char grant[RK_ANSWER_GRANT_LEN + 1];
    assert_false(rk_answer_grant_ok(&k, &a, "x", now));
    rk_answer_new_grant(&k, &a, now, grant);
    assert_int_equal((int)strlen(grant), RK_ANSWER_GRANT_LEN);
    assert_true(rk_answer_grant_ok(&k, &a, grant, now + RK_ANSWER_GRANT_SECONDS - 1));
    assert_false(rk_answer_grant_ok(&k, &a, grant, now + RK_ANSWER_GRANT_SECONDS));
    assert_false(rk_answer_grant_ok(&k, &a, NULL, now));
    char other[RK_ANSWER_GRANT_LEN + 1];
    memcpy(other, grant, sizeof other);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    assert_false(rk_answer_grant_ok(&k, &a, other, now));
    /* Never past the window, however fresh the grant. */
    a.expires_at = now + 10;
    assert_false(rk_answer_grant_ok(&k, &a, grant, now + 10));
}

static void names_and_status(void **state) {
    (void)state;
    for (int i = 0; i < RK_AD__COUNT; i++)
        assert_int_equal(rk_answer_doc_parse(rk_answer_doc_name((enum rk_answer_doc)i)), i);
    assert_int_equal(rk_answer_doc_parse("../key"), -1);
    assert_int_equal(rk_answer_doc_parse(NULL), -1);
    assert_string_equal(rk_answer_doc_type(RK_AD_PORTABILITY_CSV), "text/csv; charset=utf-8");
    assert_int_equal(rk_answer_docs_of(RK_RQ_ACCESS),
                     1u << RK_AD_ACCESS_HTML | 1u << RK_AD_ACCESS_JSON);
    assert_int_equal(rk_answer_docs_of(RK_RQ_ERASURE), 0);

    struct rk_tz tz;
    assert_int_equal(rk_tz_from_posix("EET-2EEST,M3.5.0/3,M10.5.0/4", &tz), RK_OK);
    struct rk_request q;
    memset(&q, 0, sizeof q);
    q.due = rkt_day("2027-02-04");
    char got[11];
    rk_date_iso(rk_answer_status_until(&q, &tz), got); /* open: 90 days after the due date */
    assert_string_equal(got, "2027-05-05");
    q.extended_due = rkt_day("2027-03-04");
    rk_date_iso(rk_answer_status_until(&q, &tz), got);
    assert_string_equal(got, "2027-06-02");
    q.closed_at = rkt_ts("2027-04-30T22:30:00Z"); /* 1 May in Helsinki: later than the due date */
    rk_date_iso(rk_answer_status_until(&q, &tz), got);
    assert_string_equal(got, "2027-07-30");
}

/* ---- Over a real store ---------------------------------------------------------------------- */

struct afx {
    struct rkt_reg *f;
    struct rk_tz tz;
    char person[RK_ID_LEN + 1];
};

static int setup(void **state) {
    struct afx *x = calloc(1, sizeof *x);
    void *inner = NULL;
    *state = x;
    if (!x || rkt_reg_setup(&inner, "answer", "tests/decls/full.yaml") != 0)
        return -1;
    x->f = inner;
    if (rk_tz_from_posix("EET-2EEST,M3.5.0/3,M10.5.0/4", &x->tz) != RK_OK)
        return -1;
    struct rk_write w = {.register_id = "customer",
                         .purpose = "service",
                         .source = RK_SRC_EMAIL,
                         .at = rkt_ts("2027-01-02T10:00:00Z")};
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Maija Meikäläinen";
    c.v[RK_F_EMAIL] = "maija@example.fi";
    struct rk_error msg;
    return rk_reg_person_add(&x->f->reg, &w, NULL, &c, NULL, x->person, &msg) == RK_OK ? 0 : -1;
}

static int teardown(void **state) {
    struct afx *x = *state;
    if (!x)
        return 0;
    void *inner = x->f;
    int rc = rkt_reg_teardown(&inner);
    free(x);
    return rc;
}

/* Records, verifies in person and completes a request of type t (email or the person's id),
 * in one batch; *f gets what completing produced. */
static void complete(struct afx *x, enum rk_request_type t, bool email, rk_ts at,
                     struct rk_request *q, struct rk_fulfilment *ff) {
    struct rkt_reg *f = x->f;
    struct rk_request_input in = {.type = t,
                                  .channel = email ? RK_RQC_WEB : RK_RQC_IN_PERSON,
                                  .lang = RK_LANG_FI,
                                  .email = email ? "maija@example.fi" : NULL,
                                  .person_id = email ? NULL : x->person,
                                  .now = at};
    RKT_OK(f, rk_request_create(&f->reg, &x->tz, &in, q, &f->msg));
    struct rk_request_event ev = {.kind = RK_RQE_VERIFY,
                                  .at = at,
                                  .by = "anna",
                                  .method = RK_VERIFY_IN_PERSON,
                                  .document = "id_card",
                                  .today = rk_tz_date(&x->tz, at)};
    char id[RK_REQUEST_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", q->id);
    RKT_OK(f, rk_request_transition(&f->reg, id, &ev, q, &f->msg));
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    RKT_OK(f, rk_request_fulfil(&f->reg, q, NULL, NULL, NULL, at, ff, &f->msg));
    ev.kind = RK_RQE_COMPLETE;
    RKT_OK(f, rk_request_transition(&f->reg, id, &ev, q, &f->msg));
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
}

static void stored_opened_audited_swept(void **state) {
    struct afx *x = *state;
    struct rkt_reg *f = x->f;
    rk_ts t0 = rkt_ts("2027-01-04T08:00:00Z");
    struct rk_request q;
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    complete(x, RK_RQ_ACCESS, true, t0, &q, &ff);
    assert_true(ff.answer_token[0] != '\0');
    assert_true(ff.answer_expires == t0 + (rk_ts)RK_ANSWER_DAYS * 86400);
    struct rk_link l;
    assert_int_equal(rk_link_check(&f->keys, ff.answer_token, t0, &l), RK_OK);
    assert_int_equal(l.kind, RK_LINK_ANSWER);
    assert_string_equal(l.purpose, q.id);
    assert_string_equal(l.person_id, x->person);
    assert_int_equal(rkt_census(f, NULL).answer_files, 2);
    /* Sealed: the stored bytes hold no name from the document. The subject is the bytes at
     * rest, so this one reads them with SQL. */
    assert_int_equal(rkt_rows_holding(f, "answer_file", "sealed", "Meik"), 0);

    char *data = NULL;
    size_t len = 0;
    /* No grant: refused, nothing audited. */
    assert_int_equal(rk_answer_download(&f->reg, q.id, NULL, RK_AD_ACCESS_HTML, t0, &data, &len),
                     RK_EREFUSED);
    /* A code, the right one, a grant, the download. */
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    char to[256], code[RK_ANSWER_CODE_DIGITS + 1], grant[RK_ANSWER_GRANT_LEN + 1];
    bool withheld = true;
    struct rk_request q2;
    RKT_OK(f, rk_answer_send_code(&f->reg, q.id, t0 + 60, &q2, to, sizeof to, code, &withheld));
    assert_false(withheld);
    assert_string_equal(to, "maija@example.fi");
    enum rk_code_verdict v = RK_CODE_NONE;
    RKT_OK(f, rk_answer_enter_code(&f->reg, q.id, code, t0 + 120, &v, grant));
    assert_int_equal(v, RK_CODE_RIGHT);
    RKT_OK(f, rk_answer_download(&f->reg, q.id, grant, RK_AD_ACCESS_HTML, t0 + 180, &data, &len));
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    assert_int_equal((int)len, (int)ff.html.len);
    assert_memory_equal(data, ff.html.data, len);
    rk_seal_free(data, len);
    assert_int_equal(rkt_audit_like(f, "answer.download", "R-%access.html"), 1);
    assert_int_equal(rkt_audit_like(f, NULL, "%@%"), 0);
    /* A second code within the mail limit's interval is withheld, nothing written. */
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    assert_int_equal(
        rk_answer_send_code(&f->reg, q.id, t0 + 240, &q2, to, sizeof to, code, &withheld),
        RK_EREFUSED);
    rk_reg_batch_rollback(&f->reg);
    assert_true(withheld);

    /* A document opens only as the file it was stored as. The trap swaps two stored rows
     * behind the store's back, as a tampered file would: raw SQL on purpose. */
    rkt_exec(f, "UPDATE answer_file SET name = 'x' WHERE name = 'access.json'");
    rkt_exec(f, "UPDATE answer_file SET name = 'access.json' WHERE name = 'access.html'");
    rkt_exec(f, "UPDATE answer_file SET name = 'access.html' WHERE name = 'x'");
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    assert_int_equal(
        rk_answer_download(&f->reg, q.id, grant, RK_AD_ACCESS_HTML, t0 + 300, &data, &len), RK_EIO);
    rk_reg_batch_rollback(&f->reg);

    /* The window's end: gone, whether swept or not; the sweep deletes it. */
    rk_ts end = t0 + (rk_ts)RK_ANSWER_DAYS * 86400;
    struct rk_answer_row a;
    assert_int_equal(rk_answer_get(&f->reg, q.id, end - 1, &a), RK_OK);
    assert_int_equal(rk_answer_get(&f->reg, q.id, end, &a), RK_ENOENT);
    struct rk_retention_counts n;
    RKT_OK(f, rk_retention_run(&f->reg, end - 1, false, &n, &f->msg));
    assert_int_equal((int)n.answers_deleted, 0);
    RKT_OK(f, rk_retention_run(&f->reg, end, true, &n, &f->msg)); /* a dry run counts */
    assert_int_equal((int)n.answers_deleted, 1);
    assert_int_equal(rkt_census(f, NULL).answers, 1);
    RKT_OK(f, rk_retention_run(&f->reg, end, false, &n, &f->msg));
    assert_int_equal((int)n.answers_deleted, 1);
    assert_int_equal(rkt_census(f, NULL).answers, 0);
    assert_int_equal(rkt_census(f, NULL).answer_files, 0);
    rk_fulfilment_cleanup(&ff);
}

/* The access document (art 15) of a customer under full.yaml says what the declaration says:
 * the profiling and the automated decisions with their basis and safeguards (15(1)(h)), the
 * right to object under its own heading (21(4)), the named source and what it gave (15(1)(g)),
 * and the DPF check of the US recipient (15(2)); the JSON's art 22 answer is the text the art 22
 * request gets, and the HTML holds each of its sentences. */
static void access_document_follows_the_declaration(void **state) {
    struct afx *x = *state;
    struct rk_request q;
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    complete(x, RK_RQ_ACCESS, false, rkt_ts("2027-01-04T08:00:00Z"), &q, &ff);
    rk_buf_putc(&ff.html, '\0');
    rk_buf_putc(&ff.json, '\0');
    const char *h = ff.html.data;
    assert_non_null(strstr(h, "<h2>Profilointi ja automaattinen päätöksenteko</h2>"));
    assert_non_null(strstr(h, "Käsittelytarkoitukseen ”suoramarkkinointi” kuuluu profilointia"));
    assert_null(strstr(h, "ei käytetä profilointiin"));
    assert_non_null(strstr(h, "Teemme pelkästään automaattiseen käsittelyyn perustuvia"));
    assert_non_null(strstr(h, "(22 art. 2 a)"));
    assert_non_null(strstr(h, "riitauttaa päätös (22 art. 3 kohta)"));
    assert_non_null(strstr(h, "<h2>Oikeutesi vastustaa käsittelyä</h2>"));
    assert_non_null(strstr(h, "erityiseen tilanteeseesi liittyvällä perusteella"));
    assert_non_null(strstr(h, "maksutta vastustaa henkilötietojesi käsittelyä suoramarkkinointia"));
    assert_non_null(strstr(h, "Patentti- ja rekisterihallitus (toinen rekisterinpitäjä) – saadut "
                              "tiedot: Nimi, Puhelin"));
    assert_non_null(strstr(h, "tarkistettu DPF-listalta 2.11.2026"));
    json_t *doc = json_loads(ff.json.data, 0, NULL);
    assert_non_null(doc);
    json_t *ad = json_object_get(doc, "automated_decisions");
    assert_string_equal(json_string_value(json_object_get(ad, "basis")), "contract");
    assert_int_equal((int)json_array_size(json_object_get(ad, "safeguards")), 3);
    struct rk_buf want;
    rk_buf_init(&want);
    rk_rights_automated_text(x->f->decl, RK_LANG_FI, &want);
    rk_buf_putc(&want, '\0');
    assert_string_equal(json_string_value(json_object_get(ad, "answer")), want.data);
    assert_int_equal((int)json_array_size(json_object_get(doc, "profiling")), 1);
    assert_non_null(json_string_value(
        json_object_get(json_object_get(doc, "objection"), "particular_situation")));
    json_t *src = json_array_get(json_object_get(doc, "sources"), 1);
    assert_string_equal(json_string_value(json_object_get(src, "kind")), "third_party");
    assert_false(json_is_true(json_object_get(src, "publicly_available")));
    json_decref(doc);
    rk_buf_cleanup(&want);
    rk_fulfilment_cleanup(&ff);
}

static void no_email_no_answer(void **state) {
    struct afx *x = *state;
    struct rk_request q;
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    complete(x, RK_RQ_ACCESS, false, rkt_ts("2027-01-04T08:00:00Z"), &q, &ff);
    assert_string_equal(ff.answer_token, "");
    assert_true(ff.html.len > 0); /* handed over as before */
    assert_int_equal(rkt_census(x->f, NULL).answers, 0);
    rk_fulfilment_cleanup(&ff);
    /* An erasure given by email has no documents: nothing stored either. */
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    complete(x, RK_RQ_ERASURE, true, rkt_ts("2027-01-05T08:00:00Z"), &q, &ff);
    assert_string_equal(ff.answer_token, "");
    assert_int_equal(rkt_census(x->f, NULL).answers, 0);
    rk_fulfilment_cleanup(&ff);
}

static void erasure_takes_the_answer(void **state) {
    struct afx *x = *state;
    struct rk_request q;
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    complete(x, RK_RQ_ACCESS, true, rkt_ts("2027-01-04T08:00:00Z"), &q, &ff);
    assert_int_equal(rkt_census(x->f, NULL).answer_files, 2);
    struct rk_erase_report rep;
    memset(&rep, 0, sizeof rep);
    RKT_OK(x->f, rk_rights_erase(&x->f->reg, x->person, NULL, rkt_ts("2027-01-05T08:00:00Z"), &rep,
                                 &x->f->msg));
    assert_int_equal((int)rep.answers, 1);
    assert_int_equal(rkt_census(x->f, NULL).answers, 0);
    assert_int_equal(rkt_census(x->f, NULL).answer_files, 0);
    rk_fulfilment_cleanup(&ff);
}

static void portability_files(void **state) {
    struct afx *x = *state;
    struct rk_request q;
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    complete(x, RK_RQ_PORTABILITY, true, rkt_ts("2027-01-04T08:00:00Z"), &q, &ff);
    assert_true(ff.answer_token[0] != '\0');
    static const char *const names[] = {"portability.json", "portability.csv"};
    for (int i = 0; i < 2; i++) {
        unsigned char *doc = NULL;
        size_t len = 0;
        assert_int_equal(rk_store_answer_file_get(x->f->peer, q.id, names[i], &doc, &len), RK_OK);
        free(doc);
    }
    rk_fulfilment_cleanup(&ff);
}

static void digest_once_a_day(void **state) {
    struct afx *x = *state;
    struct rkt_reg *f = x->f;
    struct rk_date d1 = rkt_day("2027-03-10"), d2 = rkt_day("2027-03-11");
    bool due = false;
    RKT_OK(f, rk_answer_digest_due(f->store, d1, &due));
    assert_true(due);
    RKT_OK(f, rk_answer_digest_mark(f->store, d1, rkt_ts("2027-03-10T06:00:00Z")));
    RKT_OK(f, rk_answer_digest_due(f->store, d1, &due));
    assert_false(due);
    RKT_OK(f, rk_answer_digest_due(f->store, d2, &due));
    assert_true(due);
    /* Requests: one overdue (received 2027-01-04, due 2027-02-04), one due soon. */
    struct rk_request q;
    struct rk_request_input in = {.type = RK_RQ_ERASURE,
                                  .channel = RK_RQC_POST,
                                  .person_id = x->person,
                                  .received = rkt_day("2027-01-04"),
                                  .now = rkt_ts("2027-03-10T06:00:00Z")};
    RKT_OK(f, rk_request_create(&f->reg, &x->tz, &in, &q, &f->msg));
    in.received = rkt_day("2027-02-14");
    RKT_OK(f, rk_request_create(&f->reg, &x->tz, &in, &q, &f->msg));
    in.received = rkt_day("2027-03-01"); /* due 1.4: not yet */
    RKT_OK(f, rk_request_create(&f->reg, &x->tz, &in, &q, &f->msg));
    struct rk_digest *g = calloc(1, sizeof *g);
    assert_non_null(g);
    RKT_OK(f, rk_answer_digest_collect(f->store, d1, g));
    assert_int_equal((int)g->overdue, 1);
    assert_int_equal((int)g->due_soon, 1);
    assert_int_equal(g->n, 2);
    assert_true(g->line[0].overdue);
    char got[11];
    rk_date_iso(g->line[0].due, got);
    assert_string_equal(got, "2027-02-04");
    free(g);
}

static void collect_address(void *ctx, const char *address) {
    char *out = ctx;
    snprintf(out, 64, "%s", address);
}

static void digest_goes_to_the_dpo(void **state) {
    struct afx *x = *state;
    char got[64] = "";
    /* full.yaml declares controller.dpo.email: the digest goes there, and only there. */
    assert_int_equal(rk_answer_digest_recipients(x->f->decl, x->f->store, collect_address, got), 1);
    assert_string_equal(got, "dpo@example.fi");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(code_rules),
        cmocka_unit_test(grant_rules),
        cmocka_unit_test(names_and_status),
        cmocka_unit_test_setup_teardown(stored_opened_audited_swept, setup, teardown),
        cmocka_unit_test_setup_teardown(access_document_follows_the_declaration, setup, teardown),
        cmocka_unit_test_setup_teardown(no_email_no_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(portability_files, setup, teardown),
        cmocka_unit_test_setup_teardown(erasure_takes_the_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(digest_once_a_day, setup, teardown),
        cmocka_unit_test_setup_teardown(digest_goes_to_the_dpo, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
