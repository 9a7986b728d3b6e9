/*
 * test_journal.c — the erasure journal (core/journal.c): records written and
 * read back whole; an altered, removed or foreign-key line refused with its
 * line number; a torn last line tolerated, reported and cut by the next
 * append; the hook in rk_rights_erase; and the replay over a real SQLite
 * store and a copy of it taken as a backup — only the records the copy lacks
 * re-applied (by person id and by hash), a person who came back after an
 * erasure older than the copy kept, a second replay changing nothing, a
 * journal lacking the copy's records refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/journal.h"
#include "core/restore.h"
#include "core/rights.h"
#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

#define T0 "2025-01-15T10:00:00Z"

struct fx {
    struct rkt_reg r; /* regfix.h: the register, its journal the file "j" */
    char journal[128], db[128], copy[128];
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    if (rkt_reg_open(&f->r, "journal", rkt_load_example(), "tester") != 0)
        return -1;
    rkt_reg_path(&f->r, "j", f->journal, sizeof f->journal);
    rkt_reg_path(&f->r, "t.db", f->db, sizeof f->db);
    rkt_reg_path(&f->r, "copy.db", f->copy, sizeof f->copy);
    f->r.reg.journal = f->journal;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    if (!f)
        return 0;
    rkt_reg_close(&f->r);
    free(f);
    return 0;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static rk_ts ts(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant %s", iso);
    return t;
}

static struct rk_error *clear(struct rk_error *m) {
    *m = (struct rk_error)RK_ERROR_INIT;
    return m;
}

static void must(rk_err e, const char *what, const struct rk_error *m) {
    if (e != RK_OK)
        fail_msg("%s: %s: %s", what, rk_err_name(e), m ? m->message : "");
}

static void add_person(struct fx *f, struct rk_reg *reg, const char *email, const char *phone,
                       char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_MEETING, NULL, ts(T0)};
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Testi Henkilö";
    c.v[RK_F_EMAIL] = email;
    c.v[RK_F_PHONE] = phone;
    must(rk_reg_person_add(reg, &w, NULL, &c, NULL, id, clear(&f->r.msg)), "person add", &f->r.msg);
}

static void erase(struct fx *f, struct rk_reg *reg, const char *id) {
    struct rk_erase_report rep;
    must(rk_rights_erase(reg, id, NULL, ts(T0), &rep, clear(&f->r.msg)), "erase", &f->r.msg);
}

static bool exists(struct rk_reg *reg, const char *id) {
    bool restricted = false, objected = false;
    rk_err e = rk_store_person_exists(reg->store, id, &restricted, &objected);
    assert_true(e == RK_OK || e == RK_ENOENT);
    return e == RK_OK;
}

static bool suppressed(struct rk_reg *reg, enum rk_field fl, const char *value) {
    bool hit = false;
    assert_int_equal(rk_reg_is_suppressed(reg, fl, value, &hit), RK_OK);
    return hit;
}

static struct rk_journal_rec record(int nhashes) {
    struct rk_journal_rec r;
    memset(&r, 0, sizeof r);
    rk_id_new(r.id);
    rk_id_new(r.person_id);
    r.at = ts(T0) + nhashes;
    r.nhashes = (size_t)nhashes;
    for (int i = 0; i < nhashes; i++) {
        r.hashes[i].field = i % 2 ? RK_F_PHONE : RK_F_EMAIL;
        randombytes_buf(r.hashes[i].h, RK_HASH_LEN);
    }
    return r;
}

struct seen {
    struct rk_journal_rec v[8];
    int n;
};

static int keep(void *ctx, const struct rk_journal_rec *r) {
    struct seen *s = ctx;
    if (s->n < 8)
        s->v[s->n++] = *r;
    return 0;
}

static void append(struct fx *f, const struct rk_journal_rec *r) {
    struct rk_error err = RK_ERROR_INIT;
    if (rk_journal_append(f->journal, &f->r.keys, r, &err) != RK_OK)
        fail_msg("append: %s", err.message);
}

