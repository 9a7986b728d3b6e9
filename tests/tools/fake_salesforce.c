/*
 * fake_salesforce.c — a small fake of the Salesforce REST API for the tests
 * (libmicrohttpd, one thread, jansson, rekisteri's CSV reader), following the
 * public REST API and Bulk API 2.0 developer guides as far as rekisteri's
 * client uses them. It listens on 127.0.0.1 on a free port and prints the
 * port on the first line of stdout.
 *
 * usage: fake_salesforce [--client-id ID] [--client-secret S] [--ext FIELD]
 *                        [--restriction FIELD] [--token-ttl S] [--token-uses N] [--page-size N]
 *                        [--rate-limit N] [--rate-429 N] [--retry-after S] [--fail-jobs 1]
 *                        [--seed FILE] [--log FILE] [--max-seconds S]
 *
 * Endpoints:
 *   POST /services/oauth2/token   form: grant_type=client_credentials, client_id,
 *        client_secret (defaults FAKE_ID, FAKE_SECRET below); 400
 *        {"error":"invalid_client"|"unsupported_grant_type",…} otherwise. The
 *        answer names instance_url http://127.0.0.1:PORT. Tokens live
 *        --token-ttl seconds (0: for ever), and answer --token-uses API requests
 *        (0: any number, the default; a deterministic expiry for the tests); then
 *        401 INVALID_SESSION_ID.
 *   Under /services/data/vNN.N (a Bearer token needed, else 401 INVALID_SESSION_ID):
 *   PATCH  /sobjects/Contact/EXT/VALUE   upsert by external id (EXT must be --ext,
 *          default Rekisteri_Id__c): 201 {"id","success","errors":[],"created":true}
 *          when created, 200 (created false) when updated. The body may name only
 *          FirstName, LastName, Email, Phone, Title, Department (texts or null) and
 *          the --restriction field (default Processing_Restricted__c, a boolean);
 *          anything else 400 INVALID_FIELD (the external id field too: it is in the
 *          path). An Email without '@' is 400 INVALID_EMAIL_ADDRESS; a new Contact
 *          without LastName 400 REQUIRED_FIELD_MISSING.
 *   DELETE /sobjects/Contact/EXT/VALUE   204, or 404 NOT_FOUND.
 *   PATCH  /sobjects/Contact/ID   an update by record Id (204), the external id field
 *          allowed too (how a pulled Contact is linked); 404 NOT_FOUND, 400
 *          DUPLICATE_VALUE when another Contact holds that external id.
 *   GET    /query?q=SELECT … FROM Contact   every Contact, ordered by Id,
 *          --page-size a page (default 2000) with nextRecordsUrl
 *          /services/data/vNN.N/query/01gFAKE-OFFSET while not done.
 *   POST   /jobs/ingest   Bulk API 2.0 (object Contact, operation upsert,
 *          externalIdFieldName EXT, contentType CSV, lineEnding LF): state Open.
 *   PUT    /jobs/ingest/ID/batches   the CSV (once, while Open): 201.
 *   PATCH  /jobs/ingest/ID   {"state":"UploadComplete"|"Aborted"}.
 *   GET    /jobs/ingest/ID   UploadComplete → InProgress on the first poll,
 *          JobComplete on the second (the rows are upserted then, "#N/A" is null;
 *          a row that would be refused above fails with its errorCode; with
 *          --fail-jobs 1 the job ends Failed instead, nothing upserted).
 *   GET    /jobs/ingest/ID/failedResults   "sf__Id","sf__Error", the job's columns.
 * Errors are Salesforce's array [{"message","errorCode","fields"}]. API limits:
 * Salesforce answers an org over its request limit 403 REQUEST_LIMIT_EXCEEDED
 * (REST API Developer Guide, "Status Codes and Error Responses"), which
 * --rate-limit N does to every Nth request; --rate-429 N answers every Nth 429
 * with Retry-After (--retry-after, default 1), as a proxy or an overloaded
 * instance may. --log FILE gets one JSON line per request: method, path, query,
 * fields (the names in the body: JSON keys, the CSV header or the form's names;
 * never the token request's values), body (parsed JSON; null for forms and CSV),
 * rows (CSV), status. GET /_fake/state (no auth, not logged, not counted) dumps
 * the contacts, jobs and counts. --seed FILE: {"contacts": [{field: value, …}]}.
 * It exits on SIGTERM or SIGINT and after --max-seconds (250).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/csv.h"

#define FAKE_ID     "FAKE_ID"
#define FAKE_SECRET "FAKE_SECRET"
#define MAX_BODY    (64u << 20)

static volatile sig_atomic_t stop;
static const char *client_id = FAKE_ID, *client_secret = FAKE_SECRET;
static const char *ext_field = "Rekisteri_Id__c", *restr_field = "Processing_Restricted__c";
static unsigned long token_ttl, page_size = 2000, rate_limit, rate_429, retry_after = 1, fail_jobs;
static unsigned long token_uses;
static unsigned long nreq, ntokens, contact_seq, job_seq;
static unsigned port;
static FILE *log_file;
static json_t *contacts; /* Id → contact */
static json_t *tokens;   /* token → expiry, monotonic ms (0: none) */
static json_t *uses;     /* token → requests it may still answer (--token-uses) */
static json_t *jobs;     /* job id → job info (and "_csv", "_failed", "_polls") */

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

