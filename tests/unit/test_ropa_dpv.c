/*
 * test_ropa_dpv.c — the record of processing as W3C Data Privacy Vocabulary
 * JSON-LD (ropa --format dpv): the example renders to its golden file; the
 * output is JSON with the DPV @context; there is one dpv:Process per
 * (register, purpose) with the eu-gdpr IRI of its purpose's art 6(1) basis;
 * every recipient has its country as a loc: IRI; transfers carry the art
 * 45/46 basis of their mechanism (DPF and adequacy art 45(3), SCC art
 * 46(2)(c)) and an invalid Privacy Shield claims no basis; special categories
 * carry their art 9(2) condition, criminal-offence data none; children,
 * named sources, the balancing test, profiling and art 22 safeguards appear;
 * the same declaration gives the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "views/ropa.h"
#include "testutil.h"

#define FULL "tests/decls/full.yaml"

static struct rk_buf render(const struct rk_decl *d) {
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_ropa_render_dpv(d, &b), RK_OK);
    assert_non_null(b.data);
    return b;
}

/* The rendered document of d, parsed back. */
static json_t *parse(const struct rk_decl *d) /* new ref */ {
    struct rk_buf b = render(d);
    json_error_t err;
    json_t *doc = json_loadb(b.data, b.len, 0, &err);
    if (!doc)
        fail_msg("not JSON: %s at line %d", err.text, err.line);
    rk_buf_cleanup(&b);
    return doc;
}

/* The @id of node or reference o; "" when it has none. */
static const char *id_of(json_t *o) {
    const char *s = json_string_value(json_object_get(o, "@id"));
    return s ? s : "";
}

/* The node of the graph with @id id; fails when there is none. */
static json_t *by_id(json_t *doc, const char *id) {
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(doc, "@graph"), i, n) {
        if (strcmp(id_of(n), id) == 0)
            return n;
    }
    fail_msg("no node %s", id);
    return NULL;
}

/* The @id of o[key] (a node reference); NULL when absent. */
static const char *ref_of(json_t *o, const char *key) {
    return json_string_value(json_object_get(json_object_get(o, key), "@id"));
}

/* The number of dpv:Process nodes at the top of the graph. */
static size_t nprocesses(json_t *doc) {
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(json_object_get(doc, "@graph"), i, v) {
        const char *t = json_string_value(json_object_get(v, "@type"));
        n += t && strcmp(t, "dpv:Process") == 0;
    }
    return n;
}

/* The language-tagged value of lang in o[key]; fails when there is none. */
static const char *text_of(json_t *o, const char *key, const char *lang) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, key), i, v) {
        const char *l = json_string_value(json_object_get(v, "@language"));
        if (l && strcmp(l, lang) == 0)
            return json_string_value(json_object_get(v, "@value"));
    }
    fail_msg("no %s text in %s", lang, key);
    return "";
}

/* The dpv:CrossBorderTransfer of process proc to recipient rc_id; NULL when none. */
static json_t *transfer_to(json_t *proc, const char *rc_id) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(proc, "dpv:hasProcessing"), i, v) {
        const char *t = json_string_value(json_object_get(v, "@type"));
        const char *to = ref_of(v, "dpv:hasRecipient");
        if (t && strcmp(t, "dpv:CrossBorderTransfer") == 0 && to && strcmp(to, rc_id) == 0)
            return v;
    }
    return NULL;
}

/* Checks every process of d: one per (register, purpose), the purpose's basis IRI, and every
 * recipient of the register listed, with its country. */
