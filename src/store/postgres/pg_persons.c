/*
 * pg_persons.c — persons, provenance and entries, the people search, the console counts and marks
 * in the PostgreSQL backend (the counterpart of src/store/sqlite/sqlite_persons.c).
 */
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Persons, provenance, entries ------------------------------------------------------ */

/* The person's key from its public id, as SQLite's PK(n). */
#define PK(n) "(SELECT pk FROM person WHERE id = $" #n ")"
/* The columns of an entry (pg_row_to_entry reads them in this order) and their tables. */
#define ENTRY_COLS                                                                                 \
    "e.register, p.id, e.since, e.name, e.name_prov, e.email, e.email_hash, "                      \
    "e.email_prov, e.phone, e.phone_hash, e.phone_prov, e.position, e.position_prov, o.name, "     \
    "e.organisation_prov, e.interests, e.interests_prov "
#define ENTRY_FROM                                                                                 \
    "FROM entry e JOIN person p ON p.pk = e.person "                                               \
    "LEFT JOIN organisation o ON o.id = e.organisation_id "

rk_err pg_person_insert(struct rk_store *base, const char *id, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s, "INSERT INTO person (id, created_at) VALUES ($1, $2)",
                  PG_ARGS(PG_TEXT(id), PG_TS(at)));
}

struct flags {
    bool *restricted, *objected;
};

static bool row_flags(const struct pg_row *r, void *out) {
    struct flags *f = out;
    if (f->restricted)
        *f->restricted = pg_col_int(r, 0) != 0;
    if (f->objected)
        *f->objected = pg_col_int(r, 1) != 0;
    return true;
}

rk_err pg_person_exists(struct rk_store *base, const char *id, bool *restricted, bool *objected) {
    struct pg_store *s = (struct pg_store *)base;
    struct flags f = {restricted, objected};
    return pg_row(s, "SELECT restricted, objected FROM person WHERE id = $1", PG_ARGS(PG_TEXT(id)),
                  row_flags, &f);
}

static bool row_int(const struct pg_row *r, void *out) {
    *(int64_t *)out = pg_col_int(r, 0);
    return true;
}

rk_err pg_provenance_insert(struct rk_store *base, const struct rk_provenance *p, int64_t *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "INSERT INTO provenance (source_kind, detail, purpose, at, by) "
                  "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                  PG_ARGS(PG_TEXT(rk_source_kind_id(p->source)), PG_TEXT(p->detail),
                          PG_TEXT(p->purpose), PG_TS(p->at), PG_TEXT(p->by)),
                  row_int, id);
}

static int source_from_id(const char *id) {
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (id && strcmp(rk_source_kind_id((enum rk_source_kind)k), id) == 0)
            return k;
    return -1;
}

struct prov_out {
    struct rk_provenance *p;
    struct pg_strbuf b;
};

static bool row_provenance(const struct pg_row *r, void *out) {
    struct prov_out *o = out;
    int kind = source_from_id(pg_col_text(r, 0));
    o->p->source = kind < 0 ? RK_SRC_OTHER_HANDOVER : (enum rk_source_kind)kind;
    o->p->detail = pg_keep_col(&o->b, r, 1);
    o->p->purpose = pg_keep_col(&o->b, r, 2);
    o->p->at = pg_col_ts(r, 3);
    o->p->by = pg_keep_col(&o->b, r, 4);
    return !o->b.overflow;
}

rk_err pg_provenance_get(struct rk_store *base, int64_t id, struct rk_provenance *out, char *buf,
                         size_t bufsz) {
    struct pg_store *s = (struct pg_store *)base;
    struct prov_out o = {out, {buf, bufsz, false}};
    return pg_row(s, "SELECT source_kind, detail, purpose, at, by FROM provenance WHERE id = $1",
                  PG_ARGS(PG_INT(id)), row_provenance, &o);
}

