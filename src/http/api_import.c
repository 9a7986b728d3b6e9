/*
 * api_import.c — POST /api/v1/import: a CSV file (text/csv body, up to
 * RK_HTTP_MAX_IMPORT bytes) imported into a register as `rekisteri import`
 * does: the same header mapping and row rules (core/import.h), the same
 * register rules for each row. Rows are parsed on the request thread and
 * handed to the writer in batches of BATCH, each batch one job, so a 200
 * counts only committed rows. Rejected rows are answered as line, column and
 * reason — never the row's data, which the client already holds.
 *
 * The console's routes (api_console.h) share all of it: POST /api/v1/imports
 * runs the same rows on a thread of its own as a job (a copy of the body,
 * counts and the rejects kept in memory for the account or token that began
 * it, GET /api/v1/imports/{id} and .../rejects.csv), and POST
 * /api/v1/imports/preview maps the header and parses the first rows without
 * writing anything.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/import.h"
#include "base/time.h"
#include "base/id.h"
#include "http/api_console.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "util/csv.h"

#define BATCH       128  /* rows per writer job */
#define REJECTS_MAX 1000 /* rejects listed in the answer; the rest are counted */

struct batch {
    const char *actor;
    struct rk_write w;
    const char *default_detail;
    bool needs_consent;
    size_t n;
    unsigned long line[BATCH];
    rk_err result[BATCH];
    struct rk_error msg[BATCH];
    struct rk_import_row rows[BATCH];
};

struct job;

struct import {
    struct rk_http_server *s;
    struct job *job; /* the console's background import, or NULL */
    const struct rk_role *role;
    struct batch *b;
    struct rk_import_reader rd; /* the header's map and the rows read (core/import.h) */
    bool header_failed;
    struct rk_http_refusal header; /* why the header was refused */
    struct rk_error refusal;       /* the header's or the last row's (core/import.h) */
    unsigned long imported, rejected, suppressed;
    json_t *rejects;
    rk_err fatal;
};

/* Storage failures stop the import; refusals reject one row. */
static bool storage_failed(rk_err e) {
    return e == RK_ENOMEM || e == RK_EIO || e == RK_EBUSY || e == RK_ESTORAGE;
}

static rk_err run_batch(struct rk_reg *reg, void *ctx) {
    struct batch *b = ctx;
    rk_reg_set_actor(reg, b->actor);
    for (size_t i = 0; i < b->n; i++) {
        struct rk_import_row *row = &b->rows[i];
        struct rk_write w = b->w;
        w.source_detail = row->source_detail ? row->source_detail : b->default_detail;
        struct rk_consent_input consent = {.at = row->consent_at,
                                           .evidence = row->consent_evidence};
        consent.channel = rk_source_kind_id(row->has_channel ? row->consent_channel : w.source);
        rk_error_clear(&b->msg[i]);
        b->result[i] = rk_reg_person_add(reg, &w, NULL, &row->contact,
                                         b->needs_consent ? &consent : NULL, NULL, &b->msg[i]);
        if (storage_failed(b->result[i]))
            return b->result[i];
    }
    return RK_OK;
}

static void job_reject(struct job *j, unsigned long line, const char *column, const char *why);
static void job_progress(struct import *im);
static bool job_progress_stopping(struct job *j);

static void reject(struct import *im, unsigned long line, const char *column, const char *why) {
    im->rejected++;
    if (im->job)
        job_reject(im->job, line, column, why);
    if (json_array_size(im->rejects) < REJECTS_MAX)
        json_array_append_new(im->rejects, json_pack("{s:I, s:s?, s:s}", "line", (json_int_t)line,
                                                     "column", column, "reason", why));
}

/* Hands the gathered rows to the writer and counts the outcome; false on a storage failure. */
static bool flush(struct import *im) {
    struct batch *b = im->b;
    if (b->n == 0)
        return true;
    rk_err err = rk_writer_run(im->s->writer, run_batch, b);
    if (err != RK_OK) {
        im->fatal = err; /* the group was rolled back: none of this batch is in */
        b->n = 0;
        return false;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->result[i] == RK_OK)
            im->imported++;
        else if (b->msg[i].flags & RK_ERROR_SUPPRESSED)
            im->suppressed++;
        else
            reject(im, b->line[i], NULL,
                   b->msg[i].message[0] ? b->msg[i].message : rk_err_str(b->result[i]));
    }
    b->n = 0;
    job_progress(im);
    return true;
}

