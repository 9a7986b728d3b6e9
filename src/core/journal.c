/*
 * journal.c — the erasure journal (see journal.h for the design): writing a
 * record under the file lock, reading and verifying the MAC chain, the hook
 * in rk_rights_erase, and the replay a restore runs.
 */
#include "core/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rights.h"

#define MAGIC_LEN (sizeof RK_JOURNAL_MAGIC - 1)
#define MAC_LEN   32
#define MAC_HEX   ((size_t)2 * MAC_LEN)
#define HASH_HEX  ((size_t)2 * RK_HASH_LEN)
/* The longest record line: id, at, person, every hash, MAC, four spaces and the newline. */
#define LINE_MAX_LEN                                                                               \
    (RK_ID_LEN + 21 + RK_ID_LEN + RK_JOURNAL_HASHES_MAX * (HASH_HEX + 2) + MAC_HEX + 8)

/* ---- The line ------------------------------------------------------------------------------ */

/* Writes "ID AT PERSON HASHES" (no MAC, no newline) to out; its length, or 0 if it does not fit. */
static size_t format_body(const struct rk_journal_rec *r, char *out, size_t n) {
    int len = snprintf(out, n, "%s %" PRId64 " %s ", r->id, (int64_t)r->at,
                       r->person_id[0] ? r->person_id : "-");
    if (len < 0 || (size_t)len >= n)
        return 0;
    size_t used = (size_t)len;
    if (r->nhashes == 0) {
        if (used + 2 > n)
            return 0;
        out[used++] = '-';
    }
    for (size_t i = 0; i < r->nhashes; i++) {
        if (used + HASH_HEX + 3 > n)
            return 0;
        if (i)
            out[used++] = ',';
        out[used++] = r->hashes[i].field == RK_F_EMAIL ? 'e' : 'p';
        sodium_bin2hex(out + used, HASH_HEX + 1, r->hashes[i].h, RK_HASH_LEN);
        used += HASH_HEX;
    }
    out[used] = '\0';
    return used;
}

static void line_mac(const struct rk_keys *k, const unsigned char prev[MAC_LEN], const char *body,
                     size_t len, unsigned char out[MAC_LEN]) {
    crypto_generichash_state st;
    crypto_generichash_init(&st, k->journal, sizeof k->journal, MAC_LEN);
    crypto_generichash_update(&st, prev, MAC_LEN);
    crypto_generichash_update(&st, (const unsigned char *)body, len);
    crypto_generichash_final(&st, out, MAC_LEN);
}

static bool is_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/*
 * Checks a record line (without its newline) against the chain (prev: the MAC
 * before it; mac gets its own) and parses it into r; the reason on failure.
 * The line is cut up in place.
 */