struct req {
    char *body;
    size_t len, cap;
    bool too_big;
};

/* What a route answers: a status, a JSON body or a CSV text (NULL both: none). */
struct answer {
    unsigned status;
    json_t *body;
    char *csv;
};

static struct answer sf_error(unsigned status, const char *code, const char *message,
                              const char *field) {
    json_t *e = json_pack("{s:s,s:s,s:[]}", "message", message, "errorCode", code, "fields");
    if (field)
        json_array_append_new(json_object_get(e, "fields"), json_string(field));
    return (struct answer){.status = status, .body = json_pack("[o]", e)};
}

static struct answer ok(unsigned status, json_t *body) {
    return (struct answer){.status = status, .body = body};
}

static const char *const contact_fields[] = {"FirstName", "LastName", "Email",
                                             "Phone",     "Title",    "Department"};
#define NFIELDS (sizeof contact_fields / sizeof contact_fields[0])

static json_t *find_by_ext(const char *value, const char **id_out) {
    const char *id;
    json_t *c;
    json_object_foreach(contacts, id, c) {
        const char *v = json_string_value(json_object_get(c, ext_field));
        if (v && strcmp(v, value) == 0) {
            if (id_out)
                *id_out = id;
            return c;
        }
    }
    return NULL;
}

/* Checks an upsert's fields; status 0 when they are good. */
static struct answer check_fields(json_t *body, bool creating) {
    const char *k;
    json_t *v;
    if (!json_is_object(body))
        return sf_error(400, "JSON_PARSER_ERROR", "The body is not a JSON object", NULL);
    json_object_foreach(body, k, v) {
        bool known = false;
        for (size_t i = 0; i < NFIELDS; i++)
            known |= strcmp(k, contact_fields[i]) == 0;
        if (strcmp(k, restr_field) == 0) {
            if (!json_is_boolean(v))
                return sf_error(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", "not a boolean", k);
            continue;
        }
        if (!known)
            return sf_error(400, "INVALID_FIELD", "No such column on entity 'Contact'", k);
        if (!json_is_string(v) && !json_is_null(v))
            return sf_error(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", "not a text", k);
    }
    const char *email = json_string_value(json_object_get(body, "Email"));
    if (email && !strchr(email, '@'))
        return sf_error(400, "INVALID_EMAIL_ADDRESS", "Email: invalid email address", "Email");
    json_t *ln = json_object_get(body, "LastName");
    if ((creating && !json_is_string(ln)) || (ln && !json_is_string(ln)) ||
        (json_is_string(ln) && json_string_length(ln) == 0))
        return sf_error(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]",
                        "LastName");
    return (struct answer){.status = 0};
}

/* Upserts the Contact whose external id is value; the answer as the REST API gives it. */
static struct answer upsert(const char *value, json_t *body) {
    const char *id = NULL;
    json_t *c = find_by_ext(value, &id);
    struct answer a = check_fields(body, c == NULL);
    if (a.status)
        return a;
    bool created = c == NULL;
    char idbuf[24];
    if (created) {
        snprintf(idbuf, sizeof idbuf, "003FK%013lu", ++contact_seq);
        id = idbuf;
        c = json_pack("{s:s,s:s,s:b}", "Id", id, ext_field, value, restr_field, 0);
        json_object_set_new(contacts, id, c);
    }
    json_object_update(c, body);
    return ok(created ? 201 : 200, json_pack("{s:s,s:b,s:[],s:b}", "id", id, "success", 1, "errors",
                                             "created", created));
}

/* PATCH /sobjects/Contact/ID: an update of the record ID (204, no body), which may also set
 * the external id field (as rekisteri's pull does to link a Contact it read); the field is
 * unique, so a value another Contact holds is 400 DUPLICATE_VALUE. */
static struct answer by_record_id(const char *method, const char *id, json_t *body) {
    json_t *c = json_object_get(contacts, id);
    if (strcmp(method, "PATCH") != 0)
        return sf_error(405, "METHOD_NOT_ALLOWED", "HTTP Method not allowed", NULL);
    if (!c)
        return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
    json_t *copy = json_is_object(body) ? json_deep_copy(body) : NULL;
    json_t *x = copy ? json_incref(json_object_get(copy, ext_field)) : NULL;
    if (copy)
        json_object_del(copy, ext_field);
    struct answer a = check_fields(copy ? copy : body, false);
    const char *other = NULL;
    if (!a.status && x && !json_is_string(x))
        a = sf_error(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", "not a text", ext_field);
    else if (!a.status && x && find_by_ext(json_string_value(x), &other) && strcmp(other, id) != 0)
        a = sf_error(400, "DUPLICATE_VALUE", "duplicate value found on another record", ext_field);
    if (!a.status) {
        json_object_update(c, copy);
        if (x)
            json_object_set(c, ext_field, x);
        a = ok(204, NULL);
    }
    json_decref(copy);
    json_decref(x);
    return a;
}

static struct answer query_page(const char *version, unsigned long offset) {
    json_t *recs = json_array();
    size_t total = json_object_size(contacts), i = 0;
    const char *id;
    json_t *c;
    /* json objects iterate in insertion order; Ids are issued in order. */
    json_object_foreach(contacts, id, c) {
        if (i++ < offset)
            continue;
        if (json_array_size(recs) >= page_size)
            break;
        char u[96];
        snprintf(u, sizeof u, "/services/data/%s/sobjects/Contact/%s", version, id);
        json_t *r = json_pack("{s:{s:s,s:s}}", "attributes", "type", "Contact", "url", u);
        json_object_set_new(r, "Id", json_string(id));
        for (size_t k = 0; k < NFIELDS; k++) {
            json_t *v = json_object_get(c, contact_fields[k]);
            json_object_set(r, contact_fields[k], v ? v : json_null());
        }
        json_t *x = json_object_get(c, ext_field);
        json_object_set(r, ext_field, x ? x : json_null());
        json_array_append_new(recs, r);
    }
    unsigned long next = offset + json_array_size(recs);
    bool done = next >= total;
    json_t *b =
        json_pack("{s:I,s:b,s:o}", "totalSize", (json_int_t)total, "done", done, "records", recs);
    if (!done) {
        char u[128];
        snprintf(u, sizeof u, "/services/data/%s/query/01gFAKE-%lu", version, next);
        json_object_set_new(b, "nextRecordsUrl", json_string(u));
    }
    return ok(200, b);
}

static json_t *job_info(json_t *j) {
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (k[0] != '_')
            json_object_set(out, k, v);
    }
    return out;
}

struct run {
    json_t *header; /* the column names */
    json_t *failed; /* the failedResults rows (arrays of texts) */
    long processed, nfailed;
};

static int on_row(void *ctx, const char *const *f, size_t nf, unsigned long line,
                  const char *row_error) {
    struct run *r = ctx;
    (void)line;
    if (row_error)
        return 0;
    if (!r->header) {
        r->header = json_array();
        for (size_t i = 0; i < nf; i++)
            json_array_append_new(r->header, json_string(f[i]));
        return 0;
    }
    r->processed++;
    json_t *body = json_object();
    const char *value = "";
    for (size_t i = 0; i < nf && i < json_array_size(r->header); i++) {
        const char *col = json_string_value(json_array_get(r->header, i));
        if (strcmp(col, ext_field) == 0)
            value = f[i];
        else if (strcmp(col, restr_field) == 0)
            json_object_set_new(body, col, json_boolean(strcmp(f[i], "true") == 0));
        else if (strcmp(f[i], "#N/A") == 0)
            json_object_set_new(body, col, json_null());
        else if (f[i][0])
            json_object_set_new(body, col, json_string(f[i]));
    }
    struct answer a = nf != json_array_size(r->header) || !value[0]
                          ? sf_error(400, "INVALID_ROW", "the row does not match the header", NULL)
                          : upsert(value, body);
    if (a.status >= 400) {
        json_t *e = json_array_get(a.body, 0);
        char err[256];
        json_t *fields = json_object_get(e, "fields");
        snprintf(err, sizeof err, "%s:%s:%s", json_string_value(json_object_get(e, "errorCode")),
                 json_string_value(json_object_get(e, "message")),
                 json_string_value(json_array_get(fields, 0))
                     ? json_string_value(json_array_get(fields, 0))
                     : "--");
        json_t *row = json_pack("[s,s]", "", err);
        for (size_t i = 0; i < nf; i++)
            json_array_append_new(row, json_string(f[i]));
        json_array_append_new(r->failed, row);
        r->nfailed++;
    }
    json_decref(a.body);
    json_decref(body);
    return 0;
}

/* Writes s to f as one quoted CSV field. */
static void put_quoted(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void job_run(json_t *j) {
    struct run r = {.failed = json_array()};
    const char *csv = json_string_value(json_object_get(j, "_csv"));
    struct rk_csv_reader *rd = NULL;
    if (csv && rk_csv_reader_new(on_row, &r, &rd) == RK_OK) {
        rk_err err = rk_csv_feed(rd, csv, strlen(csv), NULL);
        if (err == RK_OK)
            err = rk_csv_finish(rd, NULL);
        if (err != RK_OK)
            r.processed = -1; /* malformed CSV: the job fails */
        rk_csv_reader_free(rd);
    }
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    if (!m)
        return;
    put_quoted(m, "sf__Id");
    fputc(',', m);
    put_quoted(m, "sf__Error");
    size_t i, k;
    json_t *v, *row;
    json_array_foreach(r.header, i, v) {
        fputc(',', m);
        put_quoted(m, json_string_value(v));
    }
    fputc('\n', m);
    json_array_foreach(r.failed, i, row) {
        json_array_foreach(row, k, v) {
            if (k)
                fputc(',', m);
            put_quoted(m, json_string_value(v));
        }
        fputc('\n', m);
    }
    fclose(m);
    json_object_set_new(j, "_failed", json_string(out));
    free(out);
    json_object_set_new(j, "numberRecordsProcessed", json_integer(r.processed));
    json_object_set_new(j, "numberRecordsFailed", json_integer(r.nfailed));
    json_object_set_new(j, "state", json_string(r.processed < 0 ? "Failed" : "JobComplete"));
    if (r.processed < 0)
        json_object_set_new(j, "numberRecordsProcessed", json_integer(0));
    json_decref(r.header);
    json_decref(r.failed);
}

static struct answer jobs_route(const char *method, const char *rest, const char *body_text,
                                json_t *body) {
    if (rest[0] == '\0' && strcmp(method, "POST") == 0) {
        if (!json_is_object(body))
            return sf_error(400, "JSON_PARSER_ERROR", "not a JSON object", NULL);
        const char *obj = json_string_value(json_object_get(body, "object"));
        const char *op = json_string_value(json_object_get(body, "operation"));
        const char *ext = json_string_value(json_object_get(body, "externalIdFieldName"));
        const char *ct = json_string_value(json_object_get(body, "contentType"));
        const char *le = json_string_value(json_object_get(body, "lineEnding"));
        if (!obj || strcmp(obj, "Contact") != 0 || !op || strcmp(op, "upsert") != 0 || !ext ||
            strcmp(ext, ext_field) != 0 || (ct && strcmp(ct, "CSV") != 0) ||
            (le && strcmp(le, "LF") != 0))
            return sf_error(400, "INVALIDJOB", "the job is not one this fake runs", NULL);
        char id[24];
        snprintf(id, sizeof id, "750FK%013lu", ++job_seq);
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i}", "id", id, "operation",
                              "upsert", "object", "Contact", "externalIdFieldName", ext, "state",
                              "Open", "contentType", "CSV", "lineEnding", "LF",
                              "numberRecordsProcessed", 0, "numberRecordsFailed", 0, "_polls", 0);
        json_object_set_new(jobs, id, j);
        return ok(200, job_info(j));
    }
    char id[32];
    size_t n = strcspn(rest, "/");
    if (n == 0 || n >= sizeof id)
        return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
    memcpy(id, rest, n);
    id[n] = '\0';
    const char *sub = rest + n;
    json_t *j = json_object_get(jobs, id);
    if (!j)
        return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
    const char *state = json_string_value(json_object_get(j, "state"));
    if (strcmp(sub, "/batches") == 0 && strcmp(method, "PUT") == 0) {
        if (strcmp(state, "Open") != 0 || json_object_get(j, "_csv"))
            return sf_error(409, "INVALIDJOBSTATE", "the job is not open for data", NULL);
        json_object_set_new(j, "_csv", json_string(body_text ? body_text : ""));
        return ok(201, NULL);
    }
    if (sub[0] == '\0' && strcmp(method, "PATCH") == 0) {
        const char *want = json_string_value(json_object_get(body, "state"));
        if (!want || (strcmp(want, "UploadComplete") != 0 && strcmp(want, "Aborted") != 0) ||
            strcmp(state, "Open") != 0)
            return sf_error(400, "INVALIDJOBSTATE", "the job cannot move to that state", NULL);
        json_object_set_new(j, "state", json_string(want));
        return ok(200, job_info(j));
    }
    if (sub[0] == '\0' && strcmp(method, "GET") == 0) {
        if (strcmp(state, "UploadComplete") == 0)
            json_object_set_new(j, "state", json_string("InProgress"));
        else if (strcmp(state, "InProgress") == 0 && fail_jobs)
            json_object_set_new(j, "state", json_string("Failed"));
        else if (strcmp(state, "InProgress") == 0)
            job_run(j);
        return ok(200, job_info(j));
    }
    if (strcmp(sub, "/failedResults") == 0 && strcmp(method, "GET") == 0) {
        const char *f = json_string_value(json_object_get(j, "_failed"));
        if (!f)
            return sf_error(400, "INVALIDJOBSTATE", "the job has not completed", NULL);
        char *copy = strdup(f);
        return (struct answer){.status = 200, .csv = copy};
    }
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
}