static int on_record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                     const char *row_error) {
    struct import *im = ctx;
    if (im->job && job_progress_stopping(im->job))
        return 1; /* the service is stopping: the rows so far are in, the job failed */
    struct batch *b = im->b;
    struct rk_error *why = &im->refusal;
    switch (rk_import_step(&im->rd, fields, n, line, row_error, &b->rows[b->n], why)) {
    case RK_IMPORT_HEADER:
        for (int f = 0; f < RK_F__COUNT; f++)
            if (rk_import_map_has(&im->rd.map, (enum rk_import_col)f) &&
                !rk_role_grants(im->role, b->w.register_id, rk_field_id((enum rk_field)f)))
                rk_http_refuse(&im->header, 403, "forbidden",
                               "column %s: the token's role may not write this category",
                               rk_field_id((enum rk_field)f));
        if (!im->header.code)
            return 0;
        im->header_failed = true;
        return 1;
    case RK_IMPORT_BAD_HEADER:
        rk_http_refuse(&im->header, 400, "bad_csv", "%s", rk_error_msg(why));
        im->header_failed = true;
        return 1;
    case RK_IMPORT_REJECT:
        reject(im, line, why->where[0] ? why->where : NULL, rk_error_msg(why));
        return 0;
    case RK_IMPORT_ROW: break;
    }
    b->line[b->n++] = line;
    if (b->n == BATCH && !flush(im))
        return 1;
    return 0;
}

/*
 * Checks ?register=R&purpose=P&source=KIND&source_detail=T, the media type and the role,
 * and prepares im (its batch allocated: free(im->b), json_decref(im->rejects)); false after
 * queueing the answer in *ret.
 */
static bool import_setup(struct rk_http_server *s, struct MHD_Connection *c,
                         struct rk_http_request *r, const struct rk_role *role,
                         const struct rk_token *t, struct import *im, rk_http_result *ret) {
    const char *reg_id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "register");
    const char *purpose = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purpose");
    const char *source = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source");
    const char *detail = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source_detail");
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    memset(im, 0, sizeof *im);
    if (!reg_id || !source) {
        *ret = rk_http_error(c, r, 400, "bad_request",
                             "give register and source (and purpose when the register has more "
                             "than one)");
        return false;
    }
    if (!rk_http_media_type_is(type, "text/csv")) {
        *ret = rk_http_error(c, r, 415, "unsupported_media_type",
                             "send the file as Content-Type: text/csv");
        return false;
    }
    const struct rk_register *reg = rk_role_grants(role, reg_id, NULL)
                                        ? rk_decl_register(s->decl, reg_id)
                                        : NULL; /* a granted register is declared */
    if (!reg) {
        *ret = rk_http_error(c, r, 403, "forbidden",
                             "the token's role may not write to this register");
        return false;
    }
    if (!purpose && reg->npurposes != 1) {
        *ret = rk_http_error(c, r, 400, "bad_request",
                             "purpose: the register has several purposes; name the one this "
                             "data is for");
        return false;
    }
    const struct rk_purpose *p = rk_decl_purpose(s->decl, purpose ? purpose : reg->purposes[0]->id);
    if (!p) {
        *ret = rk_http_error(c, r, 400, "bad_request", "purpose: not a declared purpose");
        return false;
    }
    if (detail && strlen(detail) > 200) {
        *ret = rk_http_error(c, r, 400, "bad_request", "source_detail: at most 200 bytes");
        return false;
    }
    struct rk_error bad_detail = RK_ERROR_INIT;
    if (rk_text_field_check("source_detail", detail, false, &bad_detail) != RK_OK) {
        *ret = rk_http_error(c, r, 400, "bad_request", rk_error_msg(&bad_detail));
        return false;
    }
    enum rk_source_kind kind = RK_SRC__COUNT;
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (strcmp(rk_source_kind_id((enum rk_source_kind)k), source) == 0)
            kind = (enum rk_source_kind)k;
    if (kind == RK_SRC__COUNT) {
        *ret = rk_http_error(c, r, 400, "bad_request",
                             "source: not a source kind; expected web_form, email, phone, "
                             "contract, meeting, other_handover, public_source or third_party");
        return false;
    }
    im->s = s;
    im->role = role;
    im->rejects = json_array();
    im->b = calloc(1, sizeof *im->b);
    if (!im->rejects || !im->b) {
        json_decref(im->rejects);
        free(im->b);
        *ret = rk_http_error(c, r, 500, "internal", "out of memory");
        return false;
    }
    im->b->actor = t->name;
    im->b->w.register_id = reg->id;
    im->b->w.purpose = p->id;
    im->b->w.source = kind;
    im->b->w.at = rk_time_now();
    im->b->default_detail = detail;
    im->b->needs_consent = p->basis == RK_BASIS_CONSENT;
    return true;
}