static const char *parse_line(const struct rk_keys *k, const unsigned char prev[MAC_LEN],
                              char *line, size_t len, struct rk_journal_rec *r,
                              unsigned char mac[MAC_LEN]) {
    if (len < MAC_HEX + 2 || line[len - MAC_HEX - 1] != ' ')
        return "no MAC at the end of the line";
    const char *mhex = line + len - MAC_HEX;
    unsigned char want[MAC_LEN];
    if (!is_hex(mhex, MAC_HEX) ||
        sodium_hex2bin(mac, MAC_LEN, mhex, MAC_HEX, NULL, NULL, NULL) != 0)
        return "the MAC is not 64 hex digits";
    size_t body_len = len - MAC_HEX - 1;
    line_mac(k, prev, line, body_len, want);
    if (sodium_memcmp(mac, want, MAC_LEN) != 0)
        return "the MAC does not match: the line was altered, or a line before it removed or "
               "moved, or the journal belongs to another key";
    line[body_len] = '\0';
    memset(r, 0, sizeof *r);
    char *save = NULL;
    char *id = strtok_r(line, " ", &save), *at = strtok_r(NULL, " ", &save);
    char *person = strtok_r(NULL, " ", &save), *hashes = strtok_r(NULL, " ", &save);
    if (!id || !at || !person || !hashes || strtok_r(NULL, " ", &save))
        return "expected ID AT PERSON HASHES MAC";
    if (!rk_id_valid(id))
        return "the record id is malformed";
    snprintf(r->id, sizeof r->id, "%s", id);
    char *end = NULL;
    errno = 0;
    long long ts = strtoll(at, &end, 10);
    if (errno || *end || end == at || ts < 0)
        return "the instant is not a number";
    r->at = (rk_ts)ts;
    if (strcmp(person, "-") != 0) {
        if (!rk_id_valid(person))
            return "the person id is malformed";
        snprintf(r->person_id, sizeof r->person_id, "%s", person);
    }
    if (strcmp(hashes, "-") == 0)
        return NULL;
    for (char *h = hashes; *h;) {
        if (r->nhashes >= RK_JOURNAL_HASHES_MAX)
            return "too many hashes";
        struct rk_journal_hash *out = &r->hashes[r->nhashes++];
        if (h[0] != 'e' && h[0] != 'p')
            return "a hash does not start with e or p";
        out->field = h[0] == 'e' ? RK_F_EMAIL : RK_F_PHONE;
        if (strlen(h + 1) < HASH_HEX || !is_hex(h + 1, HASH_HEX) ||
            (h[1 + HASH_HEX] != ',' && h[1 + HASH_HEX] != '\0') ||
            sodium_hex2bin(out->h, RK_HASH_LEN, h + 1, HASH_HEX, NULL, NULL, NULL) != 0)
            return "a hash is not 64 hex digits";
        h += 1 + HASH_HEX;
        if (*h == ',' && !*++h)
            return "a hash list ends in a comma";
    }
    return NULL;
}

/* ---- Writing ------------------------------------------------------------------------------- */

static bool write_full(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

static ssize_t pread_full(int fd, char *buf, size_t n, off_t at) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, at + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Syncs the folder holding path, so that a file created in it survives a crash. */
static void sync_parent(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

rk_err rk_journal_create(const char *path, char *err, size_t errsz) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errsz, "cannot create the erasure journal %s: %s", path, strerror(errno));
        return errno == EEXIST ? RK_ECONFLICT : RK_EIO;
    }
    bool ok = write_full(fd, RK_JOURNAL_MAGIC, MAGIC_LEN) && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, errsz, "cannot write the erasure journal %s: %s", path, strerror(errno));
        unlink(path);
        return RK_EIO;
    }
    sync_parent(path);
    return RK_OK;
}

/*
 * Under the lock: checks the header (writing it into an empty file), cuts off a
 * torn last line, and finds the MAC of the last record (zeros when none).
 */
static rk_err prepare_tail(int fd, const char *path, unsigned char prev[MAC_LEN], char *err,
                           size_t errsz) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errsz, "cannot read the erasure journal %s: %s", path, strerror(errno));
        return RK_EIO;
    }
    memset(prev, 0, MAC_LEN);
    if (st.st_size == 0)
        return write_full(fd, RK_JOURNAL_MAGIC, MAGIC_LEN) ? RK_OK : RK_EIO;
    char head[MAGIC_LEN];
    if (pread_full(fd, head, MAGIC_LEN, 0) != (ssize_t)MAGIC_LEN ||
        memcmp(head, RK_JOURNAL_MAGIC, MAGIC_LEN) != 0) {
        snprintf(err, errsz, "%s is not a rekisteri erasure journal (version 1)", path);
        return RK_EPARSE;
    }
    /* The tail: enough for the last complete line and a torn one after it. */
    size_t want = 2 * LINE_MAX_LEN;
    off_t from = st.st_size > (off_t)want ? st.st_size - (off_t)want : 0;
    size_t n = (size_t)(st.st_size - from);
    char *tail = malloc(n + 1);
    if (!tail)
        return RK_ENOMEM;
    rk_err e = RK_OK;
    if (pread_full(fd, tail, n, from) != (ssize_t)n) {
        snprintf(err, errsz, "cannot read the erasure journal %s: %s", path, strerror(errno));
        e = RK_EIO;
        goto out;
    }
    size_t end = n; /* one past the last newline */
    while (end > 0 && tail[end - 1] != '\n')
        end--;
    if (end == 0) {
        snprintf(err, errsz, "%s: its last line is longer than a record can be", path);
        e = RK_EPARSE;
        goto out;
    }
    if (end < n && ftruncate(fd, from + (off_t)end) != 0) { /* a torn last line */
        snprintf(err, errsz, "cannot cut the torn last line of %s: %s", path, strerror(errno));
        e = RK_EIO;
        goto out;
    }
    size_t start = end - 1; /* the last complete line is tail[start, end - 1) */
    while (start > 0 && tail[start - 1] != '\n')
        start--;
    if (from + (off_t)start == 0) /* the header: no record yet */
        goto out;
    if (end - 1 - start < MAC_HEX ||
        sodium_hex2bin(prev, MAC_LEN, tail + end - 1 - MAC_HEX, MAC_HEX, NULL, NULL, NULL) != 0) {
        snprintf(err, errsz, "%s: its last record has no MAC; run 'rekisteri journal verify'",
                 path);
        e = RK_EPARSE;
    }