static struct answer route(const char *method, const char *path, const char *version, json_t *query,
                           const char *body_text, json_t *body) {
    static const char contact[] = "/sobjects/Contact/";
    if (strncmp(path, contact, sizeof contact - 1) == 0 && !strchr(path + sizeof contact - 1, '/'))
        return by_record_id(method, path + sizeof contact - 1, body);
    if (strncmp(path, contact, sizeof contact - 1) == 0) {
        const char *f = path + sizeof contact - 1, *slash = strchr(f, '/');
        if (!slash || strncmp(f, ext_field, (size_t)(slash - f)) != 0 ||
            strlen(ext_field) != (size_t)(slash - f) || !slash[1] || strchr(slash + 1, '/'))
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
        const char *value = slash + 1;
        if (strcmp(method, "PATCH") == 0) {
            if (json_object_get(body, ext_field))
                return sf_error(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                "the external id is in the URL", ext_field);
            return upsert(value, body);
        }
        if (strcmp(method, "DELETE") == 0) {
            const char *id = NULL;
            if (!find_by_ext(value, &id))
                return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
            json_object_del(contacts, id);
            return ok(204, NULL);
        }
        return sf_error(405, "METHOD_NOT_ALLOWED", "HTTP Method not allowed", NULL);
    }
    if (strcmp(path, "/query") == 0 && strcmp(method, "GET") == 0) {
        const char *q = json_string_value(json_object_get(query, "q"));
        if (!q || strncmp(q, "SELECT ", 7) != 0 || !strstr(q, " FROM Contact"))
            return sf_error(400, "MALFORMED_QUERY", "not a query this fake answers", NULL);
        return query_page(version, 0);
    }
    if (strncmp(path, "/query/01gFAKE-", 15) == 0 && strcmp(method, "GET") == 0) {
        char *end = NULL;
        unsigned long off = strtoul(path + 15, &end, 10);
        if (!end || *end)
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator", NULL);
        return query_page(version, off);
    }
    if (strncmp(path, "/jobs/ingest", 12) == 0 && (path[12] == '\0' || path[12] == '/'))
        return jobs_route(method, path[12] ? path + 13 : "", body_text, body);
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The form value of name in body, decoded into out (size n); false when absent. */
static bool form_value(const char *body, const char *name, char *out, size_t n) {
    size_t nl = strlen(name);
    for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nl) != 0 || p[nl] != '=')
            continue;
        size_t o = 0;
        for (const char *s = p + nl + 1; *s && *s != '&' && o + 1 < n; s++) {
            if (*s == '+')
                out[o++] = ' ';
            else if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
                out[o++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
                s += 2;
            } else
                out[o++] = *s;
        }
        out[o] = '\0';
        return true;
    }
    return false;
}

