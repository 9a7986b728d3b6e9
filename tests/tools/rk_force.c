/*
 * rk_force.c — a test-only tool: puts a register's queued mail and art 19 notices into the
 * states no relay or connector of a test produces (a refused message, a gone recipient), and
 * reads those states back, through the store's own operations (src/store/store.h), so that
 * the integration scripts need neither SQL nor the sqlite3 tool. A listing reads at most
 * RKF_LIMIT rows. The store is opened as
 * the service opens it (its busy timeout waits out the service's writes).
 *
 *   rk_force [--db LOCATION] mail-fail KIND AT ERROR [--wipe-last]
 *       every queued message of KIND failed at AT (ISO 8601) with ERROR, oldest first;
 *       --wipe-last first wipes the newest one's sealed content (as its person's erasure
 *       would). Prints the ids, one a line, in id order.
 *   rk_force [--db LOCATION] mail-state ID      queued, failed or other
 *   rk_force [--db LOCATION] notice-first PERSON the lowest id of the person's notices still
 *       open (queued or pending: not yet finished by the service's deliverer, so that they
 *       can still fail); nothing printed, status 1, when there is none
 *   rk_force [--db LOCATION] notice-fail AT ERROR ID...
 *       each notice given up for good (failed, its sealed identity wiped) at AT with ERROR;
 *       the store's mark applies to a queued or pending notice only
 *   rk_force [--db LOCATION] notice-state ID    STATE|SEALED, e.g. queued|1
 *   rk_force [--db LOCATION] disclosure-forget RECIPIENT PERSON
 *       the record of what RECIPIENT holds of PERSON made "never disclosed" (held none, no
 *       digest), as a crash between the recipient's answer and rekisteri's record leaves it
 *       for a put that was never recorded; status 1 when there is no such row
 *   rk_force [--db LOCATION] entry-name PERSON VALUE
 *       the name of the person's one entry set to VALUE as it is, around every check the
 *       register makes (a value as an older version stored it); status 1 unless the
 *       person has exactly one entry
 *
 * LOCATION as rekisteri's --db (REKISTERI_DB, else var/rekisteri.db); never created here.
 * Status 0; 1 when the store refuses or the row is not there; 2 on a wrong use.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"
#include "store/store.h"

#define RKF_MAX_IDS 256
#define RKF_LIMIT 100000 /* rows read at most by one listing: more than any test holds */
#define RKF_FAR_FUTURE ((rk_ts)253402300799) /* 9999-12-31T23:59:59Z: every queued row is due */

static int usage(void) {
    fprintf(stderr, "usage: rk_force [--db LOCATION] mail-fail KIND AT ERROR [--wipe-last] |\n"
                    "       mail-state ID | notice-first PERSON | notice-fail AT ERROR ID... |\n"
                    "       notice-state ID | entry-name PERSON VALUE |\n"
                    "       disclosure-forget RECIPIENT PERSON\n");
    return 2;
}

/* err from what on s, with why s says it failed (e: the detail when there is no s). */
static int refused_why(const char *what, rk_err err, const struct rk_error *e) {
    fprintf(stderr, "rk_force: %s: %s (%s)\n", what, rk_err_name(err), e->message);
    return 1;
}

static int refused(const struct rk_store *s, const char *what, rk_err err) {
    return refused_why(what, err, rk_store_error(s));
}

static bool parse_id(const char *s, int64_t *out) {
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0)
        return false;
    *out = v;
    return true;
}

/* ---- Mail ---- */

struct ids {
    const char *kind; /* outbox: only this kind; NULL: any */
    const char *person_id; /* notices: only this person's */
    int64_t v[RKF_MAX_IDS];
    int n;
    bool found;
};

