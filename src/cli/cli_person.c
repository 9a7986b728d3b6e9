/*
 * cli_person.c — `rekisteri person add|show|update|find` and
 * `rekisteri consent give|confirm|withdraw|list` (and `consent record`, in
 * cli_consent_record.c). Parse, call the register
 * (core/register.h), render as text or JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contact_input.h"
#include "cli/reg.h"
#include "core/consent.h"
#include "util/json.h"
#include "views/records_json.h"

static const char *const text_json[] = {"text", "json", NULL};

/* Normalises the raw option values into c (buffers in bufs); false after a message. */
struct fields_in {
    const char *raw[RK_F__COUNT];
    struct rk_contact_input values; /* core/contact_input.h */
};

static bool normalize_fields(struct fields_in *in, struct rk_contact *c) {
    memset(c, 0, sizeof *c);
    if (rk_contact_input_read(&in->values, in->raw) != RK_OK) {
        rk_cli_error("--%s: the value %s", rk_field_id(in->values.field),
                     rk_error_msg(&in->values.error));
        return false;
    }
    *c = in->values.c;
    return true;
}

#define FIELD_OPTS(in)                                                                             \
    {"name", &(in)->raw[RK_F_NAME], NULL}, {"email", &(in)->raw[RK_F_EMAIL], NULL},                \
        {"phone", &(in)->raw[RK_F_PHONE], NULL}, {"position", &(in)->raw[RK_F_POSITION], NULL},    \
        {"organisation", &(in)->raw[RK_F_ORGANISATION], NULL}, {                                   \
        "interests", &(in)->raw[RK_F_INTERESTS], NULL                                              \
    }

#define WRITE_HELP                                                                                 \
    "  --register R         the declared register written to\n"                                    \
    "  --purpose P          the declared purpose of the write\n"                                   \
    "  --source KIND        where the data came from: a declared source kind\n"                    \
    "  --source-detail T    e.g. the URL of a public page, a form id, \"phone call\"\n"

#define FIELD_HELP "  --name, --email, --phone, --position, --organisation, --interests VALUE\n"

/* Builds the write context from the options; false after a message. */
static bool make_write(const char *reg, const char *purpose, const char *source, const char *detail,
                       struct rk_write *w) {
    if (!reg || !purpose || !source) {
        rk_cli_error("--register, --purpose and --source are required: every write names them");
        return false;
    }
    w->register_id = reg;
    w->purpose = purpose;
    w->source_detail = detail;
    w->at = rk_time_now();
    return rk_cli_source("--source", source, &w->source) &&
           rk_cli_text("--source-detail", detail, false);
}

/* ---- person -------------------------------------------------------------------------------- */

