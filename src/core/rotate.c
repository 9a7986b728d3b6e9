/*
 * rotate.c — key rotation (see rotate.h for what it does to each use of the
 * key and the crash windows). The database part is one store transaction;
 * the key file part writes K.new aside and renames it only after the
 * database committed, so either order of a crash leaves a state the next
 * `key rotate` recognises. Re-sealing the sealed values, and sealing the
 * plaintext migration 0014 left, share one walk (reseal_table).
 */
#include "core/rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/journal.h"
#include "core/reg_impl.h"
#include "keys/seal.h"
#include "util/fileio.h"

#define PATH_LEN     1024 /* longest key file path, with ".new" */
#define RESEAL_BATCH 16   /* sealed rows copied out per read (a message may be 200 kB) */

/* The lookup hash under the new (current) generation. */
static void rehash(void *ctx, enum rk_field f, const char *value, unsigned char out[RK_HASH_LEN]) {
    rk_keys_hash(ctx, f, value, out);
}

/* ---- Sealed values (rotate.h, "Sealed values") ---------------------------------------- */

struct sealed_copy {
    int64_t id;
    char *recipient, *person_id, *message_id;
    unsigned char *v;
    size_t len;
};

struct sealed_batch {
    struct sealed_copy row[RESEAL_BATCH];
    int n;
    bool oom;
};

static char *dup_or_null(const char *v, bool *oom) {
    char *d = v ? strdup(v) : NULL;
    if (v && !d)
        *oom = true;
    return d;
}

static int copy_sealed(void *ctx, const struct rk_sealed_row *r) {
    struct sealed_batch *b = ctx;
    struct sealed_copy *c = &b->row[b->n++];
    c->id = r->id;
    c->recipient = dup_or_null(r->recipient, &b->oom);
    c->person_id = dup_or_null(r->person_id, &b->oom);
    c->message_id = dup_or_null(r->message_id, &b->oom);
    c->len = r->len;
    c->v = malloc(r->len ? r->len : 1);
    if (c->v)
        memcpy(c->v, r->sealed, r->len);
    else
        b->oom = true;
    return b->oom || b->n == RESEAL_BATCH;
}

static void batch_free(struct sealed_batch *b) {
    for (int i = 0; i < b->n; i++) {
        free(b->row[i].recipient);
        free(b->row[i].person_id);
        free(b->row[i].message_id);
        if (b->row[i].v)
            sodium_memzero(b->row[i].v, b->row[i].len); /* migration 0014's may be plaintext */
        free(b->row[i].v);
    }
    b->n = 0;
}

/* The new sealed value of one row: its plaintext (opened under from, or migration 0014's
 * after the marker byte) sealed under to. RK_EPARSE when it does not open. */
static rk_err reseal_one(enum rk_sealed_table t, const struct sealed_copy *c,
                         const unsigned char *from, const unsigned char *to, unsigned char **out,
                         size_t *outlen) {
    struct rk_seal_ad ad;
    if (t == RK_SEALED_NOTICE)
        rk_seal_ad_notice(c->id, c->recipient, c->person_id, &ad);
    else if (t == RK_SEALED_DISCLOSURE)
        rk_seal_ad_disclosure(c->recipient, c->person_id, &ad);
    else
        rk_seal_ad_outbox(c->id, c->message_id, &ad);
    if (c->len >= 1 && c->v[0] == RK_SEAL_PLAIN)
        return rk_seal(to, &ad, c->v + 1, c->len - 1, out, outlen);
    if (!from)
        return RK_EPARSE;
    char *plain = NULL;
    size_t n = 0;
    rk_err err = rk_seal_open(from, &ad, c->v, c->len, &plain, &n);
    if (err == RK_OK)
        err = rk_seal(to, &ad, plain, n, out, outlen);
    rk_seal_free(plain, n);
    return err;
}

/*
 * Inside the caller's transaction: every sealed value of table t (only migration 0014's
 * plaintext with plain_only) sealed again under to, opened under from (NULL: only plaintext
 * is taken). Values that do not open stay as they are, counted in *unopened.
 */
