/*
 * bench_sweep.c — how fast the consent-expiry sweep runs (issue 6: a sweep
 * over 1,000,000 persons whose consents have run out finishes in at most
 * 5 s). It fills the Smartum declaration's marketing register with ROWS
 * persons through rk_reg_person_add (the register's own rules, so the rows are
 * exactly what rekisteri writes), each with a sales_promotion consent given
 * more than two years (its validity) before NOW, plus ROWS/100 control persons
 * whose consent is still valid. It copies the database, times rk_sweep_run on
 * one copy and, as the baseline, bare SQLite doing the same work set-based on
 * the other (the expired ledger events, consent_state, the entries and their
 * provenance out of the register, two hash-chained audit rows per consent),
 * then checks both results. Usage: bench_sweep ROWS WORKDIR [DB_CACHE].
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "core/audit.h"
#include "keys/keys.h"
#include "core/register.h"
#include "core/sweep.h"
#include "decl/decl.h"
#include "util/diag.h"
#include "views/notice_digest.h"

#define BATCH   10000
#define PURPOSE "sales_promotion"
#define NOW_ISO "2026-11-25T12:00:00Z"
#define DAY     ((rk_ts)86400)

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* xorshift64* (Vigna): deterministic, so every run sees the same register. */
static uint32_t rng_below(uint32_t n) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)(((rng * 0x2545F4914F6CDD1DULL) >> 11) % n);
}

static const char *const firsts[] = {"matti", "maija", "juha",  "anna",  "timo",  "tiina",
                                     "jari",  "sari",  "mikko", "paivi", "antti", "liisa"};
static const char *const lasts[] = {"korhonen", "virtanen", "makinen",  "nieminen",
                                    "makela",   "laine",    "koskinen", "jarvinen"};
