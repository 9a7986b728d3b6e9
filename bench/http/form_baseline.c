/*
 * form_baseline.c — the bare baseline of the durable form write for
 * bench/http/run (bench/README.md, "The HTTP benchmark"): a minimal
 * libmicrohttpd server answering POST /forms/newsletter with the same group
 * commit as the service (one writer thread, every job queued when it wakes in
 * one transaction, the answer only after the commit; the connection suspended
 * meanwhile), writing a submission's rows into bare SQLite: the same tables'
 * shape, none of rekisteri's rules. Usage: form_baseline DB THREADS; prints
 * "listening on http://127.0.0.1:PORT/" and serves until SIGTERM or SIGINT.
 *
 * Per submission, in a savepoint as the service does: the suppression probe
 * and the lookups by the email's keyed hash (person, pending signup), then a
 * person (a random 16-byte id, unique), a consent event, the consent state, the
 * signup (its keyed email hash unique) and a queued email, and an audit row.
 * Same WAL journal and synchronous=NORMAL as the service's writer.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GROUP_MAX 256
#define BODY_MAX  4096

struct job {
    char email[256], name[256];
    bool ok;
    struct MHD_Connection *c;
    struct job *next;
};

struct req {
    char body[BODY_MAX];
    size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static bool stopping;
static sqlite3 *db;
static sqlite3_stmt *st_sup, *st_find, *st_pend, *st_person, *st_event, *st_state, *st_signup,
    *st_outbox, *st_audit, *st_save, *st_release, *st_begin, *st_commit, *st_rollback;
static unsigned char key[crypto_generichash_KEYBYTES];
static const char ok_body[] = "{\"status\":\"confirmation_sent\"}";
static const char fail_body[] = "{\"error\":{\"code\":\"unavailable\"}}";

static const char schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;"
    "CREATE TABLE IF NOT EXISTS suppression(hash BLOB PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS person(pk INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
    " created TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS consent_event(id INTEGER PRIMARY KEY, person BLOB NOT NULL,"
    " purpose TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, channel TEXT, ip TEXT, ua TEXT,"
    " evidence TEXT);"
    "CREATE INDEX IF NOT EXISTS consent_event_person ON consent_event(person, purpose);"
    "CREATE TABLE IF NOT EXISTS consent_state(person BLOB NOT NULL, purpose TEXT NOT NULL,"
    " state TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY(person, purpose)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS signup(person BLOB NOT NULL, purpose TEXT NOT NULL,"
    " email_hash BLOB NOT NULL UNIQUE, email TEXT, name TEXT, created TEXT, expires TEXT,"
    " PRIMARY KEY(person, purpose));"
    "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY, person BLOB, kind TEXT,"
    " recipient TEXT, subject TEXT, body TEXT, status TEXT, created TEXT);"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT,"
    " person BLOB, detail TEXT, hash BLOB);";

static sqlite3_stmt *prep(const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "form_baseline: %s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    return st;
}

static bool step(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

/* One submission's rows, inside the group's transaction. */
static bool run_job(struct job *j) {
    unsigned char h[32], id[16], prev[32] = {0};
    char at[32], body[600];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    crypto_generichash(h, sizeof h, (const unsigned char *)j->email, strlen(j->email), key,
                       sizeof key);
    randombytes_buf(id, sizeof id);
    sqlite3_bind_blob(st_sup, 1, h, sizeof h, SQLITE_STATIC);
    sqlite3_bind_blob(st_find, 1, h, sizeof h, SQLITE_STATIC);
    sqlite3_bind_blob(st_pend, 1, h, sizeof h, SQLITE_STATIC);
    bool ok = step(st_sup) && step(st_find) && step(st_pend) && step(st_save);
    sqlite3_bind_blob(st_person, 1, id, sizeof id, SQLITE_STATIC);
    sqlite3_bind_text(st_person, 2, at, -1, SQLITE_STATIC);
    ok = ok && step(st_person);
    sqlite3_bind_blob(st_event, 1, id, sizeof id, SQLITE_STATIC);
    sqlite3_bind_text(st_event, 2, at, -1, SQLITE_STATIC);
    ok = ok && step(st_event);
    sqlite3_bind_blob(st_state, 1, id, sizeof id, SQLITE_STATIC);
    sqlite3_bind_text(st_state, 2, at, -1, SQLITE_STATIC);
    ok = ok && step(st_state);
    sqlite3_bind_blob(st_signup, 1, id, sizeof id, SQLITE_STATIC);
    sqlite3_bind_blob(st_signup, 2, h, sizeof h, SQLITE_STATIC);
    sqlite3_bind_text(st_signup, 3, j->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st_signup, 4, j->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st_signup, 5, at, -1, SQLITE_STATIC);
    ok = ok && step(st_signup);
    snprintf(body, sizeof body,
             "Hello,\n\nTo confirm, open the link:\nhttp://127.0.0.1/confirm/%02x%02x%02x%02x\n",
             id[0], id[1], id[2], id[3]);
    sqlite3_bind_blob(st_outbox, 1, id, sizeof id, SQLITE_STATIC);
    sqlite3_bind_text(st_outbox, 2, j->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st_outbox, 3, body, -1, SQLITE_STATIC);
    sqlite3_bind_text(st_outbox, 4, at, -1, SQLITE_STATIC);
    ok = ok && step(st_outbox);
    crypto_generichash(prev, sizeof prev, id, sizeof id, NULL, 0); /* a chain hash's cost */
    sqlite3_bind_text(st_audit, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st_audit, 2, id, sizeof id, SQLITE_STATIC);
    sqlite3_bind_blob(st_audit, 3, prev, sizeof prev, SQLITE_STATIC);
    ok = ok && step(st_audit) && step(st_release);
    return ok;
}

