/*
 * test_consent_record.c — a consent record (core/consent_record.c) gathered
 * from a real store and rendered (views/consent_record.c): the double opt-in
 * history in order with its states, times, methods, who did what and the
 * notice's version and hash; the state now matching the stored one (withdrawn,
 * renewed, run out); the declaration's processing; explicit consent when a
 * special category rests on it; the ISO/IEC TS 27560 JSON shape, with no
 * personal data but the pseudonymous id and no staff names on the person's own
 * receipt; the text form; and every refusal (purpose not declared, not on
 * consent, unknown person, no consent recorded).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent_record.h"
#include "core/register.h"
#include "regfix.h"
#include "testutil.h"
#include "views/consent_record.h"

#define T0 "2025-01-15T10:00:00Z" /* the form is submitted */
#define T1 "2025-01-15T10:05:00Z" /* the link is followed */
#define T2 "2025-03-01T08:00:00Z" /* the person unsubscribes */
#define T3 "2025-04-01T00:00:00Z" /* the record is asked for */

#define EMAIL "maija.meikalainen@example.fi"
#define NAME  "Maija Meikäläinen"

#define MSG (rkt_clear(&f->msg))

static int setup_example(void **state) {
    return rkt_reg_setup_decl(state, "consent_record", rkt_load_example());
}

/* The example with the interests declared as health data on explicit consent (art 9(2)(a)). */
static int setup_explicit(void **state) {
    char *yaml = rkt_read("examples/smartum/declaration.yaml", NULL);
    const char *at = strstr(yaml, "    kind: preference\n");
    assert_non_null(at);
    const char *add = "    special: health\n    condition: explicit_consent\n";
    size_t head = (size_t)(at - yaml) + strlen("    kind: preference\n");
    size_t n = strlen(yaml) + strlen(add) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)head, yaml, add, yaml + head);
    struct rk_decl *d = rkt_parse(out);
    free(out);
    free(yaml);
    return rkt_reg_setup_decl(state, "consent_record", d);
}

/* A customer (contract purpose), so that consents can then be recorded for them; email NULL:
 * the example's address. */
static void add_customer_as(struct rkt_reg *f, const char *email, char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = NAME;
    c.v[RK_F_EMAIL] = email ? email : EMAIL;
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
}

static void add_customer(struct rkt_reg *f, char id[RK_ID_LEN + 1]) {
    add_customer_as(f, NULL, id);
}

static void consent(struct rkt_reg *f, const char *id, enum rk_consent_kind kind, bool pending,
                    const char *channel, const char *form, const char *actor, const char *at) {
    struct rk_consent_input in = {.channel = channel,
                                  .pending = pending,
                                  .form_id = form,
                                  .ip = "192.0.2.7",
                                  .user_agent = "Testiselain/1.0",
                                  .evidence = "Annan luvan",
                                  .lang = RK_LANG_FI,
                                  .at = rkt_ts(at)};
    rk_reg_set_actor(&f->reg, actor);
    RKT_OK(f, rk_reg_consent(&f->reg, id, "sales_promotion", kind, &in, MSG));
    rk_reg_set_actor(&f->reg, "tester");
}

/* Given through the form (pending), confirmed through the link, withdrawn by staff. */
static void double_opt_in_then_withdrawn(struct rkt_reg *f, char id[RK_ID_LEN + 1]) {
    add_customer(f, id);
    consent(f, id, RK_CE_GIVEN, true, "web_form", "newsletter", "self", T0);
    consent(f, id, RK_CE_CONFIRMED, false, "email_link", NULL, "self", T1);
    consent(f, id, RK_CE_WITHDRAWN, false, "phone", NULL, "tester", T2);
}

static void assert_at(rk_ts t, const char *want) {
    char got[RK_TS_LEN + 1];
    rk_ts_format(t, got);
    assert_string_equal(got, want);
}

static bool has_category(const struct rk_consent_record *r, const char *id) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (strcmp(r->categories[i]->id, id) == 0)
            return true;
    return false;
}

static bool has_recipient(const struct rk_consent_record *r, const char *id) {
    for (size_t i = 0; i < r->nrecipients; i++)
        if (strcmp(r->recipients[i]->id, id) == 0)
            return true;
    return false;
}

/* ---- Gathering ------------------------------------------------------------------------------ */