static const char *const positions[] = {"toimitusjohtaja", "myyntipäällikkö", "controller",
                                        "ostopäällikkö"};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The monotonic clock the sweep sizes its batches by, in microseconds (as the CLI's). */
static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* BENCH_LOG: each batch of the sweep on stderr (consents asked, expired, milliseconds). */
static void log_batch(void *ctx, int asked, int64_t expired, int64_t took_us) {
    (void)ctx;
    fprintf(stderr, "bench_sweep: batch %d %lld %.0f ms\n", asked, (long long)expired,
            (double)took_us / 1000.0);
}

/* CPU time (user + system) of this process so far: steadier than wall time on a shared
 * machine, and it leaves out waiting for the disk. */
static double cpu_s(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

static bool field(struct rk_contact *c, enum rk_field f, const char *raw, char *buf, size_t n) {
    struct rk_error why = RK_ERROR_INIT;
    if (rk_field_normalize(f, raw, buf, n, &why) != RK_OK) {
        fprintf(stderr, "bench_sweep: %s %s\n", rk_field_id(f), why.message);
        return false;
    }
    c->v[f] = buf;
    return true;
}

/* Adds person k to the marketing register with a consent given at `given`, written one
 * second later (as a web form would: each person its own provenance row). */
static bool add_person(struct rk_reg *reg, long k, rk_ts given) {
    char name[64], email[96], phone[24];
    char bufs[4][RK_EMAIL_MAX + 1];
    const char *first = firsts[rng_below(sizeof firsts / sizeof firsts[0])];
    const char *last = lasts[rng_below(sizeof lasts / sizeof lasts[0])];
    snprintf(name, sizeof name, "%c%s %c%s", first[0] - 32, first + 1, last[0] - 32, last + 1);
    snprintf(email, sizeof email, "%s.%s.%ld@example%u.fi", first, last, k,
             (unsigned)rng_below(50));
    snprintf(phone, sizeof phone, "+3584%08u",
             (unsigned)(((uint64_t)k * 48271u + 12345u) % 100000000u));
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    if (!field(&c, RK_F_NAME, name, bufs[0], sizeof bufs[0]) ||
        !field(&c, RK_F_EMAIL, email, bufs[1], sizeof bufs[1]) ||
        !field(&c, RK_F_PHONE, phone, bufs[2], sizeof bufs[2]) ||
        !field(&c, RK_F_POSITION, positions[rng_below(4)], bufs[3], sizeof bufs[3]))
        return false;
    struct rk_consent_input consent = {.channel = "web_form", .form_id = "newsletter", .at = given};
    struct rk_write w = {"marketing", PURPOSE, RK_SRC_WEB_FORM, NULL, given + 1};
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_err e = rk_reg_person_add(reg, &w, NULL, &c, &consent, NULL, &msg);
    if (e != RK_OK) {
        fprintf(stderr, "bench_sweep: %s: %s (%s)\n", rk_err_str(e), msg.message,
                rk_store_errmsg(rk_reg_store(reg)));
        return false;
    }
    return true;
}

/* Fills the register: n expired consents and n/100 live ones. In time order (the default),
 * persons join as they consent, oldest first, as a register grows: the run-out consents come
 * in the order of the persons' internal keys. Shuffled, the consent times are random, so each
 * batch of the sweep touches pages all over the tables (the worst case). */
static bool populate(struct rk_reg *reg, long n, rk_ts now, bool shuffled) {
    long total = n + n / 100;
    double t0 = now_s(), shown = t0;
    for (long i = 0; i < total; i += BATCH) {
        if (rk_reg_batch_begin(reg) != RK_OK)
            return false;
        for (long j = i; j < total && j < i + BATCH; j++) {
            /* 800-860 days back is past the 2-year validity; 40-100 days back is not. */
            rk_ts given;
            if (shuffled) {
                bool live = j % 101 == 100; /* n / 100 of them when n is a multiple of 100 */
                given = now - (live ? 100 : 860) * DAY + (rk_ts)rng_below((uint32_t)(60 * DAY));
            } else if (j < n) {
                given = now - 860 * DAY + (rk_ts)((double)j / (double)n * 60 * DAY);
            } else {
                given = now - 100 * DAY + (rk_ts)((double)(j - n) / ((double)n / 100) * 60 * DAY);
            }
            if (!add_person(reg, j, given)) {
                rk_reg_batch_rollback(reg);
                return false;
            }
        }
        if (rk_reg_batch_commit(reg) != RK_OK)
            return false;
        if (now_s() - shown >= 10) {
            shown = now_s();
            fprintf(stderr, "bench_sweep: %ld persons in %.0f s\n", i + BATCH, shown - t0);
        }
    }
    fprintf(stderr, "bench_sweep: %ld persons added in %.1f s (%.0f/s)\n", total, now_s() - t0,
            (double)total / (now_s() - t0));
    return true;
}

static bool copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    bool ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = false;
    return ok;
}

static bool exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int64_t count(sqlite3 *db, const char *sql, const char *now) {
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_bind_parameter_count(st) > 0)
            sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

/* Runs one statement with text parameters ?1..?n bound from vals. */
static bool exec_bound(sqlite3 *db, const char *sql, const char *const *vals, int n) {
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < n; i++)
        ok = sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_STATIC) == SQLITE_OK;
    ok = ok && sqlite3_step(st) == SQLITE_DONE;
    if (!ok)
        fprintf(stderr, "bench_sweep: baseline: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok;
}

static bool exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
        return true;
    fprintf(stderr, "bench_sweep: baseline: %s\n", err ? err : "?");
    sqlite3_free(err);
    return false;
}

/* The figures every result must show: nothing live and expired left, one expired event per
 * swept consent, the controls still in the register, and the audit chain verifying. */
