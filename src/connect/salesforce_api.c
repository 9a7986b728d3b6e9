/*
 * salesforce_api.c — the Salesforce REST API client's pure functions
 * (salesforce_api.h): the OAuth token request and answer, the Contact body,
 * the error answer, the query page, and Bulk API 2.0's job body, job info,
 * batch CSV and failedResults CSV. No I/O; no personal data, token or secret
 * in any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "connect/salesforce_api.h"
#include "connect/connect.h"
#include "util/csv.h"
#include "util/utf8.h"

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

bool rk_sf_field_name_ok(const char *s) {
    size_t n = s ? strnlen(s, RK_SF_FIELD_MAX + 1) : 0;
    if (n == 0 || n > RK_SF_FIELD_MAX || !is_alpha(s[0]))
        return false;
    bool custom = n > 3 && strcmp(s + n - 3, "__c") == 0;
    size_t end = custom ? n - 3 : n;
    for (size_t i = 1; i < end; i++) {
        if (is_alnum(s[i]))
            continue;
        if (s[i] != '_' || s[i - 1] == '_')
            return false;
    }
    return s[end - 1] != '_';
}

/* Whether s (len bytes) is an id: 15 or 18 letters and digits. */
static bool id_ok(const char *s, size_t len) {
    if (len != 15 && len != 18)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]))
            return false;
    return true;
}

/* Whether s (len bytes) is printable ASCII (no space when nospace). */
static bool printable(const char *s, size_t len, bool nospace) {
    for (size_t i = 0; i < len; i++)
        if (s[i] < (nospace ? 0x21 : 0x20) || s[i] > 0x7e)
            return false;
    return true;
}

/* ---- OAuth ---------------------------------------------------------------------------------- */

static void put_form(struct rk_buf *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_alnum((char)*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rk_buf_putc(out, (char)*p);
        } else {
            rk_buf_putc(out, '%');
            rk_buf_putc(out, hex[*p >> 4]);
            rk_buf_putc(out, hex[*p & 15]);
        }
    }
}