static void history_in_order(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    double_opt_in_then_withdrawn(f, id);
    struct rk_consent_record r;
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts(T3), &r, MSG));
    assert_string_equal(r.person_id, id);
    assert_string_equal(r.purpose->id, "sales_promotion");
    assert_int_equal(r.nevents, 3);
    const struct rk_cr_event *e = r.events;
    /* requested through the form, by the person, awaiting the link */
    assert_int_equal(e[0].state, RK_CR_REQUESTED);
    assert_int_equal(e[0].kind, RK_CE_GIVEN);
    assert_true(e[0].pending);
    assert_at(e[0].at, T0);
    assert_string_equal(e[0].channel, "web_form");
    assert_string_equal(e[0].form_id, "newsletter");
    assert_true(e[0].by_subject);
    assert_int_equal(e[0].valid_until, 0);
    /* given by following the link: in force for the purpose's two years from then */
    assert_int_equal(e[1].state, RK_CR_GIVEN);
    assert_int_equal(e[1].kind, RK_CE_CONFIRMED);
    assert_at(e[1].at, T1);
    assert_string_equal(e[1].channel, "email_link");
    assert_true(e[1].by_subject);
    assert_at(e[1].valid_until, "2027-01-15T10:05:00Z");
    /* withdrawn, recorded by staff */
    assert_int_equal(e[2].state, RK_CR_WITHDRAWN);
    assert_at(e[2].at, T2);
    assert_false(e[2].by_subject);
    assert_string_equal(e[2].collector, "tester");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(e[i].notice_version, f->reg.notice_version);
        assert_string_equal(e[i].notice_sha256, f->reg.notice_sha256[RK_LANG_FI]);
        assert_int_equal(e[i].notice_lang, RK_LANG_FI);
        assert_true(i == 0 || e[i].seq > e[i - 1].seq);
    }
    /* the state now is the stored one: withdrawn, since the withdrawal */
    assert_int_equal(r.status, RK_CONSENT_WITHDRAWN);
    assert_at(r.since, T2);
    assert_int_equal(r.last_seq, e[2].seq);
    assert_false(r.explicit_consent);
    /* the processing, from the declaration: the categories of the registers declaring the
     * purpose, the recipients serving it */
    assert_true(has_category(&r, "email"));
    assert_true(has_category(&r, "interests"));
    assert_true(has_recipient(&r, "mailchimp"));
    rk_consent_record_free(&r);
}

static void renewal_and_run_out(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_customer(f, id);
    consent(f, id, RK_CE_GIVEN, false, "phone", NULL, "tester", T0);
    consent(f, id, RK_CE_GIVEN, true, "web_form", "newsletter", "self", T2);
    struct rk_consent_record r;
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts(T3), &r, MSG));
    assert_int_equal(r.nevents, 2);
    assert_int_equal(r.events[0].state, RK_CR_GIVEN);
    assert_int_equal(r.events[1].state, RK_CR_RENEWAL_REQUESTED);
    assert_int_equal(r.status, RK_CONSENT_LIVE);
    assert_true(r.renewal_pending);
    rk_consent_record_free(&r);
    consent(f, id, RK_CE_CONFIRMED, false, "email_link", NULL, "self", "2025-03-01T08:10:00Z");
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts(T3), &r, MSG));
    assert_int_equal(r.events[2].state, RK_CR_RENEWED);
    assert_at(r.events[2].valid_until, "2027-03-01T08:10:00Z");
    assert_at(r.expires_at, "2027-03-01T08:10:00Z");
    assert_false(r.renewal_pending);
    rk_consent_record_free(&r);
    /* Past its validity before the sweep recorded it: expired, since the expiry. */
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts("2027-06-01"), &r, MSG));
    assert_int_equal(r.status, RK_CONSENT_EXPIRED);
    assert_at(r.since, "2027-03-01T08:10:00Z");
    rk_consent_record_free(&r);
}

static void explicit_consent_for_special_data(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_customer(f, id);
    consent(f, id, RK_CE_GIVEN, false, "phone", NULL, "tester", T0);
    struct rk_consent_record r;
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts(T3), &r, MSG));
    assert_true(r.explicit_consent);
    struct rk_cr_render o = {.lang = RK_LANG_EN};
    json_t *doc = rk_consent_record_json(&r, &o);
    assert_non_null(doc);
    json_t *p0 = json_array_get(json_object_get(json_object_get(doc, "processing"), "purposes"), 0);
    assert_string_equal(json_string_value(json_object_get(p0, "special_category_condition")),
                        "9(2)(a)");
    json_t *e0 = json_array_get(json_object_get(doc, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(e0, "event_type")), "explicit_consent");
    json_decref(doc);
    rk_consent_record_free(&r);
}

/* ---- Refusals ------------------------------------------------------------------------------- */