/* Feeds data[0..len) through im's reader to the end; the CSV reader's error in err. */
static rk_err import_feed(struct import *im, const char *data, size_t len, struct rk_error *err) {
    struct rk_csv_reader *csv = NULL;
    im->rd.needs_consent = im->b->needs_consent;
    rk_err e = rk_csv_reader_new(on_record, im, &csv);
    if (e == RK_OK && len)
        e = rk_csv_feed(csv, data, len, err);
    if (e == RK_OK && !rk_csv_stopped(csv))
        e = rk_csv_finish(csv, err);
    if (e == RK_OK && !im->header_failed && im->fatal == RK_OK)
        flush(im);
    rk_csv_reader_free(csv);
    return e;
}

/* ?register=R&purpose=P&source=KIND&source_detail=T with the CSV as the body. */
RK_HTTP_HANDLER(rk_http_post_import) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    struct import im;
    if (!import_setup(s, c, r, role, &t, &im, &ret))
        return ret;
    struct rk_error err = RK_ERROR_INIT;
    rk_err e = import_feed(&im, r->body.data, r->body.len, &err);
    if (e == RK_ENOMEM) {
        ret = rk_http_error(c, r, 500, "internal", "out of memory");
    } else if (im.header_failed) {
        ret = rk_http_error(c, r, im.header.status, im.header.code, im.header.message);
    } else if (e == RK_OK && im.fatal == RK_OK && !im.rd.have_map) {
        ret = rk_http_error(c, r, 400, "bad_csv", "the file is empty: expected a header row");
    } else if (e != RK_OK || im.fatal != RK_OK) {
        char msg[400];
        bool unwritable = e != RK_EPARSE && im.fatal == RK_ESTORAGE;
        snprintf(msg, sizeof msg, "stopped: %s; %lu rows imported before it",
                 e == RK_EPARSE ? rk_error_msg(&err)
                 : unwritable   ? RK_HTTP_STORAGE_MESSAGE
                                : "the register's storage is not available",
                 im.imported);
        ret = rk_http_error(c, r, e == RK_EPARSE ? 400 : 503,
                            e == RK_EPARSE ? "bad_csv"
                            : unwritable   ? RK_HTTP_STORAGE_CODE
                                           : "unavailable",
                            msg);
    } else {
        fprintf(stderr, "{\"event\":\"import\",\"rows\":%lu,\"imported\":%lu}\n", im.rd.rows,
                im.imported);
        ret = rk_http_json(c, r, 200,
                           json_pack("{s:I, s:I, s:I, s:I, s:O, s:b}", "rows",
                                     (json_int_t)im.rd.rows, "imported", (json_int_t)im.imported,
                                     "rejected", (json_int_t)im.rejected, "suppressed",
                                     (json_int_t)im.suppressed, "rejects", im.rejects,
                                     "rejects_truncated", im.rejected > REJECTS_MAX));
    }
    json_decref(im.rejects);
    free(im.b);
    return ret;
}

/* ---- The console's import jobs ------------------------------------------------------------ */