static rk_err reseal_table(struct rk_store *s, enum rk_sealed_table t, bool plain_only,
                           const unsigned char *from, const unsigned char *to, int64_t *done,
                           int64_t *unopened) {
    struct sealed_batch *b = calloc(1, sizeof *b);
    if (!b)
        return RK_ENOMEM;
    rk_err err = RK_OK;
    int64_t after = 0;
    for (int n = RESEAL_BATCH; err == RK_OK && n == RESEAL_BATCH;) {
        err = rk_store_sealed_list(s, t, after, plain_only, RESEAL_BATCH, copy_sealed, b);
        if (err == RK_OK && b->oom)
            err = RK_ENOMEM;
        n = b->n;
        for (int i = 0; err == RK_OK && i < n; i++) {
            unsigned char *v = NULL;
            size_t len = 0;
            after = b->row[i].id;
            err = reseal_one(t, &b->row[i], from, to, &v, &len);
            if (err == RK_EPARSE) {
                (*unopened)++;
                err = RK_OK;
                continue;
            }
            if (err == RK_OK)
                err = rk_store_sealed_set(s, t, b->row[i].id, v, len);
            free(v);
            if (err == RK_OK)
                (*done)++;
        }
        batch_free(b);
    }
    free(b);
    return err;
}

rk_err rk_rotate_seal_plain(struct rk_reg *reg, int64_t *sealed, struct rk_error *msg) {
    struct rk_store *s = reg->store;
    const struct rk_keys *k = &reg->keys;
    struct sealed_batch probe = {.n = 0};
    rk_err err = RK_OK;
    bool any = false;
    *sealed = 0;
    msg->message[0] = '\0';
    for (int t = 0; err == RK_OK && !any && t < RK_SEALED__COUNT; t++) {
        err = rk_store_sealed_list(s, (enum rk_sealed_table)t, 0, true, 1, copy_sealed, &probe);
        any = probe.n > 0;
        batch_free(&probe);
    }
    uint32_t db_gen = 0;
    char db_fp[RK_FINGERPRINT_LEN + 1];
    if (err == RK_OK && any)
        err = rk_store_key_state_get(s, &db_gen, db_fp);
    const struct rk_keygen *g = k->ngen > 0 ? rk_keys_find(k, db_gen) : NULL;
    if (err != RK_OK || !any || (k->ngen > 0 && !g)) {
        if (err != RK_OK)
            err = rk_error_set(msg, err, NULL, "cannot read the queued notices and mail: %s",
                               rk_store_errmsg(s));
        return err; /* nothing to seal, or a key file rk_rotate_check refuses */
    }
    struct rk_keys gk;
    if (g)
        rk_keys_of(g, &gk);
    else
        gk = *k; /* a struct filled by hand: one unnamed generation */
    int64_t unopened = 0;
    struct rk_work tx;
    err = rk_reg_work_begin(reg, &tx);
    for (int t = 0; err == RK_OK && t < RK_SEALED__COUNT; t++)
        err = reseal_table(s, (enum rk_sealed_table)t, true, NULL,
                           t == RK_SEALED_OUTBOX ? gk.outbox : gk.notice, sealed, &unopened);
    err = rk_reg_work_end(reg, &tx, err);
    sodium_memzero(&gk, sizeof gk);
    /* The plaintext's old pages leave the main file and the log with a checkpoint (busy
     * while another connection reads: SQLite's own checkpoints take them later). */
    bool checkpointed = err == RK_OK && !reg->in_batch && rk_store_checkpoint(s) == RK_OK;
    (void)checkpointed;
    if (err != RK_OK) {
        *sealed = 0;
        err = rk_error_set(msg, err, NULL,
                           "cannot seal the queued notices and mail of a database from before this "
                           "version: %s (%s)",
                           rk_err_str(err), rk_store_errmsg(s));
    }
    return err;
}

static rk_err say(struct rk_error *msg, rk_err err, const char *text) {
    return rk_error_set(msg, err, NULL, "%s", text);
}