static int collect_mail(void *ctx, const struct rk_outbox_msg *m) {
    struct ids *ids = ctx;
    if (ids->kind && (!m->kind || strcmp(m->kind, ids->kind) != 0))
        return 0;
    if (ids->n == RKF_MAX_IDS)
        return 1;
    ids->v[ids->n++] = m->id;
    return 0;
}

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int mail_fail(struct rk_store *s, int argc, char **argv) {
    rk_ts at = 0;
    bool wipe_last = argc == 4 && strcmp(argv[3], "--wipe-last") == 0;
    if ((argc != 3 && !wipe_last) || !rk_ts_parse(argv[1], &at))
        return usage();
    struct ids ids = {.kind = argv[0]};
    rk_err err = rk_store_outbox_due(s, RKF_FAR_FUTURE, RKF_LIMIT, collect_mail, &ids);
    if (err != RK_OK)
        return refused(s, "outbox_due", err);
    qsort(ids.v, (size_t)ids.n, sizeof ids.v[0], cmp_id);
    if (wipe_last && ids.n > 0 &&
        (err = rk_store_sealed_set(s, RK_SEALED_OUTBOX, ids.v[ids.n - 1], NULL, 0)) != RK_OK)
        return refused(s, "sealed_set", err);
    for (int i = 0; i < ids.n; i++) {
        if ((err = rk_store_outbox_mark_failed(s, ids.v[i], at, argv[2])) != RK_OK)
            return refused(s, "outbox_mark_failed", err);
        printf("%" PRId64 "\n", ids.v[i]);
    }
    return 0;
}

static int find_failed(void *ctx, const struct rk_outbox_failure *f) {
    struct ids *ids = ctx;
    if (f->id == ids->v[0])
        ids->found = true;
    return ids->found;
}

static int find_due(void *ctx, const struct rk_outbox_msg *m) {
    struct ids *ids = ctx;
    if (m->id == ids->v[0])
        ids->found = true;
    return ids->found;
}

static int mail_state(struct rk_store *s, int argc, char **argv) {
    struct ids ids = {.n = 1};
    if (argc != 1 || !parse_id(argv[0], &ids.v[0]))
        return usage();
    rk_err err = rk_store_outbox_due(s, RKF_FAR_FUTURE, RKF_LIMIT, find_due, &ids);
    if (err != RK_OK)
        return refused(s, "outbox_due", err);
    if (ids.found) {
        puts("queued");
        return 0;
    }
    if ((err = rk_store_outbox_failed(s, RKF_LIMIT, find_failed, &ids)) != RK_OK)
        return refused(s, "outbox_failed", err);
    puts(ids.found ? "failed" : "other");
    return 0;
}

/* ---- Entries ---- */

struct registers {
    char id[2][RK_DECL_ID_MAX + 1];
    int n;
};

static int collect_register(void *ctx, const struct rk_entry *e) {
    struct registers *r = ctx;
    if (r->n < 2)
        snprintf(r->id[r->n], sizeof r->id[0], "%s", e->register_id);
    r->n++;
    return 0;
}

static int entry_name(struct rk_store *s, int argc, char **argv) {
    if (argc != 2)
        return usage();
    struct registers regs = {.n = 0};
    rk_err err = rk_store_entries_of_person(s, argv[0], collect_register, &regs);
    if (err != RK_OK)
        return refused(s, "entries_of_person", err);
    if (regs.n != 1) {
        fprintf(stderr, "rk_force: %s has %d entries, not one\n", argv[0], regs.n);
        return 1;
    }
    static struct rk_entry e; /* 8 KiB of storage: not on the stack */
    if ((err = rk_store_entry_get(s, regs.id[0], argv[0], &e)) != RK_OK)
        return refused(s, "entry_get", err);
    e.v[RK_F_NAME] = argv[1];
    if ((err = rk_store_entry_put(s, &e)) != RK_OK)
        return refused(s, "entry_put", err);
    return 0;
}

/* ---- Notices ---- */

static const char *const notice_states[RK_NOTICE_STATE__COUNT] = {
    [RK_NOTICE_QUEUED] = "queued",     [RK_NOTICE_PENDING] = "pending",
    [RK_NOTICE_DONE] = "done",         [RK_NOTICE_FAILED] = "failed",
    [RK_NOTICE_UNSUPPORTED] = "unsupported",
};

static int collect_notice(void *ctx, const struct rk_notice_row *n) {
    struct ids *ids = ctx;
    if (n->person_id && strcmp(n->person_id, ids->person_id) == 0 &&
        (ids->n == 0 || n->id < ids->v[0])) {
        ids->v[0] = n->id;
        ids->n = 1;
    }
    return 0;
}

static int notice_first(struct rk_store *s, int argc, char **argv) {
    if (argc != 1)
        return usage();
    struct ids ids = {.person_id = argv[0]};
    static const enum rk_notice_state open[] = {RK_NOTICE_QUEUED, RK_NOTICE_PENDING};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        rk_err err = rk_store_recipient_notice_list(s, open[i], RKF_LIMIT, collect_notice, &ids);
        if (err != RK_OK)
            return refused(s, "recipient_notice_list", err);
    }
    if (ids.n == 0)
        return 1;
    printf("%" PRId64 "\n", ids.v[0]);
    return 0;
}