out:
    free(tail);
    return e;
}

rk_err rk_journal_append(const char *path, const struct rk_keys *k, const struct rk_journal_rec *r,
                         char *err, size_t errsz) {
    char line[LINE_MAX_LEN + 1];
    if (errsz)
        err[0] = '\0';
    size_t len = format_body(r, line, sizeof line - MAC_HEX - 2);
    if (len == 0) {
        snprintf(err, errsz, "an erasure journal record does not fit a line");
        return RK_ETOOBIG;
    }
    struct stat st;
    bool existed = stat(path, &st) == 0;
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errsz, "cannot open the erasure journal %s: %s", path, strerror(errno));
        return RK_EIO;
    }
    rk_err e = RK_OK;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            snprintf(err, errsz, "cannot lock the erasure journal %s: %s", path, strerror(errno));
            close(fd);
            return RK_EIO;
        }
    unsigned char prev[MAC_LEN], mac[MAC_LEN];
    e = prepare_tail(fd, path, prev, err, errsz);
    if (e == RK_OK) {
        line_mac(k, prev, line, len, mac);
        line[len++] = ' ';
        sodium_bin2hex(line + len, MAC_HEX + 1, mac, MAC_LEN);
        len += MAC_HEX;
        line[len++] = '\n';
        if (!write_full(fd, line, len) || fsync(fd) != 0) {
            snprintf(err, errsz, "cannot write the erasure journal %s: %s", path, strerror(errno));
            e = RK_EIO;
        }
    } else if (e == RK_ENOMEM) {
        snprintf(err, errsz, "out of memory");
    } else if (e == RK_EIO && !err[0]) {
        snprintf(err, errsz, "cannot write the erasure journal %s: %s", path, strerror(errno));
    }
    if (close(fd) != 0 && e == RK_OK) {
        snprintf(err, errsz, "cannot write the erasure journal %s: %s", path, strerror(errno));
        e = RK_EIO;
    }
    if (e == RK_OK && !existed)
        sync_parent(path);
    return e;
}

/* ---- Reading ------------------------------------------------------------------------------- */