static void check_processes(const struct rk_decl *d, json_t *doc) {
    static const char *const basis[] = {"eu-gdpr:A6-1-a", "eu-gdpr:A6-1-b", "eu-gdpr:A6-1-c",
                                        "eu-gdpr:A6-1-d", "eu-gdpr:A6-1-e", "eu-gdpr:A6-1-f"};
    size_t want = 0;
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        for (size_t j = 0; j < r->npurposes; j++, want++) {
            char id[256];
            snprintf(id, sizeof id, "_:process-%s-%s", r->id, r->purposes[j]->id);
            json_t *proc = by_id(doc, id);
            assert_string_equal(ref_of(proc, "dpv:hasLegalBasis"), basis[r->purposes[j]->basis]);
            snprintf(id, sizeof id, "_:purpose-%s", r->purposes[j]->id);
            assert_string_equal(ref_of(proc, "dpv:hasPurpose"), id);
            assert_string_equal(ref_of(proc, "dpv:hasDataController"), "_:controller");
            json_t *recipients = json_object_get(proc, "dpv:hasRecipient");
            for (size_t k = 0; k < d->nrecipients; k++) {
                const struct rk_recipient *rc = &d->recipients[k];
                bool listed = false;
                snprintf(id, sizeof id, "_:recipient-%s", rc->id);
                for (size_t m = 0; m < json_array_size(recipients); m++)
                    listed = listed || strcmp(id_of(json_array_get(recipients, m)), id) == 0;
                bool receives = false;
                for (size_t m = 0; m < rc->nregisters; m++)
                    receives = receives || rc->registers[m] == r;
                assert_int_equal(listed, receives);
                char country[16];
                snprintf(country, sizeof country, "loc:%s", rc->country);
                assert_string_equal(ref_of(by_id(doc, id), "dpv:hasCountry"), country);
                /* a transfer exactly for the recipients outside the EEA */
                assert_int_equal(transfer_to(proc, id) != NULL,
                                 receives && !rk_country_in_eea(rc->country));
            }
        }
    }
    assert_int_equal(nprocesses(doc), want);
}

static void context_and_golden(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    struct rk_buf b = render(d);
    rkt_golden("ropa.dpv.jsonld", b.data, b.len);
    json_t *doc = parse(d);
    json_t *ctx = json_object_get(doc, "@context");
    assert_string_equal(json_string_value(json_object_get(ctx, "dpv")), "https://w3id.org/dpv#");
    assert_string_equal(json_string_value(json_object_get(ctx, "eu-gdpr")),
                        "https://w3id.org/dpv/legal/eu/gdpr#");
    assert_string_equal(json_string_value(json_object_get(ctx, "loc")),
                        "https://w3id.org/dpv/loc#");
    assert_string_equal(json_string_value(json_object_get(ctx, "pd")), "https://w3id.org/dpv/pd#");
    assert_string_equal(json_string_value(json_object_get(ctx, "rk")), RK_DPV_NS);
    json_t *rec = by_id(doc, "_:ropa");
    assert_string_equal(json_string_value(json_object_get(rec, "@type")), "dpv:ROPA");
    assert_int_equal(json_array_size(json_object_get(rec, "dpv:hasProcess")), 3);
    json_decref(doc);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

static void example_processes(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    json_t *doc = parse(d);
    check_processes(d, doc);
    assert_int_equal(nprocesses(doc), 3); /* customer x 2 purposes + marketing x 1 */
    json_t *c = by_id(doc, "_:controller");
    assert_string_equal(json_string_value(json_object_get(c, "dpv:hasName")), "Smartum Oy");
    assert_string_equal(json_string_value(json_object_get(c, "dpv:hasIdentifier")), "2780101-9");
    /* The Privacy Shield is invalid: the transfer names its mechanism but claims no basis. */
    json_t *t =
        transfer_to(by_id(doc, "_:process-customer-sales_promotion"), "_:recipient-salesforce");
    assert_non_null(t);
    assert_string_equal(json_string_value(json_object_get(t, "rk:transferMechanism")),
                        "privacy_shield");
    assert_null(json_object_get(t, "dpv:hasLegalBasis"));
    assert_string_equal(ref_of(t, "dpv:hasThirdCountry"), "loc:US");
    /* Categories in both languages, mapped to pd: where obvious. */
    json_t *email = by_id(doc, "_:category-email");
    assert_string_equal(text_of(email, "rdfs:label", "fi"), "Sähköpostiosoite");
    assert_string_equal(text_of(email, "rdfs:label", "en"), "Email address");
    assert_string_equal(ref_of(email, "skos:broader"), "pd:EmailAddress");
    assert_string_equal(ref_of(by_id(doc, "_:category-interests"), "skos:broader"), "pd:Interest");
    assert_string_equal(ref_of(by_id(doc, "_:category-position"), "skos:broader"), "pd:Job");
    /* The marketing purpose is direct marketing, and its targeting profiling. */
    assert_string_equal(ref_of(by_id(doc, "_:purpose-sales_promotion"), "skos:broader"),
                        "dpv:DirectMarketing");
    json_t *proc = by_id(doc, "_:process-customer-sales_promotion");
    json_t *first = json_array_get(json_object_get(proc, "dpv:hasProcessing"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "@type")), "dpv:Profiling");
    /* No financial year is declared (the calendar year): nothing is claimed about it. */
    assert_null(json_object_get(by_id(doc, "_:controller"), "rk:financialYearEnd"));
    /* No automated decisions are declared: none is claimed. */
    assert_null(json_object_get(by_id(doc, "_:ropa"), "rk:automatedDecisionMaking"));
    json_decref(doc);
    rk_decl_free(d);
}

