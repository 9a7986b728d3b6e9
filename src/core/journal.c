/*
 * journal.c — the erasure journal file (see journal.h for the design):
 * formatting and parsing its lines, writing a record under the file lock,
 * reading and verifying the MAC chain, and the record an erasure appends
 * (the hook in rk_rights_erase). Replaying it is core/restore.c's.
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

#include "core/reg_impl.h"
#include "util/fileio.h"

#define MAGIC_LEN  (sizeof RK_JOURNAL_MAGIC - 1)
#define HEADER_MAX 48 /* "rekisteri-erasures 2 GEN\n" and its NUL */
#define MAC_LEN    32
#define MAC_HEX    ((size_t)2 * MAC_LEN)
#define HASH_HEX   ((size_t)2 * RK_HASH_LEN)
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

static void line_mac(const unsigned char key[RK_KEY_LEN], const unsigned char prev[MAC_LEN],
                     const char *body, size_t len, unsigned char out[MAC_LEN]) {
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, RK_KEY_LEN, MAC_LEN);
    crypto_generichash_update(&st, prev, MAC_LEN);
    crypto_generichash_update(&st, (const unsigned char *)body, len);
    crypto_generichash_final(&st, out, MAC_LEN);
}

/* The journal subkey of generation gen, if k holds it (a struct filled by hand: only 1). */
static bool journal_key(const struct rk_keys *k, uint32_t gen, unsigned char out[RK_KEY_LEN]) {
    if (gen == rk_keys_generation(k)) {
        memcpy(out, k->journal, RK_KEY_LEN);
        return true;
    }
    const struct rk_keygen *g = k->ngen ? rk_keys_find(k, gen) : NULL;
    if (!g)
        return false;
    rk_keys_derive(g, RK_SUBKEY_JOURNAL, out);
    return true;
}

/* The header of a journal starting in generation gen (design 9): version 1 for
 * generation 1, as before rotation existed; version 2 naming it otherwise. */
static size_t format_header(uint32_t gen, char out[HEADER_MAX]) {
    if (gen <= 1)
        return (size_t)snprintf(out, HEADER_MAX, "%s", RK_JOURNAL_MAGIC);
    return (size_t)snprintf(out, HEADER_MAX, "%s %u\n", RK_JOURNAL_MAGIC2, (unsigned)gen);
}

/* The generation a header line (with its newline, n bytes) starts in; 0: not a header. */
static uint32_t parse_header(const char *line, size_t n) {
    size_t m2 = sizeof RK_JOURNAL_MAGIC2 - 1;
    if (n == MAGIC_LEN && memcmp(line, RK_JOURNAL_MAGIC, MAGIC_LEN) == 0)
        return 1;
    if (n < m2 + 3 || n >= HEADER_MAX || memcmp(line, RK_JOURNAL_MAGIC2, m2) != 0 ||
        line[m2] != ' ' || line[n - 1] != '\n')
        return 0;
    uint32_t gen = 0;
    for (size_t i = m2 + 1; i < n - 1; i++) {
        if (line[i] < '0' || line[i] > '9' || gen > UINT32_MAX / 10 - 1)
            return 0;
        gen = gen * 10 + (uint32_t)(line[i] - '0');
    }
    return line[m2 + 1] == '0' ? 0 : gen;
}

/* The generation a marker's body ("key AT GEN FP") names; 0 when malformed. */
static uint32_t marker_gen(const char *body, size_t len, char fp[RK_FINGERPRINT_LEN + 1]) {
    char buf[96];
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, body, len);
    buf[len] = '\0';
    char *save = NULL;
    const char *key = strtok_r(buf, " ", &save), *at = strtok_r(NULL, " ", &save);
    const char *gen = strtok_r(NULL, " ", &save), *f = strtok_r(NULL, " ", &save);
    if (!key || strcmp(key, "key") != 0 || !at || !gen || !f || strtok_r(NULL, " ", &save))
        return 0;
    char *end = NULL;
    errno = 0;
    long long ts = strtoll(at, &end, 10);
    if (errno || *end || end == at || ts < 0)
        return 0;
    errno = 0;
    unsigned long g = strtoul(gen, &end, 10);
    if (errno || *end || end == gen || gen[0] == '0' || gen[0] == '-' || g > UINT32_MAX)
        return 0;
    if (strlen(f) != RK_FINGERPRINT_LEN)
        return 0;
    snprintf(fp, RK_FINGERPRINT_LEN + 1, "%s", f);
    return (uint32_t)g;
}