rk_err rk_rotate_db(struct rk_store *s, const struct rk_keys *k, uint32_t from, rk_ts at,
                    const char *actor, struct rk_rotate_report *out, struct rk_error *msg) {
    msg->message[0] = '\0';
    const struct rk_keygen *old = rk_keys_find(k, from);
    if (!old || k->ngen == 0 || from >= k->gen[0].number) {
        return rk_error_set(
            msg, RK_EINVAL, NULL,
            "the key file does not hold key generation %u, older than its current one",
            (unsigned)from);
    }
    struct rk_rotate_report r = {.step = RK_ROTATE_NEW, .from = from, .to = k->gen[0].number};
    rk_keys_fingerprint(&k->gen[0], r.fingerprint);
    struct rk_keys old_keys;
    rk_keys_of(old, &old_keys);
    uint32_t db_gen = 0;
    char db_fp[RK_FINGERPRINT_LEN + 1];
    rk_err err = rk_store_begin(s);
    /* Held exclusively: the write transactions of running instances end first, and those
     * that begin meanwhile wait and then find the new generation (store.h). */
    if (err == RK_OK)
        err = rk_store_key_generation_hold(s, true, &db_gen);
    if (err == RK_OK && (err = rk_store_key_state_get(s, &db_gen, db_fp)) == RK_OK &&
        db_gen != from) {
        err = rk_error_set(
            msg, RK_ECONFLICT, NULL,
            "the database is at key generation %u, not %u: another rotation ran meanwhile",
            (unsigned)db_gen, (unsigned)from);
    }
    if (err == RK_OK)
        err = rk_store_key_rehash(s, r.to, rehash, (void *)k, &r.rehashed);
    if (err == RK_OK)
        err = reseal_table(s, RK_SEALED_NOTICE, false, old_keys.notice, k->notice, &r.resealed,
                           &r.unopened);
    if (err == RK_OK)
        err = reseal_table(s, RK_SEALED_OUTBOX, false, old_keys.outbox, k->outbox, &r.resealed,
                           &r.unopened);
    /* Disclosures' remote keys are sealed under the notice subkey too (core/disclose.h). */
    if (err == RK_OK)
        err = reseal_table(s, RK_SEALED_DISCLOSURE, false, old_keys.notice, k->notice, &r.resealed,
                           &r.unopened);
    if (err == RK_OK)
        err = rk_store_tokens_revoke_all(s, at, &r.tokens_revoked);
    if (err == RK_OK)
        err = rk_store_staff_sessions_clear(s, NULL, &r.sessions_ended);
    if (err == RK_OK) {
        char detail[RK_AUDIT_FIELD_MAX + 1];
        snprintf(detail, sizeof detail,
                 "generation=%u fingerprint=%s entries=%lld signups=%lld suppressions_moved=%lld "
                 "tokens_revoked=%lld sessions_ended=%lld",
                 (unsigned)r.to, r.fingerprint, (long long)r.rehashed.entries,
                 (long long)r.rehashed.signups, (long long)r.rehashed.suppressions,
                 (long long)r.tokens_revoked, (long long)r.sessions_ended);
        err = rk_audit_append(s, &old_keys, at, actor, "key.rotated", NULL, detail);
    }
    if (err == RK_OK)
        err = rk_store_key_state_set(s, r.to, r.fingerprint);
    err = rk_work_store_end(s, err); /* a failed COMMIT is rolled back too (core/work.h) */
    sodium_memzero(&old_keys, sizeof old_keys);
    if (err != RK_OK) {
        if (!msg->message[0])
            err = rk_error_set(msg, err, NULL, "the database was not changed: %s (%s)",
                               rk_err_str(err), rk_store_errmsg(s));
        return err;
    }
    *out = r;
    return RK_OK;
}