/* Milliseconds on a clock that does not jump: a token lives --token-ttl whole seconds from
 * when it was issued, not until a second boundary. */
static json_int_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct answer token(const char *body) {
    char grant[64], id[600], secret[600];
    if (!body || !form_value(body, "grant_type", grant, sizeof grant) ||
        strcmp(grant, "client_credentials") != 0)
        return ok(400, json_pack("{s:s,s:s}", "error", "unsupported_grant_type",
                                 "error_description", "grant type not supported"));
    if (!form_value(body, "client_id", id, sizeof id) ||
        !form_value(body, "client_secret", secret, sizeof secret) || strcmp(id, client_id) != 0 ||
        strcmp(secret, client_secret) != 0)
        return ok(400, json_pack("{s:s,s:s}", "error", "invalid_client", "error_description",
                                 "invalid client credentials"));
    char t[64], url[64], issued[32];
    snprintf(t, sizeof t, "00DFAKE!token.%lu.%ld", ++ntokens, (long)time(NULL));
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    snprintf(issued, sizeof issued, "%lld000", (long long)time(NULL));
    json_object_set_new(tokens, t,
                        json_integer(token_ttl ? now_ms() + (json_int_t)token_ttl * 1000 : 0));
    if (token_uses)
        json_object_set_new(uses, t, json_integer((json_int_t)token_uses));
    return ok(200, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "access_token", t, "instance_url", url,
                             "id", "https://login.salesforce.com/id/00DFAKE/005FAKE", "token_type",
                             "Bearer", "issued_at", issued, "signature", "FAKE="));
}

