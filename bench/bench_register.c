/*
 * bench_register.c — how fast the register is next to bare SQLite. It times
 * three things against a one-table SQLite baseline doing the same work
 * without the rules: a CSV import through every rule (provenance, person,
 * entry, consent event and consent state per row), the audience export, and
 * lookup by email. The rows are synthetic (a seeded xorshift64* generator, so
 * every run sees the same data) and written to a CSV first, untimed.
 * Usage: bench_register [ROWS [WORKDIR [SOURCE_DIR]]]; see bench/README.md.
 * BENCH_REUSE=1 reuses the databases and key an earlier run of the same ROWS left in
 * WORKDIR (SQLite only): the import is skipped, the audience and the lookup are timed.
 * BENCH_LOOKUP_TX=1 also times the lookups with one read transaction held over them all
 * (rk_store_read_begin/read_end), beside the per-lookup ones. BENCH_MMAP_MIB sets the
 * register handle's memory map (rk_store_options.mmap_kib / 1024; -1: none).
 * BENCH_DB_URI (a postgresql:// URI of an empty database) puts the register's store
 * there instead of WORKDIR/rekisteri.db; the bare SQLite baseline stays a file.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/id.h"
#include "core/import.h"
#include "keys/keys.h"
#include "core/register.h"
#include "decl/decl.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/diag.h"
#include "views/notice_digest.h"

#ifndef RK_SOURCE_DIR
#define RK_SOURCE_DIR "."
#endif

#define DEFAULT_ROWS 1000000L
#define MAX_ROWS     50000000L /* phone numbers are unique below 10^8 */
#define BATCH        10000     /* rows per transaction, as `rekisteri import`; BENCH_BATCH */
#define LOOKUPS      100000
/* The Smartum declaration's "marketing" register declares no organisation
 * category, so rows with an organisation would all be refused there; its
 * "customer" register holds every column and also serves sales_promotion. */
#define REGISTER "customer"
#define PURPOSE  "sales_promotion"
#define OUTBUF   (1 << 20)

/* ---- Timing and the generator ---------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU time of the process (user and system), beside the wall clock: on a loaded
 * machine the wall clock moves with the other processes, the CPU time much less. */