static bool check(const char *db, const struct rk_keys *keys, long n, long controls,
                  int64_t audit_before, const char *label) {
    sqlite3 *raw = NULL;
    bool ok = sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
    int64_t live_expired = count(raw,
                                 "SELECT count(*) FROM consent_state WHERE state = 'live' "
                                 "AND expires_at <= ?1",
                                 NOW_ISO);
    int64_t events = count(raw, "SELECT count(*) FROM consent_event WHERE event = 'expired'", NULL);
    int64_t states = count(raw, "SELECT count(*) FROM consent_state WHERE state = 'expired'", NULL);
    int64_t entries = count(raw, "SELECT count(*) FROM entry WHERE register = 'marketing'", NULL);
    int64_t provs = count(raw, "SELECT count(*) FROM provenance", NULL);
    int64_t audits = count(raw, "SELECT count(*) FROM audit", NULL);
    sqlite3_close(raw);
    struct rk_store *s = NULL;
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
    struct rk_audit_report rep = {0};
    ok = ok && rk_store_open(db, &opt, &s, NULL) == RK_OK && rk_audit_verify(s, keys, &rep) == RK_OK;
    rk_store_close(s);
    bool good = ok && live_expired == 0 && events == n && states == n && entries == controls &&
                provs == controls && audits == audit_before + 2 * n + 1 && rep.bad_seq == 0 &&
                rep.events == audits;
    fprintf(stderr,
            "bench_sweep: %s: live expired %lld, expired events %lld, expired states %lld, "
            "entries %lld, provenance %lld, audit %lld (%s)\n",
            label, (long long)live_expired, (long long)events, (long long)states,
            (long long)entries, (long long)provs, (long long)audits,
            rep.bad_seq ? rep.reason : "chain verifies");
    if (!good)
        fprintf(stderr, "bench_sweep: %s: the result is wrong\n", label);
    return good;
}