rk_err rk_journal_read(const char *path, const struct rk_keys *k, rk_journal_fn fn, void *ctx,
                       struct rk_journal_info *info, char *err, size_t errsz) {
    struct rk_journal_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errsz, "cannot open the erasure journal %s: %s", path, strerror(errno));
        return errno == ENOENT ? RK_ENOENT : RK_EIO;
    }
    struct rk_journal_rec *r = malloc(sizeof *r);
    char *line = NULL;
    size_t cap = 0;
    unsigned char prev[MAC_LEN] = {0}, mac[MAC_LEN];
    long no = 0;
    rk_err e = r ? RK_OK : RK_ENOMEM;
    ssize_t n;
    while (e == RK_OK && (n = getline(&line, &cap, f)) >= 0) {
        no++;
        if (n == 0 || line[n - 1] != '\n') { /* torn: only possible as the last line */
            info->torn_line = no;
            break;
        }
        if (no == 1) {
            if ((size_t)n != MAGIC_LEN || memcmp(line, RK_JOURNAL_MAGIC, MAGIC_LEN) != 0) {
                snprintf(err, errsz, "%s:1: not a rekisteri erasure journal (version 1)", path);
                e = RK_EPARSE;
            }
            continue;
        }
        const char *why = (size_t)n > LINE_MAX_LEN
                              ? "the line is longer than a record can be"
                              : parse_line(k, prev, line, (size_t)n - 1, r, mac);
        if (why) {
            snprintf(err, errsz, "%s:%ld: %s", path, no, why);
            e = RK_EPARSE;
            break;
        }
        memcpy(prev, mac, MAC_LEN);
        r->line = no;
        info->records++;
        if (fn && fn(ctx, r))
            break;
    }
    if (e == RK_OK && ferror(f)) {
        snprintf(err, errsz, "cannot read the erasure journal %s: %s", path, strerror(errno));
        e = RK_EIO;
    }
    if (e == RK_OK && no == 0)
        info->torn_line = 1; /* an empty file: its header was never written whole */
    if (e == RK_ENOMEM)
        snprintf(err, errsz, "out of memory");
    free(line);
    free(r);
    fclose(f);
    return e;
}

/* ---- The hook in rk_rights_erase ------------------------------------------------------------ */

static void add_hash(struct rk_journal_rec *r, enum rk_field f,
                     const unsigned char h[RK_HASH_LEN]) {
    for (size_t i = 0; i < r->nhashes; i++)
        if (memcmp(r->hashes[i].h, h, RK_HASH_LEN) == 0)
            return;
    if (r->nhashes < RK_JOURNAL_HASHES_MAX) {
        r->hashes[r->nhashes].field = f;
        memcpy(r->hashes[r->nhashes++].h, h, RK_HASH_LEN);
    }
}

static int collect_entry(void *ctx, const struct rk_entry *e) {
    struct rk_journal_rec *r = ctx;
    if (e->v[RK_F_EMAIL])
        add_hash(r, RK_F_EMAIL, e->email_hash);
    if (e->v[RK_F_PHONE])
        add_hash(r, RK_F_PHONE, e->phone_hash);
    return 0;
}

rk_err rk_journal_erasure(struct rk_reg *reg, const char *person_id, rk_ts at, struct rk_msg *msg) {
    if (!reg->journal)
        return RK_OK;
    struct rk_journal_rec *r = calloc(1, sizeof *r);
    struct rk_signup *u = malloc(sizeof *u);
    rk_err e = r && u ? RK_OK : RK_ENOMEM;
    if (e == RK_OK) {
        rk_id_new(r->id);
        r->at = at;
        snprintf(r->person_id, sizeof r->person_id, "%s", person_id);
        e = rk_store_entries_of_person(reg->store, person_id, collect_entry, r);
    }
    for (size_t i = 0; e == RK_OK && i < reg->decl->npurposes; i++) {
        e = rk_store_signup_get(reg->store, person_id, reg->decl->purposes[i].id, u);
        if (e == RK_OK && u->v[RK_F_EMAIL]) {
            unsigned char h[RK_HASH_LEN];
            rk_keys_hash(&reg->keys, RK_F_EMAIL, u->v[RK_F_EMAIL], h);
            add_hash(r, RK_F_EMAIL, h);
        }
        if (e == RK_ENOENT)
            e = RK_OK;
    }
    if (e == RK_OK)
        e = rk_store_journal_mark(reg->store, r->id, at);
    if (e == RK_OK) {
        char err[sizeof msg->text];
        err[0] = '\0';
        e = rk_journal_append(reg->journal, &reg->keys, r, err, sizeof err);
        if (e != RK_OK) /* not the caller's input: the service's journal is unusable */
            snprintf(msg->text, sizeof msg->text, "%s; the erasure was not made", err);
        if (e != RK_OK && e != RK_ENOMEM)
            e = RK_EIO;
    }
    free(u);
    free(r);
    return e;
}

