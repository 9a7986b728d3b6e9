/*
 * cli_rights.c — `rekisteri rights access|export|rectify|erase|restrict|object|automated ID`
 * and `rekisteri tasks list|done`: the data-subject rights of core/rights.h
 * for staff, and the task list they (and art 14) leave behind. Parse, call,
 * print; the JSON the core writes is parsed back and printed in the house
 * format, so a broken document can never reach stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contact_input.h"
#include "cli/reg.h"
#include "core/audit.h"
#include "core/rights.h"
#include "util/json.h"
#include "views/access.h"

static const char *const text_json[] = {"text", "json", NULL};
static const char *const json_html[] = {"json", "html", NULL};
static const char *const json_csv[] = {"json", "csv", NULL};

#define REQUEST_HELP                                                                               \
    "  --request RID        the data-subject request behind it (omit for staff action)\n"

/* Parses argv with opts, checks for one person id and opens env; rc < 0 after --help. */
static int open_person(struct rk_cli_env *env, int argc, char **argv, const char *usage,
                       const struct rk_cli_opt *opts, const char *const *formats,
                       const char *what) {
    int rc = rk_cli_env_parse(env, argc, argv, usage, opts, formats);
    if (rc != RK_EXIT_OK)
        return rc;
    return rk_cli_env_open_one(env, what);
}

/* Writes buf (JSON text from the core) in the house JSON format. */
static int write_core_json(const struct rk_buf *b) {
    json_error_t jerr;
    json_t *doc = json_loadb(b->data ? b->data : "", b->len, 0, &jerr);
    if (!doc) {
        rk_cli_error("internal error: the document is not JSON (%s)", jerr.text);
        return RK_EXIT_FAIL;
    }
    return rk_cli_write_json(doc);
}

