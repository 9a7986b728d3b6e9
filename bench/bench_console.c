/*
 * bench_console.c — how fast the staff console's four reads answer with a
 * large register (issue 12: search, a list page, a person's record and the
 * overview each ≤ 50 ms at p95 with 1,000,000 persons). It fills the Smartum
 * declaration's registers with ROWS persons through rk_reg_person_add (the
 * register's own rules, so the rows, the word index and the counters are what
 * rekisteri writes): 60 % customers with an organisation, 40 % newsletter
 * subscribers with a consent (one in ten customers subscribes too), names
 * from a few thousand Finnish-looking surnames with diacritics, joining over
 * two years. It then times, on a connection set up as the service's read
 * connections are, the same reads the API's handlers make (api_people.c) —
 * and beside each, bare SQLite doing the same lookup through the same
 * indexes — QUERIES times each, and prints p50 and p95 of both and their
 * ratio. Usage: bench_console ROWS WORKDIR [QUERIES]; a WORKDIR already holding
 * console.db and console.key is measured as it is (bench/console's BENCH_CACHE).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "keys/keys.h"
#include "core/register.h"
#include "core/search.h"
#include "core/view.h"
#include "decl/decl.h"
#include "util/diag.h"
#include "views/notice_digest.h"

#define BATCH 10000
#define DAY ((rk_ts)86400)
#define START_ISO "2024-12-01T08:00:00Z"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rng_below(uint32_t n) { /* xorshift64*: the same register every run */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)(((rng * 0x2545F4914F6CDD1DULL) >> 11) % n);
}

static const char *const firsts[] = {"Matti", "Maija", "Juha",  "Anna",  "Timo",  "Tiina",
                                     "Jari",  "Sari",  "Mikko", "Päivi", "Antti", "Liisa",
                                     "Jyrki", "Sirkka", "Ari",  "Hanna", "Åsa",   "Örjan"};
static const char *const syl[] = {"mäki", "kos", "lah", "vir", "kor", "hön", "nie", "ta",
                                  "lai", "jär", "vi", "sa",  "lo",  "pel", "tö",  "hä",
                                  "ri",  "nen", "la", "ki",  "mi",  "kä",  "ran", "ne"};
static const char *const ends[] = {"nen", "la", "lä", "inen", "ström", "berg", "ola", "ö"};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A surname of three syllables and an ending: 24 * 24 * 8 ≈ 4,600 names. */
static void surname(uint32_t k, char *out, size_t n) {
    const char *a = syl[k % 24], *b = syl[(k / 24) % 24], *e = ends[(k / 576) % 8];
    snprintf(out, n, "%c%s%s%s", a[0] - 32, a + 1, b, e); /* every syllable starts in ASCII */
}

static bool field(struct rk_contact *c, enum rk_field f, const char *raw, char *buf, size_t n) {
    struct rk_error why = RK_ERROR_INIT;
    if (rk_field_normalize(f, raw, buf, n, &why) != RK_OK) {
        fprintf(stderr, "bench_console: %s %s\n", rk_field_id(f), why.message);
        return false;
    }
    c->v[f] = buf;
    return true;
}

static bool add_person(struct rk_reg *reg, long k, rk_ts at) {
    char name[96], last[48], email[128], org[64];
    char bufs[4][RK_EMAIL_MAX + 1];
    surname(rng_below(24 * 24 * 8), last, sizeof last);
    snprintf(name, sizeof name, "%s %s", firsts[rng_below(sizeof firsts / sizeof firsts[0])],
             last);
    snprintf(email, sizeof email, "p%ld@example%u.fi", k, (unsigned)rng_below(50));
    uint32_t kind = rng_below(10); /* 0-5 customer, 6-9 subscriber */
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    if (!field(&c, RK_F_NAME, name, bufs[0], sizeof bufs[0]) ||
        !field(&c, RK_F_EMAIL, email, bufs[1], sizeof bufs[1]))
        return false;
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    char id[RK_ID_LEN + 1];
    struct rk_consent_input consent = {.channel = "web_form", .form_id = "newsletter", .at = at};
    rk_err e;
    if (kind < 6) {
        char o[48];
        surname(rng_below(2000) * 7, o, sizeof o);
        snprintf(org, sizeof org, "%s Oy", o);
        if (!field(&c, RK_F_ORGANISATION, org, bufs[2], sizeof bufs[2]))
            return false;
        struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, at};
        e = rk_reg_person_add(reg, &w, NULL, &c, NULL, id, &msg);
        if (e == RK_OK && rng_below(10) == 0) {
            c.v[RK_F_ORGANISATION] = NULL;
            struct rk_write m = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, at};
            e = rk_reg_person_add(reg, &m, id, &c, &consent, NULL, &msg);
        }
    } else {
        struct rk_write w = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, at};
        e = rk_reg_person_add(reg, &w, NULL, &c, &consent, NULL, &msg);
    }
    if (e != RK_OK)
        fprintf(stderr, "bench_console: %s: %s (%s)\n", rk_err_str(e), msg.message,
                rk_store_errmsg(rk_reg_store(reg)));
    return e == RK_OK;
}

