/*
 * test_rotate.c — key generations and rotation (keys/keys.c, core/rotate.c)
 * over a real key file and SQLite store: version 1 and 2 key files load, a
 * readable one is refused; a rotation re-hashes entries (a lookup by email
 * still finds the person), keeps a suppression made under the retired key
 * blocking, revokes tokens, honours an old unsubscribe link but answers an
 * old preferences link as expired, keeps the audit chain verifiable (and a
 * tampered event after it caught), and a backup sealed before it opens after
 * it. Both crash windows of `key rotate` are recovered from. The erasure
 * journal across rotations (core/journal.h 9, 10): it verifies across one and
 * two rotations with appends chaining on, a tampered marker and one naming a
 * generation the key file lacks are refused by line, and a record from before
 * a rotation replayed into a brought-forward copy finds a second holder of
 * the email by hash and suppresses it under the record's generation.
 * Sealed values (rotate.h, "Sealed values"): a rotation re-seals queued
 * notices' identities and queued mail under the new generation (the old one
 * no longer opens them), leaves an altered value as it is and counts it;
 * after the crash between commit and rename the values open under K.new; a
 * restored database is re-sealed when brought forward; and a database from
 * before migration 0014 has its plaintext moved aside by the migration and
 * sealed on open, with no byte of it left in the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/backup.h"
#include "core/journal.h"
#include "core/restore.h"
#include "core/links.h"
#include "core/register.h"
#include "core/rights.h"
#include "core/notify.h"
#include "core/rotate.h"
#include "keys/seal.h"
#include "mail/mail.h"
#include "store/migrations.h"
#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

#define NOW ((rk_ts)1764000000) /* 2025-11-24 */

struct fx {
    struct rkt_reg r; /* regfix.h: the register, actor "anna"; r.raw is the tamperer */
    char key[128], db[128], journal[128];
};

static void path_in(const struct fx *f, const char *name, char *out, size_t n) {
    snprintf(out, n, "%s/%s", f->r.dir, name);
}

/* (Re)loads the key file into f->r.keys and f->r.reg. */
static void reload(struct fx *f) {
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_keys_load(f->key, &f->r.keys, &err), RK_OK);
    assert_int_equal(rk_notice_reg_init(&f->r.reg, f->r.decl, f->r.store, &f->r.keys, "anna"),
                     RK_OK);
}

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    if (rkt_reg_open(&f->r, "rotate", rkt_load_example(), "anna") != 0)
        return -1;
    path_in(f, "key", f->key, sizeof f->key);
    path_in(f, "t.db", f->db, sizeof f->db);
    path_in(f, "j", f->journal, sizeof f->journal);
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    rkt_reg_close(&f->r);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text, mode_t mode) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static void add_person(struct fx *f, const char *email, char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_MEETING, NULL, NOW};
    struct rk_contact c = {0};
    struct rk_error msg;
    c.v[RK_F_NAME] = "Maija Meikäläinen";
    c.v[RK_F_EMAIL] = email;
    assert_int_equal(rk_reg_person_add(&f->r.reg, &w, NULL, &c, NULL, id, &msg), RK_OK);
}

static rk_err try_add(struct fx *f, const char *email, struct rk_error *msg) {
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_MEETING, NULL, NOW};
    struct rk_contact c = {0};
    char id[RK_ID_LEN + 1];
    c.v[RK_F_NAME] = "Toinen";
    c.v[RK_F_EMAIL] = email;
    return rk_reg_person_add(&f->r.reg, &w, NULL, &c, NULL, id, msg);
}