static bool is_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/*
 * Checks a line (without its newline) against the chain under key (prev: the
 * MAC before it; mac gets its own) and parses it: a record into r, or a key
 * generation marker (*marker gets the generation it names, fp its
 * fingerprint; 0 for a record). The reason on failure. The line is cut up in
 * place.
 */
static const char *parse_line(const unsigned char key[RK_KEY_LEN],
                              const unsigned char prev[MAC_LEN], char *line, size_t len,
                              struct rk_journal_rec *r, unsigned char mac[MAC_LEN],
                              uint32_t *marker, char fp[RK_FINGERPRINT_LEN + 1]) {
    *marker = 0;
    if (len < MAC_HEX + 2 || line[len - MAC_HEX - 1] != ' ')
        return "no MAC at the end of the line";
    const char *mhex = line + len - MAC_HEX;
    unsigned char want[MAC_LEN];
    if (!is_hex(mhex, MAC_HEX) ||
        sodium_hex2bin(mac, MAC_LEN, mhex, MAC_HEX, NULL, NULL, NULL) != 0)
        return "the MAC is not 64 hex digits";
    size_t body_len = len - MAC_HEX - 1;
    line_mac(key, prev, line, body_len, want);
    if (sodium_memcmp(mac, want, MAC_LEN) != 0)
        return "the MAC does not match: the line was altered, or a line before it removed or "
               "moved, or the journal belongs to another key";
    if (body_len > 4 && memcmp(line, "key ", 4) == 0) {
        *marker = marker_gen(line, body_len, fp);
        return *marker ? NULL : "a key generation marker is malformed (expected key AT GEN FP MAC)";
    }
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

rk_err rk_journal_create(const char *path, uint32_t gen, struct rk_error *err) {
    char header[HEADER_MAX];
    size_t hlen = format_header(gen, header);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return rk_error_set(err, errno == EEXIST ? RK_ECONFLICT : RK_EIO, NULL, "cannot create the erasure journal %s: %s", path, strerror(errno));
    }
    bool ok = rk_write_full(fd, header, hlen) && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        int saved = errno;
        unlink(path);
        return rk_error_set(err, RK_EIO, NULL, "cannot write the erasure journal %s: %s", path,
                            strerror(saved));
    }
    rk_sync_parent(path);
    return RK_OK;
}

/* The MAC at the end of the line tail[start, stop) (stop: its newline); false when none. */
static bool mac_of(const char *tail, size_t start, size_t stop, unsigned char mac[MAC_LEN]) {
    return stop - start > MAC_HEX &&
           sodium_hex2bin(mac, MAC_LEN, tail + stop - MAC_HEX, MAC_HEX, NULL, NULL, NULL) == 0;
}

/*
 * Under the lock: checks the header (writing one for k's generation into an
 * empty file), cuts off a torn last line, and finds the MAC of the last line
 * (zeros when none) and the key generation the journal continues in (*gen):
 * the header's, the one a marker names, or the one whose key verifies the
 * last record (design 9).
 */