static void full_transfers(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    json_t *doc = parse(d);
    check_processes(d, doc);
    json_t *proc = by_id(doc, "_:process-customer-service");
    json_t *dpf = transfer_to(proc, "_:recipient-crm");
    assert_string_equal(ref_of(dpf, "dpv:hasLegalBasis"), "eu-gdpr:A45-3");
    assert_string_equal(json_string_value(json_object_get(dpf, "rk:transferMechanism")), "dpf");
    json_t *scc = transfer_to(proc, "_:recipient-support");
    assert_string_equal(ref_of(scc, "dpv:hasLegalBasis"), "eu-gdpr:A46-2-c");
    assert_string_equal(ref_of(scc, "dpv:hasTechnicalOrganisationalMeasure"),
                        "eu-gdpr:SCCByCommission");
    assert_string_equal(ref_of(scc, "dpv:hasThirdCountry"), "loc:IN");
    assert_null(transfer_to(proc, "_:recipient-books")); /* FI: no transfer */
    json_t *gb = transfer_to(by_id(doc, "_:process-marketing-marketing"), "_:recipient-mailer");
    assert_string_equal(ref_of(gb, "dpv:hasLegalBasis"), "eu-gdpr:A45-3");
    assert_string_equal(json_string_value(json_object_get(gb, "rk:transferMechanism")), "adequacy");
    /* The DPO and the representative, the automated decisions. */
    json_t *c = by_id(doc, "_:controller");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(c, "dpv:hasDataProtectionOfficer"), "dpv:hasName")),
                        "Dana Data");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(c, "dpv:hasRepresentative"), "dpv:hasName")),
                        "Rep GmbH");
    assert_string_equal(ref_of(by_id(doc, "_:ropa"), "rk:automatedDecisionMaking"),
                        "_:automated-decisions");
    json_decref(doc);
    rk_decl_free(d);
}