static void write_text(const char *path, const char *text, bool append_to) {
    FILE *fp = fopen(path, append_to ? "ab" : "wb");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static char *slurp(const char *path) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static int lines(const char *path) {
    char *s = slurp(path);
    int n = 0;
    for (char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

/* ---- The file ----------------------------------------------------------------------------- */

static void records_read_back_whole(void **state) {
    struct fx *f = *state;
    struct rk_journal_rec r[3] = {record(0), record(1), record(RK_JOURNAL_HASHES_MAX)};
    r[0].person_id[0] = '\0'; /* a record may name no person */
    for (int i = 0; i < 3; i++)
        append(f, &r[i]);
    struct stat st;
    assert_int_equal(stat(f->journal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    struct seen s = {.n = 0};
    struct rk_journal_info info;
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, keep, &s, &info, &err), RK_OK);
    assert_int_equal(info.records, 3);
    assert_int_equal(info.torn_line, 0);
    assert_int_equal(s.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(s.v[i].id, r[i].id);
        assert_string_equal(s.v[i].person_id, r[i].person_id);
        assert_int_equal(s.v[i].at, r[i].at);
        assert_int_equal(s.v[i].nhashes, r[i].nhashes);
        assert_int_equal(s.v[i].line, i + 2);
        for (size_t k = 0; k < r[i].nhashes; k++) {
            assert_int_equal(s.v[i].hashes[k].field, r[i].hashes[k].field);
            assert_memory_equal(s.v[i].hashes[k].h, r[i].hashes[k].h, RK_HASH_LEN);
        }
    }
    char *text = slurp(f->journal);
    assert_memory_equal(text, RK_JOURNAL_MAGIC, sizeof RK_JOURNAL_MAGIC - 1);
    free(text);
    /* create leaves an existing journal alone */
    assert_int_equal(rk_journal_create(f->journal, 1, &err), RK_ECONFLICT);
    assert_int_equal(lines(f->journal), 4);
}

static void altered_removed_or_foreign_lines_refused(void **state) {
    struct fx *f = *state;
    for (int i = 1; i <= 3; i++) {
        struct rk_journal_rec r = record(i);
        append(f, &r);
    }
    char *good = slurp(f->journal);
    struct rk_error err = RK_ERROR_INIT;
    struct seen s = {.n = 0};

    /* An instant changed on line 3: the records before it are passed on, then refused. */
    char *text = strdup(good);
    char *line3 = strchr(strchr(text, '\n') + 1, '\n') + 1;
    char *at = strchr(line3, ' ') + 1;
    *at = *at == '9' ? '8' : '9';
    write_text(f->journal, text, false);
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, keep, &s, NULL, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "/j:3: the MAC does not match"));
    assert_int_equal(s.n, 1);
    free(text);

    /* Line 2 removed: the old line 3 no longer follows the chain. */
    text = strdup(good);
    char *line2 = strchr(text, '\n') + 1;
    char *next = strchr(line2, '\n') + 1;
    memmove(line2, next, strlen(next) + 1);
    write_text(f->journal, text, false);
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, NULL, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":2: the MAC does not match"));
    free(text);

    /* A line that is not a record at all. */
    write_text(f->journal, good, false);
    write_text(f->journal, "hello world\n", true);
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, NULL, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":5: no MAC"));

    /* The right journal under another key. */
    write_text(f->journal, good, false);
    struct rk_keys other = f->r.keys;
    other.journal[0] ^= 1;
    assert_int_equal(rk_journal_read(f->journal, &other, NULL, NULL, NULL, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":2: the MAC does not match"));
    free(good);
}

static void torn_last_line_tolerated_then_cut(void **state) {
    struct fx *f = *state;
    struct rk_journal_rec a = record(1), b = record(2);
    append(f, &a);
    append(f, &b);
    write_text(f->journal, "kxq3 17000 half a rec", true);
    struct rk_journal_info info;
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, &info, &err), RK_OK);
    assert_int_equal(info.records, 2);
    assert_int_equal(info.torn_line, 4);
    struct rk_journal_rec c = record(3);
    append(f, &c); /* cuts the torn line first, chains on b */
    struct seen s = {.n = 0};
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, keep, &s, &info, &err), RK_OK);
    assert_int_equal(info.records, 3);
    assert_int_equal(info.torn_line, 0);
    assert_string_equal(s.v[2].id, c.id);
    assert_int_equal(lines(f->journal), 4);
}

