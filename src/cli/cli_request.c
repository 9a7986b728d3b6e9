/*
 * cli_request.c — `rekisteri request new|list|show|verify|start|extend|
 * complete|reject`: staff handling of data-subject requests (core/request.h).
 * Each step is one transaction holding the request's change, its audit event
 * and any email to the person (receipt, verification link, extension,
 * rejection), queued in the outbox. Refusals exit 2 with the reason.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "core/answer.h"
#include "core/fulfil.h"
#include "core/mail_limit.h"
#include "core/request.h"
#include "core/request_step.h"
#include "mail/mail.h"
#include "core/request_mail.h"
#include "views/access.h"
#include "views/records_json.h"

static const char *const text_json[] = {"text", "json", NULL};

#define PUBLIC_URL_HELP                                                                            \
    "  --public-url URL     the service's public address, for links in emails\n"                   \
    "                       (REKISTERI_PUBLIC_URL; default http://127.0.0.1:8080)\n"

/* Opens env and loads the controller's time zone; exit status. */
static int open_with_tz(struct rk_cli_env *env, struct rk_tz *tz, bool one, const char *what) {
    int rc = one ? rk_cli_env_open_one(env, what) : rk_cli_env_open(env);
    if (rc != RK_EXIT_OK)
        return rc;
    struct rk_error msg = RK_ERROR_INIT;
    if (rk_request_load_tz(env->decl, tz, &msg) != RK_OK) {
        rk_cli_error("%s: %s", what, msg.message);
        return RK_EXIT_FAIL;
    }
    return RK_EXIT_OK;
}

static const char *public_url(const char *opt) {
    return rk_cli_env_or(opt, "REKISTERI_PUBLIC_URL", "http://127.0.0.1:8080");
}

static void print_request(const struct rk_request *q, struct rk_date today) {
    char due[11], ext[11], at[RK_TS_LEN + 1];
    rk_date_iso(q->due, due);
    rk_ts_format(q->received_at, at);
    printf("id:          %s\ntype:        %s\nstatus:      %s%s\nchannel:     %s\n", q->id,
           rk_request_type_name(q->type), rk_request_status_name(q->status),
           rk_request_overdue(q, today) ? " (overdue)" : "", rk_request_channel_name(q->channel));
    printf("person:      %s\n", q->person_id[0] ? q->person_id : "(not matched)");
    if (q->name)
        printf("name:        %s\n", rk_cli_shown(q->name, false));
    if (q->email)
        printf("email:       %s\n", rk_cli_shown(q->email, false));
    if (q->phone)
        printf("phone:       %s\n", rk_cli_shown(q->phone, false));
    printf("received:    %s\ndue:         %s\n", at, due);
    if (q->extended_due.y) {
        rk_date_iso(q->extended_due, ext);
        printf("extended to: %s (+%d month(s): %s)\n", ext, q->extension_months,
               q->extension_reason ? rk_cli_shown(q->extension_reason, true) : "");
    }
    if (q->verification) {
        rk_ts_format(q->verified_at, at);
        printf("verified:    %s by %s at %s%s%s\n",
               rk_verification_id((enum rk_verification)q->verification),
               q->verified_by ? q->verified_by : "?", at, q->document ? ", document " : "",
               q->document ? q->document : "");
    }
    if (q->closed_at) {
        rk_ts_format(q->closed_at, at);
        printf("closed:      %s\n", at);
    }
    if (q->rejection_reason)
        printf("rejected:    %s\n", rk_cli_shown(q->rejection_reason, true));
    if (q->note)
        printf("note:        %s\n", rk_cli_shown(q->note, true));
    if (q->text)
        printf("text:\n%s\n", rk_cli_shown(q->text, true));
}

static int output(struct rk_cli_env *env, const struct rk_request *q, struct rk_date today) {
    if (rk_cli_json(env))
        return rk_cli_write_json(rk_request_json(q, today));
    print_request(q, today);
    return RK_EXIT_OK;
}