static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rows per transaction of both imports: BENCH_BATCH, else BATCH (`rekisteri import --batch`). */
static long batch = BATCH;

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* xorshift64* (Vigna): small, fast and deterministic. */
static uint64_t rng_next(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t rng_below(uint32_t n) { return (uint32_t)((rng_next() >> 11) % n); }

/* ---- Synthetic persons ----------------------------------------------------------------- */

struct name_pair {
    const char *shown, *ascii; /* as written, and as an email local part */
};

static const struct name_pair first_names[] = {
    {"Matti", "matti"},   {"Maija", "maija"},   {"Juha", "juha"},     {"Anna", "anna"},
    {"Timo", "timo"},     {"Tiina", "tiina"},   {"Jari", "jari"},     {"Sari", "sari"},
    {"Mikko", "mikko"},   {"Päivi", "paivi"},   {"Antti", "antti"},   {"Liisa", "liisa"},
    {"Jukka", "jukka"},   {"Hanna", "hanna"},   {"Pekka", "pekka"},   {"Minna", "minna"},
    {"Sami", "sami"},     {"Kaisa", "kaisa"},   {"Ville", "ville"},   {"Outi", "outi"},
    {"Heikki", "heikki"}, {"Riikka", "riikka"}, {"Jyrki", "jyrki"},   {"Satu", "satu"},
    {"Väinö", "vaino"},   {"Aino", "aino"},     {"Eero", "eero"},     {"Helmi", "helmi"},
    {"Onni", "onni"},     {"Sofia", "sofia"},   {"Leevi", "leevi"},   {"Emilia", "emilia"},
    {"Joonas", "joonas"}, {"Iida", "iida"},     {"Tuomas", "tuomas"}, {"Sanna", "sanna"},
    {"Hannu", "hannu"},   {"Kalle", "kalle"},   {"Elina", "elina"},   {"Ilkka", "ilkka"},
};

static const struct name_pair last_names[] = {
    {"Korhonen", "korhonen"},
    {"Virtanen", "virtanen"},
    {"Mäkinen", "makinen"},
    {"Nieminen", "nieminen"},
    {"Mäkelä", "makela"},
    {"Hämäläinen", "hamalainen"},
    {"Laine", "laine"},
    {"Heikkinen", "heikkinen"},
    {"Koskinen", "koskinen"},
    {"Järvinen", "jarvinen"},
    {"Lehtonen", "lehtonen"},
    {"Lehtinen", "lehtinen"},
    {"Saarinen", "saarinen"},
    {"Salminen", "salminen"},
    {"Heinonen", "heinonen"},
    {"Niemi", "niemi"},
    {"Heikkilä", "heikkila"},
    {"Kinnunen", "kinnunen"},
    {"Salonen", "salonen"},
    {"Turunen", "turunen"},
    {"Salo", "salo"},
    {"Laitinen", "laitinen"},
    {"Tuominen", "tuominen"},
    {"Rantanen", "rantanen"},
    {"Karjalainen", "karjalainen"},
    {"Jokinen", "jokinen"},
    {"Mattila", "mattila"},
    {"Savolainen", "savolainen"},
    {"Lahtinen", "lahtinen"},
    {"Ahonen", "ahonen"},
    {"Öhman", "ohman"},
    {"Kärkkäinen", "karkkainen"},
    {"Pesonen", "pesonen"},
    {"Hiltunen", "hiltunen"},
    {"Leinonen", "leinonen"},
    {"Miettinen", "miettinen"},
    {"Väisänen", "vaisanen"},
    {"Pitkänen", "pitkanen"},
    {"Räsänen", "rasanen"},
    {"Aaltonen", "aaltonen"},
};

static const char *const positions[] = {
    "toimitusjohtaja",        "myyntipäällikkö",    "talousjohtaja",  "markkinointipäällikkö",
    "HR-päällikkö",           "asiakkuuspäällikkö", "controller",     "palvelupäällikkö",
    "henkilöstöasiantuntija", "ostopäällikkö",      "tuotepäällikkö", "kehitysjohtaja",
};

#define NSTEMS 40
#define NFORMS 25
#define NORGS  (NSTEMS * NFORMS)

static const char *const org_stems[NSTEMS] = {
    "Aalto",  "Berg",  "Kivi",  "Koivu",  "Lumi",  "Meri",  "Metsä",  "Pohjola", "Revon",   "Salmi",
    "Tammi",  "Vuori", "Järvi", "Kallio", "Kuusi", "Lahti", "Niitty", "Otava",   "Pihlaja", "Ranta",
    "Saari",  "Sampo", "Suomu", "Tuuli",  "Ukko",  "Valo",  "Vesi",   "Ilma",    "Kaski",   "Kumpu",
    "Laakso", "Mänty", "Nummi", "Paju",   "Routa", "Sisu",  "Talvi",  "Tähti",   "Uusi",    "Virta",
};

static const char *const org_forms[NFORMS] = {
    "Oy",
    "Ab",
    "Group Oy",
    "Consulting Oy",
    "Rakennus Oy",
    "Logistiikka Oy",
    "Palvelut Oy",
    "Solutions Oy",
    "Systems Oy",
    "Tekniikka Oy",
    "Kiinteistöt Oy",
    "Media Oy",
    "Ky",
    "Holding Oy",
    "Energia Oy",
    "Metalli Oy",
    "Ravintolat Oy",
    "Terveys Oy",
    "Kuljetus Oy",
    "Design Oy",
    "Software Oy",
    "Partners Oy",
    "Invest Oy",
    "Trading Oy",
    "Works Oy",
};

static char organisations[NORGS][48];

struct person {
    char name[48];
    char email[72];
    char phone[16];
    const char *position, *organisation;
    rk_ts consent_at;
};

static void make_organisations(void) {
    for (int i = 0; i < NORGS; i++)
        snprintf(organisations[i], sizeof organisations[i], "%s %s", org_stems[i / NFORMS],
                 org_forms[i % NFORMS]);
}

/* N persons in random order, each with a unique email and phone and a consent given
 * within the last year (the purpose's consent is valid for two). */
static struct person *make_persons(long n, rk_ts now) {
    struct person *p = calloc((size_t)n, sizeof *p);
    uint32_t *perm = malloc((size_t)n * sizeof *perm);
    if (!p || !perm) {
        free(p);
        free(perm);
        return NULL;
    }
    for (long i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (long i = n - 1; i > 0; i--) {
        uint32_t j = rng_below((uint32_t)i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    const uint32_t nfirst = sizeof first_names / sizeof first_names[0];
    const uint32_t nlast = sizeof last_names / sizeof last_names[0];
    const uint32_t npos = sizeof positions / sizeof positions[0];
    for (long i = 0; i < n; i++) {
        const struct name_pair *f = &first_names[rng_below(nfirst)];
        const struct name_pair *l = &last_names[rng_below(nlast)];
        uint32_t k = perm[i];
        snprintf(p[i].name, sizeof p[i].name, "%s %s", f->shown, l->shown);
        snprintf(p[i].email, sizeof p[i].email, "%s.%s.%u@example%u.fi", f->ascii, l->ascii,
                 (unsigned)k, (unsigned)rng_below(50));
        /* k -> 48271k + 12345 mod 10^8 is one-to-one, 48271 being prime to 10^8. */
        snprintf(p[i].phone, sizeof p[i].phone, "+3584%08u",
                 (unsigned)(((uint64_t)k * 48271u + 12345u) % 100000000u));
        p[i].position = positions[rng_below(npos)];
        p[i].organisation = organisations[rng_below(NORGS)];
        p[i].consent_at = now - 3600 - (rk_ts)rng_below(365u * 86400u);
    }
    free(perm);
    return p;
}

static bool write_csv(const char *path, const struct person *p, long n) {
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("name,email,phone,position,organisation,consent_at\n", f);
    for (long i = 0; i < n; i++) {
        char at[RK_TS_LEN + 1];
        rk_ts_format(p[i].consent_at, at);
        fprintf(f, "%s,%s,%s,%s,%s,%s\n", p[i].name, p[i].email, p[i].phone, p[i].position,
                p[i].organisation, at);
    }
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}

/* ---- Output sink, shared by both audience exports ---------------------------------------- */

struct sink {
    FILE *out;
    struct rk_buf line;
    unsigned long n;
};

/* One CSV line, as `rekisteri audience` writes it: id, then the five columns. */
static int sink_row(struct sink *s, const char *id, const char *const v[5]) {
    rk_buf_reset(&s->line);
    rk_buf_puts(&s->line, id);
    for (int i = 0; i < 5; i++) {
        rk_buf_putc(&s->line, ',');
        rk_buf_put_csv_safe(&s->line, v[i] ? v[i] : "");
    }
    rk_buf_puts(&s->line, "\r\n");
    s->n++;
    return rk_buf_status(&s->line) != RK_OK ||
           fwrite(s->line.data, 1, s->line.len, s->out) != s->line.len;
}

static FILE *open_null(char *buf) {
    FILE *f = fopen("/dev/null", "w");
    if (f)
        setvbuf(f, buf, _IOFBF, OUTBUF);
    return f;
}

/* ---- rekisteri ---------------------------------------------------------------------------- */

struct import {
    struct rk_reg *reg;
    struct rk_write w;
    const struct rk_purpose *purpose;
    struct rk_import_map map;
    bool have_map, header_failed;
    long in_batch;
    unsigned long rows, imported, rejected, suppressed;
    rk_err fatal;
    struct rk_import_row *row;
    char first_reject[400];
    double started, shown; /* for the progress line on stderr */
};

static void reject(struct import *im, unsigned long line, const char *why) {
    if (!im->rejected++)
        snprintf(im->first_reject, sizeof im->first_reject, "line %lu: %.360s", line, why);
}

/* The record callback of cli_import.c: rejects are counted (the first one kept for the
 * failure message) instead of going to a reject file. */
static int on_record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                     const char *row_error) {
    struct import *im = ctx;
    if (!im->have_map) {
        struct rk_error e = RK_ERROR_INIT;
        if (!row_error && rk_import_map_parse(fields, n, &im->map, &e) == RK_OK) {
            im->have_map = true;
            return 0;
        }
        snprintf(im->first_reject, sizeof im->first_reject, "%.360s", e.message);
        im->header_failed = true;
        return 1;
    }
    im->rows++;
    if (row_error) {
        reject(im, line, row_error);
        return 0;
    }
    struct rk_error why = RK_ERROR_INIT;
    struct rk_import_row *row = im->row;
    if (rk_import_row_parse(&im->map, fields, n, row, &why) != RK_OK) {
        reject(im, line, rk_error_msg(&why));
        return 0;
    }
    struct rk_write w = im->w;
    w.source_detail = row->source_detail;
    struct rk_consent_input consent = {.at = row->consent_at, .evidence = row->consent_evidence};
    consent.channel = rk_source_kind_id(row->has_channel ? row->consent_channel : w.source);
    bool needs_consent = im->purpose->basis == RK_BASIS_CONSENT;
    if (needs_consent && !row->has_consent) {
        reject(im, line, "no consent recorded for a consent-based purpose");
        return 0;
    }
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_reg_person_add(im->reg, &w, NULL, &row->contact,
                                   needs_consent ? &consent : NULL, NULL, &msg);
    if (err == RK_OK) {
        im->imported++;
        if (++im->in_batch >= batch) {
            double t = now_s();
            if (t - im->shown >= 10) {
                fprintf(stderr, "bench: import: %lu rows in %.0f s\n", im->imported,
                        t - im->started);
                im->shown = t;
            }
            im->in_batch = 0;
            if ((im->fatal = rk_reg_batch_commit(im->reg)) == RK_OK)
                im->fatal = rk_reg_batch_begin(im->reg);
            if (im->fatal != RK_OK)
                return 1;
        }
    } else if (msg.flags & RK_ERROR_SUPPRESSED) {
        im->suppressed++;
    } else if (err == RK_EREFUSED || err == RK_ECONFLICT || err == RK_EINVAL) {
        reject(im, line, msg.message);
    } else {
        im->fatal = err;
        return 1;
    }
    return 0;
}

/* Imports the CSV at path as `rekisteri import --register REGISTER --source web_form
 * --purpose PURPOSE` does; returns the seconds taken, or a negative number on failure. */
static double reg_import(struct rk_reg *reg, const char *path, long n) {
    struct import im = {.reg = reg};
    const struct rk_register *r = rk_decl_register(rk_reg_decl(reg), REGISTER);
    im.purpose = rk_decl_purpose(rk_reg_decl(reg), PURPOSE);
    if (!r || !im.purpose) {
        fprintf(stderr, "bench: the declaration lacks register %s or purpose %s\n", REGISTER,
                PURPOSE);
        return -1;
    }
    im.w = (struct rk_write){r->id, im.purpose->id, RK_SRC_WEB_FORM, NULL, rk_time_now()};
    im.row = malloc(sizeof *im.row);
    char *chunk = malloc(1 << 16);
    struct rk_csv_reader *csv = NULL;
    struct rk_error err = RK_ERROR_INIT;
    double t0 = now_s();
    im.started = im.shown = t0;
    FILE *in = fopen(path, "rb");
    rk_err e = !in ? RK_EIO : im.row && chunk ? rk_csv_reader_new(on_record, &im, &csv) : RK_ENOMEM;
    if (e == RK_OK)
        e = rk_reg_batch_begin(reg);
    size_t got;
    while (e == RK_OK && !rk_csv_stopped(csv) && (got = fread(chunk, 1, 1 << 16, in)))
        e = rk_csv_feed(csv, chunk, got, &err);
    if (e == RK_OK && !rk_csv_stopped(csv))
        e = rk_csv_finish(csv, &err);
    if (e == RK_OK && im.fatal == RK_OK && !im.header_failed && rk_reg_in_batch(reg))
        e = rk_reg_batch_commit(reg);
    double t1 = now_s();
    if (rk_reg_in_batch(reg))
        rk_reg_batch_rollback(reg);
    rk_csv_reader_free(csv);
    if (in)
        fclose(in);
    free(chunk);
    free(im.row);
    if (e != RK_OK || im.fatal != RK_OK || im.header_failed) {
        fprintf(stderr, "bench: import failed: %s %s %s (%s)\n",
                rk_err_str(e != RK_OK ? e : im.fatal), err.message,
                im.header_failed ? im.first_reject : "", rk_store_errmsg(rk_reg_store(reg)));
        return -1;
    }
    if (im.imported != (unsigned long)n) {
        fprintf(stderr,
                "bench: imported %lu of %ld rows (%lu rejected, %lu suppressed); first: %s\n",
                im.imported, n, im.rejected, im.suppressed, im.first_reject);
        return -1;
    }
    return t1 - t0;
}

static int audience_entry(void *ctx, const struct rk_entry *e) {
    const char *const v[5] = {e->v[RK_F_NAME], e->v[RK_F_EMAIL], e->v[RK_F_PHONE],
                              e->v[RK_F_POSITION], e->v[RK_F_ORGANISATION]};
    return sink_row(ctx, e->person_id, v);
}

static double reg_audience(struct rk_reg *reg, long n) {
    static char buf[OUTBUF];
    struct sink s = {open_null(buf), {0}, 0};
    if (!s.out)
        return -1;
    rk_buf_init(&s.line);
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    double t0 = now_s();
    fputs("id,name,email,phone,position,organisation\r\n", s.out);
    rk_err e = rk_reg_audience(reg, PURPOSE, rk_time_now(), audience_entry, &s, &msg);
    bool ok = fflush(s.out) == 0;
    double t1 = now_s();
    rk_buf_cleanup(&s.line);
    fclose(s.out);
    if (e != RK_OK || !ok || s.n != (unsigned long)n) {
        fprintf(stderr, "bench: audience: %s; %lu of %ld rows\n",
                e != RK_OK ? msg.message : "short output", s.n, n);
        return -1;
    }
    return t1 - t0;
}

static int count_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    ++*(unsigned long *)ctx;
    return 0;
}

/* The lookups one by one; in_tx: all of them in one read transaction (read_begin). */
static double reg_lookup(struct rk_reg *reg, const char *const *emails, int m, bool in_tx) {
    unsigned long hits = 0;
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    struct rk_store *store = rk_reg_store(reg);
    double t0 = now_s();
    if (in_tx && rk_store_read_begin(store) != RK_OK) {
        fprintf(stderr, "bench: read_begin: %s\n", rk_store_errmsg(store));
        return -1;
    }
    for (int i = 0; i < m; i++) {
        if (rk_reg_person_find(reg, emails[i], count_entry, &hits, &msg) != RK_OK) {
            fprintf(stderr, "bench: lookup: %s\n", msg.message);
            if (in_tx && rk_store_read_end(store) != RK_OK)
                fprintf(stderr, "bench: read_end: %s\n", rk_store_errmsg(store));
            return -1;
        }
    }
    if (in_tx && rk_store_read_end(store) != RK_OK) {
        fprintf(stderr, "bench: read_end: %s\n", rk_store_errmsg(store));
        return -1;
    }
    double t1 = now_s();
    if (hits != (unsigned long)m) {
        fprintf(stderr, "bench: lookup found %lu of %d\n", hits, m);
        return -1;
    }
    return t1 - t0;
}

/* ---- The raw SQLite baseline ---------------------------------------------------------------- */

static bool raw_exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    fprintf(stderr, "bench: raw sqlite: %s\n", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return false;
}

/* Opens the baseline's database; creates its table unless reuse (BENCH_REUSE). */
static sqlite3 *raw_open(const char *path, bool reuse) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        !raw_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                      "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; "
                      "PRAGMA mmap_size = 268435456;") ||
        (!reuse &&
         !raw_exec(db, "CREATE TABLE person(id INTEGER PRIMARY KEY, name TEXT, "
                       "email TEXT NOT NULL, phone TEXT, position TEXT, organisation TEXT);"
                       "CREATE UNIQUE INDEX person_email ON person(email);"))) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static double raw_import(sqlite3 *db, const struct person *p, long n) {
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db,
                                 "INSERT INTO person (name, email, phone, position, organisation) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5)",
                                 -1, &st, NULL) == SQLITE_OK;
    double t0 = now_s();
    ok = ok && raw_exec(db, "BEGIN");
    for (long i = 0; ok && i < n; i++) {
        sqlite3_bind_text(st, 1, p[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p[i].email, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p[i].phone, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p[i].position, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, p[i].organisation, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
        if (ok && (i + 1) % batch == 0)
            ok = raw_exec(db, "COMMIT") && raw_exec(db, "BEGIN");
    }
    ok = ok && raw_exec(db, "COMMIT");
    double t1 = now_s();
    if (!ok)
        fprintf(stderr, "bench: raw import: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok ? t1 - t0 : -1;
}

static double raw_audience(sqlite3 *db, long n) {
    static char buf[OUTBUF];
    struct sink s = {open_null(buf), {0}, 0};
    sqlite3_stmt *st = NULL;
    if (!s.out)
        return -1;
    rk_buf_init(&s.line);
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT id, name, email, phone, position, organisation "
                                 "FROM person",
                                 -1, &st, NULL) == SQLITE_OK;
    double t0 = now_s();
    fputs("id,name,email,phone,position,organisation\r\n", s.out);
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v[5];
        for (int i = 0; i < 5; i++)
            v[i] = (const char *)sqlite3_column_text(st, i + 1);
        ok = sink_row(&s, (const char *)sqlite3_column_text(st, 0), v) == 0;
    }
    ok = ok && rc == SQLITE_DONE && fflush(s.out) == 0;
    double t1 = now_s();
    sqlite3_finalize(st);
    rk_buf_cleanup(&s.line);
    fclose(s.out);
    if (!ok || s.n != (unsigned long)n) {
        fprintf(stderr, "bench: raw audience: %lu of %ld rows\n", s.n, n);
        return -1;
    }
    return t1 - t0;
}