#define JOBS_MAX        32     /* jobs kept; the oldest finished one makes room */
#define JOB_REJECTS_MAX 100000 /* reject lines kept for rejects.csv; the rest are counted */
#define PREVIEW_ROWS    5

enum job_state { JOB_RUNNING, JOB_DONE, JOB_FAILED };
static const char *const job_states[] = {"running", "done", "failed"};

struct job {
    char id[RK_ID_LEN + 1];
    char owner[RK_DECL_ID_MAX + 1]; /* the token or account (t.name) that began it */
    struct rk_http_server *s;
    const struct rk_role *role; /* the declaration's, alive as long as the server */
    struct rk_write w;
    char detail[256];
    bool has_detail, needs_consent;
    char *data; /* the body, copied; freed when the job ends */
    size_t len;
    pthread_t thread;
    bool stop; /* the service is stopping (under jobs_lock) */
    /* Under jobs_lock: */
    enum job_state state;
    unsigned long rows_total, rows_done, imported, rejected, suppressed, rejects_kept;
    char error[400];
    struct rk_buf rejects; /* "line,column,reason" CSV */
    rk_ts started, finished;
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *jobs[JOBS_MAX];

static void csv_cell(struct rk_buf *b, const char *v) {
    rk_buf_putc(b, '"');
    for (; v && *v; v++) {
        if (*v == '"')
            rk_buf_putc(b, '"');
        if (*v == '\r' || *v == '\n')
            rk_buf_putc(b, ' ');
        else
            rk_buf_putc(b, *v);
    }
    rk_buf_putc(b, '"');
}

static void job_reject(struct job *j, unsigned long line, const char *column, const char *why) {
    pthread_mutex_lock(&jobs_lock);
    if (j->rejects_kept < JOB_REJECTS_MAX) {
        j->rejects_kept++;
        rk_buf_printf(&j->rejects, "%lu,", line);
        csv_cell(&j->rejects, column ? column : "");
        rk_buf_putc(&j->rejects, ',');
        csv_cell(&j->rejects, why);
        rk_buf_puts(&j->rejects, "\r\n");
    }
    pthread_mutex_unlock(&jobs_lock);
}

static void job_progress(struct import *im) {
    struct job *j = im->job;
    if (!j)
        return;
    pthread_mutex_lock(&jobs_lock);
    j->rows_done = im->rd.rows;
    j->imported = im->imported;
    j->rejected = im->rejected;
    j->suppressed = im->suppressed;
    pthread_mutex_unlock(&jobs_lock);
}

static bool job_progress_stopping(struct job *j) {
    pthread_mutex_lock(&jobs_lock);
    bool stop = j->stop;
    pthread_mutex_unlock(&jobs_lock);
    return stop;
}

static int count_record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                        const char *row_error) {
    (void)fields, (void)n, (void)line, (void)row_error;
    (*(unsigned long *)ctx)++;
    return 0;
}

/* Records in data: the header and the rows (a malformed file: as far as it reads). */
static unsigned long count_records(const char *data, size_t len) {
    unsigned long n = 0;
    struct rk_csv_reader *csv = NULL;
    if (rk_csv_reader_new(count_record, &n, &csv) != RK_OK)
        return 0;
    rk_err e = rk_csv_feed(csv, data, len, NULL);
    if (e == RK_OK)
        e = rk_csv_finish(csv, NULL);
    rk_csv_reader_free(csv);
    return e == RK_OK || n ? n : 0; /* a malformed file: the records before the fault */
}

