/*
 * api_import.c — POST /api/v1/import: a CSV file (text/csv body, up to
 * RK_HTTP_MAX_IMPORT bytes) imported into a register as `rekisteri import`
 * does: the same header mapping and row rules (core/import.h), the same
 * register rules for each row. Rows are parsed on the request thread and
 * handed to the writer in batches of BATCH, each batch one job, so a 200
 * counts only committed rows. Rejected rows are answered as line, column and
 * reason — never the row's data, which the client already holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/import.h"
#include "core/time.h"
#include "http/internal.h"
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
    struct rk_msg msg[BATCH];
    struct rk_import_row rows[BATCH];
};

struct import {
    struct rk_http_server *s;
    const struct rk_role *role;
    struct batch *b;
    struct rk_import_map map;
    bool have_map, header_failed;
    struct rk_http_refusal header; /* why the header was refused */
    unsigned long rows, imported, rejected, suppressed;
    json_t *rejects;
    rk_err fatal;
};

/* Storage failures stop the import; refusals reject one row. */
static bool storage_failed(rk_err e) {
    return e == RK_ENOMEM || e == RK_EIO || e == RK_EBUSY || e == RK_ESTORAGE;
}

static rk_err run_batch(struct rk_reg *reg, void *ctx) {
    struct batch *b = ctx;
    reg->actor = b->actor;
    for (size_t i = 0; i < b->n; i++) {
        struct rk_import_row *row = &b->rows[i];
        struct rk_write w = b->w;
        w.source_detail = row->source_detail ? row->source_detail : b->default_detail;
        struct rk_consent_input consent = {.at = row->consent_at,
                                           .evidence = row->consent_evidence};
        consent.channel = rk_source_kind_id(row->has_channel ? row->consent_channel : w.source);
        memset(&b->msg[i], 0, sizeof b->msg[i]);
        b->result[i] = rk_reg_person_add(reg, &w, NULL, &row->contact,
                                         b->needs_consent ? &consent : NULL, NULL, &b->msg[i]);
        if (storage_failed(b->result[i]))
            return b->result[i];
    }
    return RK_OK;
}

static void reject(struct import *im, unsigned long line, const char *column, const char *why) {
    im->rejected++;
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
        else if (b->msg[i].suppressed)
            im->suppressed++;
        else
            reject(im, b->line[i], NULL,
                   b->msg[i].text[0] ? b->msg[i].text : rk_err_str(b->result[i]));
    }
    b->n = 0;
    return true;
}

static int on_record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                     const char *row_error) {
    struct import *im = ctx;
    if (!im->have_map) {
        char err[400] = "";
        if (row_error) {
            rk_http_refuse(&im->header, 400, "bad_csv", "line %lu: the header %s", line, row_error);
        } else if (rk_import_map_parse(fields, n, &im->map, err, sizeof err) != RK_OK) {
            rk_http_refuse(&im->header, 400, "bad_csv", "%s", err);
        } else {
            im->have_map = true;
            for (int f = 0; f < RK_F__COUNT; f++)
                if (rk_import_map_has(&im->map, (enum rk_import_col)f) &&
                    !rk_role_grants(im->role, im->b->w.register_id, rk_field_id((enum rk_field)f)))
                    rk_http_refuse(&im->header, 403, "forbidden",
                                   "column %s: the token's role may not write this category",
                                   rk_field_id((enum rk_field)f));
            if (!im->header.code)
                return 0;
        }
        im->header_failed = true;
        return 1;
    }
    im->rows++;
    if (row_error) {
        reject(im, line, NULL, row_error);
        return 0;
    }
    struct batch *b = im->b;
    struct rk_import_row *row = &b->rows[b->n];
    const char *why = NULL, *column = NULL;
    if (rk_import_row_parse(&im->map, fields, n, row, &why, &column) != RK_OK) {
        reject(im, line, column, why ? why : "is not valid");
        return 0;
    }
    if (b->needs_consent && !row->has_consent) {
        reject(im, line, "consent_at", "no consent recorded for a consent-based purpose");
        return 0;
    }
    b->line[b->n++] = line;
    if (b->n == BATCH && !flush(im))
        return 1;
    return 0;
}