static void refusals(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    double_opt_in_then_withdrawn(f, id);
    struct rk_consent_record r;
    RKT_EXPECT(f, rk_consent_record_get(&f->reg, id, "nosuch", rkt_ts(T3), &r, MSG), RK_EINVAL,
               "purpose 'nosuch' is not declared");
    assert_string_equal(f->msg.where, "purpose");
    rk_consent_record_free(&r);
    RKT_EXPECT(f, rk_consent_record_get(&f->reg, id, "customer_relationship", rkt_ts(T3), &r, MSG),
               RK_EINVAL, "rests on contract, not on consent");
    rk_consent_record_free(&r);
    RKT_EXPECT(f,
               rk_consent_record_get(&f->reg, "aaaaaaaaaaaaaaaaaaaaaaaaaa", "sales_promotion",
                                     rkt_ts(T3), &r, MSG),
               RK_ENOENT, "no person with that id");
    assert_string_equal(f->msg.where, "person");
    rk_consent_record_free(&r);
    RKT_EXPECT(f,
               rk_consent_record_get(&f->reg, "not-an-id", "sales_promotion", rkt_ts(T3), &r, MSG),
               RK_ENOENT, "no person with that id");
    rk_consent_record_free(&r);
    /* A person without any consent for the purpose. */
    add_customer_as(f, "toinen@example.fi", other);
    RKT_EXPECT(f, rk_consent_record_get(&f->reg, other, "sales_promotion", rkt_ts(T3), &r, MSG),
               RK_ENOENT, "no consent for purpose 'sales_promotion' is recorded");
    assert_string_equal(f->msg.where, "consent");
    rk_consent_record_free(&r);
}

/* ---- Rendering ------------------------------------------------------------------------------ */

static const char *str_at(json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}

static void json_shape(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    double_opt_in_then_withdrawn(f, id);
    struct rk_consent_record r;
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts(T3), &r, MSG));
    struct rk_cr_render o = {.lang = RK_LANG_EN, .public_url = "https://r.example.fi"};
    json_t *doc = rk_consent_record_json(&r, &o);
    assert_non_null(doc);
    /* header */
    assert_string_equal(str_at(doc, "conforms_to"), "ISO/IEC TS 27560:2023");
    assert_non_null(str_at(doc, "schema_version"));
    char rid[RK_ID_LEN + 32];
    snprintf(rid, sizeof rid, "%s/sales_promotion", id);
    assert_string_equal(str_at(doc, "record_id"), rid);
    assert_int_equal(json_integer_value(json_object_get(doc, "record_version")), r.last_seq);
    assert_string_equal(str_at(doc, "pii_principal_id"), id);
    assert_string_equal(str_at(doc, "issued"), T3);
    assert_string_equal(str_at(doc, "language"), "en");
    json_t *now = json_object_get(doc, "consent");
    assert_string_equal(str_at(now, "state"), "withdrawn");
    assert_false(json_is_true(json_object_get(now, "in_force")));
    assert_string_equal(str_at(now, "consent_type"), "expressed_consent");
    /* processing */
    json_t *proc = json_object_get(doc, "processing");
    json_t *notice = json_object_get(proc, "privacy_notice");
    assert_string_equal(str_at(notice, "version"), f->reg.notice_version);
    assert_string_equal(str_at(notice, "url"), "https://r.example.fi/privacy");
    json_t *p0 = json_array_get(json_object_get(proc, "purposes"), 0);
    assert_string_equal(str_at(p0, "purpose_id"), "sales_promotion");
    json_t *basis = json_object_get(p0, "lawful_basis");
    assert_string_equal(str_at(basis, "id"), "consent");
    assert_string_equal(str_at(basis, "article"), "6(1)(a)");
    assert_null(json_object_get(p0, "special_category_condition"));
    assert_true(json_array_size(json_object_get(p0, "pii_information")) == r.ncategories);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(p0, "pii_controllers"), 0)), "controller");
    assert_non_null(json_object_get(json_object_get(p0, "processing_method"), "profiling"));
    assert_string_equal(str_at(json_object_get(p0, "consent_validity"), "duration"), "P2Y");
    assert_string_equal(str_at(json_object_get(p0, "withdrawal_method"), "url"),
                        "https://r.example.fi/preferences?lang=en");
    assert_true(json_array_size(json_object_get(p0, "recipient_third_parties")) == r.nrecipients);
    assert_non_null(json_object_get(p0, "geographic_restrictions")); /* the US recipients */
    /* parties: the controller first */
    json_t *c0 = json_array_get(json_object_get(doc, "parties"), 0);
    assert_string_equal(str_at(c0, "party_id"), "controller");
    assert_string_equal(str_at(c0, "party_name"), r.decl->controller.name);
    /* events, in order */
    json_t *ev = json_object_get(doc, "events");
    assert_int_equal(json_array_size(ev), 3);
    const char *states[] = {"requested", "given", "withdrawn"};
    const char *times[] = {T0, T1, T2};
    const char *methods[] = {"web_form", "email_link", "phone"};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(ev, i);
        assert_string_equal(str_at(e, "event_state"), states[i]);
        assert_string_equal(str_at(e, "event_time"), times[i]);
        assert_string_equal(str_at(e, "collection_method"), methods[i]);
        assert_string_equal(str_at(e, "event_type"), "expressed_consent");
        json_t *n = json_object_get(e, "privacy_notice");
        assert_string_equal(str_at(n, "sha256"), f->reg.notice_sha256[RK_LANG_FI]);
        assert_string_equal(str_at(n, "language"), "fi");
    }
    assert_string_equal(str_at(json_array_get(ev, 0), "entity_role"), "pii_principal");
    assert_string_equal(str_at(json_array_get(ev, 0), "entity_id"), id);
    assert_string_equal(str_at(json_array_get(ev, 0), "form_id"), "newsletter");
    assert_string_equal(str_at(json_array_get(ev, 1), "valid_until"), "2027-01-15T10:05:00Z");
    assert_string_equal(str_at(json_array_get(ev, 2), "entity_role"), "controller");
    assert_string_equal(str_at(json_array_get(ev, 2), "agent"), "tester");
    /* No personal data but the id: not the name, the address, the IP, the user agent or the
     * evidence text the ledger holds. */
    char *text = json_dumps(doc, 0);
    assert_non_null(text);
    const char *absent[] = {EMAIL, "Meik", "192.0.2.7", "Testiselain", "Annan luvan"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        if (strstr(text, absent[i]))
            fail_msg("the record holds '%s'", absent[i]);
    free(text);
    json_decref(doc);
    /* The person's own receipt names no staff. */
    o.for_subject = true;
    doc = rk_consent_record_json(&r, &o);
    assert_null(json_object_get(json_array_get(json_object_get(doc, "events"), 2), "agent"));
    assert_string_equal(str_at(json_array_get(json_object_get(doc, "events"), 2), "entity_role"),
                        "controller");
    json_decref(doc);
    /* Without a public URL the addresses are left out rather than guessed. */
    o.public_url = NULL;
    doc = rk_consent_record_json(&r, &o);
    proc = json_object_get(doc, "processing");
    assert_null(json_object_get(json_object_get(proc, "privacy_notice"), "url"));
    json_decref(doc);
    rk_consent_record_free(&r);
}