static bool populate(struct rk_reg *reg, long n, rk_ts start) {
    double t0 = now_s(), shown = t0;
    for (long i = 0; i < n; i += BATCH) {
        if (rk_reg_batch_begin(reg) != RK_OK)
            return false;
        for (long j = i; j < n && j < i + BATCH; j++) /* joining over two years, in order */
            if (!add_person(reg, j, start + (rk_ts)((double)j / (double)n * 730 * DAY))) {
                rk_reg_batch_rollback(reg);
                return false;
            }
        if (rk_reg_batch_commit(reg) != RK_OK)
            return false;
        if (now_s() - shown >= 10) {
            shown = now_s();
            fprintf(stderr, "bench_console: %ld persons in %.0f s\n", i + BATCH, shown - t0);
        }
    }
    fprintf(stderr, "bench_console: %ld persons added in %.1f s (%.0f/s)\n", n, now_s() - t0,
            (double)n / (now_s() - t0));
    return true;
}

/* ---- What the handlers read (api_people.c), through the core and the store ---------------- */

static int hit_count(void *ctx, const char *id, rk_ts added, const struct rk_entry *e, size_t n) {
    (void)id, (void)added, (void)e, (void)n;
    (*(int *)ctx)++;
    return 0;
}

#define COUNTER(name, type)                                                                        \
    static int name(void *ctx, type row) {                                                         \
        (void)row;                                                                                 \
        (*(int *)ctx)++;                                                                           \
        return 0;                                                                                  \
    }
COUNTER(count_change, const struct rk_contract_change *)
COUNTER(count_consent, const struct rk_consent_event *)
COUNTER(count_invoice, const struct rk_invoice *)
COUNTER(count_request, const struct rk_request *)
COUNTER(count_task, const struct rk_task_view *)
COUNTER(count_audit, const struct rk_audit_event *)
COUNTER(count_counter, const struct rk_counter_row *)

struct rec {
    struct rk_store *st;
    int n;
};

static int rec_entry(void *ctx, const struct rk_entry *e) {
    struct rec *r = ctx;
    for (int f = 0; f < RK_F__COUNT; f++) {
        struct rk_provenance pv;
        char buf[1024];
        if (e->prov[f] && rk_store_provenance_get(r->st, e->prov[f], &pv, buf, sizeof buf) == RK_OK)
            r->n++;
    }
    return 0;
}

static int rec_contract(void *ctx, const struct rk_contract *k) {
    struct rec *r = ctx;
    int n = 0;
    return rk_store_contract_changes(r->st, k->id, count_change, &n) != RK_OK;
}

static bool record(struct rk_store *st, const struct rk_view *v, const char *id) {
    bool seen = false;
    struct rec r = {st, 0};
    int n = 0;
    return rk_view_person(v, st, id, &seen) == RK_OK && seen &&
           rk_view_entries(v, st, id, rec_entry, &r) == RK_OK &&
           rk_store_consent_events(st, id, count_consent, &n) == RK_OK &&
           rk_store_contracts_of_person(st, id, rec_contract, &r) == RK_OK &&
           rk_store_invoices_of_person(st, id, count_invoice, &n) == RK_OK &&
           rk_store_requests_of_person(st, id, count_request, &n) == RK_OK &&
           rk_store_tasks_of_person(st, id, count_task, &n) == RK_OK &&
           rk_store_audit_scan(st, 0, id, count_audit, &n) == RK_OK;
}

