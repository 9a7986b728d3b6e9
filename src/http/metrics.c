/*
 * metrics.c — the service's Prometheus text exposition (version 0.0.4) and
 * the per-request counters behind it: requests by route and status, a
 * latency histogram, and the gauges and counters of the writer, the outbox,
 * the recipients' deliverer, the mail limit, the connection limits and the
 * rate limiter, and today's website cookie choices by action (from the consent log, read per
 * scrape through one index range). Served on /metrics, or on --metrics-listen when the main
 * listener is public (server.c decides where).
 */
#include "http/conns.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/metrics.h"
#include "http/service.h"

#include <stdatomic.h>
#include <stdio.h>

#include "base/time.h"
#include "http/consent_log.h"
#include "util/buf.h"

/* The statuses counted apart (the last, 0, is "other") and the histogram's buckets. */
static const int statuses[RK_HTTP_NSTATUS] = {200, 201, 204, 400, 401, 403, 404, 405,
                                              409, 413, 415, 422, 429, 500, 503, 0};
static const double buckets[RK_HTTP_NBUCKETS] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

void rk_http_metrics_count(struct rk_http_metrics *m, int route, int status, double seconds) {
    size_t j = 0;
    while (statuses[j] && statuses[j] != status)
        j++;
    atomic_fetch_add(&m->requests[route][j], 1);
    size_t k = 0;
    while (k < RK_HTTP_NBUCKETS && seconds > buckets[k])
        k++;
    atomic_fetch_add(&m->le[k], 1);
    atomic_fetch_add(&m->sum_us, (unsigned long)(seconds * 1e6));
}