static void missing_and_foreign_files(void **state) {
    struct fx *f = *state;
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, NULL, &err), RK_ENOENT);
    assert_non_null(strstr(err.message, "cannot open the erasure journal"));
    write_text(f->journal, "rekisteri-key 1\n", false);
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, NULL, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":1: not a rekisteri erasure journal"));
    struct rk_journal_rec r = record(1);
    assert_int_equal(rk_journal_append(f->journal, &f->r.keys, &r, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "is not a rekisteri erasure journal"));
    /* An empty file (a crash while it was created) reads as a torn header. */
    write_text(f->journal, "", false);
    struct rk_journal_info info;
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, &info, &err), RK_OK);
    assert_int_equal(info.records, 0);
    append(f, &r);
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, &info, &err), RK_OK);
    assert_int_equal(info.records, 1);
}

/* The header names the key generation the journal starts in (journal.h design 9). */
static void headers_name_their_generation(void **state) {
    struct fx *f = *state;
    struct rk_error err = RK_ERROR_INIT;
    static const char *const bad[] = {"rekisteri-erasures 2 0\n", "rekisteri-erasures 2 x\n",
                                      "rekisteri-erasures 2\n", "rekisteri-erasures 3 1\n",
                                      "rekisteri-erasures 2 01\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(f->journal, bad[i], false);
        assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, NULL, &err),
                         RK_EPARSE);
        assert_non_null(
            strstr(err.message, ":1: not a rekisteri erasure journal (version 1 or 2)"));
    }
    /* Version 2 naming generation 1 reads as version 1 does; records carry the generation. */
    write_text(f->journal, "rekisteri-erasures 2 1\n", false);
    struct rk_journal_rec r = record(1);
    append(f, &r);
    struct seen s = {.n = 0};
    struct rk_journal_info info;
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, keep, &s, &info, &err), RK_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.v[0].gen, 1);
    assert_int_equal(info.generation, 1);
    assert_int_equal(info.markers, 0);
    /* A journal created under a generation the key file does not hold is refused, by
     * readers and appenders alike. */
    unlink(f->journal);
    assert_int_equal(rk_journal_create(f->journal, 3, &err), RK_OK);
    char *text = slurp(f->journal);
    assert_string_equal(text, "rekisteri-erasures 2 3\n");
    free(text);
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, NULL, NULL, NULL, &err), RK_EPARSE);
    assert_non_null(
        strstr(err.message,
               ":1: the journal starts in key generation 3, which the key file does not hold"));
    assert_int_equal(rk_journal_append(f->journal, &f->r.keys, &r, &err), RK_EPARSE);
    assert_non_null(
        strstr(err.message, "continues under key generation 3, newer than the key file's"));
    assert_int_equal(lines(f->journal), 1);
}

/* ---- The hook and the replay -------------------------------------------------------------- */