/* ---- Replay -------------------------------------------------------------------------------- */

struct recs {
    struct rk_journal_rec *v;
    size_t n, cap;
};

static int keep_rec(void *ctx, const struct rk_journal_rec *r) {
    struct recs *rs = ctx;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        struct rk_journal_rec *v = realloc(rs->v, cap * sizeof *v);
        if (!v)
            return 1;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = *r;
    return 0;
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

/* The database's record ids, each checked against the sorted journal ids. */
struct contain {
    const char (*ids)[RK_ID_LEN + 1];
    size_t n;
    char missing[RK_ID_LEN + 1];
    int64_t count;
};

static int check_contained(void *ctx, const char *id) {
    struct contain *c = ctx;
    if (!c->n || !bsearch(id, c->ids, c->n, sizeof c->ids[0], cmp_id)) {
        if (!c->count)
            snprintf(c->missing, sizeof c->missing, "%s", id);
        c->count++;
    }
    return 0;
}

/* The persons a record names: its person id and every holder of one of its hashes. */
struct targets {
    char id[RK_JOURNAL_HASHES_MAX * 2 + 1][RK_ID_LEN + 1];
    size_t n;
};

static void add_target(struct targets *t, const char *id) {
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->id[i], id) == 0)
            return;
    if (t->n < sizeof t->id / sizeof t->id[0])
        snprintf(t->id[t->n++], sizeof t->id[0], "%s", id);
}

static int target_entry(void *ctx, const struct rk_entry *e) {
    add_target(ctx, e->person_id);
    return 0;
}

static rk_err find_targets(struct rk_reg *reg, const struct rk_journal_rec *r, struct targets *t) {
    t->n = 0;
    bool restricted = false, objected = false;
    rk_err e = r->person_id[0]
                   ? rk_store_person_exists(reg->store, r->person_id, &restricted, &objected)
                   : RK_ENOENT;
    if (e == RK_OK)
        add_target(t, r->person_id);
    else if (e != RK_ENOENT)
        return e;
    e = RK_OK;
    for (size_t i = 0; i < r->nhashes && e == RK_OK; i++) {
        e = rk_store_entries_by_hash(reg->store, r->hashes[i].h, target_entry, t);
        char id[RK_ID_LEN + 1];
        if (e == RK_OK && r->hashes[i].field == RK_F_EMAIL) {
            e = rk_store_signup_by_hash(reg->store, r->hashes[i].h, id);
            if (e == RK_OK)
                add_target(t, id);
            else if (e == RK_ENOENT)
                e = RK_OK;
        }
    }
    return e;
}