static int count_found(void *ctx, const struct rk_entry *e) {
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int found(struct fx *f, const char *email) {
    int n = 0;
    struct rk_error msg;
    assert_int_equal(rk_reg_person_find(&f->r.reg, email, count_found, &n, &msg), RK_OK);
    return n;
}

static struct rk_rotate_report rotate(struct fx *f) {
    struct rk_rotate_report rep;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e = rk_rotate(f->r.store, f->key, f->journal, NOW + 60, "cli", &rep, &msg);
    if (e != RK_OK)
        fail_msg("rotate: %s", msg.message);
    reload(f);
    return rep;
}

/* ---- Key files ------------------------------------------------------------------------ */

/* A version 1 file loads as generation 1, with the subkeys it always had. */
static void v1_file_loads(void **state) {
    struct fx *f = *state;
    char path[128], text[128], hex[65];
    struct rk_error err = RK_ERROR_INIT;
    unsigned char master[RK_KEY_LEN];
    randombytes_buf(master, sizeof master);
    sodium_bin2hex(hex, sizeof hex, master, sizeof master);
    snprintf(text, sizeof text, "rekisteri-key 1\n%s\n", hex);
    path_in(f, "v1", path, sizeof path);
    write_file(path, text, 0600);
    struct rk_keys k;
    assert_int_equal(rk_keys_load(path, &k, &err), RK_OK);
    assert_int_equal(k.ngen, 1);
    assert_int_equal(k.gen[0].number, 1);
    assert_true(k.gen[0].created == 0);
    assert_memory_equal(k.gen[0].master, master, RK_KEY_LEN);
    unsigned char lookup[RK_KEY_LEN];
    crypto_kdf_derive_from_key(lookup, sizeof lookup, 1, "rkreg_v1", master);
    assert_memory_equal(k.lookup, lookup, RK_KEY_LEN);
    assert_int_equal(rk_keys_generation(&k), 1);
}

/* Version 2 round trip: rotated keys saved and loaded back are the same generations. */
static void v2_round_trip(void **state) {
    struct fx *f = *state;
    char path[128], fp1[RK_FINGERPRINT_LEN + 1], fp2[RK_FINGERPRINT_LEN + 1];
    struct rk_error err = RK_ERROR_INIT;
    struct rk_keys next, back;
    assert_int_equal(rk_keys_rotated(&f->r.keys, NOW, &next), RK_OK);
    path_in(f, "key.new", path, sizeof path);
    assert_int_equal(rk_keys_save(path, &next, &err), RK_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(rk_keys_load(path, &back, &err), RK_OK);
    assert_int_equal(back.ngen, 2);
    assert_int_equal(back.gen[0].number, 2);
    assert_int_equal(back.gen[1].number, 1);
    assert_true(back.gen[0].created == NOW);
    assert_memory_equal(back.gen[0].master, next.gen[0].master, RK_KEY_LEN);
    assert_memory_equal(back.gen[1].master, f->r.keys.gen[0].master, RK_KEY_LEN);
    assert_memory_equal(back.lookup, next.lookup, RK_KEY_LEN);
    assert_memory_not_equal(back.lookup, f->r.keys.lookup, RK_KEY_LEN);
    rk_keys_fingerprint(&back.gen[1], fp1);
    rk_keys_fingerprint(&f->r.keys.gen[0], fp2);
    assert_string_equal(fp1, fp2);
    assert_int_equal(strlen(fp1), RK_FINGERPRINT_LEN);
    /* Saving never replaces a file. */
    assert_int_equal(rk_keys_save(path, &next, &err), RK_ECONFLICT);
}

/* A key file others may read is refused; so are malformed generation lists. */
static void bad_files_refused(void **state) {
    struct fx *f = *state;
    char path[128];
    struct rk_error err = RK_ERROR_INIT;
    struct rk_keys k;
    assert_int_equal(chmod(f->key, 0644), 0);
    assert_int_equal(rk_keys_load(f->key, &k, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "chmod 600"));
    assert_int_equal(chmod(f->key, 0600), 0);
    path_in(f, "v1", path, sizeof path);
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
    static const char *const bad[] = {
        "rekisteri-key 2\n",                                 /* no generation */
        "rekisteri-key 2\n1 - 00\n",                         /* a short key */
        ("rekisteri-key 2\n1 - " ZEROS "\n2 - " ZEROS "\n"), /* ascending */
        ("rekisteri-key 2\n1 yesterday " ZEROS "\n"),        /* a bad time */
        ("rekisteri-key 2\n1 - " ZEROS),                     /* no final newline */
        "rekisteri-key 3\n",
    };
#undef ZEROS
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unlink(path);
        write_file(path, bad[i], 0600);
        assert_int_equal(rk_keys_load(path, &k, &err), RK_EINVAL);
        assert_non_null(strstr(err.message, "not a rekisteri key file"));
    }
}

/* ---- Rotation ------------------------------------------------------------------------- */

/* Entries are re-hashed (found by email), a suppression of a value no longer
 * held keeps blocking under the retired generation, tokens are revoked. */

/* Appends one generation per row to the comma-separated list at ctx (generations come in
 * increasing order). */
static void list_gens(void *ctx, uint32_t gen, int64_t rows) {
    char *out = ctx;
    for (int64_t i = 0; i < rows; i++) {
        size_t used = strlen(out);
        snprintf(out + used, 64 - used, "%s%u", used ? "," : "", (unsigned)gen);
    }
}

static void rotation_rehashes_keeps_suppressions_revokes_tokens(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_error msg = RK_ERROR_INIT;
    add_person(f, "maija@example.fi", id);
    assert_int_equal(
        rk_reg_suppress(&f->r.reg, RK_F_EMAIL, "gone@example.fi", RK_SUPPRESS_ERASURE, NOW, &msg),
        RK_OK);
    char token[RK_TOKEN_LEN + 1];
    unsigned char th[RK_HASH_LEN];
    rk_token_new(token);
    rk_keys_token_hash(&f->r.keys, token, th);
    struct rk_token t = {.name = "anna", .role = "sales", .created_at = NOW};
    assert_int_equal(rk_store_token_insert(f->r.store, &t, th), RK_OK);

    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.step, RK_ROTATE_NEW);
    assert_int_equal(rep.from, 1);
    assert_int_equal(rep.to, 2);
    assert_int_equal(rep.rehashed.entries, 1);
    assert_int_equal(rep.tokens_revoked, 1);
    assert_int_equal(f->r.keys.ngen, 2);

    assert_int_equal(found(f, "maija@example.fi"), 1);
    assert_int_equal(found(f, "MAIJA@example.fi"), 1);
    bool hit = false;
    assert_int_equal(rk_reg_is_suppressed(&f->r.reg, RK_F_EMAIL, "gone@example.fi", &hit), RK_OK);
    assert_true(hit);
    assert_int_equal(try_add(f, "gone@example.fi", &msg), RK_EREFUSED);
    assert_true(msg.flags & RK_ERROR_SUPPRESSED);
    /* A new suppression is made under generation 2. */
    assert_int_equal(
        rk_reg_suppress(&f->r.reg, RK_F_EMAIL, "new@example.fi", RK_SUPPRESS_OBJECTION, NOW, &msg),
        RK_OK);
    char gens[64] = "";
    assert_int_equal(rk_store_suppression_generations(f->r.store, list_gens, gens), RK_OK);
    assert_string_equal(gens, "1,2"); /* one row under each generation, in order */

    /* The token no longer authenticates: its hash is neither found under the
     * new key nor valid under the old one. */
    struct rk_token got;
    unsigned char nh[RK_HASH_LEN];
    rk_keys_token_hash(&f->r.keys, token, nh);
    assert_int_equal(rk_store_token_by_hash(f->r.store, nh, &got), RK_ENOENT);
    assert_int_equal(rk_store_token_by_hash(f->r.store, th, &got), RK_OK);
    assert_true(got.revoked_at != 0);

    /* The database and the key file agree; the old key file is refused. */
    assert_int_equal(rk_rotate_check(f->r.store, &f->r.keys, f->key, &msg), RK_OK);
    struct rk_keys old;
    rk_keys_of(&f->r.keys.gen[1], &old);
    old.ngen = 1;
    old.gen[0] = f->r.keys.gen[1];
    assert_int_equal(rk_rotate_check(f->r.store, &old, f->key, &msg), RK_ECONFLICT);
    assert_non_null(strstr(msg.message, "use the key file the database was rotated to"));
}