#define RICH_DECL                                                                                  \
    "rekisteri: 1\n"                                                                               \
    "controller:\n"                                                                                \
    "  name: Esimerkki Oy\n"                                                                       \
    "  business_id: 1234567-8\n"                                                                   \
    "  address: Katu 1, 00100 Helsinki\n"                                                          \
    "  phone: 09 123 4567\n"                                                                       \
    "  financial_year_end: \"06-30\"\n"                                                            \
    "supervisory_authority:\n"                                                                     \
    "  name: {fi: Tietosuojavaltuutetun toimisto, en: Office of the Data Protection Ombudsman}\n"  \
    "security:\n"                                                                                  \
    "  - {fi: Pääsy on rajattu roolien mukaan., en: Access is limited by role.}\n" FX_PURPOSES     \
    "  - id: prospecting\n"                                                                        \
    "    name: {fi: asiakashankinta, en: prospecting}\n"                                           \
    "    basis: legitimate_interests\n"                                                            \
    "    legitimate_interest: {fi: uusien asiakkaiden hankinta, en: finding new customers}\n"      \
    "    balancing_test: {fi: Punninta on liitteessä 2., en: The balancing test is annex "        \
    "2.}\n"                                                                                        \
    "    profiling:\n"                                                                             \
    "      what: {fi: toimialasi, en: your line of business}\n"                                    \
    "      logic: {fi: Valitsemme toimialan mukaan., en: We choose by line of business.}\n"        \
    "      consequences: {fi: Saat tarjouksia., en: You get offers.}\n"                            \
    "categories:\n"                                                                                \
    "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity, from_subject: true}\n"             \
    "  - {id: email, name: {fi: Sähköposti, en: Email}, kind: contact, from_subject: true}\n"    \
    "  - id: allergies\n"                                                                          \
    "    name: {fi: Ruoka-aineallergiat, en: Food allergies}\n"                                    \
    "    special: health\n"                                                                        \
    "    condition: explicit_consent\n"                                                            \
    "  - id: offences\n"                                                                           \
    "    name: {fi: Rikostiedot, en: Offences}\n"                                                  \
    "    special: criminal_offences\n"                                                             \
    "    law: {fi: Tietosuojalaki 1050/2018 7 §, en: Data Protection Act 1050/2018 s 7}\n"        \
    "registers:\n"                                                                                 \
    "  - id: customer\n"                                                                           \
    "    name: {fi: Asiakasrekisteri, en: Customer register}\n"                                    \
    "    subjects: {fi: asiakkaat, en: customers}\n"                                               \
    "    categories: [name, email, allergies, offences]\n"                                         \
    "    purposes: [marketing, service, prospecting]\n"                                            \
    "    retention: {until: [relationship_end], grace: 6m}\n"                                      \
    "    children: {min_age: 15, online_service: false}\n"                                         \
    "sources:\n"                                                                                   \
    "  - {kind: web_form, registers: [customer]}\n"                                                \
    "  - kind: public_source\n"                                                                    \
    "    name: {fi: Yritysten verkkosivut, en: Company websites}\n"                                \
    "    categories: [name, email]\n"                                                              \
    "    registers: [customer]\n"                                                                  \
    "    purposes: [prospecting]\n"                                                                \
    "recipients:\n"                                                                                \
    "  - id: crm\n"                                                                                \
    "    name: CRM Inc\n"                                                                          \
    "    role: processor\n"                                                                        \
    "    country: US\n"                                                                            \
    "    transfer: dpf\n"                                                                          \
    "    dpf_verified: 2025-05-02\n"                                                               \
    "    registers: [customer]\n"                                                                  \
    "  - id: helpdesk\n"                                                                           \
    "    name: Helpdesk Ltd\n"                                                                     \
    "    role: processor\n"                                                                        \
    "    country: IN\n"                                                                            \
    "    transfer: bcr\n"                                                                          \
    "    safeguards_copy: {fi: Pyydä tietosuojavastaavalta., en: Ask our DPO.}\n"                 \
    "    registers: [customer]\n"                                                                  \
    "rights:\n"                                                                                    \
    "  verification: [in_person]\n"                                                                \
    "  automated_decisions: true\n"                                                                \
    "  automated_logic: {fi: Pisteytämme., en: We score.}\n"                                      \
    "  automated_basis: contract\n"                                                                \
    "  automated_safeguards: [human_intervention, contest]\n"