static rk_err cred_ok(const char *v, const char *what, struct rk_error *e) {
    size_t n = v ? strnlen(v, RK_SF_CRED_MAX + 1) : 0;
    if (n == 0)
        return rk_error_set(e, RK_EINVAL, what, "the Salesforce %s is empty", what);
    if (n > RK_SF_CRED_MAX)
        return rk_error_set(e, RK_EINVAL, what, "the Salesforce %s is longer than %d bytes", what,
                            RK_SF_CRED_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return rk_error_set(e, RK_EINVAL, what, "the Salesforce %s holds a control character",
                                what);
    return RK_OK;
}

rk_err rk_sf_token_body(const char *client_id, const char *client_secret, struct rk_buf *out,
                        struct rk_error *e) {
    rk_err err = cred_ok(client_id, "client_id", e);
    if (err == RK_OK)
        err = cred_ok(client_secret, "client_secret", e);
    if (err != RK_OK)
        return err;
    rk_buf_puts(out, "grant_type=client_credentials&client_id=");
    put_form(out, client_id);
    rk_buf_puts(out, "&client_secret=");
    put_form(out, client_secret);
    return rk_buf_status(out);
}

/* Loads body as a JSON object into *out; RK_EPARSE with e when it is not one, or is longer
 * than max. */
static rk_err load(const char *body, size_t len, size_t max, const char *what, json_t **out,
                   struct rk_error *e) {
    *out = NULL;
    if (len > max)
        return rk_error_set(e, RK_EPARSE, NULL, "the %s is longer than %zu KiB", what, max / 1024);
    json_error_t je;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return rk_error_set(e, RK_EPARSE, NULL, "the %s is not JSON (line %d, column %d)", what,
                            je.line, je.column);
    if (!json_is_object(j)) {
        json_decref(j);
        return rk_error_set(e, RK_EPARSE, NULL, "the %s is not an object", what);
    }
    *out = j;
    return RK_OK;
}

rk_err rk_sf_parse_token(const char *body, size_t len, struct rk_sf_token *out,
                         struct rk_error *e) {
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    rk_err err = load(body, len, RK_SF_BODY_MAX, "token answer", &j, e);
    if (err != RK_OK)
        return err;
    const json_t *at = json_object_get(j, "access_token"), *iu = json_object_get(j, "instance_url"),
                 *tt = json_object_get(j, "token_type"), *ia = json_object_get(j, "issued_at");
    size_t n = json_string_length(at);
    if (!json_is_string(at) || n == 0 || n > RK_SF_TOKEN_MAX ||
        !printable(json_string_value(at), n, true)) {
        err = rk_error_set(e, RK_EPARSE, "access_token",
                           "access_token is not 1 to %d bytes of printable ASCII", RK_SF_TOKEN_MAX);
        goto done;
    }
    memcpy(out->access_token, json_string_value(at), n + 1);
    const char *u = json_string_value(iu);
    n = json_string_length(iu);
    if (!json_is_string(iu) || n > RK_SF_URL_MAX || !printable(u, n, true) ||
        !(strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) ||
        n <= (size_t)(u[4] == 's' ? 8 : 7) || u[u[4] == 's' ? 8 : 7] == '/') {
        err = rk_error_set(e, RK_EPARSE, "instance_url",
                           "instance_url is not an http(s) URL of at most %d bytes", RK_SF_URL_MAX);
        goto done;
    }
    memcpy(out->instance_url, u, n + 1);
    while (n > 0 && out->instance_url[n - 1] == '/')
        out->instance_url[--n] = '\0';
    if (tt && !(json_is_string(tt) && strcasecmp(json_string_value(tt), "Bearer") == 0)) {
        err = rk_error_set(e, RK_EPARSE, "token_type", "token_type is not Bearer");
        goto done;
    }
    if (ia) {
        const char *s = json_string_value(ia);
        n = json_string_length(ia);
        bool digits = json_is_string(ia) && n > 0 && n <= 18;
        for (size_t i = 0; digits && i < n; i++)
            digits = is_digit(s[i]);
        if (!digits) {
            err = rk_error_set(e, RK_EPARSE, "issued_at",
                               "issued_at is not a text of 1 to 18 digits");
            goto done;
        }
        out->issued_at_ms = strtoll(s, NULL, 10);
    }
done:
    json_decref(j);
    if (err != RK_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* ---- Contact -------------------------------------------------------------------------------- */

/* Sets obj[key] to v (NULL: null); false when v is not UTF-8 or memory ran out. */
static bool set_value(json_t *obj, const char *key, const char *v, size_t n) {
    json_t *s = v ? json_stringn(v, n) : json_null();
    return s && json_object_set_new(obj, key, s) == 0;
}

static const struct {
    enum rk_field f;
    const char *name;
} mapped[] = {{RK_F_EMAIL, "Email"},
              {RK_F_PHONE, "Phone"},
              {RK_F_POSITION, "Title"},
              {RK_F_ORGANISATION, "Department"}};
#define NMAPPED (sizeof mapped / sizeof mapped[0])

/* The name split at its last space: first (NULL when one word) and last. */
static void split_name(const char *name, const char **first, size_t *first_len, const char **last) {
    const char *sp = strrchr(name, ' ');
    *first = sp ? name : NULL;
    *first_len = sp ? (size_t)(sp - name) : 0;
    *last = sp ? sp + 1 : name;
}

rk_err rk_sf_contact_body(const struct rk_sf_contact_in *c, struct rk_buf *out,
                          struct rk_error *e) {
    if (!rk_sf_field_name_ok(c->restriction_field))
        return rk_error_set(e, RK_EINVAL, "restriction_field",
                            "the restriction field is not a Salesforce API field name");
    const char *const *v = c->contact ? c->contact->v : NULL;
    json_t *j = json_object();
    if (!j)
        return RK_ENOMEM;
    const char *bad = NULL;
    const char *name = v && (c->shares & RK_SF_SHARES(RK_F_NAME)) ? v[RK_F_NAME] : NULL;
    if (name && name[0]) {
        const char *first, *last;
        size_t fl;
        split_name(name, &first, &fl, &last);
        if (!set_value(j, "FirstName", first, fl) ||
            !set_value(j, "LastName", last[0] ? last : RK_SF_NO_NAME,
                       last[0] ? strlen(last) : strlen(RK_SF_NO_NAME)))
            bad = "name";
    } else {
        if ((c->shares & RK_SF_SHARES(RK_F_NAME)) && !set_value(j, "FirstName", NULL, 0))
            bad = "name";
        if (!set_value(j, "LastName", RK_SF_NO_NAME, strlen(RK_SF_NO_NAME)))
            bad = "name";
    }
    for (size_t k = 0; !bad && k < NMAPPED; k++) {
        if (!(c->shares & RK_SF_SHARES(mapped[k].f)))
            continue;
        const char *x = v ? v[mapped[k].f] : NULL;
        if (x && !x[0])
            x = NULL;
        if (!set_value(j, mapped[k].name, x, x ? strlen(x) : 0))
            bad = rk_field_id(mapped[k].f);
    }
    if (!bad && json_object_set_new(j, c->restriction_field, json_boolean(c->restricted)) != 0)
        bad = "restriction_field";
    if (bad) {
        json_decref(j);
        return rk_error_set(e, RK_EINVAL, bad, "the %s is not UTF-8", bad);
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!text)
        return RK_ENOMEM;
    rk_buf_puts(out, text);
    free(text);
    return rk_buf_status(out);
}

/* ---- Answers -------------------------------------------------------------------------------- */

/* Whether v is an error code: 1–64 bytes of letters, digits and '_'. */
static bool code_ok(const json_t *v) {
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > RK_SF_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_')
            return false;
    return true;
}

static rk_err code_for(long status, const char *code) {
    if (status == 403 && strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0)
        return RK_EBUSY;
    return rk_connect_status_err(status);
}

rk_err rk_sf_problem_error(long http_status, const char *body, size_t len,
                           struct rk_sf_problem *out, struct rk_error *e) {
    struct rk_sf_problem p = {.status = http_status, .code = ""};
    const char *why = NULL;
    char codes[3 * (RK_SF_CODE_MAX + 2) + 32] = "";
    size_t ncodes = 0, more = 0;
    json_t *j = NULL;
    if (!body || len == 0)
        why = "no body";
    else if (len > RK_SF_BODY_MAX)
        why = "a body longer than 64 KiB";
    else
        j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!why && json_is_object(j)) {
        const json_t *c = json_object_get(j, "error");
        if (code_ok(c)) {
            memcpy(codes, json_string_value(c), json_string_length(c) + 1);
            ncodes = 1;
        }
    } else if (!why && json_is_array(j)) {
        size_t i;
        const json_t *item;
        json_array_foreach(j, i, item) {
            const json_t *c = json_object_get(item, "errorCode");
            if (!code_ok(c) || strstr(codes, json_string_value(c)))
                continue;
            if (ncodes == 3) {
                more++;
                continue;
            }
            size_t at = strlen(codes);
            snprintf(codes + at, sizeof codes - at, "%s%s", ncodes ? ", " : "",
                     json_string_value(c));
            ncodes++;
        }
    } else if (!why)
        why = "a body that is not a Salesforce error";
    if (!why && ncodes == 0)
        why = "no usable errorCode";
    json_decref(j);
    if (ncodes) {
        size_t cl = strcspn(codes, ",");
        memcpy(p.code, codes, cl);
        p.code[cl] = '\0';
    }
    if (out)
        *out = p;
    rk_err code = code_for(http_status, p.code);
    if (why)
        return rk_error_set(e, code, NULL, "Salesforce answered %ld (%s)", http_status, why);
    if (more)
        return rk_error_set(e, code, NULL, "Salesforce answered %ld %s and %zu more", http_status,
                            codes, more);
    return rk_error_set(e, code, NULL, "Salesforce answered %ld %s", http_status, codes);
}

void rk_sf_page_free(struct rk_sf_page *p) {
    if (!p)
        return;
    free(p->records);
    json_decref(p->doc);
    *p = (struct rk_sf_page){.records = NULL, .n = 0, .next_url = "", .doc = NULL};
}

static rk_err record_at(const json_t *o, size_t i, const char *ext, struct rk_sf_record *r,
                        struct rk_error *e) {
    char where[RK_ERROR_WHERE_MAX];
    if (!json_is_object(o)) {
        snprintf(where, sizeof where, "records[%zu]", i);
        return rk_error_set(e, RK_EPARSE, where, "a record of the query page is not an object");
    }
    const json_t *id = json_object_get(o, "Id");
    if (!json_is_string(id) || !id_ok(json_string_value(id), json_string_length(id))) {
        snprintf(where, sizeof where, "records[%zu].Id", i);
        return rk_error_set(e, RK_EPARSE, where,
                            "a record's Id is not 15 or 18 letters and digits");
    }
    r->id = json_string_value(id);
    const char *names[] = {"FirstName", "LastName", "Email", "Phone", "Title", "Department", ext};
    const char **dst[] = {&r->first_name, &r->last_name,  &r->email,      &r->phone,
                          &r->title,      &r->department, &r->external_id};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const json_t *v = json_object_get(o, names[k]);
        *dst[k] = "";
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            snprintf(where, sizeof where, "records[%zu].%s", i, names[k]);
            return rk_error_set(e, RK_EPARSE, where, "%s is not a text", names[k]);
        }
        *dst[k] = json_string_value(v);
    }
    return RK_OK;
}