/* A suppression of a value still held moves to the new generation, so the
 * audience (which compares stored hashes) still leaves the person out. */
static void suppression_of_held_value_moves(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_error msg = RK_ERROR_INIT;
    add_person(f, "held@example.fi", id);
    assert_int_equal(
        rk_reg_suppress(&f->r.reg, RK_F_EMAIL, "held@example.fi", RK_SUPPRESS_OBJECTION, NOW, &msg),
        RK_OK);
    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.rehashed.suppressions, 1);
    unsigned char h[RK_HASH_LEN];
    bool hit = false;
    rk_keys_hash(&f->r.keys, RK_F_EMAIL, "held@example.fi", h);
    assert_int_equal(rk_store_suppressed(f->r.store, h, &hit), RK_OK);
    assert_true(hit);
}

/* An unsubscribe link sent before the rotation still works; a preferences
 * link answers as expired; a forged one stays invalid. */
static void old_links(void **state) {
    struct fx *f = *state;
    struct rk_link u = {.kind = RK_LINK_UNSUBSCRIBE, .expires = NOW + (rk_ts)86400 * 365}, p, got;
    rk_id_new(u.person_id);
    snprintf(u.purpose, sizeof u.purpose, "sales_promotion");
    p = u;
    p.kind = RK_LINK_PREFERENCES;
    snprintf(p.purpose, sizeof p.purpose, "*");
    char ut[RK_LINK_MAX], pt[RK_LINK_MAX];
    assert_int_equal(rk_link_make(&f->r.keys, &u, ut), RK_OK);
    assert_int_equal(rk_link_make(&f->r.keys, &p, pt), RK_OK);
    rotate(f);
    assert_int_equal(rk_link_check(&f->r.keys, ut, NOW, &got), RK_OK);
    assert_int_equal(got.kind, RK_LINK_UNSUBSCRIBE);
    assert_string_equal(got.person_id, u.person_id);
    assert_int_equal(rk_link_check(&f->r.keys, pt, NOW, &got), RK_ENOENT);
    /* Expiry still applies to an old unsubscribe link. */
    assert_int_equal(rk_link_check(&f->r.keys, ut, u.expires, &got), RK_ENOENT);
    /* New links are made under the new key and work. */
    assert_int_equal(rk_link_make(&f->r.keys, &p, pt), RK_OK);
    assert_int_equal(rk_link_check(&f->r.keys, pt, NOW, &got), RK_OK);
    ut[10] = ut[10] == 'A' ? 'B' : 'A';
    assert_int_equal(rk_link_check(&f->r.keys, ut, NOW, &got), RK_EINVAL);
}

/* The chain verifies across the rotation, twice over; a tampered event after it is caught. */
static void audit_across_generations(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_audit_report rep;
    add_person(f, "a@example.fi", id);
    rotate(f);
    add_person(f, "b@example.fi", id);
    rotate(f);
    add_person(f, "c@example.fi", id);
    assert_int_equal(f->r.keys.ngen, 3);
    assert_int_equal(rk_audit_verify(f->r.store, &f->r.keys, &rep), RK_OK);
    assert_int_equal(rep.bad_seq, 0);
    int64_t events = rep.events;
    assert_true(events >= 5);

    /* Without generation 1 the chain cannot be verified from its start. */
    struct rk_keys partial = f->r.keys;
    partial.ngen = 2;
    assert_int_equal(rk_audit_verify(f->r.store, &partial, &rep), RK_OK);
    assert_int_equal(rep.bad_seq, 1);
    assert_non_null(strstr(rep.reason, "under any key generation"));

    /* The last event (after both rotations) altered: caught there. */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE audit SET actor = 'mallory' WHERE seq = %lld",
             (long long)events);
    rkt_exec(&f->r, sql);
    assert_int_equal(rk_audit_verify(f->r.store, &f->r.keys, &rep), RK_OK);
    assert_int_equal(rep.bad_seq, events);
    /* The key.rotated event's generation changed: caught there too. */
    rkt_exec(&f->r, "UPDATE audit SET detail = replace(detail, 'generation=2', 'generation=3') "
                    "WHERE action = 'key.rotated' AND detail LIKE 'generation=2 %'");
    assert_int_equal(rk_audit_verify(f->r.store, &f->r.keys, &rep), RK_OK);
    assert_true(rep.bad_seq > 0 && rep.bad_seq < events);
}

/* A backup sealed before the rotation opens after it; not with an unrelated key. */
static void backup_before_restores_after(void **state) {
    struct fx *f = *state;
    char plain[128], sealed[128], out[128];
    struct rk_error err = RK_ERROR_INIT;
    path_in(f, "plain", plain, sizeof plain);
    path_in(f, "sealed", sealed, sizeof sealed);
    path_in(f, "out", out, sizeof out);
    write_file(plain, "a database, say\n", 0600);
    assert_int_equal(rk_backup_seal(&f->r.keys, plain, sealed, &err), RK_OK);
    rotate(f);
    assert_int_equal(rk_backup_open(&f->r.keys, sealed, out, &err), RK_OK);
    unlink(out);
    struct rk_keys other = {.ngen = 0};
    randombytes_buf(other.backup, sizeof other.backup);
    assert_int_equal(rk_backup_open(&other, sealed, out, &err), RK_EPARSE);
    assert_int_equal(access(out, F_OK), -1);
}

