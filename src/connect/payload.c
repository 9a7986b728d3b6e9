/*
 * payload.c — the bytes the connectors send and the OpenGDPR status answers
 * they read, as pure functions: the webhook's JSON body and its HMAC-SHA256
 * signature, UUID v4 request ids, the OpenGDPR 1.0 erasure request, and the
 * status parser (fuzzed by fuzz/fuzz_opengdpr.c). The formats are specified
 * in docs/recipients.md.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "connect/connect.h"

#define MAX_STATUS_BODY ((size_t)64 * 1024)

static const char *const kinds[RK_NOTICE__COUNT] = {"rectification", "erasure", "restriction",
                                                    "restriction_lifted"};
static const char *const states[RK_NOTICE_STATE__COUNT] = {"queued", "pending", "done", "failed",
                                                           "unsupported"};

rk_err rk_connect_status_err(long status) {
    if (status == 400 || status == 422)
        return RK_EINVAL;
    if (status == 401 || status == 403)
        return RK_EREFUSED;
    if (status == 404)
        return RK_ENOENT;
    if (status == 409)
        return RK_ECONFLICT;
    if (status == 429 || (status >= 500 && status <= 599))
        return RK_EBUSY;
    return RK_EIO;
}

const char *rk_notice_kind_name(enum rk_notice_kind k) {
    return (unsigned)k < RK_NOTICE__COUNT ? kinds[k] : "?";
}

const char *rk_notice_state_name(enum rk_notice_state s) {
    return (unsigned)s < RK_NOTICE_STATE__COUNT ? states[s] : "?";
}

bool rk_notice_kind_parse(const char *s, enum rk_notice_kind *out) {
    for (int i = 0; s && i < RK_NOTICE__COUNT; i++)
        if (strcmp(s, kinds[i]) == 0) {
            *out = (enum rk_notice_kind)i;
            return true;
        }
    return false;
}

/* Dumps j (taken) compactly in insertion order into out. */
static rk_err dump(json_t *j, struct rk_buf *out) {
    if (!j)
        return RK_ENOMEM;
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(j);
    if (!text)
        return RK_ENOMEM;
    rk_buf_puts(out, text);
    sodium_memzero(text, strlen(text)); /* it held an identity */
    free(text);
    return rk_buf_status(out);
}

static json_t *text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

rk_err rk_webhook_body(const struct rk_notice_row *n, struct rk_buf *out) {
    char at[RK_TS_LEN + 1];
    rk_ts_format(n->created_at, at);
    json_t *j =
        json_pack("{s:s, s:I, s:s, s:o, s:{s:o}, s:s}", "event", rk_notice_kind_name(n->kind),
                  "notice_id", (json_int_t)n->id, "person_id", n->person_id ? n->person_id : "",
                  "request_id", text_or_null(n->request_id), "identity", "email",
                  text_or_null(n->identity_email), "occurred_at", at);
    return dump(j, out);
}

static void hex(const unsigned char *b, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void rk_webhook_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                     char out[7 + 64 + 1]) {
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    snprintf(out, 8, "sha256=");
    hex(mac, sizeof mac, out + 7);
}

void rk_uuid_v4(char out[RK_UUID_LEN + 1]) {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char h[33];
    hex(b, sizeof b, h);
    snprintf(out, RK_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

bool rk_uuid_ok(const char *s) {
    if (!s || strlen(s) != RK_UUID_LEN)
        return false;
    for (int i = 0; i < RK_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    }
    return true;
}

rk_err rk_opengdpr_request_body(const char *request_id, const char *email,
                                enum rk_identity_format format, rk_ts submitted,
                                struct rk_buf *out) {
    char at[RK_TS_LEN + 1];
    rk_ts_format(submitted, at);
    char digest[crypto_hash_sha256_BYTES * 2 + 1];
    const char *value = email;
    if (format == RK_IDENTITY_SHA256) {
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)email, strlen(email));
        hex(h, sizeof h, digest);
        value = digest;
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}], s:s}", "subject_request_id",
                          request_id, "subject_request_type", "erasure", "submitted_time", at,
                          "subject_identities", "identity_type", "email", "identity_value", value,
                          "identity_format", rk_identity_format_id(format), "api_version", "1.0");
    return dump(j, out);
}

rk_err rk_opengdpr_parse_status(const char *body, size_t len, const char *expect_id,
                                enum rk_opengdpr_status *out, struct rk_error *e) {
    static const char *const names[] = {"pending", "in_progress", "completed", "cancelled"};
    if (len > MAX_STATUS_BODY)
        return rk_error_set(e, RK_EPARSE, NULL, "the status answer is longer than 64 KiB");
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return rk_error_set(e, RK_EPARSE, NULL,
                            "the status answer is not JSON (line %d, column %d)", je.line,
                            je.column);
    json_t *st = json_object_get(j, "request_status");
    json_t *id = json_object_get(j, "subject_request_id");
    rk_err err = RK_EPARSE;
    if (!json_is_object(j))
        err = rk_error_set(e, RK_EPARSE, NULL, "the status answer is not a JSON object");
    else if (!json_is_string(st))
        err = rk_error_set(e, RK_EPARSE, "request_status",
                           "the status answer has no request_status text");
    else if (id && !json_is_string(id))
        err = rk_error_set(e, RK_EPARSE, "subject_request_id",
                           "subject_request_id in the status answer is not a text");
    else if (id && expect_id && strcmp(json_string_value(id), expect_id) != 0)
        err = rk_error_set(e, RK_EPARSE, "subject_request_id",
                           "the status answer is for another subject_request_id");
    else {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(json_string_value(st), names[i]) == 0) {
                *out = (enum rk_opengdpr_status)i;
                err = RK_OK;
            }
        if (err != RK_OK)
            err = rk_error_set(e, RK_EPARSE, "request_status",
                               "request_status is not one of pending, in_progress, completed, "
                               "cancelled");
    }
    json_decref(j);
    return err;
}