static double raw_lookup(sqlite3 *db, const char *const *emails, int m) {
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, "SELECT id FROM person WHERE email = ?1", -1, &st, NULL) ==
              SQLITE_OK;
    long hits = 0;
    double t0 = now_s();
    for (int i = 0; ok && i < m; i++) {
        sqlite3_bind_text(st, 1, emails[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        hits += rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
        sqlite3_reset(st);
    }
    double t1 = now_s();
    sqlite3_finalize(st);
    if (!ok || hits != m) {
        fprintf(stderr, "bench: raw lookup found %ld of %d\n", hits, m);
        return -1;
    }
    return t1 - t0;
}

/* The baseline's lookups in one read transaction, as reg_lookup's in_tx. */
static double raw_lookup_tx(sqlite3 *db, const char *const *emails, int m) {
    if (!raw_exec(db, "BEGIN"))
        return -1;
    double t = raw_lookup(db, emails, m);
    return raw_exec(db, "COMMIT") ? t : -1;
}

/* ---- Main ------------------------------------------------------------------------------------ */

/* The rates by the wall clock, then (the "cpu" line) by the process's CPU time. */
static void report(const char *what, const char *unit, double count, double reg_s, double raw_s,
                   double reg_c, double raw_c) {
    double a = count / reg_s, b = count / raw_s;
    printf("%-11s rekisteri %.0f %s (%.2f s)   raw sqlite %.0f %s (%.2f s)   ratio %.2f\n", what, a,
           unit, reg_s, b, unit, raw_s, a / b);
    a = count / reg_c, b = count / raw_c;
    printf("%-11s rekisteri %.0f %s (%.2f s cpu)   raw sqlite %.0f %s (%.2f s cpu)   ratio %.2f\n",
           "  cpu", a, unit, reg_c, b, unit, raw_c, a / b);
    fflush(stdout);
}

static void path_in(char *out, size_t n, const char *dir, const char *name) {
    snprintf(out, n, "%s/%s", dir, name);
}

/* Removes a database and its WAL files left by an earlier run in the same directory. */
static void remove_db(const char *path) {
    char aux[4200];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

int main(int argc, char **argv) {
    long n = DEFAULT_ROWS;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end || n < 1 || n > MAX_ROWS) {
            fprintf(stderr,
                    "usage: bench_register [ROWS [WORKDIR [SOURCE_DIR]]]\n"
                    "ROWS: 1 to %ld (default %ld)\n",
                    MAX_ROWS, DEFAULT_ROWS);
            return 2;
        }
    }
    const char *batch_env = getenv("BENCH_BATCH");
    if (batch_env && *batch_env) {
        char *end;
        batch = strtol(batch_env, &end, 10);
        if (*end || batch < 1 || batch > MAX_ROWS) {
            fprintf(stderr, "bench_register: BENCH_BATCH: 1 to %ld rows a transaction\n", MAX_ROWS);
            return 2;
        }
    }
    const char *dir = argc > 2 ? argv[2] : ".";
    const char *src = argc > 3 ? argv[3] : getenv("RK_SOURCE_DIR");
    if (!src || !*src)
        src = RK_SOURCE_DIR;
    char decl_path[4200], csv_path[4200], db_path[4200], key_path[4200], raw_path[4200];
    snprintf(decl_path, sizeof decl_path, "%s/examples/smartum/declaration.yaml", src);
    path_in(csv_path, sizeof csv_path, dir, "persons.csv");
    path_in(db_path, sizeof db_path, dir, "rekisteri.db");
    path_in(key_path, sizeof key_path, dir, "rekisteri.key");
    path_in(raw_path, sizeof raw_path, dir, "raw.db");
    const char *reuse_env = getenv("BENCH_REUSE"), *tx_env = getenv("BENCH_LOOKUP_TX");
    bool reuse = reuse_env && *reuse_env && strcmp(reuse_env, "0") != 0;
    bool lookup_tx = tx_env && *tx_env && strcmp(tx_env, "0") != 0;
    if (reuse && (access(db_path, R_OK | W_OK) != 0 || access(raw_path, R_OK | W_OK) != 0 ||
                  access(key_path, R_OK) != 0)) {
        fprintf(stderr, "bench: BENCH_REUSE: %s, %s or %s is missing\n", db_path, raw_path,
                key_path);
        return 2;
    }
    if (!reuse) {
        remove_db(db_path);
        remove_db(raw_path);
        unlink(key_path);
    }

    int rc = 1;
    struct person *persons = NULL;
    const char **emails = NULL;
    struct rk_decl *decl = NULL;
    struct rk_store *store = NULL;
    sqlite3 *raw = NULL;
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    struct rk_keys keys;
    struct rk_error err = RK_ERROR_INIT;
    int from, to;
    /* BENCH_DB_URI: the register on PostgreSQL (bench/run, BENCH_DB=postgres). Its name
     * stands for it in messages: the URI holds a password. */
    const char *uri = getenv("BENCH_DB_URI");
    bool on_uri = uri && *uri;
    const char *store_at = on_uri ? uri : db_path, *store_name = on_uri ? "BENCH_DB_URI" : db_path;

    if (rk_crypto_init() != RK_OK) {
        fprintf(stderr, "bench: cannot initialise libsodium\n");
        goto out;
    }
    fprintf(stderr, "bench: generating %ld persons into %s\n", n, csv_path);
    make_organisations();
    persons = make_persons(n, rk_time_now());
    emails = malloc(LOOKUPS * sizeof *emails);
    if (!persons || !emails) {
        fprintf(stderr, "bench: out of memory\n");
        goto out;
    }
    for (int i = 0; i < LOOKUPS; i++)
        emails[i] = persons[rng_below((uint32_t)n)].email;
    if (!reuse && !write_csv(csv_path, persons, n)) {
        fprintf(stderr, "bench: %s: cannot write\n", csv_path);
        goto out;
    }

    struct rk_diags diags;
    rk_diags_init(&diags, decl_path);
    if (rk_decl_load(decl_path, &diags, &decl) != RK_OK) {
        rk_diags_print(&diags, stderr);
        fprintf(stderr, "bench: %s: cannot load the declaration (pass the source directory)\n",
                decl_path);
        goto out;
    }
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
    /* BENCH_MMAP_MIB: the register handle's memory map (the store's default: 256 MiB), as
     * a one-shot reading process (the CLI's export) may map the whole file. */
    const char *mmap_env = getenv("BENCH_MMAP_MIB");
    if (mmap_env && *mmap_env)
        opt.mmap_kib = strtol(mmap_env, NULL, 10) * 1024;
    if ((!reuse && rk_keys_create(key_path, &err) != RK_OK) ||
        rk_keys_load(key_path, &keys, &err) != RK_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        goto out;
    }
    if (rk_store_open(store_at, &opt, &store, &err) != RK_OK ||
        rk_store_migrate(store, &from, &to) != RK_OK) {
        fprintf(stderr, "bench: %s: %s\n", store_name,
                store ? rk_store_errmsg(store) : err.message);
        goto out;
    }
    if (rk_notice_reg_init(reg, decl, store, &keys, "bench") != RK_OK) {
        fprintf(stderr, "bench: cannot set up the register\n");
        goto out;
    }
    if (reuse && on_uri) {
        fprintf(stderr, "bench: BENCH_REUSE is for the SQLite store only\n");
        goto out;
    }
    if (!(raw = raw_open(raw_path, reuse)))
        goto out;

    double reg_s, raw_s, reg_c, raw_c, c0;
    if (reuse) {
        fprintf(stderr, "bench: import skipped (BENCH_REUSE): %s\n", db_path);
    } else {
        fprintf(stderr, "bench: import\n");
        c0 = cpu_s();
        reg_s = reg_import(reg, csv_path, n);
        reg_c = cpu_s() - c0;
        c0 = cpu_s();
        raw_s = reg_s < 0 ? -1 : raw_import(raw, persons, n);
        raw_c = cpu_s() - c0;
        if (raw_s < 0)
            goto out;
        report("import", "rows/s", (double)n, reg_s, raw_s, reg_c, raw_c);
    }

    fprintf(stderr, "bench: audience\n");
    c0 = cpu_s();
    reg_s = reg_audience(reg, n);
    reg_c = cpu_s() - c0;
    c0 = cpu_s();
    raw_s = reg_s < 0 ? -1 : raw_audience(raw, n);
    raw_c = cpu_s() - c0;
    if (raw_s < 0)
        goto out;
    report("audience", "rows/s", (double)n, reg_s, raw_s, reg_c, raw_c);

    fprintf(stderr, "bench: lookup\n");
    c0 = cpu_s();
    reg_s = reg_lookup(reg, emails, LOOKUPS, false);
    reg_c = cpu_s() - c0;
    c0 = cpu_s();
    raw_s = reg_s < 0 ? -1 : raw_lookup(raw, emails, LOOKUPS);
    raw_c = cpu_s() - c0;
    if (raw_s < 0)
        goto out;
    report("lookup", "lookups/s", LOOKUPS, reg_s, raw_s, reg_c, raw_c);
    if (lookup_tx) {
        fprintf(stderr, "bench: lookup in one read transaction\n");
        c0 = cpu_s();
        reg_s = reg_lookup(reg, emails, LOOKUPS, true);
        reg_c = cpu_s() - c0;
        c0 = cpu_s();
        raw_s = reg_s < 0 ? -1 : raw_lookup_tx(raw, emails, LOOKUPS);
        raw_c = cpu_s() - c0;
        if (raw_s < 0)
            goto out;
        report("lookup tx", "lookups/s", LOOKUPS, reg_s, raw_s, reg_c, raw_c);
    }

    printf("rows %ld   lookups %d   batch %ld   register %s   purpose %s   store %s\n", n, LOOKUPS,
           batch, REGISTER, PURPOSE, on_uri ? "postgresql" : "sqlite");
    rc = 0;
out:
    sqlite3_close(raw);
    rk_store_close(store);
    rk_decl_free(decl);
    free(emails);
    free(persons);
    return rc;
}