/* The id of the organisation named name, inserted when new; cached per handle. */
static rk_err organisation_id(struct pg_store *s, const char *name, int64_t *id) {
    size_t h = 5381, len = strlen(name);
    for (size_t i = 0; i < len; i++)
        h = h * 33 + (unsigned char)name[i];
    bool cacheable = len < sizeof s->orgs[0].name;
    size_t slot = h % PG_ORG_CACHE;
    if (cacheable && s->orgs[slot].id && strcmp(s->orgs[slot].name, name) == 0) {
        *id = s->orgs[slot].id;
        return RK_OK;
    }
    rk_err err = pg_run(s, "INSERT INTO organisation (name) VALUES ($1) ON CONFLICT DO NOTHING",
                        PG_ARGS(PG_TEXT(name)));
    if (err == RK_OK)
        err = pg_row(s, "SELECT id FROM organisation WHERE name = $1", PG_ARGS(PG_TEXT(name)),
                     row_int, id);
    if (err == RK_ENOENT)
        err = rk_error_set(&s->base.error, RK_EIO, NULL, "an organisation vanished");
    if (err == RK_OK && cacheable) {
        s->orgs[slot].id = *id;
        memcpy(s->orgs[slot].name, name, len + 1);
    }
    return err;
}

rk_err pg_entry_put(struct rk_store *base, const struct rk_entry *e) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t org = 0;
    rk_err err = RK_OK;
    if (e->v[RK_F_ORGANISATION] &&
        (err = organisation_id(s, e->v[RK_F_ORGANISATION], &org)) != RK_OK)
        return err;
    /* An upsert, not delete-and-insert: entry_search_gone must not fire on a change. */
    return pg_run(
        s,
        "INSERT INTO entry (register, person, since, name, name_prov, email, email_hash, "
        "email_prov, phone, phone_hash, phone_prov, position, position_prov, organisation_id, "
        "organisation_prov, interests, interests_prov) "
        "VALUES ($1, " PK(
            2) ", $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
               "$17) ON CONFLICT (register, person) DO UPDATE SET since = excluded.since, "
               "name = excluded.name, name_prov = excluded.name_prov, email = excluded.email, "
               "email_hash = excluded.email_hash, email_prov = excluded.email_prov, "
               "phone = excluded.phone, phone_hash = excluded.phone_hash, "
               "phone_prov = excluded.phone_prov, position = excluded.position, "
               "position_prov = excluded.position_prov, organisation_id = "
               "excluded.organisation_id, "
               "organisation_prov = excluded.organisation_prov, interests = excluded.interests, "
               "interests_prov = excluded.interests_prov",
        PG_ARGS(PG_TEXT(e->register_id), PG_TEXT(e->person_id), PG_TS(e->since),
                PG_TEXT(e->v[RK_F_NAME]), PG_PROV(e->prov[RK_F_NAME]), PG_TEXT(e->v[RK_F_EMAIL]),
                e->v[RK_F_EMAIL] ? (struct pg_arg)PG_BLOB(e->email_hash, RK_HASH_LEN)
                                 : (struct pg_arg)PG_NULL,
                PG_PROV(e->prov[RK_F_EMAIL]), PG_TEXT(e->v[RK_F_PHONE]),
                e->v[RK_F_PHONE] ? (struct pg_arg)PG_BLOB(e->phone_hash, RK_HASH_LEN)
                                 : (struct pg_arg)PG_NULL,
                PG_PROV(e->prov[RK_F_PHONE]), PG_TEXT(e->v[RK_F_POSITION]),
                PG_PROV(e->prov[RK_F_POSITION]), PG_PROV(org), PG_PROV(e->prov[RK_F_ORGANISATION]),
                PG_TEXT(e->v[RK_F_INTERESTS]), PG_PROV(e->prov[RK_F_INTERESTS])));
}