static bool token_ok(struct MHD_Connection *c) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return false;
    json_t *exp = json_object_get(tokens, h + 7);
    if (!exp)
        return false;
    json_int_t at = json_integer_value(exp);
    json_t *left = json_object_get(uses, h + 7);
    if (left) {
        if (json_integer_value(left) <= 0)
            return false;
        json_integer_set(left, json_integer_value(left) - 1);
    }
    return at == 0 || now_ms() < at;
}

/* The names in a form body. */
static json_t *form_names(const char *body) {
    json_t *a = json_array();
    for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        size_t n = strcspn(p, "=&");
        json_array_append_new(a, json_stringn(p, n));
    }
    return a;
}

static void log_line(const char *method, const char *path, json_t *query, const char *body,
                     size_t len, bool form, unsigned status) {
    if (!log_file)
        return;
    json_t *l = json_object(), *b = NULL, *fields = json_array();
    json_int_t rows = -1;
    if (form) {
        json_decref(fields);
        fields = form_names(body);
    } else if (len && (b = json_loadb(body, len, JSON_DECODE_ANY, NULL))) {
        const char *k;
        json_t *v;
        json_object_foreach(b, k, v) {
            (void)v;
            json_array_append_new(fields, json_string(k));
        }
    } else if (len) {
        size_t hl = strcspn(body, "\n");
        for (size_t i = 0; i < hl;) {
            size_t n = strcspn(body + i, ",\n");
            if (n > hl - i)
                n = hl - i;
            json_array_append_new(fields, json_stringn(body + i, n));
            i += n + 1;
        }
        rows = 0;
        for (size_t i = hl + 1; i < len; i++)
            rows += body[i] == '\n' || i + 1 == len;
    }
    json_object_set_new(l, "method", json_string(method));
    json_object_set_new(l, "path", json_string(path));
    json_object_set(l, "query", query && json_object_size(query) ? query : json_null());
    json_object_set_new(l, "fields", fields);
    json_object_set_new(l, "body", b ? b : json_null());
    if (rows >= 0)
        json_object_set_new(l, "rows", json_integer(rows));
    json_object_set_new(l, "status", json_integer(status));
    char *text = json_dumps(l, JSON_COMPACT);
    if (text)
        fprintf(log_file, "%s\n", text);
    fflush(log_file);
    free(text);
    json_decref(l);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer a) {
    char *text = a.csv ? a.csv : a.body ? json_dumps(a.body, JSON_COMPACT) : NULL;
    json_decref(a.body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(text ? strlen(text) : 0, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    if (text)
        MHD_add_response_header(r, "Content-Type", a.csv ? "text/csv" : "application/json");
    if (a.status == 429 || a.status == 503) {
        char s[24];
        snprintf(s, sizeof s, "%lu", retry_after);
        MHD_add_response_header(r, "Retry-After", s);
    }
    enum MHD_Result ret = MHD_queue_response(c, a.status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value) {
    (void)kind;
    json_object_set_new((json_t *)cls, key, json_string(value ? value : ""));
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls) {
    (void)cls, (void)version;
    struct req *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        *con_cls = q;
        return MHD_YES;
    }
    if (*upload_size) {
        if (q->len + *upload_size > MAX_BODY)
            q->too_big = true;
        if (!q->too_big && q->len + *upload_size + 1 > q->cap) {
            size_t cap = (q->len + *upload_size + 1) * 2;
            char *b = realloc(q->body, cap);
            if (!b)
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        if (!q->too_big) {
            memcpy(q->body + q->len, upload_data, *upload_size);
            q->len += *upload_size;
            q->body[q->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/_fake/state") == 0 && strcmp(method, "GET") == 0) {
        json_t *cs = json_array(), *js = json_object(), *v;
        const char *k;
        json_object_foreach(contacts, k, v) json_array_append(cs, v);
        json_object_foreach(jobs, k, v) json_object_set_new(js, k, job_info(v));
        return send_answer(
            c, ok(200, json_pack("{s:o,s:o,s:I,s:I}", "contacts", cs, "jobs", js, "requests",
                                 (json_int_t)nreq, "tokens", (json_int_t)ntokens)));
    }
    nreq++;
    json_t *query = json_object(), *body = NULL;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, query);
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    bool is_csv = ctype && strncmp(ctype, "text/csv", 8) == 0;
    bool is_token = strcmp(url, "/services/oauth2/token") == 0;
    static const char data[] = "/services/data/v";
    struct answer a;
    char ver[16] = "";
    const char *rest = NULL;
    if (strncmp(url, data, sizeof data - 1) == 0) {
        const char *v = url + sizeof data - 1;
        size_t n = strspn(v, "0123456789.");
        if (n > 0 && n < sizeof ver - 1 && v[n] == '/') {
            ver[0] = 'v';
            memcpy(ver + 1, v, n);
            ver[n + 1] = '\0';
            rest = v + n;
        }
    }
    if (rate_limit && nreq % rate_limit == 0)
        a = sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", NULL);
    else if (rate_429 && nreq % rate_429 == 0)
        a = sf_error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests", NULL);
    else if (q->too_big)
        a = sf_error(413, "REQUEST_ENTITY_TOO_LARGE", "The request body is too large", NULL);
    else if (is_token && strcmp(method, "POST") == 0)
        a = token(q->body);
    else if (!rest)
        a = sf_error(404, "NOT_FOUND", "The requested resource does not exist", NULL);
    else if (!token_ok(c))
        a = sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid", NULL);
    else if (q->len && !is_csv && !(body = json_loadb(q->body, q->len, 0, NULL)))
        a = sf_error(400, "JSON_PARSER_ERROR", "The body is not JSON", NULL);
    else
        a = route(method, rest, ver, query, q->body, body);
    log_line(method, url, query, q->body, q->len, is_token, a.status);
    json_decref(query);
    json_decref(body);
    return send_answer(c, a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)c, (void)toe;
    struct req *q = *con_cls;
    if (q) {
        free(q->body);
        free(q);
    }
    *con_cls = NULL;
}

/* Loads the seed's contacts; false (with a message) when it is not as documented. */
static bool load_seed(const char *path) {
    json_error_t err;
    json_t *s = json_load_file(path, 0, &err), *c;
    size_t i;
    if (!s) {
        fprintf(stderr, "fake_salesforce: %s:%d: %s\n", path, err.line, err.text);
        return false;
    }
    bool good = json_is_array(json_object_get(s, "contacts"));
    json_array_foreach(json_object_get(s, "contacts"), i, c) {
        json_t *copy = json_deep_copy(c);
        json_t *x = json_incref(json_object_get(copy, ext_field));
        json_object_del(copy, ext_field);
        json_object_del(copy, "Id");
        struct answer a = check_fields(copy, true);
        json_decref(a.body);
        if (a.status || (x && !json_is_string(x))) {
            good = false;
            json_decref(copy);
            json_decref(x);
            continue;
        }
        char id[24];
        snprintf(id, sizeof id, "003FK%013lu", ++contact_seq);
        json_object_set_new(copy, "Id", json_string(id));
        if (x)
            json_object_set_new(copy, ext_field, x);
        if (!json_object_get(copy, restr_field))
            json_object_set_new(copy, restr_field, json_false());
        json_object_set_new(contacts, id, copy);
    }
    json_decref(s);
    if (!good)
        fprintf(stderr, "fake_salesforce: %s: a contact is not as documented\n", path);
    return good;
}

static bool parse_ulong(const char *s, unsigned long *out) {
    char *end = NULL;
    if (!s || !isdigit((unsigned char)*s))
        return false;
    *out = strtoul(s, &end, 10);
    return *end == '\0';
}

static int usage(void) {
    fprintf(stderr, "usage: fake_salesforce [--client-id ID] [--client-secret S] [--ext FIELD] "
                    "[--restriction FIELD] [--token-ttl S] [--token-uses N] [--page-size N] "
                    "[--rate-limit N] "
                    "[--rate-429 N] [--retry-after S] [--fail-jobs 1] [--seed FILE] [--log FILE] "
                    "[--max-seconds S]\n");
    return 2;
}

int main(int argc, char **argv) {
    unsigned long max_seconds = 250;
    const char *seed = NULL;
    contacts = json_object();
    tokens = json_object();
    uses = json_object();
    jobs = json_object();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        i++;
        bool good = true;
        if (strcmp(a, "--client-id") == 0)
            client_id = v;
        else if (strcmp(a, "--client-secret") == 0)
            client_secret = v;
        else if (strcmp(a, "--ext") == 0)
            ext_field = v;
        else if (strcmp(a, "--restriction") == 0)
            restr_field = v;
        else if (strcmp(a, "--seed") == 0)
            seed = v;
        else if (strcmp(a, "--log") == 0)
            good = (log_file = fopen(v, "a")) != NULL;
        else if (strcmp(a, "--token-ttl") == 0)
            good = parse_ulong(v, &token_ttl);
        else if (strcmp(a, "--token-uses") == 0)
            good = parse_ulong(v, &token_uses);
        else if (strcmp(a, "--page-size") == 0)
            good = parse_ulong(v, &page_size) && page_size > 0;
        else if (strcmp(a, "--rate-limit") == 0)
            good = parse_ulong(v, &rate_limit);
        else if (strcmp(a, "--rate-429") == 0)
            good = parse_ulong(v, &rate_429);
        else if (strcmp(a, "--fail-jobs") == 0)
            good = parse_ulong(v, &fail_jobs);
        else if (strcmp(a, "--retry-after") == 0)
            good = parse_ulong(v, &retry_after);
        else if (strcmp(a, "--max-seconds") == 0)
            good = parse_ulong(v, &max_seconds);
        else
            good = false;
        if (!good)
            return usage();
    }
    if (seed && !load_seed(seed))
        return 2;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info) {
        fprintf(stderr, "fake_salesforce: cannot listen on 127.0.0.1\n");
        return 1;
    }
    port = (unsigned)info->port;
    /* The handlers before the port: whoever reads the port may stop the fake at once. */
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("%u\n", port);
    fflush(stdout);
    time_t deadline = time(NULL) + (time_t)max_seconds;
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 50L * 1000 * 1000};
    while (!stop && time(NULL) < deadline)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(d);
    if (log_file)
        fclose(log_file);
    json_decref(contacts);
    json_decref(tokens);
    json_decref(uses);
    json_decref(jobs);
    return 0;
}