/* Re-applies one record in its own transaction. */
static rk_err reapply(struct rk_reg *reg, const struct rk_journal_rec *r, rk_ts at,
                      struct targets *t, struct rk_replay_report *out, char *err, size_t errsz) {
    struct rk_msg msg = {.suppressed = false};
    struct rk_erase_report *rep = malloc(sizeof *rep);
    rk_err e = rep ? rk_reg_batch_begin(reg) : RK_ENOMEM;
    if (e != RK_OK) {
        free(rep);
        return e;
    }
    int64_t persons = 0, suppressed = 0;
    e = find_targets(reg, r, t);
    for (size_t i = 0; i < t->n && e == RK_OK; i++) {
        e = rk_rights_erase(reg, t->id[i], NULL, at, rep, &msg);
        persons += e == RK_OK;
        if (e == RK_ENOENT) /* erased already with an earlier target (one of its hashes) */
            e = RK_OK;
    }
    for (size_t i = 0; i < r->nhashes && e == RK_OK; i++) {
        bool already = false;
        e = rk_store_suppressed(reg->store, r->hashes[i].h, &already);
        if (e == RK_OK && !already) {
            e = rk_store_suppress_add(reg->store, r->hashes[i].h, r->hashes[i].field,
                                      RK_SUPPRESS_ERASURE, at);
            suppressed++;
        }
    }
    if (e == RK_OK)
        e = rk_store_journal_mark(reg->store, r->id, r->at);
    if (e == RK_OK) {
        char detail[160], when[RK_TS_LEN + 1];
        rk_ts_format(r->at, when);
        snprintf(detail, sizeof detail, "record %s of %s; erased %lld persons, suppressed %lld",
                 r->id, when, (long long)persons, (long long)suppressed);
        e = rk_reg_audit(reg, "journal.reapplied", r->person_id[0] ? r->person_id : NULL, detail,
                         at);
    }
    if (e == RK_OK)
        e = rk_reg_batch_commit(reg);
    if (e != RK_OK) {
        if (reg->in_batch)
            rk_reg_batch_rollback(reg);
        snprintf(err, errsz, "cannot re-apply erasure journal record %s (line %ld): %s", r->id,
                 r->line,
                 msg.text[0]                ? msg.text
                 : rk_store_last_error()[0] ? rk_store_last_error()
                                            : rk_err_str(e));
    } else {
        out->reapplied++;
        out->persons += persons;
        out->suppressed += suppressed;
    }
    free(rep);
    return e;
}

rk_err rk_journal_replay(struct rk_reg *reg, const char *path, rk_ts at,
                         struct rk_replay_report *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    if (reg->in_batch)
        return RK_EINVAL;
    struct recs rs = {NULL, 0, 0};
    struct rk_journal_info info = {.records = 0};
    char(*ids)[RK_ID_LEN + 1] = NULL;
    struct targets *t = malloc(sizeof *t);
    const char *journal = reg->journal;
    rk_err e = t ? rk_journal_read(path, &reg->keys, keep_rec, &rs, &info, err, errsz) : RK_ENOMEM;
    if (e == RK_OK && rs.n != (size_t)info.records)
        e = RK_ENOMEM;
    out->records = info.records;
    out->torn_line = info.torn_line;
    /* 7. Every record the database holds must be in the journal. */
    if (e == RK_OK && rs.n && !(ids = malloc(rs.n * sizeof *ids)))
        e = RK_ENOMEM;
    for (size_t i = 0; e == RK_OK && i < rs.n; i++)
        memcpy(ids[i], rs.v[i].id, sizeof ids[i]);
    if (e == RK_OK && rs.n)
        qsort(ids, rs.n, sizeof ids[0], cmp_id);
    struct contain c = {.ids = (const char(*)[RK_ID_LEN + 1]) ids, .n = rs.n, .count = 0};
    if (e == RK_OK && (e = rk_store_journal_ids(reg->store, check_contained, &c)) != RK_OK)
        snprintf(err, errsz, "cannot read the database's erasure records: %s",
                 rk_store_last_error());
    if (e == RK_OK && c.count) {
        snprintf(err, errsz,
                 "the database holds %lld erasure record(s) the journal %s lacks (first: %s): it "
                 "is another register's journal or was cut short",
                 (long long)c.count, path, c.missing);
        e = RK_EREFUSED;
    }
    /* 6. Re-apply what the database lacks, not journaling it again. */
    reg->journal = NULL;
    for (size_t i = 0; e == RK_OK && i < rs.n; i++) {
        bool has = false;
        e = rk_store_journal_has(reg->store, rs.v[i].id, &has);
        if (e != RK_OK)
            snprintf(err, errsz, "cannot read the database's erasure records: %s",
                     rk_store_last_error());
        else if (has)
            out->contained++;
        else
            e = reapply(reg, &rs.v[i], at, t, out, err, errsz);
    }
    reg->journal = journal;
    if (e == RK_ENOMEM)
        snprintf(err, errsz, "out of memory");
    free(ids);
    free(rs.v);
    free(t);
    return e;
}
