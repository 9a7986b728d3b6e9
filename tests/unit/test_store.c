/*
 * test_store.c — the conformance suite of the storage interface (store.h).
 * It speaks only through the rk_store_* functions, never SQL, so that every
 * backend runs the same tests: backends[] below is the one place that names
 * them, each with a function that creates a fresh, empty, migrated store.
 * Every test gets its own store (cmocka setup/teardown) and checks behaviour
 * a caller depends on: round trips of every record, uniqueness, lookups,
 * transactions and who is in an audience.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/id.h"
#include "store/store.h"
#include "testutil.h"

/* ---- Fixture and backends ------------------------------------------------------------- */

struct fixture {
    struct rk_store *s;
    char location[512];     /* what rk_store_open reopens */
    char dir[64];           /* backend scratch: the SQLite temp directory */
    char schema[48];        /* PostgreSQL: the test's schema */
    int from, to;           /* what the first migration reported */
    struct rk_error opened; /* why rk_store_open failed, when it did (no handle holds it) */
};

struct backend {
    const char *name;
    /* Creates a fresh, empty store and migrates it: sets s, location, from and to. */
    rk_err (*open)(struct fixture *fx);
    /* Removes what open created; the store is closed already. */
    void (*remove)(struct fixture *fx);
};

static rk_err sqlite_open(struct fixture *fx) {
    snprintf(fx->dir, sizeof fx->dir, "/tmp/rk-store-test-XXXXXX");
    if (!mkdtemp(fx->dir))
        return RK_EIO;
    snprintf(fx->location, sizeof fx->location, "sqlite:%s/t.db", fx->dir);
    rk_err err = rk_store_open(fx->location, NULL, &fx->s, &fx->opened);
    if (err == RK_OK)
        err = rk_store_migrate(fx->s, &fx->from, &fx->to);
    return err;
}

static void sqlite_remove(struct fixture *fx) {
    static const char *const files[] = {"t.db",         "t.db-wal",        "t.db-shm",
                                        "t.db-journal", "copy.db",         "copy.db-wal",
                                        "copy.db-shm",  "copy.db-journal", "not-a-db.db"};
    char path[128];
    if (!fx->dir[0])
        return;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fx->dir, files[i]);
        (void)unlink(path);
    }
    (void)rmdir(fx->dir);
}

/* PostgreSQL: a schema of its own per test in the database of RK_PG_URI (testutil.h),
 * named by the location's search_path, dropped afterwards; dir holds the backup tests'
 * scratch files. The cluster is the one tests/unit/with_pg.sh starts for the run. */
static const char *pg_uri(void) { return getenv("RK_PG_URI"); }

static rk_err postgres_open(struct fixture *fx) {
    snprintf(fx->dir, sizeof fx->dir, "/tmp/rk-store-test-XXXXXX");
    if (!mkdtemp(fx->dir))
        return RK_EIO;
    if (!rkt_pg_schema_new(fx->schema, sizeof fx->schema, fx->location, sizeof fx->location))
        return RK_EIO;
    rk_err err = rk_store_open(fx->location, NULL, &fx->s, &fx->opened);
    if (err == RK_OK)
        err = rk_store_migrate(fx->s, &fx->from, &fx->to);
    return err;
}

static void postgres_remove(struct fixture *fx) {
    rkt_pg_schema_drop(fx->schema);
    sqlite_remove(fx);
}

static const struct backend backends[] = {
    {"sqlite", sqlite_open, sqlite_remove},
    {"postgres", postgres_open, postgres_remove},
};

static const struct backend *backend; /* the one under test */
static struct fixture *current;       /* the test's fixture, for the failure messages */

/* The last error of the current fixture's store, or why it could not be opened: what a
 * failed assertion prints beside the code. */
static const char *last_error(void) {
    if (!current)
        return "";
    return current->s ? rk_store_errmsg(current->s) : current->opened.message;
}

/* Records the tests allocate, freed in teardown even when an assertion jumps out. */
#define SCRATCH_MAX 64
static void *scratch_blocks[SCRATCH_MAX];
static size_t nscratch;

/* size zeroed bytes, owned by the current test until its teardown. */
static void *scratch(size_t size) {
    assert_true(nscratch < SCRATCH_MAX);
    void *p = calloc(1, size);
    if (!p)
        abort(); /* out of memory: nothing sensible to test */
    scratch_blocks[nscratch++] = p;
    return p;
}

static int setup(void **state) {
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    *state = fx;
    current = fx;
    fx->opened = (struct rk_error)RK_ERROR_INIT;
    rk_err err = backend->open(fx);
    if (err != RK_OK) {
        fprintf(stderr, "%s: cannot create a store: %s (%s)\n", backend->name, rk_err_name(err),
                last_error());
        current = NULL;
        rk_store_close(fx->s);
        backend->remove(fx);
        free(fx);
        *state = NULL;
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    struct fixture *fx = *state;
    if (!fx)
        return 0;
    current = NULL;
    rk_store_close(fx->s);
    backend->remove(fx);
    free(fx);
    while (nscratch > 0)
        free(scratch_blocks[--nscratch]);
    return 0;
}

/* ---- Helpers ------------------------------------------------------------------------ */

#define assert_rc(expr, want)                                                                      \
    do {                                                                                           \
        rk_err got_rc = (expr);                                                                    \
        if (got_rc != (want))                                                                      \
            fail_msg("%s: %s, want %s (%s)", #expr, rk_err_name(got_rc), rk_err_name(want),        \
                     last_error());                                                                \
    } while (0)

#define assert_ok(expr) assert_rc(expr, RK_OK)

static struct rk_store *store_of(void **state) { return ((struct fixture *)*state)->s; }

static rk_ts ts(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant in the test: %s", iso);
    return t;
}

/* Copies the string src into dst (size n); fails the test if it does not fit. */
static void copy(char *dst, size_t n, const char *src) {
    size_t len = strlen(src);
    if (len >= n) {
        fail_msg("\"%s\" does not fit in %zu bytes", src, n);
        return;
    }
    memcpy(dst, src, len + 1);
}

static struct rk_date date(int y, int m, int d) { return (struct rk_date){y, m, d}; }

/* A made-up keyed hash: every byte b, but the last one i. */
static void hash_of(unsigned char b, unsigned char i, unsigned char out[RK_HASH_LEN]) {
    memset(out, b, RK_HASH_LEN);
    out[RK_HASH_LEN - 1] = i;
}

/* got and want are both NULL, or equal strings. */
static void assert_opt_string(const char *got, const char *want, const char *what) {
    if (!got || !want) {
        if (got != want)
            fail_msg("%s: got %s%s%s, want %s%s%s", what, got ? "\"" : "", got ? got : "NULL",
                     got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
        return;
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got, want);
}

static void new_person(struct rk_store *s, char id[RK_ID_LEN + 1]) {
    rk_id_new(id);
    assert_ok(rk_store_person_insert(s, id, ts("2026-01-02T03:04:05Z")));
}

static int64_t new_provenance(struct rk_store *s, enum rk_source_kind kind, const char *purpose) {
    struct rk_provenance p = {kind, "test", purpose, ts("2026-01-02T03:04:05Z"), "staff"};
    int64_t id = 0;
    assert_ok(rk_store_provenance_insert(s, &p, &id));
    assert_true(id != 0);
    return id;
}

/* A new entry (on the heap: it is large) in register reg for person, with no values. */
static struct rk_entry *entry_new(const char *reg, const char *person, rk_ts since) {
    struct rk_entry *e = scratch(sizeof *e);
    copy(e->register_id, sizeof e->register_id, reg);
    copy(e->person_id, sizeof e->person_id, person);
    e->since = since;
    return e;
}

static void entry_set(struct rk_entry *e, enum rk_field f, const char *v, int64_t prov) {
    e->v[f] = v;
    e->prov[f] = v ? prov : 0;
}

/* got holds what want was written with: ids, since, every value, provenance and hashes. */
static void assert_entry(const struct rk_entry *got, const struct rk_entry *want) {
    assert_string_equal(got->register_id, want->register_id);
    assert_string_equal(got->person_id, want->person_id);
    assert_int_equal(got->since, want->since);
    for (int f = 0; f < RK_F__COUNT; f++) {
        assert_opt_string(got->v[f], want->v[f], rk_field_id((enum rk_field)f));
        if (got->prov[f] != want->prov[f])
            fail_msg("%s: provenance %lld, want %lld", rk_field_id((enum rk_field)f),
                     (long long)got->prov[f], (long long)want->prov[f]);
    }
    if (want->v[RK_F_EMAIL])
        assert_memory_equal(got->email_hash, want->email_hash, RK_HASH_LEN);
    if (want->v[RK_F_PHONE])
        assert_memory_equal(got->phone_hash, want->phone_hash, RK_HASH_LEN);
}

/* What an entry iteration saw: (person, register) pairs in order. */
#define SEEN_MAX 32
struct seen {
    int n;
    int stop_after; /* 0: never stop */
    char person[SEEN_MAX][RK_ID_LEN + 1];
    char reg[SEEN_MAX][RK_DECL_ID_MAX + 1];
};

static int collect_entry(void *ctx, const struct rk_entry *e) {
    struct seen *sn = ctx;
    assert_true(sn->n < SEEN_MAX);
    copy(sn->person[sn->n], sizeof sn->person[0], e->person_id);
    copy(sn->reg[sn->n], sizeof sn->reg[0], e->register_id);
    sn->n++;
    return sn->stop_after && sn->n >= sn->stop_after;
}

/* How many times the iteration saw person (in register reg, unless NULL). */
static int seen_count(const struct seen *sn, const char *person, const char *reg) {
    int k = 0;
    for (int i = 0; i < sn->n; i++)
        if (strcmp(sn->person[i], person) == 0 && (!reg || strcmp(sn->reg[i], reg) == 0))
            k++;
    return k;
}

/* ---- Migrations and transactions ------------------------------------------------------- */

/* Closes the fixture's store (with whatever is uncommitted) and opens its location again. */
static struct rk_store *reopen(struct fixture *fx) {
    rk_store_close(fx->s);
    fx->s = NULL;
    struct rk_store *s = NULL;
    rk_err err = rk_store_open(fx->location, NULL, &s, &fx->opened);
    if (err != RK_OK || !s) {
        fail_msg("cannot reopen the store: %s (%s)", rk_err_name(err), fx->opened.message);
        return NULL;
    }
    fx->s = s;
    return s;
}

static void migrate_twice_is_noop(void **state) {
    struct fixture *fx = *state;
    assert_int_equal(fx->from, 0);
    assert_true(fx->to >= 1);
    int from = -1, to = -1;
    assert_ok(rk_store_migrate(fx->s, &from, &to));
    assert_int_equal(from, fx->to);
    assert_int_equal(to, fx->to);
    /* And the schema works afterwards. */
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(fx->s));
    new_person(fx->s, id);
    assert_ok(rk_store_commit(fx->s));
}

static void commit_persists(void **state) {
    struct fixture *fx = *state;
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(fx->s));
    new_person(fx->s, id);
    assert_ok(rk_store_commit(fx->s));
    assert_ok(rk_store_person_exists(fx->s, id, NULL, NULL));

    /* Closed and opened again, the store still holds it and needs no migration. */
    struct rk_store *s = reopen(fx);
    if (!s)
        return;
    int from = -1, to = -1;
    assert_ok(rk_store_migrate(s, &from, &to));
    assert_int_equal(from, fx->to);
    assert_int_equal(to, fx->to);
    assert_ok(rk_store_person_exists(s, id, NULL, NULL));
}

/* Closing with a transaction open discards it, as a crash would. */
static void close_without_commit_discards(void **state) {
    struct fixture *fx = *state;
    char kept[RK_ID_LEN + 1], gone[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(fx->s));
    new_person(fx->s, kept);
    assert_ok(rk_store_commit(fx->s));
    assert_ok(rk_store_begin(fx->s));
    new_person(fx->s, gone);
    struct rk_store *s = reopen(fx);
    if (!s)
        return;
    assert_ok(rk_store_person_exists(s, kept, NULL, NULL));
    assert_rc(rk_store_person_exists(s, gone, NULL, NULL), RK_ENOENT);
}

static void rollback_discards(void **state) {
    struct rk_store *s = store_of(state);
    char kept[RK_ID_LEN + 1], gone[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, kept);
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_begin(s));
    new_person(s, gone);
    int64_t prov = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e = entry_new("news", gone, ts("2026-01-02T03:04:05Z"));
    entry_set(e, RK_F_NAME, "Rolled Back", prov);
    assert_ok(rk_store_entry_put(s, e));
    /* Inside the transaction the writes are visible... */
    assert_ok(rk_store_person_exists(s, gone, NULL, NULL));
    rk_store_rollback(s);

    /* ...and after the rollback they are not, but earlier commits are. */
    assert_rc(rk_store_person_exists(s, gone, NULL, NULL), RK_ENOENT);
    assert_rc(rk_store_entry_get(s, "news", gone, e), RK_ENOENT);
    struct rk_provenance p;
    char buf[256];
    assert_rc(rk_store_provenance_get(s, prov, &p, buf, sizeof buf), RK_ENOENT);
    assert_ok(rk_store_person_exists(s, kept, NULL, NULL));

    /* The store takes a new transaction after a rollback. */
    assert_ok(rk_store_begin(s));
    new_person(s, gone);
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_person_exists(s, gone, NULL, NULL));
}

/* ---- Persons and provenance ------------------------------------------------------------ */

static void person_insert_exists(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], unknown[RK_ID_LEN + 1];
    rk_id_new(unknown);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    assert_ok(rk_store_commit(s));

    bool restricted = true, objected = true;
    assert_ok(rk_store_person_exists(s, id, &restricted, &objected));
    assert_false(restricted);
    assert_false(objected);

    restricted = objected = true;
    assert_rc(rk_store_person_exists(s, unknown, &restricted, &objected), RK_ENOENT);

    /* A second person with the same id is a conflict; the first one stays. */
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_person_insert(s, id, ts("2026-02-02T00:00:00Z")), RK_ECONFLICT);
    rk_store_rollback(s);
    assert_ok(rk_store_person_exists(s, id, &restricted, &objected));
}

static void provenance_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    int64_t ids[RK_SRC__COUNT];
    assert_ok(rk_store_begin(s));
    for (int k = 0; k < RK_SRC__COUNT; k++) {
        struct rk_provenance p = {(enum rk_source_kind)k,
                                  k % 2 ? NULL : "https://example.fi/lomake?x=1",
                                  k % 3 ? "newsletter" : "customer_service",
                                  ts("2026-04-05T06:07:08Z") + k, k % 2 ? "self" : "anna"};
        ids[k] = 0;
        assert_ok(rk_store_provenance_insert(s, &p, &ids[k]));
        assert_true(ids[k] != 0);
        for (int j = 0; j < k; j++)
            assert_true(ids[j] != ids[k]);
    }
    assert_ok(rk_store_commit(s));

    for (int k = 0; k < RK_SRC__COUNT; k++) {
        struct rk_provenance got;
        char buf[512];
        memset(&got, 0, sizeof got);
        assert_ok(rk_store_provenance_get(s, ids[k], &got, buf, sizeof buf));
        assert_int_equal(got.source, k);
        assert_opt_string(got.detail, k % 2 ? NULL : "https://example.fi/lomake?x=1", "detail");
        assert_opt_string(got.purpose, k % 3 ? "newsletter" : "customer_service", "purpose");
        assert_int_equal(got.at, ts("2026-04-05T06:07:08Z") + k);
        assert_opt_string(got.by, k % 2 ? "self" : "anna", "by");
    }
    struct rk_provenance none;
    char buf[64];
    int64_t unknown = ids[RK_SRC__COUNT - 1] + 1000;
    assert_rc(rk_store_provenance_get(s, unknown, &none, buf, sizeof buf), RK_ENOENT);
}

/* ---- Entries --------------------------------------------------------------------------- */

static void entry_all_fields_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    int64_t p1 = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    int64_t p2 = new_provenance(s, RK_SRC_MEETING, "customer_service");
    struct rk_entry *e = entry_new("customers", id, ts("2026-03-01T12:34:56Z"));
    entry_set(e, RK_F_NAME, "Äijälä, Matti", p1);
    entry_set(e, RK_F_EMAIL, "matti.aijala@example.fi", p1);
    entry_set(e, RK_F_PHONE, "+358401234567", p2);
    entry_set(e, RK_F_POSITION, "Toimitusjohtaja", p2);
    entry_set(e, RK_F_ORGANISATION, "Esimerkki Oy", p2);
    entry_set(e, RK_F_INTERESTS, "hyvinvointi\nliikunta, kulttuuri", p1);
    hash_of(0xE1, 1, e->email_hash);
    hash_of(0xF1, 1, e->phone_hash);
    assert_ok(rk_store_entry_put(s, e));
    assert_ok(rk_store_commit(s));

    struct rk_entry *got = scratch(sizeof *got);
    assert_ok(rk_store_entry_get(s, "customers", id, got));
    assert_entry(got, e);
    /* Another register holds nothing for the person. */
    assert_rc(rk_store_entry_get(s, "news", id, got), RK_ENOENT);
}

static void entry_some_fields(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    int64_t p = new_provenance(s, RK_SRC_EMAIL, "newsletter");
    struct rk_entry *e = entry_new("news", id, ts("2026-03-01T00:00:00Z"));
    entry_set(e, RK_F_EMAIL, "only@example.fi", p);
    hash_of(0xE2, 2, e->email_hash);
    assert_ok(rk_store_entry_put(s, e));
    struct rk_entry *e2 = entry_new("phones", id, ts("2026-03-02T00:00:00Z"));
    entry_set(e2, RK_F_PHONE, "+358501112233", p);
    entry_set(e2, RK_F_ORGANISATION, "Yksin Tmi", p);
    hash_of(0xF2, 2, e2->phone_hash);
    assert_ok(rk_store_entry_put(s, e2));
    assert_ok(rk_store_commit(s));

    struct rk_entry *got = scratch(sizeof *got);
    assert_ok(rk_store_entry_get(s, "news", id, got));
    assert_entry(got, e);
    for (int f = 0; f < RK_F__COUNT; f++)
        if (f != RK_F_EMAIL)
            assert_int_equal(got->prov[f], 0);
    assert_ok(rk_store_entry_get(s, "phones", id, got));
    assert_entry(got, e2);
}

static void entry_organisation_shared(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    new_person(s, c);
    int64_t p = new_provenance(s, RK_SRC_MEETING, "customer_service");
    struct rk_entry *ea = entry_new("customers", a, ts("2026-03-01T00:00:00Z"));
    struct rk_entry *eb = entry_new("customers", b, ts("2026-03-01T00:00:00Z"));
    struct rk_entry *ec = entry_new("news", c, ts("2026-03-01T00:00:00Z"));
    entry_set(ea, RK_F_ORGANISATION, "Sama Oy", p);
    entry_set(eb, RK_F_ORGANISATION, "Sama Oy", p);
    entry_set(ec, RK_F_ORGANISATION, "Toinen Oy", p);
    assert_ok(rk_store_entry_put(s, ea));
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_entry_put(s, ec));
    /* The same person's second register with the same organisation. */
    struct rk_entry *ea2 = entry_new("news", a, ts("2026-03-01T00:00:00Z"));
    entry_set(ea2, RK_F_ORGANISATION, "Sama Oy", p);
    assert_ok(rk_store_entry_put(s, ea2));
    assert_ok(rk_store_commit(s));

    struct rk_entry *got = scratch(sizeof *got);
    assert_ok(rk_store_entry_get(s, "customers", a, got));
    assert_entry(got, ea);
    assert_ok(rk_store_entry_get(s, "customers", b, got));
    assert_entry(got, eb);
    assert_ok(rk_store_entry_get(s, "news", c, got));
    assert_entry(got, ec);
    assert_ok(rk_store_entry_get(s, "news", a, got));
    assert_entry(got, ea2);

    /* Changing one entry's organisation leaves the others' alone. */
    assert_ok(rk_store_begin(s));
    entry_set(eb, RK_F_ORGANISATION, "Uusi Oy", p);
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_entry_get(s, "customers", a, got));
    assert_string_equal(got->v[RK_F_ORGANISATION], "Sama Oy");
    assert_ok(rk_store_entry_get(s, "customers", b, got));
    assert_string_equal(got->v[RK_F_ORGANISATION], "Uusi Oy");
}

static void entry_put_replaces(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], found[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    int64_t p1 = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e = entry_new("news", id, ts("2026-03-01T00:00:00Z"));
    entry_set(e, RK_F_NAME, "Vanha Nimi", p1);
    entry_set(e, RK_F_EMAIL, "vanha@example.fi", p1);
    entry_set(e, RK_F_PHONE, "+358401000001", p1);
    hash_of(0xE3, 3, e->email_hash);
    hash_of(0xF3, 3, e->phone_hash);
    assert_ok(rk_store_entry_put(s, e));
    assert_ok(rk_store_commit(s));

    /* Put again: new values and provenance, the phone dropped, a new email. */
    assert_ok(rk_store_begin(s));
    int64_t p2 = new_provenance(s, RK_SRC_EMAIL, "newsletter");
    struct rk_entry *e2 = entry_new("news", id, ts("2026-03-05T00:00:00Z"));
    entry_set(e2, RK_F_NAME, "Uusi Nimi", p2);
    entry_set(e2, RK_F_EMAIL, "uusi@example.fi", p2);
    entry_set(e2, RK_F_INTERESTS, "golf", p2);
    hash_of(0xE3, 4, e2->email_hash);
    assert_ok(rk_store_entry_put(s, e2));
    assert_ok(rk_store_commit(s));

    struct rk_entry *got = scratch(sizeof *got);
    assert_ok(rk_store_entry_get(s, "news", id, got));
    assert_entry(got, e2);

    /* The old hashes no longer find the person; the new one does. */
    assert_rc(rk_store_find_by_hash(s, e->email_hash, NULL, found), RK_ENOENT);
    assert_rc(rk_store_find_by_hash(s, e->phone_hash, NULL, found), RK_ENOENT);
    assert_ok(rk_store_find_by_hash(s, e2->email_hash, NULL, found));
    assert_string_equal(found, id);

    /* Still one entry, not two. */
    struct seen sn = {0};
    assert_ok(rk_store_entries_of_person(s, id, collect_entry, &sn));
    assert_int_equal(sn.n, 1);
}

static void entry_delete(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], found[RK_ID_LEN + 1], unknown[RK_ID_LEN + 1];
    rk_id_new(unknown);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e = entry_new("news", id, ts("2026-03-01T00:00:00Z"));
    entry_set(e, RK_F_EMAIL, "poistuva@example.fi", p);
    hash_of(0xE4, 4, e->email_hash);
    assert_ok(rk_store_entry_put(s, e));
    struct rk_entry *keep = entry_new("customers", id, ts("2026-03-01T00:00:00Z"));
    entry_set(keep, RK_F_NAME, "Pysyvä", p);
    assert_ok(rk_store_entry_put(s, keep));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_entry_delete(s, "news", id));
    assert_ok(rk_store_commit(s));

    struct rk_entry *got = scratch(sizeof *got);
    assert_rc(rk_store_entry_get(s, "news", id, got), RK_ENOENT);
    assert_rc(rk_store_find_by_hash(s, e->email_hash, NULL, found), RK_ENOENT);
    /* The person and their other registers stay. */
    assert_ok(rk_store_person_exists(s, id, NULL, NULL));
    assert_ok(rk_store_entry_get(s, "customers", id, got));
    assert_entry(got, keep);

    /* Deleting what is not there. */
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_entry_delete(s, "news", id), RK_ENOENT);
    assert_rc(rk_store_entry_delete(s, "nosuch", id), RK_ENOENT);
    assert_rc(rk_store_entry_delete(s, "customers", unknown), RK_ENOENT);
    rk_store_rollback(s);
}

static void entries_of_person_in_order(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1], nobody[RK_ID_LEN + 1];
    rk_id_new(nobody);
    static const char *const regs[] = {"customers", "alumni", "news"}; /* written out of order */
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    new_person(s, nobody);
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e[3];
    for (int i = 0; i < 3; i++) {
        e[i] = entry_new(regs[i], id, ts("2026-03-01T00:00:00Z") + i);
        entry_set(e[i], RK_F_NAME, regs[i], p);
        assert_ok(rk_store_entry_put(s, e[i]));
    }
    struct rk_entry *eo = entry_new("news", other, ts("2026-03-01T00:00:00Z"));
    entry_set(eo, RK_F_NAME, "Joku Muu", p);
    assert_ok(rk_store_entry_put(s, eo));
    assert_ok(rk_store_commit(s));

    struct seen sn = {0};
    assert_ok(rk_store_entries_of_person(s, id, collect_entry, &sn));
    assert_int_equal(sn.n, 3);
    assert_string_equal(sn.reg[0], "alumni");
    assert_string_equal(sn.reg[1], "customers");
    assert_string_equal(sn.reg[2], "news");
    for (int i = 0; i < 3; i++)
        assert_string_equal(sn.person[i], id);

    /* Each entry the callback sees is whole. */
    struct rk_entry *got = scratch(sizeof *got);
    for (int i = 0; i < 3; i++) {
        assert_ok(rk_store_entry_get(s, regs[i], id, got));
        assert_entry(got, e[i]);
    }

    /* A non-zero return stops the iteration. */
    struct seen one = {.stop_after = 1};
    assert_ok(rk_store_entries_of_person(s, id, collect_entry, &one));
    assert_int_equal(one.n, 1);

    /* A person with no entries, and an unknown person: nothing, and no error. */
    struct seen none = {0};
    assert_ok(rk_store_entries_of_person(s, nobody, collect_entry, &none));
    assert_int_equal(none.n, 0);
    rk_id_new(nobody);
    assert_ok(rk_store_entries_of_person(s, nobody, collect_entry, &none));
    assert_int_equal(none.n, 0);
}