static int person_add(int argc, char **argv) {
    struct fields_in *in = calloc(1, sizeof *in);
    const char *reg = NULL, *purpose = NULL, *source = NULL, *detail = NULL, *person = NULL,
               *consent_channel = NULL, *consent_at = NULL, *evidence = NULL;
    if (!in)
        return RK_EXIT_FAIL;
    const struct rk_cli_opt opts[] = {{"register", &reg, NULL},
                                      {"purpose", &purpose, NULL},
                                      {"source", &source, NULL},
                                      {"source-detail", &detail, NULL},
                                      {"person", &person, NULL},
                                      {"consent-channel", &consent_channel, NULL},
                                      {"consent-at", &consent_at, NULL},
                                      {"consent-evidence", &evidence, NULL},
                                      FIELD_OPTS(in),
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri person add --register R --purpose P --source KIND [fields] [options]\n"
        "\n"
        "Adds a person to a register and prints the new pseudonymous id. The declaration\n"
        "decides what is allowed: the register must declare every category written, the\n"
        "purpose and the source; a purpose resting on consent needs the consent\n"
        "(--consent-channel); suppressed emails and phones are refused.\n\n" WRITE_HELP FIELD_HELP
        "  --person ID          add an existing person to another register\n"
        "  --consent-channel K  the person gave consent for the purpose, through K\n"
        "  --consent-at T       when (default now)\n"
        "  --consent-evidence T what proves it (form id, recording, ...)\n\n",
        opts, text_json);
    struct rk_contact c;
    struct rk_write w;
    if (rc != RK_EXIT_OK)
        goto out;
    rc = RK_EXIT_USAGE;
    if (env.nargs) {
        rk_cli_error("person add takes no arguments; give the fields as options");
        goto out;
    }
    if (!make_write(reg, purpose, source, detail, &w) || !normalize_fields(in, &c) ||
        !rk_cli_text("--consent-evidence", evidence, true))
        goto out;
    struct rk_consent_input consent = {
        .channel = consent_channel, .evidence = evidence, .at = w.at};
    if (consent_channel) {
        enum rk_source_kind k;
        if (!rk_cli_source("--consent-channel", consent_channel, &k) ||
            (consent_at && !rk_cli_instant("--consent-at", consent_at, &consent.at)))
            goto out;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        goto out;
    char id[RK_ID_LEN + 1];
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e =
        rk_reg_person_add(env.reg, &w, person, &c, consent_channel ? &consent : NULL, id, &msg);
    if (e != RK_OK)
        rc = rk_cli_refused("person add", e, &msg);
    else if (rk_cli_json(&env))
        rc = printf("{\"id\": \"%s\"}\n", person ? person : id) > 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
    else
        rc = printf("%s\n", person ? person : id) > 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
out:
    rk_cli_env_close(&env);
    free(in);
    return rc < 0 ? RK_EXIT_OK : rc;
}

static int person_update(int argc, char **argv) {
    struct fields_in *in = calloc(1, sizeof *in);
    const char *reg = NULL, *purpose = NULL, *source = NULL, *detail = NULL;
    if (!in)
        return RK_EXIT_FAIL;
    const struct rk_cli_opt opts[] = {{"register", &reg, NULL},
                                      {"purpose", &purpose, NULL},
                                      {"source", &source, NULL},
                                      {"source-detail", &detail, NULL},
                                      FIELD_OPTS(in),
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri person update ID --register R --purpose P "
        "--source KIND [fields]\n"
        "\n"
        "Sets the given fields of the person's entry in the register, with\n"
        "new provenance; fields not given are left as they are.\n\n" WRITE_HELP FIELD_HELP "\n",
        opts, text_json);
    struct rk_contact c;
    struct rk_write w;
    if (rc != RK_EXIT_OK)
        goto out;
    rc = RK_EXIT_USAGE;
    if (env.nargs != 1) {
        rk_cli_error("person update: expected one person ID");
        goto out;
    }
    if (!make_write(reg, purpose, source, detail, &w) || !normalize_fields(in, &c))
        goto out;
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        goto out;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_reg_person_update(env.reg, &w, env.args[0], &c, &msg);
    rc = e == RK_OK ? RK_EXIT_OK : rk_cli_refused("person update", e, &msg);
    if (e == RK_OK)
        printf("%s\n", env.args[0]);
out:
    rk_cli_env_close(&env);
    free(in);
    return rc < 0 ? RK_EXIT_OK : rc;
}

/* ---- showing a person -------------------------------------------------------------------------
 */

struct show {
    struct rk_cli_env *env;
    json_t *doc; /* JSON output being built, or NULL for text */
    json_t *list;
    int count;
    json_t *ids; /* person find: the ids found, audited before anything is printed */
};

static json_t *entry_json(struct rk_reg *reg, const struct rk_entry *e, bool provenance) {
    json_t *values = json_object();
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (!e->v[f])
            continue;
        json_t *v = json_object();
        json_object_set_new(v, "value", json_string(e->v[f]));
        if (provenance) {
            struct rk_provenance p;
            char buf[1200];
            if (rk_store_provenance_get(rk_reg_store(reg), e->prov[f], &p, buf, sizeof buf) ==
                RK_OK) {
                char at[RK_TS_LEN + 1];
                rk_ts_format(p.at, at);
                json_object_set_new(v, "source", json_string(rk_source_kind_id(p.source)));
                if (p.detail)
                    json_object_set_new(v, "source_detail", json_string(p.detail));
                json_object_set_new(v, "purpose", json_string(p.purpose));
                json_object_set_new(v, "at", json_string(at));
                json_object_set_new(v, "by", json_string(p.by));
            }
        }
        json_object_set_new(values, rk_field_id((enum rk_field)f), v);
    }
    char since[RK_TS_LEN + 1];
    rk_ts_format(e->since, since);
    return json_pack("{s:s, s:s, s:s, s:o}", "id", e->person_id, "register", e->register_id,
                     "since", since, "values", values);
}

static int show_entry(void *ctx, const struct rk_entry *e) {
    struct show *s = ctx;
    enum rk_membership m = RK_MEMBER_NONE;
    if (rk_reg_membership(s->env->reg, e->register_id, e->person_id, rk_time_now(), &m) != RK_OK)
        return -1;
    json_t *j = entry_json(s->env->reg, e, true);
    json_object_set_new(j, "membership", json_string(rk_membership_name(m)));
    json_array_append_new(s->list, j);
    s->count++;
    json_array_append_new(s->ids, json_string(e->person_id));
    return 0;
}