static void *job_main(void *arg) {
    struct job *j = arg;
    struct import im = {.s = j->s, .role = j->role, .job = j, .rejects = json_array()};
    im.b = calloc(1, sizeof *im.b);
    struct rk_error err = RK_ERROR_INIT;
    rk_err e = RK_ENOMEM;
    unsigned long total = count_records(j->data, j->len);
    pthread_mutex_lock(&jobs_lock);
    j->rows_total = total ? total - 1 : 0;
    pthread_mutex_unlock(&jobs_lock);
    if (im.b && im.rejects) {
        im.b->actor = j->owner;
        im.b->w = j->w;
        im.b->default_detail = j->has_detail ? j->detail : NULL;
        im.b->needs_consent = j->needs_consent;
        e = import_feed(&im, j->data, j->len, &err);
    }
    pthread_mutex_lock(&jobs_lock);
    j->rows_done = im.rd.rows;
    j->imported = im.imported;
    j->rejected = im.rejected;
    j->suppressed = im.suppressed;
    j->state = JOB_FAILED;
    if (e == RK_ENOMEM)
        snprintf(j->error, sizeof j->error, "out of memory");
    else if (im.header_failed)
        snprintf(j->error, sizeof j->error, "%s", im.header.message);
    else if (e == RK_OK && im.fatal == RK_OK && !im.rd.have_map)
        snprintf(j->error, sizeof j->error, "the file is empty: expected a header row");
    else if (e == RK_EPARSE)
        snprintf(j->error, sizeof j->error, "stopped: %s; %lu rows imported before it",
                 rk_error_msg(&err), im.imported);
    else if (im.fatal != RK_OK || e != RK_OK || j->stop)
        snprintf(j->error, sizeof j->error, "stopped: %s; %lu rows imported before it",
                 j->stop                   ? "the service stopped"
                 : im.fatal == RK_ESTORAGE ? RK_HTTP_STORAGE_MESSAGE
                                           : "the register's storage is not available",
                 im.imported);
    else
        j->state = JOB_DONE;
    j->finished = rk_time_now();
    free(j->data); /* the rows are in, or rejected: the upload is not kept */
    j->data = NULL;
    pthread_mutex_unlock(&jobs_lock);
    fprintf(stderr, "{\"event\":\"import_job\",\"state\":\"%s\",\"rows\":%lu,\"imported\":%lu}\n",
            job_states[j->state], im.rd.rows, im.imported);
    json_decref(im.rejects);
    free(im.b);
    return NULL;
}

static void job_free(struct job *j) {
    if (!j)
        return;
    free(j->data);
    rk_buf_cleanup(&j->rejects);
    free(j);
}

void rk_http_imports_stop(struct rk_http_server *s) {
    struct job *mine[JOBS_MAX];
    size_t n = 0;
    pthread_mutex_lock(&jobs_lock);
    for (size_t i = 0; i < JOBS_MAX; i++)
        if (jobs[i] && jobs[i]->s == s) {
            jobs[i]->stop = true;
            mine[n++] = jobs[i];
            jobs[i] = NULL;
        }
    pthread_mutex_unlock(&jobs_lock);
    for (size_t i = 0; i < n; i++) {
        pthread_join(mine[i]->thread, NULL);
        job_free(mine[i]);
    }
}

/* A free slot (evicting the oldest finished job: joined, freed), or -1 when all run. */
static int job_slot(struct job **evicted) {
    int oldest = -1;
    *evicted = NULL;
    for (int i = 0; i < JOBS_MAX; i++) {
        if (!jobs[i])
            return i;
        if (jobs[i]->state != JOB_RUNNING &&
            (oldest < 0 || jobs[i]->finished < jobs[oldest]->finished))
            oldest = i;
    }
    if (oldest >= 0) {
        *evicted = jobs[oldest];
        jobs[oldest] = NULL;
    }
    return oldest;
}