/* An entry callback that checks each entry against the one written for its register. */
struct expect_entries {
    const struct rk_entry *const *want;
    int nwant;
    int n;
};

static int check_entry(void *ctx, const struct rk_entry *got) {
    struct expect_entries *x = ctx;
    for (int i = 0; i < x->nwant; i++) {
        if (strcmp(x->want[i]->register_id, got->register_id) == 0 &&
            strcmp(x->want[i]->person_id, got->person_id) == 0) {
            assert_entry(got, x->want[i]);
            x->n++;
            return 0;
        }
    }
    fail_msg("unexpected entry %s/%s", got->register_id, got->person_id);
    return 1;
}

static void entries_of_person_whole_values(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    int64_t p = new_provenance(s, RK_SRC_PHONE, "customer_service");
    struct rk_entry *a = entry_new("alumni", id, ts("2026-03-01T00:00:00Z"));
    struct rk_entry *b = entry_new("customers", id, ts("2026-03-02T00:00:00Z"));
    entry_set(a, RK_F_NAME, "Liisa Laine", p);
    entry_set(a, RK_F_EMAIL, "liisa@example.fi", p);
    hash_of(0xE5, 5, a->email_hash);
    entry_set(b, RK_F_PHONE, "+358405556666", p);
    entry_set(b, RK_F_POSITION, "CFO", p);
    entry_set(b, RK_F_ORGANISATION, "Laine Oy", p);
    entry_set(b, RK_F_INTERESTS, "talous", p);
    hash_of(0xF5, 5, b->phone_hash);
    assert_ok(rk_store_entry_put(s, a));
    assert_ok(rk_store_entry_put(s, b));
    assert_ok(rk_store_commit(s));
    const struct rk_entry *want[] = {a, b};
    struct expect_entries x = {want, 2, 0};
    assert_ok(rk_store_entries_of_person(s, id, check_entry, &x));
    assert_int_equal(x.n, 2);
}

/* ---- Lookups ----------------------------------------------------------------------------- */

static void find_by_hash(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], found[RK_ID_LEN + 1];
    unsigned char unknown[RK_HASH_LEN];
    hash_of(0x99, 9, unknown);
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *ea = entry_new("news", a, ts("2026-03-01T00:00:00Z"));
    entry_set(ea, RK_F_EMAIL, "a@example.fi", p);
    entry_set(ea, RK_F_PHONE, "+358401111111", p);
    hash_of(0xE6, 1, ea->email_hash);
    hash_of(0xF6, 1, ea->phone_hash);
    assert_ok(rk_store_entry_put(s, ea));
    /* b: only a phone, in another register; email_hash holds bytes that must not count. */
    struct rk_entry *eb = entry_new("customers", b, ts("2026-03-01T00:00:00Z"));
    entry_set(eb, RK_F_PHONE, "+358402222222", p);
    hash_of(0xF6, 2, eb->phone_hash);
    memcpy(eb->email_hash, unknown, RK_HASH_LEN);
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_commit(s));

    memset(found, 0, sizeof found);
    assert_ok(rk_store_find_by_hash(s, ea->email_hash, NULL, found));
    assert_string_equal(found, a);
    memset(found, 0, sizeof found);
    assert_ok(rk_store_find_by_hash(s, ea->phone_hash, NULL, found));
    assert_string_equal(found, a);
    memset(found, 0, sizeof found);
    assert_ok(rk_store_find_by_hash(s, eb->phone_hash, NULL, found));
    assert_string_equal(found, b);

    /* With a register: only entries of that register match. */
    assert_ok(rk_store_find_by_hash(s, ea->email_hash, "news", found));
    assert_string_equal(found, a);
    assert_ok(rk_store_find_by_hash(s, ea->phone_hash, "news", found));
    assert_string_equal(found, a);
    assert_rc(rk_store_find_by_hash(s, ea->email_hash, "customers", found), RK_ENOENT);
    assert_ok(rk_store_find_by_hash(s, eb->phone_hash, "customers", found));
    assert_string_equal(found, b);
    assert_rc(rk_store_find_by_hash(s, eb->phone_hash, "news", found), RK_ENOENT);

    /* Unknown hashes, and a hash whose field was not given. */
    assert_rc(rk_store_find_by_hash(s, unknown, NULL, found), RK_ENOENT);
    assert_rc(rk_store_find_by_hash(s, unknown, "customers", found), RK_ENOENT);
    unsigned char zero[RK_HASH_LEN] = {0};
    assert_rc(rk_store_find_by_hash(s, zero, NULL, found), RK_ENOENT);

    /* Whole entries by hash, in every register, ordered by register. */
    struct rk_entry *ea2 = entry_new("customers", a, ts("2026-03-02T00:00:00Z"));
    entry_set(ea2, RK_F_EMAIL, "a@example.fi", p);
    hash_of(0xE6, 1, ea2->email_hash);
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_entry_put(s, ea2));
    assert_ok(rk_store_commit(s));
    struct seen sn = {0};
    assert_ok(rk_store_entries_by_hash(s, ea->email_hash, collect_entry, &sn));
    assert_int_equal(sn.n, 2);
    assert_string_equal(sn.reg[0], "customers");
    assert_string_equal(sn.reg[1], "news");
    assert_string_equal(sn.person[0], a);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_entries_by_hash(s, eb->phone_hash, collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_string_equal(sn.person[0], b);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_entries_by_hash(s, unknown, collect_entry, &sn));
    assert_int_equal(sn.n, 0);
}

/* A read transaction (read_begin/read_end, issue 18) over several lookups: they see one
 * snapshot, taken by the first read (an entry another handle deletes meanwhile is still
 * found, and gone once it ends); no second one inside it, no read_end without one; the
 * handle writes as before afterwards. */
static void read_transaction(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s, *t = NULL;
    char a[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *ea = entry_new("news", a, ts("2026-03-01T00:00:00Z"));
    entry_set(ea, RK_F_EMAIL, "a@example.fi", p);
    hash_of(0xE7, 1, ea->email_hash);
    assert_ok(rk_store_entry_put(s, ea));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_open(fx->location, NULL, &t, NULL));

    assert_rc(rk_store_read_end(t), RK_EINVAL);
    assert_ok(rk_store_read_begin(t));
    assert_rc(rk_store_read_begin(t), RK_EINVAL);
    struct seen sn = {0};
    assert_ok(rk_store_entries_by_hash(t, ea->email_hash, collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_ok(rk_store_begin(s)); /* another handle deletes the entry */
    assert_ok(rk_store_entry_delete(s, "news", a));
    assert_ok(rk_store_commit(s));
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_entries_by_hash(t, ea->email_hash, collect_entry, &sn));
    assert_int_equal(sn.n, 1); /* the snapshot */
    assert_string_equal(sn.person[0], a);
    assert_ok(rk_store_read_end(t));
    assert_rc(rk_store_read_end(t), RK_EINVAL);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_entries_by_hash(t, ea->email_hash, collect_entry, &sn));
    assert_int_equal(sn.n, 0);

    /* A write transaction refuses a read one inside it; after, the handle writes as ever. */
    assert_ok(rk_store_begin(t));
    assert_rc(rk_store_read_begin(t), RK_EINVAL);
    assert_ok(rk_store_entry_put(t, ea));
    assert_ok(rk_store_commit(t));
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_entries_by_hash(s, ea->email_hash, collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    rk_store_close(t);
}

static void find_by_name(void **state) {
    struct rk_store *s = store_of(state);
    static const char *const names[] = {
        "Maija Meikäläinen", "Matti Meikäläinen", "Teppo Testaaja", "100% Hyvä", "100 Prosenttia",
        "snake_case Oy",     "snakeXcase Oy",     "back\\slash",    "backslash",
    };
    enum { N = sizeof names / sizeof names[0] };
    char ids[N][RK_ID_LEN + 1];
    struct rk_entry *e[N];
    assert_ok(rk_store_begin(s));
    int64_t p = new_provenance(s, RK_SRC_MEETING, "customer_service");
    for (int i = 0; i < N; i++) {
        new_person(s, ids[i]);
        e[i] = entry_new(i % 2 ? "customers" : "news", ids[i], ts("2026-03-01T00:00:00Z"));
        entry_set(e[i], RK_F_NAME, names[i], p);
        assert_ok(rk_store_entry_put(s, e[i]));
    }
    /* Matti also in a second register: found there too. */
    struct rk_entry *extra = entry_new("alumni", ids[1], ts("2026-03-01T00:00:00Z"));
    entry_set(extra, RK_F_NAME, names[1], p);
    assert_ok(rk_store_entry_put(s, extra));
    /* An entry without a name is never found. */
    char anon[RK_ID_LEN + 1];
    new_person(s, anon);
    struct rk_entry *ea = entry_new("news", anon, ts("2026-03-01T00:00:00Z"));
    entry_set(ea, RK_F_EMAIL, "meikalainen@example.fi", p);
    hash_of(0xE7, 7, ea->email_hash);
    assert_ok(rk_store_entry_put(s, ea));
    assert_ok(rk_store_commit(s));

    struct seen sn = {0};
    assert_ok(rk_store_find_by_name(s, "Meikäläinen", collect_entry, &sn));
    assert_int_equal(sn.n, 3);
    assert_int_equal(seen_count(&sn, ids[0], "news"), 1);
    assert_int_equal(seen_count(&sn, ids[1], "customers"), 1);
    assert_int_equal(seen_count(&sn, ids[1], "alumni"), 1);

    /* A fragment from the middle of the name. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "ppo Test", collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_int_equal(seen_count(&sn, ids[2], "news"), 1);

    /* '%' matches only itself... */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "100%", collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_int_equal(seen_count(&sn, ids[3], NULL), 1);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "%", collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_int_equal(seen_count(&sn, ids[3], NULL), 1);

    /* ...and so do '_' and '\'. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "snake_case", collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_int_equal(seen_count(&sn, ids[5], NULL), 1);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "_", collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_int_equal(seen_count(&sn, ids[5], NULL), 1);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "back\\", collect_entry, &sn));
    assert_int_equal(sn.n, 1);
    assert_int_equal(seen_count(&sn, ids[7], NULL), 1);

    /* Nothing matches: no calls, no error. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_find_by_name(s, "Virtanen", collect_entry, &sn));
    assert_int_equal(sn.n, 0);

    /* A non-zero return stops the iteration. */
    struct seen one = {.stop_after = 1};
    assert_ok(rk_store_find_by_name(s, "Meikäläinen", collect_entry, &one));
    assert_int_equal(one.n, 1);

    /* What is found is the whole entry. */
    const struct rk_entry *want[] = {e[2]};
    struct expect_entries x = {want, 1, 0};
    assert_ok(rk_store_find_by_name(s, "Teppo", check_entry, &x));
    assert_int_equal(x.n, 1);
}

/* ---- Consent --------------------------------------------------------------------------- */

static void consent_event_init(struct rk_consent_event *e, const char *person, const char *purpose,
                               enum rk_consent_kind kind, rk_ts at) {
    memset(e, 0, sizeof *e);
    copy(e->person_id, sizeof e->person_id, person);
    copy(e->purpose, sizeof e->purpose, purpose);
    e->kind = kind;
    e->basis = RK_BASIS_CONSENT;
    e->notice_version = "2026-01-01";
    memset(e->notice_sha256, 'a', RK_SHA256_HEX);
    e->channel = "web_form";
    e->collector = "self";
    e->at = at;
}

static void assert_consent_event(const struct rk_consent_event *got,
                                 const struct rk_consent_event *want) {
    assert_int_equal(got->seq, want->seq);
    assert_string_equal(got->person_id, want->person_id);
    assert_string_equal(got->purpose, want->purpose);
    assert_int_equal(got->kind, want->kind);
    assert_int_equal(got->pending, want->pending);
    assert_int_equal(got->basis, want->basis);
    assert_opt_string(got->notice_version, want->notice_version, "notice_version");
    assert_string_equal(got->notice_sha256, want->notice_sha256);
    assert_opt_string(got->channel, want->channel, "channel");
    assert_opt_string(got->collector, want->collector, "collector");
    assert_opt_string(got->form_id, want->form_id, "form_id");
    assert_opt_string(got->ip, want->ip, "ip");
    assert_opt_string(got->user_agent, want->user_agent, "user_agent");
    assert_opt_string(got->evidence, want->evidence, "evidence");
    assert_int_equal(got->at, want->at);
}

struct expect_events {
    const struct rk_consent_event *want; /* in the order they must come */
    int nwant;
    int n;
    int stop_after;
};

static int check_event(void *ctx, const struct rk_consent_event *got) {
    struct expect_events *x = ctx;
    if (x->n >= x->nwant)
        fail_msg("unexpected consent event seq %lld", (long long)got->seq);
    assert_consent_event(got, &x->want[x->n]);
    x->n++;
    return x->stop_after && x->n >= x->stop_after;
}

static void consent_ledger_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1], nobody[RK_ID_LEN + 1];
    rk_id_new(nobody);
    struct rk_consent_event *ev = scratch(5 * sizeof *ev);
    struct rk_consent_event *oev = scratch(sizeof *oev);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);

    /* Given by double opt-in with every optional field. */
    consent_event_init(&ev[0], id, "newsletter", RK_CE_GIVEN, ts("2026-02-01T10:00:00Z"));
    ev[0].pending = true;
    ev[0].form_id = "tilaa-uutiskirje";
    ev[0].ip = "2001:db8::1";
    ev[0].user_agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
    ev[0].evidence = "lomake 2026-02 \"tilaa\"";
    memcpy(ev[0].notice_sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
           RK_SHA256_HEX);
    /* Confirmed by the link: no optional fields. */
    consent_event_init(&ev[1], id, "newsletter", RK_CE_CONFIRMED, ts("2026-02-01T10:05:00Z"));
    ev[1].channel = "confirmation_link";
    /* Another purpose, another basis, staff as collector. */
    consent_event_init(&ev[2], id, "events", RK_CE_GIVEN, ts("2026-02-03T09:00:00Z"));
    ev[2].basis = RK_BASIS_LEGITIMATE_INTERESTS;
    ev[2].channel = "phone";
    ev[2].collector = "anna";
    ev[2].evidence = "puhelu";
    consent_event_init(&ev[3], id, "newsletter", RK_CE_WITHDRAWN, ts("2026-02-10T00:00:00Z"));
    ev[3].channel = "unsubscribe_link";
    ev[3].ip = "192.0.2.7";
    consent_event_init(&ev[4], id, "events", RK_CE_EXPIRED, ts("2028-02-03T09:00:00Z"));
    ev[4].channel = "system";
    ev[4].collector = "system";

    consent_event_init(oev, other, "newsletter", RK_CE_GIVEN, ts("2026-02-05T00:00:00Z"));

    int64_t last = 0;
    for (int i = 0; i < 5; i++) {
        ev[i].seq = 0;
        assert_ok(rk_store_consent_append(s, &ev[i]));
        if (ev[i].seq <= last)
            fail_msg("event %d got seq %lld after %lld", i, (long long)ev[i].seq, (long long)last);
        last = ev[i].seq;
        if (i == 2) {
            /* Another person's event between them. */
            assert_ok(rk_store_consent_append(s, oev));
            assert_true(oev->seq > last);
            last = oev->seq;
        }
    }
    assert_ok(rk_store_commit(s));

    struct expect_events x = {ev, 5, 0, 0};
    assert_ok(rk_store_consent_events(s, id, check_event, &x));
    assert_int_equal(x.n, 5);

    struct expect_events xo = {oev, 1, 0, 0};
    assert_ok(rk_store_consent_events(s, other, check_event, &xo));
    assert_int_equal(xo.n, 1);

    struct expect_events xn = {NULL, 0, 0, 0};
    assert_ok(rk_store_consent_events(s, nobody, check_event, &xn));
    assert_int_equal(xn.n, 0);

    /* A non-zero return stops the iteration. */
    struct expect_events x2 = {ev, 5, 0, 2};
    assert_ok(rk_store_consent_events(s, id, check_event, &x2));
    assert_int_equal(x2.n, 2);

    /* A later append continues the sequence. */
    assert_ok(rk_store_begin(s));
    struct rk_consent_event *more = scratch(sizeof *more);
    consent_event_init(more, id, "newsletter", RK_CE_GIVEN, ts("2026-03-01T00:00:00Z"));
    assert_ok(rk_store_consent_append(s, more));
    assert_true(more->seq > last);
    assert_ok(rk_store_commit(s));
}

/*
 * The longest values a caller may pass must come back: the importer accepts
 * consent_evidence of 500 code points (RK_IMPORT_TEXT_MAX), up to 2000 bytes
 * of UTF-8, and the ledger must stay readable after such an event, since it
 * is the proof of consent. A store that cannot hold a record must refuse the
 * append instead of accepting it.
 */
static void consent_event_long_values(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    char evidence[500 * 4 + 1];
    for (size_t i = 0; i < 500; i++)
        memcpy(evidence + 4 * i, "\xF0\x9F\x93\x9D", 4); /* U+1F4DD, 4 bytes */
    evidence[sizeof evidence - 1] = '\0';
    struct rk_consent_event *ev = scratch(2 * sizeof *ev);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    consent_event_init(&ev[0], id, "newsletter", RK_CE_GIVEN, ts("2026-02-01T10:00:00Z"));
    ev[0].evidence = evidence;
    ev[0].user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                       "like Gecko) Chrome/126.0.0.0 Safari/537.36";
    ev[0].form_id = "tilaa-uutiskirje";
    ev[0].ip = "2001:db8::1";
    rk_err rc = rk_store_consent_append(s, &ev[0]);
    if (rc != RK_OK) {
        /* Refused: acceptable, as long as the ledger stays readable. */
        rk_store_rollback(s);
        struct expect_events none = {NULL, 0, 0, 0};
        assert_ok(rk_store_consent_events(s, id, check_event, &none));
        return;
    }
    consent_event_init(&ev[1], id, "newsletter", RK_CE_WITHDRAWN, ts("2026-02-02T10:00:00Z"));
    assert_ok(rk_store_consent_append(s, &ev[1]));
    assert_ok(rk_store_commit(s));

    struct expect_events x = {ev, 2, 0, 0};
    assert_ok(rk_store_consent_events(s, id, check_event, &x));
    assert_int_equal(x.n, 2);
}

static void consent_state_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1], nobody[RK_ID_LEN + 1];
    rk_id_new(nobody);
    struct rk_consent_state got = {RK_CONSENT_LIVE, 1, 2, true, 3};

    /* Nothing recorded: NONE, not an error. */
    assert_ok(rk_store_consent_state_get(s, nobody, "newsletter", &got));
    assert_int_equal(got.status, RK_CONSENT_NONE);
    assert_int_equal(got.since, 0);
    assert_int_equal(got.expires_at, 0);
    assert_false(got.renewal_pending);
    assert_int_equal(got.last_seq, 0);

    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    const struct rk_consent_state live = {RK_CONSENT_LIVE, ts("2026-02-01T10:05:00Z"),
                                          ts("2028-02-01T10:05:00Z"), true, 17};
    const struct rk_consent_state forever = {RK_CONSENT_LIVE, ts("2026-02-01T10:05:00Z"), 0, false,
                                             18};
    assert_ok(rk_store_consent_state_put(s, id, "newsletter", &live));
    assert_ok(rk_store_consent_state_put(s, id, "events", &forever));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_consent_state_get(s, id, "newsletter", &got));
    assert_int_equal(got.status, live.status);
    assert_int_equal(got.since, live.since);
    assert_int_equal(got.expires_at, live.expires_at);
    assert_true(got.renewal_pending);
    assert_int_equal(got.last_seq, 17);
    assert_ok(rk_store_consent_state_get(s, id, "events", &got));
    assert_int_equal(got.status, RK_CONSENT_LIVE);
    assert_int_equal(got.expires_at, 0);
    assert_false(got.renewal_pending);
    assert_int_equal(got.last_seq, 18);

    /* Keyed by (person, purpose): the other person and another purpose have none. */
    assert_ok(rk_store_consent_state_get(s, other, "newsletter", &got));
    assert_int_equal(got.status, RK_CONSENT_NONE);
    assert_ok(rk_store_consent_state_get(s, id, "surveys", &got));
    assert_int_equal(got.status, RK_CONSENT_NONE);

    /* Every status round-trips, and put again replaces. */
    const enum rk_consent_status all[] = {RK_CONSENT_PENDING, RK_CONSENT_WITHDRAWN,
                                          RK_CONSENT_EXPIRED, RK_CONSENT_NONE, RK_CONSENT_LIVE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct rk_consent_state put = {all[i], all[i] == RK_CONSENT_NONE ? 0 : ts("2026-05-01"), 0,
                                       false, 20 + (int64_t)i};
        assert_ok(rk_store_begin(s));
        assert_ok(rk_store_consent_state_put(s, id, "newsletter", &put));
        assert_ok(rk_store_commit(s));
        assert_ok(rk_store_consent_state_get(s, id, "newsletter", &got));
        assert_int_equal(got.status, put.status);
        assert_int_equal(got.since, put.since);
        assert_int_equal(got.expires_at, 0);
        assert_false(got.renewal_pending);
        assert_int_equal(got.last_seq, put.last_seq);
    }
    /* The other purpose was not touched. */
    assert_ok(rk_store_consent_state_get(s, id, "events", &got));
    assert_int_equal(got.last_seq, 18);
}

/* ---- Contracts, invoices ------------------------------------------------------------- */

/* Copies each contract change (strings live only during the callback). */
struct changes {
    int n;
    rk_ts at[8];
    char by[8][32], field[8][32];
    const char *old_value[8], *new_value[8];
    char old_buf[8][32], new_buf[8][32];
};

static int collect_change(void *ctx, const struct rk_contract_change *c) {
    struct changes *h = ctx;
    if (h->n == 8)
        return 1;
    int i = h->n++;
    h->at[i] = c->at;
    copy(h->by[i], sizeof h->by[i], c->by);
    copy(h->field[i], sizeof h->field[i], c->field);
    h->old_value[i] = h->new_value[i] = NULL;
    if (c->old_value) {
        copy(h->old_buf[i], sizeof h->old_buf[i], c->old_value);
        h->old_value[i] = h->old_buf[i];
    }
    if (c->new_value) {
        copy(h->new_buf[i], sizeof h->new_buf[i], c->new_value);
        h->new_value[i] = h->new_buf[i];
    }
    return 0;
}

/* Counts a person's tasks and keeps the first one's kind, due date and state. */
struct tasks_seen {
    int n;
    char kind[32];
    struct rk_date due;
    bool done;
    bool has_detail;
};

static int collect_task(void *ctx, const struct rk_task_view *t) {
    struct tasks_seen *ts_ = ctx;
    if (ts_->n++ == 0) {
        copy(ts_->kind, sizeof ts_->kind, t->kind);
        ts_->due = t->due;
        ts_->done = t->done_at != 0;
        ts_->has_detail = t->detail != NULL;
    }
    return 0;
}

static void contract_init(struct rk_contract *c, const char *person, const char *reg,
                          const char *service, struct rk_date start, struct rk_date end) {
    memset(c, 0, sizeof *c);
    rk_id_new(c->id);
    copy(c->person_id, sizeof c->person_id, person);
    copy(c->register_id, sizeof c->register_id, reg);
    copy(c->service, sizeof c->service, service);
    c->start = start;
    c->end = end;
    c->status = RK_CONTRACT_ACTIVE;
    c->created_at = ts("2026-01-10T08:00:00Z");
    copy(c->created_by, sizeof c->created_by, "anna");
}

static void assert_contract(const struct rk_contract *got, const struct rk_contract *want) {
    assert_string_equal(got->id, want->id);
    assert_string_equal(got->person_id, want->person_id);
    assert_string_equal(got->register_id, want->register_id);
    assert_string_equal(got->service, want->service);
    assert_int_equal(got->start.y, want->start.y);
    assert_int_equal(got->start.m, want->start.m);
    assert_int_equal(got->start.d, want->start.d);
    assert_int_equal(got->end.y, want->end.y);
    if (want->end.y) {
        assert_int_equal(got->end.m, want->end.m);
        assert_int_equal(got->end.d, want->end.d);
    }
    assert_int_equal(got->status, want->status);
    assert_int_equal(got->created_at, want->created_at);
    assert_string_equal(got->created_by, want->created_by);
}

static void contract_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], unknown[RK_ID_LEN + 1];
    rk_id_new(unknown);
    struct rk_contract *c = scratch(3 * sizeof *c);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    contract_init(&c[0], id, "customers", "Lounasetu, 12 kk", date(2026, 1, 1), date(2026, 12, 31));
    contract_init(&c[1], id, "customers", "Virike, toistaiseksi voimassa", date(2026, 2, 1),
                  date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &c[0]));
    assert_ok(rk_store_contract_insert(s, &c[1]));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_contract_get(s, c[0].id, &c[2]));
    assert_contract(&c[2], &c[0]);
    assert_ok(rk_store_contract_get(s, c[1].id, &c[2]));
    assert_contract(&c[2], &c[1]);
    assert_int_equal(c[2].end.y, 0); /* open-ended */
    assert_rc(rk_store_contract_get(s, unknown, &c[2]), RK_ENOENT);

    /* Update: a new service, an end date for the open-ended one, ended status. */
    copy(c[1].service, sizeof c[1].service, "Virike, päättynyt");
    c[1].end = date(2026, 6, 30);
    c[1].status = RK_CONTRACT_ENDED;
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_contract_update(s, &c[1]));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_contract_get(s, c[1].id, &c[2]));
    assert_contract(&c[2], &c[1]);

    /* And back to open-ended and active. */
    c[1].end = date(0, 0, 0);
    c[1].status = RK_CONTRACT_ACTIVE;
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_contract_update(s, &c[1]));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_contract_get(s, c[1].id, &c[2]));
    assert_contract(&c[2], &c[1]);

    /* The first contract did not change; a contract that does not exist cannot be updated. */
    assert_ok(rk_store_contract_get(s, c[0].id, &c[2]));
    assert_contract(&c[2], &c[0]);
    struct rk_contract ghost;
    contract_init(&ghost, id, "customers", "ei ole", date(2026, 1, 1), date(0, 0, 0));
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_contract_update(s, &ghost), RK_ENOENT);
    rk_store_rollback(s);

    /* A second contract with the same id is a conflict. */
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_contract_insert(s, &c[0]), RK_ECONFLICT);
    rk_store_rollback(s);
}