/* Step 2b: the erasure journal's marker for k's current generation (when missing). */
static rk_err mark_journal(const char *journal, const struct rk_keys *k, rk_ts now, bool *marked,
                           struct rk_error *msg) {
    struct rk_error err = RK_ERROR_INIT;
    *marked = false;
    rk_err e = journal ? rk_journal_advance(journal, k, now, marked, &err) : RK_OK;
    if (e != RK_OK)
        e = rk_error_set(
            msg, e, NULL,
            "the database moved to key generation %u, but the erasure journal could not be "
            "marked (%.150s): put it right and run 'rekisteri key rotate' again to finish",
            (unsigned)rk_keys_generation(k), err.message);
    return e;
}

/* Renames new_path over key_path and syncs the folder. */
static rk_err put_in_place(const char *new_path, const char *key_path, struct rk_error *msg) {
    if (rename(new_path, key_path) != 0 || !rk_sync_parent(key_path)) {
        return rk_error_set(
            msg, RK_EIO, NULL,
            "the database moved to the new key, but %.80s could not be renamed to %.80s (%s): "
            "run 'rekisteri key rotate' again to finish",
            new_path, key_path, strerror(errno));
    }
    return RK_OK;
}

rk_err rk_rotate(struct rk_store *s, const char *key_path, const char *journal, rk_ts now,
                 const char *actor, struct rk_rotate_report *out, struct rk_error *msg) {
    char new_path[PATH_LEN];
    struct rk_error err_text = RK_ERROR_INIT;
    struct rk_keys cur, next;
    uint32_t db_gen = 0;
    char db_fp[RK_FINGERPRINT_LEN + 1];
    msg->message[0] = '\0';
    if ((size_t)snprintf(new_path, sizeof new_path, "%s.new", key_path) >= sizeof new_path)
        return say(msg, RK_EINVAL, "the key file's path is too long");
    rk_err err = rk_keys_load(key_path, &cur, &err_text);
    if (err != RK_OK)
        return say(msg, err, err_text.message);
    if ((err = rk_store_key_state_get(s, &db_gen, db_fp)) != RK_OK) {
        sodium_memzero(&cur, sizeof cur);
        return say(msg, err, "cannot read the database's key generation");
    }
    uint32_t k_gen = cur.gen[0].number;
    struct stat st;
    if (stat(new_path, &st) == 0) {
        /* An earlier rotation stopped: finish it, or drop its unused key. */
        err = rk_keys_load(new_path, &next, &err_text);
        if (err != RK_OK) {
            sodium_memzero(&cur, sizeof cur);
            err = rk_error_set(
                msg, err, NULL,
                "%.80s is left from an interrupted rotation but does not load (%.120s); the "
                "database is at key generation %u",
                new_path, err_text.message, (unsigned)db_gen);
            return err;
        }
        char fp[RK_FINGERPRINT_LEN + 1];
        rk_keys_fingerprint(&next.gen[0], fp);
        bool finish = next.gen[0].number == db_gen && strcmp(fp, db_fp) == 0, marked = false;
        if (finish)
            err = mark_journal(journal, &next, now, &marked, msg);
        sodium_memzero(&next, sizeof next);
        if (finish) {
            sodium_memzero(&cur, sizeof cur);
            if (err == RK_OK)
                err = put_in_place(new_path, key_path, msg);
            if (err == RK_OK)
                *out = (struct rk_rotate_report){.step = RK_ROTATE_FINISH,
                                                 .from = k_gen,
                                                 .to = db_gen,
                                                 .journal_marked = marked};
            if (err == RK_OK)
                snprintf(out->fingerprint, sizeof out->fingerprint, "%s", fp);
            return err;
        }
        if (db_gen != k_gen) {
            sodium_memzero(&cur, sizeof cur);
            return rk_error_set(
                msg, RK_ECONFLICT, NULL,
                "the database is at key generation %u, %.80s at %u and %.80s does not match "
                "it: restore the key file that belongs to this database",
                (unsigned)db_gen, key_path, (unsigned)k_gen, new_path);
        }
        if (unlink(new_path) != 0) {
            sodium_memzero(&cur, sizeof cur);
            return rk_error_set(msg, RK_EIO, NULL, "cannot remove the unused %.200s: %s", new_path,
                                strerror(errno));
        }
    }
    if (db_gen > k_gen) {
        sodium_memzero(&cur, sizeof cur);
        return rk_error_set(
            msg, RK_ECONFLICT, NULL,
            "the database is at key generation %u but %.100s only at %u: restore the key file "
            "that belongs to this database",
            (unsigned)db_gen, key_path, (unsigned)k_gen);
    }
    if (db_gen < k_gen) {
        /* A database from before the key file's last rotation (a restored backup). */
        err = rk_rotate_db(s, &cur, db_gen, now, actor, out, msg);
        if (err == RK_OK)
            err = mark_journal(journal, &cur, now, &out->journal_marked, msg);
        sodium_memzero(&cur, sizeof cur);
        if (err == RK_OK)
            out->step = RK_ROTATE_CATCH_UP;
        return err;
    }
    if (cur.ngen >= RK_KEYGEN_MAX) {
        sodium_memzero(&cur, sizeof cur);
        return say(msg, RK_ETOOBIG, "the key file holds 16 generations, the most it can");
    }
    err = rk_keys_rotated(&cur, now, &next);
    sodium_memzero(&cur, sizeof cur);
    if (err == RK_OK && (err = rk_keys_save(new_path, &next, &err_text)) != RK_OK)
        say(msg, err, err_text.message);
    if (err == RK_OK && !rk_sync_parent(new_path)) {
        unlink(new_path);
        err = say(msg, RK_EIO, "cannot sync the key file's folder");
    }
    if (err == RK_OK && (err = rk_rotate_db(s, &next, k_gen, now, actor, out, msg)) != RK_OK)
        unlink(new_path);
    else if (err == RK_OK)
        err = mark_journal(journal, &next, now, &out->journal_marked, msg);
    sodium_memzero(&next, sizeof next);
    if (err == RK_OK)
        err = put_in_place(new_path, key_path, msg);
    return err;
}

