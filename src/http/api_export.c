/*
 * api_export.c — GET /api/v1/audience: everyone who may be contacted for a
 * purpose now, as CSV or JSON, streamed. The whole export is never held in
 * memory: a producer thread, on a read connection of its own, runs the
 * register's audience query (core/register.c, only the registers the role is
 * granted) and writes rows into one end of a socket pair; libmicrohttpd's
 * content reader reads the other end as the client takes the data. When the
 * client goes away the reader's end is closed, the producer's next send fails
 * and it stops. The output is byte for byte that of `rekisteri audience`
 * (CSV cells neutralised against formulas), less the categories the role is
 * not granted. One audit event, audience.export, names the purpose and count.
 */
#include <jansson.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/time.h"
#include "http/auth.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "store/store.h"

#define FLUSH_AT ((size_t)64 * 1024) /* bytes gathered before a send */

struct export {
    struct rk_http_server *s;
    struct rk_view view; /* the token's role: its registers, and its categories in them */
    struct rk_token token;
    char purpose[RK_DECL_ID_MAX + 1];
    bool json;
    int fd[2]; /* [0] read by libmicrohttpd, [1] written by the producer */
    pthread_t thread;
    atomic_bool failed; /* the producer stopped on an error: end the response with one */
    unsigned long n;
    struct rk_buf out;
};

static const enum rk_field columns[] = {RK_F_NAME, RK_F_EMAIL, RK_F_PHONE, RK_F_POSITION,
                                        RK_F_ORGANISATION};

static bool send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

static bool flush(struct export *x) {
    bool ok = rk_buf_status(&x->out) == RK_OK && send_all(x->fd[1], x->out.data, x->out.len);
    rk_buf_reset(&x->out);
    return ok;
}

static int export_row(void *ctx, const struct rk_entry *e) {
    struct export *x = ctx;
    const char *v[sizeof columns / sizeof columns[0]];
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        v[i] = e->v[columns[i]] && rk_view_field(&x->view, e->register_id, columns[i])
                   ? e->v[columns[i]]
                   : NULL;
    if (x->json) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(e->person_id));
        for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
            if (v[i])
                json_object_set_new(o, rk_field_id(columns[i]), json_string(v[i]));
        char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!text)
            return 1;
        rk_buf_puts(&x->out, x->n ? ",\n" : "\n");
        rk_buf_puts(&x->out, text);
        free(text);
    } else {
        rk_buf_puts(&x->out, e->person_id);
        for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
            rk_buf_putc(&x->out, ',');
            rk_buf_put_csv_safe(&x->out, v[i] ? v[i] : "");
        }
        rk_buf_puts(&x->out, "\r\n");
    }
    x->n++;
    if (rk_buf_status(&x->out) != RK_OK)
        return 1;
    return x->out.len >= FLUSH_AT && !flush(x);
}

static void *produce(void *arg) {
    struct export *x = arg;
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL,
                                   .cache_kib = 4096,
                                   .mmap_kib = -1,
                                   .read_only = x->s->read_only};
    struct rk_store *st = NULL;
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_store_open(x->s->db, &opt, &st, NULL);
    rk_buf_puts(&x->out, x->json ? "[" : "id,name,email,phone,position,organisation\r\n");
    if (err == RK_OK) {
        struct rk_reg_room room;
        err = rk_reg_audience_in(rk_reg_copy(&room, x->s->reads, st, x->token.name), x->purpose,
                                 rk_time_now(), rk_view_filter, &x->view, export_row, x, &msg);
    }
    if (err == RK_OK && rk_buf_status(&x->out) != RK_OK)
        err = RK_ENOMEM;
    if (err == RK_OK && x->json)
        rk_buf_puts(&x->out, x->n ? "\n]\n" : "]\n");
    if (err == RK_OK && !flush(x))
        err = RK_EIO; /* the client went away, or memory ran out */
    rk_store_close(st);
    char detail[RK_DECL_ID_MAX + 48];
    snprintf(detail, sizeof detail, "%s: %lu persons%s", x->purpose, x->n,
             err == RK_OK ? "" : " (stopped)");
    rk_http_audit(x->s, &x->token, "audience.export", NULL, detail);
    if (err != RK_OK) {
        atomic_store(&x->failed, true);
        fprintf(stderr, "{\"event\":\"export_failed\",\"error\":\"%s\"}\n", rk_err_name(err));
    }
    shutdown(x->fd[1], SHUT_WR);
    return NULL;
}

static ssize_t read_export(void *cls, uint64_t pos, char *buf, size_t max) {
    struct export *x = cls;
    (void)pos;
    ssize_t n;
    do
        n = recv(x->fd[0], buf, max, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        return n;
    if (n == 0 && !atomic_load(&x->failed))
        return MHD_CONTENT_READER_END_OF_STREAM;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* The response is done (sent or abandoned): stop and join the producer, free everything. */
static void free_export(void *cls) {
    struct export *x = cls;
    shutdown(x->fd[0], SHUT_RDWR); /* a producer still sending gets an error and stops */
    pthread_join(x->thread, NULL);
    close(x->fd[0]);
    close(x->fd[1]);
    rk_buf_cleanup(&x->out);
    free(x);
}

/* ?purpose=P&format=csv|json: the role must be granted a register declaring P. */
RK_HTTP_HANDLER(rk_http_get_audience) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *purpose = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purpose");
    const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    if (!purpose || !purpose[0])
        return rk_http_error(c, r, 400, "bad_request", "give purpose");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return rk_http_error(c, r, 400, "bad_request", "format: expected csv or json");
    if (!rk_decl_purpose(s->decl, purpose))
        return rk_http_error(c, r, 400, "bad_request", "purpose: not a declared purpose");
    if (!rk_http_role_purpose(s->decl, role, purpose))
        return rk_http_error(c, r, 403, "forbidden",
                             "the token's role is granted no register declaring this purpose");
    struct export *x = calloc(1, sizeof *x);
    if (!x)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    x->s = s;
    x->view = rk_http_view(s, role);
    x->token = t;
    x->json = format && strcmp(format, "json") == 0;
    snprintf(x->purpose, sizeof x->purpose, "%s", purpose);
    rk_buf_init(&x->out);
    atomic_init(&x->failed, false);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x->fd) != 0) {
        free(x);
        return rk_http_error(c, r, 503, "unavailable", "cannot start the export");
    }
    if (pthread_create(&x->thread, NULL, produce, x) != 0) {
        close(x->fd[0]);
        close(x->fd[1]);
        free(x);
        return rk_http_error(c, r, 503, "unavailable", "cannot start the export");
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, (size_t)32 * 1024, read_export, x, free_export);
    if (!resp) {
        free_export(x);
        return MHD_NO;
    }
    return rk_http_queue(
        c, r, 200, x->json ? "application/json" : "text/csv; charset=utf-8; header=present", resp);
}