static rk_err prepare_tail(int fd, const char *path, const struct rk_keys *k,
                           unsigned char prev[MAC_LEN], uint32_t *gen, struct rk_error *err) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return rk_error_set(err, RK_EIO, NULL, "cannot read the erasure journal %s: %s", path, strerror(errno));
    }
    memset(prev, 0, MAC_LEN);
    char head[HEADER_MAX];
    if (st.st_size == 0) {
        *gen = rk_keys_generation(k);
        size_t hlen = format_header(*gen, head);
        return rk_write_full(fd, head, hlen) ? RK_OK : RK_EIO;
    }
    ssize_t got = rk_pread_full(fd, head, sizeof head, 0);
    const char *nl = got > 0 ? memchr(head, '\n', (size_t)got) : NULL;
    if (!nl || !(*gen = parse_header(head, (size_t)(nl - head) + 1))) {
        return rk_error_set(err, RK_EPARSE, NULL, "%s is not a rekisteri erasure journal (version 1 or 2)", path);
    }
    /* The tail: enough for the last two complete lines and a torn one after them. */
    size_t want = 3 * (LINE_MAX_LEN + 2);
    off_t from = st.st_size > (off_t)want ? st.st_size - (off_t)want : 0;
    size_t n = (size_t)(st.st_size - from);
    char *tail = malloc(n + 1);
    if (!tail)
        return RK_ENOMEM;
    rk_err e = RK_OK;
    if (rk_pread_full(fd, tail, n, from) != (ssize_t)n) {
        e = rk_error_set(err, RK_EIO, NULL, "cannot read the erasure journal %s: %s", path, strerror(errno));
        goto out;
    }
    size_t end = n; /* one past the last newline */
    while (end > 0 && tail[end - 1] != '\n')
        end--;
    if (end == 0) {
        e = rk_error_set(err, RK_EPARSE, NULL, "%s: its last line is longer than a record can be", path);
        goto out;
    }
    if (end < n && ftruncate(fd, from + (off_t)end) != 0) { /* a torn last line */
        e = rk_error_set(err, RK_EIO, NULL, "cannot cut the torn last line of %s: %s", path, strerror(errno));
        goto out;
    }
    size_t start = end - 1; /* the last complete line is tail[start, end - 1) */
    while (start > 0 && tail[start - 1] != '\n')
        start--;
    if (from + (off_t)start == 0) /* the header: no record yet */
        goto out;
    if (!mac_of(tail, start, end - 1, prev)) {
        e = rk_error_set(err, RK_EPARSE, NULL,
                         "%s: its last line has no MAC; run 'rekisteri journal verify'", path);
        goto out;
    }
    size_t body = end - 1 - MAC_HEX - 1 - start;
    char fp[RK_FINGERPRINT_LEN + 1];
    if (body > 4 && memcmp(tail + start, "key ", 4) == 0) { /* a marker: the generation it names */
        if (!(*gen = marker_gen(tail + start, body, fp))) {
            e = rk_error_set(err, RK_EPARSE, NULL, "%s: its last line is a malformed key generation marker", path);
        }
        goto out;
    }
    /* A record: the generation whose key verifies it against the line before. */
    size_t pstart = start - 1;
    while (pstart > 0 && tail[pstart - 1] != '\n')
        pstart--;
    unsigned char pprev[MAC_LEN] = {0}, mac[MAC_LEN], key[RK_KEY_LEN];
    if (pstart == 0 && from > 0) {
        e = rk_error_set(err, RK_EPARSE, NULL, "%s: a line is longer than a record can be", path);
        goto out;
    }
    if (from + (off_t)pstart > 0 && !mac_of(tail, pstart, start - 1, pprev)) {
        e = rk_error_set(err, RK_EPARSE, NULL,
                         "%s: a line has no MAC; run 'rekisteri journal verify'", path);
        goto out;
    }
    size_t ngen = k->ngen ? k->ngen : 1;
    *gen = 0;
    for (size_t i = 0; i < ngen && !*gen; i++) {
        uint32_t g = k->ngen ? k->gen[i].number : 1;
        if (!journal_key(k, g, key))
            continue;
        line_mac(key, pprev, tail + start, body, mac);
        if (sodium_memcmp(mac, prev, MAC_LEN) == 0)
            *gen = g;
    }
    sodium_memzero(key, sizeof key);
    if (!*gen) {
        e = rk_error_set(err, RK_EPARSE, NULL,
                         "%s: its last record verifies under no key generation the key file "
                         "holds; run 'rekisteri journal verify'",
                         path);
    }
out:
    free(tail);
    return e;
}

/*
 * Under the lock, in one write and fsync: a key generation marker when the
 * journal continues in an older generation than k's current one, then the
 * record r (NULL: none). *marked says whether a marker was written.
 */