rk_err rk_rotate_check(struct rk_store *s, const struct rk_keys *k, const char *key_path,
                       struct rk_error *msg) {
    uint32_t db_gen = 0;
    char db_fp[RK_FINGERPRINT_LEN + 1], fp[RK_FINGERPRINT_LEN + 1] = "";
    rk_err err = rk_store_key_state_get(s, &db_gen, db_fp);
    if (err != RK_OK) {
        err = rk_error_set(msg, err, NULL, "cannot read the database's key generation: %s",
                           rk_store_errmsg(s));
        return err;
    }
    uint32_t k_gen = rk_keys_generation(k);
    if (k->ngen > 0)
        rk_keys_fingerprint(&k->gen[0], fp);
    if (db_gen == k_gen && (!db_fp[0] || strcmp(db_fp, fp) == 0))
        return RK_OK;
    char new_path[PATH_LEN];
    struct stat st;
    bool interrupted =
        (size_t)snprintf(new_path, sizeof new_path, "%s.new", key_path) < sizeof new_path &&
        stat(new_path, &st) == 0;
    if (db_gen > k_gen && interrupted)
        return rk_error_set(
            msg, RK_ECONFLICT, NULL,
            "the database is at key generation %u but the key file %.100s at %u: a rotation "
            "was interrupted; run 'rekisteri key rotate' to finish it",
            (unsigned)db_gen, key_path, (unsigned)k_gen);
    if (db_gen > k_gen)
        return rk_error_set(
            msg, RK_ECONFLICT, NULL,
            "the database is at key generation %u but the key file %.100s only at %u: use "
            "the key file the database was rotated to",
            (unsigned)db_gen, key_path, (unsigned)k_gen);
    if (db_gen < k_gen)
        return rk_error_set(
            msg, RK_ECONFLICT, NULL,
            "the database is at key generation %u, older than the key file %.100s (%u): run "
            "'rekisteri key rotate' to bring it forward",
            (unsigned)db_gen, key_path, (unsigned)k_gen);
    return rk_error_set(
        msg, RK_ECONFLICT, NULL,
        "the key file %.100s is not the one this database was rotated to (fingerprint %s, "
        "the database expects %s)",
        key_path, fp, db_fp);
}
