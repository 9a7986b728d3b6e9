/*
 * populate.c — fills a database made by `rekisteri init` with ROWS synthetic
 * persons for bench/http/run, through the register's own rules
 * (rk_reg_person_add), so the rows are exactly what rekisteri writes: each
 * person in the customer register and again in the marketing register, each
 * time for sales_promotion with a live consent given within the last year.
 * Only the connection differs from the CLI's: a large page cache, so that a
 * million random index inserts stay in memory. The emails go to EMAILS, one
 * a line, in random order, with one unknown address in twenty for the
 * "not held" answer. Usage: populate ROWS DB KEY_FILE DECLARATION EMAILS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keys.h"
#include "core/register.h"
#include "decl/decl.h"
#include "util/diag.h"
#include "views/notice_digest.h"

#define BATCH   10000
#define PURPOSE "sales_promotion"

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
static const char *const lasts[] = {"korhonen", "virtanen", "makinen", "nieminen",
                                    "makela",   "laine",    "koskinen", "jarvinen"};
static const char *const positions[] = {"toimitusjohtaja", "myyntipäällikkö", "controller",
                                        "ostopäällikkö"};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Normalises raw into buf as the API does, and sets the contact's field. */
static bool field(struct rk_contact *c, enum rk_field f, const char *raw, char *buf, size_t n) {
    struct rk_error why = RK_ERROR_INIT;
    if (rk_field_normalize(f, raw, buf, n, &why) != RK_OK) {
        fprintf(stderr, "populate: %s %s\n", rk_field_id(f), why.message);
        return false;
    }
    c->v[f] = buf;
    return true;
}

/* Adds person k (k < n, a random permutation keeps the ids and hashes in random order). */
static bool add_person(struct rk_reg *reg, uint32_t k, rk_ts now, FILE *emails) {
    char name[64], email[96], phone[24], org[48];
    char bufs[5][RK_EMAIL_MAX + 1];
    const char *first = firsts[rng_below(sizeof firsts / sizeof firsts[0])];
    const char *last = lasts[rng_below(sizeof lasts / sizeof lasts[0])];
    snprintf(name, sizeof name, "%c%s %c%s", first[0] - 32, first + 1, last[0] - 32, last + 1);
    snprintf(email, sizeof email, "%s.%s.%u@example%u.fi", first, last, (unsigned)k,
             (unsigned)rng_below(50));
    snprintf(phone, sizeof phone, "+3584%08u",
             (unsigned)(((uint64_t)k * 48271u + 12345u) % 100000000u));
    snprintf(org, sizeof org, "Yritys %u Oy", (unsigned)rng_below(1000));
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    if (!field(&c, RK_F_NAME, name, bufs[0], sizeof bufs[0]) ||
        !field(&c, RK_F_EMAIL, email, bufs[1], sizeof bufs[1]) ||
        !field(&c, RK_F_PHONE, phone, bufs[2], sizeof bufs[2]) ||
        !field(&c, RK_F_POSITION, positions[rng_below(4)], bufs[3], sizeof bufs[3]) ||
        !field(&c, RK_F_ORGANISATION, org, bufs[4], sizeof bufs[4]))
        return false;
    struct rk_consent_input consent = {.channel = "web_form"};
    consent.at = now - 3600 - (rk_ts)rng_below(365u * 86400u);
    struct rk_write w = {"customer", PURPOSE, RK_SRC_WEB_FORM, NULL, now};
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    char id[RK_ID_LEN + 1];
    rk_err e = rk_reg_person_add(reg, &w, NULL, &c, &consent, id, &msg);
    if (e == RK_OK) { /* the marketing register holds no organisation */
        c.v[RK_F_ORGANISATION] = NULL;
        w.register_id = "marketing";
        e = rk_reg_person_add(reg, &w, id, &c, &consent, NULL, &msg);
    }
    if (e != RK_OK) {
        fprintf(stderr, "populate: %s: %s (%s)\n", rk_err_str(e), msg.message,
                rk_store_errmsg(rk_reg_store(reg)));
        return false;
    }
    fprintf(emails, "%s\n", bufs[1]);
    if (rng_below(20) == 0) /* an address the register does not hold */
        fprintf(emails, "nobody.%u@example.org\n", (unsigned)k);
    return true;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: populate ROWS DB KEY_FILE DECLARATION EMAILS\n");
        return 2;
    }
    char *end;
    long n = strtol(argv[1], &end, 10);
    if (*end || n < 1 || n > 50000000) {
        fprintf(stderr, "populate: ROWS: expected 1 to 50000000\n");
        return 2;
    }
    int rc = 1;
    struct rk_decl *decl = NULL;
    struct rk_store *store = NULL;
    uint32_t *perm = NULL;
    FILE *emails = NULL;
    struct rk_keys keys;
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    struct rk_error err = RK_ERROR_INIT;
    int from, to;
    struct rk_diags diags;
    rk_diags_init(&diags, argv[4]);
    if (rk_crypto_init() != RK_OK || rk_decl_load(argv[4], &diags, &decl) != RK_OK) {
        rk_diags_print(&diags, stderr);
        goto out;
    }
    if (rk_keys_load(argv[3], &keys, &err) != RK_OK) {
        fprintf(stderr, "populate: %s\n", err.message);
        goto out;
    }
    /* 2 GiB of page cache for the load only; the server opens with its own settings. */
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL, .cache_kib = 2 * 1024 * 1024};
    if (rk_store_open(argv[2], &opt, &store, &err) != RK_OK ||
        rk_store_migrate(store, &from, &to) != RK_OK ||
        rk_notice_reg_init(reg, decl, store, &keys, "bench") != RK_OK) {
        fprintf(stderr, "populate: %s: %s\n", argv[2],
                store ? rk_store_errmsg(store) : err.message);
        goto out;
    }
    perm = malloc((size_t)n * sizeof *perm);
    emails = fopen(argv[5], "w");
    if (!perm || !emails) {
        fprintf(stderr, "populate: out of memory or cannot write %s\n", argv[5]);
        goto out;
    }
    for (long i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (long i = n - 1; i > 0; i--) {
        uint32_t j = rng_below((uint32_t)i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    rk_ts now = rk_time_now();
    double t0 = now_s(), shown = t0;
    for (long i = 0; i < n; i += BATCH) {
        if (rk_reg_batch_begin(reg) != RK_OK)
            goto out;
        for (long j = i; j < n && j < i + BATCH; j++)
            if (!add_person(reg, perm[j], now, emails)) {
                rk_reg_batch_rollback(reg);
                goto out;
            }
        if (rk_reg_batch_commit(reg) != RK_OK) {
            fprintf(stderr, "populate: commit: %s\n", rk_store_errmsg(store));
            goto out;
        }
        if (now_s() - shown >= 10) {
            shown = now_s();
            fprintf(stderr, "populate: %ld persons in %.0f s\n", i + BATCH, shown - t0);
        }
    }
    fprintf(stderr, "populate: %ld persons (two registers each) in %.1f s\n", n, now_s() - t0);
    rc = 0;
out:
    if (emails && fclose(emails) != 0)
        rc = 1;
    free(perm);
    rk_store_close(store);
    rk_decl_free(decl);
    return rc;
}
