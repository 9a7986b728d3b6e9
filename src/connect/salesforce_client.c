/*
 * salesforce_client.c — the recipient client (client.h) for a Salesforce org:
 * the REST API for one person at a time, Bulk API 2.0 for many, SOQL for the
 * pull. The bodies and parsers are salesforce_api.c's; this file makes the
 * requests (connect.h's rk_connect_http, one at a time) and maps the answers
 * to outcomes.
 *
 * Design.
 *
 *   Authentication: OAuth 2.0 client credentials (the connected app's
 *   client id and secret from the environment variables the declaration
 *   names, read at open). The token is fetched from token_url (default
 *   {instance_url}/services/oauth2/token) on the first call, kept in memory
 *   only, and fetched anew once when a call is answered 401; a second 401
 *   stops the pass (result.stop). The API calls go to the instance_url the
 *   token answer names (Salesforce's advice), the declared one until then.
 *   The credentials, the token and the Authorization header are wiped when
 *   they are done with (sodium_memzero) and never reach an error.
 *
 *   One person (put): ACTIVE and RESTRICTED upsert the Contact by the
 *   external id, PATCH /sobjects/Contact/{external_id_field}/{person id}
 *   with rk_sf_contact_body (201 created, 200 or 204 updated); INACTIVE and
 *   erase delete it, DELETE on the same path (204; 404 means nothing is held,
 *   which is what was wanted). result.remote is the person id while the org
 *   holds the Contact, "" after a delete.
 *
 *   Many (put_many): the INACTIVE puts go one by one (Bulk API 2.0 upserts
 *   only); the others become one ingest job: create (POST /jobs/ingest),
 *   upload the CSV (PUT …/batches), close it (PATCH state UploadComplete),
 *   poll GET /jobs/ingest/{id} until JobComplete — pausing 250 ms, growing
 *   to 2 s, between polls, at most 10 minutes in all, progress after each —
 *   then read failedResults: a record named there is a permanent refusal
 *   with its errorCode, the others are ok. A job that ends Failed or
 *   Aborted, or is still running after 10 minutes, is redone with puts one
 *   by one (upserts are idempotent). A transient answer or a stop ends the
 *   call: the puts not yet decided get the same transient outcome.
 *
 *   Outcomes: 2xx ok; no answer, 429, 5xx and 403 REQUEST_LIMIT_EXCEEDED
 *   (the org's API request limit: Salesforce answers it 403, not 429)
 *   transient with Retry-After when given; 401 after a new token, other
 *   403s, and the codes that mean the connector's declaration does not fit
 *   the org (INVALID_FIELD, INVALID_TYPE, NOT_FOUND on an upsert,
 *   INSUFFICIENT_ACCESS_OR_READONLY, API_DISABLED_FOR_ORG) permanent with
 *   stop; any other 4xx permanent for that person. Error texts are
 *   rk_sf_problem_error's: status and errorCode, never a message.
 *
 *   Link: a Contact the pull read without the external id (one the org
 *   had before rekisteri) is given it, PATCH /sobjects/Contact/{Id} with
 *   {external_id_field: person id} (204), so that the sync's upserts find
 *   that Contact instead of creating a second one.
 *
 *   Pull: SELECT Id, FirstName, LastName, Email, Phone, Title, Department,
 *   {external_id_field} FROM Contact through /query, then each
 *   nextRecordsUrl; every Contact is RK_PULLED_ACTIVE, the name FirstName and
 *   LastName joined by a space (a LastName of "[rekisteri]", which rekisteri
 *   writes when no name is shared, is left out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "connect/client.h"
#include "connect/salesforce_api.h"

#define VERSION_MAX  15
#define PATH_MAX_SF  (RK_SF_URL_MAX + 256)
#define POLL_LIMIT_S 600

struct sf {
    struct rk_client base;
    char *client_id, *client_secret;
    char instance[RK_SF_URL_MAX + 1]; /* the API's root: the token's instance_url */
    char token_url[RK_SF_URL_MAX + 64];
    char version[VERSION_MAX + 1];
    const char *ext, *restr;
    unsigned shares;
    char token[RK_SF_TOKEN_MAX + 1]; /* "" when none */
};

/* What one call came to: the answer and, when it is not ok, the result's fields. */
struct call {
    struct rk_connect_answer a;
    enum rk_connect_outcome outcome;
    bool stop;
    char code[RK_SF_CODE_MAX + 1];
    char error[RK_CONNECT_ERROR_MAX + 1];
};

