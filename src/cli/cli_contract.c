/*
 * cli_contract.c — `rekisteri contract add|change|end` and `rekisteri invoice
 * add`: the customer relationship and its billing records, held under the
 * register's declared categories of kind contract and billing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"

static const char *const text_json[] = {"text", "json", NULL};

#define WRITE_OPTS(reg, purpose, source, detail)                                                   \
    {"register", &(reg), NULL}, {"purpose", &(purpose), NULL}, {"source", &(source), NULL}, {      \
        "source-detail", &(detail), NULL                                                           \
    }

static bool make_write(const char *reg, const char *purpose, const char *source, const char *detail,
                       struct rk_write *w) {
    if (!reg || !purpose || !source) {
        rk_cli_error("--register, --purpose and --source are required: every write names them");
        return false;
    }
    *w = (struct rk_write){reg, purpose, RK_SRC_CONTRACT, detail, rk_time_now()};
    return rk_cli_source("--source", source, &w->source);
}

static int print_id(struct rk_cli_env *env, const char *id) {
    int n = rk_cli_json(env) ? printf("{\"id\": \"%s\"}\n", id) : printf("%s\n", id);
    return n > 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
}

static int contract_add(int argc, char **argv) {
    const char *reg = NULL, *purpose = NULL, *source = NULL, *detail = NULL, *service = NULL,
               *start = NULL, *end = NULL;
    const struct rk_cli_opt opts[] = {WRITE_OPTS(reg, purpose, source, detail),
                                      {"service", &service, NULL},
                                      {"start", &start, NULL},
                                      {"end", &end, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc =
        rk_cli_env_parse(&env, argc, argv,
                         "usage: rekisteri contract add PERSON --register R --purpose P "
                         "--source KIND --service S --start DATE [--end DATE]\n"
                         "\n"
                         "Records an ordered service for a person in the register, which\n"
                         "must declare a category of kind contract. Prints the contract id.\n\n",
                         opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_write w;
    struct rk_date d0, d1 = {0, 0, 0};
    if (env.nargs != 1 || !service || !start) {
        rk_cli_error("contract add: expected one PERSON id, --service and --start");
        return RK_EXIT_USAGE;
    }
    if (!make_write(reg, purpose, source, detail, &w) || !rk_cli_date("--start", start, &d0) ||
        (end && !rk_cli_date("--end", end, &d1)))
        return RK_EXIT_USAGE;
    if (strlen(service) == 0 || strlen(service) > 800) {
        rk_cli_error("--service: expected 1 to 800 bytes");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) == RK_EXIT_OK) {
        char id[RK_ID_LEN + 1];
        struct rk_error msg = RK_ERROR_INIT;
        rk_err e = rk_reg_contract_add(env.reg, &w, env.args[0], service, d0, d1, id, &msg);
        rc = e == RK_OK ? print_id(&env, id) : rk_cli_refused("contract add", e, &msg);
    }
    rk_cli_env_close(&env);
    return rc;
}

static int contract_change(int argc, char **argv, int end_it) {
    const char *field = NULL, *value = NULL, *date = NULL;
    const struct rk_cli_opt change_opts[] = {
        {"field", &field, NULL}, {"value", &value, NULL}, {NULL, NULL, NULL}};
    const struct rk_cli_opt end_opts[] = {{"date", &date, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        end_it ? "usage: rekisteri contract end CONTRACT [--date DATE]\n\n"
                 "Ends a contract on DATE (default today); the change is kept in its history.\n\n"
               : "usage: rekisteri contract change CONTRACT --field service|start|end --value V\n\n"
                 "Changes one field of a contract; the old and new values are kept in its\n"
                 "history.\n\n",
        end_it ? end_opts : change_opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_date d = rk_ts_date(rk_time_now());
    if (env.nargs != 1 || (!end_it && (!field || !value))) {
        rk_cli_error(end_it ? "contract end: expected one CONTRACT id"
                            : "contract change: expected one CONTRACT id, --field and --value");
        return RK_EXIT_USAGE;
    }
    if (date && !rk_cli_date("--date", date, &d))
        return RK_EXIT_USAGE;
    if (value && strlen(value) > 800) {
        rk_cli_error("--value: at most 800 bytes");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) == RK_EXIT_OK) {
        struct rk_error msg = RK_ERROR_INIT;
        rk_err e = end_it ? rk_reg_contract_end(env.reg, env.args[0], d, rk_time_now(), &msg)
                          : rk_reg_contract_change(env.reg, env.args[0], field, value,
                                                   rk_time_now(), &msg);
        rc = e == RK_OK ? print_id(&env, env.args[0]) : rk_cli_refused(argv[0], e, &msg);
    }
    rk_cli_env_close(&env);
    return rc;
}

/* Parses "123", "123.4" or "123.45" (also with a comma) into cents. */
static bool parse_amount(const char *s, int64_t *cents) {
    int64_t whole = 0, frac = 0;
    int fdigits = 0;
    bool neg = *s == '-', digits = false;
    if (neg)
        s++;
    for (; *s >= '0' && *s <= '9'; s++, digits = true) {
        if (whole > 100000000000LL)
            return false;
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.' || *s == ',') {
        for (s++; *s >= '0' && *s <= '9' && fdigits < 2; s++, fdigits++)
            frac = frac * 10 + (*s - '0');
        if (fdigits == 0)
            return false;
    }
    if (*s || !digits)
        return false;
    if (fdigits == 1)
        frac *= 10;
    *cents = (whole * 100 + frac) * (neg ? -1 : 1);
    return true;
}