static rk_err append_locked(int fd, const char *path, const struct rk_keys *k,
                            const struct rk_journal_rec *r, rk_ts at, bool *marked,
                            struct rk_error *err) {
    char out[2 * (LINE_MAX_LEN + 1)];
    size_t used = 0;
    unsigned char prev[MAC_LEN], mac[MAC_LEN], key[RK_KEY_LEN];
    uint32_t gen = 0, cur = rk_keys_generation(k);
    rk_err e = prepare_tail(fd, path, k, prev, &gen, err);
    if (e != RK_OK)
        return e;
    if (gen > cur) {
        return rk_error_set(err, RK_EPARSE, NULL,
                 "%s continues under key generation %u, newer than the key file's current %u: use "
                 "the key file the journal was written under",
                 path, (unsigned)gen, (unsigned)cur);
    }
    if (gen < cur) {
        char fp[RK_FINGERPRINT_LEN + 1];
        rk_keys_fingerprint(&k->gen[0], fp);
        if (!journal_key(k, gen, key)) {
            return rk_error_set(err, RK_EPARSE, NULL,
                     "%s continues under key generation %u, which the key file does not hold", path,
                     (unsigned)gen);
        }
        int len =
            snprintf(out, sizeof out, "key %" PRId64 " %u %s", (int64_t)at, (unsigned)cur, fp);
        line_mac(key, prev, out, (size_t)len, mac);
        sodium_memzero(key, sizeof key);
        used = (size_t)len;
        out[used++] = ' ';
        sodium_bin2hex(out + used, MAC_HEX + 1, mac, MAC_LEN);
        used += MAC_HEX;
        out[used++] = '\n';
        memcpy(prev, mac, MAC_LEN);
    }
    *marked = used > 0;
    if (r) {
        size_t len = format_body(r, out + used, sizeof out - used - MAC_HEX - 2);
        if (len == 0) {
            return rk_error_set(err, RK_ETOOBIG, NULL, "an erasure journal record does not fit a line");
        }
        line_mac(k->journal, prev, out + used, len, mac);
        used += len;
        out[used++] = ' ';
        sodium_bin2hex(out + used, MAC_HEX + 1, mac, MAC_LEN);
        used += MAC_HEX;
        out[used++] = '\n';
    }
    if (used && (!rk_write_full(fd, out, used) || fsync(fd) != 0)) {
        return rk_error_set(err, RK_EIO, NULL, "cannot write the erasure journal %s: %s", path, strerror(errno));
    }
    return RK_OK;
}

/* Opens (creating it when create) and locks the journal, then appends as append_locked. */
static rk_err append_lines(const char *path, const struct rk_keys *k,
                           const struct rk_journal_rec *r, rk_ts at, bool create, bool *marked,
                           struct rk_error *err) {
    bool dummy = false;
    if (!marked)
        marked = &dummy;
    *marked = false;
    struct stat st;
    bool existed = stat(path, &st) == 0;
    if (!existed && !create)
        return RK_ENOENT;
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return rk_error_set(err, RK_EIO, NULL, "cannot open the erasure journal %s: %s", path,
                            strerror(errno));
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            rk_err e = rk_error_set(err, RK_EIO, NULL, "cannot lock the erasure journal %s: %s",
                                    path, strerror(errno));
            close(fd);
            return e;
        }
    /* what went wrong below, when it says (an empty file's header write does not) */
    struct rk_error why = RK_ERROR_INIT;
    rk_err e = append_locked(fd, path, k, r, at, marked, &why);
    if (e == RK_ENOMEM)
        e = rk_error_set(err, e, NULL, "out of memory");
    else if (e == RK_EIO && !why.message[0])
        e = rk_error_set(err, e, NULL, "cannot write the erasure journal %s: %s", path,
                         strerror(errno));
    else if (e != RK_OK && err)
        *err = why;
    if (close(fd) != 0 && e == RK_OK)
        e = rk_error_set(err, RK_EIO, NULL, "cannot write the erasure journal %s: %s", path,
                         strerror(errno));
    if (e == RK_OK && !existed)
        rk_sync_parent(path);
    return e;
}

rk_err rk_journal_advance(const char *path, const struct rk_keys *k, rk_ts at, bool *marked,
                          struct rk_error *err) {
    rk_err e = append_lines(path, k, NULL, at, false, marked, err);
    return e == RK_ENOENT ? RK_OK : e;
}