#define CONTRACTS_MAX 8
struct contracts_seen {
    int n;
    int stop_after;
    struct rk_contract c[CONTRACTS_MAX];
};

static int collect_contract(void *ctx, const struct rk_contract *c) {
    struct contracts_seen *cs = ctx;
    assert_true(cs->n < CONTRACTS_MAX);
    cs->c[cs->n++] = *c;
    return cs->stop_after && cs->n >= cs->stop_after;
}

static void contract_changes_and_listing(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    struct rk_contract *c = scratch(4 * sizeof *c);
    struct contracts_seen *cs = scratch(sizeof *cs);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    /* Inserted out of start order. */
    contract_init(&c[0], id, "customers", "Kolmas", date(2026, 9, 1), date(0, 0, 0));
    contract_init(&c[1], id, "customers", "Ensimmäinen", date(2025, 1, 15), date(2025, 12, 31));
    contract_init(&c[2], id, "partners", "Toinen", date(2026, 3, 1), date(2027, 2, 28));
    contract_init(&c[3], other, "customers", "Muun", date(2024, 1, 1), date(0, 0, 0));
    for (int i = 0; i < 4; i++)
        assert_ok(rk_store_contract_insert(s, &c[i]));
    assert_ok(rk_store_commit(s));

    /* A change is recorded with the update that makes it (old and new may be NULL). */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_contract_change_append(s, c[1].id, ts("2026-01-02T09:00:00Z"), "anna",
                                              "status", "active", "ended"));
    c[1].status = RK_CONTRACT_ENDED;
    assert_ok(rk_store_contract_update(s, &c[1]));
    assert_ok(rk_store_contract_change_append(s, c[0].id, ts("2026-01-03T09:00:00Z"), "anna", "end",
                                              NULL, "2027-08-31"));
    c[0].end = date(2027, 8, 31);
    assert_ok(rk_store_contract_update(s, &c[0]));
    assert_ok(rk_store_contract_change_append(s, c[0].id, ts("2026-01-04T09:00:00Z"), "anna", "end",
                                              "2027-08-31", NULL));
    c[0].end = date(0, 0, 0);
    assert_ok(rk_store_contract_update(s, &c[0]));
    assert_ok(rk_store_commit(s));

    /* The history of a contract, in the order recorded, old and new NULL where given so. */
    struct changes hist = {0};
    assert_ok(rk_store_contract_changes(s, c[0].id, collect_change, &hist));
    assert_int_equal(hist.n, 2);
    assert_string_equal(hist.field[0], "end");
    assert_null(hist.old_value[0]);
    assert_string_equal(hist.new_value[0], "2027-08-31");
    assert_string_equal(hist.old_value[1], "2027-08-31");
    assert_null(hist.new_value[1]);
    assert_string_equal(hist.by[1], "anna");
    assert_true(hist.at[0] == ts("2026-01-03T09:00:00Z"));
    memset(&hist, 0, sizeof hist);
    assert_ok(rk_store_contract_changes(s, c[2].id, collect_change, &hist));
    assert_int_equal(hist.n, 0);

    assert_ok(rk_store_contracts_of_person(s, id, collect_contract, cs));
    assert_int_equal(cs->n, 3);
    assert_contract(&cs->c[0], &c[1]); /* by start date */
    assert_contract(&cs->c[1], &c[2]);
    assert_contract(&cs->c[2], &c[0]);

    memset(cs, 0, sizeof *cs);
    assert_ok(rk_store_contracts_of_person(s, other, collect_contract, cs));
    assert_int_equal(cs->n, 1);
    assert_contract(&cs->c[0], &c[3]);

    memset(cs, 0, sizeof *cs);
    cs->stop_after = 1;
    assert_ok(rk_store_contracts_of_person(s, id, collect_contract, cs));
    assert_int_equal(cs->n, 1);
}

static void invoice_init(struct rk_invoice *i, const char *person, const char *contract,
                         const char *number, struct rk_date d, int64_t cents, struct rk_date keep) {
    memset(i, 0, sizeof *i);
    rk_id_new(i->id);
    copy(i->person_id, sizeof i->person_id, person);
    copy(i->contract_id, sizeof i->contract_id, contract);
    copy(i->register_id, sizeof i->register_id, "customers");
    copy(i->number, sizeof i->number, number);
    i->date = d;
    i->amount_cents = cents;
    copy(i->currency, sizeof i->currency, "EUR");
    i->keep_until = keep;
    i->created_at = ts("2026-02-01T08:00:00Z");
    copy(i->created_by, sizeof i->created_by, "laskutus");
}

static void assert_invoice(const struct rk_invoice *got, const struct rk_invoice *want) {
    assert_string_equal(got->id, want->id);
    assert_string_equal(got->person_id, want->person_id);
    assert_string_equal(got->contract_id, want->contract_id);
    assert_string_equal(got->register_id, want->register_id);
    assert_string_equal(got->number, want->number);
    assert_int_equal(got->date.y, want->date.y);
    assert_int_equal(got->date.m, want->date.m);
    assert_int_equal(got->date.d, want->date.d);
    assert_int_equal(got->amount_cents, want->amount_cents);
    assert_string_equal(got->currency, want->currency);
    assert_int_equal(got->keep_until.y, want->keep_until.y);
    if (want->keep_until.y) {
        assert_int_equal(got->keep_until.m, want->keep_until.m);
        assert_int_equal(got->keep_until.d, want->keep_until.d);
    }
    assert_int_equal(got->created_at, want->created_at);
    assert_string_equal(got->created_by, want->created_by);
}

#define INVOICES_MAX 8
struct invoices_seen {
    int n;
    int stop_after;
    struct rk_invoice i[INVOICES_MAX];
};

static int collect_invoice(void *ctx, const struct rk_invoice *i) {
    struct invoices_seen *is = ctx;
    assert_true(is->n < INVOICES_MAX);
    is->i[is->n++] = *i;
    return is->stop_after && is->n >= is->stop_after;
}

static void invoice_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    struct rk_contract c;
    struct rk_invoice inv[4];
    struct invoices_seen *is = scratch(sizeof *is);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    contract_init(&c, id, "customers", "Lounasetu", date(2026, 1, 1), date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &c));
    /* Out of date order; one without a contract and without retention; a large amount. */
    invoice_init(&inv[0], id, c.id, "2026-0002", date(2026, 2, 28), 12345, date(2032, 12, 31));
    invoice_init(&inv[1], id, "", "2026-0001", date(2026, 1, 31), 990, date(0, 0, 0));
    invoice_init(&inv[2], id, c.id, "2026-0003", date(2026, 3, 31), INT64_C(9000000000000),
                 date(2032, 12, 31));
    invoice_init(&inv[3], other, "", "2026-0004", date(2026, 1, 15), -500, date(2032, 12, 31));
    for (int k = 0; k < 4; k++)
        assert_ok(rk_store_invoice_insert(s, &inv[k]));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_invoices_of_person(s, id, collect_invoice, is));
    assert_int_equal(is->n, 3);
    assert_invoice(&is->i[0], &inv[1]); /* by date */
    assert_invoice(&is->i[1], &inv[0]);
    assert_invoice(&is->i[2], &inv[2]);
    assert_string_equal(is->i[0].contract_id, "");
    assert_int_equal(is->i[0].keep_until.y, 0);

    memset(is, 0, sizeof *is);
    assert_ok(rk_store_invoices_of_person(s, other, collect_invoice, is));
    assert_int_equal(is->n, 1);
    assert_invoice(&is->i[0], &inv[3]);

    memset(is, 0, sizeof *is);
    is->stop_after = 1;
    assert_ok(rk_store_invoices_of_person(s, id, collect_invoice, is));
    assert_int_equal(is->n, 1);

    /* An invoice number is used once, whoever the invoice is for. */
    struct rk_invoice dup;
    invoice_init(&dup, other, "", "2026-0002", date(2026, 4, 1), 100, date(0, 0, 0));
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_invoice_insert(s, &dup), RK_ECONFLICT);
    rk_store_rollback(s);
    memset(is, 0, sizeof *is);
    assert_ok(rk_store_invoices_of_person(s, other, collect_invoice, is));
    assert_int_equal(is->n, 1);
}

/* ---- Suppression and tasks --------------------------------------------------------------- */

static void suppression(void **state) {
    struct rk_store *s = store_of(state);
    unsigned char email[RK_HASH_LEN], phone[RK_HASH_LEN], other[RK_HASH_LEN];
    hash_of(0x5E, 1, email);
    hash_of(0x5F, 1, phone);
    hash_of(0x5E, 2, other);
    bool yes = true;
    assert_ok(rk_store_suppressed(s, email, &yes));
    assert_false(yes);

    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_suppress_add(s, email, RK_F_EMAIL, RK_SUPPRESS_OBJECTION,
                                    ts("2026-02-01T00:00:00Z")));
    assert_ok(rk_store_suppress_add(s, phone, RK_F_PHONE, RK_SUPPRESS_ERASURE,
                                    ts("2026-02-01T00:00:00Z")));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_suppressed(s, email, &yes));
    assert_true(yes);
    assert_ok(rk_store_suppressed(s, phone, &yes));
    assert_true(yes);
    yes = true;
    assert_ok(rk_store_suppressed(s, other, &yes));
    assert_false(yes);

    /* Adding again (another reason, later) is fine and keeps it suppressed. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_suppress_add(s, email, RK_F_EMAIL, RK_SUPPRESS_ERASURE,
                                    ts("2026-03-01T00:00:00Z")));
    assert_ok(rk_store_suppress_add(s, email, RK_F_EMAIL, RK_SUPPRESS_OBJECTION,
                                    ts("2026-03-01T00:00:00Z")));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_suppressed(s, email, &yes));
    assert_true(yes);
}

static void tasks(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    int64_t n = -1;
    assert_ok(rk_store_tasks_count(s, "art14_inform", &n));
    assert_int_equal(n, 0);

    assert_ok(rk_store_begin(s));
    new_person(s, id);
    for (int i = 0; i < 3; i++) {
        struct rk_task t = {.kind = "art14_inform",
                            .due = date(2026, 3, 1 + i),
                            .created_at = ts("2026-02-01T00:00:00Z"),
                            .detail = i ? NULL : "lähde: julkinen verkkosivu"};
        rk_id_new(t.id);
        copy(t.person_id, sizeof t.person_id, id);
        assert_ok(rk_store_task_insert(s, &t));
    }
    struct rk_task other = {
        .kind = "other_kind", .due = date(2026, 3, 1), .created_at = ts("2026-02-01T00:00:00Z")};
    rk_id_new(other.id);
    copy(other.person_id, sizeof other.person_id, id);
    assert_ok(rk_store_task_insert(s, &other));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_tasks_count(s, "art14_inform", &n));
    assert_int_equal(n, 3);
    assert_ok(rk_store_tasks_count(s, "other_kind", &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_tasks_count(s, "nosuch", &n));
    assert_int_equal(n, 0);

    /* A person's tasks, earliest due first. */
    struct tasks_seen seen = {0};
    assert_ok(rk_store_tasks_of_person(s, id, collect_task, &seen));
    assert_int_equal(seen.n, 4);
    assert_int_equal(seen.due.d, 1); /* two tasks are due on 1 March */
    assert_false(seen.done);

    /* A task id is used once. */
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_task_insert(s, &other), RK_ECONFLICT);
    rk_store_rollback(s);
}

/* ---- Audience ------------------------------------------------------------------------- */

#define NOW "2026-06-01T12:00:00Z"

/* The people of the audience tests, by what makes them in or out. */
enum who {
    LIVE,          /* news: live, expires after NOW */
    LIVE_FOREVER,  /* news: live, no expiry */
    LIVE_EXPIRED,  /* news: live, expired before NOW */
    LIVE_ENDS_NOW, /* news: live, expires exactly at NOW */
    WITHDRAWN,     /* news: withdrawn */
    PENDING,       /* news: pending */
    NO_CONSENT,    /* news: no consent state at all */
    OTHER_PURPOSE, /* news: live for another purpose only */
    SUPPRESSED,    /* news: live, but the email is suppressed */
    PHONE_SUPP,    /* news: live, but the phone is suppressed */
    OTHER_REG,     /* customers only: live for the purpose, but not in news */
    ACTIVE,        /* customers: open-ended contract in customers */
    FIXED_TERM,    /* customers: contract ending after NOW */
    ENDS_TODAY,    /* customers: contract whose last day is NOW's date */
    ENDED_BEFORE,  /* customers: contract whose last day was the day before NOW */
    ENDED,         /* customers: contract ended long ago */
    NO_CONTRACT,   /* customers: no contract */
    ELSEWHERE,     /* customers: active contract, but in another register */
    SUPP_ACTIVE,   /* customers: active contract, email suppressed */
    NWHO
};

struct audience_fixture {
    char id[NWHO][RK_ID_LEN + 1];
};

static void put_state(struct rk_store *s, const char *person, const char *purpose,
                      enum rk_consent_status st, rk_ts since, rk_ts expires) {
    struct rk_consent_state c = {st, since, expires, false, 1};
    assert_ok(rk_store_consent_state_put(s, person, purpose, &c));
}

static void audience_build(struct rk_store *s, struct audience_fixture *a) {
    const rk_ts now = ts(NOW), since = ts("2025-01-01T00:00:00Z");
    assert_ok(rk_store_begin(s));
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    for (int w = 0; w < NWHO; w++) {
        new_person(s, a->id[w]);
        struct rk_entry *e = entry_new(w < OTHER_REG ? "news" : "customers", a->id[w], since);
        char email[64], name[32];
        snprintf(email, sizeof email, "p%d@example.fi", w);
        snprintf(name, sizeof name, "Henkilö %d", w);
        entry_set(e, RK_F_NAME, name, p);
        entry_set(e, RK_F_EMAIL, email, p);
        hash_of(0xA0, (unsigned char)w, e->email_hash);
        if (w == PHONE_SUPP) {
            entry_set(e, RK_F_PHONE, "+358409999999", p);
            hash_of(0xB0, (unsigned char)w, e->phone_hash);
        }
        assert_ok(rk_store_entry_put(s, e));
        if (w == ELSEWHERE) {
            /* Also in partners, where the contract is. */
            copy(e->register_id, sizeof e->register_id, "partners");
            assert_ok(rk_store_entry_put(s, e));
        }
    }
    const rk_ts later = ts("2027-01-01T00:00:00Z");
    put_state(s, a->id[LIVE], "newsletter", RK_CONSENT_LIVE, since, later);
    put_state(s, a->id[LIVE_FOREVER], "newsletter", RK_CONSENT_LIVE, since, 0);
    put_state(s, a->id[LIVE_EXPIRED], "newsletter", RK_CONSENT_LIVE, since, now - 1);
    put_state(s, a->id[LIVE_ENDS_NOW], "newsletter", RK_CONSENT_LIVE, since, now);
    put_state(s, a->id[WITHDRAWN], "newsletter", RK_CONSENT_WITHDRAWN, since, later);
    put_state(s, a->id[PENDING], "newsletter", RK_CONSENT_PENDING, since, 0);
    put_state(s, a->id[OTHER_PURPOSE], "events", RK_CONSENT_LIVE, since, later);
    put_state(s, a->id[SUPPRESSED], "newsletter", RK_CONSENT_LIVE, since, later);
    put_state(s, a->id[PHONE_SUPP], "newsletter", RK_CONSENT_LIVE, since, later);
    put_state(s, a->id[OTHER_REG], "newsletter", RK_CONSENT_LIVE, since, later);

    unsigned char h[RK_HASH_LEN];
    hash_of(0xA0, SUPPRESSED, h);
    assert_ok(rk_store_suppress_add(s, h, RK_F_EMAIL, RK_SUPPRESS_OBJECTION, since));
    hash_of(0xB0, PHONE_SUPP, h);
    assert_ok(rk_store_suppress_add(s, h, RK_F_PHONE, RK_SUPPRESS_OBJECTION, since));
    hash_of(0xA0, SUPP_ACTIVE, h);
    assert_ok(rk_store_suppress_add(s, h, RK_F_EMAIL, RK_SUPPRESS_ERASURE, since));

    struct rk_contract c;
    contract_init(&c, a->id[ACTIVE], "customers", "Lounasetu", date(2025, 1, 1), date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &c));
    contract_init(&c, a->id[FIXED_TERM], "customers", "Lounasetu", date(2026, 1, 1),
                  date(2026, 12, 31));
    assert_ok(rk_store_contract_insert(s, &c));
    contract_init(&c, a->id[ENDS_TODAY], "customers", "Lounasetu", date(2026, 1, 1),
                  date(2026, 6, 1));
    assert_ok(rk_store_contract_insert(s, &c));
    contract_init(&c, a->id[ENDED_BEFORE], "customers", "Lounasetu", date(2026, 1, 1),
                  date(2026, 5, 31));
    c.status = RK_CONTRACT_ENDED;
    assert_ok(rk_store_contract_insert(s, &c));
    contract_init(&c, a->id[ENDED], "customers", "Lounasetu", date(2024, 1, 1), date(2024, 12, 31));
    c.status = RK_CONTRACT_ENDED;
    assert_ok(rk_store_contract_insert(s, &c));
    contract_init(&c, a->id[ELSEWHERE], "partners", "Kumppanuus", date(2025, 1, 1), date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &c));
    contract_init(&c, a->id[SUPP_ACTIVE], "customers", "Lounasetu", date(2025, 1, 1),
                  date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &c));
    assert_ok(rk_store_commit(s));
}

/* Exactly the people in `in` (a NWHO-long 0/1 table), each once, all in register reg. */
static void assert_audience(const struct audience_fixture *a, const struct seen *sn,
                            const char *reg, const int *in) {
    for (int w = 0; w < NWHO; w++) {
        int k = seen_count(sn, a->id[w], reg);
        if (k != in[w])
            fail_msg("person %d seen %d times in %s, want %d", w, k, reg, in[w]);
    }
    int total = 0;
    for (int w = 0; w < NWHO; w++)
        total += in[w];
    assert_int_equal(sn->n, total);
}

static void audience_live_consent(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    struct seen sn = {0};
    assert_ok(rk_store_audience(s, "news", "newsletter", RK_AUDIENCE_LIVE_CONSENT, ts(NOW),
                                collect_entry, &sn));
    int in[NWHO] = {0};
    in[LIVE] = in[LIVE_FOREVER] = 1;
    assert_audience(&a, &sn, "news", in);

    /* Earlier, the consent that has since expired was still in. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "news", "newsletter", RK_AUDIENCE_LIVE_CONSENT, ts(NOW) - 2,
                                collect_entry, &sn));
    in[LIVE_EXPIRED] = in[LIVE_ENDS_NOW] = 1;
    assert_audience(&a, &sn, "news", in);

    /* In the other register, only its own consenting entries. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "customers", "newsletter", RK_AUDIENCE_LIVE_CONSENT, ts(NOW),
                                collect_entry, &sn));
    int in_customers[NWHO] = {0};
    in_customers[OTHER_REG] = 1;
    assert_audience(&a, &sn, "customers", in_customers);

    /* Another purpose. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "news", "events", RK_AUDIENCE_LIVE_CONSENT, ts(NOW),
                                collect_entry, &sn));
    int in_events[NWHO] = {0};
    in_events[OTHER_PURPOSE] = 1;
    assert_audience(&a, &sn, "news", in_events);
}

static void audience_active_contract(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    struct seen sn = {0};
    assert_ok(rk_store_audience(s, "customers", "customer_service", RK_AUDIENCE_ACTIVE_CONTRACT,
                                ts(NOW), collect_entry, &sn));
    int in[NWHO] = {0};
    in[ACTIVE] = in[FIXED_TERM] = in[ENDS_TODAY] = 1; /* the last day counts */
    assert_audience(&a, &sn, "customers", in);

    /* The next day, the contract that ended is out; the day before, the one ending then is in. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "customers", "customer_service", RK_AUDIENCE_ACTIVE_CONTRACT,
                                ts("2026-06-02T00:00:00Z"), collect_entry, &sn));
    in[ENDS_TODAY] = 0;
    assert_audience(&a, &sn, "customers", in);
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "customers", "customer_service", RK_AUDIENCE_ACTIVE_CONTRACT,
                                ts("2026-05-31T23:59:59Z"), collect_entry, &sn));
    in[ENDS_TODAY] = in[ENDED_BEFORE] = 1;
    assert_audience(&a, &sn, "customers", in);

    /* The contract in partners counts there. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "partners", "customer_service", RK_AUDIENCE_ACTIVE_CONTRACT,
                                ts(NOW), collect_entry, &sn));
    int in_partners[NWHO] = {0};
    in_partners[ELSEWHERE] = 1;
    assert_audience(&a, &sn, "partners", in_partners);

    /* Consents do not make a contract audience. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "news", "customer_service", RK_AUDIENCE_ACTIVE_CONTRACT, ts(NOW),
                                collect_entry, &sn));
    assert_int_equal(sn.n, 0);
}

static void audience_any(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    struct seen sn = {0};
    assert_ok(
        rk_store_audience(s, "news", "events_info", RK_AUDIENCE_ANY, ts(NOW), collect_entry, &sn));
    int in[NWHO] = {0};
    for (int w = 0; w < OTHER_REG; w++)
        in[w] = w != SUPPRESSED && w != PHONE_SUPP;
    assert_audience(&a, &sn, "news", in);

    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "customers", "events_info", RK_AUDIENCE_ANY, ts(NOW),
                                collect_entry, &sn));
    int in_customers[NWHO] = {0};
    for (int w = OTHER_REG; w < NWHO; w++)
        in_customers[w] = w != SUPP_ACTIVE;
    assert_audience(&a, &sn, "customers", in_customers);

    /* No register of that name: nobody. */
    memset(&sn, 0, sizeof sn);
    assert_ok(rk_store_audience(s, "nosuch", "events_info", RK_AUDIENCE_ANY, ts(NOW), collect_entry,
                                &sn));
    assert_int_equal(sn.n, 0);
}

static void audience_callback_stops(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    const enum rk_audience_rule rules[] = {RK_AUDIENCE_LIVE_CONSENT, RK_AUDIENCE_ANY};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        struct seen sn = {.stop_after = 1};
        assert_ok(
            rk_store_audience(s, "news", "newsletter", rules[i], ts(NOW), collect_entry, &sn));
        assert_int_equal(sn.n, 1);
    }
}

/* audience_all (issue 18): in one pass, exactly the entries audience gives register by
 * register, a person's entries together and in register order; a restricted or objecting
 * person is in no audience; the callback stops the walk. */
static void assert_all_matches_each(struct rk_store *s, const char *restricted,
                                    const char *objected);

static void audience_all_matches_each_register(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    const rk_ts since = ts("2025-01-01T00:00:00Z"), later = ts("2027-01-01T00:00:00Z");
    char both[RK_ID_LEN + 1], restricted[RK_ID_LEN + 1], objected[RK_ID_LEN + 1];
    char *const extra[] = {both, restricted, objected};
    assert_ok(rk_store_begin(s));
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    for (size_t i = 0; i < 3; i++) {
        new_person(s, extra[i]);
        struct rk_entry *e = entry_new("news", extra[i], since);
        entry_set(e, RK_F_NAME, "Kaksi Rekisteriä", p);
        assert_ok(rk_store_entry_put(s, e));
        if (i == 0) { /* in customers too */
            copy(e->register_id, sizeof e->register_id, "customers");
            assert_ok(rk_store_entry_put(s, e));
        }
        put_state(s, extra[i], "newsletter", RK_CONSENT_LIVE, since, later);
    }
    assert_ok(rk_store_person_flags_set(s, restricted, true, false));
    assert_ok(rk_store_person_flags_set(s, objected, false, true));
    assert_ok(rk_store_commit(s));
    assert_all_matches_each(s, restricted, objected);
    /* The one in two registers comes twice, customers first; the restricted and objecting
     * ones, whose consents are live, not at all. */
    struct seen sn = {0};
    assert_ok(rk_store_audience_all(s, "newsletter", RK_AUDIENCE_LIVE_CONSENT, ts(NOW),
                                    collect_entry, &sn));
    assert_int_equal(seen_count(&sn, both, NULL), 2);
    assert_int_equal(seen_count(&sn, restricted, NULL), 0);
    assert_int_equal(seen_count(&sn, objected, NULL), 0);
    memset(&sn, 0, sizeof sn);
    sn.stop_after = 1;
    assert_ok(rk_store_audience_all(s, "newsletter", RK_AUDIENCE_LIVE_CONSENT, ts(NOW),
                                    collect_entry, &sn));
    assert_int_equal(sn.n, 1);
}

/* SQLite tests a short suppression list in memory and a long one (over 65,536 hashes) by
 * the scan's SQL: with a long list audience_all still gives what audience gives register
 * by register, the fixture's suppressed entries out. PostgreSQL (no such threshold) gets
 * a few hundred hashes more. */
static void audience_all_long_suppression_list(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    long n = strcmp(backend->name, "postgres") == 0 ? 300 : 65537;
    unsigned char h[RK_HASH_LEN];
    memset(h, 0x5A, sizeof h);
    assert_ok(rk_store_begin(s));
    for (long i = 0; i < n; i++) {
        h[0] = (unsigned char)(i >> 16);
        h[1] = (unsigned char)(i >> 8);
        h[2] = (unsigned char)i;
        assert_ok(rk_store_suppress_add(s, h, RK_F_EMAIL, RK_SUPPRESS_ERASURE,
                                        ts("2025-01-01T00:00:00Z")));
    }
    assert_ok(rk_store_commit(s));
    assert_all_matches_each(s, NULL, NULL);
}