static void *writer_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!head && !stopping)
            pthread_cond_wait(&wake, &lock);
        if (!head && stopping)
            break;
        struct job *group = head, *last = head;
        for (int n = 1; n < GROUP_MAX && last->next; n++)
            last = last->next;
        head = last->next;
        if (!head)
            tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&lock);
        bool ok = step(st_begin);
        for (struct job *j = group; j; j = j->next)
            j->ok = ok && run_job(j);
        ok = ok && step(st_commit);
        if (!ok)
            step(st_rollback);
        for (struct job *j = group; j;) {
            struct job *next = j->next;
            bool good = ok && j->ok;
            struct MHD_Response *resp = MHD_create_response_from_buffer(
                good ? sizeof ok_body - 1 : sizeof fail_body - 1,
                (void *)(good ? ok_body : fail_body), MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(resp, "Content-Type", "application/json");
            MHD_queue_response(j->c, good ? 200 : 503, resp);
            MHD_destroy_response(resp);
            struct MHD_Connection *c = j->c;
            free(j);
            MHD_resume_connection(c);
            j = next;
        }
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* name=value pairs of an urlencoded body, decoded in place: copies email and name. */
static void take(char *body, struct job *j) {
    for (char *p = body; *p;) {
        size_t n = strcspn(p, "&");
        char *next = p[n] ? p + n + 1 : p + n;
        p[n] = '\0';
        char *eq = strchr(p, '=');
        if (eq) {
            *eq = '\0';
            char *v = eq + 1;
            for (char *q = v; *q; q++)
                if (*q == '+')
                    *q = ' ';
            MHD_http_unescape(v);
            if (strcmp(p, "email") == 0)
                snprintf(j->email, sizeof j->email, "%s", v);
            else if (strcmp(p, "name") == 0)
                snprintf(j->name, sizeof j->name, "%s", v);
        }
        p = next;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state) {
    (void)cls, (void)version;
    struct req *r = *state;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *state = r;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size < BODY_MAX - 1 - r->len ? *upload_size : BODY_MAX - 1 - r->len;
        memcpy(r->body + r->len, upload, n);
        r->len += n;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0 || strcmp(url, "/forms/newsletter") != 0) {
        static const char nf[] = "not found";
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret = MHD_queue_response(c, 404, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return MHD_NO;
    r->body[r->len] = '\0';
    take(r->body, j);
    j->c = c;
    MHD_suspend_connection(c); /* before the writer can see the job: it resumes it */
    pthread_mutex_lock(&lock);
    if (tail)
        tail->next = j;
    else
        head = j;
    tail = j;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why) {
    (void)cls, (void)c, (void)why;
    free(*state);
    *state = NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: form_baseline DB THREADS [ROWS]\n");
        return 2;
    }
    sigset_t set; /* for sigwait, blocked before any thread starts */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    char *end;
    long threads = strtol(argv[2], &end, 10);
    if (*end || threads < 1 || threads > 64 || sodium_init() < 0 ||
        sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "form_baseline: cannot start: %s\n", db ? sqlite3_errmsg(db) : "");
        return 1;
    }
    randombytes_buf(key, sizeof key);
    st_sup = prep("SELECT 1 FROM suppression WHERE hash = ?1");
    st_find = prep("SELECT person FROM signup WHERE email_hash = ?1 AND purpose = 'x'");
    st_pend = prep("SELECT person FROM signup WHERE email_hash = ?1");
    st_person = prep("INSERT INTO person(id, created) VALUES (?1, ?2)");
    st_event = prep("INSERT INTO consent_event(person, purpose, kind, at, channel, ip, ua, "
                    "evidence) VALUES (?1, 'newsletter', 'given', ?2, 'web_form', '127.0.0.1', "
                    "'wrk', 'I want the newsletter and may withdraw at any time.')");
    st_state = prep("INSERT INTO consent_state VALUES (?1, 'newsletter', 'pending', ?2)");
    st_signup = prep("INSERT INTO signup VALUES (?1, 'newsletter', ?2, ?3, ?4, ?5, ?5)");
    st_outbox = prep("INSERT INTO outbox(person, kind, recipient, subject, body, status, created) "
                     "VALUES (?1, 'confirm', ?2, 'Please confirm', ?3, 'queued', ?4)");
    st_audit = prep("INSERT INTO audit(at, actor, action, person, detail, hash) "
                    "VALUES (?1, 'self', 'consent_given', ?2, 'newsletter', ?3)");
    st_save = prep("SAVEPOINT job");
    st_release = prep("RELEASE job");
    st_begin = prep("BEGIN IMMEDIATE");
    st_commit = prep("COMMIT");
    st_rollback = prep("ROLLBACK");
    long rows = argc == 4 ? strtol(argv[3], &end, 10) : 0;
    for (long i = 0; i < rows; i++) { /* the register's size: its indexes as deep */
        struct job j = {.name = "Bench Person"};
        snprintf(j.email, sizeof j.email, "fill.%ld@example.net", i);
        if ((i % 10000 == 0 && !step(st_begin)) || !run_job(&j) ||
            ((i % 10000 == 9999 || i == rows - 1) && !step(st_commit))) {
            fprintf(stderr, "form_baseline: cannot fill: %s\n", sqlite3_errmsg(db));
            return 1;
        }
    }
    pthread_t writer;
    if (pthread_create(&writer, NULL, writer_main, NULL) != 0)
        return 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
        on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info) {
        fprintf(stderr, "form_baseline: cannot listen\n");
        return 1;
    }
    printf("listening on http://127.0.0.1:%u/\n", (unsigned)info->port);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    /* The writer finishes the groups queued (their connections resumed), then the process
     * ends without stopping the daemon: a connection suspended after that has no writer to
     * resume it, which libmicrohttpd's stop would refuse. A benchmark's tool: nothing else to
     * keep. */
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(writer, NULL);
    sqlite3_close_v2(db);
    return 0;
}