rk_err rk_journal_append(const char *path, const struct rk_keys *k, const struct rk_journal_rec *r,
                         struct rk_error *err) {
    return append_lines(path, k, r, r->at, true, NULL, err);
}

/* ---- Reading ------------------------------------------------------------------------------- */

rk_err rk_journal_read(const char *path, const struct rk_keys *k, rk_journal_fn fn, void *ctx,
                       struct rk_journal_info *info, struct rk_error *err) {
    struct rk_journal_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "re");
    if (!f) {
        return rk_error_set(err, errno == ENOENT ? RK_ENOENT : RK_EIO, NULL, "cannot open the erasure journal %s: %s", path, strerror(errno));
    }
    struct rk_journal_rec *r = malloc(sizeof *r);
    char *line = NULL;
    size_t cap = 0;
    unsigned char prev[MAC_LEN] = {0}, mac[MAC_LEN], key[RK_KEY_LEN];
    char fp[RK_FINGERPRINT_LEN + 1], want_fp[RK_FINGERPRINT_LEN + 1];
    uint32_t gen = 0, named = 0;
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
            if (!(gen = parse_header(line, (size_t)n))) {
                e = rk_error_set(err, RK_EPARSE, NULL, "%s:1: not a rekisteri erasure journal (version 1 or 2)",
                         path);
            } else if (!journal_key(k, gen, key)) {
                e = rk_error_set(err, RK_EPARSE, NULL,
                         "%s:1: the journal starts in key generation %u, which the key file does "
                         "not hold",
                         path, (unsigned)gen);
            }
            continue;
        }
        const char *why = (size_t)n > LINE_MAX_LEN
                              ? "the line is longer than a record can be"
                              : parse_line(key, prev, line, (size_t)n - 1, r, mac, &named, fp);
        if (why) {
            e = rk_error_set(err, RK_EPARSE, NULL, "%s:%ld: %s", path, no, why);
            break;
        }
        memcpy(prev, mac, MAC_LEN);
        if (named) { /* a key generation marker: the lines after it are under the one it names */
            const struct rk_keygen *g = k->ngen ? rk_keys_find(k, named) : NULL;
            if (g)
                rk_keys_fingerprint(g, want_fp);
            if (named <= gen)
                e = rk_error_set(err, RK_EPARSE, NULL,
                                 "%s:%ld: the key generation marker names generation %u, not "
                                 "newer than %u",
                                 path, no, (unsigned)named, (unsigned)gen);
            else if (!g || !journal_key(k, named, key))
                e = rk_error_set(err, RK_EPARSE, NULL,
                                 "%s:%ld: the key generation marker names generation %u, which "
                                 "the key file does not hold",
                                 path, no, (unsigned)named);
            else if (strcmp(fp, want_fp) != 0)
                e = rk_error_set(err, RK_EPARSE, NULL,
                                 "%s:%ld: the key generation marker's fingerprint %s is not the "
                                 "key file's for generation %u (%s)",
                                 path, no, fp, (unsigned)named, want_fp);
            else {
                gen = named;
                info->markers++;
                continue;
            }
            break;
        }
        r->gen = gen;
        r->line = no;
        info->records++;
        if (fn && fn(ctx, r))
            break;
    }
    if (e == RK_OK && ferror(f)) {
        e = rk_error_set(err, RK_EIO, NULL, "cannot read the erasure journal %s: %s", path, strerror(errno));
    }
    if (e == RK_OK && no == 0)
        info->torn_line = 1; /* an empty file: its header was never written whole */
    info->generation = gen;
    sodium_memzero(key, sizeof key);
    if (e == RK_ENOMEM)
        e = rk_error_set(err, e, NULL, "out of memory");
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

rk_err rk_journal_erasure(struct rk_reg *reg, const char *person_id, rk_ts at,
                          struct rk_error *msg) {
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
        struct rk_error err = RK_ERROR_INIT;
        e = rk_journal_append(reg->journal, &reg->keys, r, &err);
        if (e != RK_OK) /* not the caller's input: the service's journal is unusable */
            snprintf(msg->message, sizeof msg->message, "%s; the erasure was not made",
                     rk_error_msg(&err));
        if (e != RK_OK && e != RK_ENOMEM)
            e = RK_EIO;
    }
    free(u);
    free(r);
    return e;
}
