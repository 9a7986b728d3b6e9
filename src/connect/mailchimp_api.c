/*
 * mailchimp_api.c — the Mailchimp Marketing API 3.0 client's pure functions
 * (mailchimp_api.h): the data centre and base URL from an API key, the
 * subscriber hash (nettle's MD5), the member, tags and batch bodies, and the
 * parsers of problem JSON errors, member list pages and batch statuses. No
 * I/O; no personal data or key in any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nettle/md5.h>

#include "connect/mailchimp_api.h"
#include "connect/connect.h"

#define EMAIL_MAX 254

static const char *const status_names[RK_MC_ST__COUNT] = {
    "", "subscribed", "unsubscribed", "cleaned", "pending", "transactional", "archived"};

const char *rk_mc_status_name(enum rk_mc_status s) {
    return (unsigned)s < RK_MC_ST__COUNT ? status_names[s] : "";
}

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z'); }
static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whether s[0..n) is a data centre: 2–16 bytes, lower-case letters then at least one digit. */
static bool dc_ok(const char *s, size_t n) {
    if (n < 2 || n > RK_MC_DC_MAX)
        return false;
    size_t i = 0;
    while (i < n && is_lower(s[i]))
        i++;
    if (i == 0 || i == n)
        return false;
    while (i < n && is_digit(s[i]))
        i++;
    return i == n;
}

/* ---- The account ---------------------------------------------------------------------------- */

rk_err rk_mc_datacenter(const char *api_key, char dc[RK_MC_DC_MAX + 1], struct rk_error *e) {
    if (!api_key || api_key[0] == '\0')
        return rk_error_set(e, RK_EINVAL, "api_key", "the Mailchimp API key is empty");
    size_t len = strnlen(api_key, RK_MC_KEY_MAX + 1);
    if (len > RK_MC_KEY_MAX)
        return rk_error_set(e, RK_EINVAL, "api_key",
                            "the Mailchimp API key is longer than %d bytes", RK_MC_KEY_MAX);
    const char *dash = strrchr(api_key, '-');
    if (!dash)
        return rk_error_set(e, RK_EINVAL, "api_key",
                            "the Mailchimp API key has no data centre suffix (\"-us6\")");
    for (const char *p = api_key; p < dash; p++)
        if (!is_alnum(*p))
            return rk_error_set(e, RK_EINVAL, "api_key",
                                "the Mailchimp API key may hold only letters and digits before "
                                "its data centre suffix");
    if (dash == api_key)
        return rk_error_set(e, RK_EINVAL, "api_key",
                            "the Mailchimp API key has nothing before its data centre suffix");
    size_t n = len - (size_t)(dash + 1 - api_key);
    if (!dc_ok(dash + 1, n))
        return rk_error_set(e, RK_EINVAL, "api_key",
                            "the Mailchimp API key's data centre suffix is not lower-case "
                            "letters followed by digits (\"-us6\")");
    memcpy(dc, dash + 1, n);
    dc[n] = '\0';
    return RK_OK;
}

rk_err rk_mc_base_url(const char *dc, char out[RK_MC_URL_MAX + 1], struct rk_error *e) {
    if (!dc || !dc_ok(dc, strnlen(dc, RK_MC_DC_MAX + 1)))
        return rk_error_set(e, RK_EINVAL, "dc",
                            "not a Mailchimp data centre (lower-case letters followed by "
                            "digits, \"us6\")");
    snprintf(out, RK_MC_URL_MAX + 1, "https://%s.api.mailchimp.com/3.0", dc);
    return RK_OK;
}

/* ---- The member ----------------------------------------------------------------------------- */

rk_err rk_mc_subscriber_hash(const char *email, char out[RK_MC_HASH_LEN + 1], struct rk_error *e) {
    const char *s = email ? email : "";
    while (is_space(*s))
        s++;
    size_t n = strnlen(s, EMAIL_MAX + 64);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n == 0)
        return rk_error_set(e, RK_EINVAL, "email", "the email address is empty");
    if (n > EMAIL_MAX)
        return rk_error_set(e, RK_EINVAL, "email", "the email address is longer than %d bytes",
                            EMAIL_MAX);
    char low[EMAIL_MAX];
    for (size_t i = 0; i < n; i++) {
        low[i] = s[i];
        if (low[i] >= 'A' && low[i] <= 'Z')
            low[i] = (char)(low[i] | 0x20);
    }
    struct md5_ctx ctx;
    uint8_t digest[MD5_DIGEST_SIZE];
    md5_init(&ctx);
    md5_update(&ctx, n, (const uint8_t *)low);
    md5_digest(&ctx, MD5_DIGEST_SIZE, digest);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < MD5_DIGEST_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[RK_MC_HASH_LEN] = '\0';
    return RK_OK;
}