/* audience_all gives exactly what audience gives register by register, each row once, a
 * person's entries together in register order; neither restricted nor objected (NULL:
 * not checked) is among them. */
static void assert_all_matches_each(struct rk_store *s, const char *restricted,
                                    const char *objected) {
    static const char *const regs[] = {"customers", "news", "partners"};
    const struct {
        const char *purpose;
        enum rk_audience_rule rule;
        const char *now;
    } cases[] = {
        {"newsletter", RK_AUDIENCE_LIVE_CONSENT, NOW},
        {"newsletter", RK_AUDIENCE_LIVE_CONSENT, "2026-06-01T11:59:58Z"},
        {"events", RK_AUDIENCE_LIVE_CONSENT, NOW},
        {"customer_service", RK_AUDIENCE_ACTIVE_CONTRACT, NOW},
        {"customer_service", RK_AUDIENCE_ACTIVE_CONTRACT, "2026-06-02T00:00:00Z"},
        {"events_info", RK_AUDIENCE_ANY, NOW},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct seen all = {0}, each = {0};
        assert_ok(rk_store_audience_all(s, cases[c].purpose, cases[c].rule, ts(cases[c].now),
                                        collect_entry, &all));
        for (size_t r = 0; r < 3; r++)
            assert_ok(rk_store_audience(s, regs[r], cases[c].purpose, cases[c].rule,
                                        ts(cases[c].now), collect_entry, &each));
        assert_int_equal(all.n, each.n);
        for (int i = 0; i < all.n; i++) {
            assert_int_equal(seen_count(&all, all.person[i], all.reg[i]), 1);
            assert_int_equal(seen_count(&each, all.person[i], all.reg[i]), 1);
            if (restricted)
                assert_string_not_equal(all.person[i], restricted);
            if (objected)
                assert_string_not_equal(all.person[i], objected);
            if (i > 0 && strcmp(all.person[i], all.person[i - 1]) == 0)
                assert_true(strcmp(all.reg[i - 1], all.reg[i]) < 0);
        }
        /* Together: a person seen k times occupies k consecutive rows. */
        for (int i = 0; i < all.n; i++) {
            int k = seen_count(&all, all.person[i], NULL), run = 0;
            for (int j = i; j < all.n && strcmp(all.person[j], all.person[i]) == 0; j++)
                run++;
            if (i == 0 || strcmp(all.person[i - 1], all.person[i]) != 0)
                assert_int_equal(run, k);
        }
    }
}

/* The entries an audience yields are whole: values, provenance, hashes. */
static void audience_entries_whole(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    int64_t p = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e = entry_new("news", id, ts("2026-01-01T00:00:00Z"));
    entry_set(e, RK_F_NAME, "Koko Tieto", p);
    entry_set(e, RK_F_EMAIL, "koko@example.fi", p);
    entry_set(e, RK_F_PHONE, "+358401231234", p);
    entry_set(e, RK_F_POSITION, "Hallituksen jäsen", p);
    entry_set(e, RK_F_ORGANISATION, "Koko Oy", p);
    entry_set(e, RK_F_INTERESTS, "purjehdus", p);
    hash_of(0xC1, 1, e->email_hash);
    hash_of(0xC2, 1, e->phone_hash);
    assert_ok(rk_store_entry_put(s, e));
    put_state(s, id, "newsletter", RK_CONSENT_LIVE, ts("2026-01-01T00:00:00Z"), 0);
    assert_ok(rk_store_commit(s));
    const struct rk_entry *want[] = {e};
    struct expect_entries x = {want, 1, 0};
    assert_ok(rk_store_audience(s, "news", "newsletter", RK_AUDIENCE_LIVE_CONSENT, ts(NOW),
                                check_entry, &x));
    assert_int_equal(x.n, 1);
}

/* ---- Sealed values (migration 0014) ---------------------------------------------------------- */

struct sealed_seen {
    int n;
    int64_t id[8];
    char bind[8][64];
    char value[8][64];
};

static int collect_sealed(void *ctx, const struct rk_sealed_row *r) {
    struct sealed_seen *ss = ctx;
    if (ss->n == 8)
        return 1;
    int i = ss->n++;
    ss->id[i] = r->id;
    snprintf(ss->bind[i], sizeof ss->bind[i], "%s|%s|%s", r->recipient ? r->recipient : "-",
             r->person_id ? r->person_id : "-", r->message_id ? r->message_id : "-");
    assert_true(r->len < sizeof ss->value[i]);
    memcpy(ss->value[i], r->sealed, r->len);
    ss->value[i][r->len] = '\0';
    return 0;
}

/* Whether row id of table t holds a sealed value now. */
static bool holds_sealed(struct rk_store *s, enum rk_sealed_table t, int64_t id) {
    struct sealed_seen ss = {0};
    assert_ok(rk_store_sealed_list(s, t, id - 1, false, 1, collect_sealed, &ss));
    return ss.n == 1 && ss.id[0] == id;
}

/* ---- The email outbox ------------------------------------------------------------------------ */

/* Collected due messages: copies of what the callback saw. */
struct due_seen {
    int n;
    int64_t id[8];
    char message_id[8][32];
    char sealed[8][64]; /* the sealed bytes as set (the tests seal text) */
    int attempts[8];
    bool has_person[8];
    char last_error[8][RK_OUTBOX_ERROR_MAX + 8];
};

static int collect_due(void *ctx, const struct rk_outbox_msg *m) {
    struct due_seen *d = ctx;
    assert_true(d->n < 8);
    int i = d->n++;
    d->id[i] = m->id;
    copy(d->message_id[i], sizeof d->message_id[i], m->message_id);
    /* The content is never stored in the clear: reads leave it NULL, with the sealed value. */
    assert_null(m->recipient);
    assert_null(m->subject);
    assert_null(m->body);
    assert_null(m->list_unsubscribe);
    assert_true(m->sealed_len < sizeof d->sealed[i]);
    if (m->sealed)
        memcpy(d->sealed[i], m->sealed, m->sealed_len);
    d->sealed[i][m->sealed ? m->sealed_len : 0] = '\0';
    d->attempts[i] = m->attempts;
    d->has_person[i] = m->person_id != NULL;
    copy(d->last_error[i], sizeof d->last_error[i], m->last_error ? m->last_error : "");
    assert_int_equal(m->state, RK_OUTBOX_QUEUED);
    return 0;
}

/* Sets text as row id's sealed value (the store does not look inside it). */
static void seal_text(struct rk_store *s, enum rk_sealed_table t, int64_t id, const char *text) {
    assert_ok(rk_store_sealed_set(s, t, id, (const unsigned char *)text, strlen(text)));
}

/* Enqueues a message whose sealed content is "sealed:" and to. */
static int64_t enqueue(struct rk_store *s, const char *mid, const char *to, rk_ts at) {
    struct rk_outbox_msg m = {.message_id = mid,
                              .kind = "test",
                              .recipient = to,
                              .subject = "Vahvista tilauksesi",
                              .body = "Hei!\nLine two.\n",
                              .created_at = at};
    int64_t id = 0;
    char sealed[128];
    assert_ok(rk_store_outbox_enqueue(s, &m, &id));
    assert_true(id > 0);
    snprintf(sealed, sizeof sealed, "sealed:%s", to);
    seal_text(s, RK_SEALED_OUTBOX, id, sealed);
    return id;
}

static int64_t count_state(struct rk_store *s, enum rk_outbox_state st) {
    int64_t n = -1;
    assert_ok(rk_store_outbox_count(s, st, &n));
    return n;
}

static void outbox_enqueue_due_in_order(void **state) {
    struct rk_store *s = store_of(state);
    char person[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, person);
    struct rk_outbox_msg m = {.message_id = "aaaaaaaaaaaaaaaaaaaaaaaaa2",
                              .person_id = person,
                              .kind = "confirm",
                              .recipient = "matti@example.fi",
                              .subject = "Vahvista tilauksesi – ä ö å",
                              .body = "Hei Matti,\nvahvista tilaus.\n",
                              .list_unsubscribe = "https://example.fi/u/abc",
                              .created_at = ts("2026-03-01T10:00:00Z"),
                              .next_attempt_at = ts("2026-03-01T10:00:00Z")};
    int64_t first = 0;
    assert_ok(rk_store_outbox_enqueue(s, &m, &first));
    seal_text(s, RK_SEALED_OUTBOX, first, "sealed:matti");
    int64_t later =
        enqueue(s, "aaaaaaaaaaaaaaaaaaaaaaaaa3", "b@example.fi", ts("2026-03-01T09:00:00Z"));
    /* Created earlier but due later. */
    struct rk_outbox_msg m3 = {.message_id = "aaaaaaaaaaaaaaaaaaaaaaaaa4",
                               .kind = "test",
                               .recipient = "c@example.fi",
                               .subject = "s",
                               .body = "b",
                               .created_at = ts("2026-03-01T08:00:00Z"),
                               .next_attempt_at = ts("2026-03-01T12:00:00Z")};
    int64_t third = 0;
    assert_ok(rk_store_outbox_enqueue(s, &m3, &third));
    assert_ok(rk_store_commit(s));

    /* Due at 11:00: two, oldest next_attempt_at first; the 12:00 one is not due. */
    struct due_seen d = {0};
    assert_ok(rk_store_outbox_due(s, ts("2026-03-01T11:00:00Z"), 10, collect_due, &d));
    assert_int_equal(d.n, 2);
    assert_true(d.id[0] == later);
    assert_true(d.id[1] == first);
    assert_string_equal(d.message_id[1], "aaaaaaaaaaaaaaaaaaaaaaaaa2");
    assert_string_equal(d.sealed[1], "sealed:matti");
    assert_string_equal(d.sealed[0], "sealed:b@example.fi");
    assert_true(d.has_person[1]);
    assert_false(d.has_person[0]);
    assert_int_equal(d.attempts[0], 0);

    /* The limit holds; later all three are due. */
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(s, ts("2026-03-01T11:00:00Z"), 1, collect_due, &d));
    assert_int_equal(d.n, 1);
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(s, ts("2026-03-02T00:00:00Z"), 10, collect_due, &d));
    assert_int_equal(d.n, 3);
    assert_true(d.id[2] == third);
    assert_int_equal(count_state(s, RK_OUTBOX_QUEUED), 3);
    assert_int_equal(count_state(s, RK_OUTBOX_SENT), 0);
}

/* A message enqueued in a transaction that rolls back (or never commits) does not exist. */
static void outbox_enqueue_is_transactional(void **state) {
    struct fixture *fx = *state;
    char person[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(fx->s));
    new_person(fx->s, person);
    (void)enqueue(fx->s, "bbbbbbbbbbbbbbbbbbbbbbbbb2", "x@example.fi", ts("2026-03-01T10:00:00Z"));
    rk_store_rollback(fx->s);
    assert_rc(rk_store_person_exists(fx->s, person, NULL, NULL), RK_ENOENT);
    assert_int_equal(count_state(fx->s, RK_OUTBOX_QUEUED), 0);

    assert_ok(rk_store_begin(fx->s));
    (void)enqueue(fx->s, "bbbbbbbbbbbbbbbbbbbbbbbbb3", "x@example.fi", ts("2026-03-01T10:00:00Z"));
    assert_ok(rk_store_commit(fx->s));
    assert_ok(rk_store_begin(fx->s));
    (void)enqueue(fx->s, "bbbbbbbbbbbbbbbbbbbbbbbbb4", "y@example.fi", ts("2026-03-01T10:00:00Z"));
    struct rk_store *s = reopen(fx); /* as a crash would */
    if (!s)
        return;
    struct due_seen d = {0};
    assert_ok(rk_store_outbox_due(s, ts("2026-03-02T00:00:00Z"), 10, collect_due, &d));
    assert_int_equal(d.n, 1);
    assert_string_equal(d.message_id[0], "bbbbbbbbbbbbbbbbbbbbbbbbb3");
}

static void outbox_message_id_unique(void **state) {
    struct rk_store *s = store_of(state);
    assert_ok(rk_store_begin(s));
    (void)enqueue(s, "ccccccccccccccccccccccccc2", "x@example.fi", ts("2026-03-01T10:00:00Z"));
    struct rk_outbox_msg m = {.message_id = "ccccccccccccccccccccccccc2",
                              .kind = "test",
                              .recipient = "y@example.fi",
                              .subject = "s",
                              .body = "b",
                              .created_at = ts("2026-03-01T10:00:00Z")};
    int64_t id = 0;
    assert_rc(rk_store_outbox_enqueue(s, &m, &id), RK_ECONFLICT);
    rk_store_rollback(s);
}

struct failures_seen {
    int n;
    int64_t id;
    int attempts;
    char kind[32], error[RK_OUTBOX_ERROR_MAX + 8];
    bool has_person;
    rk_ts failed_at;
};

static int collect_failure(void *ctx, const struct rk_outbox_failure *f) {
    struct failures_seen *fs = ctx;
    fs->n++;
    fs->id = f->id;
    fs->attempts = f->attempts;
    fs->has_person = f->person_id != NULL;
    fs->failed_at = f->failed_at;
    copy(fs->kind, sizeof fs->kind, f->kind);
    copy(fs->error, sizeof fs->error, f->last_error ? f->last_error : "");
    return 0;
}

static void outbox_marks(void **state) {
    struct rk_store *s = store_of(state);
    rk_ts t0 = ts("2026-03-01T10:00:00Z");
    assert_ok(rk_store_begin(s));
    int64_t a = enqueue(s, "ddddddddddddddddddddddddd2", "a@example.fi", t0);
    int64_t b = enqueue(s, "ddddddddddddddddddddddddd3", "b@example.fi", t0);
    int64_t c = enqueue(s, "ddddddddddddddddddddddddd4", "c@example.fi", t0);
    assert_ok(rk_store_commit(s));

    /* Sent: no longer due, counted as sent, its sealed content gone at once; a second mark
     * (or sealing it again) finds nothing queued. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_outbox_mark_sent(s, a, t0 + 5));
    assert_ok(rk_store_commit(s));
    assert_false(holds_sealed(s, RK_SEALED_OUTBOX, a));
    assert_true(holds_sealed(s, RK_SEALED_OUTBOX, b));
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_sealed_set(s, RK_SEALED_OUTBOX, a, (const unsigned char *)"x", 1),
              RK_ENOENT);
    rk_store_rollback(s);
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_outbox_mark_sent(s, a, t0 + 6), RK_ENOENT);
    assert_rc(rk_store_outbox_mark_retry(s, a, t0 + 60, "x"), RK_ENOENT);
    assert_rc(rk_store_outbox_mark_failed(s, a, t0 + 6, "x"), RK_ENOENT);
    assert_rc(rk_store_outbox_mark_sent(s, 999999, t0 + 6), RK_ENOENT);
    rk_store_rollback(s);
    assert_int_equal(count_state(s, RK_OUTBOX_SENT), 1);

    /* Retry: an attempt counted, the error kept, not due before the next time. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_outbox_mark_retry(s, b, t0 + 60, "relay answered 451"));
    assert_ok(rk_store_commit(s));
    struct due_seen d = {0};
    assert_ok(rk_store_outbox_due(s, t0 + 59, 10, collect_due, &d));
    assert_int_equal(d.n, 1);
    assert_true(d.id[0] == c);
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(s, t0 + 60, 10, collect_due, &d));
    assert_int_equal(d.n, 2);
    assert_true(d.id[1] == b);
    assert_int_equal(d.attempts[1], 1);
    assert_string_equal(d.last_error[1], "relay answered 451");
    assert_string_equal(d.sealed[1], "sealed:b@example.fi"); /* a retry keeps it */

    /* Failed: listed for staff without the recipient, with a long error cut. */
    char longerr[RK_OUTBOX_ERROR_MAX + 50];
    memset(longerr, 'e', sizeof longerr - 1);
    longerr[sizeof longerr - 1] = '\0';
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_outbox_mark_retry(s, c, t0 + 60, "first"));
    assert_ok(rk_store_outbox_mark_failed(s, c, t0 + 70, longerr));
    assert_ok(rk_store_commit(s));
    assert_int_equal(count_state(s, RK_OUTBOX_FAILED), 1);
    assert_int_equal(count_state(s, RK_OUTBOX_QUEUED), 1);
    assert_true(holds_sealed(s, RK_SEALED_OUTBOX, c)); /* failed: kept sealed for a retry */
    struct failures_seen fs = {0};
    assert_ok(rk_store_outbox_failed(s, 10, collect_failure, &fs));
    assert_int_equal(fs.n, 1);
    assert_true(fs.id == c);
    assert_int_equal(fs.attempts, 2);
    assert_string_equal(fs.kind, "test");
    assert_false(fs.has_person);
    assert_true(fs.failed_at == t0 + 70);
    assert_int_equal(strlen(fs.error), RK_OUTBOX_ERROR_MAX);
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(s, t0 + 3600, 10, collect_due, &d));
    assert_int_equal(d.n, 1); /* b only */
}
/* ---- Main -------------------------------------------------------------------------------- */

static int count_token(void *ctx, const struct rk_token *t) {
    int *n = ctx;
    (void)t;
    (*n)++;
    return 0;
}

static void tokens(void **state) {
    struct rk_store *s = store_of(state);
    unsigned char h1[RK_HASH_LEN], h2[RK_HASH_LEN], h3[RK_HASH_LEN];
    hash_of(0x71, 1, h1);
    hash_of(0x71, 2, h2);
    hash_of(0x71, 3, h3);
    struct rk_token a = {.name = "anna", .role = "dpo", .created_at = ts("2026-01-01T10:00:00Z")};
    struct rk_token b = {
        .name = "crm-sync", .role = "sales", .created_at = ts("2026-01-02T10:00:00Z")};
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_token_insert(s, &a, h1));
    assert_ok(rk_store_token_insert(s, &b, h2));
    assert_ok(rk_store_commit(s));

    /* Looked up by hash only; an unknown hash finds nothing. */
    struct rk_token got;
    assert_ok(rk_store_token_by_hash(s, h2, &got));
    assert_string_equal(got.name, "crm-sync");
    assert_string_equal(got.role, "sales");
    assert_true(got.created_at == b.created_at);
    assert_true(got.revoked_at == 0);
    assert_rc(rk_store_token_by_hash(s, h3, &got), RK_ENOENT);

    /* Names and hashes are unique. */
    assert_ok(rk_store_begin(s));
    struct rk_token dup = {.name = "anna", .role = "sales", .created_at = 1};
    assert_rc(rk_store_token_insert(s, &dup, h3), RK_ECONFLICT);
    rk_store_rollback(s);
    assert_ok(rk_store_begin(s));
    struct rk_token same_hash = {.name = "other", .role = "sales", .created_at = 1};
    assert_rc(rk_store_token_insert(s, &same_hash, h1), RK_ECONFLICT);
    rk_store_rollback(s);

    /* Revoked: still found (so a request can be told it is revoked) and listed. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_token_revoke(s, "anna", ts("2026-02-01T00:00:00Z")));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_token_by_hash(s, h1, &got));
    assert_true(got.revoked_at == ts("2026-02-01T00:00:00Z"));
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_token_revoke(s, "anna", ts("2026-02-02T00:00:00Z")), RK_ENOENT);
    assert_rc(rk_store_token_revoke(s, "nobody", ts("2026-02-02T00:00:00Z")), RK_ENOENT);
    rk_store_rollback(s);
    int n = 0;
    assert_ok(rk_store_tokens_list(s, count_token, &n));
    assert_int_equal(n, 2);
}

/* ---- The check's read ---------------------------------------------------------------- */

struct contact_rows_seen {
    int n;
    struct rk_contact_row row[4];
    int stop_after; /* 0: never stop */
};

static int collect_contact_row(void *ctx, const struct rk_contact_row *r) {
    struct contact_rows_seen *c = ctx;
    assert_true(c->n < 4);
    c->row[c->n++] = *r;
    return c->stop_after && c->n >= c->stop_after;
}

/* rows_of: the rows for the email (0xA0) or phone (0xB0) hash of person w. */
static bool rows_of(struct rk_store *s, unsigned char kind, int w, struct contact_rows_seen *c) {
    unsigned char h[RK_HASH_LEN];
    hash_of(kind, (unsigned char)w, h);
    bool suppressed = true;
    int stop = c->stop_after;
    memset(c, 0, sizeof *c);
    c->stop_after = stop;
    assert_ok(rk_store_contact_rows(s, h, "newsletter", &suppressed, collect_contact_row, c));
    return suppressed;
}

static void contact_rows(void **state) {
    struct rk_store *s = store_of(state);
    struct audience_fixture a;
    audience_build(s, &a);
    struct contact_rows_seen c = {0};

    assert_false(rows_of(s, 0xA0, LIVE, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.row[0].register_id, "news");
    assert_string_equal(c.row[0].person_id, a.id[LIVE]);
    assert_false(c.row[0].restricted);
    assert_false(c.row[0].objected);
    assert_int_equal(c.row[0].consent.status, RK_CONSENT_LIVE);
    assert_int_equal(c.row[0].consent.since, ts("2025-01-01T00:00:00Z"));
    assert_int_equal(c.row[0].consent.expires_at, ts("2027-01-01T00:00:00Z"));
    assert_int_equal(c.row[0].consent.last_seq, 1);

    assert_false(rows_of(s, 0xA0, WITHDRAWN, &c));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.row[0].consent.status, RK_CONSENT_WITHDRAWN);
    /* No state, or a state for another purpose only: none. */
    assert_false(rows_of(s, 0xA0, NO_CONSENT, &c));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.row[0].consent.status, RK_CONSENT_NONE);
    assert_false(rows_of(s, 0xA0, OTHER_PURPOSE, &c));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.row[0].consent.status, RK_CONSENT_NONE);

    /* Suppressed: no rows. The suppression is of the hash asked about. */
    assert_true(rows_of(s, 0xA0, SUPPRESSED, &c));
    assert_int_equal(c.n, 0);
    assert_true(rows_of(s, 0xB0, PHONE_SUPP, &c));
    assert_int_equal(c.n, 0);
    assert_false(rows_of(s, 0xA0, PHONE_SUPP, &c));
    assert_int_equal(c.n, 1);

    /* One row per register, in register order; the callback stops the walk. */
    assert_false(rows_of(s, 0xA0, ELSEWHERE, &c));
    assert_int_equal(c.n, 2);
    assert_string_equal(c.row[0].register_id, "customers");
    assert_string_equal(c.row[1].register_id, "partners");
    assert_string_equal(c.row[1].person_id, a.id[ELSEWHERE]);
    c.stop_after = 1;
    assert_false(rows_of(s, 0xA0, ELSEWHERE, &c));
    assert_int_equal(c.n, 1);
    c.stop_after = 0;

    /* Unknown: nothing, not suppressed. */
    assert_false(rows_of(s, 0xC0, 1, &c));
    assert_int_equal(c.n, 0);

    /* Inside a write transaction it reads that transaction's writes. */
    assert_ok(rk_store_begin(s));
    put_state(s, a.id[WITHDRAWN], "newsletter", RK_CONSENT_LIVE, ts("2026-01-01T00:00:00Z"), 0);
    assert_false(rows_of(s, 0xA0, WITHDRAWN, &c));
    assert_int_equal(c.row[0].consent.status, RK_CONSENT_LIVE);
    rk_store_rollback(s);
    assert_false(rows_of(s, 0xA0, WITHDRAWN, &c));
    assert_int_equal(c.row[0].consent.status, RK_CONSENT_WITHDRAWN);
}

/* ---- Data-subject rights (migration 0008) ---------------------------------------------- */

static void person_flags_and_delete(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], unknown[RK_ID_LEN + 1];
    bool restricted = false, objected = false;
    rk_id_new(unknown);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    assert_ok(rk_store_person_flags_set(s, id, true, false));
    assert_ok(rk_store_person_exists(s, id, &restricted, &objected));
    assert_true(restricted);
    assert_false(objected);
    assert_ok(rk_store_person_flags_set(s, id, false, true));
    assert_ok(rk_store_person_exists(s, id, &restricted, &objected));
    assert_false(restricted);
    assert_true(objected);
    assert_rc(rk_store_person_flags_set(s, unknown, true, true), RK_ENOENT);
    assert_ok(rk_store_person_delete(s, id));
    assert_rc(rk_store_person_exists(s, id, NULL, NULL), RK_ENOENT);
    assert_rc(rk_store_person_delete(s, id), RK_ENOENT);
    assert_ok(rk_store_commit(s));
}

static int64_t words_with(struct rk_store *s, const char *prefix) {
    int64_t n = -1;
    assert_ok(rk_store_search_count(s, prefix, -1, 100, &n));
    return n;
}

/* Issue 18: a write names its person by public id and the SQLite backend keeps the internal
 * key of persons it wrote as a hint. The writes must name the right person after the person
 * was deleted and a new one took the freed key, after a rolled-back insert, and the search
 * words of a person added in the transaction must still be replaced by a second put. */