rk_err rk_sf_parse_query(const char *body, size_t len, const char *external_id_field,
                         struct rk_sf_page *out, struct rk_error *e) {
    *out = (struct rk_sf_page){.records = NULL, .n = 0, .next_url = "", .doc = NULL};
    if (!rk_sf_field_name_ok(external_id_field))
        return rk_error_set(e, RK_EINVAL, "external_id_field",
                            "the external id field is not a Salesforce API field name");
    json_t *j = NULL;
    rk_err err = load(body, len, RK_SF_PAGE_MAX, "query page", &j, e);
    if (err != RK_OK)
        return err;
    const json_t *ts = json_object_get(j, "totalSize"), *done = json_object_get(j, "done"),
                 *next = json_object_get(j, "nextRecordsUrl"), *arr = json_object_get(j, "records");
    if (!json_is_integer(ts) || json_integer_value(ts) < 0)
        err = rk_error_set(e, RK_EPARSE, "totalSize", "totalSize is not a non-negative integer");
    else if (!json_is_boolean(done))
        err = rk_error_set(e, RK_EPARSE, "done", "done is not a boolean");
    else if (!json_is_array(arr))
        err = rk_error_set(e, RK_EPARSE, "records", "the query page has no records array");
    else if (!json_is_true(done)) {
        const char *u = json_string_value(next);
        size_t n = json_string_length(next);
        if (!json_is_string(next) || n > RK_SF_NEXT_MAX || !printable(u, n, true) ||
            strncmp(u, "/services/data/", 15) != 0 || strstr(u, ".."))
            err = rk_error_set(e, RK_EPARSE, "nextRecordsUrl",
                               "nextRecordsUrl is not a /services/data/ path of at most %d bytes",
                               RK_SF_NEXT_MAX);
    }
    size_t n = err == RK_OK ? json_array_size(arr) : 0;
    struct rk_sf_record *r = n ? calloc(n, sizeof *r) : NULL;
    if (n && !r)
        err = RK_ENOMEM;
    for (size_t i = 0; i < n && err == RK_OK; i++)
        err = record_at(json_array_get(arr, i), i, external_id_field, &r[i], e);
    if (err != RK_OK) {
        free(r);
        json_decref(j);
        return err;
    }
    out->records = r;
    out->n = n;
    out->total_size = (long long)json_integer_value(ts);
    out->done = json_is_true(done);
    out->next_url = out->done ? "" : json_string_value(next);
    out->doc = j;
    return RK_OK;
}