/* Dumps j (taken) compactly in insertion order onto out. */
static rk_err dump(json_t *j, struct rk_buf *out) {
    if (!j)
        return RK_ENOMEM;
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!text)
        return RK_ENOMEM;
    rk_buf_puts(out, text);
    free(text);
    return rk_buf_status(out);
}

/* Sets obj[key] to the text v; false when v is not UTF-8 (or memory ran out). */
static bool set_text(json_t *obj, const char *key, const char *v) {
    json_t *s = json_string(v);
    return s && json_object_set_new(obj, key, s) == 0;
}

static rk_err status_member(json_t *j, const char *key, enum rk_mc_status s, struct rk_error *e) {
    if (s == RK_MC_ST_NONE)
        return RK_OK;
    if (s != RK_MC_ST_SUBSCRIBED && s != RK_MC_ST_UNSUBSCRIBED)
        return rk_error_set(e, RK_EINVAL, key, "%s may only be subscribed or unsubscribed", key);
    return set_text(j, key, rk_mc_status_name(s)) ? RK_OK : RK_ENOMEM;
}

rk_err rk_mc_member_body(const struct rk_mc_member_in *m, struct rk_buf *out, struct rk_error *e) {
    const char *const *v = m->contact ? m->contact->v : NULL;
    if (!(m->shares & RK_MC_SHARES(RK_F_EMAIL)))
        return rk_error_set(e, RK_EREFUSED, "email",
                            "the email category is not shared with this recipient");
    if (!v || !v[RK_F_EMAIL] || v[RK_F_EMAIL][0] == '\0')
        return rk_error_set(e, RK_EREFUSED, "email", "the person has no email address");
    json_t *j = json_object();
    json_t *mf = json_object();
    rk_err err = RK_ENOMEM;
    if (!j || !mf)
        goto done;
    if (!set_text(j, "email_address", v[RK_F_EMAIL])) {
        err = rk_error_set(e, RK_EINVAL, "email", "the email address is not UTF-8");
        goto done;
    }
    if ((err = status_member(j, "status_if_new", m->status_if_new, e)) != RK_OK ||
        (err = status_member(j, "status", m->status, e)) != RK_OK)
        goto done;
    const char *name = (m->shares & RK_MC_SHARES(RK_F_NAME)) ? v[RK_F_NAME] : NULL;
    if (name) {
        const char *sp = strrchr(name, ' ');
        size_t fl = sp ? (size_t)(sp - name) : strlen(name);
        /* json_object_set_new refuses a NULL value, which is what a text not UTF-8 gives. */
        if (json_object_set_new(mf, "FNAME", json_stringn(name, fl)) != 0 ||
            !set_text(mf, "LNAME", sp ? sp + 1 : "")) {
            err = rk_error_set(e, RK_EINVAL, "name", "the name is not UTF-8");
            goto done;
        }
    }
    const char *phone = (m->shares & RK_MC_SHARES(RK_F_PHONE)) ? v[RK_F_PHONE] : NULL;
    if (phone && !set_text(mf, "PHONE", phone)) {
        err = rk_error_set(e, RK_EINVAL, "phone", "the phone number is not UTF-8");
        goto done;
    }
    if (json_object_size(mf) > 0 && json_object_set(j, "merge_fields", mf) != 0) {
        err = RK_ENOMEM;
        goto done;
    }
    err = dump(json_incref(j), out);
done:
    json_decref(mf);
    json_decref(j);
    return err;
}