static void wipe_free(char *s) {
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

static void sf_close(struct rk_client *cl) {
    struct sf *c = (struct sf *)cl;
    wipe_free(c->client_id);
    wipe_free(c->client_secret);
    sodium_memzero(c->token, sizeof c->token);
    free(c);
}

/* Whether code means the declaration does not fit the org (stop the pass). */
static bool connector_code(const char *code, bool upsert) {
    static const char *const codes[] = {"INVALID_FIELD", "INVALID_TYPE",
                                        "INSUFFICIENT_ACCESS_OR_READONLY", "API_DISABLED_FOR_ORG",
                                        "API_CURRENTLY_DISABLED"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return upsert && strcmp(code, "NOT_FOUND") == 0;
}

/* Classifies an answer that is not 2xx into k. */
static void classify(struct call *k, bool upsert) {
    k->outcome = k->a.outcome;
    if (k->a.status == 0) {
        k->outcome = RK_CONNECT_TRANSIENT;
        snprintf(k->error, sizeof k->error, "Salesforce did not answer: %.250s", k->a.error);
        return;
    }
    struct rk_error e = RK_ERROR_INIT;
    struct rk_sf_problem p;
    rk_err code = rk_sf_problem_error(k->a.status, k->a.body.data, k->a.body.len, &p, &e);
    snprintf(k->error, sizeof k->error, "%.280s", e.message);
    snprintf(k->code, sizeof k->code, "%s", p.code);
    if (code == RK_EBUSY)
        k->outcome = RK_CONNECT_TRANSIENT;
    else
        k->outcome = RK_CONNECT_PERMANENT;
    k->stop = k->outcome == RK_CONNECT_PERMANENT &&
              (k->a.status == 401 || k->a.status == 403 || connector_code(p.code, upsert));
}

/* Fetches a new token into c->token; false with k saying why. */
static bool fetch_token(struct sf *c, struct call *k) {
    struct rk_buf body;
    rk_buf_init(&body);
    struct rk_error e = RK_ERROR_INIT;
    c->token[0] = '\0';
    if (rk_sf_token_body(c->client_id, c->client_secret, &body, &e) != RK_OK) {
        if (body.data)
            sodium_memzero(body.data, body.len);
        rk_buf_cleanup(&body);
        k->outcome = RK_CONNECT_PERMANENT;
        k->stop = true;
        snprintf(k->error, sizeof k->error, "%.280s", e.message);
        return false;
    }
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                             "Accept: application/json", NULL};
    struct rk_connect_request rq = {.method = "POST",
                                    .url = c->token_url,
                                    .headers = headers,
                                    .body = body.data,
                                    .len = body.len};
    rk_err err = rk_connect_http(&rq, &k->a);
    sodium_memzero(body.data, body.len);
    rk_buf_cleanup(&body);
    if (err != RK_OK) {
        k->outcome = RK_CONNECT_TRANSIENT;
        snprintf(k->error, sizeof k->error, "out of memory");
        return false;
    }
    bool got = false;
    if (k->a.outcome == RK_CONNECT_OK) {
        struct rk_sf_token t;
        rk_err perr = rk_sf_parse_token(k->a.body.data, k->a.body.len, &t, &e);
        if (perr == RK_OK && strncmp(t.instance_url, "https://", 8) != 0 &&
            strncmp(c->instance, "http://", 7) != 0)
            perr = rk_error_set(&e, RK_EPARSE, "instance_url",
                                "its instance_url is not https while the declared one is");
        if (perr == RK_OK) {
            memcpy(c->token, t.access_token, sizeof c->token);
            memcpy(c->instance, t.instance_url, sizeof c->instance);
            got = true;
        } else {
            k->outcome = RK_CONNECT_PERMANENT;
            k->stop = true;
            snprintf(k->error, sizeof k->error, "Salesforce's token answer: %.250s", e.message);
        }
        sodium_memzero(&t, sizeof t);
    } else {
        classify(k, false);
        if (k->outcome == RK_CONNECT_PERMANENT)
            k->stop = true; /* bad credentials: nothing will work */
    }
    if (k->a.body.data)
        sodium_memzero(k->a.body.data, k->a.body.len);
    rk_buf_cleanup(&k->a.body);
    return got;
}

/*
 * One API call: path from the instance ("/services/data/v60.0/…"; a full path as
 * nextRecordsUrl gives), a token fetched first when none is held and once more on a 401.
 * k->a holds the answer (cleaned up by the caller with rk_buf_cleanup); k->outcome is ok
 * or the classified failure.
 */
static rk_err api(struct sf *c, const char *method, const char *path, const char *body, size_t len,
                  const char *ctype, size_t answer_max, bool upsert, struct call *k) {
    memset(k, 0, sizeof *k);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!c->token[0] && !fetch_token(c, k))
            return RK_OK;
        char url[PATH_MAX_SF * 2], auth[RK_SF_TOKEN_MAX + 32], ct[64];
        snprintf(url, sizeof url, "%s%s", c->instance, path);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "application/json");
        const char *headers[] = {auth, "Accept: application/json", body ? ct : NULL, NULL};
        struct rk_connect_request rq = {.method = method,
                                        .url = url,
                                        .headers = headers,
                                        .body = body,
                                        .len = len,
                                        .timeout_s = 120,
                                        .answer_max = answer_max};
        memset(k, 0, sizeof *k);
        rk_err err = rk_connect_http(&rq, &k->a);
        sodium_memzero(auth, sizeof auth);
        if (err != RK_OK)
            return err;
        if (k->a.status == 401 && attempt == 0) {
            rk_buf_cleanup(&k->a.body);
            c->token[0] = '\0';
            continue;
        }
        break;
    }
    if (k->a.outcome == RK_CONNECT_OK)
        k->outcome = RK_CONNECT_OK;
    else
        classify(k, upsert);
    return RK_OK;
}