static void person_key_after_delete_and_rollback(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1], d[RK_ID_LEN + 1];
    const struct rk_search_word alpha[] = {{"alphaword", RK_F_NAME}};
    const struct rk_search_word beta[] = {{"betaword", RK_F_NAME}, {"gammaword", RK_F_NAME}};
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    int64_t prov = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e = entry_new("news", a, ts("2026-03-01T00:00:00Z"));
    entry_set(e, RK_F_NAME, "Alpha", prov);
    assert_ok(rk_store_entry_put(s, e));
    assert_ok(rk_store_search_put(s, a, "news", alpha, 1));
    assert_int_equal(words_with(s, "alphaword"), 1);
    /* The second put in the same transaction replaces the first one's words. */
    assert_ok(rk_store_search_put(s, a, "news", beta, 2));
    assert_int_equal(words_with(s, "alphaword"), 0);
    assert_int_equal(words_with(s, "betaword"), 1);
    struct rk_consent_state st = {RK_CONSENT_LIVE, ts("2026-03-01T00:00:00Z"), 0, false, 0};
    assert_ok(rk_store_consent_state_put(s, a, "newsletter", &st));
    /* Deleted, and a new person (which may take the freed key) written in its place. */
    assert_ok(rk_store_person_delete(s, a));
    assert_int_equal(words_with(s, "betaword"), 0);
    new_person(s, b);
    struct rk_entry *eb = entry_new("news", b, ts("2026-03-02T00:00:00Z"));
    entry_set(eb, RK_F_NAME, "Beta", prov);
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_search_put(s, b, "news", alpha, 1));
    assert_ok(rk_store_consent_state_put(s, b, "newsletter", &st));
    assert_ok(rk_store_commit(s));
    struct rk_entry *got = scratch(sizeof *got);
    assert_rc(rk_store_entry_get(s, "news", a, got), RK_ENOENT);
    assert_ok(rk_store_entry_get(s, "news", b, got));
    assert_entry(got, eb);
    struct rk_consent_state sb;
    assert_ok(rk_store_consent_state_get(s, a, "newsletter", &sb));
    assert_int_equal(sb.status, RK_CONSENT_NONE);
    assert_ok(rk_store_consent_state_get(s, b, "newsletter", &sb));
    assert_int_equal(sb.status, RK_CONSENT_LIVE);
    assert_int_equal(words_with(s, "alphaword"), 1);

    /* A person whose insert was rolled back: the next person's writes are their own. */
    assert_ok(rk_store_begin(s));
    new_person(s, c);
    struct rk_entry *ec = entry_new("news", c, ts("2026-03-03T00:00:00Z"));
    entry_set(ec, RK_F_NAME, "Gamma", prov);
    assert_ok(rk_store_entry_put(s, ec));
    rk_store_rollback(s);
    assert_ok(rk_store_begin(s));
    new_person(s, d);
    struct rk_entry *ed = entry_new("news", d, ts("2026-03-04T00:00:00Z"));
    entry_set(ed, RK_F_NAME, "Delta", prov);
    assert_ok(rk_store_entry_put(s, ed));
    assert_ok(rk_store_search_put(s, d, "news", beta, 2));
    assert_ok(rk_store_commit(s));
    assert_rc(rk_store_entry_get(s, "news", c, got), RK_ENOENT);
    assert_ok(rk_store_entry_get(s, "news", d, got));
    assert_entry(got, ed);
    assert_int_equal(words_with(s, "gammaword"), 1);
    /* A write naming the deleted or the rolled-back person finds no person. */
    assert_ok(rk_store_begin(s));
    assert_true(rk_store_entry_put(s, e) != RK_OK);
    rk_store_rollback(s);
    assert_ok(rk_store_begin(s));
    assert_true(rk_store_entry_put(s, ec) != RK_OK);
    rk_store_rollback(s);
    assert_ok(rk_store_entry_get(s, "news", b, got));
    assert_entry(got, eb);
}

/* The organisation cache is a hint: another handle (another process, another instance) may
 * delete an organisation left unused, and a new organisation may take its id (SQLite reuses
 * the largest rowid). A handle that cached the name must still write the entry under an
 * organisation of that name, never under the newcomer. */
static void organisation_cached_then_deleted_elsewhere(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s, *other = NULL;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    bool gone = false;
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    int64_t prov = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *e = entry_new("news", a, ts("2026-03-01T00:00:00Z"));
    entry_set(e, RK_F_ORGANISATION, "Vanha Oy", prov);
    assert_ok(rk_store_entry_put(s, e)); /* s caches "Vanha Oy" */
    assert_ok(rk_store_commit(s));
    /* Elsewhere: the entry and then the unused organisation are deleted, and a new one is
     * created, which may take the freed id. */
    assert_ok(rk_store_open(fx->location, NULL, &other, &fx->opened));
    assert_ok(rk_store_begin(other));
    assert_ok(rk_store_entry_delete(other, "news", a));
    assert_ok(rk_store_organisation_delete_unused(other, "Vanha Oy", &gone));
    assert_true(gone);
    new_person(other, b);
    struct rk_entry *eb = entry_new("news", b, ts("2026-03-02T00:00:00Z"));
    entry_set(eb, RK_F_ORGANISATION, "Uusi Oy", prov);
    assert_ok(rk_store_entry_put(other, eb));
    assert_ok(rk_store_commit(other));
    rk_store_close(other);
    /* Here: a new entry of the cached name. */
    assert_ok(rk_store_begin(s));
    new_person(s, c);
    struct rk_entry *ec = entry_new("news", c, ts("2026-03-03T00:00:00Z"));
    entry_set(ec, RK_F_ORGANISATION, "Vanha Oy", prov);
    assert_ok(rk_store_entry_put(s, ec));
    assert_ok(rk_store_commit(s));
    struct rk_entry *got = scratch(sizeof *got);
    assert_ok(rk_store_entry_get(s, "news", c, got));
    assert_string_equal(got->v[RK_F_ORGANISATION], "Vanha Oy");
    assert_ok(rk_store_entry_get(s, "news", b, got));
    assert_string_equal(got->v[RK_F_ORGANISATION], "Uusi Oy");
}

static void entries_delete_and_unused_rows(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    int64_t n = -1;
    bool gone = true;
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    int64_t shared = new_provenance(s, RK_SRC_WEB_FORM, "marketing");
    int64_t own = new_provenance(s, RK_SRC_PHONE, "service");
    struct rk_entry *ea = entry_new("customers", a, ts("2026-01-02T03:04:05Z"));
    entry_set(ea, RK_F_NAME, "Aino", shared);
    entry_set(ea, RK_F_ORGANISATION, "Oma Tmi", own);
    struct rk_entry *ea2 = entry_new("marketing", a, ts("2026-01-02T03:04:05Z"));
    entry_set(ea2, RK_F_ORGANISATION, "Yhteinen Oy", shared);
    struct rk_entry *eb = entry_new("customers", b, ts("2026-01-02T03:04:05Z"));
    entry_set(eb, RK_F_NAME, "Bertta", shared);
    entry_set(eb, RK_F_ORGANISATION, "Yhteinen Oy", shared);
    assert_ok(rk_store_entry_put(s, ea));
    assert_ok(rk_store_entry_put(s, ea2));
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_entries_delete_person(s, a, &n));
    assert_int_equal(n, 2);
    assert_ok(rk_store_provenance_delete_unused(s, shared, &gone));
    assert_false(gone); /* b's entry still cites it */
    assert_ok(rk_store_provenance_delete_unused(s, own, &gone));
    assert_true(gone);
    assert_ok(rk_store_organisation_delete_unused(s, "Yhteinen Oy", &gone));
    assert_false(gone);
    assert_ok(rk_store_organisation_delete_unused(s, "Oma Tmi", &gone));
    assert_true(gone);
    assert_ok(rk_store_commit(s));
    char buf[256];
    struct rk_provenance p;
    assert_rc(rk_store_provenance_get(s, own, &p, buf, sizeof buf), RK_ENOENT);
    assert_ok(rk_store_provenance_get(s, shared, &p, buf, sizeof buf));
    struct rk_entry *got = scratch(sizeof *got);
    assert_rc(rk_store_entry_get(s, "customers", a, got), RK_ENOENT);
    assert_ok(rk_store_entry_get(s, "customers", b, got));
    assert_entry(got, eb);
    /* A deleted organisation can be named again (no stale cached id). */
    assert_ok(rk_store_begin(s));
    entry_set(eb, RK_F_ORGANISATION, "Oma Tmi", shared);
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_entry_get(s, "customers", b, got));
    assert_entry(got, eb);
}

static int count_consent(void *ctx, const struct rk_consent_event *e) {
    (void)e;
    (*(int64_t *)ctx)++;
    return 0;
}

static void consent_delete_by_purpose(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    struct rk_consent_event *e = scratch(sizeof *e);
    struct rk_consent_state st = {RK_CONSENT_LIVE, ts("2026-01-01T00:00:00Z"), 0, false, 1};
    int64_t n = -1, left = 0;
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    const char *purposes[] = {"marketing", "marketing", "newsletter", "marketing"};
    const char *who[] = {id, id, id, other};
    for (int i = 0; i < 4; i++) {
        consent_event_init(e, who[i], purposes[i], i == 1 ? RK_CE_WITHDRAWN : RK_CE_GIVEN,
                           ts("2026-01-01T00:00:00Z"));
        assert_ok(rk_store_consent_append(s, e));
        assert_ok(rk_store_consent_state_put(s, who[i], purposes[i], &st));
    }
    assert_ok(rk_store_consent_delete(s, id, "marketing", &n));
    assert_int_equal(n, 2);
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_consent_state_get(s, id, "marketing", &st));
    assert_int_equal(st.status, RK_CONSENT_NONE);
    assert_ok(rk_store_consent_state_get(s, id, "newsletter", &st));
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_ok(rk_store_consent_events(s, id, count_consent, &left));
    assert_int_equal(left, 1);
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_consent_delete(s, id, NULL, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_commit(s));
    left = 0;
    assert_ok(rk_store_consent_events(s, other, count_consent, &left));
    assert_int_equal(left, 1); /* another person's ledger is untouched */
}

static int count_change(void *ctx, const struct rk_contract_change *c) {
    (void)c;
    (*(int64_t *)ctx)++;
    return 0;
}

static void contract_invoice_restrict_delete(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], unknown[RK_ID_LEN + 1];
    struct rk_contract c;
    struct rk_invoice inv[2];
    struct invoices_seen *is = scratch(sizeof *is);
    int64_t changes = 0;
    rk_id_new(unknown);
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    contract_init(&c, id, "customers", "Lounasetu", date(2026, 1, 1), date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &c));
    assert_ok(rk_store_contract_change_append(s, c.id, ts("2026-02-01T00:00:00Z"), "anna",
                                              "service", "Lounasetu", "Virike"));
    invoice_init(&inv[0], id, c.id, "R-1", date(2026, 1, 31), 100, date(2032, 12, 31));
    invoice_init(&inv[1], id, "", "R-2", date(2026, 2, 28), 200, date(0, 0, 0));
    assert_ok(rk_store_invoice_insert(s, &inv[0]));
    assert_ok(rk_store_invoice_insert(s, &inv[1]));
    assert_ok(rk_store_invoice_restrict(s, inv[0].id));
    assert_ok(rk_store_invoice_delete(s, inv[1].id));
    assert_rc(rk_store_invoice_delete(s, inv[1].id), RK_ENOENT);
    assert_rc(rk_store_invoice_restrict(s, unknown), RK_ENOENT);
    assert_ok(rk_store_contract_restrict(s, c.id));
    assert_rc(rk_store_contract_restrict(s, unknown), RK_ENOENT);
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_invoices_of_person(s, id, collect_invoice, is));
    assert_int_equal(is->n, 1);
    assert_string_equal(is->i[0].number, "R-1");
    assert_true(is->i[0].restricted);

    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_contract_delete(s, c.id));
    assert_rc(rk_store_contract_delete(s, c.id), RK_ENOENT);
    assert_ok(rk_store_commit(s));
    assert_rc(rk_store_contract_get(s, c.id, &c), RK_ENOENT);
    assert_ok(rk_store_contract_changes(s, c.id, count_change, &changes));
    assert_int_equal(changes, 0);
    is->n = 0;
    assert_ok(rk_store_invoices_of_person(s, id, collect_invoice, is));
    assert_int_equal(is->n, 1); /* the invoice outlives its contract */
    assert_string_equal(is->i[0].contract_id, "");
}

struct listed {
    int n;
    char ids[8][RK_ID_LEN + 1];
    char persons[8][RK_ID_LEN + 1];
};

static int list_tasks(void *ctx, const struct rk_task_view *t) {
    struct listed *l = ctx;
    assert_true(l->n < 8);
    copy(l->ids[l->n], sizeof l->ids[0], t->id);
    copy(l->persons[l->n++], sizeof l->persons[0], t->person_id);
    return 0;
}

static void person_rows_delete_and_tasks(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    struct rk_task t[3];
    struct listed *l = scratch(sizeof *l);
    int64_t n = -1;
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    const char *kinds[] = {"objection_review", "art14_inform", "objection_review"};
    for (int i = 0; i < 3; i++) {
        t[i] = (struct rk_task){.kind = kinds[i],
                                .due = date(2026, 3, 3 - i),
                                .created_at = ts("2026-02-01T00:00:00Z")};
        rk_id_new(t[i].id);
        copy(t[i].person_id, sizeof t[i].person_id, i == 2 ? other : id);
        assert_ok(rk_store_task_insert(s, &t[i]));
    }
    struct rk_signup *u = scratch(sizeof *u);
    copy(u->person_id, sizeof u->person_id, id);
    copy(u->purpose, sizeof u->purpose, "marketing");
    copy(u->form_id, sizeof u->form_id, "newsletter");
    u->v[RK_F_EMAIL] = "aino@example.fi";
    u->created_at = ts("2026-02-01T00:00:00Z");
    u->expires_at = ts("2026-02-08T00:00:00Z");
    assert_ok(rk_store_signup_put(s, u));
    struct rk_outbox_msg m = {.message_id = "ddddddddddddddddddddddddd1",
                              .person_id = id,
                              .kind = "confirm",
                              .recipient = "aino@example.fi",
                              .subject = "Vahvista",
                              .body = "Hei\n",
                              .created_at = ts("2026-02-01T00:00:00Z")};
    int64_t mid = 0;
    assert_ok(rk_store_outbox_enqueue(s, &m, &mid));
    m.message_id = "ddddddddddddddddddddddddd2";
    m.person_id = other;
    assert_ok(rk_store_outbox_enqueue(s, &m, &mid));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_tasks_list(s, "objection_review", false, list_tasks, l));
    assert_int_equal(l->n, 2);
    assert_string_equal(l->ids[0], t[2].id); /* by due date */
    assert_string_equal(l->persons[0], other);
    assert_string_equal(l->persons[1], id);
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_task_done(s, t[2].id, ts("2026-02-02T00:00:00Z")));
    assert_rc(rk_store_task_done(s, t[2].id, ts("2026-02-02T00:00:00Z")), RK_ENOENT);
    assert_ok(rk_store_commit(s));
    l->n = 0;
    assert_ok(rk_store_tasks_list(s, NULL, true, list_tasks, l));
    assert_int_equal(l->n, 2);
    l->n = 0;
    assert_ok(rk_store_tasks_list(s, NULL, false, list_tasks, l));
    assert_int_equal(l->n, 3);

    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_signups_delete_person(s, id, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_outbox_delete_person(s, id, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_tasks_delete_person(s, id, &n));
    assert_int_equal(n, 2);
    assert_ok(rk_store_commit(s));
    assert_rc(rk_store_signup_get(s, id, "marketing", u), RK_ENOENT);
    l->n = 0;
    assert_ok(rk_store_tasks_list(s, NULL, false, list_tasks, l));
    assert_int_equal(l->n, 1);
    int64_t queued = 0;
    assert_ok(rk_store_outbox_count(s, RK_OUTBOX_QUEUED, &queued));
    assert_int_equal(queued, 1);
}

/* ---- Data-subject requests ---------------------------------------------------------------- */

static struct rk_date day(const char *iso) {
    struct rk_date d = {0, 0, 0};
    if (!rk_date_parse(iso, &d))
        fail_msg("bad date in the test: %s", iso);
    return d;
}

static void request_init(struct rk_request *q, const char *id, const char *received,
                         const char *due) {
    memset(q, 0, sizeof *q);
    copy(q->id, sizeof q->id, id);
    q->type = RK_RQ_ERASURE;
    q->status = RK_RQS_RECEIVED;
    q->channel = RK_RQC_POST;
    q->lang = RK_LANG_EN;
    q->email = "Maija.Meikalainen@Example.FI";
    q->name = "Maija Meikäläinen";
    q->text = "Poistakaa tietoni.\nKiitos.";
    q->received_at = ts(received);
    q->received_on = rk_ts_date(q->received_at);
    q->due = day(due);
    q->created_by = "anna";
}

static int count_request(void *ctx, const struct rk_request *q) {
    (void)q;
    ++*(int *)ctx;
    return 0;
}

static void request_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    struct rk_request *q = scratch(sizeof *q), *got = scratch(sizeof *got);
    request_init(q, "R-AAAAAAAAAAA2", "2026-01-31T10:00:00Z", "2026-02-28");
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_request_insert(s, q));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_request_get(s, q->id, got));
    assert_string_equal(got->id, q->id);
    assert_int_equal(got->type, RK_RQ_ERASURE);
    assert_int_equal(got->status, RK_RQS_RECEIVED);
    assert_int_equal(got->channel, RK_RQC_POST);
    assert_int_equal(got->lang, RK_LANG_EN);
    assert_string_equal(got->person_id, "");
    assert_string_equal(got->email, q->email); /* as written, not normalised */
    assert_null(got->phone);
    assert_string_equal(got->name, q->name);
    assert_string_equal(got->text, q->text);
    assert_true(got->received_at == q->received_at);
    assert_int_equal(rk_date_cmp(got->received_on, day("2026-01-31")), 0);
    assert_int_equal(rk_date_cmp(got->due, day("2026-02-28")), 0);
    assert_int_equal(got->extended_due.y, 0);
    assert_int_equal(got->verification, 0);
    assert_true(got->closed_at == 0);
    assert_string_equal(got->created_by, "anna");
    assert_rc(rk_store_request_get(s, "R-NOSUCHREQUES", got), RK_ENOENT);

    /* An update writes the mutable fields. */
    char person[RK_ID_LEN + 1];
    new_person(s, person);
    copy(q->person_id, sizeof q->person_id, person);
    q->status = RK_RQS_COMPLETED;
    q->verification = RK_VERIFY_IN_PERSON;
    q->verified_by = "anna";
    q->verified_at = ts("2026-02-02T09:00:00Z");
    q->document = "passport";
    q->extension_months = 2;
    q->extension_reason = "volume";
    q->extended_due = day("2026-04-30");
    q->note = "done";
    q->closed_at = ts("2026-04-01T09:00:00Z");
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_request_update(s, q));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_request_get(s, q->id, got));
    assert_string_equal(got->person_id, person);
    assert_int_equal(got->status, RK_RQS_COMPLETED);
    assert_int_equal(got->verification, RK_VERIFY_IN_PERSON);
    assert_string_equal(got->verified_by, "anna");
    assert_true(got->verified_at == q->verified_at);
    assert_string_equal(got->document, "passport");
    assert_int_equal(got->extension_months, 2);
    assert_string_equal(got->extension_reason, "volume");
    assert_int_equal(rk_date_cmp(got->extended_due, day("2026-04-30")), 0);
    assert_string_equal(got->note, "done");
    assert_null(got->rejection_reason);
    assert_true(got->closed_at == q->closed_at);

    /* Ids are unique; an unknown id does not update; over-long texts are refused. */
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_request_insert(s, q), RK_ECONFLICT);
    rk_store_rollback(s);
    assert_ok(rk_store_begin(s));
    copy(q->id, sizeof q->id, "R-BBBBBBBBBBB2");
    assert_rc(rk_store_request_update(s, q), RK_ENOENT);
    char *big = scratch(RK_REQUEST_TEXT_MAX + 2);
    memset(big, 'x', RK_REQUEST_TEXT_MAX + 1);
    big[RK_REQUEST_TEXT_MAX + 1] = '\0';
    q->text = big;
    assert_rc(rk_store_request_insert(s, q), RK_ETOOBIG);
    rk_store_rollback(s);
}

static void requests_list_and_overdue(void **state) {
    struct rk_store *s = store_of(state);
    struct rk_request *q = scratch(sizeof *q);
    assert_ok(rk_store_begin(s));
    request_init(q, "R-CCCCCCCCCCC2", "2026-01-10T10:00:00Z", "2026-02-10"); /* open, overdue */
    assert_ok(rk_store_request_insert(s, q));
    request_init(q, "R-DDDDDDDDDDD2", "2026-01-20T10:00:00Z", "2026-02-20"); /* extended */
    q->status = RK_RQS_VERIFIED;
    q->extended_due = day("2026-04-20");
    q->extension_months = 2;
    assert_ok(rk_store_request_insert(s, q));
    request_init(q, "R-EEEEEEEEEEE2", "2026-01-05T10:00:00Z", "2026-02-05"); /* closed */
    q->status = RK_RQS_COMPLETED;
    assert_ok(rk_store_request_insert(s, q));
    request_init(q, "R-FFFFFFFFFFF2", "2026-02-25T10:00:00Z", "2026-03-25"); /* open, in time */
    assert_ok(rk_store_request_insert(s, q));
    assert_ok(rk_store_commit(s));

    int64_t n = -1;
    assert_ok(rk_store_requests_overdue(s, day("2026-02-10"), &n));
    assert_int_equal(n, 0); /* the due day itself is in time */
    assert_ok(rk_store_requests_overdue(s, day("2026-02-11"), &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_requests_overdue(s, day("2026-04-21"), &n));
    assert_int_equal(n, 3);

    int count = 0;
    struct rk_request_filter all = {.status = -1};
    assert_ok(rk_store_requests_list(s, &all, count_request, &count));
    assert_int_equal(count, 4);
    count = 0;
    struct rk_request_filter open = {.status = -1, .open_only = true};
    assert_ok(rk_store_requests_list(s, &open, count_request, &count));
    assert_int_equal(count, 3);
    count = 0;
    struct rk_request_filter due = {.status = -1, .open_only = true, .due_by = day("2026-03-31")};
    assert_ok(rk_store_requests_list(s, &due, count_request, &count));
    assert_int_equal(count, 2); /* the extended one is due in April */
    count = 0;
    struct rk_request_filter verified = {.status = RK_RQS_VERIFIED};
    assert_ok(rk_store_requests_list(s, &verified, count_request, &count));
    assert_int_equal(count, 1);
}

/* ---- Art 19 notices ---------------------------------------------------------------------- */

struct notices_seen {
    int n;
    int64_t id[8];
    enum rk_notice_state state[8];
    int attempts[8];
    bool has_identity[8];
    char remote[8][64];
    char error[8][64];
};

static int collect_notice(void *ctx, const struct rk_notice_row *r) {
    struct notices_seen *ns = ctx;
    if (ns->n == 8)
        return 1;
    int i = ns->n++;
    ns->id[i] = r->id;
    ns->state[i] = r->state;
    ns->attempts[i] = r->attempts;
    ns->has_identity[i] = r->sealed != NULL && r->sealed_len > 0;
    assert_null(r->identity_email); /* only the deliverer fills it, after opening */
    copy(ns->remote[i], sizeof ns->remote[i], r->remote_id ? r->remote_id : "");
    copy(ns->error[i], sizeof ns->error[i], r->last_error ? r->last_error : "");
    return 0;
}

static int64_t notice(struct rk_store *s, const char *recipient, enum rk_notice_kind kind,
                      rk_ts at) {
    struct rk_recipient_notice n = {
        .recipient = recipient, .person_id = "p1", .kind = kind, .created_at = at};
    assert_ok(rk_store_recipient_notice_add(s, &n));
    seal_text(s, RK_SEALED_NOTICE, n.id, "sealed:a@example.fi");
    return n.id;
}

static int64_t notice_count(struct rk_store *s, enum rk_notice_state st) {
    int64_t n = -1;
    assert_ok(rk_store_recipient_notice_count(s, st, &n));
    return n;
}

static void recipient_notice_delivery(void **state) {
    struct rk_store *s = store_of(state);
    rk_ts t0 = ts("2026-03-01T10:00:00Z");
    assert_ok(rk_store_begin(s));
    int64_t a = notice(s, "crm", RK_NOTICE_ERASURE, t0);
    int64_t b = notice(s, "mailer", RK_NOTICE_RECTIFICATION, t0);
    int64_t c = notice(s, "crm", RK_NOTICE_RESTRICTION, t0 + 1);
    assert_ok(rk_store_commit(s));
    assert_int_equal(notice_count(s, RK_NOTICE_QUEUED), 3);

    /* Due with the identity, oldest first; not before their time. */
    struct notices_seen ns = {0};
    assert_ok(rk_store_recipient_notice_due(s, t0 - 1, 10, collect_notice, &ns));
    assert_int_equal(ns.n, 0);
    assert_ok(rk_store_recipient_notice_due(s, t0 + 1, 10, collect_notice, &ns));
    assert_int_equal(ns.n, 3);
    assert_true(ns.id[0] == a && ns.id[2] == c);
    assert_true(ns.has_identity[0]);

    /* Done: the identity is forgotten; marks apply once. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_recipient_notice_mark_done(s, b, t0 + 5));
    assert_rc(rk_store_recipient_notice_mark_done(s, b, t0 + 6), RK_ENOENT);
    assert_rc(rk_store_recipient_notice_mark_retry(s, 99999, t0, "x"), RK_ENOENT);
    assert_ok(rk_store_commit(s));
    assert_false(holds_sealed(s, RK_SEALED_NOTICE, b));

    /* Pending: polled later, with the remote id, without the identity. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_recipient_notice_mark_pending(s, a, "r-1", t0 + 60));
    assert_ok(rk_store_recipient_notice_mark_retry(s, c, t0 + 120, "HTTP 503"));
    assert_ok(rk_store_commit(s));
    memset(&ns, 0, sizeof ns);
    assert_ok(rk_store_recipient_notice_due(s, t0 + 60, 10, collect_notice, &ns));
    assert_int_equal(ns.n, 1);
    assert_true(ns.id[0] == a);
    assert_int_equal(ns.state[0], RK_NOTICE_PENDING);
    assert_string_equal(ns.remote[0], "r-1");
    assert_false(ns.has_identity[0]);
    assert_int_equal(ns.attempts[0], 1);
    assert_false(holds_sealed(s, RK_SEALED_NOTICE, a));
    assert_true(holds_sealed(s, RK_SEALED_NOTICE, c)); /* the retry keeps it */
    /* A second poll that is still pending counts no attempt. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_recipient_notice_mark_pending(s, a, "r-1", t0 + 180));
    assert_ok(rk_store_commit(s));
    /* A wait (a connector not configured yet) sets the next time and the error only: no
     * attempt counted, the identity kept; done notices are not waited on. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_recipient_notice_mark_wait(s, c, t0 + 400, "not configured"));
    assert_rc(rk_store_recipient_notice_mark_wait(s, b, t0 + 400, "x"), RK_ENOENT);
    assert_ok(rk_store_commit(s));
    memset(&ns, 0, sizeof ns);
    assert_ok(rk_store_recipient_notice_due(s, t0 + 399, 10, collect_notice, &ns));
    for (int i = 0; i < ns.n; i++)
        assert_true(ns.id[i] != c);
    memset(&ns, 0, sizeof ns);
    assert_ok(rk_store_recipient_notice_due(s, t0 + 400, 10, collect_notice, &ns));
    bool waited = false;
    for (int i = 0; i < ns.n; i++)
        if (ns.id[i] == c) {
            waited = true;
            assert_int_equal(ns.attempts[i], 1); /* the retry's, not the wait's */
            assert_true(ns.has_identity[i]);
        }
    assert_true(waited);

    /* Final states; lists carry no identity. */
    assert_ok(rk_store_begin(s));
    assert_rc(rk_store_recipient_notice_mark_final(s, c, RK_NOTICE_DONE, t0, "x"), RK_EINVAL);
    assert_ok(rk_store_recipient_notice_mark_final(s, c, RK_NOTICE_FAILED, t0 + 200, "HTTP 410"));
    assert_ok(rk_store_recipient_notice_mark_final(s, a, RK_NOTICE_UNSUPPORTED, t0 + 200, "no"));
    assert_ok(rk_store_commit(s));
    assert_false(holds_sealed(s, RK_SEALED_NOTICE, c)); /* failed for good: gone at once */
    assert_int_equal(notice_count(s, RK_NOTICE_FAILED), 1);
    assert_int_equal(notice_count(s, RK_NOTICE_UNSUPPORTED), 1);
    assert_int_equal(notice_count(s, RK_NOTICE_DONE), 1);
    assert_int_equal(notice_count(s, RK_NOTICE_QUEUED), 0);
    memset(&ns, 0, sizeof ns);
    assert_ok(rk_store_recipient_notice_list(s, RK_NOTICE_FAILED, 10, collect_notice, &ns));
    assert_int_equal(ns.n, 1);
    assert_true(ns.id[0] == c);
    assert_int_equal(ns.attempts[0], 2);
    assert_string_equal(ns.error[0], "HTTP 410");
    assert_false(ns.has_identity[0]);
    memset(&ns, 0, sizeof ns);
    assert_ok(rk_store_recipient_notice_list(s, RK_NOTICE_STATE__COUNT, 10, collect_notice, &ns));
    assert_int_equal(ns.n, 3);
    assert_true(ns.id[0] == c); /* newest first */
}