static int rights_access(int argc, char **argv) {
    const char *lang_arg = NULL, *request = NULL;
    const struct rk_cli_opt opts[] = {
        {"lang", &lang_arg, NULL}, {"request", &request, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    enum rk_lang lang = RK_LANG_FI;
    int rc = open_person(&env, argc, argv,
                         "usage: rekisteri rights access ID [--lang fi|en] [--format json|html]\n"
                         "\n"
                         "The access answer of GDPR art 15: purposes, categories, recipients and\n"
                         "their safeguards, retention, the other rights, the supervisory\n"
                         "authority, each value's source, automated decisions, and a copy of\n"
                         "every value, consent event, contract, invoice and task held.\n\n"
                         "  --lang fi|en         the language (default fi)\n" REQUEST_HELP "\n",
                         opts, json_html, "rights access");
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (lang_arg && !rk_cli_parse_lang(lang_arg, &lang)) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    bool json = env.format[0] == 'j';
    struct rk_buf out;
    struct rk_error msg = RK_ERROR_INIT;
    rk_buf_init(&out);
    rk_err e = rk_rights_access(env.reg, env.args[0], request, lang, rk_time_now(),
                                &rk_rights_documents, json ? &out : NULL, json ? NULL : &out, &msg);
    if (e != RK_OK)
        rc = rk_cli_refused("rights access", e, &msg);
    else
        rc = json ? write_core_json(&out) : rk_cli_write(&out);
    rk_buf_cleanup(&out);
    rk_cli_env_close(&env);
    return rc;
}

static int rights_export(int argc, char **argv) {
    const char *request = NULL;
    const struct rk_cli_opt opts[] = {{"request", &request, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = open_person(&env, argc, argv,
                         "usage: rekisteri rights export ID [--format json|csv]\n"
                         "\n"
                         "Data portability (GDPR art 20): the values the person provided,\n"
                         "held on consent or contract, as JSON or CSV.\n\n" REQUEST_HELP "\n",
                         opts, json_csv, "rights export");
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    bool json = env.format[0] == 'j';
    struct rk_buf out;
    struct rk_error msg = RK_ERROR_INIT;
    rk_buf_init(&out);
    rk_err e =
        rk_rights_portability(env.reg, env.args[0], request, rk_time_now(), &rk_rights_documents,
                              json ? &out : NULL, json ? NULL : &out, &msg);
    if (e != RK_OK)
        rc = rk_cli_refused("rights export", e, &msg);
    else
        rc = json ? write_core_json(&out) : rk_cli_write(&out);
    rk_buf_cleanup(&out);
    rk_cli_env_close(&env);
    return rc;
}

static int rights_rectify(int argc, char **argv) {
    const char *raw[RK_F__COUNT] = {NULL};
    struct rk_contact_input values; /* core/contact_input.h */
    const char *reg = NULL, *request = NULL;
    const struct rk_cli_opt opts[] = {{"register", &reg, NULL},
                                      {"request", &request, NULL},
                                      {"name", &raw[RK_F_NAME], NULL},
                                      {"email", &raw[RK_F_EMAIL], NULL},
                                      {"phone", &raw[RK_F_PHONE], NULL},
                                      {"position", &raw[RK_F_POSITION], NULL},
                                      {"organisation", &raw[RK_F_ORGANISATION], NULL},
                                      {"interests", &raw[RK_F_INTERESTS], NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri rights rectify ID [--register R|all] [fields] [--request RID]\n"
        "\n"
        "Rectification (GDPR art 16): overwrites the given values with the corrected ones,\n"
        "provenance \"data subject request #RID\"; no old value is kept. Without\n"
        "--register (or with 'all'), every register holding the person is corrected.\n\n"
        "  --name, --email, --phone, --position, --organisation, --interests VALUE\n" REQUEST_HELP
        "\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (rk_contact_input_read(&values, raw) != RK_OK) {
        rk_cli_error("--%s: the value %s", rk_field_id(values.field), rk_error_msg(&values.error));
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_contact c = values.c;
    if ((rc = rk_cli_env_open_one(&env, "rights rectify")) != RK_EXIT_OK)
        return rc;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e =
        rk_rights_rectify(env.reg, env.args[0], request,
                          reg && strcmp(reg, "all") != 0 ? reg : NULL, &c, rk_time_now(), &msg);
    rc = e == RK_OK ? RK_EXIT_OK : rk_cli_refused("rights rectify", e, &msg);
    if (e == RK_OK)
        printf("%s rectified\n", env.args[0]);
    rk_cli_env_close(&env);
    return rc;
}

/* The warning of the erasure preview: invoices (and contracts) that go because their category
 * declares no keep rule, with the law and the declaration that would keep them. */
#define ERASE_NO_KEEP_INVOICES                                                                     \
    "warning: %lld invoice(s) will be deleted: no statutory retention is declared for their "      \
    "category (Kirjanpitolaki 1336/1997 2:10 keeps accounting vouchers 6 years from the end of "   \
    "the year in which the financial period ended). To keep them, declare on the billing "         \
    "category: erasure: {keep_years: 6, from: end_of_financial_period, obligation: {fi: "          \
    "Kirjanpitolaki 1336/1997 2:10, en: Accounting Act 1336/1997 2:10}}\n"
#define ERASE_UNMARKED_INVOICES                                                                    \
    "warning: %lld invoice(s) will be deleted: they were recorded before the billing category "    \
    "declared its keep rule and carry no keep-until date\n"
#define ERASE_NO_KEEP_CONTRACTS                                                                    \
    "warning: %lld contract(s) will be deleted: no retention is declared for their category. "     \
    "To keep them for a legal obligation or legal claims, declare on the contract category: "      \
    "erasure: {keep_years: N, obligation: {fi: ..., en: ...}}\n"

/* `rights erase ID --dry-run`: what the erasure would do now (rk_rights_erase_plan), nothing
 * changed; the read is audited as the console's preview is (rights.erase_preview). */
static int erase_preview(struct rk_cli_env *env) {
    struct rk_erase_plan *p = malloc(sizeof *p);
    struct rk_error msg = RK_ERROR_INIT;
    if (!p) {
        rk_cli_error("rights erase: out of memory");
        return RK_EXIT_FAIL;
    }
    rk_err e = rk_rights_erase_plan(env->reg, env->args[0], rk_time_now(), p, &msg);
    if (e == RK_OK)
        e = rk_reg_audit(env->reg, "rights.erase_preview", env->args[0], NULL, rk_time_now());
    if (e != RK_OK) {
        free(p);
        return rk_cli_refused("rights erase", e, &msg);
    }
    const struct rk_erase_report *k = &p->counts;
    char until[11] = "";
    if (k->invoices_until.y)
        rk_date_iso(k->invoices_until, until);
    int rc = RK_EXIT_OK;
    if (rk_cli_json(env)) {
        json_t *regs = json_array();
        for (size_t i = 0; i < p->nregisters; i++)
            json_array_append_new(regs, json_string(p->registers[i]->id));
        json_t *recipients = json_array();
        for (size_t i = 0; i < p->nrecipients; i++)
            json_array_append_new(recipients, json_string(p->recipients[i]->id));
        json_t *doc = json_pack(
            "{s:s, s:b, s:{s:o, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:o, "
            "s:{s:b, s:b}, s:b}",
            "person", env->args[0], "dry_run", true, "delete", "registers", regs, "entries",
            (json_int_t)k->entries, "consent_events", (json_int_t)k->consent_events, "contracts",
            (json_int_t)k->contracts, "invoices", (json_int_t)k->invoices, "keep", "invoices",
            (json_int_t)k->invoices_kept, "contracts", (json_int_t)k->contracts_kept,
            "consent_events", (json_int_t)k->consent_events_kept, "no_retention_declared",
            "invoices", (json_int_t)p->invoices_undeclared, "invoices_recorded_before_rule",
            (json_int_t)p->invoices_unmarked, "contracts", (json_int_t)p->contracts_undeclared,
            "recipients", recipients, "suppress", "email", p->email, "phone", p->phone,
            "person_deleted", k->person_deleted);
        if (doc && k->invoices_kept)
            json_object_set_new(doc, "invoices_kept_until", json_string(until));
        rc = rk_cli_write_json(doc);
    } else {
        printf("preview: nothing is changed (--dry-run)\n"
               "person %s would be erased\n"
               "would delete: %lld entries (",
               env->args[0], (long long)k->entries);
        for (size_t i = 0; i < p->nregisters; i++)
            printf("%s%s", i ? ", " : "", p->registers[i]->id);
        printf("), %lld consent events, %lld contracts, %lld invoices\n",
               (long long)k->consent_events, (long long)k->contracts, (long long)k->invoices);
        if (k->invoices_kept)
            printf("would keep: %lld invoices until %s — %s\n", (long long)k->invoices_kept, until,
                   k->invoices_why);
        if (k->contracts_kept)
            printf("would keep: %lld contracts — %s\n", (long long)k->contracts_kept,
                   k->contracts_why);
        if (k->consent_events_kept)
            printf("would keep: %lld consent events — %s\n", (long long)k->consent_events_kept,
                   k->consent_why);
        printf("recipients to tell: %zu", p->nrecipients);
        for (size_t i = 0; i < p->nrecipients; i++)
            printf("%s%s", i ? ", " : " (", p->recipients[i]->id);
        printf("%s\nsuppression list: %s\n", p->nrecipients ? ")" : "",
               p->email && p->phone ? "email and phone"
               : p->email           ? "email"
               : p->phone           ? "phone"
                                    : "nothing to suppress");
        printf(k->person_deleted ? "the person row would be deleted\n"
                                 : "the person row would stay, restricted, for what is kept\n");
        if (p->invoices_undeclared)
            printf(ERASE_NO_KEEP_INVOICES, (long long)p->invoices_undeclared);
        if (p->invoices_unmarked)
            printf(ERASE_UNMARKED_INVOICES, (long long)p->invoices_unmarked);
        if (p->contracts_undeclared)
            printf(ERASE_NO_KEEP_CONTRACTS, (long long)p->contracts_undeclared);
    }
    free(p);
    return rc;
}

static int rights_erase(int argc, char **argv) {
    const char *request = NULL;
    bool dry_run = false;
    const struct rk_cli_opt opts[] = {
        {"request", &request, NULL}, {"dry-run", NULL, &dry_run}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc =
        open_person(&env, argc, argv,
                    "usage: rekisteri rights erase ID [--request RID] [--dry-run]\n"
                    "                              [--format text|json]\n"
                    "\n"
                    "Erasure (GDPR art 17): tells the recipients, puts the email and phone\n"
                    "on the suppression list, then deletes everything of the person but\n"
                    "what a declared legal obligation keeps (kept restricted). Prints what\n"
                    "was deleted and what was kept, and why.\n\n" REQUEST_HELP
                    "  --dry-run            only show what the erasure would delete and keep,\n"
                    "                       and warn of invoices and contracts no declared\n"
                    "                       retention keeps; nothing is changed\n"
                    "\n",
                    opts, text_json, "rights erase");
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (dry_run) {
        rc = erase_preview(&env);
        rk_cli_env_close(&env);
        return rc;
    }
    struct rk_erase_report r;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_rights_erase(env.reg, env.args[0], request, rk_time_now(), &r, &msg);
    if (e != RK_OK) {
        rc = rk_cli_refused("rights erase", e, &msg);
        rk_cli_env_close(&env);
        return rc;
    }
    /* secure_delete zeroed the main file's copies; the log's go with a checkpoint. */
    if (rk_store_checkpoint(env.store) != RK_OK)
        fprintf(stderr, "rekisteri: rights erase: erased; the write-ahead log still holds old "
                        "pages until the next checkpoint (another connection is reading)\n");
    char until[11] = "";
    if (r.invoices_until.y)
        rk_date_iso(r.invoices_until, until);
    if (rk_cli_json(&env)) {
        json_t *doc = json_pack(
            "{s:s, s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I}, "
            "s:i, s:i}",
            "person", env.args[0], "person_deleted", r.person_deleted, "deleted", "entries",
            (json_int_t)r.entries, "provenance", (json_int_t)r.provenance, "organisations",
            (json_int_t)r.organisations, "consent_events", (json_int_t)r.consent_events,
            "contracts", (json_int_t)r.contracts, "invoices", (json_int_t)r.invoices, "signups",
            (json_int_t)r.signups, "outbox", (json_int_t)r.outbox, "tasks", (json_int_t)r.tasks,
            "kept", "invoices", (json_int_t)r.invoices_kept, "contracts",
            (json_int_t)r.contracts_kept, "consent_events", (json_int_t)r.consent_events_kept,
            "suppressed", r.suppressed, "recipient_notices", r.notices);
        if (doc && r.invoices_kept)
            json_object_set_new(doc, "invoices_kept_until", json_string(until));
        if (doc && (r.invoices_why[0] || r.contracts_why[0] || r.consent_why[0])) {
            json_t *why = json_object();
            if (r.invoices_why[0])
                json_object_set_new(why, "invoices", json_string(r.invoices_why));
            if (r.contracts_why[0])
                json_object_set_new(why, "contracts", json_string(r.contracts_why));
            if (r.consent_why[0])
                json_object_set_new(why, "consent_events", json_string(r.consent_why));
            json_object_set_new(doc, "why_kept", why);
        }
        rc = rk_cli_write_json(doc);
    } else {
        printf("person %s erased\n"
               "deleted: %lld entries, %lld provenance rows, %lld organisations, "
               "%lld consent events, %lld contracts, %lld invoices, %lld signups, "
               "%lld outbox messages, %lld tasks\n"
               "suppressed: %d (email/phone)\nrecipients notified: %d\n",
               env.args[0], (long long)r.entries, (long long)r.provenance,
               (long long)r.organisations, (long long)r.consent_events, (long long)r.contracts,
               (long long)r.invoices, (long long)r.signups, (long long)r.outbox, (long long)r.tasks,
               r.suppressed, r.notices);
        if (r.invoices_kept)
            printf("kept: %lld invoices until %s — %s\n", (long long)r.invoices_kept, until,
                   r.invoices_why);
        if (r.contracts_kept)
            printf("kept: %lld contracts — %s\n", (long long)r.contracts_kept, r.contracts_why);
        if (r.consent_events_kept)
            printf("kept: %lld consent events — %s\n", (long long)r.consent_events_kept,
                   r.consent_why);
        printf(r.person_deleted ? "the person row is deleted\n"
                                : "the person row stays, restricted, for what is kept\n");
    }
    rk_cli_env_close(&env);
    return rc;
}

static int rights_restrict(int argc, char **argv) {
    const char *request = NULL;
    bool lift = false;
    const struct rk_cli_opt opts[] = {
        {"request", &request, NULL}, {"lift", NULL, &lift}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = open_person(&env, argc, argv,
                         "usage: rekisteri rights restrict ID [--lift] [--request RID]\n"
                         "\n"
                         "Restriction (GDPR art 18): the person leaves every audience, check,\n"
                         "export and recipient sync, and every write but lifting is refused.\n"
                         "--lift ends it, queueing an email telling the person first.\n\n"
                         "  --lift               lift the restriction\n" REQUEST_HELP "\n",
                         opts, text_json, "rights restrict");
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_rights_restrict(env.reg, env.args[0], request, !lift, rk_time_now(), &msg);
    rc = e == RK_OK ? RK_EXIT_OK : rk_cli_refused("rights restrict", e, &msg);
    if (e == RK_OK)
        printf("%s %s\n", env.args[0], lift ? "restriction lifted" : "restricted");
    rk_cli_env_close(&env);
    return rc;
}

static int rights_object(int argc, char **argv) {
    const char *request = NULL, *grounds = NULL;
    bool dm = false;
    const struct rk_cli_opt opts[] = {{"request", &request, NULL},
                                      {"direct-marketing", NULL, &dm},
                                      {"grounds", &grounds, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri rights object ID --direct-marketing | --grounds TEXT [--request RID]\n"
        "\n"
        "Objection (GDPR art 21). To direct marketing: at once and absolutely, every\n"
        "marketing consent is withdrawn and the email and phone are suppressed. To other\n"
        "processing on legitimate interests: a task objection_review for staff.\n\n"
        "  --direct-marketing   the objection is to direct marketing\n"
        "  --grounds TEXT       the person's grounds, for other processing\n" REQUEST_HELP "\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (dm == (grounds != NULL)) {
        rk_cli_error("rights object: give either --direct-marketing or --grounds TEXT");
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open_one(&env, "rights object")) != RK_EXIT_OK)
        return rc;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_rights_object(env.reg, env.args[0], request, dm, grounds, rk_time_now(), &msg);
    rc = e == RK_OK ? RK_EXIT_OK : rk_cli_refused("rights object", e, &msg);
    if (e == RK_OK)
        printf("%s %s\n", env.args[0],
               dm ? "objected to direct marketing: consents withdrawn, suppressed"
                  : "objection recorded for staff review (task objection_review)");
    rk_cli_env_close(&env);
    return rc;
}

static int rights_automated(int argc, char **argv) {
    const char *lang_arg = NULL, *request = NULL;
    const struct rk_cli_opt opts[] = {
        {"lang", &lang_arg, NULL}, {"request", &request, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = open_person(&env, argc, argv,
                         "usage: rekisteri rights automated ID [--lang fi|en] [--request RID]\n"
                         "\n"
                         "The answer to a GDPR art 22 request, from the declaration's\n"
                         "rights.automated_decisions, recorded in the audit chain.\n\n" REQUEST_HELP
                         "\n",
                         opts, text_json, "rights automated");
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    enum rk_lang lang = RK_LANG_FI;
    if (lang_arg && !rk_cli_parse_lang(lang_arg, &lang)) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_buf out;
    struct rk_error msg = RK_ERROR_INIT;
    rk_buf_init(&out);
    rk_err e = rk_rights_automated(env.reg, env.args[0], request, lang, rk_time_now(), &out, &msg);
    rc = e == RK_OK ? rk_cli_write(&out) : rk_cli_refused("rights automated", e, &msg);
    rk_buf_cleanup(&out);
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub rights_subs[] = {
    {.name = "access",
     .summary = "a person's data, as the access document (art 15)",
     .run = rights_access},
    {.name = "export", .summary = "a person's data, portable (art 20)", .run = rights_export},
    {.name = "rectify", .summary = "correct a field (art 16)", .run = rights_rectify},
    {.name = "erase", .summary = "erase a person (art 17)", .run = rights_erase},
    {.name = "restrict",
     .summary = "restrict or lift a restriction (art 18)",
     .run = rights_restrict},
    {.name = "object", .summary = "record an objection (art 21)", .run = rights_object},
    {.name = "automated",
     .summary = "the automated decisions about a person (art 22)",
     .run = rights_automated},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_rights = {
    .name = "rights",
    .summary = "data-subject rights: access, export, rectify, erase, restrict, object",
    .subs = rights_subs,
    .expected = "expected 'rights access', 'export', 'rectify', 'erase', 'restrict', 'object' or "
                "'automated'"};

/* ---- tasks ------------------------------------------------------------------------------------
 */

struct task_list {
    json_t *list; /* NULL: text */
};

static int list_task(void *ctx, const struct rk_task_view *t) {
    struct task_list *l = ctx;
    char due[11], done[RK_TS_LEN + 1] = "";
    rk_date_iso(t->due, due);
    if (t->done_at)
        rk_ts_format(t->done_at, done);
    if (l->list)
        return json_array_append_new(
                   l->list, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "id", t->id, "person",
                                      t->person_id ? t->person_id : "", "kind", t->kind, "due", due,
                                      "done_at", done[0] ? done : NULL, "detail", t->detail)) != 0;
    printf("%s\t%s\t%s\t%s\t%s\t%s\n", t->id, t->person_id ? t->person_id : "", t->kind, due,
           done[0] ? done : "open", t->detail ? rk_cli_shown(t->detail, false) : "");
    return 0;
}

static int tasks_list(int argc, char **argv) {
    const char *kind = NULL;
    bool open = false;
    const struct rk_cli_opt opts[] = {
        {"kind", &kind, NULL}, {"open", NULL, &open}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri tasks list [--kind K] [--open] "
                              "[--format text|json]\n\n"
                              "Lists staff tasks by due date: id, person, kind (art14_inform,\n"
                              "objection_review, restriction_lift_inform), due, done, detail.\n\n"
                              "  --kind K             only tasks of kind K\n"
                              "  --open               only tasks not done\n\n",
                              opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("tasks list: takes no arguments");
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct task_list l = {rk_cli_json(&env) ? json_array() : NULL};
    rk_err e = rk_store_tasks_list(env.store, kind, open, list_task, &l);
    if (e == RK_OK)
        e = rk_reg_audit(env.reg, "task.list", NULL, kind ? kind : "all", rk_time_now());
    if (e != RK_OK) {
        rk_cli_error("tasks list: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else if (l.list) {
        rc = rk_cli_write_json(json_incref(l.list));
    }
    json_decref(l.list);
    rk_cli_env_close(&env);
    return rc;
}

static int tasks_done(int argc, char **argv) {
    const struct rk_cli_opt opts[] = {{NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc =
        open_person(&env, argc, argv, "usage: rekisteri tasks done ID\n\nCloses an open task.\n\n",
                    opts, text_json, "tasks done");
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    rk_ts now = rk_time_now();
    rk_err e = rk_store_begin(env.store);
    if (e == RK_OK)
        e = rk_store_task_done(env.store, env.args[0], now);
    if (e == RK_OK)
        e = rk_audit_append(env.store, rk_reg_keys(env.reg), now, rk_reg_actor(env.reg),
                            "task.done", NULL, env.args[0]);
    if (e == RK_OK)
        e = rk_store_commit(env.store);
    if (e != RK_OK)
        rk_store_rollback(env.store);
    if (e == RK_ENOENT) {
        rk_cli_error("tasks done: no open task with id '%s'", env.args[0]);
        rc = RK_EXIT_USAGE;
    } else if (e != RK_OK) {
        rk_cli_error("tasks done: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else {
        printf("%s done\n", env.args[0]);
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub tasks_subs[] = {
    {.name = "list", .summary = "list the open staff tasks", .run = tasks_list},
    {.name = "done", .summary = "close a task", .run = tasks_done},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_tasks = {.name = "tasks",
                                            .summary =
                                                "list and close staff tasks (art 14, art 21)",
                                            .subs = tasks_subs,
                                            .expected = "expected 'tasks list' or 'tasks done'"};