static void erasure_is_journaled_with_hashes_only(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1];
    add_person(f, &f->r.reg, "maija@example.fi", "+358401234567", id);
    erase(f, &f->r.reg, id);
    struct seen s = {.n = 0};
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_journal_read(f->journal, &f->r.keys, keep, &s, NULL, &err), RK_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].person_id, id);
    assert_int_equal(s.v[0].at, ts(T0));
    assert_int_equal(s.v[0].nhashes, 2);
    unsigned char he[RK_HASH_LEN], hp[RK_HASH_LEN];
    rk_keys_hash(&f->r.keys, RK_F_EMAIL, "maija@example.fi", he);
    rk_keys_hash(&f->r.keys, RK_F_PHONE, "+358401234567", hp);
    assert_int_equal(s.v[0].hashes[0].field, RK_F_EMAIL);
    assert_memory_equal(s.v[0].hashes[0].h, he, RK_HASH_LEN);
    assert_int_equal(s.v[0].hashes[1].field, RK_F_PHONE);
    assert_memory_equal(s.v[0].hashes[1].h, hp, RK_HASH_LEN);
    bool has = false;
    assert_int_equal(rk_store_journal_has(f->r.store, s.v[0].id, &has), RK_OK);
    assert_true(has);
    char *text = slurp(f->journal);
    assert_null(strstr(text, "maija"));
    assert_null(strstr(text, "358401234567"));
    free(text);
    /* An unwritable journal refuses the erasure, which changes nothing. */
    add_person(f, &f->r.reg, "teppo@example.fi", NULL, id);
    f->r.reg.journal = "/nonexistent-dir/j";
    struct rk_erase_report rep;
    assert_int_equal(rk_rights_erase(&f->r.reg, id, NULL, ts(T0), &rep, clear(&f->r.msg)), RK_EIO);
    assert_non_null(strstr(f->r.msg.message, "cannot open the erasure journal"));
    assert_true(exists(&f->r.reg, id));
    assert_false(suppressed(&f->r.reg, RK_F_EMAIL, "teppo@example.fi"));
}