/* Sealed values: listed in id order with what binds them, migration 0014's plaintext (marker
 * byte 0) apart; set only on queued rows; cleared with NULL. */
static void sealed_values(void **state) {
    struct rk_store *s = store_of(state);
    rk_ts t0 = ts("2026-03-01T10:00:00Z");
    static const unsigned char plain[] = {0, 'a', '@', 'x'};
    assert_ok(rk_store_begin(s));
    int64_t n1 = notice(s, "crm", RK_NOTICE_ERASURE, t0);
    struct rk_recipient_notice bare = {
        .recipient = "mailer", .person_id = "p2", .kind = RK_NOTICE_ERASURE, .created_at = t0};
    assert_ok(rk_store_recipient_notice_add(s, &bare)); /* no identity: nothing sealed */
    int64_t n3 = notice(s, "mailer", RK_NOTICE_RECTIFICATION, t0);
    assert_ok(rk_store_sealed_set(s, RK_SEALED_NOTICE, n3, plain, sizeof plain));
    int64_t m1 = enqueue(s, "eeeeeeeeeeeeeeeeeeeeeeee21", "a@example.fi", t0);
    int64_t m2 = enqueue(s, "eeeeeeeeeeeeeeeeeeeeeeee22", "b@example.fi", t0);
    assert_rc(rk_store_sealed_set(s, RK_SEALED_OUTBOX, m2 + 100, plain, 1), RK_ENOENT);
    assert_rc(rk_store_sealed_set(s, RK_SEALED__COUNT, m2, plain, 1), RK_EINVAL);
    assert_ok(rk_store_commit(s));

    struct sealed_seen ss = {0};
    assert_ok(rk_store_sealed_list(s, RK_SEALED_NOTICE, 0, false, 0, collect_sealed, &ss));
    assert_int_equal(ss.n, 2);
    assert_true(ss.id[0] == n1 && ss.id[1] == n3);
    assert_string_equal(ss.bind[0], "crm|p1|-");
    assert_string_equal(ss.value[0], "sealed:a@example.fi");
    assert_memory_equal(ss.value[1], plain, sizeof plain);
    memset(&ss, 0, sizeof ss);
    assert_ok(rk_store_sealed_list(s, RK_SEALED_NOTICE, 0, true, 0, collect_sealed, &ss));
    assert_int_equal(ss.n, 1);
    assert_true(ss.id[0] == n3);
    memset(&ss, 0, sizeof ss);
    assert_ok(rk_store_sealed_list(s, RK_SEALED_OUTBOX, 0, false, 1, collect_sealed, &ss));
    assert_int_equal(ss.n, 1); /* the limit */
    assert_true(ss.id[0] == m1);
    assert_string_equal(ss.bind[0], "-|-|eeeeeeeeeeeeeeeeeeeeeeee21");
    memset(&ss, 0, sizeof ss);
    assert_ok(rk_store_sealed_list(s, RK_SEALED_OUTBOX, m1, false, 0, collect_sealed, &ss));
    assert_int_equal(ss.n, 1); /* after the cursor */
    assert_true(ss.id[0] == m2);

    /* Cleared with NULL; then it is listed no more. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_sealed_set(s, RK_SEALED_OUTBOX, m2, NULL, 0));
    assert_ok(rk_store_commit(s));
    assert_false(holds_sealed(s, RK_SEALED_OUTBOX, m2));
    assert_true(holds_sealed(s, RK_SEALED_OUTBOX, m1));
}

/* ---- Retention sweep (migration 0009) ------------------------------------------------ */

struct pairs {
    int n;
    char person[8][RK_ID_LEN + 1];
    char purpose[8][RK_DECL_ID_MAX + 1];
};

static int collect_pair(void *ctx, const char *person, const char *purpose) {
    struct pairs *p = ctx;
    if (p->n >= 8)
        return 1;
    copy(p->person[p->n], sizeof p->person[p->n], person);
    copy(p->purpose[p->n], sizeof p->purpose[p->n], purpose);
    p->n++;
    return 0;
}

static void sweep_lists_what_ran_out(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    struct pairs *p = scratch(sizeof *p);
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    const struct rk_consent_state old = {RK_CONSENT_LIVE, ts("2024-01-01T00:00:00Z"),
                                         ts("2026-01-01T00:00:00Z"), false, 1};
    const struct rk_consent_state older = {RK_CONSENT_LIVE, ts("2023-06-01T00:00:00Z"),
                                           ts("2025-06-01T00:00:00Z"), false, 2};
    const struct rk_consent_state later = {RK_CONSENT_LIVE, ts("2025-01-01T00:00:00Z"),
                                           ts("2027-01-01T00:00:00Z"), false, 3};
    const struct rk_consent_state forever = {RK_CONSENT_LIVE, ts("2020-01-01T00:00:00Z"), 0, false,
                                             4};
    const struct rk_consent_state gone = {RK_CONSENT_WITHDRAWN, 0, ts("2025-01-01T00:00:00Z"),
                                          false, 5};
    assert_ok(rk_store_consent_state_put(s, a, "newsletter", &old));
    assert_ok(rk_store_consent_state_put(s, b, "newsletter", &older));
    assert_ok(rk_store_consent_state_put(s, a, "events", &later));
    assert_ok(rk_store_consent_state_put(s, b, "events", &forever));
    assert_ok(rk_store_consent_state_put(s, b, "surveys", &gone));
    struct rk_signup *u = scratch(sizeof *u);
    copy(u->person_id, sizeof u->person_id, a);
    copy(u->purpose, sizeof u->purpose, "newsletter");
    copy(u->form_id, sizeof u->form_id, "newsletter");
    u->v[RK_F_EMAIL] = "aino@example.fi";
    u->created_at = ts("2026-02-01T00:00:00Z");
    u->expires_at = ts("2026-02-08T00:00:00Z");
    assert_ok(rk_store_signup_put(s, u));
    assert_ok(rk_store_commit(s));

    /* Live and expires_at <= now only, oldest expiry first; the boundary counts. */
    assert_ok(rk_store_consents_run_out(s, ts("2026-01-01T00:00:00Z"), 0, collect_pair, p));
    assert_int_equal(p->n, 2);
    assert_string_equal(p->person[0], b);
    assert_string_equal(p->purpose[0], "newsletter");
    assert_string_equal(p->person[1], a);
    assert_string_equal(p->purpose[1], "newsletter");
    p->n = 0;
    assert_ok(rk_store_consents_run_out(s, ts("2030-01-01T00:00:00Z"), 2, collect_pair, p));
    assert_int_equal(p->n, 2); /* the limit */
    p->n = 0;
    assert_ok(rk_store_consents_run_out(s, ts("2025-05-31T23:59:59Z"), 0, collect_pair, p));
    assert_int_equal(p->n, 0);

    assert_ok(rk_store_signups_run_out(s, ts("2026-02-07T23:59:59Z"), 0, collect_pair, p));
    assert_int_equal(p->n, 0);
    assert_ok(rk_store_signups_run_out(s, ts("2026-02-08T00:00:00Z"), 10, collect_pair, p));
    assert_int_equal(p->n, 1);
    assert_string_equal(p->person[0], a);
    assert_string_equal(p->purpose[0], "newsletter");
}

/* consents_expire (issue 18): a batch of run-out consents expired in one operation. */
struct expired_seen {
    int n;
    char person[8][RK_ID_LEN + 1];
    char purpose[8][RK_DECL_ID_MAX + 1];
    struct rk_consent_state st[8];
};

static int collect_expired(void *ctx, const char *person, const char *purpose,
                           const struct rk_consent_state *st) {
    struct expired_seen *e = ctx;
    if (e->n >= 8)
        return 1;
    copy(e->person[e->n], sizeof e->person[0], person);
    copy(e->purpose[e->n], sizeof e->purpose[0], purpose);
    e->st[e->n++] = *st;
    return 0;
}

static int last_consent_event(void *ctx, const struct rk_consent_event *e) {
    struct rk_consent_event *last = ctx;
    memcpy(last, e, sizeof *last);
    last->notice_version = last->channel = last->collector = NULL; /* borrowed */
    last->form_id = last->ip = last->user_agent = last->evidence = NULL;
    return 0;
}

static void consents_expire_batch(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    const rk_ts now = ts("2026-06-01T00:00:00Z");
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    new_person(s, c);
    int64_t own = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    int64_t shared = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *ea = entry_new("marketing", a, ts("2024-01-01T00:00:00Z"));
    entry_set(ea, RK_F_NAME, "Aino", own);
    entry_set(ea, RK_F_ORGANISATION, "Oma Oy", own);
    entry_set(ea, RK_F_EMAIL, "aino@example.fi", shared);
    struct rk_entry *eb = entry_new("marketing", b, ts("2024-01-01T00:00:00Z"));
    entry_set(eb, RK_F_NAME, "Bertta", own);
    struct rk_entry *ec = entry_new("marketing", c, ts("2024-01-01T00:00:00Z"));
    entry_set(ec, RK_F_NAME, "Cecilia", shared);
    struct rk_entry *ecs = entry_new("customers", a, ts("2024-01-01T00:00:00Z"));
    entry_set(ecs, RK_F_NAME, "Aino", shared);
    assert_ok(rk_store_entry_put(s, ea));
    assert_ok(rk_store_entry_put(s, eb));
    assert_ok(rk_store_entry_put(s, ec));
    assert_ok(rk_store_entry_put(s, ecs));
    /* a: run out, nothing else: leaves marketing. b: run out first, but a live consent for
     * the register's other purpose keeps the entry. c: still valid. b's "surveys" has run
     * out but is not among the purposes expired: left alone. */
    put_state(s, a, "newsletter", RK_CONSENT_LIVE, ts("2024-01-01T00:00:00Z"),
              ts("2026-01-01T00:00:00Z"));
    put_state(s, b, "newsletter", RK_CONSENT_LIVE, ts("2023-06-01T00:00:00Z"),
              ts("2025-06-01T00:00:00Z"));
    put_state(s, b, "events", RK_CONSENT_LIVE, ts("2025-01-01T00:00:00Z"),
              ts("2027-01-01T00:00:00Z"));
    put_state(s, b, "surveys", RK_CONSENT_LIVE, ts("2023-01-01T00:00:00Z"),
              ts("2025-01-01T00:00:00Z"));
    put_state(s, c, "newsletter", RK_CONSENT_LIVE, ts("2025-01-01T00:00:00Z"),
              ts("2027-01-01T00:00:00Z"));
    assert_ok(rk_store_commit(s));

    struct rk_consent_event *tmpl = scratch(sizeof *tmpl);
    consent_event_init(tmpl, "", "", RK_CE_EXPIRED, now);
    tmpl->channel = "retention_sweep";
    tmpl->collector = "sweep";
    const char *purposes[] = {"newsletter", "events"};
    const struct rk_expiry_register regs[] = {{"marketing", purposes, 2}};
    const struct rk_expiry x = {purposes, 2, regs, 1, tmpl};
    struct expired_seen *seen = scratch(sizeof *seen);
    int64_t n = -1;
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_consents_expire(s, now, 1, &x, collect_expired, seen, &n));
    assert_int_equal(n, 1); /* the limit: the oldest expiry first */
    assert_string_equal(seen->person[0], b);
    assert_ok(rk_store_consents_expire(s, now, 10, &x, collect_expired, seen, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_commit(s));
    assert_int_equal(seen->n, 2);
    assert_string_equal(seen->person[1], a);
    assert_string_equal(seen->purpose[1], "newsletter");
    for (int i = 0; i < 2; i++) {
        struct rk_consent_state st;
        struct rk_consent_event *last = scratch(sizeof *last);
        assert_int_equal(seen->st[i].status, RK_CONSENT_EXPIRED);
        assert_ok(rk_store_consent_state_get(s, seen->person[i], "newsletter", &st));
        assert_int_equal(st.status, RK_CONSENT_EXPIRED);
        assert_false(st.renewal_pending);
        assert_int_equal(st.expires_at, seen->st[i].expires_at);
        assert_int_equal(st.last_seq, seen->st[i].last_seq);
        assert_ok(rk_store_consent_events(s, seen->person[i], last_consent_event, last));
        assert_int_equal(last->seq, st.last_seq);
        assert_int_equal(last->kind, RK_CE_EXPIRED);
        assert_string_equal(last->purpose, "newsletter");
        assert_int_equal(last->at, now);
    }
    struct rk_consent_state st;
    assert_ok(rk_store_consent_state_get(s, b, "surveys", &st));
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_ok(rk_store_consent_state_get(s, c, "newsletter", &st));
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    /* a left marketing (not customers); the row only its entry cited went with it. */
    struct rk_entry *got = scratch(sizeof *got);
    assert_rc(rk_store_entry_get(s, "marketing", a, got), RK_ENOENT);
    assert_ok(rk_store_entry_get(s, "customers", a, got));
    assert_ok(rk_store_entry_get(s, "marketing", b, got));
    assert_ok(rk_store_entry_get(s, "marketing", c, got));
    char buf[256];
    struct rk_provenance pv;
    assert_ok(rk_store_provenance_get(s, own, &pv, buf, sizeof buf)); /* b's entry cites it */
    assert_ok(rk_store_provenance_get(s, shared, &pv, buf, sizeof buf));
    bool gone = true;
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_organisation_delete_unused(s, "Oma Oy", &gone));
    assert_false(gone); /* already deleted with a's entry */
    /* Nothing left to do: no event, no change. */
    assert_ok(rk_store_consents_expire(s, now, 10, &x, collect_expired, seen, &n));
    assert_int_equal(n, 0);
    assert_ok(rk_store_commit(s));
    assert_int_equal(seen->n, 2);
    /* A lone entry's own provenance row goes: b's consents all run out. */
    assert_ok(rk_store_begin(s));
    assert_ok(
        rk_store_consents_expire(s, ts("2027-06-01T00:00:00Z"), 10, &x, collect_expired, seen, &n));
    assert_int_equal(n, 2); /* b's events, c's newsletter */
    assert_ok(rk_store_commit(s));
    assert_int_equal(seen->n, 4); /* named in the ledger's order */
    assert_true(seen->st[2].last_seq < seen->st[3].last_seq);
    assert_true(seen->st[1].last_seq < seen->st[2].last_seq);
    assert_rc(rk_store_entry_get(s, "marketing", b, got), RK_ENOENT);
    assert_rc(rk_store_entry_get(s, "marketing", c, got), RK_ENOENT);
    assert_rc(rk_store_provenance_get(s, own, &pv, buf, sizeof buf), RK_ENOENT);
    assert_ok(rk_store_provenance_get(s, shared, &pv, buf, sizeof buf)); /* customers cites it */
}

/* ---- Retention rules (retention) ---- */

struct rows_seen {
    int n;
    struct rk_retention_row r[8];
};

static int collect_retention(void *ctx, const struct rk_retention_row *r) {
    struct rows_seen *rs = ctx;
    if (rs->n >= 8)
        return 1;
    rs->r[rs->n++] = *r;
    return 0;
}

static int collect_contract_id(void *ctx, const struct rk_contract *c) {
    struct pairs *p = ctx;
    if (p->n >= 8)
        return 1;
    copy(p->person[p->n], sizeof p->person[p->n], c->person_id);
    copy(p->purpose[p->n], sizeof p->purpose[p->n], c->id);
    p->n++;
    return 0;
}

static void retention_listings_and_purges(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    struct rows_seen *rs = scratch(sizeof *rs);
    struct pairs *p = scratch(sizeof *p);
    struct rk_contract ca, cb, cb2;
    struct rk_invoice inv;
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    new_person(s, c);
    const char *ids[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        int64_t prov = new_provenance(s, RK_SRC_CONTRACT, "service");
        struct rk_entry *e = entry_new("customers", ids[i], ts("2026-03-01T00:00:00Z"));
        entry_set(e, RK_F_NAME, "Asiakas", prov);
        assert_ok(rk_store_entry_put(s, e));
    }
    struct rk_entry *other = entry_new("news", a, ts("2026-03-01T00:00:00Z"));
    assert_ok(rk_store_entry_put(s, other));
    contract_init(&ca, a, "customers", "Lounas", date(2026, 1, 1), date(2026, 6, 30));
    contract_init(&cb, b, "customers", "Lounas", date(2025, 1, 1), date(2025, 12, 31));
    contract_init(&cb2, b, "customers", "Virike", date(2026, 1, 1), date(0, 0, 0));
    assert_ok(rk_store_contract_insert(s, &ca));
    assert_ok(rk_store_contract_insert(s, &cb));
    assert_ok(rk_store_contract_insert(s, &cb2));
    assert_ok(rk_store_person_flags_set(s, c, true, false));
    invoice_init(&inv, a, ca.id, "R-9", date(2026, 1, 31), 100, date(2032, 12, 31));
    assert_ok(rk_store_invoice_insert(s, &inv));
    assert_ok(rk_store_commit(s));

    /* Every entry of the register once, in key order, with its contracts there. */
    assert_ok(rk_store_retention_entries(s, "customers", 0, 0, collect_retention, rs));
    assert_int_equal(rs->n, 3);
    for (int i = 0; i < 3; i++) {
        const struct rk_retention_row *r = &rs->r[i];
        if (i)
            assert_true(r->key > rs->r[i - 1].key);
        assert_true(r->since == ts("2026-03-01T00:00:00Z"));
        if (strcmp(r->person_id, a) == 0) {
            assert_int_equal(r->contracts, 1);
            assert_false(r->open);
            assert_int_equal(rk_date_cmp(r->last_end, date(2026, 6, 30)), 0);
        } else if (strcmp(r->person_id, b) == 0) {
            assert_int_equal(r->contracts, 2);
            assert_true(r->open);
            assert_int_equal(rk_date_cmp(r->last_end, date(2025, 12, 31)), 0);
        } else {
            assert_string_equal(r->person_id, c);
            assert_int_equal(r->contracts, 0);
            assert_int_equal(r->last_end.y, 0);
            assert_true(r->restricted);
        }
    }
    /* The cursor and the limit. */
    int64_t first = rs->r[0].key;
    rs->n = 0;
    assert_ok(rk_store_retention_entries(s, "customers", first, 1, collect_retention, rs));
    assert_int_equal(rs->n, 1);
    assert_true(rs->r[0].key > first);
    rs->n = 0;
    assert_ok(rk_store_retention_entries(s, "news", 0, 0, collect_retention, rs));
    assert_int_equal(rs->n, 1);
    assert_int_equal(rs->r[0].contracts, 0); /* contracts of another register do not count */

    /* Kept invoices: restricted and keep_until before today only. */
    assert_ok(rk_store_kept_invoices_run_out(s, date(2033, 1, 1), 0, collect_pair, p));
    assert_int_equal(p->n, 0);
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_invoice_restrict(s, inv.id));
    assert_ok(rk_store_contract_restrict(s, ca.id));
    assert_ok(rk_store_contract_restrict(s, cb.id));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_kept_invoices_run_out(s, date(2032, 12, 31), 0, collect_pair, p));
    assert_int_equal(p->n, 0);
    assert_ok(rk_store_kept_invoices_run_out(s, date(2033, 1, 1), 0, collect_pair, p));
    assert_int_equal(p->n, 1);
    assert_string_equal(p->person[0], inv.id);
    assert_string_equal(p->purpose[0], a);
    /* Kept contracts: restricted, no invoice on them, after the cursor. */
    p->n = 0;
    assert_ok(rk_store_kept_contracts(s, NULL, 0, collect_contract_id, p));
    assert_int_equal(p->n, 1);
    assert_string_equal(p->purpose[0], cb.id);
    assert_string_equal(p->person[0], b);
    p->n = 0;
    assert_ok(rk_store_kept_contracts(s, cb.id, 0, collect_contract_id, p));
    assert_int_equal(p->n, 0);

    /* Purges: finished before the instant only; a dry run counts. */
    int64_t m1 = 0, m2 = 0, n = -1;
    struct rk_outbox_msg m = {.message_id = "ret-1",
                              .kind = "confirm",
                              .recipient = "x@example.fi",
                              .subject = "s",
                              .body = "b",
                              .created_at = ts("2026-01-01T00:00:00Z")};
    struct rk_recipient_notice rn = {.recipient = "crm",
                                     .person_id = a,
                                     .kind = RK_NOTICE_ERASURE,
                                     .created_at = ts("2026-01-01T00:00:00Z")};
    struct rk_recipient_notice rq = rn;
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_outbox_enqueue(s, &m, &m1));
    m.message_id = "ret-2";
    assert_ok(rk_store_outbox_enqueue(s, &m, &m2));
    assert_ok(rk_store_outbox_mark_sent(s, m1, ts("2026-01-02T00:00:00Z")));
    assert_ok(rk_store_recipient_notice_add(s, &rn));
    assert_ok(rk_store_recipient_notice_add(s, &rq));
    assert_ok(rk_store_recipient_notice_mark_done(s, rn.id, ts("2026-01-02T00:00:00Z")));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_outbox_purge(s, ts("2026-01-02T00:00:00Z"), 0, false, &n));
    assert_int_equal(n, 0); /* not before */
    assert_ok(rk_store_outbox_purge(s, ts("2026-01-03T00:00:00Z"), 0, true, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_recipient_notice_purge(s, ts("2026-01-03T00:00:00Z"), 0, true, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_outbox_purge(s, ts("2026-01-03T00:00:00Z"), 10, false, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_recipient_notice_purge(s, ts("2026-01-03T00:00:00Z"), 10, false, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_commit(s));
    int64_t left = 0;
    assert_ok(rk_store_outbox_count(s, RK_OUTBOX_QUEUED, &left));
    assert_int_equal(left, 1);
    assert_ok(rk_store_outbox_count(s, RK_OUTBOX_SENT, &left));
    assert_int_equal(left, 0);
    assert_ok(rk_store_recipient_notice_count(s, RK_NOTICE_QUEUED, &left));
    assert_int_equal(left, 1);
    assert_ok(rk_store_recipient_notice_count(s, RK_NOTICE_DONE, &left));
    assert_int_equal(left, 0);
}

/* ---- The mail limit and savepoints (migration 0013) ----------------------------------- */

static void mail_limit_count_add_prune(void **state) {
    struct rk_store *s = store_of(state);
    unsigned char a[RK_HASH_LEN], b[RK_HASH_LEN];
    memset(a, 0xaa, sizeof a);
    memset(b, 0xbb, sizeof b);
    rk_ts t = ts("2026-03-01T10:00:00Z");
    int64_t n = -1;
    rk_ts last = -1;
    assert_ok(rk_store_mail_limit_count(s, a, t - 86399, &n, &last));
    assert_int_equal(n, 0);
    assert_int_equal(last, 0);
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_mail_limit_add(s, a, t, t - 86399));
    assert_ok(rk_store_mail_limit_add(s, a, t + 600, t - 86399));
    assert_ok(rk_store_mail_limit_add(s, b, t + 60, t - 86399));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_mail_limit_count(s, a, t - 86399, &n, &last));
    assert_int_equal(n, 2);
    assert_int_equal(last, t + 600);
    assert_ok(rk_store_mail_limit_count(s, a, t + 1, &n, &last)); /* only from since on */
    assert_int_equal(n, 1);
    assert_ok(rk_store_mail_limit_count(s, b, t - 86399, &n, &last));
    assert_int_equal(n, 1);
    assert_int_equal(last, t + 60);
    /* a row written a day later deletes every row before its prune_before, any recipient */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_mail_limit_add(s, b, t + 86400 + 60, t + 61));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_mail_limit_count(s, a, 0, &n, &last));
    assert_int_equal(n, 1); /* t + 600 stays */
    assert_ok(rk_store_mail_limit_count(s, b, 0, &n, &last));
    assert_int_equal(n, 1);
    assert_int_equal(last, t + 86400 + 60);
}

