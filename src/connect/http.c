/*
 * http.c — one HTTP(S) request to a recipient with libcurl, and what became
 * of it: ok (2xx), transient (no connection, a timeout, 408, 425, 429 or a
 * 5xx: try again later) or permanent (any other answer). Timeouts are always
 * set (10 s to connect, 30 s in all), redirects are not followed (a
 * recipient's URL is declared), and only http and https are spoken. Any
 * method is sent (GET, POST, PUT, PATCH, DELETE); a 429's or 503's
 * Retry-After (seconds) is read. Error texts come from the status code and
 * libcurl's static messages, never from the answer's body.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "connect/connect.h"
#include "worker/worker.h"

#define MAX_ANSWER ((size_t)64 * 1024)

rk_err rk_connect_global_init(void) { return rk_worker_curl_init(); }

struct taking {
    struct rk_buf *body;
    size_t max;
    bool cut;
    long retry_after_s;
};

static size_t take_body(char *data, size_t size, size_t n, void *ctx) {
    struct taking *t = ctx;
    size_t len = size * n;
    if (t->body->len + len <= t->max)
        rk_buf_append(t->body, data, len);
    else
        t->cut = true;
    return len; /* the rest is read and dropped */
}

/* Retry-After in delta seconds (an HTTP date is taken as no value). */
static size_t take_header(char *data, size_t size, size_t n, void *ctx) {
    struct taking *t = ctx;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t i = sizeof name - 1;
        while (i < len && (data[i] == ' ' || data[i] == '\t'))
            i++;
        long v = 0;
        size_t digits = 0;
        for (; i < len && isdigit((unsigned char)data[i]) && digits < 7; i++, digits++)
            v = v * 10 + (data[i] - '0');
        if (digits > 0 && digits < 7)
            t->retry_after_s = v;
    }
    return len;
}

rk_err rk_connect_http(const struct rk_connect_request *call, struct rk_connect_answer *out) {
    memset(out, 0, sizeof *out);
    rk_buf_init(&out->body);
    out->outcome = RK_CONNECT_TRANSIENT;
    CURL *c = curl_easy_init();
    if (!c)
        return RK_ENOMEM;
    struct curl_slist *headers = NULL;
    rk_err err = RK_OK;
    for (size_t i = 0; call->headers && call->headers[i]; i++) {
        struct curl_slist *h = curl_slist_append(headers, call->headers[i]);
        if (!h) {
            err = RK_ENOMEM;
            goto out;
        }
        headers = h;
    }
    curl_easy_setopt(c, CURLOPT_URL, call->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    struct taking taking = {.body = &out->body,
                            .max = call->answer_max ? call->answer_max : MAX_ANSWER};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &taking);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, take_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &taking);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     call->connect_timeout_s > 0 ? call->connect_timeout_s : 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, call->timeout_s > 0 ? call->timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rekisteri");
    if (strcmp(call->method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(call->method, "DELETE") == 0 && !call->body) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body ? call->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->len);
        if (strcmp(call->method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call->method);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        /* libcurl's static text for the code: the error buffer may name the host. */
        snprintf(out->error, sizeof out->error, "no answer: %s", curl_easy_strerror(rc));
        out->outcome = RK_CONNECT_TRANSIENT;
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out->status = status;
    out->retry_after_s = status == 429 || status == 503 ? taking.retry_after_s : 0;
    out->cut = taking.cut;
    if (status >= 200 && status < 300) {
        out->outcome = RK_CONNECT_OK;
    } else {
        bool transient = status == 408 || status == 425 || status == 429 || status >= 500;
        out->outcome = transient ? RK_CONNECT_TRANSIENT : RK_CONNECT_PERMANENT;
        snprintf(out->error, sizeof out->error, "the recipient answered HTTP %ld", status);
    }
    if (rk_buf_status(&out->body) != RK_OK)
        err = RK_ENOMEM;
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return err;
}
