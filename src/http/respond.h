/*
 * respond.h — the shared response rules every handler answers through
 * (respond.c): the security headers on every answer, JSON errors
 * {"error":{"code","message","field"?,"fi"?}}, refusals being prepared,
 * the register's refusals mapped to statuses, and the request's language.
 */
#ifndef RK_HTTP_RESPOND_H
#define RK_HTTP_RESPOND_H

#include <jansson.h>
#include <microhttpd.h>

#include "http/service.h"
#include "util/err.h"

/* Queues a response with the security headers; body is copied or kept per mode. */
rk_http_result rk_http_respond(struct MHD_Connection *c, struct rk_http_request *r, int status,
                               const char *type, const char *body, size_t len,
                               enum MHD_ResponseMemoryMode mode);
/* As rk_http_respond, with n more headers (name, value). */
rk_http_result rk_http_respond_with(struct MHD_Connection *c, struct rk_http_request *r, int status,
                                    const char *type, const char *body, size_t len,
                                    enum MHD_ResponseMemoryMode mode,
                                    const char *const (*headers)[2], size_t n);
/* Queues resp (taken; NULL answers MHD_NO) with the security headers and the content type. */
rk_http_result rk_http_queue(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *type, struct MHD_Response *resp);
/* A JSON error; code is a short stable word, message a sentence without personal data. */
rk_http_result rk_http_error(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *code, const char *message);
/* As rk_http_error, with what people are shown (the console): the field the error concerns
 * and the error as a Finnish sentence, each left out when NULL or empty. Never a value. */
rk_http_result rk_http_error_for_people(struct MHD_Connection *c, struct rk_http_request *r,
                                        int status, const char *code, const char *message,
                                        const char *field, const char *fi);
/* 401 with the challenge RFC 6750 asks for. */
rk_http_result rk_http_unauthorized(struct MHD_Connection *c, struct rk_http_request *r,
                                    const char *code, const char *message);
/* 429 with Retry-After: retry seconds (the public routes' rate limit). */
rk_http_result rk_http_too_many(struct MHD_Connection *c, struct rk_http_request *r,
                                unsigned retry);
/* ?lang=fi|en, else the first of fi/en in Accept-Language, else Finnish. */
enum rk_lang rk_http_lang(struct MHD_Connection *c);
/* A refusal being prepared: status, stable code, message without personal data. */
struct rk_http_refusal {
    int status;
    const char *code; /* NULL: none */
    char message[400];
    char field[32]; /* the body member it concerns, for people ("email"); "": none */
    char fi[400];   /* the refusal as a Finnish sentence, for people; "": none */
};
/* Answers the refusal: {"error":{"code","message","field"?,"fi"?}}. */
rk_http_result rk_http_refused(struct MHD_Connection *c, struct rk_http_request *r,
                               const struct rk_http_refusal *no);
__attribute__((format(printf, 4, 5))) void rk_http_refuse(struct rk_http_refusal *out, int status,
                                                          const char *code, const char *fmt, ...);
/* Answers with doc rendered compactly (takes the reference). */
rk_http_result rk_http_json(struct MHD_Connection *c, struct rk_http_request *r, int status,
                            json_t *doc);
/* Answers a register refusal: 422 refused, 409 conflict, 404, 400, 503 (msg's sentence). */
rk_http_result rk_http_reg_error(struct MHD_Connection *c, struct rk_http_request *r, rk_err err,
                                 const struct rk_error *msg);
/* The client's address as text, for consent evidence (empty when unknown). */
void rk_http_client_ip(struct MHD_Connection *c, char *out, size_t n);

#endif