/* A crash after the database committed but before the rename: every check
 * refuses the old key file, and the next rotate finishes by renaming. */
static void crash_after_commit_is_finished(void **state) {
    struct fx *f = *state;
    char new_path[140];
    struct rk_error err = RK_ERROR_INIT;
    struct rk_keys next;
    struct rk_rotate_report rep;
    struct rk_error msg = RK_ERROR_INIT;
    snprintf(new_path, sizeof new_path, "%s.new", f->key);
    assert_int_equal(rk_keys_rotated(&f->r.keys, NOW, &next), RK_OK);
    assert_int_equal(rk_keys_save(new_path, &next, &err), RK_OK);
    assert_int_equal(rk_rotate_db(f->r.store, &next, 1, NOW, "cli", &rep, &msg), RK_OK);
    /* ... and the process died here. */
    assert_int_equal(rk_rotate_check(f->r.store, &f->r.keys, f->key, &msg), RK_ECONFLICT);
    assert_non_null(strstr(msg.message, "interrupted"));
    assert_int_equal(rk_rotate(f->r.store, f->key, f->journal, NOW, "cli", &rep, &msg), RK_OK);
    assert_int_equal(rep.step, RK_ROTATE_FINISH);
    assert_int_equal(access(new_path, F_OK), -1);
    reload(f);
    assert_int_equal(rk_keys_generation(&f->r.keys), 2);
    assert_memory_equal(f->r.keys.gen[0].master, next.gen[0].master, RK_KEY_LEN);
    assert_int_equal(rk_rotate_check(f->r.store, &f->r.keys, f->key, &msg), RK_OK);
}

/* A crash before the database committed: the unused K.new is dropped and a
 * fresh rotation made. */
static void crash_before_commit_starts_over(void **state) {
    struct fx *f = *state;
    char new_path[140];
    struct rk_error err = RK_ERROR_INIT;
    struct rk_keys stale;
    snprintf(new_path, sizeof new_path, "%s.new", f->key);
    assert_int_equal(rk_keys_rotated(&f->r.keys, NOW, &stale), RK_OK);
    assert_int_equal(rk_keys_save(new_path, &stale, &err), RK_OK);
    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.step, RK_ROTATE_NEW);
    assert_int_equal(rk_keys_generation(&f->r.keys), 2);
    assert_memory_not_equal(f->r.keys.gen[0].master, stale.gen[0].master, RK_KEY_LEN);
    assert_int_equal(access(new_path, F_OK), -1);
}

/* A database older than the key file (a restored backup) is brought forward. */
static void old_database_caught_up(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1], old_key[128];
    struct rk_error msg = RK_ERROR_INIT;
    add_person(f, "old@example.fi", id);
    path_in(f, "key.old", old_key, sizeof old_key);
    /* Rotate the key file alone, as if the database had been restored since. */
    struct rk_keys next;
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_keys_rotated(&f->r.keys, NOW, &next), RK_OK);
    assert_int_equal(rk_keys_save(old_key, &next, &err), RK_OK);
    assert_int_equal(rename(old_key, f->key), 0);
    assert_int_equal(rk_rotate_check(f->r.store, &next, f->key, &msg), RK_ECONFLICT);
    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.step, RK_ROTATE_CATCH_UP);
    assert_int_equal(rep.to, 2);
    assert_int_equal(found(f, "old@example.fi"), 1);
    struct rk_audit_report ar;
    assert_int_equal(rk_audit_verify(f->r.store, &f->r.keys, &ar), RK_OK);
    assert_int_equal(ar.bad_seq, 0);
}

/* ---- The erasure journal across rotations (journalgen) ---- */

static void erase_journaled(struct fx *f, const char *id) {
    struct rk_erase_report rep;
    struct rk_error msg = RK_ERROR_INIT;
    f->r.reg.journal = f->journal;
    if (rk_rights_erase(&f->r.reg, id, NULL, NOW + 30, &rep, &msg) != RK_OK)
        fail_msg("erase: %s", msg.message);
}

struct jseen {
    uint32_t gen[8];
    int n;
};

static int keep_gen(void *ctx, const struct rk_journal_rec *r) {
    struct jseen *s = ctx;
    if (s->n < 8)
        s->gen[s->n++] = r->gen;
    return 0;
}

static rk_err read_journal(struct fx *f, const struct rk_keys *k, struct jseen *s,
                           struct rk_journal_info *info, struct rk_error *err) {
    memset(s, 0, sizeof *s);
    return rk_journal_read(f->journal, k, keep_gen, s, info, err);
}

static char *slurp(const char *path) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    buf[fread(buf, 1, 65535, fp)] = '\0';
    fclose(fp);
    return buf;
}