/* POST /api/v1/imports?register=&purpose=&source=&source_detail= (text/csv, ≤ 16 MiB): 202 {id}. */
RK_HTTP_HANDLER(rk_http_post_imports) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_IMPORT, &t, NULL, &ret);
    if (!role)
        return ret;
    struct import im;
    if (!import_setup(s, c, r, role, &t, &im, &ret))
        return ret;
    struct job *j = calloc(1, sizeof *j);
    if (j) {
        rk_id_new(j->id);
        snprintf(j->owner, sizeof j->owner, "%s", t.name);
        j->s = s;
        j->role = role;
        j->w = im.b->w;
        j->needs_consent = im.b->needs_consent;
        j->has_detail = im.b->default_detail != NULL;
        snprintf(j->detail, sizeof j->detail, "%s", j->has_detail ? im.b->default_detail : "");
        j->state = JOB_RUNNING;
        j->started = rk_time_now();
        rk_buf_init(&j->rejects);
        rk_buf_puts(&j->rejects, "line,column,reason\r\n");
        j->len = r->body.len;
        j->data = malloc(j->len ? j->len : 1);
        if (j->data && j->len)
            memcpy(j->data, r->body.data, j->len);
    }
    json_decref(im.rejects);
    free(im.b);
    if (!j || !j->data) {
        job_free(j);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    struct job *evicted = NULL;
    pthread_mutex_lock(&jobs_lock);
    int slot = job_slot(&evicted);
    if (slot >= 0 && pthread_create(&j->thread, NULL, job_main, j) == 0)
        jobs[slot] = j;
    else
        slot = -1;
    pthread_mutex_unlock(&jobs_lock);
    if (evicted) {
        pthread_join(evicted->thread, NULL);
        job_free(evicted);
    }
    if (slot < 0) {
        job_free(j);
        return rk_http_error(c, r, 503, "busy",
                             "too many imports are running; try again when one has finished");
    }
    rk_http_audit(s, &t, "import.start", NULL, j->w.register_id);
    return rk_http_json(c, r, 202, json_pack("{s:s}", "id", j->id));
}

/* The job with r's {id} when t began it; NULL after the answer (404 for others' and unknown
 * ones alike) in *ret. Called with jobs_lock held; the job stays while it is. */
static struct job *job_find(struct MHD_Connection *c, struct rk_http_request *r,
                            const struct rk_token *t, rk_http_result *ret) {
    for (size_t i = 0; i < JOBS_MAX; i++)
        if (jobs[i] && strcmp(jobs[i]->id, r->param[0]) == 0 &&
            strcmp(jobs[i]->owner, t->name) == 0)
            return jobs[i];
    *ret = rk_http_error(c, r, 404, "not_found", "no such import (or it was begun by another)");
    return NULL;
}

RK_HTTP_HANDLER(rk_http_get_import_job) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_IMPORT, &t, NULL, &ret))
        return ret;
    pthread_mutex_lock(&jobs_lock);
    struct job *j = job_find(c, r, &t, &ret);
    json_t *doc = NULL;
    if (j) {
        char started[RK_TS_LEN + 1], finished[RK_TS_LEN + 1] = "";
        rk_ts_format(j->started, started);
        if (j->finished)
            rk_ts_format(j->finished, finished);
        doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s?, s:s?}", "id", j->id,
                        "state", job_states[j->state], "rows_total", (json_int_t)j->rows_total,
                        "rows_done", (json_int_t)j->rows_done, "imported", (json_int_t)j->imported,
                        "rejected", (json_int_t)j->rejected, "suppressed",
                        (json_int_t)j->suppressed, "started", started, "finished",
                        finished[0] ? finished : NULL, "error", j->error[0] ? j->error : NULL);
    }
    pthread_mutex_unlock(&jobs_lock);
    return j ? rk_http_json(c, r, 200, doc) : ret;
}

RK_HTTP_HANDLER(rk_http_get_import_rejects) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_IMPORT, &t, NULL, &ret))
        return ret;
    pthread_mutex_lock(&jobs_lock);
    struct job *j = job_find(c, r, &t, &ret);
    char *copy = NULL;
    size_t len = 0;
    if (j && rk_buf_status(&j->rejects) == RK_OK && (copy = malloc(j->rejects.len + 1))) {
        len = j->rejects.len;
        memcpy(copy, j->rejects.data, len);
    }
    pthread_mutex_unlock(&jobs_lock);
    if (!j)
        return ret;
    if (!copy)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    static const char *const disposition[][2] = {
        {"Content-Disposition", "attachment; filename=\"rejects.csv\""}};
    ret = rk_http_respond_with(c, r, 200, "text/csv; charset=utf-8", copy, len,
                               MHD_RESPMEM_MUST_COPY, disposition, 1);
    free(copy);
    return ret;
}

/* ---- POST /api/v1/imports/preview ------------------------------------------------------- */

struct preview {
    const struct rk_role *role;
    const char *register_id;
    bool needs_consent;
    struct rk_import_map map;
    bool have_map, header_failed;
    unsigned long rows;
    json_t *columns, *rows_json, *errors;
    struct rk_import_row row;
};