/* Prometheus text exposition (version 0.0.4) of the counters. */
rk_http_result rk_http_get_metrics(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct rk_http_request *r) {
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_puts(&b, "# HELP rekisteri_http_requests_total Requests answered, by route and "
                    "status.\n# TYPE rekisteri_http_requests_total counter\n");
    for (int i = 0; i < rk_http_route_names(); i++)
        for (size_t j = 0; j < RK_HTTP_NSTATUS; j++) {
            unsigned long n = atomic_load(&s->metrics.requests[i][j]);
            if (!n)
                continue;
            if (statuses[j])
                rk_buf_printf(&b, "rekisteri_http_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
                              rk_http_route_name(i), statuses[j], n);
            else
                rk_buf_printf(&b,
                              "rekisteri_http_requests_total{route=\"%s\",status=\"other\"} "
                              "%lu\n",
                              rk_http_route_name(i), n);
        }
    rk_buf_puts(&b, "# HELP rekisteri_http_request_duration_seconds Time to answer a request.\n"
                    "# TYPE rekisteri_http_request_duration_seconds histogram\n");
    unsigned long cumulative = 0;
    for (size_t k = 0; k <= RK_HTTP_NBUCKETS; k++) {
        cumulative += atomic_load(&s->metrics.le[k]);
        if (k < RK_HTTP_NBUCKETS)
            rk_buf_printf(&b, "rekisteri_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                          buckets[k], cumulative);
        else
            rk_buf_printf(&b, "rekisteri_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n",
                          cumulative);
    }
    rk_buf_printf(&b,
                  "rekisteri_http_request_duration_seconds_sum %.6f\n"
                  "rekisteri_http_request_duration_seconds_count %lu\n",
                  (double)atomic_load(&s->metrics.sum_us) / 1e6, cumulative);
    rk_buf_printf(&b,
                  "# HELP rekisteri_http_connections_open Connections open on the service's "
                  "listeners.\n"
                  "# TYPE rekisteri_http_connections_open gauge\n"
                  "rekisteri_http_connections_open %zu\n"
                  "# HELP rekisteri_http_header_timeouts_total Connections closed because a "
                  "request's header block was not whole within the header timeout.\n"
                  "# TYPE rekisteri_http_header_timeouts_total counter\n"
                  "rekisteri_http_header_timeouts_total %lu\n",
                  rk_http_conns_open(s), atomic_load(&s->conns.timeouts));
    if (s->limiter) {
        struct rk_limiter_stats ls;
        rk_limiter_stats(s->limiter, &ls);
        rk_buf_printf(&b,
                      "# HELP rekisteri_rate_limit_addresses Client addresses (IPv6: /64) the "
                      "rate limit holds a bucket for, of rekisteri_rate_limit_capacity.\n"
                      "# TYPE rekisteri_rate_limit_addresses gauge\n"
                      "rekisteri_rate_limit_addresses %zu\n"
                      "# HELP rekisteri_rate_limit_capacity Buckets the rate limit's memory "
                      "budget holds.\n"
                      "# TYPE rekisteri_rate_limit_capacity gauge\n"
                      "rekisteri_rate_limit_capacity %zu\n"
                      "# HELP rekisteri_rate_limit_table_full_total Requests from an address "
                      "new to the rate limit refused (429) because every bucket it holds was "
                      "still refilling.\n"
                      "# TYPE rekisteri_rate_limit_table_full_total counter\n"
                      "rekisteri_rate_limit_table_full_total %lu\n",
                      ls.used, ls.capacity, ls.refused);
    }
    rk_buf_printf(
        &b,
        "# HELP rekisteri_consents_given_total Consents recorded through the service.\n"
        "# TYPE rekisteri_consents_given_total counter\n"
        "rekisteri_consents_given_total %lu\n"
        "# HELP rekisteri_consents_withdrawn_total Consents withdrawn through the service.\n"
        "# TYPE rekisteri_consents_withdrawn_total counter\n"
        "rekisteri_consents_withdrawn_total %lu\n"
        "# HELP rekisteri_writer_queue_depth Writes waiting for the writer.\n"
        "# TYPE rekisteri_writer_queue_depth gauge\n"
        "rekisteri_writer_queue_depth %zu\n",
        atomic_load(&s->metrics.consents_given), atomic_load(&s->metrics.consents_withdrawn),
        s->writer ? rk_writer_depth(s->writer) : 0);
    rk_buf_puts(&b,
                "# HELP rekisteri_mail_withheld_total Mails the mail limit withheld (mail_limits "
                "in the declaration), by kind.\n"
                "# TYPE rekisteri_mail_withheld_total counter\n");
    for (int k = 0; k < RK_MAILC__COUNT; k++)
        rk_buf_printf(&b, "rekisteri_mail_withheld_total{kind=\"%s\"} %lu\n",
                      rk_mail_class_name((enum rk_mail_class)k),
                      atomic_load(&s->metrics.mail_withheld[k]));
    if (s->writer)
        rk_buf_printf(&b,
                      "# HELP rekisteri_storage_write_failures_total Writes answered 503 because "
                      "the database could not be written.\n"
                      "# TYPE rekisteri_storage_write_failures_total counter\n"
                      "rekisteri_storage_write_failures_total %lu\n"
                      "# HELP rekisteri_storage_writable 1 when the last write group committed, 0 "
                      "when the database could not be written (or is read-only).\n"
                      "# TYPE rekisteri_storage_writable gauge\n"
                      "rekisteri_storage_writable %d\n",
                      rk_writer_storage_failures(s->writer), rk_writer_writable(s->writer) ? 1 : 0);
    if (rk_sender_queued(s->sender) >= 0) /* counted by the sender after each pass */
        rk_buf_printf(&b,
                      "# HELP rekisteri_outbox_queued Messages waiting in the outbox.\n"
                      "# TYPE rekisteri_outbox_queued gauge\n"
                      "rekisteri_outbox_queued %lld\n"
                      "# HELP rekisteri_outbox_failed Messages the relay refused for good.\n"
                      "# TYPE rekisteri_outbox_failed gauge\n"
                      "rekisteri_outbox_failed %lld\n",
                      (long long)rk_sender_queued(s->sender),
                      (long long)rk_sender_failed(s->sender));
    long overdue = atomic_load(&s->requests_overdue);
    if (overdue >= 0) /* counted by a timer (requests_overdue.c), never per scrape */
        rk_buf_printf(&b,
                      "# HELP rekisteri_requests_overdue Open data-subject requests past their "
                      "due date.\n"
                      "# TYPE rekisteri_requests_overdue gauge\n"
                      "rekisteri_requests_overdue %ld\n",
                      overdue);
    if (rk_deliverer_count(s->deliverer, RK_NOTICE_QUEUED) >= 0) /* counted after each pass */
        rk_buf_printf(&b,
                      "# HELP rekisteri_recipient_notices Art 19 notices to recipients, by state.\n"
                      "# TYPE rekisteri_recipient_notices gauge\n"
                      "rekisteri_recipient_notices{state=\"queued\"} %lld\n"
                      "rekisteri_recipient_notices{state=\"pending\"} %lld\n"
                      "rekisteri_recipient_notices{state=\"failed\"} %lld\n"
                      "rekisteri_recipient_notices{state=\"unsupported\"} %lld\n",
                      (long long)rk_deliverer_count(s->deliverer, RK_NOTICE_QUEUED),
                      (long long)rk_deliverer_count(s->deliverer, RK_NOTICE_PENDING),
                      (long long)rk_deliverer_count(s->deliverer, RK_NOTICE_FAILED),
                      (long long)rk_deliverer_count(s->deliverer, RK_NOTICE_UNSUPPORTED));
    int64_t cookies[RK_COOKIE__COUNT];
    struct rk_store *st = s->decl->cookies.declared ? rk_http_thread_store(s) : NULL;
    if (st && rk_consent_log_day_counts(st, s->tz, rk_time_now(), cookies) == RK_OK) {
        rk_buf_puts(&b, "# HELP rekisteri_cookie_consents Website cookie choices recorded today "
                        "(the controller's local day), by action.\n"
                        "# TYPE rekisteri_cookie_consents gauge\n");
        for (int a = 0; a < RK_COOKIE__COUNT; a++)
            rk_buf_printf(&b, "rekisteri_cookie_consents{action=\"%s\"} %lld\n",
                          rk_cookie_action_id((enum rk_cookie_action)a), (long long)cookies[a]);
    }
    rk_http_result ret =
        rk_buf_status(&b) == RK_OK
            ? rk_http_respond(c, r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len,
                              MHD_RESPMEM_MUST_COPY)
            : rk_http_error(c, r, 500, "internal", "out of memory");
    rk_buf_cleanup(&b);
    return ret;
}