static int journal_lines(struct fx *f) {
    char *text = slurp(f->journal);
    int n = 0;
    for (char *p = text; *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

static void journal_verifies_across_rotations(void **state) {
    struct fx *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    struct rk_error err = RK_ERROR_INIT;
    add_person(f, "ja@example.fi", a);
    add_person(f, "jb@example.fi", b);
    add_person(f, "jc@example.fi", c);
    erase_journaled(f, a); /* under generation 1 */
    struct rk_rotate_report rep = rotate(f);
    assert_true(rep.journal_marked);
    assert_int_equal(journal_lines(f), 3); /* header, record, marker */
    erase_journaled(f, b);                 /* chains on under generation 2 */
    struct jseen s;
    struct rk_journal_info info;
    if (read_journal(f, &f->r.keys, &s, &info, &err) != RK_OK)
        fail_msg("read: %s", err.message);
    assert_int_equal(info.records, 2);
    assert_int_equal(info.markers, 1);
    assert_int_equal(info.generation, 2);
    assert_int_equal(s.gen[0], 1);
    assert_int_equal(s.gen[1], 2);
    /* A second rotation: two markers, three generations. */
    rep = rotate(f);
    assert_true(rep.journal_marked);
    erase_journaled(f, c);
    if (read_journal(f, &f->r.keys, &s, &info, &err) != RK_OK)
        fail_msg("read: %s", err.message);
    assert_int_equal(info.records, 3);
    assert_int_equal(info.markers, 2);
    assert_int_equal(info.generation, 3);
    assert_int_equal(s.gen[2], 3);
    /* Marking again changes nothing: the journal is at the current generation. */
    bool marked = true;
    int before = journal_lines(f);
    assert_int_equal(rk_journal_advance(f->journal, &f->r.keys, NOW, &marked, &err), RK_OK);
    assert_false(marked);
    assert_int_equal(journal_lines(f), before);
    /* No journal file: nothing to mark, nothing created. */
    char none[160];
    path_in(f, "none", none, sizeof none);
    assert_int_equal(rk_journal_advance(none, &f->r.keys, NOW, &marked, &err), RK_OK);
    assert_false(marked);
    struct stat st;
    assert_int_not_equal(stat(none, &st), 0);
}

static void journal_markers_refused_by_line(void **state) {
    struct fx *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], old_key[160], good[160];
    struct rk_error err = RK_ERROR_INIT;
    add_person(f, "ka@example.fi", a);
    add_person(f, "kb@example.fi", b);
    erase_journaled(f, a);
    path_in(f, "key.g1", old_key, sizeof old_key);
    char *k1 = slurp(f->key);
    write_file(old_key, k1, 0600);
    free(k1);
    (void)rotate(f);
    erase_journaled(f, b);
    path_in(f, "j.good", good, sizeof good);
    char *text = slurp(f->journal);
    write_file(good, text, 0600);
    struct jseen s;
    struct rk_journal_info info;
    /* The key file from before the rotation lacks generation 2. */
    struct rk_keys k_old;
    assert_int_equal(rk_keys_load(old_key, &k_old, NULL), RK_OK);
    assert_int_equal(read_journal(f, &k_old, &s, &info, &err), RK_EPARSE);
    assert_non_null(strstr(err.message,
                           ":3: the key generation marker names generation 2, which the key "
                           "file does not hold"));
    assert_int_equal(s.n, 1); /* the record before it was read */
    /* ... and an append with it refuses rather than forking the chain. */
    struct rk_journal_rec r = {.at = NOW, .nhashes = 0};
    rk_id_new(r.id);
    rk_id_new(r.person_id);
    assert_int_equal(rk_journal_append(f->journal, &k_old, &r, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "its last record verifies under no key generation"));
    /* A tampered marker (its generation changed) fails its MAC. */
    char *marker = strstr(text, "\nkey ") + 1;
    char *gen = strchr(marker + 4, ' ') + 1;
    *gen = '3';
    write_file(f->journal, text, 0600);
    assert_int_equal(read_journal(f, &f->r.keys, &s, &info, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":3: the MAC does not match"));
    /* A record under the new generation moved before the marker fails too. */
    free(text);
    text = slurp(good);
    marker = strstr(text, "\nkey ") + 1;
    char *rec = strchr(marker, '\n') + 1;
    size_t mlen = (size_t)(rec - marker);
    char *swapped = calloc(1, strlen(text) + 1);
    assert_non_null(swapped);
    snprintf(swapped, strlen(text) + 1, "%.*s%s%.*s", (int)(marker - text), text, rec, (int)mlen,
             marker);
    write_file(f->journal, swapped, 0600);
    assert_int_equal(read_journal(f, &f->r.keys, &s, &info, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":3: the MAC does not match"));
    free(swapped);
    free(text);
    sodium_memzero(&k_old, sizeof k_old);
}

static void count_gen1(void *ctx, uint32_t gen, int64_t rows) {
    if (gen == 1)
        *(int64_t *)ctx = rows;
}

static void journal_replay_of_older_record_matches_by_hash(void **state) {
    struct fx *f = *state;
    char x[RK_ID_LEN + 1], y[RK_ID_LEN + 1], copy[160];
    struct rk_error err = RK_ERROR_INIT;
    /* Two persons holding the same email: x in the customer register, y elsewhere. */
    add_person(f, "shared@example.fi", x);
    struct rk_write w = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, NOW};
    struct rk_consent_input in = {.channel = "web_form", .lang = RK_LANG_FI, .at = NOW};
    struct rk_contact c = {0};
    struct rk_error msg = RK_ERROR_INIT;
    c.v[RK_F_NAME] = "Toinen Haltija";
    c.v[RK_F_EMAIL] = "shared@example.fi";
    if (rk_reg_person_add(&f->r.reg, &w, NULL, &c, &in, y, &msg) != RK_OK)
        fail_msg("add y: %s", msg.message);
    assert_string_not_equal(x, y);
    /* The copy is a backup of the SQLite file, opened again as a file; the PostgreSQL
     * backend's backup (rk_store_backup_to) is not there yet (docs/design-postgres.md). */
    if (rkt_backend_pg()) {
        skip();
    }
    path_in(f, "copy.db", copy, sizeof copy);
    write_file(copy, "", 0600); /* backup_to writes into an existing empty file */
    int64_t pages = 0, bytes = 0;
    assert_int_equal(rk_store_backup_to(f->r.store, copy, &pages, &bytes),
                     RK_OK); /* generation 1 */
    erase_journaled(f, x);   /* the record holds the email's generation-1 hash */
    (void)rotate(f);

    /* The copy, brought forward as a restore does, then the journal replayed into it. */
    struct rk_store *cs = NULL;
    struct rk_reg cr;
    int from = 0, to = 0;
    assert_int_equal(rk_store_open(copy, NULL, &cs, NULL), RK_OK);
    assert_int_equal(rk_store_migrate(cs, &from, &to), RK_OK);
    assert_int_equal(rk_notice_reg_init(&cr, f->r.decl, cs, &f->r.keys, "restore"), RK_OK);
    struct rk_rotate_report rep;
    if (rk_rotate_db(cs, &f->r.keys, 1, NOW + 120, "restore", &rep, &msg) != RK_OK)
        fail_msg("bring forward: %s", msg.message);
    bool restricted = false, objected = false;
    assert_int_equal(rk_store_person_exists(cs, y, &restricted, &objected), RK_OK);
    struct rk_replay_report rr;
    if (rk_restore_replay(&cr, f->journal, NOW + 180, &rr, &err) != RK_OK)
        fail_msg("replay: %s", err.message);
    assert_int_equal(rr.reapplied, 1);
    assert_int_equal(rr.persons, 2); /* x by id, y by the old hash */
    assert_int_equal(rk_store_person_exists(cs, x, &restricted, &objected), RK_ENOENT);
    assert_int_equal(rk_store_person_exists(cs, y, &restricted, &objected), RK_ENOENT);
    /* The record's hash is suppressed under its own generation, and it blocks. */
    int64_t gen1 = 0;
    assert_int_equal(rk_store_suppression_generations(cs, count_gen1, &gen1), RK_OK);
    assert_true(gen1 >= 1);
    bool hit = false;
    assert_int_equal(rk_reg_is_suppressed(&cr, RK_F_EMAIL, "shared@example.fi", &hit), RK_OK);
    assert_true(hit);
    struct rk_write w2 = {"customer", "customer_relationship", RK_SRC_MEETING, NULL, NOW + 240};
    char again[RK_ID_LEN + 1];
    c.v[RK_F_NAME] = "Palaaja";
    assert_int_not_equal(rk_reg_person_add(&cr, &w2, NULL, &c, NULL, again, &msg), RK_OK);
    /* Again: the record is contained now, nothing more happens. */
    assert_int_equal(rk_restore_replay(&cr, f->journal, NOW + 300, &rr, &err), RK_OK);
    assert_int_equal(rr.reapplied, 0);
    assert_int_equal(rr.contained, 1);
    rk_store_close(cs);
}