/* ---- Bulk API 2.0 --------------------------------------------------------------------------- */

rk_err rk_sf_job_body(const char *external_id_field, struct rk_buf *out, struct rk_error *e) {
    if (!rk_sf_field_name_ok(external_id_field))
        return rk_error_set(e, RK_EINVAL, "external_id_field",
                            "the external id field is not a Salesforce API field name");
    rk_buf_printf(out,
                  "{\"object\":\"Contact\",\"externalIdFieldName\":\"%s\",\"contentType\":\"CSV\","
                  "\"operation\":\"upsert\",\"lineEnding\":\"LF\"}",
                  external_id_field);
    return rk_buf_status(out);
}

static const char *const job_states[] = {"Open",        "UploadComplete", "InProgress",
                                         "JobComplete", "Failed",         "Aborted"};

const char *rk_sf_job_state_name(enum rk_sf_job_state s) {
    return (unsigned)s < sizeof job_states / sizeof job_states[0] ? job_states[s] : "";
}

rk_err rk_sf_parse_job(const char *body, size_t len, struct rk_sf_job *out, struct rk_error *e) {
    json_t *j = NULL;
    rk_err err = load(body, len, RK_SF_BODY_MAX, "job answer", &j, e);
    if (err != RK_OK)
        return err;
    struct rk_sf_job b = {.id = "", .state = RK_SF_JOB_OPEN};
    const json_t *id = json_object_get(j, "id"), *st = json_object_get(j, "state");
    if (!json_is_string(id) || !id_ok(json_string_value(id), json_string_length(id))) {
        err = rk_error_set(e, RK_EPARSE, "id", "the job id is not 15 or 18 letters and digits");
        goto done;
    }
    memcpy(b.id, json_string_value(id), json_string_length(id) + 1);
    bool known = false;
    for (size_t i = 0; json_is_string(st) && i < sizeof job_states / sizeof job_states[0]; i++)
        if (strcmp(json_string_value(st), job_states[i]) == 0) {
            b.state = (enum rk_sf_job_state)i;
            known = true;
        }
    if (!known) {
        err = rk_error_set(e, RK_EPARSE, "state",
                           "the job state is not one of Open, UploadComplete, InProgress, "
                           "JobComplete, Failed, Aborted");
        goto done;
    }
    static const char *const counts[] = {"numberRecordsProcessed", "numberRecordsFailed"};
    long long *dst[] = {&b.processed, &b.failed};
    for (size_t k = 0; k < 2; k++) {
        const json_t *v = json_object_get(j, counts[k]);
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            err = rk_error_set(e, RK_EPARSE, counts[k], "%s is not a non-negative integer",
                               counts[k]);
            goto done;
        }
        *dst[k] = (long long)json_integer_value(v);
    }
    if (b.failed > b.processed) {
        err = rk_error_set(e, RK_EPARSE, "numberRecordsFailed",
                           "the job counts more failed records than processed ones");
        goto done;
    }
    *out = b;