/* The baseline: bare SQLite doing the sweep's writes set-based in one transaction. */
static bool baseline(const char *db, const struct rk_keys *keys, const struct rk_reg *reg,
                     const struct rk_notice_digest *nd, rk_ts now) {
    sqlite3 *raw = NULL;
    sqlite3_stmt *sel = NULL, *ins = NULL;
    char now_iso[RK_TS_LEN + 1];
    rk_ts_format(now, now_iso);
    bool ok = sqlite3_open(db, &raw) == SQLITE_OK &&
              exec(raw, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                        "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; "
                        "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; "
                        "PRAGMA mmap_size = 268435456; BEGIN IMMEDIATE");
    /* What has run out; then its expired events (values bound, never formatted). */
    const char *vals[] = {now_iso, nd->version, nd->sha256[0], rk_reg_actor(reg)};
    ok = ok &&
         exec_bound(raw,
                    "CREATE TEMP TABLE gone AS SELECT c.person, c.purpose FROM consent_state c "
                    "WHERE c.state = 'live' AND c.expires_at IS NOT NULL AND c.expires_at <= ?1 "
                    "ORDER BY c.expires_at",
                    vals, 1) &&
         exec_bound(raw,
                    "INSERT INTO consent_event (person, purpose, event, pending, basis, "
                    "notice_version, notice_sha256, channel, collector, at) "
                    "SELECT person, purpose, 'expired', 0, 'consent', ?2, ?3, "
                    "'retention_sweep', ?4, ?1 FROM gone",
                    vals, 4);
    if (ok) {
        ok = exec(raw, "UPDATE consent_state SET state = 'expired', renewal_pending = 0, "
                       "last_seq = (SELECT max(seq) FROM consent_event e WHERE e.person = "
                       "consent_state.person AND e.purpose = consent_state.purpose) "
                       "WHERE (person, purpose) IN (SELECT person, purpose FROM gone)") &&
             exec(raw, "CREATE TEMP TABLE gone_prov AS SELECT DISTINCT prov FROM ("
                       "SELECT name_prov prov FROM entry WHERE register = 'marketing' AND "
                       "person IN (SELECT person FROM gone) UNION SELECT email_prov FROM entry "
                       "WHERE register = 'marketing' AND person IN (SELECT person FROM gone) "
                       "UNION SELECT phone_prov FROM entry WHERE register = 'marketing' AND "
                       "person IN (SELECT person FROM gone) UNION SELECT position_prov FROM "
                       "entry WHERE register = 'marketing' AND person IN (SELECT person FROM "
                       "gone)) WHERE prov IS NOT NULL") &&
             exec(raw, "DELETE FROM entry WHERE register = 'marketing' AND person IN "
                       "(SELECT person FROM gone)") &&
             exec(raw, "DELETE FROM provenance WHERE id IN (SELECT prov FROM gone_prov) AND id "
                       "NOT IN (SELECT name_prov FROM entry WHERE name_prov IS NOT NULL UNION "
                       "SELECT email_prov FROM entry WHERE email_prov IS NOT NULL UNION "
                       "SELECT phone_prov FROM entry WHERE phone_prov IS NOT NULL UNION "
                       "SELECT position_prov FROM entry WHERE position_prov IS NOT NULL UNION "
                       "SELECT organisation_prov FROM entry WHERE organisation_prov IS NOT NULL "
                       "UNION SELECT interests_prov FROM entry WHERE interests_prov IS NOT "
                       "NULL)");
    }
    /* Two chained audit rows per consent and one for the run, hashed here. */
    ok = ok &&
         sqlite3_prepare_v2(raw,
                            "SELECT p.id, g.purpose FROM gone g JOIN person p ON p.pk = g.person",
                            -1, &sel, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(raw,
                            "INSERT INTO audit (seq, at, actor, action, person_id, detail, prev, "
                            "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            -1, &ins, NULL) == SQLITE_OK;
    struct rk_audit_event e = {.at = now, .actor = rk_reg_actor(reg)};
    sqlite3_stmt *last = NULL;
    ok = ok &&
         sqlite3_prepare_v2(raw, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &last,
                            NULL) == SQLITE_OK &&
         sqlite3_step(last) == SQLITE_ROW && sqlite3_column_bytes(last, 1) == RK_HASH_LEN;
    if (ok) {
        e.seq = sqlite3_column_int64(last, 0);
        memcpy(e.hash, sqlite3_column_blob(last, 1), RK_HASH_LEN);
    }
    sqlite3_finalize(last);
    long n = 0;
    char person[RK_ID_LEN + 1], purpose[RK_DECL_ID_MAX + 1], detail[128];
    for (int rc = ok ? sqlite3_step(sel) : SQLITE_DONE; ok; rc = sqlite3_step(sel)) {
        static const char *const actions[] = {"consent.expired", "sweep.consent_expired"};
        bool row = rc == SQLITE_ROW;
        if (!row && rc != SQLITE_DONE)
            ok = false;
        if (!row && !ok)
            break;
        if (row) {
            snprintf(person, sizeof person, "%s", (const char *)sqlite3_column_text(sel, 0));
            snprintf(purpose, sizeof purpose, "%s", (const char *)sqlite3_column_text(sel, 1));
            n++;
        } else {
            snprintf(detail, sizeof detail, "consents_expired=%ld signups_expired=0 skipped=0", n);
        }
        for (int a = 0; a < (row ? 2 : 1) && ok; a++) {
            memcpy(e.prev, e.hash, RK_HASH_LEN);
            e.seq++;
            e.action = row ? actions[a] : "sweep.run";
            e.person_id = row ? person : NULL;
            e.detail = row ? purpose : detail;
            rk_audit_hash(keys, &e, e.hash);
            char at[RK_TS_LEN + 1];
            rk_ts_format(e.at, at);
            sqlite3_bind_int64(ins, 1, e.seq);
            sqlite3_bind_text(ins, 2, at, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 3, e.actor, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, e.action, -1, SQLITE_STATIC);
            if (e.person_id)
                sqlite3_bind_text(ins, 5, e.person_id, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(ins, 5);
            sqlite3_bind_text(ins, 6, e.detail, -1, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 7, e.prev, RK_HASH_LEN, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 8, e.hash, RK_HASH_LEN, SQLITE_STATIC);
            ok = sqlite3_step(ins) == SQLITE_DONE && sqlite3_reset(ins) == SQLITE_OK;
        }
        if (!row)
            break;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    ok = ok && exec(raw, "COMMIT");
    if (!ok)
        fprintf(stderr, "bench_sweep: baseline: %s\n", sqlite3_errmsg(raw));
    sqlite3_close(raw);
    return ok;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000L;
    const char *dir = argc > 2 ? argv[2] : ".";
    const char *cache = argc > 3 ? argv[3] : NULL;
    char db[4096], base_db[4096], key[4096];
    struct rk_error err = RK_ERROR_INIT;
    const char *order = getenv("BENCH_ORDER");
    if (!order)
        order = "time";
    bool shuffled = strcmp(order, "random") == 0;
    /* BENCH_BATCH: consents per transaction, fixed; unset, the batches are sized by time as
     * `rekisteri sweep` sizes them (RK_SWEEP_PACE_CLI), aimed at BENCH_AIM_MS when set. */
    const char *batch_env = getenv("BENCH_BATCH"), *aim_env = getenv("BENCH_AIM_MS");
    int batch = batch_env ? (int)strtol(batch_env, NULL, 10) : RK_SWEEP_BATCH;
    if (batch < 1 || batch > 1000000) {
        fprintf(stderr, "bench_sweep: BENCH_BATCH: expected 1 to 1000000\n");
        return 2;
    }
    struct rk_sweep_pace pace = RK_SWEEP_PACE_CLI(mono_us);
    if (batch_env)
        pace = (struct rk_sweep_pace){.first = batch, .min = batch, .max = batch, .clock = NULL};
    if (getenv("BENCH_LOG"))
        pace.on_batch = log_batch;
    if (aim_env)
        pace.aim_us = strtol(aim_env, NULL, 10) * 1000L;
    if (pace.clock && (pace.aim_us < 1000 || pace.aim_us > RK_SWEEP_BUSY_US / 2)) {
        fprintf(stderr, "bench_sweep: BENCH_AIM_MS: expected 1 to %d\n", RK_SWEEP_BUSY_US / 2000);
        return 2;
    }
    if (!shuffled && strcmp(order, "time") != 0) {
        fprintf(stderr, "bench_sweep: BENCH_ORDER: expected time or random\n");
        return 2;
    }
    if (n < 100 || n > 50000000 || n % 100 != 0) {
        fprintf(stderr, "usage: bench_sweep ROWS WORKDIR [DB_CACHE]   (ROWS a multiple of 100)\n");
        return 2;
    }
    snprintf(db, sizeof db, "%s/sweep.db", dir);
    snprintf(base_db, sizeof base_db, "%s/baseline.db", dir);
    /* A populated register kept between runs: its database and its key, by row count. */
    char cached_db[4096] = "", cached_key[4096] = "";
    if (cache) {
        snprintf(cached_db, sizeof cached_db, "%s/sweep-%ld-%s.db", cache, n, order);
        snprintf(cached_key, sizeof cached_key, "%s/sweep-%ld-%s.key", cache, n, order);
    }
    snprintf(key, sizeof key, "%s", cache ? cached_key : "");
    if (!cache)
        snprintf(key, sizeof key, "%s/sweep.key", dir);
    struct rk_diags diags;
    struct rk_decl *decl = NULL;
    rk_diags_init(&diags, RK_SOURCE_DIR "/examples/smartum/declaration.yaml");
    if (rk_crypto_init() != RK_OK ||
        rk_decl_load(RK_SOURCE_DIR "/examples/smartum/declaration.yaml", &diags, &decl) != RK_OK) {
        rk_diags_print(&diags, stderr);
        return 2;
    }
    rk_ts now = 0;
    if (!rk_ts_parse(NOW_ISO, &now))
        return 2;
    struct rk_keys keys;
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    struct rk_store *s = NULL;
    int from = 0, to = 0;
    long controls = 0;
    bool have = cache && exists(cached_db) && exists(cached_key);
    if (!have && rk_keys_create(key, &err) != RK_OK) {
        fprintf(stderr, "bench_sweep: %s\n", err.message);
        return 2;
    }
    if (rk_keys_load(key, &keys, &err) != RK_OK) {
        fprintf(stderr, "bench_sweep: %s\n", err.message);
        return 2;
    }
    /* Populate (or take the cached register), then two copies. */
    struct rk_store_options big = {.synchronous = RK_SYNC_NORMAL, .cache_kib = 1024L * 1024};
    const char *pop_db = cache ? cached_db : db;
    struct rk_error open_err = RK_ERROR_INIT;
    if (rk_store_open(pop_db, &big, &s, &open_err) != RK_OK ||
        rk_store_migrate(s, &from, &to) != RK_OK ||
        rk_notice_reg_init(reg, decl, s, &keys, "bench") != RK_OK ||
        (!have && !populate(reg, n, now, shuffled)) || rk_store_checkpoint(s) != RK_OK) {
        fprintf(stderr, "bench_sweep: cannot set up in %s: %s\n", dir,
                s ? rk_store_errmsg(s) : open_err.message);
        return 2;
    }
    rk_store_close(s);
    s = NULL;
    sqlite3 *raw = NULL;
    int64_t audit_before = -1;
    if (sqlite3_open_v2(pop_db, &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        audit_before = count(raw, "SELECT count(*) FROM audit", NULL);
        controls = (long)count(raw,
                               "SELECT count(*) FROM consent_state WHERE state = 'live' AND "
                               "expires_at > ?1",
                               NOW_ISO);
    }
    sqlite3_close(raw);
    if ((cache && !copy_file(cached_db, db)) || !copy_file(db, base_db)) {
        fprintf(stderr, "bench_sweep: cannot copy the database in %s\n", dir);
        return 2;
    }
    /* The sweep, as `rekisteri sweep` runs it: the store's default connection. */
    struct rk_sweep_counts counts = {0};
    struct rk_error msg = RK_ERROR_INIT;
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
    /* BENCH_SWEEP_CACHE_MIB: a larger page cache for the sweep's connection, to measure it
     * (unset: the store's default, as `rekisteri sweep`). */
    const char *cache_env = getenv("BENCH_SWEEP_CACHE_MIB");
    if (cache_env)
        opt.cache_kib = strtol(cache_env, NULL, 10) * 1024L;
    if (rk_store_open(db, &opt, &s, &open_err) != RK_OK ||
        rk_notice_reg_init(reg, decl, s, &keys, "bench") != RK_OK) {
        fprintf(stderr, "bench_sweep: cannot open %s: %s\n", db,
                s ? rk_store_errmsg(s) : open_err.message);
        return 2;
    }
    fprintf(stderr, "bench_sweep: sweeping %ld expired consents (%ld still valid)\n", n, controls);
    double t0 = now_s(), c0 = cpu_s();
    rk_err e = rk_sweep_run_paced(reg, now, false, &pace, &counts, &msg);
    double t1 = now_s(), c1 = cpu_s();
    rk_store_close(s);
    if (e != RK_OK || counts.consents_expired != n) {
        fprintf(stderr, "bench_sweep: sweep: %s: %s (expired %lld)\n", rk_err_name(e), msg.message,
                (long long)counts.consents_expired);
        return 1;
    }
    bool good = check(db, &keys, n, controls, audit_before, "rekisteri");
    /* The notice's digest the register records, for the baseline's events (made before the
     * clock starts; the handle is opaque here). */
    struct rk_notice_digest nd;
    bool nd_ok = rk_notice_digest(rk_reg_decl(reg), &nd) == RK_OK;
    double t2 = now_s(), c2 = cpu_s();
    bool base_ok = nd_ok && baseline(base_db, &keys, reg, &nd, now);
    double t3 = now_s(), c3 = cpu_s();
    good = base_ok && check(base_db, &keys, n, controls, audit_before, "raw sqlite") && good;
    double sweep = t1 - t0, raw_s = t3 - t2;
    printf("sweep       rekisteri %.0f consents/s (%.2f s)   raw sqlite %.0f consents/s (%.2f s)"
           "   ratio %.2f\n",
           (double)n / sweep, sweep, (double)n / raw_s, raw_s, raw_s / sweep);
    printf("cpu         rekisteri %.2f s   raw sqlite %.2f s   ratio %.2f   (user + system)\n",
           c1 - c0, c3 - c2, (c3 - c2) / (c1 - c0));
    if (n >= 1000000) /* the target: 1,000,000 consents in at most 5 s */
        printf("target      %ld consents in <= 5 s: %s\n", n, sweep <= 5.0 ? "met" : "NOT met");
    else
        printf("target      1000000 consents in <= 5 s: not judged on %ld\n", n);
    if (pace.clock)
        printf("batches     %d, sized by time: aim %lld ms, largest %d consents, longest %.0f ms\n",
               counts.consent_batches, (long long)(pace.aim_us / 1000), counts.batch_largest,
               (double)counts.batch_longest_us / 1000.0);
    else
        printf("batches     %d of %d consents (fixed)\n", counts.consent_batches, batch);
    printf("rows %ld   still valid %ld   order %s   register marketing   purpose " PURPOSE "\n", n,
           controls, order);
    rk_decl_free(decl);
    return good ? 0 : 1;
}