static int show_consent(void *ctx, const struct rk_consent_event *e) {
    struct show *s = ctx;
    json_t *j = rk_consent_event_json(e);
    json_array_append_new(s->list, j);
    return 0;
}

static int show_change(void *ctx, const struct rk_contract_change *c) {
    json_array_append_new(ctx, rk_contract_change_json(c));
    return 0;
}

static int show_contract(void *ctx, const struct rk_contract *c) {
    struct show *s = ctx;
    char start[11], end[11] = "";
    rk_date_iso(c->start, start);
    if (c->end.y)
        rk_date_iso(c->end, end);
    json_t *history = json_array();
    if (rk_store_contract_changes(s->env->store, c->id, show_change, history) != RK_OK) {
        json_decref(history);
        return -1;
    }
    json_array_append_new(s->list, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:o}", "id", c->id,
                                             "register", c->register_id, "service", c->service,
                                             "start", start, "end", c->end.y ? end : NULL, "status",
                                             c->status == RK_CONTRACT_ACTIVE ? "active" : "ended",
                                             "history", history));
    return 0;
}

static int show_task(void *ctx, const struct rk_task_view *t) {
    struct show *s = ctx;
    char due[11], created[RK_TS_LEN + 1];
    rk_date_iso(t->due, due);
    rk_ts_format(t->created_at, created);
    json_array_append_new(s->list, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b}", "id", t->id, "kind",
                                             t->kind, "due", due, "created_at", created, "detail",
                                             t->detail, "done", t->done_at != 0));
    return 0;
}

static int show_invoice(void *ctx, const struct rk_invoice *i) {
    struct show *s = ctx;
    char date[11], keep[11] = "";
    rk_date_iso(i->date, date);
    if (i->keep_until.y)
        rk_date_iso(i->keep_until, keep);
    json_array_append_new(s->list, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s?, s:s?}", "id", i->id,
                                             "number", i->number, "date", date, "amount_cents",
                                             (json_int_t)i->amount_cents, "currency", i->currency,
                                             "contract", i->contract_id[0] ? i->contract_id : NULL,
                                             "keep_until", i->keep_until.y ? keep : NULL));
    return 0;
}

/* The person's consent states, one per consent-based purpose ever recorded. */
static json_t *consent_states(struct rk_reg *reg, const char *person) {
    json_t *out = json_object();
    const struct rk_decl *decl = rk_reg_decl(reg);
    for (size_t i = 0; i < decl->npurposes; i++) {
        const struct rk_purpose *p = &decl->purposes[i];
        struct rk_consent_state st;
        if (p->basis != RK_BASIS_CONSENT ||
            rk_store_consent_state_get(rk_reg_store(reg), person, p->id, &st) != RK_OK ||
            st.status == RK_CONSENT_NONE)
            continue;
        char exp[RK_TS_LEN + 1] = "";
        if (st.expires_at)
            rk_ts_format(st.expires_at, exp);
        json_object_set_new(
            out, p->id,
            json_pack("{s:s, s:s?}", "state",
                      rk_consent_status_name(rk_consent_effective(&st, rk_time_now())),
                      "expires_at", st.expires_at ? exp : NULL));
    }
    return out;
}