done:
    json_decref(j);
    return err;
}

static bool person_id_ok(const char *s) {
    if (!s || !s[0] || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!is_alnum(*s))
            return false;
    return true;
}

/* Appends one CSV cell: "#N/A" for NULL or "", else the value quoted. */
static rk_err cell(struct rk_buf *out, const char *v, size_t row, const char *field,
                   struct rk_error *e) {
    rk_buf_putc(out, ',');
    if (!v || !v[0]) {
        rk_buf_puts(out, "#N/A");
        return RK_OK;
    }
    if (!rk_utf8_valid(v, strlen(v)) || strcmp(v, "#N/A") == 0) {
        char where[RK_ERROR_WHERE_MAX];
        snprintf(where, sizeof where, "rows[%zu].%s", row, field);
        return rk_error_set(e, RK_EINVAL, where, "the %s is not UTF-8 or is \"#N/A\"", field);
    }
    rk_buf_put_csv(out, v);
    return RK_OK;
}

rk_err rk_sf_batch_csv(const struct rk_sf_row *rows, size_t n, unsigned shares,
                       const char *external_id_field, const char *restriction_field,
                       struct rk_buf *out, struct rk_error *e) {
    if (n == 0 || n > 10000)
        return rk_error_set(e, RK_EINVAL, "rows", "a batch holds 1 to 10000 rows, not %zu", n);
    if (!rk_sf_field_name_ok(external_id_field))
        return rk_error_set(e, RK_EINVAL, "external_id_field",
                            "the external id field is not a Salesforce API field name");
    if (!rk_sf_field_name_ok(restriction_field))
        return rk_error_set(e, RK_EINVAL, "restriction_field",
                            "the restriction field is not a Salesforce API field name");
    bool name = shares & RK_SF_SHARES(RK_F_NAME);
    rk_buf_puts(out, external_id_field);
    rk_buf_puts(out, name ? ",FirstName,LastName" : ",LastName");
    for (size_t k = 0; k < NMAPPED; k++)
        if (shares & RK_SF_SHARES(mapped[k].f))
            rk_buf_printf(out, ",%s", mapped[k].name);
    rk_buf_printf(out, ",%s\n", restriction_field);
    for (size_t i = 0; i < n; i++) {
        const char *const *v = rows[i].contact ? rows[i].contact->v : NULL;
        if (!person_id_ok(rows[i].person_id)) {
            char where[RK_ERROR_WHERE_MAX];
            snprintf(where, sizeof where, "rows[%zu].person_id", i);
            return rk_error_set(e, RK_EINVAL, where,
                                "the person id is not 1 to 64 letters and digits");
        }
        rk_buf_puts(out, rows[i].person_id);
        rk_err err = RK_OK;
        const char *full = name && v ? v[RK_F_NAME] : NULL;
        if (name && full && full[0]) {
            const char *first, *last;
            size_t fl;
            split_name(full, &first, &fl, &last);
            char *f = first ? strndup(first, fl) : NULL;
            if (first && !f)
                return RK_ENOMEM;
            err = cell(out, f, i, "name", e);
            free(f);
            if (err == RK_OK)
                err = cell(out, last[0] ? last : RK_SF_NO_NAME, i, "name", e);
        } else {
            if (name)
                err = cell(out, NULL, i, "name", e);
            if (err == RK_OK)
                err = cell(out, RK_SF_NO_NAME, i, "name", e);
        }
        for (size_t k = 0; err == RK_OK && k < NMAPPED; k++)
            if (shares & RK_SF_SHARES(mapped[k].f))
                err = cell(out, v ? v[mapped[k].f] : NULL, i, rk_field_id(mapped[k].f), e);
        if (err != RK_OK)
            return err;
        rk_buf_puts(out, rows[i].restricted ? ",true\n" : ",false\n");
    }
    return rk_buf_status(out);
}