rk_err rk_mc_tags_body(const char *const *names, size_t n, bool active, struct rk_buf *out,
                       struct rk_error *e) {
    if (n == 0 || n > 50)
        return rk_error_set(e, RK_EINVAL, "tags", "a tags body names 1 to 50 tags, not %zu", n);
    json_t *tags = json_array();
    if (!tags)
        return RK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        json_t *name = len > 0 && len <= 100 ? json_string(names[i]) : NULL;
        if (!name) {
            json_decref(tags);
            char where[32];
            snprintf(where, sizeof where, "tags[%zu]", i);
            return rk_error_set(e, RK_EINVAL, where, "a tag's name is 1 to 100 bytes of UTF-8");
        }
        if (json_array_append_new(tags, json_pack("{s:o, s:s}", "name", name, "status",
                                                  active ? "active" : "inactive")) != 0) {
            json_decref(tags);
            return RK_ENOMEM;
        }
    }
    return dump(json_pack("{s:o}", "tags", tags), out);
}

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

/* Whether text is a JSON object. */
static bool json_object_text(const char *text) {
    json_t *parsed = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    bool ok = json_is_object(parsed);
    json_decref(parsed);
    return ok;
}

/* Checks op i; RK_OK or RK_EINVAL with where naming the member at fault. */
static rk_err op_ok(const struct rk_mc_op *op, size_t i, struct rk_error *e) {
    char where[RK_ERROR_WHERE_MAX];
    bool known = false;
    for (size_t k = 0; op->method && k < sizeof methods / sizeof methods[0]; k++)
        known |= strcmp(op->method, methods[k]) == 0;
    if (!known) {
        snprintf(where, sizeof where, "operations[%zu].method", i);
        return rk_error_set(e, RK_EINVAL, where,
                            "the method is not one of GET, POST, PUT, PATCH, DELETE");
    }
    if (!op->path || op->path[0] != '/') {
        snprintf(where, sizeof where, "operations[%zu].path", i);
        return rk_error_set(e, RK_EINVAL, where, "the path does not start with '/'");
    }
    if (op->body && !json_object_text(op->body)) {
        snprintf(where, sizeof where, "operations[%zu].body", i);
        return rk_error_set(e, RK_EINVAL, where, "the body is not a JSON object");
    }
    return RK_OK;
}

rk_err rk_mc_batch_body(const struct rk_mc_op *ops, size_t n, struct rk_buf *out,
                        struct rk_error *e) {
    if (n == 0 || n > 1000)
        return rk_error_set(e, RK_EINVAL, "operations",
                            "a batch holds 1 to 1000 operations, not %zu", n);
    for (size_t i = 0; i < n; i++) {
        rk_err err = op_ok(&ops[i], i, e);
        if (err != RK_OK)
            return err;
    }
    json_t *arr = json_array();
    if (!arr)
        return RK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct rk_mc_op *op = &ops[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) != 0 || !set_text(o, "method", op->method)) {
            json_decref(arr);
            return RK_ENOMEM;
        }
        const char *bad = NULL;
        if (!set_text(o, "path", op->path))
            bad = "path";
        else if (op->operation_id && !set_text(o, "operation_id", op->operation_id))
            bad = "operation_id";
        else if (op->body && !set_text(o, "body", op->body))
            bad = "body";
        if (bad) {
            json_decref(arr);
            char where[RK_ERROR_WHERE_MAX];
            snprintf(where, sizeof where, "operations[%zu].%s", i, bad);
            return rk_error_set(e, RK_EINVAL, where, "the %s is not UTF-8", bad);
        }
    }
    return dump(json_pack("{s:o}", "operations", arr), out);
}

/* ---- The answers ---------------------------------------------------------------------------- */

/* Copies v into dst (size n) when it is a usable title or type: printable ASCII, no '@',
 * shorter than n. Leaves dst "" otherwise. */
static void copy_safe(char *dst, size_t n, const json_t *v) {
    dst[0] = '\0';
    if (!json_is_string(v))
        return;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0 || len >= n)
        return;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '@')
            return;
    memcpy(dst, s, len + 1);
}