static void print_text(const json_t *doc) {
    const char *id = json_string_value(json_object_get(doc, "id"));
    printf("person %s%s\n", id,
           json_is_true(json_object_get(doc, "restricted")) ? " (restricted)" : "");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(doc, "registers"), i, e) {
        printf("\n%s register (%s, since %s)\n", json_string_value(json_object_get(e, "register")),
               json_string_value(json_object_get(e, "membership")),
               json_string_value(json_object_get(e, "since")));
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(e, "values"), key, v) {
            const char *detail = json_string_value(json_object_get(v, "source_detail"));
            printf("  %-13s %s\n  %-13s from %s%s%s, %s, by %s, for %s\n", key,
                   rk_cli_shown(json_string_value(json_object_get(v, "value")), false), "",
                   json_string_value(json_object_get(v, "source")), detail ? " " : "",
                   detail ? rk_cli_shown(detail, false) : "",
                   json_string_value(json_object_get(v, "at")),
                   rk_cli_shown(json_string_value(json_object_get(v, "by")), false),
                   json_string_value(json_object_get(v, "purpose")));
        }
    }
    const char *purpose;
    json_t *st;
    json_object_foreach(json_object_get(doc, "consents"), purpose, st) {
        const char *exp = json_string_value(json_object_get(st, "expires_at"));
        printf("\nconsent %s: %s%s%s\n", purpose, json_string_value(json_object_get(st, "state")),
               exp ? ", expires " : "", exp ? exp : "");
    }
    json_array_foreach(json_object_get(doc, "contracts"), i, e) {
        const char *end = json_string_value(json_object_get(e, "end"));
        printf("\ncontract %s: %s, %s from %s%s%s\n", json_string_value(json_object_get(e, "id")),
               rk_cli_shown(json_string_value(json_object_get(e, "service")), false),
               json_string_value(json_object_get(e, "status")),
               json_string_value(json_object_get(e, "start")), end ? " to " : "", end ? end : "");
        size_t k;
        json_t *h;
        json_array_foreach(json_object_get(e, "history"), k, h) {
            const char *was = json_string_value(json_object_get(h, "old"));
            printf("  %s %s: %s%s%s by %s\n", json_string_value(json_object_get(h, "at")),
                   json_string_value(json_object_get(h, "field")),
                   was ? rk_cli_shown(was, false) : "", was ? " -> " : "",
                   rk_cli_shown(json_string_value(json_object_get(h, "new")), false),
                   rk_cli_shown(json_string_value(json_object_get(h, "by")), false));
        }
    }
    json_array_foreach(json_object_get(doc, "tasks"), i, e) {
        printf("\ntask %s: %s, due %s%s\n", json_string_value(json_object_get(e, "id")),
               json_string_value(json_object_get(e, "kind")),
               json_string_value(json_object_get(e, "due")),
               json_is_true(json_object_get(e, "done")) ? " (done)" : "");
    }
    json_array_foreach(json_object_get(doc, "invoices"), i, e) {
        const char *keep = json_string_value(json_object_get(e, "keep_until"));
        json_int_t cents = json_integer_value(json_object_get(e, "amount_cents"));
        printf("\ninvoice %s of %s: %lld.%02lld %s%s%s\n",
               rk_cli_shown(json_string_value(json_object_get(e, "number")), false),
               json_string_value(json_object_get(e, "date")), (long long)(cents / 100),
               (long long)(cents < 0 ? -cents % 100 : cents % 100),
               rk_cli_shown(json_string_value(json_object_get(e, "currency")), false),
               keep ? ", kept until " : "", keep ? keep : "");
    }
}

