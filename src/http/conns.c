/*
 * conns.c — the connections of the HTTP service, tracked from libmicrohttpd's
 * STARTED notification to its CLOSED one, for the header deadline: a connection
 * still sending a request's header block --header-timeout seconds after it
 * began waiting for it is shut down, however steadily it trickles. The count of
 * open connections and of connections cut off feed /metrics.
 *
 * Design
 *
 * libmicrohttpd 0.9.75 has no deadline for the header block: its connection
 * timeout (MHD_OPTION_CONNECTION_TIMEOUT) counts idle time, which one byte a
 * second resets, so 1,000 such connections held the service's whole connection
 * limit (issue 11, item 4). Each connection gets a struct rk_http_conn, hung on
 * its socket context (MHD_OPTION_NOTIFY_CONNECTION). While the connection waits
 * for a request's header block the conn is on the waiting list, which is in the
 * order the waits began: from STARTED, and again from the end of each request
 * (NOTIFY_COMPLETED: the next request of a kept-alive connection, whose time
 * since the last answer counts against the same deadline). The first call of
 * the access handler for a request (the header block is whole) takes it off
 * (rk_http_conn_header_done). A timer thread sleeps until the head's deadline
 * and shuts down (shutdown(2), SHUT_RDWR) each connection past it; libmicrohttpd
 * then finds the socket ended and closes the connection its usual way, as it
 * wakes connections itself when the daemon stops.
 *
 * Invariants
 *  1. A conn is on the list only between STARTED and CLOSED, and CLOSED takes it
 *     off under the lock before libmicrohttpd closes the socket: in 0.9.75,
 *     MHD_cleanup_connections calls the CLOSED notification before
 *     MHD_socket_close_chk_, as does the failure path of new_connection_process_,
 *     and a connection that never got STARTED is closed without either. So while
 *     the timer holds the lock every descriptor on the list is still its
 *     connection's: a shutdown never reaches a descriptor the system has reused.
 *  2. Every conn waits the same time, and waits are appended as they begin, so
 *     the head is the first due and the timer stops at the first not yet due.
 *  3. A conn shut down for its header is taken off the list at once (shut down
 *     once) but stays counted open until CLOSED frees it.
 *  4. A request's NOTIFY_COMPLETED comes before its connection's CLOSED
 *     (MHD_connection_close_ calls it; the cleanup comes later), so completing a
 *     request never lists a freed conn.
 *
 * Threats: a header trickled a byte at a time (slowloris) holds a connection at
 * most --header-timeout seconds, and one address holds at most
 * --max-connections-per-address connections (libmicrohttpd's per-IP limit, kept
 * by the master daemon across the thread pool; server.c). A body trickled in is
 * cut off by --request-timeout (server.c); an idle connection by the idle
 * timeout. Many addresses together can still fill the connection limit for a
 * header timeout at a time (bench/slowloris measures it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "base/time.h"
#include "http/conns.h"
#include "http/service.h"

#define QUANTUM 250000000 /* ns: the timer's granularity */

struct rk_http_conn {
    struct rk_http_conn *prev, *next; /* the waiting list */
    int fd;
    bool listed;
    int64_t since; /* ns, CLOCK_MONOTONIC: when it began waiting for a header block */
};

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Under the lock: appends c to the waiting list as of now. */
static void list_append(struct rk_http_conns *cs, struct rk_http_conn *c, int64_t now) {
    c->since = now;
    c->next = NULL;
    c->prev = cs->tail;
    if (cs->tail)
        cs->tail->next = c;
    else
        cs->head = c;
    cs->tail = c;
    c->listed = true;
    /* The timer sleeps at most a header timeout (deadline_main), so it wakes within a quantum
     * of c's deadline without being told; the signal (a futex call and a switch to the timer
     * thread) is for the exception, a sleep that would outlast that. */
    if (cs->timer_until > now + cs->timeout_ns + QUANTUM)
        pthread_cond_signal(&cs->wake);
}

/* Under the lock: takes c off the waiting list when it is on it. */
static void list_remove(struct rk_http_conns *cs, struct rk_http_conn *c) {
    if (!c->listed)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        cs->tail = c->prev;
    c->prev = c->next = NULL;
    c->listed = false;
}