static bool overview(struct rk_store *st) {
    int n = 0;
    int64_t c = 0, seq = 0;
    unsigned char h[RK_HASH_LEN];
    struct rk_console_mark m;
    struct rk_request_filter f = {.status = -1, .open_only = true};
    rk_err e = rk_store_audit_last(st, &seq, h);
    return rk_store_requests_list(st, &f, count_request, &n) == RK_OK &&
           rk_store_tasks_count(st, "art14_inform", &c) == RK_OK &&
           rk_store_tasks_count(st, "objection_review", &c) == RK_OK &&
           rk_store_outbox_count(st, RK_OUTBOX_FAILED, &c) == RK_OK &&
           rk_store_recipient_notice_count(st, RK_NOTICE_FAILED, &c) == RK_OK &&
           rk_store_console_mark_get(st, "sweep", &m) == RK_OK &&
           (e == RK_OK || e == RK_ENOENT) &&
           rk_store_console_mark_get(st, "audit_verify", &m) == RK_OK &&
           rk_store_register_counts(st, count_counter, &n) == RK_OK &&
           rk_store_consent_weeks(st, "2026-06-01", count_counter, &n) ==
               RK_OK &&
           rk_store_purpose_counts(st, count_counter, &n) == RK_OK;
}

/* ---- Bare SQLite doing the same lookups ----------------------------------------------------- */

static sqlite3_stmt *prep(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_console: baseline: %s\n", sqlite3_errmsg(db));
        exit(2);
    }
    return st;
}

/* Steps st to the end (binding text params from vals first); returns the rows. */
static int run(sqlite3_stmt *st, const char *const *vals, int n) {
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_TRANSIENT);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        rows++;
    sqlite3_reset(st);
    return rows;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[(int)(p * (n - 1))];
}