static void legal_model(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(RICH_DECL);
    json_t *doc = parse(d);
    check_processes(d, doc);
    assert_int_equal(nprocesses(doc), 3);
    json_t *proc = by_id(doc, "_:process-customer-prospecting");
    /* Special categories: a sub-process with the art 9(2) condition; art 10 data with the law. */
    json_t *sub = json_object_get(proc, "dpv:hasProcess");
    assert_int_equal(json_array_size(sub), 2);
    json_t *health = json_array_get(sub, 0), *crime = json_array_get(sub, 1);
    assert_string_equal(ref_of(health, "dpv:hasPersonalData"), "_:category-allergies");
    assert_string_equal(ref_of(health, "dpv:hasLegalBasis"), "eu-gdpr:A9-2-a");
    assert_string_equal(ref_of(crime, "dpv:hasPersonalData"), "_:category-offences");
    assert_null(json_object_get(crime, "dpv:hasLegalBasis"));
    assert_string_equal(text_of(json_object_get(crime, "dpv:hasApplicableLaw"), "dct:title", "fi"),
                        "Tietosuojalaki 1050/2018 7 §");
    json_t *allergies = by_id(doc, "_:category-allergies");
    assert_string_equal(json_string_value(json_array_get(json_object_get(allergies, "@type"), 1)),
                        "dpv:SpecialCategoryPersonalData");
    assert_string_equal(ref_of(allergies, "skos:broader"), "pd:Health");
    assert_string_equal(ref_of(by_id(doc, "_:category-offences"), "skos:broader"), "pd:Criminal");
    /* Legitimate interests with the balancing test. */
    assert_string_equal(ref_of(proc, "dpv:hasLegalBasis"), "eu-gdpr:A6-1-f");
    assert_string_equal(text_of(proc, "rk:legitimateInterest", "en"), "finding new customers");
    json_t *lia = json_object_get(proc, "dpv:hasOrganisationalMeasure");
    assert_string_equal(json_string_value(json_object_get(lia, "@type")),
                        "dpv:LegitimateInterestAssessment");
    /* Children as data subjects. */
    json_t *subjects = json_object_get(proc, "dpv:hasDataSubject");
    assert_string_equal(id_of(json_array_get(subjects, 1)), "_:children-customer");
    json_t *child = by_id(doc, "_:children-customer");
    assert_string_equal(json_string_value(json_array_get(json_object_get(child, "@type"), 1)),
                        "dpv:Child");
    assert_int_equal(json_integer_value(json_object_get(child, "rk:minimumAge")), 15);
    /* The named source only for the purpose it serves, with the categories obtained. */
    assert_int_equal(json_array_size(json_object_get(proc, "dpv:hasDataSource")), 2);
    assert_int_equal(json_array_size(json_object_get(by_id(doc, "_:process-customer-service"),
                                                     "dpv:hasDataSource")),
                     1);
    json_t *src = by_id(doc, "_:source-2");
    assert_string_equal(json_string_value(json_object_get(src, "@type")), "dpv:PublicDataSource");
    assert_string_equal(text_of(src, "dpv:hasName", "fi"), "Yritysten verkkosivut");
    assert_int_equal(json_array_size(json_object_get(src, "dpv:hasPersonalData")), 2);
    /* DPF with the date it was checked; BCR with the copy of the safeguards. */
    json_t *dpf = transfer_to(proc, "_:recipient-crm");
    assert_string_equal(ref_of(dpf, "dpv:hasLegalBasis"), "eu-gdpr:A45-3");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(dpf, "rk:dpfVerified"), "@value")),
        "2025-05-02");
    json_t *bcr = transfer_to(proc, "_:recipient-helpdesk");
    assert_string_equal(ref_of(bcr, "dpv:hasLegalBasis"), "eu-gdpr:A46-2-b");
    assert_string_equal(ref_of(bcr, "dpv:hasTechnicalOrganisationalMeasure"),
                        "eu-gdpr:BindingCorporateRules");
    assert_string_equal(text_of(bcr, "rk:safeguardsCopy", "en"), "Ask our DPO.");
    /* Profiling on the purpose that declares it, and nowhere else. */
    json_t *first = json_array_get(json_object_get(proc, "dpv:hasProcessing"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "@type")), "dpv:Profiling");
    assert_string_equal(text_of(first, "rk:logic", "fi"), "Valitsemme toimialan mukaan.");
    json_t *other = json_array_get(
        json_object_get(by_id(doc, "_:process-customer-service"), "dpv:hasProcessing"), 0);
    assert_string_equal(json_string_value(json_object_get(other, "@type")),
                        "dpv:CrossBorderTransfer");
    /* Art 22: the basis and the safeguards as the rights of art 22(3). */
    json_t *adm = by_id(doc, "_:automated-decisions");
    assert_string_equal(json_string_value(json_object_get(adm, "rk:art22Basis")), "contract");
    json_t *rights = json_object_get(adm, "dpv:hasRight");
    assert_int_equal(json_array_size(rights), 2);
    assert_string_equal(id_of(json_array_get(rights, 0)), "eu-gdpr:A22-3-a");
    assert_string_equal(id_of(json_array_get(rights, 1)), "eu-gdpr:A22-3-c");
    /* The financial year that ends on 30 June. */
    json_t *fy = json_object_get(by_id(doc, "_:controller"), "rk:financialYearEnd");
    assert_string_equal(json_string_value(json_object_get(fy, "@value")), "--06-30");
    assert_string_equal(json_string_value(json_object_get(fy, "@type")), "xsd:gMonthDay");
    json_decref(doc);
    rk_decl_free(d);
}

static void deterministic(void **state) {
    (void)state;
    struct rk_decl *d1 = rkt_load_example(), *d2 = rkt_load_example();
    struct rk_buf a = render(d1), b = render(d2);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_true(a.data[a.len - 1] == '\n');
    rk_buf_cleanup(&a);
    rk_buf_cleanup(&b);
    rk_decl_free(d1);
    rk_decl_free(d2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(context_and_golden), cmocka_unit_test(example_processes),
        cmocka_unit_test(full_transfers),     cmocka_unit_test(legal_model),
        cmocka_unit_test(deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