struct failed_ctx {
    const char *ext;
    rk_sf_failed_fn fn;
    void *ctx;
    long col_err, col_ext;
    size_t width;
    bool header_done;
    rk_err err;
    struct rk_error *e;
    bool refused;
};

static int on_failed_row(void *ctx, const char *const *f, size_t nf, unsigned long line,
                         const char *row_error) {
    struct failed_ctx *c = ctx;
    char where[32];
    snprintf(where, sizeof where, "line %lu", line);
    if (row_error) {
        c->err = rk_error_set(c->e, RK_EPARSE, where, "line %lu: %s", line, row_error);
        return 1;
    }
    if (!c->header_done) {
        c->header_done = true;
        c->width = nf;
        for (size_t i = 0; i < nf; i++) {
            if (strcmp(f[i], "sf__Error") == 0)
                c->col_err = (long)i;
            else if (strcmp(f[i], c->ext) == 0)
                c->col_ext = (long)i;
        }
        if (c->col_err < 0 || c->col_ext < 0) {
            c->err =
                rk_error_set(c->e, RK_EPARSE, where,
                             "line %lu: the header has no sf__Error or external id column", line);
            return 1;
        }
        return 0;
    }
    if (nf != c->width) {
        c->err =
            rk_error_set(c->e, RK_EPARSE, where, "line %lu: the row has %zu fields, the header %zu",
                         line, nf, c->width);
        return 1;
    }
    char code[RK_SF_CODE_MAX + 1] = "";
    const char *s = f[c->col_err];
    size_t cl = strcspn(s, ":");
    bool ok = cl > 0 && cl <= RK_SF_CODE_MAX;
    for (size_t i = 0; ok && i < cl; i++)
        ok = is_alnum(s[i]) || s[i] == '_';
    if (ok) {
        memcpy(code, s, cl);
        code[cl] = '\0';
    }
    if (c->fn(c->ctx, f[c->col_ext], code) != 0) {
        c->refused = true;
        return 1;
    }
    return 0;
}

rk_err rk_sf_parse_failed(const char *body, size_t len, const char *external_id_field,
                          rk_sf_failed_fn fn, void *ctx, struct rk_error *e) {
    if (len > RK_SF_PAGE_MAX)
        return rk_error_set(e, RK_EPARSE, NULL, "the failedResults CSV is longer than 32 MiB");
    struct failed_ctx c = {
        .ext = external_id_field, .fn = fn, .ctx = ctx, .col_err = -1, .col_ext = -1, .e = e};
    struct rk_csv_reader *r = NULL;
    rk_err err = rk_csv_reader_new(on_failed_row, &c, &r);
    if (err != RK_OK)
        return err;
    err = rk_csv_feed(r, body ? body : "", len, e);
    if (err == RK_OK && !rk_csv_stopped(r))
        err = rk_csv_finish(r, e);
    rk_csv_reader_free(r);
    if (c.refused)
        return RK_EREFUSED;
    if (c.err != RK_OK)
        return c.err;
    if (err == RK_OK && !c.header_done)
        err = rk_error_set(e, RK_EPARSE, "line 1", "the failedResults CSV has no header");
    return err;
}
