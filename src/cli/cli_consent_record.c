/*
 * cli_consent_record.c — `rekisteri consent record PERSON --purpose P`: one
 * person's consent for one purpose as a consent record in the structure of
 * ISO/IEC TS 27560:2023 (core/consent_record.h gathers it,
 * views/consent_record.h renders it), as text (the default) or JSON. The
 * read is audited before anything is printed, as `consent list` does.
 */
#include <stdio.h>
#include <string.h>

#include "cli/reg.h"
#include "core/consent_record.h"
#include "views/consent_record.h"

static const char *const text_json[] = {"text", "json", NULL};

int rk_cli_consent_record(int argc, char **argv) {
    const char *purpose = NULL, *lang = NULL, *url = NULL;
    const struct rk_cli_opt opts[] = {{"purpose", &purpose, NULL},
                                      {"lang", &lang, NULL},
                                      {"public-url", &url, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri consent record ID --purpose P [--format text|json] [--lang fi|en]\n"
        "\n"
        "Prints the person's consent for the purpose as a consent record in the\n"
        "structure of ISO/IEC TS 27560:2023: the processing it covers, the parties,\n"
        "and every event of its history (requested, given, confirmed through double\n"
        "opt-in, renewed, withdrawn, expired) with its time, how and by whom it was\n"
        "recorded and the version and SHA-256 of the notice shown. The person appears\n"
        "only by their pseudonymous id. Exits 2 for an unknown person or an undeclared\n"
        "purpose, 1 when no consent for the purpose was ever recorded.\n\n"
        "  --purpose P       the declared consent-based purpose\n"
        "  --lang fi|en      the language of the texts (default fi)\n"
        "  --public-url URL  the service's public URL, for the notice's and the preferences\n"
        "                    page's addresses (REKISTERI_PUBLIC_URL; left out when unset)\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_cr_render o = {.lang = RK_LANG_FI,
                             .public_url = rk_cli_env_or(url, "REKISTERI_PUBLIC_URL", NULL)};
    if (!purpose) {
        rk_cli_error("consent record: --purpose is required");
        return RK_EXIT_USAGE;
    }
    if (lang && !rk_cli_parse_lang(lang, &o.lang))
        return RK_EXIT_USAGE;
    char base[512];
    if (o.public_url) {
        size_t n = strlen(o.public_url);
        while (n > 0 && o.public_url[n - 1] == '/')
            n--;
        if (n == 0 || n >= sizeof base || !rk_cli_text("--public-url", o.public_url, false)) {
            if (n == 0 || n >= sizeof base)
                rk_cli_error("--public-url: expected a URL of at most %zu bytes", sizeof base - 1);
            return RK_EXIT_USAGE;
        }
        snprintf(base, sizeof base, "%.*s", (int)n, o.public_url);
        o.public_url = base;
    }
    if ((rc = rk_cli_env_open_one(&env, "consent record")) != RK_EXIT_OK)
        return rc;
    struct rk_consent_record rec;
    struct rk_error msg = RK_ERROR_INIT;
    rk_ts now = rk_time_now();
    rk_err e = rk_consent_record_get(env.reg, env.args[0], purpose, now, &rec, &msg);
    if (e == RK_OK) /* the read is recorded before anything is printed */
        e = rk_reg_audit(env.reg, "consent.read", env.args[0], rec.purpose->id, now);
    if (e == RK_OK) {
        struct rk_buf out;
        rk_buf_init(&out);
        e = rk_consent_record_render(&rec, &o, rk_cli_json(&env), &out);
        rc = e == RK_OK ? rk_cli_write(&out) : RK_EXIT_FAIL;
        if (e != RK_OK)
            rk_cli_error("consent record: %s", rk_err_str(e));
        rk_buf_cleanup(&out);
    } else if (e == RK_ENOENT && strcmp(msg.where, "consent") == 0) {
        rk_cli_error("consent record: %s", msg.message);
        rc = RK_EXIT_FAIL;
    } else {
        rc = rk_cli_refused("consent record", e, &msg);
    }
    rk_consent_record_free(&rec);
    rk_cli_env_close(&env);
    return rc;
}