rk_err rk_mc_problem_error(long http_status, const char *body, size_t len,
                           struct rk_mc_problem *out, struct rk_error *e) {
    struct rk_mc_problem p = {.status = http_status, .title = "", .type = ""};
    const char *why = NULL;
    json_t *j = NULL;
    if (!body || len == 0)
        why = "no body";
    else if (len > RK_MC_BODY_MAX)
        why = "a body longer than 64 KiB";
    else
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!why && !json_is_object(j))
        why = "a body that is not problem JSON";
    else if (!why) {
        json_t *st = json_object_get(j, "status");
        if (json_is_integer(st) && json_integer_value(st) >= 100 && json_integer_value(st) <= 599)
            p.status = (long)json_integer_value(st);
        copy_safe(p.title, sizeof p.title, json_object_get(j, "title"));
        copy_safe(p.type, sizeof p.type, json_object_get(j, "type"));
        if (p.title[0] == '\0' && p.type[0] == '\0')
            why = "no usable title or type";
    }
    json_decref(j);
    if (out)
        *out = p;
    rk_err code = rk_connect_status_err(p.status);
    if (why)
        return rk_error_set(e, code, NULL, "Mailchimp answered %ld (%s)", p.status, why);
    if (p.type[0] == '\0')
        return rk_error_set(e, code, NULL, "Mailchimp answered %ld %s", p.status, p.title);
    return rk_error_set(e, code, NULL, "Mailchimp answered %ld %s%s(%s)", p.status, p.title,
                        p.title[0] ? " " : "", p.type);
}

void rk_mc_page_free(struct rk_mc_page *p) {
    if (!p)
        return;
    free(p->members);
    json_decref(p->doc);
    *p = (struct rk_mc_page){.members = NULL, .n = 0, .total_items = -1, .doc = NULL};
}

/* The text member key of o into *dst ("" when absent); false when present but not a text. */
static bool text_of(const json_t *o, const char *key, const char **dst) {
    const json_t *v = json_object_get(o, key);
    *dst = "";
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return false;
    *dst = json_string_value(v);
    return true;
}

static rk_err member_at(const json_t *o, size_t i, struct rk_mc_member *m, struct rk_error *e) {
    char where[RK_ERROR_WHERE_MAX];
    if (!json_is_object(o)) {
        snprintf(where, sizeof where, "members[%zu]", i);
        return rk_error_set(e, RK_EPARSE, where, "a member of the list page is not an object");
    }
    const json_t *em = json_object_get(o, "email_address");
    if (!json_is_string(em) || json_string_length(em) == 0) {
        snprintf(where, sizeof where, "members[%zu].email_address", i);
        return rk_error_set(e, RK_EPARSE, where, "a member has no email_address text");
    }
    m->email = json_string_value(em);
    const json_t *st = json_object_get(o, "status");
    m->status = RK_MC_ST_NONE;
    for (int s = RK_MC_ST_SUBSCRIBED; json_is_string(st) && s < RK_MC_ST__COUNT; s++)
        if (strcmp(json_string_value(st), status_names[s]) == 0)
            m->status = (enum rk_mc_status)s;
    if (m->status == RK_MC_ST_NONE) {
        snprintf(where, sizeof where, "members[%zu].status", i);
        return rk_error_set(e, RK_EPARSE, where, "a member's status is not one Mailchimp defines");
    }
    static const char *const fields[] = {"timestamp_signup", "ip_signup", "timestamp_opt",
                                         "ip_opt"};
    const char **dst[] = {&m->timestamp_signup, &m->ip_signup, &m->timestamp_opt, &m->ip_opt};
    for (size_t k = 0; k < 4; k++)
        if (!text_of(o, fields[k], dst[k])) {
            snprintf(where, sizeof where, "members[%zu].%s", i, fields[k]);
            return rk_error_set(e, RK_EPARSE, where, "%s is not a text", fields[k]);
        }
    const json_t *mf = json_object_get(o, "merge_fields");
    m->fname = m->lname = m->phone = "";
    if (mf && !json_is_null(mf)) {
        static const char *const merge[] = {"FNAME", "LNAME", "PHONE"};
        const char **mdst[] = {&m->fname, &m->lname, &m->phone};
        if (!json_is_object(mf)) {
            snprintf(where, sizeof where, "members[%zu].merge_fields", i);
            return rk_error_set(e, RK_EPARSE, where, "merge_fields is not an object");
        }
        for (size_t k = 0; k < 3; k++)
            if (!text_of(mf, merge[k], mdst[k])) {
                snprintf(where, sizeof where, "members[%zu].merge_fields.%s", i, merge[k]);
                return rk_error_set(e, RK_EPARSE, where, "merge field %s is not a text", merge[k]);
            }
    }
    return RK_OK;
}