/* Appends one event with every hash byte tag, chained to the end audit_last reports (as
 * rk_audit_append does, without the keyed hash); returns its seq. */
static int64_t audit_append(struct rk_store *s, unsigned char tag) {
    struct rk_audit_event e = {.at = ts("2026-03-01T10:00:00Z"),
                               .actor = "anna",
                               .action = "person.read",
                               .person_id = NULL,
                               .detail = "t"};
    int64_t last = -1;
    rk_err err = rk_store_audit_last(s, &last, e.prev);
    if (err == RK_ENOENT) {
        last = 0;
        memset(e.prev, 0, RK_HASH_LEN);
    } else {
        assert_ok(err);
    }
    e.seq = last + 1;
    memset(e.hash, tag, RK_HASH_LEN);
    assert_ok(rk_store_audit_insert(s, &e));
    return e.seq;
}

struct audit_walk {
    int64_t n;
    unsigned char head[RK_HASH_LEN];
    unsigned char tags[16];
};

/* Each row must be the next seq and link to the row before it. */
static int audit_walk_one(void *ctx, const struct rk_audit_event *e) {
    struct audit_walk *w = ctx;
    assert_int_equal(e->seq, w->n + 1);
    assert_memory_equal(e->prev, w->head, RK_HASH_LEN);
    memcpy(w->head, e->hash, RK_HASH_LEN);
    if (w->n < (int64_t)sizeof w->tags)
        w->tags[w->n] = e->hash[0];
    w->n++;
    return 0;
}

/* The chain's end as transactions see it: the appends of one transaction chain to one
 * another (each backend remembers the end it wrote, and PostgreSQL moves its head row once,
 * at commit), a rollback or an undone savepoint forgets what it undid, and the next
 * transaction, on this handle or another, goes on from what was committed: the seqs stay
 * gapless and every row links to the one before. */
static void audit_head_across_transactions(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s;
    int64_t seq = -1;
    unsigned char h[RK_HASH_LEN];
    assert_rc(rk_store_audit_last(s, &seq, h), RK_ENOENT);
    assert_ok(rk_store_begin(s));
    assert_int_equal(audit_append(s, 1), 1);
    assert_int_equal(audit_append(s, 2), 2);
    assert_int_equal(audit_append(s, 3), 3);
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_begin(s)); /* rolled back: 4 and 5 are gone */
    assert_int_equal(audit_append(s, 4), 4);
    assert_int_equal(audit_append(s, 5), 5);
    rk_store_rollback(s);
    assert_ok(rk_store_begin(s));
    assert_int_equal(audit_append(s, 6), 4);
    assert_ok(rk_store_savepoint(s)); /* undone: 7 is gone */
    assert_int_equal(audit_append(s, 7), 5);
    assert_ok(rk_store_savepoint_end(s, true));
    assert_int_equal(audit_append(s, 8), 5);
    assert_ok(rk_store_savepoint(s)); /* kept */
    assert_int_equal(audit_append(s, 9), 6);
    assert_ok(rk_store_savepoint_end(s, false));
    assert_int_equal(audit_append(s, 10), 7);
    assert_ok(rk_store_savepoint(s)); /* undone last: the commit keeps 10 as the end */
    assert_int_equal(audit_append(s, 11), 8);
    assert_ok(rk_store_savepoint_end(s, true));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_audit_last(s, &seq, h));
    assert_int_equal(seq, 7);
    assert_int_equal(h[0], 10);
    assert_ok(rk_store_begin(s)); /* a savepoint holding all of a transaction's appends */
    assert_ok(rk_store_savepoint(s));
    assert_int_equal(audit_append(s, 12), 8);
    assert_ok(rk_store_savepoint_end(s, true));
    assert_ok(rk_store_commit(s));

    /* Another handle (another instance, on PostgreSQL) goes on from the committed end. */
    struct rk_store *other = NULL;
    struct rk_error why = RK_ERROR_INIT;
    assert_ok(rk_store_open(fx->location, NULL, &other, &why));
    assert_ok(rk_store_begin(other));
    assert_int_equal(audit_append(other, 13), 8);
    assert_ok(rk_store_commit(other));
    rk_store_close(other);
    assert_ok(rk_store_begin(s));
    assert_int_equal(audit_append(s, 14), 9);
    assert_ok(rk_store_commit(s));

    struct audit_walk w = {.n = 0};
    assert_ok(rk_store_audit_scan(s, 1, NULL, audit_walk_one, &w));
    assert_int_equal(w.n, 9);
    assert_memory_equal(w.tags, ((unsigned char[]){1, 2, 3, 6, 8, 9, 10, 13, 14}), 9);
    assert_ok(rk_store_audit_last(s, &seq, h));
    assert_int_equal(seq, 9);
    assert_int_equal(h[0], 14);
}

static void savepoints(void **state) {
    struct rk_store *s = store_of(state);
    char kept[RK_ID_LEN + 1], undone[RK_ID_LEN + 1], inner[RK_ID_LEN + 1], after[RK_ID_LEN + 1];
    rk_ts t = ts("2026-03-01T10:00:00Z");
    assert_rc(rk_store_savepoint(s), RK_EINVAL); /* outside a write transaction */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_savepoint(s));
    new_person(s, kept);
    assert_ok(rk_store_savepoint(s)); /* nested */
    new_person(s, inner);
    assert_ok(rk_store_savepoint_end(s, true));
    assert_ok(rk_store_savepoint_end(s, false));
    assert_ok(rk_store_savepoint(s));
    new_person(s, undone);
    assert_ok(rk_store_mail_limit_add(s, (unsigned char[RK_HASH_LEN]){1}, t, t - 86399));
    assert_ok(rk_store_savepoint_end(s, true));
    new_person(s, after); /* the transaction goes on */
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_person_exists(s, kept, NULL, NULL));
    assert_ok(rk_store_person_exists(s, after, NULL, NULL));
    assert_rc(rk_store_person_exists(s, inner, NULL, NULL), RK_ENOENT);
    assert_rc(rk_store_person_exists(s, undone, NULL, NULL), RK_ENOENT);
    int64_t n = -1;
    rk_ts last = 0;
    assert_ok(rk_store_mail_limit_count(s, (unsigned char[RK_HASH_LEN]){1}, 0, &n, &last));
    assert_int_equal(n, 0);
}

/* The cookie-consent log (migration 0018): versions kept once with their first text, choices
 * only under a known version, read back per consent id oldest first, counted per action in a
 * time window, purged by time. */
struct choices_seen {
    int n;
    struct rk_cookie_choice last;
    enum rk_cookie_action order[4];
};

static int take_choice(void *ctx, const struct rk_cookie_choice *c) {
    struct choices_seen *cs = ctx;
    if (cs->n < 4)
        cs->order[cs->n] = c->action;
    cs->n++;
    cs->last = *c;
    return 0;
}

static int take_config(void *ctx, const char *version, const char *config, rk_ts first_seen) {
    (void)version;
    snprintf(ctx, 64, "%s|%lld", config, (long long)first_seen);
    return 0;
}

static void cookie_choice(struct rk_cookie_choice *c, const char *id, enum rk_cookie_action a,
                          const char *version, rk_ts at) {
    memset(c, 0, sizeof *c);
    snprintf(c->consent_id, sizeof c->consent_id, "%s", id);
    snprintf(c->choices, sizeof c->choices, "{\"analytics\":%s}",
             a == RK_COOKIE_ACCEPT_ALL ? "true" : "false");
    snprintf(c->version, sizeof c->version, "%s", version);
    c->action = a;
    c->at = at;
    c->lang = RK_LANG_EN;
    c->gpc = a == RK_COOKIE_REJECT_ALL;
}

static void consent_log(void **state) {
    struct rk_store *s = store_of(state);
    const char *v1 = "0123456789abcdef", *v2 = "fedcba9876543210";
    const char *id = "AbCdEfGhIjKlMnOpQrStUv", *other = "other-browser-0000000000";
    rk_ts t0 = ts("2026-03-01T09:00:00Z");
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_consent_version_put(s, v1, "{\"v\":1}", t0));
    assert_ok(rk_store_consent_version_put(s, v1, "{\"v\":\"changed\"}", t0 + 99)); /* kept */
    assert_ok(rk_store_commit(s));
    char got[64];
    assert_ok(rk_store_consent_version_get(s, v1, take_config, got));
    char want[64];
    snprintf(want, sizeof want, "{\"v\":1}|%lld", (long long)t0);
    assert_string_equal(got, want);
    assert_rc(rk_store_consent_version_get(s, v2, take_config, got), RK_ENOENT);

    struct rk_cookie_choice c;
    assert_ok(rk_store_begin(s));
    cookie_choice(&c, id, RK_COOKIE_ACCEPT_ALL, v1, t0 + 10);
    assert_ok(rk_store_consent_log_add(s, &c));
    cookie_choice(&c, id, RK_COOKIE_WITHDRAW, v1, t0 + 20);
    assert_ok(rk_store_consent_log_add(s, &c));
    cookie_choice(&c, other, RK_COOKIE_REJECT_ALL, v1, t0 + 86400);
    assert_ok(rk_store_consent_log_add(s, &c));
    cookie_choice(&c, other, RK_COOKIE_CUSTOM, v2, t0 + 30); /* an unknown version */
    assert_rc(rk_store_consent_log_add(s, &c), RK_EINVAL);
    assert_ok(rk_store_commit(s));

    struct choices_seen cs = {0};
    assert_ok(rk_store_consent_log_get(s, id, take_choice, &cs));
    assert_int_equal(cs.n, 2);
    assert_int_equal(cs.order[0], RK_COOKIE_ACCEPT_ALL);
    assert_int_equal(cs.order[1], RK_COOKIE_WITHDRAW);
    assert_string_equal(cs.last.consent_id, id);
    assert_string_equal(cs.last.choices, "{\"analytics\":false}");
    assert_string_equal(cs.last.version, v1);
    assert_true(cs.last.at == t0 + 20);
    assert_int_equal(cs.last.lang, RK_LANG_EN);
    assert_false(cs.last.gpc);
    memset(&cs, 0, sizeof cs);
    assert_ok(rk_store_consent_log_get(s, other, take_choice, &cs));
    assert_int_equal(cs.n, 1);
    assert_true(cs.last.gpc);
    assert_rc(rk_store_consent_log_get(s, "nobody-000000000000000000", take_choice, &cs),
              RK_ENOENT);

    int64_t counts[RK_COOKIE__COUNT];
    assert_ok(rk_store_consent_log_counts(s, t0, t0 + 86400, counts));
    assert_int_equal(counts[RK_COOKIE_ACCEPT_ALL], 1);
    assert_int_equal(counts[RK_COOKIE_WITHDRAW], 1);
    assert_int_equal(counts[RK_COOKIE_REJECT_ALL], 0); /* the next day */
    assert_int_equal(counts[RK_COOKIE_CUSTOM], 0);

    /* Purged by time: a dry run counts, a run deletes at most limit. */
    int64_t n = -1;
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_consent_log_purge(s, t0 + 86400, 0, true, &n));
    assert_int_equal(n, 2);
    assert_ok(rk_store_consent_log_purge(s, t0 + 86400, 1, false, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_consent_log_purge(s, t0 + 86400, 10, false, &n));
    assert_int_equal(n, 1);
    assert_ok(rk_store_commit(s));
    assert_rc(rk_store_consent_log_get(s, id, take_choice, &cs), RK_ENOENT);
    memset(&cs, 0, sizeof cs);
    assert_ok(rk_store_consent_log_get(s, other, take_choice, &cs));
    assert_int_equal(cs.n, 1);
}

/* ---- Disclosures (migration 0019) ----------------------------------------------------------- */

/* Copies of the disclosure rows a callback saw. */
struct disc_seen {
    int n;
    char recipient[4][32], person[4][RK_ID_LEN + 1], error[4][64], remote[4][32];
    enum rk_held held[4];
    unsigned char digest[4][RK_DISCLOSURE_DIGEST_LEN];
    rk_ts first_at[4], last_at[4], error_at[4];
    bool has_error[4], has_remote[4];
};

static int collect_disc(void *ctx, const struct rk_disclosure *d) {
    struct disc_seen *ds = ctx;
    if (ds->n == 4)
        return 1;
    int i = ds->n++;
    copy(ds->recipient[i], sizeof ds->recipient[i], d->recipient);
    copy(ds->person[i], sizeof ds->person[i], d->person_id);
    ds->held[i] = d->held;
    memcpy(ds->digest[i], d->digest, sizeof d->digest);
    ds->first_at[i] = d->first_at;
    ds->last_at[i] = d->last_at;
    ds->error_at[i] = d->error_at;
    ds->has_error[i] = d->error != NULL;
    if (d->error)
        copy(ds->error[i], sizeof ds->error[i], d->error);
    ds->has_remote[i] = d->remote_sealed != NULL;
    if (d->remote_sealed) {
        assert_true(d->remote_sealed_len < sizeof ds->remote[i]);
        memcpy(ds->remote[i], d->remote_sealed, d->remote_sealed_len);
        ds->remote[i][d->remote_sealed_len] = '\0';
    }
    return 0;
}

/* A put inserts, a second replaces but keeps first_at, a refusal keeps the held state and a
 * later put clears it; a refusal of a person never disclosed creates a row that holds none. */
static void disclosure_round_trip(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], nobody[RK_ID_LEN + 1];
    rk_id_new(nobody);
    rk_ts t1 = ts("2026-03-01T10:00:00Z"), t2 = ts("2026-03-02T10:00:00Z"),
          t3 = ts("2026-03-03T10:00:00Z");
    struct disc_seen ds = {0};
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    assert_rc(rk_store_disclosure_get(s, "mailchimp", a, collect_disc, &ds), RK_ENOENT);
    struct rk_disclosure d = {.recipient = "mailchimp",
                              .held = RK_HELD_ACTIVE,
                              .remote_sealed = (const unsigned char *)"hash-1",
                              .remote_sealed_len = 6,
                              .first_at = t1,
                              .last_at = t1};
    memset(d.digest, 0xab, sizeof d.digest);
    copy(d.person_id, sizeof d.person_id, a);
    assert_ok(rk_store_disclosure_put(s, &d));
    copy(d.person_id, sizeof d.person_id, nobody);
    assert_rc(rk_store_disclosure_put(s, &d), RK_ENOENT);
    assert_rc(rk_store_disclosure_fail(s, "mailchimp", nobody, "400 Forgotten", t1), RK_ENOENT);
    d.held = RK_HELD__COUNT;
    assert_rc(rk_store_disclosure_put(s, &d), RK_EINVAL);
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_disclosure_get(s, "mailchimp", a, collect_disc, &ds));
    assert_int_equal(ds.n, 1);
    assert_string_equal(ds.recipient[0], "mailchimp");
    assert_string_equal(ds.person[0], a);
    assert_int_equal(ds.held[0], RK_HELD_ACTIVE);
    assert_int_equal(ds.digest[0][15], 0xab);
    assert_string_equal(ds.remote[0], "hash-1");
    assert_true(ds.first_at[0] == t1 && ds.last_at[0] == t1);
    assert_false(ds.has_error[0]);
    assert_true(ds.error_at[0] == 0);
    assert_rc(rk_store_disclosure_get(s, "salesforce", a, collect_disc, &ds), RK_ENOENT);

    /* Replaced: held, digest, remote and last_at; first_at kept. */
    assert_ok(rk_store_begin(s));
    d = (struct rk_disclosure){
        .recipient = "mailchimp", .held = RK_HELD_RESTRICTED, .first_at = t2, .last_at = t2};
    memset(d.digest, 0xcd, sizeof d.digest);
    copy(d.person_id, sizeof d.person_id, a);
    assert_ok(rk_store_disclosure_put(s, &d));
    assert_ok(rk_store_disclosure_fail(s, "mailchimp", a, "400 Member In Compliance State", t3));
    assert_ok(rk_store_disclosure_fail(s, "salesforce", b, "400 FIELD_CUSTOM_VALIDATION", t3));
    assert_ok(rk_store_commit(s));
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosure_get(s, "mailchimp", a, collect_disc, &ds));
    assert_int_equal(ds.held[0], RK_HELD_RESTRICTED);
    assert_int_equal(ds.digest[0][0], 0xcd);
    assert_false(ds.has_remote[0]);
    assert_true(ds.first_at[0] == t1 && ds.last_at[0] == t2);
    assert_true(ds.has_error[0]);
    assert_string_equal(ds.error[0], "400 Member In Compliance State");
    assert_true(ds.error_at[0] == t3); /* when the refusal was recorded */
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosure_get(s, "salesforce", b, collect_disc, &ds));
    assert_int_equal(ds.held[0], RK_HELD_NONE);
    assert_true(ds.first_at[0] == 0 && ds.last_at[0] == 0);
    assert_string_equal(ds.error[0], "400 FIELD_CUSTOM_VALIDATION");

    /* A put clears the refusal; a refused row's first put sets first_at. */
    assert_ok(rk_store_begin(s));
    d = (struct rk_disclosure){
        .recipient = "salesforce", .held = RK_HELD_ACTIVE, .first_at = t3, .last_at = t3};
    copy(d.person_id, sizeof d.person_id, b);
    assert_ok(rk_store_disclosure_put(s, &d));
    assert_ok(rk_store_commit(s));
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosure_get(s, "salesforce", b, collect_disc, &ds));
    assert_int_equal(ds.held[0], RK_HELD_ACTIVE);
    assert_false(ds.has_error[0]);
    assert_true(ds.first_at[0] == t3);
    assert_true(ds.error_at[0] == 0);
    static const unsigned char zero[RK_DISCLOSURE_DIGEST_LEN];
    assert_memory_equal(ds.digest[0], zero, sizeof zero); /* none given: none kept */

    /* Listings: a recipient's rows, a person's rows of every recipient (by recipient). */
    assert_ok(rk_store_begin(s));
    d = (struct rk_disclosure){
        .recipient = "mailchimp", .held = RK_HELD_ACTIVE, .first_at = t3, .last_at = t3};
    copy(d.person_id, sizeof d.person_id, b);
    assert_ok(rk_store_disclosure_put(s, &d));
    assert_ok(rk_store_commit(s));
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosure_each(s, "mailchimp", collect_disc, &ds));
    assert_int_equal(ds.n, 2);
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosure_each(s, "nobody", collect_disc, &ds));
    assert_int_equal(ds.n, 0);
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosures_of_person(s, b, collect_disc, &ds));
    assert_int_equal(ds.n, 2);
    assert_string_equal(ds.recipient[0], "mailchimp");
    assert_string_equal(ds.recipient[1], "salesforce");
    memset(&ds, 0, sizeof ds);
    assert_ok(rk_store_disclosures_of_person(s, nobody, collect_disc, &ds));
    assert_int_equal(ds.n, 0);

    /* A callback's non-zero return stops the listing. */
    memset(&ds, 0, sizeof ds);
    ds.n = 4;
    assert_ok(rk_store_disclosure_each(s, "mailchimp", collect_disc, &ds));
    assert_int_equal(ds.n, 4);
}

struct event_seen {
    int n;
    char line[8][128];
};

static int collect_event(void *ctx, const struct rk_disclosure_event *ev) {
    struct event_seen *es = ctx;
    if (es->n == 8)
        return 1;
    char at[RK_TS_LEN + 1];
    rk_ts_format(ev->at, at);
    snprintf(es->line[es->n++], sizeof es->line[0], "%s %s [%s] %s", ev->recipient, ev->action,
             ev->categories, at);
    return 0;
}

static int collect_sync(void *ctx, const struct rk_recipient_sync *rs) {
    struct rk_recipient_sync *out = ctx;
    *out = *rs;
    out->recipient = NULL;                        /* valid only during the callback */
    out->last_error = rs->last_error ? "" : NULL; /* whether there was one */
    assert_true(!rs->last_error || strcmp(rs->last_error, "429 Too Many Requests") == 0);
    return 0;
}

/* Events read back oldest first; the refused actions are refused; the person's erasure takes
 * their disclosures and events (and the census counts both); sync rows round-trip. */
static void disclosure_events_and_erasure(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], nobody[RK_ID_LEN + 1];
    rk_id_new(nobody);
    rk_ts t1 = ts("2026-03-01T10:00:00Z"), t2 = ts("2026-03-02T10:00:00Z");
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    assert_ok(rk_store_disclosure_event_add(s, a, "mailchimp", "added", "name,email", t1));
    assert_ok(rk_store_disclosure_event_add(s, a, "salesforce", "added", "email", t1));
    assert_ok(rk_store_disclosure_event_add(s, a, "mailchimp", "restricted", "", t2));
    assert_ok(rk_store_disclosure_event_add(s, b, "mailchimp", "removed", NULL, t2));
    assert_rc(rk_store_disclosure_event_add(s, nobody, "mailchimp", "added", "email", t1),
              RK_ENOENT);
    assert_rc(rk_store_disclosure_event_add(s, a, "mailchimp", "sold", "email", t1), RK_EINVAL);
    struct rk_disclosure d = {.recipient = "mailchimp", .held = RK_HELD_ACTIVE, .last_at = t1};
    copy(d.person_id, sizeof d.person_id, a);
    assert_ok(rk_store_disclosure_put(s, &d));
    copy(d.person_id, sizeof d.person_id, b);
    assert_ok(rk_store_disclosure_put(s, &d));
    assert_ok(rk_store_commit(s));

    struct event_seen es = {0};
    assert_ok(rk_store_disclosure_events_of_person(s, a, collect_event, &es));
    assert_int_equal(es.n, 3);
    assert_string_equal(es.line[0], "mailchimp added [name,email] 2026-03-01T10:00:00Z");
    assert_string_equal(es.line[1], "salesforce added [email] 2026-03-01T10:00:00Z");
    assert_string_equal(es.line[2], "mailchimp restricted [] 2026-03-02T10:00:00Z");

    struct rk_census c;
    assert_ok(rk_store_census(s, NULL, &c));
    assert_int_equal(c.disclosures, 2);
    assert_int_equal(c.disclosure_events, 4);
    assert_ok(rk_store_census(s, a, &c));
    assert_int_equal(c.disclosures, 1);
    assert_int_equal(c.disclosure_events, 3);

    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_person_delete(s, a));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_census(s, a, &c));
    assert_int_equal(c.disclosures, 0);
    assert_int_equal(c.disclosure_events, 0);
    assert_ok(rk_store_census(s, NULL, &c));
    assert_int_equal(c.disclosures, 1);
    assert_int_equal(c.disclosure_events, 1);
    memset(&es, 0, sizeof es);
    assert_ok(rk_store_disclosure_events_of_person(s, a, collect_event, &es));
    assert_int_equal(es.n, 0);

    /* The recipient's sync passes. */
    struct rk_recipient_sync rs = {0};
    assert_rc(rk_store_recipient_sync_get(s, "mailchimp", collect_sync, &rs), RK_ENOENT);
    assert_ok(rk_store_begin(s));
    struct rk_recipient_sync w = {.recipient = "mailchimp",
                                  .last_pass_at = t2,
                                  .complete_at = t1,
                                  .next_at = t2 + 60,
                                  .attempts = 2,
                                  .last_error = "429 Too Many Requests",
                                  .added = 5,
                                  .changed = 4,
                                  .removed = 3,
                                  .failed = 1};
    assert_ok(rk_store_recipient_sync_put(s, &w));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_recipient_sync_get(s, "mailchimp", collect_sync, &rs));
    assert_true(rs.last_pass_at == t2 && rs.complete_at == t1 && rs.next_at == t2 + 60);
    assert_int_equal(rs.attempts, 2);
    assert_non_null(rs.last_error);
    assert_true(rs.added == 5 && rs.changed == 4 && rs.removed == 3 && rs.failed == 1);
    assert_ok(rk_store_begin(s));
    w = (struct rk_recipient_sync){
        .recipient = "mailchimp", .last_pass_at = t2, .complete_at = t2, .added = 1};
    assert_ok(rk_store_recipient_sync_put(s, &w));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_recipient_sync_get(s, "mailchimp", collect_sync, &rs));
    assert_true(rs.complete_at == t2 && rs.next_at == 0 && rs.attempts == 0);
    assert_null(rs.last_error);
}

/* A disclosure's sealed remote key is listed and re-sealed like the other sealed values (key
 * rotation), bound to its recipient and person; a row without one is not listed. */