/* ?register=R&purpose=P&source=KIND&source_detail=T with the CSV as the body. */
RK_HTTP_HANDLER(rk_http_post_import) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *reg_id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "register");
    const char *purpose = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purpose");
    const char *source = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source");
    const char *detail = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source_detail");
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!reg_id || !source)
        return rk_http_error(c, r, 400, "bad_request",
                             "give register and source (and purpose when the register has more "
                             "than one)");
    if (!rk_http_media_type_is(type, "text/csv"))
        return rk_http_error(c, r, 415, "unsupported_media_type",
                             "send the file as Content-Type: text/csv");
    if (!rk_role_grants(role, reg_id, NULL))
        return rk_http_error(c, r, 403, "forbidden",
                             "the token's role may not write to this register");
    const struct rk_register *reg = rk_decl_register(s->decl, reg_id);
    if (!reg) /* unreachable: a granted register is declared */
        return rk_http_error(c, r, 403, "forbidden", "the register is not declared");
    if (!purpose && reg->npurposes != 1)
        return rk_http_error(c, r, 400, "bad_request",
                             "purpose: the register has several purposes; name the one this "
                             "data is for");
    const struct rk_purpose *p = rk_decl_purpose(s->decl, purpose ? purpose : reg->purposes[0]->id);
    if (!p)
        return rk_http_error(c, r, 400, "bad_request", "purpose: not a declared purpose");
    if (detail && strlen(detail) > 200)
        return rk_http_error(c, r, 400, "bad_request", "source_detail: at most 200 bytes");
    char bad_detail[320];
    if (rk_text_field_check("source_detail", detail, false, bad_detail, sizeof bad_detail) != RK_OK)
        return rk_http_error(c, r, 400, "bad_request", bad_detail);
    struct import im = {.s = s, .role = role, .rejects = json_array()};
    im.b = calloc(1, sizeof *im.b);
    bool known = false;
    for (int k = 0; k < RK_SRC__COUNT && !known && im.b; k++)
        if (strcmp(rk_source_kind_id((enum rk_source_kind)k), source) == 0) {
            im.b->w.source = (enum rk_source_kind)k;
            known = true;
        }
    struct rk_csv_reader *csv = NULL;
    char err[300] = "";
    rk_err e = im.b && im.rejects ? rk_csv_reader_new(on_record, &im, &csv) : RK_ENOMEM;
    if (e != RK_OK) {
        ret = rk_http_error(c, r, 500, "internal", "out of memory");
        goto out;
    }
    if (!known) {
        ret = rk_http_error(c, r, 400, "bad_request",
                            "source: not a source kind; expected web_form, email, phone, "
                            "contract, meeting, other_handover, public_source or third_party");
        goto out;
    }
    im.b->actor = t.name;
    im.b->w.register_id = reg->id;
    im.b->w.purpose = p->id;
    im.b->w.at = rk_time_now();
    im.b->default_detail = detail;
    im.b->needs_consent = p->basis == RK_BASIS_CONSENT;
    if (r->body.len)
        e = rk_csv_feed(csv, r->body.data, r->body.len, err, sizeof err);
    if (e == RK_OK && !rk_csv_stopped(csv))
        e = rk_csv_finish(csv, err, sizeof err);
    if (e == RK_OK && !im.header_failed && im.fatal == RK_OK)
        flush(&im);
    if (im.header_failed) {
        ret = rk_http_error(c, r, im.header.status, im.header.code, im.header.message);
    } else if (e == RK_OK && im.fatal == RK_OK && !im.have_map) {
        ret = rk_http_error(c, r, 400, "bad_csv", "the file is empty: expected a header row");
    } else if (e != RK_OK || im.fatal != RK_OK) {
        char msg[400];
        bool unwritable = e != RK_EPARSE && im.fatal == RK_ESTORAGE;
        snprintf(msg, sizeof msg, "stopped: %s; %lu rows imported before it",
                 e == RK_EPARSE ? err
                 : unwritable   ? RK_HTTP_STORAGE_MESSAGE
                                : "the register's storage is not available",
                 im.imported);
        ret = rk_http_error(c, r, e == RK_EPARSE ? 400 : 503,
                            e == RK_EPARSE ? "bad_csv"
                            : unwritable   ? RK_HTTP_STORAGE_CODE
                                           : "unavailable",
                            msg);
    } else {
        fprintf(stderr, "{\"event\":\"import\",\"rows\":%lu,\"imported\":%lu}\n", im.rows,
                im.imported);
        ret = rk_http_json(c, r, 200,
                           json_pack("{s:I, s:I, s:I, s:I, s:O, s:b}", "rows", (json_int_t)im.rows,
                                     "imported", (json_int_t)im.imported, "rejected",
                                     (json_int_t)im.rejected, "suppressed",
                                     (json_int_t)im.suppressed, "rejects", im.rejects,
                                     "rejects_truncated", im.rejected > REJECTS_MAX));
    }
out:
    rk_csv_reader_free(csv);
    json_decref(im.rejects);
    free(im.b);
    return ret;
}