static void preview_error(struct preview *p, unsigned long line, const char *column,
                          const char *reason) {
    json_array_append_new(p->errors, json_pack("{s:I, s:s?, s:s}", "line", (json_int_t)line,
                                               "column", column, "reason", reason));
}

static int on_preview(void *ctx, const char *const *fields, size_t n, unsigned long line,
                      const char *row_error) {
    struct preview *p = ctx;
    if (!p->have_map && !p->header_failed) {
        struct rk_error err = RK_ERROR_INIT;
        bool ok = !row_error && rk_import_map_parse(fields, n, &p->map, &err) == RK_OK;
        for (size_t i = 0; i < n; i++) {
            const char *field =
                ok && p->map.col[i] < RK_IC__COUNT ? rk_import_col_id(p->map.col[i]) : NULL;
            json_array_append_new(p->columns,
                                  json_pack("{s:s, s:s?}", "header", fields[i], "field", field));
        }
        if (!ok) {
            preview_error(p, line, NULL, row_error ? row_error : err.message);
            p->header_failed = true;
            return 1;
        }
        p->have_map = true;
        for (int f = 0; f < RK_F__COUNT; f++)
            if (rk_import_map_has(&p->map, (enum rk_import_col)f) &&
                !rk_role_grants(p->role, p->register_id, rk_field_id((enum rk_field)f)))
                preview_error(p, line, rk_field_id((enum rk_field)f),
                              "the role may not write this category");
        return 0;
    }
    if (++p->rows > PREVIEW_ROWS)
        return 1;
    json_t *cells = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(cells, json_string(fields[i]));
    json_array_append_new(p->rows_json, cells);
    struct rk_error why = RK_ERROR_INIT;
    if (row_error)
        preview_error(p, line, NULL, row_error);
    else if (rk_import_row_parse(&p->map, fields, n, &p->row, &why) != RK_OK)
        preview_error(p, line, why.where[0] ? why.where : NULL, rk_error_msg(&why));
    else if (p->needs_consent && !p->row.has_consent)
        preview_error(p, line, "consent_at", "no consent recorded for a consent-based purpose");
    return 0;
}

/* POST /api/v1/imports/preview?register=&purpose=&source= (text/csv, the first 64 KiB). */
RK_HTTP_HANDLER(rk_http_post_imports_preview) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_IMPORT, &t, NULL, &ret);
    if (!role)
        return ret;
    struct import im;
    if (!import_setup(s, c, r, role, &t, &im, &ret))
        return ret;
    struct preview *p = calloc(1, sizeof *p);
    struct rk_csv_reader *csv = NULL;
    struct rk_error err = RK_ERROR_INIT;
    if (p) {
        p->role = role;
        p->register_id = im.b->w.register_id;
        p->needs_consent = im.b->needs_consent;
        p->columns = json_array();
        p->rows_json = json_array();
        p->errors = json_array();
    }
    json_decref(im.rejects);
    free(im.b);
    if (!p || !p->columns || !p->rows_json || !p->errors ||
        rk_csv_reader_new(on_preview, p, &csv) != RK_OK) {
        ret = rk_http_error(c, r, 500, "internal", "out of memory");
        goto out;
    }
    rk_err e = r->body.len ? rk_csv_feed(csv, r->body.data, r->body.len, &err) : RK_OK;
    if (e == RK_OK && !rk_csv_stopped(csv))
        e = rk_csv_finish(csv, &err);
    /* e.g. a quote left open where the sample was cut */
    if (e == RK_EPARSE && !p->header_failed && p->rows < PREVIEW_ROWS)
        preview_error(p, 0, NULL, err.message);
    if (!p->have_map && !p->header_failed)
        preview_error(p, 1, NULL, "the file is empty: expected a header row");
    ret = rk_http_json(c, r, 200,
                       json_pack("{s:O, s:O, s:O}", "columns", p->columns, "rows", p->rows_json,
                                 "errors", p->errors));
out:
    rk_csv_reader_free(csv);
    if (p) {
        json_decref(p->columns);
        json_decref(p->rows_json);
        json_decref(p->errors);
    }
    free(p);
    return ret;
}