rk_err rk_mc_parse_members(const char *body, size_t len, struct rk_mc_page *out,
                           struct rk_error *e) {
    *out = (struct rk_mc_page){.members = NULL, .n = 0, .total_items = -1, .doc = NULL};
    if (len > RK_MC_PAGE_MAX)
        return rk_error_set(e, RK_EPARSE, NULL, "the member list page is longer than 32 MiB");
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return rk_error_set(e, RK_EPARSE, NULL,
                            "the member list page is not JSON (line %d, column %d)", je.line,
                            je.column);
    rk_err err = RK_OK;
    const json_t *arr = json_object_get(j, "members");
    const json_t *total = json_object_get(j, "total_items");
    if (!json_is_object(j))
        err = rk_error_set(e, RK_EPARSE, NULL, "the member list page is not an object");
    else if (!json_is_array(arr))
        err = rk_error_set(e, RK_EPARSE, "members", "the member list page has no members array");
    else if (total && !(json_is_integer(total) && json_integer_value(total) >= 0))
        err =
            rk_error_set(e, RK_EPARSE, "total_items", "total_items is not a non-negative integer");
    if (err != RK_OK) {
        json_decref(j);
        return err;
    }
    size_t n = json_array_size(arr);
    struct rk_mc_member *m = n ? calloc(n, sizeof *m) : NULL;
    if (n && !m) {
        json_decref(j);
        return RK_ENOMEM;
    }
    for (size_t i = 0; i < n && err == RK_OK; i++)
        err = member_at(json_array_get(arr, i), i, &m[i], e);
    if (err != RK_OK) {
        free(m);
        json_decref(j);
        return err;
    }
    out->members = m;
    out->n = n;
    out->total_items = total ? (long long)json_integer_value(total) : -1;
    out->doc = j;
    return RK_OK;
}

static const char *const batch_states[] = {"pending", "preprocessing", "started", "finalizing",
                                           "finished"};

rk_err rk_mc_parse_batch(const char *body, size_t len, struct rk_mc_batch *out,
                         struct rk_error *e) {
    if (len > RK_MC_BODY_MAX)
        return rk_error_set(e, RK_EPARSE, NULL, "the batch answer is longer than 64 KiB");
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return rk_error_set(e, RK_EPARSE, NULL, "the batch answer is not JSON (line %d, column %d)",
                            je.line, je.column);
    struct rk_mc_batch b = {.id = "", .state = RK_MC_BATCH_PENDING};
    rk_err err = RK_OK;
    const json_t *id = json_object_get(j, "id");
    const json_t *st = json_object_get(j, "status");
    if (!json_is_object(j)) {
        err = rk_error_set(e, RK_EPARSE, NULL, "the batch answer is not an object");
        goto done;
    }
    copy_safe(b.id, sizeof b.id, id);
    if (b.id[0] == '\0') {
        err =
            rk_error_set(e, RK_EPARSE, "id", "the batch id is not 1 to %d bytes of printable text",
                         RK_MC_BATCH_ID_MAX);
        goto done;
    }
    bool known = false;
    for (size_t i = 0; json_is_string(st) && i < sizeof batch_states / sizeof batch_states[0]; i++)
        if (strcmp(json_string_value(st), batch_states[i]) == 0) {
            b.state = (enum rk_mc_batch_state)i;
            known = true;
        }
    if (!known) {
        err = rk_error_set(e, RK_EPARSE, "status",
                           "the batch status is not one of pending, preprocessing, started, "
                           "finalizing, finished");
        goto done;
    }
    static const char *const counts[] = {"total_operations", "finished_operations",
                                         "errored_operations"};
    long long *dst[] = {&b.total_operations, &b.finished_operations, &b.errored_operations};
    for (size_t k = 0; k < 3; k++) {
        const json_t *v = json_object_get(j, counts[k]);
        *dst[k] = 0;
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            err = rk_error_set(e, RK_EPARSE, counts[k], "%s is not a non-negative integer",
                               counts[k]);
            goto done;
        }
        *dst[k] = (long long)json_integer_value(v);
    }
    if (b.finished_operations > b.total_operations || b.errored_operations > b.total_operations) {
        err = rk_error_set(e, RK_EPARSE, "finished_operations",
                           "the batch counts more operations done than it holds");
        goto done;
    }
    *out = b;
done:
    json_decref(j);
    return err;
}