static void result_of(const struct call *k, struct rk_client_result *r) {
    r->outcome = k->outcome;
    r->stop = k->stop;
    r->status = k->a.status;
    r->retry_after_s = k->outcome == RK_CONNECT_TRANSIENT ? k->a.retry_after_s : 0;
    if (k->outcome != RK_CONNECT_OK)
        snprintf(r->error, sizeof r->error, "%s", k->error);
}

static bool person_id_ok(const char *s) {
    if (!s || !s[0] || strlen(s) > RK_CLIENT_REMOTE_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static void contact_path(const struct sf *c, const char *person_id, char *out, size_t n) {
    snprintf(out, n, "/services/data/v%s/sobjects/Contact/%s/%s", c->version, c->ext, person_id);
}

static void refuse(struct rk_client_result *r, const char *why) {
    r->outcome = RK_CONNECT_PERMANENT;
    snprintf(r->error, sizeof r->error, "%.*s", (int)(sizeof r->error - 1), why);
}

/* DELETE by the external id; 404 is ok (nothing held). */
static rk_err remove_contact(struct sf *c, const char *person_id, struct rk_client_result *r) {
    if (!person_id_ok(person_id)) {
        refuse(r, "the person id is not letters and digits");
        return RK_OK;
    }
    char path[PATH_MAX_SF];
    contact_path(c, person_id, path, sizeof path);
    struct call k;
    rk_err err = api(c, "DELETE", path, NULL, 0, NULL, 0, false, &k);
    if (err != RK_OK)
        return err;
    if (k.a.status == 404 && strcmp(k.code, "NOT_FOUND") == 0) {
        k.outcome = RK_CONNECT_OK;
        k.stop = false;
    }
    result_of(&k, r);
    r->remote[0] = '\0';
    rk_buf_cleanup(&k.a.body);
    return RK_OK;
}

static rk_err sf_put(struct rk_client *cl, const struct rk_client_put *p,
                     struct rk_client_result *r) {
    struct sf *c = (struct sf *)cl;
    if (p->want == RK_HELD_INACTIVE)
        return remove_contact(c, p->person_id, r);
    if (p->want != RK_HELD_ACTIVE && p->want != RK_HELD_RESTRICTED) {
        refuse(r, "a put wants active, restricted or inactive");
        return RK_OK;
    }
    if (!person_id_ok(p->person_id)) {
        refuse(r, "the person id is not letters and digits");
        return RK_OK;
    }
    struct rk_buf body;
    rk_buf_init(&body);
    struct rk_error e = RK_ERROR_INIT;
    struct rk_sf_contact_in in = {.contact = p->values,
                                  .shares = c->shares,
                                  .restricted = p->want == RK_HELD_RESTRICTED,
                                  .restriction_field = c->restr};
    rk_err err = rk_sf_contact_body(&in, &body, &e);
    if (err == RK_ENOMEM) {
        rk_buf_cleanup(&body);
        return err;
    }
    if (err != RK_OK) {
        refuse(r, e.message);
        rk_buf_cleanup(&body);
        return RK_OK;
    }
    char path[PATH_MAX_SF];
    contact_path(c, p->person_id, path, sizeof path);
    struct call k;
    err = api(c, "PATCH", path, body.data, body.len, NULL, 0, true, &k);
    sodium_memzero(body.data, body.len);
    rk_buf_cleanup(&body);
    if (err != RK_OK)
        return err;
    result_of(&k, r);
    if (k.outcome == RK_CONNECT_OK)
        snprintf(r->remote, sizeof r->remote, "%s", p->person_id);
    rk_buf_cleanup(&k.a.body);
    return RK_OK;
}

static rk_err sf_erase(struct rk_client *cl, const char *person_id, const char *email,
                       struct rk_client_result *r) {
    (void)email;
    return remove_contact((struct sf *)cl, person_id, r);
}

/* ---- put_many: Bulk API 2.0 ------------------------------------------------------------------ */

struct many {
    const struct rk_client_put *p;
    struct rk_client_result *r;
    size_t *idx; /* the bulk puts' indices in p, sorted by person id */
    size_t nidx;
};

static int by_person(const void *a, const void *b, void *ctx) {
    const struct rk_client_put *p = ctx;
    return strcmp(p[*(const size_t *)a].person_id, p[*(const size_t *)b].person_id);
}

/* Insertion-free sort helper: qsort_r is a GNU extension, so a plain merge sort. */
static void sort_idx(size_t *v, size_t *tmp, size_t n, const struct rk_client_put *p) {
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_idx(v, tmp, h, p);
    sort_idx(v + h, tmp, n - h, p);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = by_person(&v[i], &v[j], (void *)p) <= 0 ? v[i++] : v[j++];
    while (i < h)
        tmp[o++] = v[i++];
    while (j < n)
        tmp[o++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static int on_failed(void *ctx, const char *person_id, const char *code) {
    struct many *m = ctx;
    size_t lo = 0, hi = m->nidx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(m->p[m->idx[mid]].person_id, person_id);
        if (cmp == 0) {
            struct rk_client_result *r = &m->r[m->idx[mid]];
            r->outcome = RK_CONNECT_PERMANENT;
            r->status = 400;
            r->remote[0] = '\0';
            snprintf(r->error, sizeof r->error, "Salesforce refused the record%s%s",
                     code[0] ? ": " : "", code);
            return 0;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0; /* a record not ours: ignored */
}

static void pause_ms(long ms) {
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Marks every undecided result like r0, transient: they were not attempted (and with r0's
 * stop, the pass stops; no person is refused for the connector's own trouble). */
static void rest_like(struct rk_client_result *r, size_t n, const bool *decided,
                      const struct rk_client_result *r0) {
    struct rk_client_result like = *r0;
    like.outcome = RK_CONNECT_TRANSIENT;
    like.remote[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!decided[i])
            r[i] = like;
}

/* The job for the puts idx[0..n): ok when every result in r is decided (ok or permanent);
 * *fallback when they should be redone one by one; *halt (with *why) on a transient or
 * stop outcome. */
static rk_err run_job(struct sf *c, struct many *m, bool *fallback, struct rk_client_result *why,
                      rk_client_progress_fn progress, void *pctx, long long base, long long total) {
    *fallback = false;
    struct rk_buf csv, jb;
    rk_buf_init(&csv);
    rk_buf_init(&jb);
    struct rk_sf_row *rows = calloc(m->nidx, sizeof *rows);
    if (!rows)
        return RK_ENOMEM;
    for (size_t i = 0; i < m->nidx; i++) {
        const struct rk_client_put *p = &m->p[m->idx[i]];
        rows[i] = (struct rk_sf_row){.person_id = p->person_id,
                                     .contact = p->values,
                                     .restricted = p->want == RK_HELD_RESTRICTED};
    }
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_sf_batch_csv(rows, m->nidx, c->shares, c->ext, c->restr, &csv, &e);
    free(rows);
    if (err == RK_OK)
        err = rk_sf_job_body(c->ext, &jb, &e);
    if (err != RK_OK) {
        if (csv.data)
            sodium_memzero(csv.data, csv.len);
        rk_buf_cleanup(&csv);
        rk_buf_cleanup(&jb);
        if (err == RK_ENOMEM)
            return err;
        *fallback = true; /* checked row by row by then: should not happen */
        return RK_OK;
    }
    char path[256], job_path[128];
    snprintf(path, sizeof path, "/services/data/v%s/jobs/ingest", c->version);
    struct call k;
    struct rk_sf_job job = {.id = ""};
    err = api(c, "POST", path, jb.data, jb.len, NULL, 0, false, &k);
    rk_buf_cleanup(&jb);
    if (err == RK_OK && k.outcome == RK_CONNECT_OK &&
        rk_sf_parse_job(k.a.body.data, k.a.body.len, &job, &e) != RK_OK) {
        k.outcome = RK_CONNECT_PERMANENT;
        snprintf(k.error, sizeof k.error, "Salesforce's job answer: %.250s", e.message);
    }
    rk_buf_cleanup(&k.a.body);
    if (err == RK_OK && k.outcome == RK_CONNECT_OK) {
        snprintf(job_path, sizeof job_path, "/services/data/v%s/jobs/ingest/%s", c->version,
                 job.id);
        snprintf(path, sizeof path, "%s/batches", job_path);
        err = api(c, "PUT", path, csv.data, csv.len, "text/csv", 0, false, &k);
        rk_buf_cleanup(&k.a.body);
    }
    if (csv.data)
        sodium_memzero(csv.data, csv.len);
    rk_buf_cleanup(&csv);
    if (err == RK_OK && k.outcome == RK_CONNECT_OK) {
        static const char close_body[] = "{\"state\":\"UploadComplete\"}";
        err = api(c, "PATCH", job_path, close_body, sizeof close_body - 1, NULL, 0, false, &k);
        rk_buf_cleanup(&k.a.body);
    }
    long waited_ms = 0, step = 250;
    while (err == RK_OK && k.outcome == RK_CONNECT_OK && job.state != RK_SF_JOB_COMPLETE) {
        if (job.state == RK_SF_JOB_FAILED || job.state == RK_SF_JOB_ABORTED ||
            waited_ms > POLL_LIMIT_S * 1000L) {
            *fallback = true;
            return RK_OK;
        }
        pause_ms(step);
        waited_ms += step;
        step = step * 2 > 2000 ? 2000 : step * 2;
        err = api(c, "GET", job_path, NULL, 0, NULL, 0, false, &k);
        if (err == RK_OK && k.outcome == RK_CONNECT_OK &&
            rk_sf_parse_job(k.a.body.data, k.a.body.len, &job, &e) != RK_OK) {
            k.outcome = RK_CONNECT_PERMANENT;
            snprintf(k.error, sizeof k.error, "Salesforce's job answer: %.250s", e.message);
        }
        rk_buf_cleanup(&k.a.body);
        if (progress && err == RK_OK)
            progress(pctx, base + job.processed, total);
    }
    if (err == RK_OK && k.outcome == RK_CONNECT_OK) {
        snprintf(path, sizeof path, "%s/failedResults", job_path);
        err = api(c, "GET", path, NULL, 0, NULL, RK_SF_PAGE_MAX, false, &k);
        if (err == RK_OK && k.outcome == RK_CONNECT_OK) {
            for (size_t i = 0; i < m->nidx; i++) {
                struct rk_client_result *r = &m->r[m->idx[i]];
                *r = (struct rk_client_result){.outcome = RK_CONNECT_OK, .status = 200};
                snprintf(r->remote, sizeof r->remote, "%s", m->p[m->idx[i]].person_id);
            }
            if (k.a.cut || rk_sf_parse_failed(k.a.body.data, k.a.body.len, c->ext, on_failed, m,
                                              &e) != RK_OK) {
                /* Which failed is unknown: the puts one by one tell. */
                *fallback = true;
            }
        }
        if (k.a.body.data)
            sodium_memzero(k.a.body.data, k.a.body.len);
        rk_buf_cleanup(&k.a.body);
    }
    if (err != RK_OK)
        return err;
    if (k.outcome != RK_CONNECT_OK) {
        *why = (struct rk_client_result){.outcome = RK_CONNECT_TRANSIENT};
        result_of(&k, why);
        if (why->outcome == RK_CONNECT_PERMANENT && !why->stop)
            *fallback = true; /* a refusal of the job itself: try the puts */
    }
    return RK_OK;
}

static rk_err sf_put_many(struct rk_client *cl, const struct rk_client_put *p, size_t n,
                          struct rk_client_result *r, rk_client_progress_fn progress, void *ctx) {
    struct sf *c = (struct sf *)cl;
    bool *decided = calloc(n ? n : 1, sizeof *decided);
    size_t *idx = calloc(n ? n : 1, sizeof *idx), *tmp = calloc(n ? n : 1, sizeof *tmp);
    rk_err err = RK_OK;
    if (!decided || !idx || !tmp) {
        err = RK_ENOMEM;
        goto done;
    }
    struct many m = {.p = p, .r = r, .idx = idx};
    struct rk_buf scratch;
    rk_buf_init(&scratch);
    long long done_n = 0;
    /* The deletes one by one, and the puts no CSV can carry refused now. */
    for (size_t i = 0; i < n && err == RK_OK; i++) {
        struct rk_error e = RK_ERROR_INIT;
        struct rk_sf_row row = {.person_id = p[i].person_id,
                                .contact = p[i].values,
                                .restricted = p[i].want == RK_HELD_RESTRICTED};
        rk_buf_reset(&scratch);
        if (p[i].want == RK_HELD_INACTIVE) {
            err = sf_put(cl, &p[i], &r[i]);
            decided[i] = true;
            if (progress)
                progress(ctx, ++done_n, (long long)n);
            if (err == RK_OK && (r[i].outcome == RK_CONNECT_TRANSIENT || r[i].stop)) {
                rest_like(r, n, decided, &r[i]);
                goto cleanup;
            }
        } else if (p[i].want != RK_HELD_ACTIVE && p[i].want != RK_HELD_RESTRICTED) {
            refuse(&r[i], "a put wants active, restricted or inactive");
            decided[i] = true;
        } else {
            rk_err ce = rk_sf_batch_csv(&row, 1, c->shares, c->ext, c->restr, &scratch, &e);
            if (ce == RK_ENOMEM)
                err = ce;
            else if (ce != RK_OK) {
                refuse(&r[i], e.message);
                decided[i] = true;
            } else
                idx[m.nidx++] = i;
        }
    }
    if (scratch.data)
        sodium_memzero(scratch.data, scratch.len);
    if (err != RK_OK || m.nidx == 0)
        goto cleanup;
    sort_idx(idx, tmp, m.nidx, p);
    bool fallback = false;
    struct rk_client_result why = {.outcome = RK_CONNECT_OK};
    err = run_job(c, &m, &fallback, &why, progress, ctx, done_n, (long long)n);
    if (err != RK_OK)
        goto cleanup;
    if (fallback) {
        for (size_t j = 0; j < m.nidx && err == RK_OK; j++) {
            size_t i = idx[j];
            err = sf_put(cl, &p[i], &r[i]);
            decided[i] = true;
            if (progress)
                progress(ctx, done_n + (long long)j + 1, (long long)n);
            if (err == RK_OK && (r[i].outcome == RK_CONNECT_TRANSIENT || r[i].stop)) {
                rest_like(r, n, decided, &r[i]);
                break;
            }
        }
    } else if (why.outcome != RK_CONNECT_OK) {
        rest_like(r, n, decided, &why);
    }
cleanup:
    rk_buf_cleanup(&scratch);
done:
    free(decided);
    free(idx);
    free(tmp);
    return err;
}

/* ---- pull ------------------------------------------------------------------------------------ */

static void put_encoded(struct rk_buf *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        bool plain = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                     (*q >= '0' && *q <= '9') || *q == '-' || *q == '.' || *q == '_' || *q == '~';
        if (plain) {
            rk_buf_putc(out, (char)*q);
        } else {
            rk_buf_putc(out, '%');
            rk_buf_putc(out, hex[*q >> 4]);
            rk_buf_putc(out, hex[*q & 15]);
        }
    }
}

static rk_err sf_pull(struct rk_client *cl, rk_client_pull_fn fn, void *ctx, struct rk_error *e) {
    struct sf *c = (struct sf *)cl;
    struct rk_buf path, soql;
    rk_buf_init(&path);
    rk_buf_init(&soql);
    rk_buf_printf(&soql,
                  "SELECT Id, FirstName, LastName, Email, Phone, Title, Department, %s FROM "
                  "Contact",
                  c->ext);
    rk_buf_printf(&path, "/services/data/v%s/query?q=", c->version);
    put_encoded(&path, soql.data);
    rk_buf_cleanup(&soql);
    rk_err err = rk_buf_status(&path);
    long long done = 0;
    char name[2 * 256 + 2];
    while (err == RK_OK) {
        struct call k;
        err = api(c, "GET", path.data, NULL, 0, NULL, RK_SF_PAGE_MAX, false, &k);
        if (err != RK_OK)
            break;
        if (k.outcome != RK_CONNECT_OK || k.a.cut) {
            err = rk_error_set(e, RK_EIO, NULL, "%s",
                               k.a.cut ? "Salesforce's query page is longer than 32 MiB" : k.error);
            rk_buf_cleanup(&k.a.body);
            break;
        }
        struct rk_sf_page pg;
        err = rk_sf_parse_query(k.a.body.data, k.a.body.len, c->ext, &pg, e);
        rk_buf_cleanup(&k.a.body);
        if (err != RK_OK)
            break;
        for (size_t i = 0; i < pg.n && err == RK_OK; i++) {
            const struct rk_sf_record *x = &pg.records[i];
            const char *last = strcmp(x->last_name, RK_SF_NO_NAME) == 0 ? "" : x->last_name;
            snprintf(name, sizeof name, "%s%s%s", x->first_name,
                     x->first_name[0] && last[0] ? " " : "", last);
            struct rk_client_pulled pl = {.status = RK_PULLED_ACTIVE,
                                          .email = x->email,
                                          .name = name,
                                          .phone = x->phone,
                                          .position = x->title,
                                          .organisation = x->department,
                                          .remote = x->id,
                                          .person_id = x->external_id,
                                          .signup_at = "",
                                          .signup_ip = "",
                                          .opt_at = "",
                                          .opt_ip = ""};
            if (fn(ctx, &pl, ++done, pg.total_size) != 0)
                err = RK_EREFUSED;
        }
        sodium_memzero(name, sizeof name);
        bool last_page = pg.done;
        if (err == RK_OK && !last_page) {
            rk_buf_reset(&path);
            rk_buf_puts(&path, pg.next_url);
            err = rk_buf_status(&path);
        }
        rk_sf_page_free(&pg);
        if (last_page)
            break;
    }
    rk_buf_cleanup(&path);
    return err;
}

/* ---- open ------------------------------------------------------------------------------------ */

/* Salesforce knows the person by rekisteri's own id, in the external id field. */
static bool sf_remote(const struct rk_client *c, const struct rk_client_put *p,
                      char out[RK_CLIENT_REMOTE_MAX + 1]) {
    (void)c;
    if (!p->person_id || !*p->person_id || strlen(p->person_id) > RK_CLIENT_REMOTE_MAX)
        return false;
    snprintf(out, RK_CLIENT_REMOTE_MAX + 1, "%s", p->person_id);
    return true;
}

/* A Salesforce record Id: 15 or 18 letters and digits. */
static bool record_id_ok(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n != 15 && n != 18)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* Links a pulled Contact (its record Id) to the person: PATCH /sobjects/Contact/{Id} with
 * only the external id field (204). A Contact gone meanwhile (404 NOT_FOUND) or an external
 * id another Contact holds (DUPLICATE_VALUE) is permanent for that person. */
static rk_err sf_link(struct rk_client *cl, const char *remote, const char *person_id,
                      struct rk_client_result *r) {
    struct sf *c = (struct sf *)cl;
    if (!record_id_ok(remote)) {
        refuse(r, "the Contact Id is not 15 or 18 letters and digits");
        return RK_OK;
    }
    if (!person_id_ok(person_id)) {
        refuse(r, "the person id is not letters and digits");
        return RK_OK;
    }
    /* Both are checked above: a field name and letters and digits need no escaping. */
    char body[RK_SF_FIELD_MAX + RK_CLIENT_REMOTE_MAX + 16], path[PATH_MAX_SF];
    int len = snprintf(body, sizeof body, "{\"%s\":\"%s\"}", c->ext, person_id);
    if (len < 0 || (size_t)len >= sizeof body) {
        refuse(r, "the external id field and person id are too long");
        return RK_OK;
    }
    snprintf(path, sizeof path, "/services/data/v%s/sobjects/Contact/%s", c->version, remote);
    struct call k;
    rk_err err = api(c, "PATCH", path, body, (size_t)len, NULL, 0, false, &k);
    if (err != RK_OK)
        return err;
    result_of(&k, r);
    if (k.outcome == RK_CONNECT_OK)
        snprintf(r->remote, sizeof r->remote, "%s", person_id);
    rk_buf_cleanup(&k.a.body);
    return RK_OK;
}

static const struct rk_client_ops sf_ops = {.type = "salesforce",
                                            .batch_min = 200,
                                            .batch_max = 10000,
                                            .put = sf_put,
                                            .put_many = sf_put_many,
                                            .erase = sf_erase,
                                            .pull = sf_pull,
                                            .remote = sf_remote,
                                            .link = sf_link,
                                            .close = sf_close};

static rk_err env_cred(const struct rk_recipient *r, const char *var, char **out,
                       struct rk_error *e) {
    const char *v = var ? getenv(var) : NULL;
    if (!v || !*v)
        return rk_error_set(e, RK_EREFUSED, "connector",
                            "recipient '%s' is not configured: environment variable %s is not set",
                            r->id, var ? var : "(none declared)");
    if (strlen(v) > RK_SF_CRED_MAX)
        return rk_error_set(e, RK_EREFUSED, "connector",
                            "recipient '%s' is not configured: environment variable %s is longer "
                            "than %d bytes",
                            r->id, var, RK_SF_CRED_MAX);
    *out = strdup(v);
    return *out ? RK_OK : RK_ENOMEM;
}

static bool version_ok(const char *v) {
    size_t n = strlen(v), dots = 0;
    if (n == 0 || n > VERSION_MAX || v[0] == '.' || v[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '.')
            dots++;
        else if (v[i] < '0' || v[i] > '9')
            return false;
    }
    return dots == 1;
}

rk_err rk_sf_client_open(const struct rk_recipient *r, struct rk_client **out, struct rk_error *e) {
    *out = NULL;
    const struct rk_connector *k = &r->connector;
    if (k->type != RK_CONNECTOR_SALESFORCE)
        return rk_error_set(e, RK_EINVAL, "connector", "recipient '%s' has no salesforce connector",
                            r->id);
    const char *version = k->api_version ? k->api_version : "60.0";
    const char *why = NULL;
    if (!k->url || strlen(k->url) > RK_SF_URL_MAX)
        why = "its instance_url is missing or longer than 255 bytes";
    else if (k->token_url && strlen(k->token_url) > RK_SF_URL_MAX)
        why = "its token_url is longer than 255 bytes";
    else if (!rk_sf_field_name_ok(k->external_id_field))
        why = "its external_id_field is not a Salesforce API field name";
    else if (!rk_sf_field_name_ok(k->restriction_field))
        why = "its restriction_field is not a Salesforce API field name";
    else if (!version_ok(version))
        why = "its api_version is not a version like \"60.0\"";
    if (why)
        return rk_error_set(e, RK_EREFUSED, "connector", "recipient '%s' is not configured: %s",
                            r->id, why);
    struct sf *c = calloc(1, sizeof *c);
    if (!c)
        return RK_ENOMEM;
    c->base = (struct rk_client){.ops = &sf_ops, .recipient = r};
    rk_err err = env_cred(r, k->client_id_env, &c->client_id, e);
    if (err == RK_OK)
        err = env_cred(r, k->client_secret_env, &c->client_secret, e);
    if (err != RK_OK) {
        sf_close(&c->base);
        return err;
    }
    snprintf(c->instance, sizeof c->instance, "%s", k->url);
    size_t n = strlen(c->instance);
    while (n > 0 && c->instance[n - 1] == '/')
        c->instance[--n] = '\0';
    if (k->token_url)
        snprintf(c->token_url, sizeof c->token_url, "%s", k->token_url);
    else
        snprintf(c->token_url, sizeof c->token_url, "%s/services/oauth2/token", c->instance);
    snprintf(c->version, sizeof c->version, "%s", version);
    c->ext = k->external_id_field;
    c->restr = k->restriction_field;
    for (size_t i = 0; i < r->nshares; i++)
        for (size_t j = 0; j < r->shares[i].ncategories; j++) {
            int f = rk_field_from_id(r->shares[i].categories[j]->id);
            if (f >= 0)
                c->shares |= RK_SF_SHARES(f);
        }
    *out = &c->base;
    return RK_OK;
}