static int notice_fail(struct rk_store *s, int argc, char **argv) {
    rk_ts at = 0;
    if (argc < 3 || !rk_ts_parse(argv[0], &at))
        return usage();
    for (int i = 2; i < argc; i++) {
        int64_t id = 0;
        if (!parse_id(argv[i], &id))
            return usage();
        rk_err err = rk_store_recipient_notice_mark_final(s, id, RK_NOTICE_FAILED, at, argv[1]);
        if (err != RK_OK)
            return refused(s, "recipient_notice_mark_final", err);
    }
    return 0;
}

struct notice_seen {
    int64_t id;
    bool seen, sealed;
    enum rk_notice_state state;
};

static int get_notice(void *ctx, const struct rk_notice_row *n) {
    struct notice_seen *ns = ctx;
    ns->seen = true;
    ns->state = n->state;
    return 0;
}

static int find_sealed(void *ctx, const struct rk_sealed_row *r) {
    struct notice_seen *ns = ctx;
    if (r->id == ns->id)
        ns->sealed = true;
    return ns->sealed;
}

/* The state from recipient_notice_get (which leaves the identity out), whether it holds a
 * sealed identity from sealed_list. */
static int notice_state(struct rk_store *s, int argc, char **argv) {
    struct notice_seen ns = {.seen = false};
    if (argc != 1 || !parse_id(argv[0], &ns.id))
        return usage();
    rk_err err = rk_store_recipient_notice_get(s, ns.id, get_notice, &ns);
    if (err != RK_OK)
        return refused(s, "recipient_notice_get", err);
    if (!ns.seen)
        return 1;
    if ((err = rk_store_sealed_list(s, RK_SEALED_NOTICE, 0, false, 0, find_sealed, &ns)) != RK_OK)
        return refused(s, "sealed_list", err);
    printf("%s|%d\n",
           (unsigned)ns.state < RK_NOTICE_STATE__COUNT ? notice_states[ns.state] : "?",
           ns.sealed);
    return 0;
}

/* ---- Disclosures ---- */

static int seen_disclosure(void *ctx, const struct rk_disclosure *d) {
    *(rk_ts *)ctx = d->first_at ? d->first_at : 1;
    return 0;
}

static int disclosure_forget(struct rk_store *s, int argc, char **argv) {
    if (argc != 2)
        return usage();
    rk_ts first = 0;
    rk_err err = rk_store_disclosure_get(s, argv[0], argv[1], seen_disclosure, &first);
    if (err == RK_ENOENT)
        return 1;
    if (err != RK_OK)
        return refused(s, "disclosure_get", err);
    struct rk_disclosure d = {.recipient = argv[0], .held = RK_HELD_NONE, .first_at = first};
    snprintf(d.person_id, sizeof d.person_id, "%s", argv[1]);
    if ((err = rk_store_disclosure_put(s, &d)) != RK_OK)
        return refused(s, "disclosure_put", err);
    return 0;
}

int main(int argc, char **argv) {
    const char *db = getenv("REKISTERI_DB");
    int i = 1;
    if (!db || !*db)
        db = "var/rekisteri.db";
    if (i + 1 < argc && strcmp(argv[i], "--db") == 0) {
        db = argv[i + 1];
        i += 2;
    }
    if (i >= argc)
        return usage();
    const char *path = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
    if (!strstr(db, "://") && access(path, F_OK) != 0) {
        fprintf(stderr, "rk_force: %s: no such store\n", db);
        return 1;
    }
    static const struct {
        const char *name;
        int (*run)(struct rk_store *s, int argc, char **argv);
    } commands[] = {
        {"mail-fail", mail_fail},
        {"mail-state", mail_state},
        {"notice-first", notice_first},
        {"notice-fail", notice_fail},
        {"notice-state", notice_state},
        {"entry-name", entry_name},
        {"disclosure-forget", disclosure_forget},
    };
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[i], commands[k].name) != 0)
            continue;
        struct rk_store *s = NULL;
        struct rk_error why = RK_ERROR_INIT;
        rk_err err = rk_store_open(db, NULL, &s, &why);
        if (err != RK_OK)
            return refused_why(db, err, &why);
        int rc = commands[k].run(s, argc - i - 1, argv + i + 1);
        rk_store_close(s);
        return rc;
    }
    return usage();
}
