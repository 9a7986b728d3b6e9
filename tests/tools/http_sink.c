/*
 * http_sink.c — a small HTTP server for the connector tests, on 127.0.0.1
 * only (libmicrohttpd, one thread). Every request is recorded, once its body
 * has arrived whole, as DIR/NNNN.req (the request line "METHOD PATH", the
 * headers "Name: value", an empty line, the body) and DIR/NNNN.body (the body
 * alone, byte for byte), each written aside and renamed into place.
 *
 * usage: http_sink --dir DIR --port-file FILE [--fail-first N] [--status CODE]
 *                  [--opengdpr] [--max-seconds S]
 * The first N requests are answered 503 (--fail-first); the rest --status
 * (default 200) with {"ok":true}. With --opengdpr it plays an OpenGDPR 1.0
 * processor: POST /opengdpr_requests answers 201 with the subject_request_id
 * echoed, and GET /opengdpr_requests/ID answers the status, pending on the
 * first poll, in_progress on the second and completed from the third on. It
 * exits on SIGTERM or SIGINT and after --max-seconds (default 120).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static const char *dir;
static int fail_first, status = 200, polls;
static bool opengdpr;
static unsigned seq;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

struct req {
    char *body;
    size_t len, cap;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
    (void)kind;
    fprintf((FILE *)cls, "%s: %s\n", key, value ? value : "");
    return MHD_YES;
}

/* Writes data to DIR/NAME through a temporary name. */
static void put_file(const char *name, const char *head, size_t hlen, const char *data,
                     size_t len) {
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    if (hlen)
        fwrite(head, 1, hlen, f);
    if (len)
        fwrite(data, 1, len, f);
    fclose(f);
    rename(tmp, path);
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code, const char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* The value of "subject_request_id" in a JSON body, found by text (tests only). */
static void request_id(const char *body, char out[64]) {
    out[0] = '\0';
    const char *p = body ? strstr(body, "\"subject_request_id\":\"") : NULL;
    if (!p)
        return;
    p += strlen("\"subject_request_id\":\"");
    size_t n = strcspn(p, "\"");
    snprintf(out, 64, "%.*s", (int)(n < 63 ? n : 63), p);
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
        if (q->len + *upload_size + 1 > q->cap) {
            size_t cap = (q->len + *upload_size + 1) * 2;
            char *b = realloc(q->body, cap);
            if (!b)
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload_data, *upload_size);
        q->len += *upload_size;
        q->body[q->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    /* The whole request is here: record it. */
    char *htext = NULL;
    size_t hlen = 0;
    FILE *h = open_memstream(&htext, &hlen);
    if (!h)
        return MHD_NO;
    fprintf(h, "%s %s\n", method, url);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, h);
    fputs("\n", h);
    fclose(h);
    unsigned n = ++seq;
    char name[32];
    snprintf(name, sizeof name, "%04u.body", n);
    put_file(name, NULL, 0, q->body, q->len);
    snprintf(name, sizeof name, "%04u.req", n);
    put_file(name, htext, hlen, q->body, q->len);
    free(htext);

    if (fail_first > 0) {
        fail_first--;
        return answer(c, 503, "{\"error\":{\"code\":503,\"message\":\"try later\"}}");
    }
    if (opengdpr && strcmp(method, "POST") == 0 && strcmp(url, "/opengdpr_requests") == 0) {
        char id[64], body[256];
        request_id(q->body, id);
        snprintf(body, sizeof body,
                 "{\"controller_id\":\"test\",\"expected_completion_time\":"
                 "\"2026-04-01T00:00:00Z\",\"received_time\":\"2026-03-01T00:00:00Z\","
                 "\"encoded_request\":\"\",\"subject_request_id\":\"%s\"}",
                 id);
        return answer(c, 201, body);
    }
    if (opengdpr && strcmp(method, "GET") == 0 && strncmp(url, "/opengdpr_requests/", 19) == 0) {
        static const char *const states[] = {"pending", "in_progress", "completed"};
        const char *st = states[polls < 2 ? polls : 2];
        polls++;
        char body[256];
        snprintf(body, sizeof body,
                 "{\"controller_id\":\"test\",\"expected_completion_time\":"
                 "\"2026-04-01T00:00:00Z\",\"subject_request_id\":\"%.40s\","
                 "\"request_status\":\"%s\",\"api_version\":\"1.0\"}",
                 url + 19, st);
        return answer(c, 200, body);
    }
    return answer(c, (unsigned)status, "{\"ok\":true}");
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

int main(int argc, char **argv) {
    const char *port_file = NULL;
    int max_seconds = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--opengdpr") == 0) {
            opengdpr = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "http_sink: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--dir") == 0)
            dir = v;
        else if (strcmp(a, "--port-file") == 0)
            port_file = v;
        else if (strcmp(a, "--fail-first") == 0)
            fail_first = (int)strtol(v, NULL, 10);
        else if (strcmp(a, "--status") == 0)
            status = (int)strtol(v, NULL, 10);
        else if (strcmp(a, "--max-seconds") == 0)
            max_seconds = (int)strtol(v, NULL, 10);
        else {
            fprintf(stderr, "usage: http_sink --dir DIR --port-file FILE [--fail-first N] "
                            "[--status CODE] [--opengdpr] [--max-seconds S]\n");
            return 2;
        }
    }
    if (!dir || !port_file || status < 100 || status > 599) {
        fprintf(stderr, "http_sink: --dir and --port-file are required\n");
        return 2;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "http_sink: cannot listen on 127.0.0.1\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f || !info) {
        MHD_stop_daemon(d);
        return 1;
    }
    /* The handlers before the port: whoever reads the port may stop the sink at once. */
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    fprintf(f, "%u\n", (unsigned)info->port);
    fclose(f);
    rename(tmp, port_file);
    time_t deadline = time(NULL) + max_seconds;
    struct timespec tick = {0, 50L * 1000 * 1000};
    while (!stop && time(NULL) < deadline)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(d);
    return 0;
}