bool pg_row_to_entry(const struct pg_row *r, void *entry) {
    struct rk_entry *e = entry;
    /* Columns: see ENTRY_COLS. */
    static const int value_col[RK_F__COUNT] = {3, 5, 8, 11, 13, 15};
    static const int prov_col[RK_F__COUNT] = {4, 7, 10, 12, 14, 16};
    struct pg_strbuf b = {e->buf, sizeof e->buf, false};
    if (!pg_col_copy(r, 0, e->register_id, sizeof e->register_id) ||
        !pg_col_copy(r, 1, e->person_id, sizeof e->person_id))
        return false;
    e->since = pg_col_ts(r, 2);
    for (int f = 0; f < RK_F__COUNT; f++) {
        e->v[f] = pg_keep_col(&b, r, value_col[f]);
        e->prov[f] = pg_col_int(r, prov_col[f]);
    }
    if (!pg_col_blob(r, 6, e->email_hash, RK_HASH_LEN))
        memset(e->email_hash, 0, RK_HASH_LEN);
    if (!pg_col_blob(r, 9, e->phone_hash, RK_HASH_LEN))
        memset(e->phone_hash, 0, RK_HASH_LEN);
    return !b.overflow;
}

rk_err pg_entry_get(struct rk_store *base, const char *reg, const char *person,
                    struct rk_entry *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.person = " PK(2) " AND e.register = $1",
                  PG_ARGS(PG_TEXT(reg), PG_TEXT(person)), pg_row_to_entry, out);
}

rk_err pg_entry_delete(struct rk_store *base, const char *reg, const char *person) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM entry WHERE person = " PK(2) " AND register = $1",
                      PG_ARGS(PG_TEXT(reg), PG_TEXT(person)));
}

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_entries_of_person(struct rk_store *base, const char *person, rk_entry_fn fn, void *ctx) {
    return pg_unbuilt(base, "entries_of_person");
}

rk_err pg_find_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *reg, char id[RK_ID_LEN + 1]) {
    return pg_unbuilt(base, "find_by_hash");
}

rk_err pg_entries_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          rk_entry_fn fn, void *ctx) {
    return pg_unbuilt(base, "entries_by_hash");
}

rk_err pg_find_by_name(struct rk_store *base, const char *fragment, rk_entry_fn fn, void *ctx) {
    return pg_unbuilt(base, "find_by_name");
}

rk_err pg_search_put(struct rk_store *base, const char *person, const char *register_id,
                     const struct rk_search_word *words, size_t n) {
    return pg_unbuilt(base, "search_put");
}

rk_err pg_search_words(struct rk_store *base, const char *prefix, int field,
                       const char *const *also, size_t nalso, const char *after_word,
                       int64_t after_pk, rk_search_row_fn fn, void *ctx) {
    return pg_unbuilt(base, "search_words");
}

rk_err pg_search_count(struct rk_store *base, const char *prefix, int field, int64_t cap,
                       int64_t *out) {
    return pg_unbuilt(base, "search_count");
}

rk_err pg_search_people(struct rk_store *base, rk_ts since, rk_ts before, int64_t before_pk,
                        rk_search_row_fn fn, void *ctx) {
    return pg_unbuilt(base, "search_people");
}

rk_err pg_search_built(struct rk_store *base, bool *out) {
    return pg_unbuilt(base, "search_built");
}

rk_err pg_search_built_set(struct rk_store *base) { return pg_unbuilt(base, "search_built_set"); }

rk_err pg_entries_all(struct rk_store *base, rk_entry_fn fn, void *ctx) {
    return pg_unbuilt(base, "entries_all");
}

rk_err pg_register_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    return pg_unbuilt(base, "register_counts");
}

rk_err pg_purpose_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    return pg_unbuilt(base, "purpose_counts");
}

rk_err pg_consent_weeks(struct rk_store *base, const char *from, rk_counter_fn fn, void *ctx) {
    return pg_unbuilt(base, "consent_weeks");
}

rk_err pg_console_mark_get(struct rk_store *base, const char *what, struct rk_console_mark *out) {
    return pg_unbuilt(base, "console_mark_get");
}

rk_err pg_console_mark_set(struct rk_store *base, const char *what,
                           const struct rk_console_mark *m) {
    return pg_unbuilt(base, "console_mark_set");
}

rk_err pg_audience(struct rk_store *base, const char *reg, const char *purpose,
                   enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx) {
    return pg_unbuilt(base, "audience");
}