/* ---- Sealed values (seal) ---- */

/* Queues two erasure notices for id (salesforce and mailchimp know the customer register)
 * and one message to email, sealed under f's current keys. */
static void queue_sealed(struct fx *f, const char *id, const char *email) {
    int n = 0;
    int64_t mid = 0;
    assert_int_equal(rk_notify_recipients(&f->r.reg, id, RK_NOTICE_ERASURE, NULL, NOW, &n), RK_OK);
    assert_int_equal(n, 2);
    struct rk_outbox_msg m = {.kind = "test",
                              .recipient = email,
                              .subject = "Hei Maija Meikäläinen",
                              .body = "Pyyntösi on käsitelty.\n"};
    assert_int_equal(rk_store_begin(f->r.store), RK_OK);
    assert_int_equal(rk_mail_enqueue(f->r.store, &m, NULL, &mid), RK_OK);
    assert_int_equal(rk_store_commit(f->r.store), RK_OK);
}

struct opened {
    const struct rk_keys *k;
    int notices, mails, refused;
    char email[64], to[64], subject[64];
};

static int open_notice(void *ctx, const struct rk_notice_row *r) {
    struct opened *o = ctx;
    struct rk_seal_ad ad;
    char *plain = NULL;
    size_t n = 0;
    rk_seal_ad_notice(r->id, r->recipient, r->person_id, &ad);
    if (rk_seal_open(o->k->notice, &ad, r->sealed, r->sealed_len, &plain, &n) == RK_OK) {
        o->notices++;
        snprintf(o->email, sizeof o->email, "%s", plain);
    } else {
        o->refused++;
    }
    rk_seal_free(plain, n);
    return 0;
}

static int open_mail(void *ctx, const struct rk_outbox_msg *m) {
    struct opened *o = ctx;
    char *plain = NULL;
    size_t n = 0;
    struct rk_mail_content c;
    if (rk_mail_open(o->k->outbox, m, &plain, &n, &c) == RK_OK) {
        o->mails++;
        snprintf(o->to, sizeof o->to, "%s", c.recipient);
        snprintf(o->subject, sizeof o->subject, "%s", c.subject);
        rk_seal_free(plain, n);
    } else {
        o->refused++;
    }
    return 0;
}

/* What of the queued notices and mail of s opens under k, as the deliverer and sender do. */
static struct opened open_all(struct rk_store *s, const struct rk_keys *k) {
    struct opened o = {.k = k};
    assert_int_equal(rk_store_recipient_notice_due(s, NOW + 86400, 100, open_notice, &o), RK_OK);
    assert_int_equal(rk_store_outbox_due(s, rk_time_now() + 86400, 100, open_mail, &o), RK_OK);
    return o;
}