static void disclosure_sealed(void **state) {
    struct rk_store *s = store_of(state);
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    static const unsigned char plain[] = {0, 'h', '1'};
    assert_ok(rk_store_begin(s));
    new_person(s, a);
    new_person(s, b);
    struct rk_disclosure d = {.recipient = "mailchimp",
                              .held = RK_HELD_ACTIVE,
                              .remote_sealed = plain,
                              .remote_sealed_len = sizeof plain,
                              .last_at = ts("2026-03-01T10:00:00Z")};
    copy(d.person_id, sizeof d.person_id, a);
    assert_ok(rk_store_disclosure_put(s, &d));
    d.remote_sealed = NULL;
    d.remote_sealed_len = 0;
    copy(d.person_id, sizeof d.person_id, b);
    assert_ok(rk_store_disclosure_put(s, &d));
    assert_ok(rk_store_commit(s));
    struct sealed_seen ss = {0};
    assert_ok(rk_store_sealed_list(s, RK_SEALED_DISCLOSURE, 0, true, 0, collect_sealed, &ss));
    assert_int_equal(ss.n, 1);
    char bind[64];
    snprintf(bind, sizeof bind, "mailchimp|%s|-", a);
    assert_string_equal(ss.bind[0], bind);
    int64_t id = ss.id[0];
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_sealed_set(s, RK_SEALED_DISCLOSURE, id, (const unsigned char *)"\1x", 2));
    assert_rc(rk_store_sealed_set(s, RK_SEALED_DISCLOSURE, id + 1, plain, 1), RK_ENOENT);
    assert_ok(rk_store_commit(s));
    memset(&ss, 0, sizeof ss);
    assert_ok(rk_store_sealed_list(s, RK_SEALED_DISCLOSURE, 0, true, 0, collect_sealed, &ss));
    assert_int_equal(ss.n, 0);
    assert_true(holds_sealed(s, RK_SEALED_DISCLOSURE, id));
    struct disc_seen ds = {0};
    assert_ok(rk_store_disclosure_get(s, "mailchimp", a, collect_disc, &ds));
    assert_string_equal(ds.remote[0], "\1x");
}

/* ---- The census ---------------------------------------------------------------------------- */

/* The census counts each kind of row for the whole store and for one person; a person's
 * count follows the rows that point to it, and the kinds tied to no person answer -1. */
static void census(void **state) {
    struct rk_store *s = store_of(state);
    struct rk_census c;
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1], nobody[RK_ID_LEN + 1];
    rk_id_new(nobody);
    memset(&c, 0xff, sizeof c);
    assert_ok(rk_store_census(s, NULL, &c));
    assert_int_equal(c.persons, 0);
    assert_int_equal(c.entries, 0);
    assert_int_equal(c.audit, 0);
    assert_int_equal(c.suppressions, 0);

    assert_ok(rk_store_begin(s));
    new_person(s, id);
    new_person(s, other);
    int64_t p1 = new_provenance(s, RK_SRC_MEETING, "customer_service");
    int64_t p2 = new_provenance(s, RK_SRC_MEETING, "customer_service");
    (void)new_provenance(s, RK_SRC_MEETING, "customer_service"); /* pointed to by nothing */
    struct rk_entry *e1 = entry_new("customers", id, ts("2026-03-01T00:00:00Z"));
    entry_set(e1, RK_F_NAME, "Aino", p1);
    entry_set(e1, RK_F_ORGANISATION, "Sama Oy", p2);
    struct rk_entry *e2 = entry_new("news", id, ts("2026-03-01T00:00:00Z"));
    entry_set(e2, RK_F_ORGANISATION, "Sama Oy", p2);
    struct rk_entry *e3 = entry_new("news", other, ts("2026-03-01T00:00:00Z"));
    entry_set(e3, RK_F_ORGANISATION, "Toinen Oy", p1);
    assert_ok(rk_store_entry_put(s, e1));
    assert_ok(rk_store_entry_put(s, e2));
    assert_ok(rk_store_entry_put(s, e3));
    struct rk_task t = {.kind = "objection_review",
                        .due = date(2026, 3, 3),
                        .created_at = ts("2026-02-01T00:00:00Z")};
    rk_id_new(t.id);
    copy(t.person_id, sizeof t.person_id, id);
    assert_ok(rk_store_task_insert(s, &t));
    struct rk_outbox_msg m = {.message_id = "cccccccccccccccccccccccc01",
                              .person_id = id,
                              .kind = "confirm",
                              .recipient = "aino@example.fi",
                              .subject = "Vahvista",
                              .body = "Hei\n",
                              .created_at = ts("2026-02-01T00:00:00Z")};
    int64_t mid = 0;
    assert_ok(rk_store_outbox_enqueue(s, &m, &mid));
    unsigned char h[RK_HASH_LEN];
    hash_of(7, 1, h);
    assert_ok(
        rk_store_suppress_add(s, h, RK_F_EMAIL, RK_SUPPRESS_OBJECTION, ts("2026-02-01T00:00:00Z")));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_census(s, NULL, &c));
    assert_int_equal(c.persons, 2);
    assert_int_equal(c.persons_restricted, 0);
    assert_int_equal(c.entries, 3);
    assert_int_equal(c.provenance, 3);
    assert_int_equal(c.provenance_orphans, 1);
    assert_int_equal(c.organisations, 2);
    assert_int_equal(c.organisations_orphans, 0);
    assert_int_equal(c.tasks, 1);
    assert_int_equal(c.tasks_open, 1);
    assert_int_equal(c.outbox, 1);
    assert_int_equal(c.outbox_queued, 1);
    assert_int_equal(c.suppressions, 1);
    assert_int_equal(c.suppressions_objection, 1);
    assert_int_equal(c.staff, 0);
    assert_int_equal(c.staff_sessions, 0);
    assert_int_equal(c.consent_events, 0);
    assert_int_equal(c.requests, 0);

    memset(&c, 0xff, sizeof c);
    assert_ok(rk_store_census(s, id, &c));
    assert_int_equal(c.persons, 1);
    assert_int_equal(c.entries, 2);
    assert_int_equal(c.provenance, 2);
    assert_int_equal(c.organisations, 1);
    assert_int_equal(c.tasks, 1);
    assert_int_equal(c.outbox, 1);
    assert_int_equal(c.signups, 0);
    assert_int_equal(c.provenance_orphans, -1);
    assert_int_equal(c.organisations_orphans, -1);
    assert_int_equal(c.suppressions, -1);
    assert_int_equal(c.mail_limits, -1);
    assert_int_equal(c.staff, -1);
    assert_ok(rk_store_census(s, other, &c));
    assert_int_equal(c.persons, 1);
    assert_int_equal(c.entries, 1);
    assert_int_equal(c.provenance, 1);
    assert_int_equal(c.tasks, 0);
    assert_int_equal(c.outbox, 0);

    /* Gone: what hung on the person goes with it; rows carrying the id stay counted. */
    assert_ok(rk_store_begin(s));
    assert_ok(rk_store_person_delete(s, id));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_census(s, id, &c));
    assert_int_equal(c.persons, 0);
    assert_int_equal(c.entries, 0);
    assert_int_equal(c.provenance, 0);
    assert_int_equal(c.tasks, 0);
    assert_int_equal(c.outbox, 1);
    assert_ok(rk_store_census(s, nobody, &c));
    assert_int_equal(c.persons, 0);
    assert_int_equal(c.outbox, 0);
    assert_int_equal(c.audit, 0);
    assert_ok(rk_store_census(s, NULL, &c));
    assert_int_equal(c.persons, 1);
    assert_int_equal(c.entries, 1);
    assert_int_equal(c.organisations_orphans, c.organisations - 1); /* only Toinen Oy is named */
}

/* ---- Backups, file checks, the checkpoint and the backend's scheme -------------------------- */

/* A file in the backend's scratch directory: where a backup goes. */
static void scratch_file(struct fixture *fx, const char *name, char *out, size_t n) {
    assert_true((size_t)snprintf(out, n, "%s/%s", fx->dir, name) < n);
}

/* backup_to copies the open store, committed rows and all, into one file that passes
 * check_file and opens as a store of its own; remove_side_files on the closed copy is
 * no error (twice: nothing there the second time) and leaves it sound. */
static void backup_copy_opens(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s;
    char id[RK_ID_LEN + 1], path[256];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    assert_ok(rk_store_commit(s));
    scratch_file(fx, "copy.db", path, sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    int64_t pages = 0, bytes = 0;
    assert_ok(rk_store_backup_to(s, path, &pages, &bytes));
    assert_true(pages > 0);
    assert_true(bytes >= pages);
    assert_ok(rk_store_check_file(path, NULL));
    struct rk_store *copy = NULL;
    assert_ok(rk_store_open(path, NULL, &copy, NULL));
    bool restricted = true, objected = true;
    rk_err e = rk_store_person_exists(copy, id, &restricted, &objected);
    rk_store_close(copy);
    assert_ok(e);
    assert_false(restricted);
    assert_false(objected);
    assert_ok(rk_store_remove_side_files(path, NULL));
    assert_ok(rk_store_remove_side_files(path, NULL));
    assert_ok(rk_store_check_file(path, NULL));
}

/* load_from replaces every row with those of a backup_to copy: on PostgreSQL a write made
 * after the copy is gone, the rows before it are back with their values, hashes and
 * provenance, and new ids continue past the copied ones; a SQLite store refuses (its
 * restore replaces the file). */
static void load_from_round_trip(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s;
    char early[RK_ID_LEN + 1], late[RK_ID_LEN + 1], path[256];
    assert_ok(rk_store_begin(s));
    new_person(s, early);
    int64_t p1 = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    int64_t p2 = new_provenance(s, RK_SRC_MEETING, "customer_service");
    struct rk_entry *e = entry_new("customers", early, ts("2026-03-01T12:34:56Z"));
    entry_set(e, RK_F_NAME, "Äijälä, Matti", p1);
    entry_set(e, RK_F_EMAIL, "matti.aijala@example.fi", p1);
    entry_set(e, RK_F_ORGANISATION, "Esimerkki Oy", p2);
    entry_set(e, RK_F_INTERESTS, "hyvinvointi\nliikunta, kulttuuri", p2);
    hash_of(0xE1, 1, e->email_hash);
    assert_ok(rk_store_entry_put(s, e));
    assert_ok(rk_store_commit(s));
    scratch_file(fx, "copy.db", path, sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    int64_t pages = 0, bytes = 0;
    assert_ok(rk_store_backup_to(s, path, &pages, &bytes));
    if (strcmp(backend->name, "sqlite") == 0) {
        assert_rc(rk_store_load_from(s, path), RK_EINVAL);
        return;
    }

    assert_ok(rk_store_begin(s));
    new_person(s, late);
    int64_t p3 = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    struct rk_entry *l = entry_new("news", late, ts("2026-03-02T00:00:00Z"));
    entry_set(l, RK_F_NAME, "Myöhäinen", p3);
    assert_ok(rk_store_entry_put(s, l));
    assert_ok(rk_store_entry_delete(s, "customers", early));
    assert_ok(rk_store_commit(s));

    assert_ok(rk_store_load_from(s, path));
    assert_rc(rk_store_person_exists(s, late, NULL, NULL), RK_ENOENT);
    struct rk_entry *got = scratch(sizeof *got);
    assert_rc(rk_store_entry_get(s, "news", late, got), RK_ENOENT);
    struct rk_provenance p;
    char buf[256];
    assert_rc(rk_store_provenance_get(s, p3, &p, buf, sizeof buf), RK_ENOENT);
    assert_ok(rk_store_person_exists(s, early, NULL, NULL));
    assert_ok(rk_store_entry_get(s, "customers", early, got));
    assert_entry(got, e);
    assert_ok(rk_store_provenance_get(s, p2, &p, buf, sizeof buf));
    assert_int_equal(p.source, RK_SRC_MEETING);
    assert_opt_string(p.purpose, "customer_service", "purpose");

    /* The identities continue past the copied rows, and the store takes writes again. */
    assert_ok(rk_store_begin(s));
    new_person(s, late);
    int64_t p4 = new_provenance(s, RK_SRC_WEB_FORM, "newsletter");
    assert_true(p4 > p2);
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_person_exists(s, late, NULL, NULL));
}

/* check_file refuses a file that is not a database, and creates none where there is none. */
static void check_file_refuses(void **state) {
    struct fixture *fx = *state;
    char path[256];
    scratch_file(fx, "not-a-db.db", path, sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database; ", f);
    fclose(f);
    struct rk_error why = RK_ERROR_INIT;
    assert_rc(rk_store_check_file(path, &why), RK_EPARSE);
    assert_true(why.message[0] != '\0');
    assert_int_equal(why.code, RK_EPARSE);
    scratch_file(fx, "copy.db", path, sizeof path);
    assert_true(rk_store_check_file(path, NULL) != RK_OK);
    assert_int_equal(access(path, F_OK), -1);
}

/* The checkpoint moves what was committed into the main file: the store stays readable
 * and a second checkpoint has nothing to do. */
static void checkpoint_keeps_rows(void **state) {
    struct rk_store *s = store_of(state);
    char id[RK_ID_LEN + 1];
    assert_ok(rk_store_begin(s));
    new_person(s, id);
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_checkpoint(s));
    assert_ok(rk_store_checkpoint(s));
    assert_ok(rk_store_person_exists(s, id, NULL, NULL));
}

/* A location names its backend by scheme: a scheme without a backend is refused with
 * RK_EINVAL; a PostgreSQL URI whose server does not answer is RK_ESTORAGE, saying so
 * (store.c and the backends' open, alike on every backend). */
static void scheme_without_backend(void **state) {
    (void)state;
    static const char *const unreachable[] = {"postgresql://rk@127.0.0.1:1/rk",
                                              "postgres://127.0.0.1:1/rk?connect_timeout=2"};
    for (size_t i = 0; i < sizeof unreachable / sizeof unreachable[0]; i++) {
        struct rk_store *other = NULL;
        struct rk_error why = RK_ERROR_INIT;
        assert_rc(rk_store_open(unreachable[i], NULL, &other, &why), RK_ESTORAGE);
        assert_null(other);
        assert_non_null(strstr(why.message, "cannot connect to PostgreSQL"));
    }
    struct rk_store *other = NULL;
    struct rk_error why = RK_ERROR_INIT;
    assert_rc(rk_store_open("mysql://localhost/rk", NULL, &other, &why), RK_EINVAL);
    assert_null(other);
    assert_non_null(strstr(why.message, "no store backend for this scheme"));
}

/* Messages show a location without its secrets: a URI's password and a password= parameter
 * become "***"; a path is shown as it is (store.c, for every backend alike). */
static void location_shown_hides_password(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"var/rekisteri.db", "var/rekisteri.db"},
        {"postgresql://rk:s3cret@127.0.0.1:5432/db", "postgresql://rk:***@127.0.0.1:5432/db"},
        {"postgres://rk@db/reg?sslmode=require&password=s3cret&x=1",
         "postgres://rk@db/reg?sslmode=require&password=***&x=1"},
        {"postgresql:///reg?host=/run/postgresql", "postgresql:///reg?host=/run/postgresql"},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(rk_store_location_shown(cases[i][0], buf, sizeof buf), cases[i][1]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- Leases and the queues' claims (issue 17: several instances on one database) ---------- */

/* lease_take takes a free lease, refuses one another holder has until it runs out, renews
 * the holder's own; lease_drop gives up only the holder's (RK_ENOENT otherwise); names are
 * independent. Alike on every backend. */
static void lease_take_and_drop(void **state) {
    struct rk_store *s = store_of(state);
    bool got = false;
    assert_ok(rk_store_lease_take(s, "sweep", "a", 1000, 1300, &got));
    assert_true(got);
    assert_ok(rk_store_lease_take(s, "sweep", "b", 1100, 1400, &got));
    assert_false(got);
    assert_ok(rk_store_lease_take(s, "sweep", "a", 1200, 1500, &got)); /* renewed */
    assert_true(got);
    assert_ok(rk_store_lease_take(s, "sweep", "b", 1400, 1700, &got)); /* still a's */
    assert_false(got);
    assert_ok(rk_store_lease_take(s, "other", "b", 1400, 1700, &got));
    assert_true(got);
    assert_ok(rk_store_lease_take(s, "sweep", "b", 1501, 1800, &got)); /* a's ran out */
    assert_true(got);
    assert_rc(rk_store_lease_drop(s, "sweep", "a"), RK_ENOENT);
    assert_ok(rk_store_lease_take(s, "sweep", "a", 1502, 1800, &got));
    assert_false(got);
    assert_ok(rk_store_lease_drop(s, "sweep", "b"));
    assert_rc(rk_store_lease_drop(s, "sweep", "b"), RK_ENOENT);
    assert_ok(rk_store_lease_take(s, "sweep", "a", 1503, 1800, &got)); /* free again */
    assert_true(got);
    assert_ok(rk_store_lease_take(s, "other", "a", 1503, 1800, &got));
    assert_false(got);
}

/* A handle that checks a key generation (rk_store_options.key_generation): its write
 * transactions begin while the database is at that generation; once another handle has
 * rotated it past, begin is RK_ESTALE (rolled back: the handle writes on under nothing,
 * and nothing of a refused transaction is written), and the rotating handle itself goes on
 * at the new generation. A handle that checks none is not refused. */
static void key_generation_refuses_stale_writers(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s, *old = NULL, *rot = NULL;
    struct rk_store_options at1 = {.key_generation = 1};
    assert_ok(rk_store_open(fx->location, &at1, &old, NULL));
    assert_ok(rk_store_open(fx->location, &at1, &rot, NULL));
    assert_ok(rk_store_begin(old)); /* at 1: allowed */
    assert_ok(
        rk_store_person_insert(old, "kkkkkkkkkkkkkkkkkkkkkkkk01", ts("2026-03-01T10:00:00Z")));
    assert_ok(rk_store_commit(old));

    uint32_t gen = 0;
    assert_ok(rk_store_begin(rot));
    assert_ok(rk_store_key_generation_hold(rot, true, &gen));
    assert_int_equal(gen, 1);
    assert_ok(rk_store_key_state_set(rot, 2, "0123456789abcdef"));
    assert_ok(rk_store_commit(rot));
    assert_ok(rk_store_begin(rot)); /* the rotating handle checks generation 2 now */
    rk_store_rollback(rot);

    assert_rc(rk_store_begin(old), RK_ESTALE);
    assert_non_null(strstr(rk_store_errmsg(old), "rotated to generation 2"));
    assert_non_null(strstr(rk_store_errmsg(old), "holds generation 1"));
    assert_ok(rk_store_begin(s)); /* the fixture's handle checks none */
    assert_ok(rk_store_person_insert(s, "kkkkkkkkkkkkkkkkkkkkkkkk02", ts("2026-03-01T10:00:01Z")));
    assert_ok(rk_store_commit(s));
    rk_store_close(old);
    rk_store_close(rot);
}

static int collect_notice_ids(void *ctx, const struct rk_notice_row *n) {
    struct due_seen *d = ctx;
    assert_true(d->n < 8);
    d->id[d->n++] = n->id;
    return 0;
}

/* Two handles on one database work the queues. PostgreSQL claims: what one handle listed
 * as due the other does not list until the claim's lease (60 s for mail, 120 s for
 * notices) has run out, the claimer lists its own again, a mark by the handle that does
 * not hold the claim is RK_ENOENT and the claimer's applies; once retaken, the first
 * claimer's mark is RK_ENOENT. SQLite has no claims (one worker per database): both list
 * everything. */
static void queue_claims(void **state) {
    struct fixture *fx = *state;
    struct rk_store *s = fx->s, *t = NULL;
    bool claims = strcmp(backend->name, "postgres") == 0;
    rk_ts t0 = ts("2026-03-01T10:00:00Z");
    assert_ok(rk_store_begin(s));
    int64_t a = enqueue(s, "ddddddddddddddddddddddddc1", "a@example.fi", t0);
    int64_t b = enqueue(s, "ddddddddddddddddddddddddc2", "b@example.fi", t0);
    struct rk_recipient_notice n = {.recipient = "crm",
                                    .person_id = "pppppppppppppppppppppppp01",
                                    .kind = RK_NOTICE_ERASURE,
                                    .created_at = t0};
    assert_ok(rk_store_recipient_notice_add(s, &n));
    assert_ok(rk_store_commit(s));
    assert_ok(rk_store_open(fx->location, NULL, &t, NULL));

    struct due_seen d = {0};
    assert_ok(rk_store_outbox_due(s, t0, 1, collect_due, &d)); /* s claims a */
    assert_int_equal(d.n, 1);
    assert_true(d.id[0] == a);
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(t, t0 + 1, 10, collect_due, &d)); /* t claims b */
    assert_int_equal(d.n, claims ? 1 : 2);
    assert_true(d.id[0] == (claims ? b : a));
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(s, t0 + 2, 10, collect_due, &d)); /* its own again */
    assert_int_equal(d.n, claims ? 1 : 2);
    assert_true(d.id[0] == a);
    if (claims) {
        assert_ok(rk_store_begin(t));
        assert_rc(rk_store_outbox_mark_sent(t, a, t0 + 3), RK_ENOENT);
        rk_store_rollback(t);
        /* s's claim on a ran out: t takes it; s's late outcome is refused. */
        memset(&d, 0, sizeof d);
        assert_ok(rk_store_outbox_due(t, t0 + 2 + 61, 10, collect_due, &d));
        assert_int_equal(d.n, 2);
        assert_ok(rk_store_begin(s));
        assert_rc(rk_store_outbox_mark_retry(s, a, t0 + 70, "late"), RK_ENOENT);
        rk_store_rollback(s);
    }
    assert_ok(rk_store_begin(t));
    assert_ok(rk_store_outbox_mark_sent(t, a, t0 + 64));
    assert_ok(rk_store_outbox_mark_retry(t, b, t0 + 64, "451"));
    assert_ok(rk_store_commit(t));
    /* A mark ends the claim: b is anyone's once due again. */
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_outbox_due(s, t0 + 64, 10, collect_due, &d));
    assert_int_equal(d.n, 1);
    assert_true(d.id[0] == b);

    /* Notices alike, with their longer lease. */
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_recipient_notice_due(s, t0, 10, collect_notice_ids, &d));
    assert_int_equal(d.n, 1);
    memset(&d, 0, sizeof d);
    assert_ok(rk_store_recipient_notice_due(t, t0 + 100, 10, collect_notice_ids, &d));
    assert_int_equal(d.n, claims ? 0 : 1);
    if (claims) {
        assert_ok(rk_store_begin(t));
        assert_rc(rk_store_recipient_notice_mark_done(t, n.id, t0 + 100), RK_ENOENT);
        rk_store_rollback(t);
        assert_ok(rk_store_recipient_notice_due(t, t0 + 121, 10, collect_notice_ids, &d));
        assert_int_equal(d.n, 1);
    }
    assert_ok(rk_store_begin(t));
    assert_ok(rk_store_recipient_notice_mark_done(t, n.id, t0 + 121));
    assert_ok(rk_store_commit(t));
    rk_store_close(t);
}

int main(void) {
    if (rk_crypto_init() != RK_OK) {
        fprintf(stderr, "test_store: cannot initialise libsodium\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        T(migrate_twice_is_noop),
        T(tokens),
        T(commit_persists),
        T(close_without_commit_discards),
        T(rollback_discards),
        T(person_insert_exists),
        T(provenance_round_trip),
        T(entry_all_fields_round_trip),
        T(entry_some_fields),
        T(entry_organisation_shared),
        T(entry_put_replaces),
        T(entry_delete),
        T(entries_of_person_in_order),
        T(entries_of_person_whole_values),
        T(find_by_hash),
        T(read_transaction),
        T(find_by_name),
        T(consent_ledger_round_trip),
        T(consent_event_long_values),
        T(consent_state_round_trip),
        T(contract_round_trip),
        T(contract_changes_and_listing),
        T(invoice_round_trip),
        T(suppression),
        T(tasks),
        T(audience_live_consent),
        T(audience_active_contract),
        T(audience_any),
        T(audience_callback_stops),
        T(audience_all_matches_each_register),
        T(audience_all_long_suppression_list),
        T(audience_entries_whole),
        T(sealed_values),
        T(outbox_enqueue_due_in_order),
        T(outbox_enqueue_is_transactional),
        T(outbox_message_id_unique),
        T(outbox_marks),
        T(contact_rows),
        T(person_flags_and_delete),
        T(person_key_after_delete_and_rollback),
        T(organisation_cached_then_deleted_elsewhere),
        T(entries_delete_and_unused_rows),
        T(consent_delete_by_purpose),
        T(contract_invoice_restrict_delete),
        T(person_rows_delete_and_tasks),
        T(request_round_trip),
        T(requests_list_and_overdue),
        T(recipient_notice_delivery),
        T(sweep_lists_what_ran_out),
        T(consents_expire_batch),
        T(retention_listings_and_purges),
        T(mail_limit_count_add_prune),
        T(consent_log),
        T(savepoints),
        T(audit_head_across_transactions),
        T(census),
        T(disclosure_round_trip),
        T(disclosure_events_and_erasure),
        T(disclosure_sealed),
        T(backup_copy_opens),
        T(load_from_round_trip),
        T(check_file_refuses),
        T(checkpoint_keeps_rows),
        T(scheme_without_backend),
        T(location_shown_hides_password),
        T(lease_take_and_drop),
        T(queue_claims),
        T(key_generation_refuses_stale_writers),
    };
    /* RK_STORE_BACKEND names the one to run (tests/unit/with_pg.sh runs "postgres");
     * unset: every backend whose server is at hand (SQLite always, PostgreSQL when
     * RK_PG_URI names a cluster). A backend named but unavailable is a failure. */
    const char *only = getenv("RK_STORE_BACKEND");
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        backend = &backends[i];
        if (only ? strcmp(only, backend->name) != 0
                 : strcmp(backend->name, "postgres") == 0 && !pg_uri())
            continue;
        if (strcmp(backend->name, "postgres") == 0 && !pg_uri()) {
            fprintf(stderr, "RK_STORE_BACKEND=postgres needs RK_PG_URI (tests/unit/with_pg.sh)\n");
            return 1;
        }
        ran++;
        failed += cmocka_run_group_tests_name(backend->name, tests, NULL, NULL);
    }
    if (!ran)
        fprintf(stderr, "no backend named %s\n", only ? only : "");
    return failed || !ran ? 1 : 0;
}