void rk_http_on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                           enum MHD_ConnectionNotificationCode toe) {
    struct rk_http_conns *cs = &((struct rk_http_server *)cls)->conns;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct rk_http_conn *c = calloc(1, sizeof *c);
        if (!c || !ci) { /* untracked would mean unbounded: end it at once */
            free(c);
            if (ci)
                shutdown(ci->connect_fd, SHUT_RDWR);
            *socket_context = NULL;
            return;
        }
        c->fd = ci->connect_fd;
        pthread_mutex_lock(&cs->lock);
        list_append(cs, c, now_ns());
        cs->open++;
        pthread_mutex_unlock(&cs->lock);
        *socket_context = c;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct rk_http_conn *c = *socket_context;
        if (!c)
            return;
        pthread_mutex_lock(&cs->lock);
        list_remove(cs, c);
        cs->open--;
        pthread_mutex_unlock(&cs->lock);
        free(c);
        *socket_context = NULL;
    }
}

static struct rk_http_conn *conn_of(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void rk_http_conn_header_done(struct rk_http_server *s, struct MHD_Connection *connection) {
    struct rk_http_conn *c = conn_of(connection);
    if (!c)
        return;
    pthread_mutex_lock(&s->conns.lock);
    list_remove(&s->conns, c);
    pthread_mutex_unlock(&s->conns.lock);
}

void rk_http_conn_request_done(struct rk_http_server *s, struct MHD_Connection *connection) {
    struct rk_http_conn *c = conn_of(connection);
    if (!c)
        return;
    pthread_mutex_lock(&s->conns.lock);
    if (!c->listed && c->fd >= 0)
        list_append(&s->conns, c, now_ns());
    pthread_mutex_unlock(&s->conns.lock);
}

size_t rk_http_conns_open(struct rk_http_server *s) {
    pthread_mutex_lock(&s->conns.lock);
    size_t n = s->conns.open;
    pthread_mutex_unlock(&s->conns.lock);
    return n;
}

/* The timer: shuts down connections whose header block is overdue, then sleeps until the
 * next deadline (or until a wait begins on an empty list, or stop). */
static void *deadline_main(void *arg) {
    struct rk_http_conns *cs = arg;
    pthread_mutex_lock(&cs->lock);
    while (!cs->stop) {
        int64_t now = now_ns();
        unsigned long cut = 0;
        while (cs->head && now - cs->head->since >= cs->timeout_ns) {
            struct rk_http_conn *c = cs->head;
            shutdown(c->fd, SHUT_RDWR); /* its connection's still: invariant 1 */
            list_remove(cs, c);
            c->fd = -1; /* never listed again: invariant 3 */
            cut++;
        }
        if (cut) {
            atomic_fetch_add(&cs->timeouts, cut);
            pthread_mutex_unlock(&cs->lock);
            char ts[RK_TS_LEN + 1];
            rk_ts_format(rk_time_now(), ts);
            fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"header_timeout\",\"closed\":%lu}\n", ts,
                    cut);
            pthread_mutex_lock(&cs->lock);
            continue; /* the list may have changed meanwhile */
        }
        /* Wake at the next quarter second past the head's deadline (the connections due
         * within one quarter are closed and logged together), or, with none waiting, past
         * one header timeout from now: a wait that begins meanwhile is due no earlier, so
         * list_append need not wake the timer for it. */
        int64_t due = (cs->head ? cs->head->since : now) + cs->timeout_ns;
        due += QUANTUM - due % QUANTUM;
        struct timespec until = {.tv_sec = (time_t)(due / 1000000000),
                                 .tv_nsec = (long)(due % 1000000000)};
        cs->timer_until = due;
        int rc = pthread_cond_timedwait(&cs->wake, &cs->lock, &until);
        cs->timer_until = 0;
        (void)rc; /* ETIMEDOUT or woken: look again either way */
    }
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

rk_err rk_http_conns_start(struct rk_http_server *s, long header_timeout) {
    struct rk_http_conns *cs = &s->conns;
    cs->timeout_ns = (int64_t)header_timeout * 1000000000;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return RK_ENOMEM;
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&cs->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return RK_EIO;
    pthread_mutex_init(&cs->lock, NULL);
    cs->initialised = true;
    if (pthread_create(&cs->thread, NULL, deadline_main, cs) != 0)
        return RK_EIO;
    cs->running = true;
    return RK_OK;
}

void rk_http_conns_stop(struct rk_http_server *s) {
    struct rk_http_conns *cs = &s->conns;
    if (!cs->initialised)
        return;
    if (cs->running) {
        pthread_mutex_lock(&cs->lock);
        cs->stop = true;
        pthread_cond_signal(&cs->wake);
        pthread_mutex_unlock(&cs->lock);
        pthread_join(cs->thread, NULL);
        cs->running = false;
    }
    pthread_mutex_destroy(&cs->lock);
    pthread_cond_destroy(&cs->wake);
    cs->initialised = false;
}