static void report(const char *what, double *ours, double *bare, int n) {
    double o50 = pct(ours, n, 0.5), o95 = pct(ours, n, 0.95);
    double b50 = pct(bare, n, 0.5), b95 = pct(bare, n, 0.95);
    printf("%-13s p50 %8.2f ms  p95 %8.2f ms   bare SQLite p50 %7.2f ms  p95 %7.2f ms   "
           "ratio p95 %5.1fx   %s\n",
           what, o50 * 1e3, o95 * 1e3, b50 * 1e3, b95 * 1e3, b95 > 0 ? o95 / b95 : 0,
           o95 <= 0.050 ? "ok (<= 50 ms)" : "OVER 50 ms");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_console ROWS WORKDIR [QUERIES]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    int queries = argc > 3 ? atoi(argv[3]) : 300; /* NOLINT: a bench's own argument */
    if (n < 1000 || queries < 20) {
        fprintf(stderr, "bench_console: ROWS >= 1000, QUERIES >= 20\n");
        return 2;
    }
    char db[512], key[512];
    struct rk_error err = RK_ERROR_INIT;
    snprintf(db, sizeof db, "%s/console.db", argv[2]);
    snprintf(key, sizeof key, "%s/console.key", argv[2]);
    struct rk_diags diags;
    struct rk_decl *decl = NULL;
    rk_diags_init(&diags, RK_SOURCE_DIR "/examples/smartum/declaration.yaml");
    if (rk_crypto_init() != RK_OK ||
        rk_decl_load(RK_SOURCE_DIR "/examples/smartum/declaration.yaml", &diags, &decl) != RK_OK) {
        rk_diags_print(&diags, stderr);
        return 2;
    }
    struct rk_keys keys;
    FILE *kept = fopen(db, "rb"); /* a register kept from an earlier run (BENCH_CACHE) */
    bool have = kept != NULL;
    if (kept)
        fclose(kept);
    if ((!have && rk_keys_create(key, &err) != RK_OK) ||
        rk_keys_load(key, &keys, &err) != RK_OK) {
        fprintf(stderr, "bench_console: %s\n", err.message);
        return 2;
    }
    rk_ts start = 0;
    if (!rk_ts_parse(START_ISO, &start))
        return 2;
    struct rk_store *s = NULL;
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    int from = 0, to = 0;
    struct rk_store_options big = {.synchronous = RK_SYNC_NORMAL, .cache_kib = 1024L * 1024};
    struct rk_error open_err = RK_ERROR_INIT;
    if (rk_store_open(db, &big, &s, &open_err) != RK_OK ||
        rk_store_migrate(s, &from, &to) != RK_OK ||
        rk_notice_reg_init(reg, decl, s, &keys, "bench") != RK_OK ||
        (!have && !populate(reg, n, start)) || rk_store_checkpoint(s) != RK_OK) {
        fprintf(stderr, "bench_console: cannot set up in %s: %s\n", argv[2],
                s ? rk_store_errmsg(s) : open_err.message);
        return 2;
    }
    rk_store_close(s);

    /* The service's read connection: a 4 MiB page cache, no memory map (cli_serve.c). */
    struct rk_store_options ro = {.synchronous = RK_SYNC_NORMAL, .cache_kib = 4096, .mmap_kib = -1};
    sqlite3 *raw = NULL;
    if (rk_store_open(db, &ro, &s, NULL) != RK_OK ||
        rk_notice_reg_init(reg, decl, s, &keys, "bench") != RK_OK ||
        sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_console: cannot open %s\n", db);
        return 2;
    }
    sqlite3_exec(raw, "PRAGMA cache_size = -4096; PRAGMA mmap_size = 0", NULL, NULL, NULL);
    struct rk_view dpo = {decl, rk_decl_role(decl, "dpo")};

    /* The inputs, drawn before timing: words, persons and list positions. */
    char (*words)[40] = calloc((size_t)queries, sizeof *words);
    char (*ids)[RK_ID_LEN + 1] = calloc((size_t)queries, sizeof *ids);
    char (*cur)[RK_SEARCH_CURSOR_MAX] = calloc((size_t)queries, sizeof *cur);
    double *ours = calloc((size_t)queries, sizeof *ours), *bare = calloc((size_t)queries, sizeof *bare);
    if (!words || !ids || !cur || !ours || !bare)
        exit(2);
    sqlite3_stmt *pick = prep(raw, "SELECT id, created_at, pk FROM person WHERE pk >= ?1 "
                                   "ORDER BY pk LIMIT 1");
    for (int i = 0; i < queries; i++) {
        char last[48], w[3][RK_SEARCH_WORD_MAX + 1];
        surname(rng_below(24 * 24 * 8), last, sizeof last);
        rk_fold_words(last, w, 1);
        size_t len = 4 + rng_below(3); /* a prefix of 4-6 letters, as typed */
        if (i % 4 == 3) /* a first name and a surname's prefix */
            snprintf(words[i], sizeof words[i], "%s %.*s",
                     firsts[rng_below(sizeof firsts / sizeof firsts[0])], 3, w[0]);
        else
            snprintf(words[i], sizeof words[i], "%.*s", (int)len, w[0]);
        sqlite3_bind_int64(pick, 1, 1 + (int64_t)rng_below((uint32_t)n));
        if (sqlite3_step(pick) == SQLITE_ROW) {
            snprintf(ids[i], sizeof ids[i], "%s", (const char *)sqlite3_column_text(pick, 0));
            struct rk_search_cursor c = {'a', sqlite3_column_int64(pick, 2), ""};
            snprintf(c.key, sizeof c.key, "%s", (const char *)sqlite3_column_text(pick, 1));
            rk_search_cursor_format(&c, cur[i]);
        }
        sqlite3_reset(pick);
    }
    sqlite3_finalize(pick);
    sqlite3_stmt *sizes = prep(raw, "SELECT (SELECT count(*) FROM entry), "
                                    "(SELECT count(*) FROM search_token), "
                                    "(SELECT count(*) FROM audit)");
    if (sqlite3_step(sizes) == SQLITE_ROW)
        printf("register      %ld persons, %lld entries, %lld words in the index, %lld audit "
               "events; %d queries each\n",
               n, (long long)sqlite3_column_int64(sizes, 0),
               (long long)sqlite3_column_int64(sizes, 1), (long long)sqlite3_column_int64(sizes, 2),
               queries);
    sqlite3_finalize(sizes);

    /* Search. */
    sqlite3_stmt *b_search = prep(
        raw, "SELECT p.id, e.register, e.name, e.email, e.phone, o.name FROM search_token t "
             "JOIN person p ON p.pk = t.person JOIN entry e ON e.person = t.person "
             "LEFT JOIN organisation o ON o.id = e.organisation_id "
             "WHERE t.token >= ?1 AND t.token < ?2 AND (?3 IS NULL OR EXISTS (SELECT 1 FROM "
             "search_token a WHERE a.person = t.person AND a.token >= ?3 AND a.token < ?4)) "
             "ORDER BY t.token, t.person LIMIT 50");
    sqlite3_stmt *b_count = prep(raw, "SELECT count(*) FROM (SELECT 1 FROM search_token WHERE "
                                      "token >= ?1 AND token < ?2 LIMIT 20000)");
    long found = 0;
    for (int i = 0; i < queries; i++) {
        struct rk_search_query q = {.q = words[i], .limit = 50, .now = start + 800 * DAY};
        struct rk_search_cursor next;
        struct rk_error msg;
        bool more = false;
        int hits = 0;
        double t0 = now_s();
        if (rk_search_persons(reg, &dpo, &q, hit_count, &hits, &more, &next, &msg) != RK_OK) {
            fprintf(stderr, "bench_console: search: %s\n", msg.message);
            exit(2);
        }
        ours[i] = now_s() - t0;
        found += hits;
        char w[2][RK_SEARCH_WORD_MAX + 1];
        size_t nw = rk_fold_words(words[i], w, 2);
        /* The rarer word drives, the other must be there too: as the store does (the
         * counting, which rekisteri's time includes, is done here before timing). */
        size_t lead = 0;
        if (nw > 1) {
            int64_t c[2] = {0, 0};
            for (int k = 0; k < 2; k++) {
                char hk[RK_SEARCH_WORD_MAX + 2];
                size_t wl = strlen(w[k]);
                memcpy(hk, w[k], wl);
                hk[wl] = (char)0xff;
                sqlite3_bind_text(b_count, 1, w[k], (int)wl, SQLITE_TRANSIENT);
                sqlite3_bind_text(b_count, 2, hk, (int)wl + 1, SQLITE_TRANSIENT);
                if (sqlite3_step(b_count) == SQLITE_ROW)
                    c[k] = sqlite3_column_int64(b_count, 0);
                sqlite3_reset(b_count);
            }
            lead = c[1] < c[0] ? 1 : 0;
        }
        char hi[2][RK_SEARCH_WORD_MAX + 2];
        t0 = now_s();
        for (size_t k = 0; k < nw; k++) {
            size_t wl = strlen(w[k]);
            memcpy(hi[k], w[k], wl);
            hi[k][wl] = (char)0xff;
            int at = k == lead ? 1 : 3;
            sqlite3_bind_text(b_search, at, w[k], (int)wl, SQLITE_TRANSIENT);
            sqlite3_bind_text(b_search, at + 1, hi[k], (int)wl + 1, SQLITE_TRANSIENT);
        }
        run(b_search, NULL, 0);
        sqlite3_clear_bindings(b_search);
        bare[i] = now_s() - t0;
    }
    report("search", ours, bare, queries);
    fprintf(stderr, "bench_console: search: %.1f persons a page on average\n",
            (double)found / queries);

    /* A list page: newest first from a random position (the first page every tenth time). */
    sqlite3_stmt *b_list = prep(
        raw, "SELECT p.id, p.created_at, e.register, e.name, e.email, e.phone, o.name "
             "FROM person p JOIN entry e ON e.person = p.pk "
             "LEFT JOIN organisation o ON o.id = e.organisation_id "
             "WHERE (p.created_at, p.pk) < (?1, ?2) ORDER BY p.created_at DESC, p.pk DESC LIMIT 50");
    for (int i = 0; i < queries; i++) {
        struct rk_search_cursor after;
        bool first = i % 10 == 0 || !rk_search_cursor_parse(cur[i], &after);
        struct rk_search_query q = {.limit = 50, .after = first ? NULL : &after,
                                    .now = start + 800 * DAY};
        struct rk_search_cursor next;
        struct rk_error msg;
        bool more = false;
        int hits = 0;
        double t0 = now_s();
        if (rk_search_persons(reg, &dpo, &q, hit_count, &hits, &more, &next, &msg) != RK_OK ||
            hits != 50) {
            fprintf(stderr, "bench_console: list: %d persons: %s\n", hits, msg.message);
            exit(2);
        }
        ours[i] = now_s() - t0;
        char pk[24];
        snprintf(pk, sizeof pk, "%lld", (long long)(first ? INT64_MAX : after.pk));
        const char *v[] = {first ? "~" : after.key, pk};
        t0 = now_s();
        sqlite3_bind_text(b_list, 1, v[0], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(b_list, 2, first ? INT64_MAX : after.pk);
        run(b_list, NULL, 0);
        bare[i] = now_s() - t0;
    }
    report("list page", ours, bare, queries);

    /* A person's record. */
    static const char r_entries[] =
        "SELECT e.register, e.name, e.name_prov, e.email, e.email_prov, e.phone, e.phone_prov, "
        "o.name, e.organisation_prov FROM entry e LEFT JOIN organisation o ON "
        "o.id = e.organisation_id WHERE e.person = (SELECT pk FROM person WHERE id = ?1)";
    static const char r_prov[] =
        "SELECT v.* FROM provenance v WHERE v.id IN (SELECT name_prov FROM entry WHERE person = "
        "(SELECT pk FROM person WHERE id = ?1) UNION SELECT email_prov FROM entry WHERE person = "
        "(SELECT pk FROM person WHERE id = ?1))";
    static const char *const b_record_sql[] = {
        r_entries,
        r_prov,
        "SELECT * FROM consent_event WHERE person = (SELECT pk FROM person WHERE id = ?1)",
        "SELECT * FROM contract WHERE person = (SELECT pk FROM person WHERE id = ?1)",
        "SELECT * FROM invoice WHERE person = (SELECT pk FROM person WHERE id = ?1)",
        "SELECT * FROM request WHERE person_id = ?1",
        "SELECT * FROM task WHERE person = (SELECT pk FROM person WHERE id = ?1)",
        "SELECT * FROM audit WHERE person_id = ?1 ORDER BY seq"};
    sqlite3_stmt *b_record[8];
    for (int k = 0; k < 8; k++)
        b_record[k] = prep(raw, b_record_sql[k]);
    for (int i = 0; i < queries; i++) {
        double t0 = now_s();
        if (!record(s, &dpo, ids[i])) {
            fprintf(stderr, "bench_console: record of a person failed\n");
            exit(2);
        }
        ours[i] = now_s() - t0;
        const char *v[] = {ids[i]};
        t0 = now_s();
        for (int k = 0; k < 8; k++)
            run(b_record[k], v, 1);
        bare[i] = now_s() - t0;
    }
    report("person record", ours, bare, queries);

    /* The overview. */
    static const char o_requests[] =
        "SELECT id, type, status, coalesce(extended_due, due) FROM request WHERE status IN "
        "('received', 'verified', 'in_progress') ORDER BY 4";
    static const char *const b_over_sql[] = {
        o_requests,
        "SELECT count(*) FROM task WHERE kind = 'art14_inform' AND done_at IS NULL",
        "SELECT count(*) FROM task WHERE kind = 'objection_review' AND done_at IS NULL",
        "SELECT count(*) FROM outbox WHERE state = 'failed'",
        "SELECT count(*) FROM recipient_notice WHERE state = 'failed'",
        "SELECT * FROM console_mark",
        "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
        "SELECT * FROM register_count",
        "SELECT * FROM consent_week WHERE week >= '2026-06-01'",
        "SELECT * FROM purpose_count"};
    sqlite3_stmt *b_over[10];
    for (int k = 0; k < 10; k++)
        b_over[k] = prep(raw, b_over_sql[k]);
    for (int i = 0; i < queries; i++) {
        double t0 = now_s();
        if (!overview(s)) {
            fprintf(stderr, "bench_console: overview: %s\n", rk_store_errmsg(s));
            exit(2);
        }
        ours[i] = now_s() - t0;
        t0 = now_s();
        for (int k = 0; k < 10; k++)
            run(b_over[k], NULL, 0);
        bare[i] = now_s() - t0;
    }
    report("overview", ours, bare, queries);

    sqlite3_stmt *fin[] = {b_search, b_list, b_count};
    for (int k = 0; k < 3; k++)
        sqlite3_finalize(fin[k]);
    for (int k = 0; k < 8; k++)
        sqlite3_finalize(b_record[k]);
    for (int k = 0; k < 10; k++)
        sqlite3_finalize(b_over[k]);
    sqlite3_close(raw);
    rk_store_close(s);
    rk_decl_free(decl);
    free(words), free(ids), free(cur), free(ours), free(bare);
    return 0;
}