/* Copies the database to f->copy with SQLite's online backup, as `rekisteri backup` does. */
static void take_copy(struct fx *f) {
    /* The copy is a backup of the SQLite file, opened again as a file; the PostgreSQL
     * backend's backup (rk_store_backup_to) is not there yet (docs/design-postgres.md). */
    if (rkt_backend_pg()) {
        skip();
    }
    int fd = open(f->copy, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    int64_t pages = 0, bytes = 0;
    assert_int_equal(rk_store_backup_to(f->r.store, f->copy, &pages, &bytes), RK_OK);
}

/* Opens the copy as a register acting as "restore", without a journal. */

static void open_copy(struct fx *f, struct rk_store **store, struct rk_reg *reg) {
    int from = 0, to = 0;
    assert_int_equal(rk_store_open(f->copy, NULL, store, NULL), RK_OK);
    assert_int_equal(rk_store_migrate(*store, &from, &to), RK_OK);
    assert_int_equal(rk_notice_reg_init(reg, f->r.decl, *store, &f->r.keys, "restore"), RK_OK);
}

static void lift_suppression(struct fx *f) { rkt_exec(&f->r, "DELETE FROM suppression"); }

static void replay_applies_only_what_the_copy_lacks(void **state) {
    struct fx *f = *state;
    char early[RK_ID_LEN + 1], back[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1],
        d[RK_ID_LEN + 1];
    /* Before the copy: erased, then back with the same email (the suppression lifted). */
    add_person(f, &f->r.reg, "early@example.fi", NULL, early);
    erase(f, &f->r.reg, early);
    lift_suppression(f);
    add_person(f, &f->r.reg, "early@example.fi", NULL, back);
    add_person(f, &f->r.reg, "b@example.fi", NULL, b);
    add_person(f, &f->r.reg, "c@example.fi", "+358409998877", c);
    take_copy(f);
    /* After the copy: two erasures and a new person. */
    erase(f, &f->r.reg, b);
    erase(f, &f->r.reg, c);
    add_person(f, &f->r.reg, "d@example.fi", NULL, d);
    int before = lines(f->journal);
    assert_int_equal(before, 4);

    struct rk_store *cs = NULL;
    struct rk_reg cr;
    open_copy(f, &cs, &cr);
    assert_true(exists(&cr, b) && exists(&cr, c) && exists(&cr, back));
    struct rk_replay_report rep;
    struct rk_error err = RK_ERROR_INIT;
    if (rk_restore_replay(&cr, f->journal, ts(T0), &rep, &err) != RK_OK)
        fail_msg("replay: %s", err.message);
    assert_int_equal(rep.records, 3);
    assert_int_equal(rep.contained, 1);
    assert_int_equal(rep.reapplied, 2);
    assert_int_equal(rep.persons, 2);
    assert_false(exists(&cr, b));
    assert_false(exists(&cr, c));
    assert_false(exists(&cr, d));
    assert_true(exists(&cr, back)); /* the older erasure is not applied again */
    assert_false(suppressed(&cr, RK_F_EMAIL, "early@example.fi"));
    assert_true(suppressed(&cr, RK_F_EMAIL, "b@example.fi"));
    assert_true(suppressed(&cr, RK_F_EMAIL, "c@example.fi"));
    assert_true(suppressed(&cr, RK_F_PHONE, "+358409998877"));
    assert_int_equal(lines(f->journal), before); /* not journaled again */

    /* Again: everything is contained now. */
    assert_int_equal(rk_restore_replay(&cr, f->journal, ts(T0), &rep, &err), RK_OK);
    assert_int_equal(rep.contained, 3);
    assert_int_equal(rep.reapplied, 0);
    assert_int_equal(rep.persons, 0);
    assert_true(exists(&cr, back));
    rk_store_close(cs);
}

static void replay_finds_persons_by_hash(void **state) {
    struct fx *f = *state;
    char x[RK_ID_LEN + 1];
    add_person(f, &f->r.reg, "x@example.fi", NULL, x);
    /* A record naming another id (as after a merge) but the email's hash. */
    struct rk_journal_rec r = record(0);
    r.nhashes = 1;
    r.hashes[0].field = RK_F_EMAIL;
    rk_keys_hash(&f->r.keys, RK_F_EMAIL, "x@example.fi", r.hashes[0].h);
    append(f, &r);
    f->r.reg.actor = "restore";
    struct rk_replay_report rep;
    struct rk_error err = RK_ERROR_INIT;
    if (rk_restore_replay(&f->r.reg, f->journal, ts(T0), &rep, &err) != RK_OK)
        fail_msg("replay: %s", err.message);
    assert_int_equal(rep.reapplied, 1);
    assert_int_equal(rep.persons, 1);
    assert_false(exists(&f->r.reg, x));
    assert_true(suppressed(&f->r.reg, RK_F_EMAIL, "x@example.fi"));
    assert_string_equal(f->r.reg.journal, f->journal); /* restored after the replay */
}

static void replay_refuses_a_journal_lacking_the_records(void **state) {
    struct fx *f = *state;
    char id[RK_ID_LEN + 1], keep_id[RK_ID_LEN + 1];
    add_person(f, &f->r.reg, "y@example.fi", NULL, id);
    erase(f, &f->r.reg, id);
    add_person(f, &f->r.reg, "z@example.fi", NULL, keep_id);
    char other[128];
    struct rk_error err = RK_ERROR_INIT;
    snprintf(other, sizeof other, "%s/other", f->r.dir);
    assert_int_equal(rk_journal_create(other, 1, &err), RK_OK);
    struct rk_replay_report rep;
    assert_int_equal(rk_restore_replay(&f->r.reg, other, ts(T0), &rep, &err), RK_EREFUSED);
    assert_non_null(strstr(err.message, "holds 1 erasure record(s) the journal"));
    assert_true(exists(&f->r.reg, keep_id));
    /* A tampered journal is refused before anything changes. */
    struct rk_journal_rec r = record(1);
    rk_keys_hash(&f->r.keys, RK_F_EMAIL, "z@example.fi", r.hashes[0].h);
    r.hashes[0].field = RK_F_EMAIL;
    append(f, &r);
    char *text = slurp(f->journal);
    char *last = strrchr(text, ' ') + 1;
    *last = *last == 'a' ? 'b' : 'a';
    write_text(f->journal, text, false);
    free(text);
    assert_int_equal(rk_restore_replay(&f->r.reg, f->journal, ts(T0), &rep, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, ":3: the MAC does not match"));
    assert_true(exists(&f->r.reg, keep_id));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_read_back_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(altered_removed_or_foreign_lines_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_last_line_tolerated_then_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_and_foreign_files, setup, teardown),
        cmocka_unit_test_setup_teardown(headers_name_their_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(erasure_is_journaled_with_hashes_only, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_applies_only_what_the_copy_lacks, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_finds_persons_by_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_refuses_a_journal_lacking_the_records, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