static void text_form(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    double_opt_in_then_withdrawn(f, id);
    struct rk_consent_record r;
    RKT_OK(f, rk_consent_record_get(&f->reg, id, "sales_promotion", rkt_ts(T3), &r, MSG));
    struct rk_cr_render o = {.lang = RK_LANG_FI};
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_consent_record_render(&r, &o, false, &b), RK_OK);
    assert_non_null(strstr(b.data, "Suostumustiedot (ISO/IEC TS 27560:2023)"));
    assert_non_null(strstr(b.data, "Tila:                peruttu, " T2 " alkaen"));
    assert_non_null(strstr(b.data, "  " T0 "  pyydetty, odottaa vahvistusta; tapa: web_form "
                                   "(newsletter); kuka: rekisteröity itse"));
    assert_non_null(strstr(b.data, "  " T1 "  annettu; tapa: email_link"));
    assert_non_null(strstr(b.data, "  " T2 "  peruttu; tapa: phone; kuka: tester"));
    assert_null(strstr(b.data, EMAIL));
    rk_buf_reset(&b);
    o.lang = RK_LANG_EN;
    o.for_subject = true;
    assert_int_equal(rk_consent_record_render(&r, &o, false, &b), RK_OK);
    assert_non_null(strstr(b.data, "  " T2 "  withdrawn; how: phone; by: the controller"));
    rk_buf_reset(&b);
    assert_int_equal(rk_consent_record_render(&r, &o, true, &b), RK_OK);
    json_error_t err;
    json_t *doc = json_loads(b.data, 0, &err);
    assert_non_null(doc);
    assert_string_equal(str_at(doc, "pii_principal_id"), id);
    json_decref(doc);
    rk_buf_cleanup(&b);
    rk_consent_record_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(history_in_order, setup_example, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(renewal_and_run_out, setup_example, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(explicit_consent_for_special_data, setup_explicit,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(refusals, setup_example, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(json_shape, setup_example, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(text_form, setup_example, rkt_reg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