static void rotation_reseals_queued_notices_and_mail(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1];
    add_person(f, "maija@example.fi", id);
    queue_sealed(f, id, "maija@example.fi");
    struct rk_keys g1 = f->r.keys;
    struct opened o = open_all(f->r.store, &g1);
    assert_int_equal(o.notices, 2);
    assert_int_equal(o.mails, 1);

    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.resealed, 3);
    assert_int_equal(rep.unopened, 0);
    o = open_all(f->r.store, &f->r.keys);
    assert_int_equal(o.notices, 2);
    assert_int_equal(o.mails, 1);
    assert_int_equal(o.refused, 0);
    assert_string_equal(o.email, "maija@example.fi");
    assert_string_equal(o.to, "maija@example.fi");
    assert_string_equal(o.subject, "Hei Maija Meikäläinen");
    /* The retired generation no longer opens them: a leaked old key reads nothing queued. */
    o = open_all(f->r.store, &g1);
    assert_int_equal(o.notices + o.mails, 0);
    assert_int_equal(o.refused, 3);
    /* And again, across a second rotation. */
    rep = rotate(f);
    assert_int_equal(rep.resealed, 3);
    o = open_all(f->r.store, &f->r.keys);
    assert_int_equal(o.notices + o.mails, 3);
}

/* An altered sealed value does not stop the rotation: it is left as it was and counted, and
 * fails at delivery as it would have; the others are re-sealed. */
static void rotation_leaves_an_altered_value(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1];
    add_person(f, "maija@example.fi", id);
    queue_sealed(f, id, "maija@example.fi");
    /* One bit of the first notice's ciphertext flipped, through the tamperer's connection. */
    if (f->r.pg) {
        rkt_exec(&f->r, "UPDATE recipient_notice SET sealed = set_byte(sealed, 30, "
                        "get_byte(sealed, 30) # 1) WHERE id = (SELECT min(id) FROM "
                        "recipient_notice)");
    } else {
        sqlite3_stmt *st = NULL;
        unsigned char v[256];
        int n = 0;
        assert_int_equal(
            sqlite3_prepare_v2(f->r.raw, "SELECT sealed FROM recipient_notice ORDER BY id LIMIT 1",
                               -1, &st, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        n = sqlite3_column_bytes(st, 0);
        assert_true(n > 40 && n <= (int)sizeof v);
        memcpy(v, sqlite3_column_blob(st, 0), (size_t)n);
        sqlite3_finalize(st);
        v[30] ^= 0x01;
        assert_int_equal(sqlite3_prepare_v2(f->r.raw,
                                            "UPDATE recipient_notice SET sealed = ?1 WHERE id = "
                                            "(SELECT min(id) FROM recipient_notice)",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_blob(st, 1, v, n, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.resealed, 2);
    assert_int_equal(rep.unopened, 1);
    struct opened o = open_all(f->r.store, &f->r.keys);
    assert_int_equal(o.notices, 1);
    assert_int_equal(o.mails, 1);
    assert_int_equal(o.refused, 1);
}

/* The crash between the commit and the rename: the database's values are under K.new's
 * generation (so nothing opens them with K, which every command refuses meanwhile); the
 * finished rotation opens them. */
static void crash_after_commit_values_follow_the_database(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1], new_path[140];
    struct rk_keys next, g1 = f->r.keys;
    struct rk_rotate_report rep;
    struct rk_error msg = RK_ERROR_INIT;
    add_person(f, "maija@example.fi", id);
    queue_sealed(f, id, "maija@example.fi");
    snprintf(new_path, sizeof new_path, "%s.new", f->key);
    assert_int_equal(rk_keys_rotated(&f->r.keys, NOW, &next), RK_OK);
    assert_int_equal(rk_keys_save(new_path, &next, NULL), RK_OK);
    assert_int_equal(rk_rotate_db(f->r.store, &next, 1, NOW, "cli", &rep, &msg), RK_OK);
    /* ... and the process died here. */
    assert_int_equal(open_all(f->r.store, &g1).refused, 3);
    assert_int_equal(open_all(f->r.store, &next).refused, 0);
    assert_int_equal(rk_rotate(f->r.store, f->key, f->journal, NOW, "cli", &rep, &msg), RK_OK);
    assert_int_equal(rep.step, RK_ROTATE_FINISH);
    reload(f);
    struct opened o = open_all(f->r.store, &f->r.keys);
    assert_int_equal(o.notices + o.mails, 3);
}

/* A restored database, sealed under generation 1, is re-sealed when brought forward. */
static void caught_up_database_is_resealed(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1], old_key[128];
    struct rk_keys next;
    add_person(f, "old@example.fi", id);
    queue_sealed(f, id, "old@example.fi");
    path_in(f, "key.old", old_key, sizeof old_key);
    assert_int_equal(rk_keys_rotated(&f->r.keys, NOW, &next), RK_OK);
    assert_int_equal(rk_keys_save(old_key, &next, NULL), RK_OK);
    assert_int_equal(rename(old_key, f->key), 0);
    struct rk_rotate_report rep = rotate(f);
    assert_int_equal(rep.step, RK_ROTATE_CATCH_UP);
    assert_int_equal(rep.resealed, 3);
    struct opened o = open_all(f->r.store, &f->r.keys);
    assert_int_equal(o.notices + o.mails, 3);
    assert_string_equal(o.email, "old@example.fi");
}

/* Whether the file at path holds needle anywhere. */
static bool file_holds(const char *path, const char *needle) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(buf, cap *= 2);
            assert_non_null(bigger);
            buf = bigger;
        }
    }
    fclose(fp);
    size_t k = strlen(needle);
    bool hit = false;
    for (size_t i = 0; !hit && i + k <= len; i++)
        hit = memcmp(buf + i, needle, k) == 0;
    free(buf);
    return hit;
}

