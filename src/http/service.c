/*
 * service.c — the per-thread store: one read connection per server thread,
 * opened on first use and closed by rk_http_stop.
 */
#include <pthread.h>

#include "http/service.h"
#include "store/store.h"

static _Thread_local struct rk_store *thread_store;

struct rk_store *rk_http_thread_store(struct rk_http_server *s) {
    if (thread_store || !s->db)
        return thread_store;
    /* Reads only: a small page cache and no memory map per thread, so that the
     * server's RSS stays bounded whatever the register's size (bench/README.md). */
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL,
                                   .cache_kib = 4096,
                                   .mmap_kib = -1,
                                   .read_only = s->read_only};
    struct rk_store *st = NULL;
    if (rk_store_open(s->db, &opt, &st, NULL) != RK_OK)
        return NULL;
    pthread_mutex_lock(&s->lock);
    if (s->nstores == RK_HTTP_STORES) {
        pthread_mutex_unlock(&s->lock);
        rk_store_close(st);
        return NULL;
    }
    s->stores[s->nstores++] = st;
    pthread_mutex_unlock(&s->lock);
    thread_store = st;
    return st;
}