static int person_show(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri person show ID [--format text|json]\n"
                              "\n"
                              "Shows everything held about a person: each register's values with\n"
                              "their provenance, consent states, contracts and invoices.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open_one(&env, "person show")) != RK_EXIT_OK)
        return rc;
    const char *id = env.args[0];
    bool restricted = false, objected = false;
    rk_err e = rk_store_person_exists(env.store, id, &restricted, &objected);
    if (e != RK_OK) {
        rk_cli_error("person show: %s",
                     e == RK_ENOENT ? "no person with that id" : rk_store_errmsg(env.store));
        rk_cli_env_close(&env);
        return e == RK_ENOENT ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    struct show s = {&env, NULL, json_array(), 0, NULL};
    json_t *doc =
        json_pack("{s:s, s:b, s:b}", "id", id, "restricted", restricted, "objected", objected);
    e = rk_store_entries_of_person(env.store, id, show_entry, &s);
    json_object_set_new(doc, "registers", s.list);
    json_object_set_new(doc, "consents", consent_states(env.reg, id));
    s.list = json_array();
    if (e == RK_OK)
        e = rk_store_contracts_of_person(env.store, id, show_contract, &s);
    json_object_set_new(doc, "contracts", s.list);
    s.list = json_array();
    if (e == RK_OK)
        e = rk_store_invoices_of_person(env.store, id, show_invoice, &s);
    json_object_set_new(doc, "invoices", s.list);
    s.list = json_array();
    if (e == RK_OK)
        e = rk_store_tasks_of_person(env.store, id, show_task, &s);
    json_object_set_new(doc, "tasks", s.list);
    if (e == RK_OK)
        e = rk_reg_audit(env.reg, "person.read", id, NULL, rk_time_now());
    if (e != RK_OK) {
        rk_cli_error("person show: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else if (rk_cli_json(&env)) {
        rc = rk_cli_write_json(json_incref(doc));
    } else {
        print_text(doc);
    }
    json_decref(doc);
    rk_cli_env_close(&env);
    return rc;
}

static int find_entry(void *ctx, const struct rk_entry *e) {
    struct show *s = ctx;
    if (s->list) {
        json_array_append_new(s->list, entry_json(s->env->reg, e, false));
    } else {
        char line[1024];
        snprintf(line, sizeof line, "%s  %-10s %s%s%s%s%s", e->person_id, e->register_id,
                 e->v[RK_F_NAME] ? rk_cli_shown(e->v[RK_F_NAME], false) : "-",
                 e->v[RK_F_EMAIL] ? "  " : "",
                 e->v[RK_F_EMAIL] ? rk_cli_shown(e->v[RK_F_EMAIL], false) : "",
                 e->v[RK_F_PHONE] ? "  " : "",
                 e->v[RK_F_PHONE] ? rk_cli_shown(e->v[RK_F_PHONE], false) : "");
        json_array_append_new(s->doc, json_string(line));
    }
    s->count++;
    json_array_append_new(s->ids, json_string(e->person_id));
    return 0;
}

static int person_find(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri person find QUERY [--format text|json]\n"
                              "\n"
                              "Finds persons by an exact email or phone number, or by a part of\n"
                              "their name. Exits 1 when nobody matches.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open_one(&env, "person find QUERY")) != RK_EXIT_OK)
        return rc;
    struct show s = {&env, rk_cli_json(&env) ? NULL : json_array(),
                     rk_cli_json(&env) ? json_array() : NULL, 0, json_array()};
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_reg_person_find(env.reg, env.args[0], find_entry, &s, &msg);
    /* Each person found is a read: recorded before anything is shown. */
    if (e == RK_OK && (e = rk_reg_batch_begin(env.reg)) == RK_OK) {
        rk_ts now = rk_time_now();
        for (size_t i = 0; e == RK_OK && i < json_array_size(s.ids); i++)
            e = rk_reg_audit(env.reg, "person.read", json_string_value(json_array_get(s.ids, i)),
                             "find", now);
        if (e == RK_OK)
            e = rk_reg_batch_commit(env.reg);
        else
            rk_reg_batch_rollback(env.reg);
        if (e != RK_OK)
            e = rk_error_set(&msg, e, NULL, "%s", rk_store_errmsg(env.store));
    }
    json_decref(s.ids);
    if (e != RK_OK) {
        rc = rk_cli_refused("person find", e, &msg);
    } else if (s.list) {
        rc = rk_cli_write_json(json_incref(s.list));
    } else {
        for (size_t i = 0; i < json_array_size(s.doc); i++)
            puts(json_string_value(json_array_get(s.doc, i)));
    }
    json_decref(s.doc);
    if (e == RK_OK && rc == RK_EXIT_OK && s.count == 0)
        rc = RK_EXIT_FAIL;
    json_decref(s.list);
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub person_subs[] = {
    {.name = "add", .summary = "add a person to a register", .run = person_add},
    {.name = "show", .summary = "show a person", .run = person_show},
    {.name = "update", .summary = "change a person's fields", .run = person_update},
    {.name = "find", .summary = "find persons by name, email or phone", .run = person_find},
    {.name = NULL, .summary = NULL, .run = NULL},
};

/* ---- consent ----------------------------------------------------------------------------------
 */

static int consent_event(int argc, char **argv, int kind) {
    const char *purpose = NULL, *channel = NULL, *evidence = NULL, *form = NULL, *lang = NULL,
               *at = NULL;
    bool pending = false;
    const struct rk_cli_opt opts[] = {{"purpose", &purpose, NULL},   {"channel", &channel, NULL},
                                      {"evidence", &evidence, NULL}, {"form-id", &form, NULL},
                                      {"lang", &lang, NULL},         {"at", &at, NULL},
                                      {"pending", NULL, &pending},   {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri consent give|confirm|withdraw ID --purpose P [--channel C] [options]\n"
        "\n"
        "Appends an event to the person's consent ledger. 'give' records a consent\n"
        "(--pending: awaiting double opt-in, made live by 'confirm'); 'withdraw' ends it\n"
        "at once and takes the person out of registers held only on consent. Each\n"
        "event records the notice version and the SHA-256 of the notice text shown.\n\n"
        "  --purpose P     the declared consent-based purpose\n"
        "  --channel C     how: a source kind (web_form, email, phone, ...) or any word\n"
        "                  such as unsubscribe_link (default: phone for give, email otherwise)\n"
        "  --evidence T    what proves it; --form-id F\n"
        "  --lang fi|en    the language of the notice shown (default fi)\n"
        "  --at T          when (default now)\n"
        "  --pending       give: wait for confirmation (double opt-in)\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_consent_input in = {.channel = channel               ? channel
                                             : kind == RK_CE_GIVEN ? "phone"
                                                                   : "email",
                                  .pending = pending,
                                  .form_id = form,
                                  .evidence = evidence,
                                  .at = rk_time_now()};
    if (env.nargs != 1 || !purpose) {
        rk_cli_error("expected one person ID and --purpose");
        return RK_EXIT_USAGE;
    }
    if ((lang && !rk_cli_parse_lang(lang, &in.lang)) || (at && !rk_cli_instant("--at", at, &in.at)))
        return RK_EXIT_USAGE;
    if (strlen(in.channel) > 64 || (evidence && strlen(evidence) > 500)) {
        rk_cli_error("--channel may be 64 and --evidence 500 bytes at most");
        return RK_EXIT_USAGE;
    }
    if (!rk_cli_text("--channel", channel, false) || !rk_cli_text("--evidence", evidence, true) ||
        !rk_cli_text("--form-id", form, false))
        return RK_EXIT_USAGE;
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_reg_consent(env.reg, env.args[0], purpose, kind, &in, &msg);
    rc = e == RK_OK ? RK_EXIT_OK : rk_cli_refused(argv[0], e, &msg);
    if (e == RK_OK)
        printf("%s %s for %s\n", rk_consent_kind_name(kind), env.args[0], purpose);
    rk_cli_env_close(&env);
    return rc;
}

static int list_consent(void *ctx, const struct rk_consent_event *e) {
    struct show *s = ctx;
    if (s->list)
        return show_consent(ctx, e);
    char at[RK_TS_LEN + 1];
    rk_ts_format(e->at, at);
    printf("%5lld  %s  %-16s %-9s%s via %s by %s (notice %s, sha256 %.12s…)\n", (long long)e->seq,
           at, e->purpose, rk_consent_kind_name(e->kind), e->pending ? " (pending)" : "",
           e->channel, e->collector, e->notice_version, e->notice_sha256);
    return 0;
}

static int consent_list(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri consent list ID [--format text|json]\n"
                              "\n"
                              "Prints the person's consent ledger, oldest first.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open_one(&env, "consent list")) != RK_EXIT_OK)
        return rc;
    struct show s = {&env, NULL, rk_cli_json(&env) ? json_array() : NULL, 0, NULL};
    rk_err e = rk_store_person_exists(env.store, env.args[0], NULL, NULL);
    if (e == RK_OK) /* the read is recorded before anything is printed */
        e = rk_reg_audit(env.reg, "consent.read", env.args[0], NULL, rk_time_now());
    if (e == RK_OK)
        e = rk_store_consent_events(env.store, env.args[0], list_consent, &s);
    if (e != RK_OK) {
        rk_cli_error("consent list: %s",
                     e == RK_ENOENT ? "no person with that id" : rk_store_errmsg(env.store));
        rc = rk_cli_exit_for(e);
    } else if (s.list) {
        rc = rk_cli_write_json(json_incref(s.list));
    }
    json_decref(s.list);
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub consent_subs[] = {
    {.name = "give",
     .summary = "record a consent given",
     .run_kind = consent_event,
     .kind = RK_CE_GIVEN},
    {.name = "confirm",
     .summary = "record a consent confirmed",
     .run_kind = consent_event,
     .kind = RK_CE_CONFIRMED},
    {.name = "withdraw",
     .summary = "record a consent withdrawn",
     .run_kind = consent_event,
     .kind = RK_CE_WITHDRAWN},
    {.name = "list", .summary = "list a person's consent events", .run = consent_list},
    {.name = "record",
     .summary = "a person's consent for a purpose as an ISO/IEC TS 27560 record",
     .run = rk_cli_consent_record},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_person = {
    .name = "person",
    .summary = "add, show, update and find persons",
    .subs = person_subs,
    .expected = "expected 'person add', 'person show', 'person update' or 'person find'"};
const struct rk_cli_command rk_cli_consent = {
    .name = "consent",
    .summary = "give, confirm, withdraw, list consents; a consent record",
    .subs = consent_subs,
    .expected = "expected 'consent give', 'consent confirm', 'consent withdraw', 'consent list' or "
                "'consent record'"};
