/*
 * rk_census.c — a test-only tool: the row counts of a register's store, read through the
 * store's own operations (rk_store_census, rk_store_sealed_list; src/store/store.h), so that
 * the integration scripts count without a backend's language (no SQL, no sqlite3 tool).
 *
 *   rk_census [--db LOCATION] [--person ID | --email ADDRESS] [FIELD...]
 *
 * LOCATION is what `rekisteri --db` takes (REKISTERI_DB, else var/rekisteri.db); the store is
 * opened for reading only and never created. With --person the counts are that person's
 * (struct rk_census's comment says which); with --email those of the person holding the
 * (normalised) address in an entry or a pending signup, found through the store's
 * lookup_values (status 1 when nobody holds it). With FIELDs it prints each one's number on a line
 * of its own, in the order asked; without, every field as "NAME NUMBER". Besides struct
 * rk_census's fields: sealed_notices and sealed_outbox, the art 19 notices and queued mails
 * still holding a sealed value (of the person's with --person or --email). Status 0; 2 on a wrong
 * use or an unknown field; 1 when the store cannot be read.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static const struct rkc_field {
    const char *name;
    size_t offset;
} rkc_fields[] = {
#define RKC_ENTRY(f) {#f, offsetof(struct rk_census, f)},
    RK_CENSUS_FIELDS(RKC_ENTRY)
#undef RKC_ENTRY
};

struct sealed_tally {
    const char *person_id; /* NULL: every row */
    int64_t n;
};

static int count_row(void *ctx, const struct rk_sealed_row *r) {
    struct sealed_tally *t = ctx;
    if (!t->person_id || (r->person_id && strcmp(r->person_id, t->person_id) == 0))
        t->n++;
    return 0;
}

/* The number of rows of table holding a sealed value (of person_id's unless NULL), or -1 on
 * an error. */
static int64_t sealed_count(struct rk_store *s, enum rk_sealed_table table, const char *person_id) {
    struct sealed_tally t = {.person_id = person_id, .n = 0};
    if (rk_store_sealed_list(s, table, 0, false, 0, count_row, &t) != RK_OK) {
        fprintf(stderr, "rk_census: sealed_list: %s\n", rk_store_errmsg(s));
        return -1;
    }
    return t.n;
}

/* Prints one field; 0, or 2 when the name is not a field, 1 when it could not be read. */
static int print_field(struct rk_store *s, const struct rk_census *c, const char *person_id,
                       const char *name, bool with_name) {
    int64_t v;
    if (strcmp(name, "sealed_notices") == 0 || strcmp(name, "sealed_outbox") == 0) {
        v = sealed_count(s, name[7] == 'n' ? RK_SEALED_NOTICE : RK_SEALED_OUTBOX, person_id);
        if (v < 0)
            return 1;
    } else {
        size_t i = 0, n = sizeof rkc_fields / sizeof rkc_fields[0];
        while (i < n && strcmp(rkc_fields[i].name, name) != 0)
            i++;
        if (i == n) {
            fprintf(stderr, "rk_census: no field %s\n", name);
            return 2;
        }
        memcpy(&v, (const char *)c + rkc_fields[i].offset, sizeof v);
    }
    if (with_name)
        printf("%s %lld\n", name, (long long)v);
    else
        printf("%lld\n", (long long)v);
    return 0;
}

struct holder {
    const char *email;
    char person_id[RK_ID_LEN + 1];
};

static int find_holder(void *ctx, const char *person_id, enum rk_field f, const char *value) {
    struct holder *h = ctx;
    if (f != RK_F_EMAIL || strcmp(value, h->email) != 0)
        return 0;
    snprintf(h->person_id, sizeof h->person_id, "%s", person_id);
    return 1;
}

int main(int argc, char **argv) {
    const char *db = getenv("REKISTERI_DB"), *person = NULL, *email = NULL;
    int i = 1;
    if (!db || !*db)
        db = "var/rekisteri.db";
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--person") == 0 && i + 1 < argc)
            person = argv[++i];
        else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
            email = argv[++i];
        else {
            fprintf(
                stderr,
                "usage: rk_census [--db LOCATION] [--person ID | --email ADDRESS] [FIELD...]\n");
            return 2;
        }
    }
    const char *path = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
    if (!strstr(db, "://") && access(path, F_OK) != 0) { /* a file is never created here */
        fprintf(stderr, "rk_census: %s: no such store\n", db);
        return 1;
    }
    const struct rk_store_options opt = {.read_only = true, .cache_kib = 1024, .mmap_kib = -1};
    struct rk_store *s = NULL;
    struct rk_census c;
    struct holder h = {.email = email};
    struct rk_error why = RK_ERROR_INIT;
    if (rk_store_open(db, &opt, &s, &why) != RK_OK ||
        (email && rk_store_lookup_values(s, find_holder, &h) != RK_OK)) {
        fprintf(stderr, "rk_census: %s: %s\n", db, s ? rk_store_errmsg(s) : why.message);
        rk_store_close(s);
        return 1;
    }
    if (email && !h.person_id[0]) {
        fprintf(stderr, "rk_census: nobody holds %s\n", email);
        rk_store_close(s);
        return 1;
    }
    if (email)
        person = h.person_id;
    if (rk_store_census(s, person, &c) != RK_OK) {
        fprintf(stderr, "rk_census: %s: %s\n", db, rk_store_errmsg(s));
        rk_store_close(s);
        return 1;
    }
    int rc = 0;
    if (i == argc)
        for (size_t k = 0; k < sizeof rkc_fields / sizeof rkc_fields[0] && !rc; k++)
            rc = print_field(s, &c, person, rkc_fields[k].name, true);
    for (; i < argc && !rc; i++)
        rc = print_field(s, &c, person, argv[i], false);
    rk_store_close(s);
    return rc;
}