/* A database from before migration 0014: its queued plaintext is moved aside by the
 * migration (finished rows lose it), sealed on open under the database's generation, and
 * opens as it was; no byte of it is left in the file. */
static void plaintext_of_older_database_sealed_on_open(void **state) {
    struct fx *f = *state;
    char copy[160], wal[170];
    /* The subject is an SQLite file of an older schema and the bytes left in it. */
    if (rkt_backend_pg()) {
        skip();
    }
    path_in(f, "copy.db", copy, sizeof copy);
    snprintf(wal, sizeof wal, "%s-wal", copy);
    sqlite3 *old = NULL;
    assert_int_equal(sqlite3_open(copy, &old), SQLITE_OK);
    char *e = NULL;
    for (size_t i = 0; i < rk_nmigrations && rk_migrations[i].version <= 12; i++)
        if (sqlite3_exec(old, rk_migrations[i].sql, NULL, NULL, &e) != SQLITE_OK)
            fail_msg("%s: %s", rk_migrations[i].name, e);
    static const char rows[] =
        "PRAGMA user_version = 12;"
        "INSERT INTO outbox (message_id, person_id, kind, recipient, subject, body, "
        "list_unsubscribe, next_attempt_at, created_at) VALUES ('m-queued', NULL, 'test', "
        "'legacy.queued@example.fi', 'Hei Legacy Queued', 'Body of Legacy', "
        "'https://x.fi/u/tok', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');"
        "INSERT INTO outbox (message_id, person_id, kind, recipient, subject, body, state, "
        "next_attempt_at, created_at, sent_at) VALUES ('m-sent', NULL, 'test', "
        "'legacy.sent@example.fi', 'Hei', 'Body', 'sent', '2025-01-01T00:00:00Z', "
        "'2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z');"
        "INSERT INTO recipient_notice (recipient, person_id, kind, identity_email, "
        "next_attempt_at, created_at) VALUES ('salesforce', 'aaaaaaaaaaaaaaaaaaaaaaaaaa', "
        "'erasure', 'legacy.notice@example.fi', '2025-01-01T00:00:00Z', "
        "'2025-01-01T00:00:00Z');"
        "INSERT INTO recipient_notice (recipient, person_id, kind, identity_email, state, "
        "next_attempt_at, created_at, done_at) VALUES ('salesforce', "
        "'aaaaaaaaaaaaaaaaaaaaaaaaaa', 'erasure', 'legacy.unsupported@example.fi', "
        "'unsupported', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', "
        "'2025-01-01T00:00:00Z');";
    if (sqlite3_exec(old, rows, NULL, NULL, &e) != SQLITE_OK)
        fail_msg("rows: %s", e);
    sqlite3_close(old);
    assert_true(file_holds(copy, "legacy.queued@example.fi"));

    struct rk_store *cs = NULL;
    struct rk_reg cr;
    struct rk_error msg = RK_ERROR_INIT;
    int from = 0, to = 0;
    int64_t sealed = 0;
    assert_int_equal(rk_store_open(copy, NULL, &cs, NULL), RK_OK);
    assert_int_equal(rk_store_migrate(cs, &from, &to), RK_OK);
    assert_int_equal(from, 12);
    /* Before it is sealed nothing opens the marked plaintext: the sender would fail it. */
    struct opened o = open_all(cs, &f->r.keys);
    assert_int_equal(o.notices + o.mails, 0);
    assert_int_equal(o.refused, 2);
    assert_int_equal(rk_notice_reg_init(&cr, f->r.decl, cs, &f->r.keys, "cli"), RK_OK);
    if (rk_rotate_seal_plain(&cr, &sealed, &msg) != RK_OK)
        fail_msg("seal: %s", msg.message);
    assert_int_equal(sealed, 2);
    assert_int_equal(rk_rotate_seal_plain(&cr, &sealed, &msg), RK_OK); /* once */
    assert_int_equal(sealed, 0);
    o = open_all(cs, &f->r.keys);
    assert_int_equal(o.notices, 1);
    assert_int_equal(o.mails, 1);
    assert_string_equal(o.email, "legacy.notice@example.fi");
    assert_string_equal(o.to, "legacy.queued@example.fi");
    assert_string_equal(o.subject, "Hei Legacy Queued");
    /* Sealing checkpointed the log: the main file and the log hold no old page, while the
     * store is still open. */
    static const char *const gone[] = {"legacy.queued", "Legacy Queued", "Body of Legacy",
                                       "legacy.sent",   "legacy.notice", "legacy.unsupported",
                                       "x.fi/u/tok"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        if (file_holds(copy, gone[i]) || file_holds(wal, gone[i]))
            fail_msg("'%s' is still in the database file", gone[i]);
    }
    rk_store_close(cs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(v1_file_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(v2_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation_rehashes_keeps_suppressions_revokes_tokens, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(suppression_of_held_value_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(old_links, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_across_generations, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_before_restores_after, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_after_commit_is_finished, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_before_commit_starts_over, setup, teardown),
        cmocka_unit_test_setup_teardown(old_database_caught_up, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_verifies_across_rotations, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_markers_refused_by_line, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_replay_of_older_record_matches_by_hash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rotation_reseals_queued_notices_and_mail, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation_leaves_an_altered_value, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_after_commit_values_follow_the_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(caught_up_database_is_resealed, setup, teardown),
        cmocka_unit_test_setup_teardown(plaintext_of_older_database_sealed_on_open, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