/* ---- new ---------------------------------------------------------------------------------- */

static int request_new(int argc, char **argv) {
    const char *type = NULL, *email = NULL, *phone = NULL, *person = NULL, *name = NULL,
               *text = NULL, *received = NULL, *channel = NULL, *lang = NULL, *url = NULL;
    const struct rk_cli_opt opts[] = {
        {"type", &type, NULL},         {"email", &email, NULL},     {"phone", &phone, NULL},
        {"person", &person, NULL},     {"name", &name, NULL},       {"text", &text, NULL},
        {"received", &received, NULL}, {"channel", &channel, NULL}, {"lang", &lang, NULL},
        {"public-url", &url, NULL},    {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri request new --type T (--email E | --phone P | --person ID)\n"
        "                             [--name N] [--text T] [--received DATE] [--channel C]\n\n"
        "Records a data-subject request and prints its id. The deadline is one month\n"
        "from the date of receipt in the controller's time zone. The email or phone is\n"
        "matched to a person on file; with an email a receipt is queued to it.\n\n"
        "  --type T         access, rectification, erasure, restriction, portability,\n"
        "                   objection, automated_decision or consent_withdrawal\n"
        "  --email, --phone, --name  the contact details as the person gave them\n"
        "  --person ID      a person already on file\n"
        "  --text T         what the person wrote\n"
        "  --received DATE  when it arrived (YYYY-MM-DD; default today): by post or in person\n"
        "  --channel C      web, email, post, in_person or api (default email)\n"
        "  --lang fi|en     the language of the emails (default fi)\n" PUBLIC_URL_HELP "\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_request_input in = {.email = email,
                                  .phone = phone,
                                  .name = name,
                                  .text = text,
                                  .person_id = person,
                                  .now = rk_time_now()};
    rc = RK_EXIT_USAGE;
    int t = rk_request_type_parse(type), ch = rk_request_channel_parse(channel ? channel : "email");
    if (env.nargs) {
        rk_cli_error("request new takes no arguments; give the details as options");
    } else if (!type || t < 0) {
        rk_cli_error("--type: %s '%s'; expected access, rectification, erasure, restriction, "
                     "portability, objection, automated_decision or consent_withdrawal",
                     type ? "unknown request type" : "a request type is required",
                     type ? type : "");
    } else if (ch < 0) {
        rk_cli_error("--channel: unknown channel '%s'; expected web, email, post, in_person or "
                     "api",
                     channel);
    } else if ((!received || rk_cli_date("--received", received, &in.received)) &&
               (!lang || rk_cli_parse_lang(lang, &in.lang))) {
        rc = RK_EXIT_OK;
    }
    struct rk_tz *tz = calloc(1, sizeof *tz);
    struct rk_request *q = calloc(1, sizeof *q);
    if (rc != RK_EXIT_OK || !tz || !q || (rc = open_with_tz(&env, tz, false, "request new")))
        goto out;
    in.type = (enum rk_request_type)t;
    in.channel = (enum rk_request_channel)ch;
    struct rk_error msg = RK_ERROR_INIT;
    struct rk_error why = RK_ERROR_INIT;
    rk_err e = rk_reg_batch_begin(env.reg);
    if (e == RK_OK && (e = rk_request_create(env.reg, tz, &in, q, &msg)) == RK_OK && q->email) {
        char to[RK_REQUEST_FIELD_MAX * 2 + 1];
        bool may = false; /* the receipt counts against the mail limit (core/mail_limit.h) */
        if (rk_request_address(env.reg, q, to, sizeof to) == RK_OK &&
            (e = rk_mail_limit_take(env.reg, to, RK_MAIL_BY_STAFF, in.now, &may)) == RK_OK && may) {
            char status[RK_LINK_MAX]; /* the receipt links the status page (core/answer.h) */
            e = rk_answer_status_link(rk_reg_keys(env.reg), q, in.now, status);
            if (e == RK_OK)
                e = rk_mail_request(env.store, env.decl, public_url(url), q, RK_RQM_RECEIPT, to,
                                    status, &why);
        }
        if (e != RK_OK)
            e = rk_error_set(&msg, e, NULL, "--email: %s", rk_error_msg(&why));
    }
    if (e == RK_OK)
        e = rk_reg_batch_commit(env.reg);
    else if (rk_reg_in_batch(env.reg))
        rk_reg_batch_rollback(env.reg);
    if (e != RK_OK)
        rc = rk_cli_refused("request new", e, &msg);
    else if (rk_cli_json(&env))
        rc = output(&env, q, rk_tz_date(tz, in.now));
    else
        rc = printf("%s\n", q->id) > 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
out:
    rk_cli_env_close(&env);
    free(tz);
    free(q);
    return rc;
}

/* ---- list, show --------------------------------------------------------------------------- */

struct listing {
    struct rk_cli_env *env;
    struct rk_date today;
    json_t *list;
    int n;
    struct rk_cli_table table; /* the text listing */
};

static int list_one(void *ctx, const struct rk_request *q) {
    struct listing *l = ctx;
    l->n++;
    if (l->list) {
        json_array_append_new(l->list, rk_request_json(q, l->today));
        return 0;
    }
    char due[11], when[24];
    rk_date_iso(rk_request_effective_due(q), due);
    snprintf(when, sizeof when, "%s%s", due, rk_request_overdue(q, l->today) ? " OVERDUE" : "");
    rk_cli_table_row(&l->table, (const char *const[]){q->id, rk_request_type_name(q->type),
                                                      rk_request_status_name(q->status), when,
                                                      q->person_id[0] ? q->person_id : "-"});
    return 0;
}

static int request_list(int argc, char **argv) {
    const char *within = NULL, *status = NULL;
    bool overdue = false;
    const struct rk_cli_opt opts[] = {{"overdue", NULL, &overdue},
                                      {"due-within", &within, NULL},
                                      {"status", &status, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri request list [--overdue] [--due-within 7d] [--status S]\n"
        "                              [--format text|json]\n\n"
        "Lists requests, oldest first: id, type, status, due date, person id.\n\n"
        "  --overdue        open requests past their (extended) due date\n"
        "  --due-within Nd  open requests due within N days (overdue ones included)\n"
        "  --status S       received, verified, in_progress, completed or rejected\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_request_filter f = {.status = -1};
    long days = -1;
    rc = RK_EXIT_USAGE;
    if (within) {
        char *end = NULL;
        days = strtol(within, &end, 10);
        if (end == within || (*end && strcmp(end, "d") != 0) || days < 0 || days > 3650) {
            rk_cli_error("--due-within: expected a number of days such as 7d, found '%s'", within);
            goto out;
        }
    }
    if (status && (f.status = rk_request_status_parse(status)) < 0) {
        static const char *const statuses[] = {"received", "verified", "in_progress", "completed",
                                               "rejected"};
        rk_cli_bad_value("--status", "status", status, statuses, 5);
        goto out;
    }
    if (env.nargs) {
        rk_cli_error("request list takes no arguments");
        goto out;
    }
    struct rk_tz *tz = calloc(1, sizeof *tz);
    if (!tz || (rc = open_with_tz(&env, tz, false, "request list")) != RK_EXIT_OK) {
        free(tz);
        goto out;
    }
    static const struct rk_cli_col cols[] = {
        {0, "  "}, {18, "  "}, {11, "  due "}, {0, "  "}, {0, NULL}};
    struct listing l = {.env = &env, .today = rk_tz_date(tz, rk_time_now())};
    rk_cli_table_init(&l.table, 5, cols);
    free(tz);
    if (overdue || days >= 0) {
        f.open_only = true;
        /* --overdue: due before today; --due-within N: due on or before today + N. */
        f.due_by = rk_date_add_days(l.today, overdue ? -1 : (int)days);
    }
    if (rk_cli_json(&env))
        l.list = json_array();
    rk_err e = rk_store_requests_list(env.store, &f, list_one, &l);
    char detail[32];
    snprintf(detail, sizeof detail, "%d requests", l.n);
    if (e == RK_OK)
        e = rk_reg_audit(env.reg, "request.list", NULL, detail, rk_time_now());
    if (e != RK_OK) {
        rk_cli_error("request list: %s", rk_store_errmsg(env.store));
        json_decref(l.list);
        rc = RK_EXIT_FAIL;
    } else {
        rc = l.list ? rk_cli_write_json(l.list) : rk_cli_table_print(&l.table);
    }
    rk_cli_table_cleanup(&l.table);
out:
    rk_cli_env_close(&env);
    return rc;
}

static int request_show(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri request show ID [--format text|json]\n\n"
                              "Shows a request: its contact details, text, deadline, verification\n"
                              "and outcome. The read is recorded in the audit chain.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_tz *tz = calloc(1, sizeof *tz);
    struct rk_request *q = calloc(1, sizeof *q);
    if (!tz || !q || (rc = open_with_tz(&env, tz, true, "request show")) != RK_EXIT_OK)
        goto out;
    rk_err e = rk_request_id_valid(env.args[0]) ? rk_store_request_get(env.store, env.args[0], q)
                                                : RK_ENOENT;
    if (e == RK_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "%s %s", q->id, rk_request_type_name(q->type));
        e = rk_reg_audit(env.reg, "request.read", q->person_id[0] ? q->person_id : NULL, detail,
                         rk_time_now());
    }
    if (e == RK_ENOENT) {
        rk_cli_error("request show: no request has the id '%s'", env.args[0]);
        rc = RK_EXIT_USAGE;
    } else if (e != RK_OK) {
        rk_cli_error("request show: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else {
        rc = output(&env, q, rk_tz_date(tz, rk_time_now()));
    }
out:
    rk_cli_env_close(&env);
    free(tz);
    free(q);
    return rc;
}

/* ---- the transitions ---------------------------------------------------------------------- */

/* Applies ev to request id in one transaction with the email of kind mail (-1: none). */
/* Writes name in dir from b (mode 0600 under the CLI's umask); false after a message. */
static bool write_doc(const char *dir, const char *id, const char *suffix, const struct rk_buf *b) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%s", dir, id, suffix);
    FILE *f = fopen(path, "wx");
    bool ok = f && fwrite(b->data ? b->data : "", 1, b->len, f) == b->len;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        rk_cli_error("cannot write %s: %s", path, strerror(errno));
    else
        printf("wrote %s\n", path);
    return ok;
}

static int transition(struct rk_cli_env *env, const struct rk_tz *tz, struct rk_request_event *ev,
                      int mail, const char *url, const char *what, const char *out_dir,
                      const char *grounds) {
    struct rk_request *q = calloc(1, sizeof *q);
    if (!q)
        return RK_EXIT_FAIL;
    struct rk_error msg = RK_ERROR_INIT;
    bool told = false;
    ev->by = rk_reg_actor(env->reg);
    ev->today = rk_tz_date(tz, ev->at);
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    struct rk_request_step st = {.id = env->args[0],
                                 .ev = ev,
                                 .mail = mail,
                                 .email_code = false,
                                 .public_url = public_url(url),
                                 .ff = ev->kind == RK_RQE_COMPLETE ? &ff : NULL,
                                 .grounds = grounds,
                                 .grounds_refusal = "--grounds is for objection requests only",
                                 .grounds_first = true,
                                 .rect_register = NULL,
                                 .rect = NULL,
                                 .q = q};
    rk_err e = rk_reg_batch_begin(env->reg);
    /* Completing runs the right's effect first, in the same transaction: if the
     * completion is then refused (not verified), the rollback undoes the effect. */
    if (e == RK_OK)
        e = rk_request_step(env->reg, &st, &msg);
    if (e != RK_OK && st.stage == RK_STEP_MAIL)
        e = rk_error_set(&msg, e, NULL, "the email to the person: %s", rk_error_msg(&st.why));
    mail = st.mail;
    told = st.told;
    /* The documents go to the person as a download link when the request gave an email
     * (ff.answer_token); otherwise staff hand them over, so they must be written out. */
    if (e == RK_OK && ev->kind == RK_RQE_COMPLETE && !out_dir && !ff.answer_token[0] &&
        (q->type == RK_RQ_ACCESS || q->type == RK_RQ_PORTABILITY ||
         q->type == RK_RQ_AUTOMATED_DECISION)) {
        e = rk_error_set(
            &msg, RK_EINVAL, NULL,
            "a request of type %s without an email address is answered with a document "
            "handed over by staff: give --out DIR",
            rk_request_type_name(q->type));
    }
    if (e == RK_OK)
        e = rk_reg_batch_commit(env->reg);
    else if (rk_reg_in_batch(env->reg))
        rk_reg_batch_rollback(env->reg);
    int rc;
    if (e == RK_OK && ev->kind == RK_RQE_COMPLETE) {
        fprintf(stderr, "%s: %s\n", what, ff.done);
        if (q->type == RK_RQ_ERASURE && rk_store_checkpoint(env->store) != RK_OK)
            fprintf(stderr, "%s: the write-ahead log keeps old pages until the next checkpoint\n",
                    what);
        bool ok = true;
        if (!out_dir) /* emailed as a download link (above): nothing to write here */
            ff.json.len = ff.html.len = ff.csv.len = ff.text.len = 0;
        if (ff.json.len)
            ok = write_doc(out_dir, q->id,
                           q->type == RK_RQ_ACCESS ? "access.json" : "portability.json",
                           &ff.json) &&
                 ok;
        if (ff.html.len)
            ok = write_doc(out_dir, q->id, "access.html", &ff.html) && ok;
        if (ff.csv.len)
            ok = write_doc(out_dir, q->id, "portability.csv", &ff.csv) && ok;
        if (ff.text.len && out_dir)
            ok = write_doc(out_dir, q->id, "automated.txt", &ff.text) && ok;
        if (!ok)
            e = RK_EIO; /* the request is completed; the documents can be produced again
                           with 'rights access|export' */
    }
    if (ev->note == ff.done)
        ev->note = NULL; /* it pointed into ff, which ends here */
    rk_fulfilment_cleanup(&ff);
    if (e != RK_OK) {
        rc = rk_cli_refused(what, e, &msg);
    } else {
        if (mail >= 0 && !told)
            fprintf(stderr, "rekisteri: %s: no email address for the person: tell them by post\n",
                    what);
        rc = rk_cli_json(env)
                 ? output(env, q, ev->today)
                 : (printf("%s %s\n", q->id, rk_request_status_name(q->status)) > 0 ? RK_EXIT_OK
                                                                                    : RK_EXIT_FAIL);
    }
    free(q);
    return rc;
}

static int request_verify(int argc, char **argv) {
    const char *method = NULL, *document = NULL, *url = NULL;
    const struct rk_cli_opt opts[] = {{"method", &method, NULL},
                                      {"document", &document, NULL},
                                      {"public-url", &url, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri request verify ID --method in_person --document TYPE\n"
        "       rekisteri request verify ID --method email_code\n\n"
        "Verifies the identity of the person behind a request, by a method the\n"
        "declaration allows (rights.verification). in_person records that staff saw an\n"
        "identity document: its type only (passport, id_card, driving_licence, other),\n"
        "never its number or a copy. email_code emails a one-time link to the address on\n"
        "file for the matched person; following it verifies the request.\n\n" PUBLIC_URL_HELP "\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_tz *tz = calloc(1, sizeof *tz);
    if (!tz || (rc = open_with_tz(&env, tz, true, "request verify")) != RK_EXIT_OK)
        goto out;
    rc = RK_EXIT_USAGE;
    if (!method || (strcmp(method, "in_person") != 0 && strcmp(method, "email_code") != 0)) {
        rk_cli_error("--method: expected in_person or email_code%s%s", method ? ", found " : "",
                     method ? method : "");
        goto out;
    }
    if (strcmp(method, "in_person") == 0) {
        struct rk_request_event ev = {.kind = RK_RQE_VERIFY,
                                      .at = rk_time_now(),
                                      .method = RK_VERIFY_IN_PERSON,
                                      .document = document};
        rc = transition(&env, tz, &ev, -1, url, "request verify", NULL, NULL);
        goto out;
    }
    if (document) {
        rk_cli_error("--document goes with --method in_person only");
        goto out;
    }
    struct rk_request *q = calloc(1, sizeof *q);
    struct rk_error msg = RK_ERROR_INIT;
    struct rk_request_event ev = {.kind = RK_RQE_VERIFY,
                                  .at = rk_time_now(),
                                  .method = RK_VERIFY_EMAIL_CODE};
    struct rk_request_step st = {.id = env.args[0],
                                 .ev = &ev,
                                 .mail = RK_RQM_VERIFY,
                                 .email_code = true,
                                 .public_url = public_url(url),
                                 .ff = NULL,
                                 .grounds = NULL,
                                 .grounds_refusal = NULL,
                                 .grounds_first = false,
                                 .rect_register = NULL,
                                 .rect = NULL,
                                 .q = q};
    rk_err e = q ? rk_reg_batch_begin(env.reg) : RK_ENOMEM;
    if (e == RK_OK && (e = rk_request_step(env.reg, &st, &msg)) != RK_OK &&
        st.stage == RK_STEP_MAIL)
        e = rk_error_set(&msg, e, NULL, "the address on file: %s", rk_error_msg(&st.why));
    if (e == RK_OK)
        e = rk_reg_batch_commit(env.reg);
    else if (rk_reg_in_batch(env.reg))
        rk_reg_batch_rollback(env.reg);
    if (e != RK_OK)
        rc = rk_cli_refused("request verify", e, &msg);
    else
        rc = printf("%s verification link sent to the address on file\n", q->id) > 0 ? RK_EXIT_OK
                                                                                     : RK_EXIT_FAIL;
    free(q);
out:
    rk_cli_env_close(&env);
    free(tz);
    return rc;
}

/* start, extend, complete, reject: the options differ, the rest is transition(). */
static int request_step(int argc, char **argv, int kind_arg) {
    enum rk_request_event_kind kind = (enum rk_request_event_kind)kind_arg;
    const char *months = NULL, *reason = NULL, *note = NULL, *url = NULL, *out_dir = NULL,
               *grounds = NULL;
    const struct rk_cli_opt opts[] = {{"months", &months, NULL},     {"reason", &reason, NULL},
                                      {"note", &note, NULL},         {"public-url", &url, NULL},
                                      {"out", &out_dir, NULL},       {"grounds", &grounds, NULL},
                                      {NULL, NULL, NULL}};
    static const char *const usage[RK_RQE__COUNT] = {
        [RK_RQE_START] = "usage: rekisteri request start ID\n\n"
                         "Marks a verified request as in progress.\n\n",
        [RK_RQE_EXTEND] =
            "usage: rekisteri request extend ID --months 1|2 --reason TEXT\n\n"
            "Extends the deadline by one or two further months (art 12(3)), once, within the\n"
            "first month, with the reason; an email tells the person.\n\n" PUBLIC_URL_HELP "\n",
        [RK_RQE_COMPLETE] =
            "usage: rekisteri request complete ID [--note TEXT] [--out DIR] [--grounds TEXT]\n\n"
            "Carries out a verified request and records it answered, in one transaction:\n"
            "erasure erases, restriction restricts, objection stops direct marketing (or,\n"
            "with --grounds, records the objection to other processing for a decision),\n"
            "consent_withdrawal withdraws every consent; access, portability and\n"
            "automated_decision write their documents into --out DIR (ID-access.json and\n"
            ".html, ID-portability.json and .csv, ID-automated.txt); an access or\n"
            "portability request that gave an email is answered with a download link\n"
            "emailed to the person (14 days, a one-time code), so --out is optional there.\n"
            "Rectification is done\n"
            "with 'rights rectify ID --request RID' first. The note defaults to what was done.\n\n",
        [RK_RQE_REJECT] =
            "usage: rekisteri request reject ID --reason TEXT\n\n"
            "Declines a request (art 12(5): manifestly unfounded or excessive; or the\n"
            "identity cannot be verified). An email gives the person the reason and their\n"
            "right to complain to the supervisory authority.\n\n" PUBLIC_URL_HELP "\n",
    };
    static const char *const what[RK_RQE__COUNT] = {[RK_RQE_START] = "request start",
                                                    [RK_RQE_EXTEND] = "request extend",
                                                    [RK_RQE_COMPLETE] = "request complete",
                                                    [RK_RQE_REJECT] = "request reject"};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv, usage[kind], opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_request_event ev = {
        .kind = kind, .at = rk_time_now(), .reason = reason, .note = note};
    int mail = kind == RK_RQE_EXTEND   ? RK_RQM_EXTENDED
               : kind == RK_RQE_REJECT ? RK_RQM_REJECTED
                                       : -1;
    struct rk_tz *tz = calloc(1, sizeof *tz);
    rc = RK_EXIT_USAGE;
    if ((months && kind != RK_RQE_EXTEND) ||
        (reason && kind != RK_RQE_EXTEND && kind != RK_RQE_REJECT) ||
        ((note || out_dir || grounds) && kind != RK_RQE_COMPLETE)) {
        rk_cli_error("%s: an option does not belong to this step; see '%s --help'", what[kind],
                     what[kind]);
        goto out;
    }
    if (kind == RK_RQE_EXTEND) {
        char *end = NULL;
        ev.months = months ? (int)strtol(months, &end, 10) : 0;
        if (!months || *end || end == months) {
            rk_cli_error("--months: expected 1 or 2");
            goto out;
        }
    }
    if (!tz || (rc = open_with_tz(&env, tz, true, what[kind])) != RK_EXIT_OK)
        goto out;
    rc = transition(&env, tz, &ev, mail, url, what[kind], out_dir, grounds);
out:
    rk_cli_env_close(&env);
    free(tz);
    return rc;
}

static const struct rk_cli_sub request_subs[] = {
    {.name = "new", .summary = "record a new request", .run = request_new},
    {.name = "list", .summary = "list the requests", .run = request_list},
    {.name = "show", .summary = "show a request and its events", .run = request_show},
    {.name = "verify",
     .summary = "record the requester's identity as verified",
     .run = request_verify},
    {.name = "start",
     .summary = "start work on a request",
     .run_kind = request_step,
     .kind = RK_RQE_START},
    {.name = "extend",
     .summary = "extend the deadline (art 12(3))",
     .run_kind = request_step,
     .kind = RK_RQE_EXTEND},
    {.name = "complete",
     .summary = "complete a request",
     .run_kind = request_step,
     .kind = RK_RQE_COMPLETE},
    {.name = "reject",
     .summary = "reject a request, with grounds",
     .run_kind = request_step,
     .kind = RK_RQE_REJECT},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_request = {
    .name = "request",
    .summary = "data-subject requests: new, list, show, verify, extend, complete, reject",
    .subs = request_subs,
    .expected = "request: expected new, list, show, verify, start, extend, complete or reject"};