static int invoice_add(int argc, char **argv) {
    const char *reg = NULL, *purpose = NULL, *source = NULL, *detail = NULL, *number = NULL,
               *date = NULL, *amount = NULL, *currency = "EUR", *contract = NULL;
    const struct rk_cli_opt opts[] = {WRITE_OPTS(reg, purpose, source, detail),
                                      {"number", &number, NULL},
                                      {"date", &date, NULL},
                                      {"amount", &amount, NULL},
                                      {"currency", &currency, NULL},
                                      {"contract", &contract, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri invoice add PERSON --register R --purpose P --source KIND\n"
        "           --number N --date DATE --amount 123.45 [--currency EUR] [--contract ID]\n"
        "\n"
        "Records a billing record in a register that declares a category of kind billing.\n"
        "It is kept for the statutory period that category declares.\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_write w;
    struct rk_date d;
    int64_t cents;
    if (env.nargs != 1 || !number || !date || !amount) {
        rk_cli_error("invoice add: expected one PERSON id, --number, --date and --amount");
        return RK_EXIT_USAGE;
    }
    if (!make_write(reg, purpose, source, detail, &w) || !rk_cli_date("--date", date, &d))
        return RK_EXIT_USAGE;
    if (!parse_amount(amount, &cents)) {
        rk_cli_error("--amount: expected a sum such as 123.45, found '%s'", amount);
        return RK_EXIT_USAGE;
    }
    if (strlen(currency) != 3 || strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
        rk_cli_error("--currency: expected a three-letter ISO 4217 code such as EUR");
        return RK_EXIT_USAGE;
    }
    if (strlen(number) == 0 || strlen(number) > 64) {
        rk_cli_error("--number: expected 1 to 64 bytes");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) == RK_EXIT_OK) {
        char id[RK_ID_LEN + 1];
        struct rk_error msg = RK_ERROR_INIT;
        rk_err e = rk_reg_invoice_add(env.reg, &w, env.args[0], contract, number, d, cents,
                                      currency, id, &msg);
        rc = e == RK_OK ? print_id(&env, id) : rk_cli_refused("invoice add", e, &msg);
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub contract_subs[] = {
    {.name = "add", .summary = "add a contract to a person", .run = contract_add},
    {.name = "change", .summary = "change a contract", .run_kind = contract_change, .kind = false},
    {.name = "end", .summary = "end a contract", .run_kind = contract_change, .kind = true},
    {.name = NULL, .summary = NULL, .run = NULL},
};

static const struct rk_cli_sub invoice_subs[] = {
    {.name = "add", .summary = "record billing data of a person", .run = invoice_add},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_contract = {
    .name = "contract",
    .summary = "add, change and end contracts",
    .subs = contract_subs,
    .expected = "expected 'contract add', 'contract change' or 'contract end'"};
const struct rk_cli_command rk_cli_invoice = {.name = "invoice",
                                              .summary = "record billing data",
                                              .subs = invoice_subs,
                                              .expected = "expected 'invoice add'"};
