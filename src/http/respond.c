/*
 * respond.c — the shared response rules: every answer carries the security
 * headers; every error is JSON {"error":{"code","message"}} (with "field" and
 * "fi" for people); a 503 after this request's write found the database
 * unwritable becomes the one storage answer; the register's refusals map to
 * statuses in one place. Handlers answer only through these.
 */
#include <jansson.h>
#include "http/service.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/respond.h"
#include "http/writer.h"

static const char *const security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    /* same-origin, not no-referrer: under no-referrer browsers send "Origin: null"
     * with a form's POST, which the forms' origin check must refuse. Other sites
     * still get no referrer. */
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cache-Control", "no-store"},
};

/* Queues resp (taken) with the security headers, n more headers and the content type. */
static rk_http_result queue_with(struct MHD_Connection *c, struct rk_http_request *r, int status,
                                 const char *type, struct MHD_Response *resp,
                                 const char *const (*headers)[2], size_t n) {
    if (!resp)
        return MHD_NO;
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++) {
        bool replaced = false; /* a header the caller gives itself (an asset's Cache-Control) */
        for (size_t j = 0; j < n && !replaced; j++)
            replaced = strcasecmp(headers[j][0], security_headers[i][0]) == 0;
        if (!replaced)
            MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    }
    for (size_t i = 0; i < n; i++)
        MHD_add_response_header(resp, headers[i][0], headers[i][1]);
    if (type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == 503) /* storage busy or unwritable, or no database: worth a later retry */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, RK_HTTP_RETRY_AFTER);
    r->status = status;
    rk_http_result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

rk_http_result rk_http_queue(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *type, struct MHD_Response *resp) {
    return queue_with(c, r, status, type, resp, NULL, 0);
}

rk_http_result rk_http_respond_with(struct MHD_Connection *c, struct rk_http_request *r, int status,
                                    const char *type, const char *body, size_t len,
                                    enum MHD_ResponseMemoryMode mode,
                                    const char *const (*headers)[2], size_t n) {
    return queue_with(c, r, status, type,
                      MHD_create_response_from_buffer(len, (void *)body, mode), headers, n);
}

rk_http_result rk_http_respond(struct MHD_Connection *c, struct rk_http_request *r, int status,
                               const char *type, const char *body, size_t len,
                               enum MHD_ResponseMemoryMode mode) {
    return rk_http_respond_with(c, r, status, type, body, len, mode, NULL, 0);
}

/* A JSON error; code is a short stable word, message a sentence without personal data.
 * A 503 "unavailable" after this request's write found the database unwritable becomes
 * the one answer every route gives then (docs/operations.md). */
rk_http_result rk_http_error(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *code, const char *message) {
    return rk_http_error_for_people(c, r, status, code, message, NULL, NULL);
}

rk_http_result rk_http_error_for_people(struct MHD_Connection *c, struct rk_http_request *r,
                                        int status, const char *code, const char *message,
                                        const char *field, const char *fi) {
    if (status == 503 && strcmp(code, "unavailable") == 0 && rk_writer_failed_here()) {
        code = RK_HTTP_STORAGE_CODE;
        message = RK_HTTP_STORAGE_MESSAGE;
        field = fi = NULL;
    }
    json_t *doc = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    json_t *e = doc ? json_object_get(doc, "error") : NULL;
    if (e && field && field[0])
        json_object_set_new(e, "field", json_string(field));
    if (e && fi && fi[0])
        json_object_set_new(e, "fi", json_string(fi));
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!body)
        return MHD_NO;
    rk_http_result ret = rk_http_respond(c, r, status, "application/json", body, strlen(body),
                                         MHD_RESPMEM_MUST_COPY);
    free(body);
    return ret;
}

/* 401 with the challenge RFC 6750 asks for. */
rk_http_result rk_http_unauthorized(struct MHD_Connection *c, struct rk_http_request *r,
                                    const char *code, const char *message) {
    char body[512];
    int n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code,
                     message);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"rekisteri\"");
    r->status = 401;
    rk_http_result ret = MHD_queue_response(c, 401, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ?lang=fi|en, else the first of fi/en in Accept-Language, else Finnish. */
enum rk_lang rk_http_lang(struct MHD_Connection *c) {
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (q)
        return strcmp(q, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    const char *al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
    if (al) {
        const char *fi = strstr(al, "fi"), *en = strstr(al, "en");
        if (en && (!fi || en < fi))
            return RK_LANG_EN;
    }
    return RK_LANG_FI;
}

rk_http_result rk_http_too_many(struct MHD_Connection *c, struct rk_http_request *r,
                                unsigned retry) {
    static const char body[] =
        "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests; try again "
        "later\"}}\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    char secs[16];
    snprintf(secs, sizeof secs, "%u", retry);
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    r->status = 429;
    rk_http_result ret = MHD_queue_response(c, 429, resp);
    MHD_destroy_response(resp);
    return ret;
}

rk_http_result rk_http_json(struct MHD_Connection *c, struct rk_http_request *r, int status,
                            json_t *doc) {
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!body)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    rk_http_result ret = rk_http_respond(c, r, status, "application/json", body, strlen(body),
                                         MHD_RESPMEM_MUST_COPY);
    free(body);
    return ret;
}

rk_http_result rk_http_reg_error(struct MHD_Connection *c, struct rk_http_request *r, rk_err err,
                                 const struct rk_error *msg) {
    int status;
    const char *code;
    switch (err) {
    case RK_EREFUSED: status = 422, code = "refused"; break;
    case RK_ECONFLICT: status = 409, code = "conflict"; break;
    case RK_ENOENT: status = 404, code = "not_found"; break;
    case RK_EINVAL:
    case RK_EPARSE:
    case RK_ETOOBIG: status = 400, code = "bad_request"; break;
    case RK_ENOMEM: status = 500, code = "internal"; break;
    default: status = 503, code = "unavailable"; break;
    }
    const char *text = msg && msg->message[0] ? msg->message : rk_err_str(err);
    if (status >= 500) {
        text = status == 500 ? "out of memory" : "the register's storage is not available";
        msg = NULL;
    }
    return rk_http_error_for_people(c, r, status, code, text, msg ? msg->where : NULL,
                                    msg ? msg->message_fi : NULL);
}

rk_http_result rk_http_refused(struct MHD_Connection *c, struct rk_http_request *r,
                               const struct rk_http_refusal *no) {
    return rk_http_error_for_people(c, r, no->status, no->code, no->message, no->field, no->fi);
}

void rk_http_refuse(struct rk_http_refusal *out, int status, const char *code, const char *fmt,
                    ...) {
    va_list ap;
    out->status = status;
    out->code = code;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    out->field[0] = out->fi[0] = '\0';
}

void rk_http_client_ip(struct MHD_Connection *c, char *out, size_t n) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
                  (socklen_t)n);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)n);
}
