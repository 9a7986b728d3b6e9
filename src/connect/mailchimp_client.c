/*
 * mailchimp_client.c — the recipient client (client.h) of a mailchimp
 * connector: the Mailchimp Marketing API 3.0 spoken over http.c, with the
 * bodies and answers of the pure half (mailchimp_api.h).
 *
 * Design.
 *
 *   The account. The API key comes from the environment variable the
 *   declaration names (api_key_env) at open; its data centre suffix ("-us6")
 *   gives the API root https://<dc>.api.mailchimp.com/3.0 unless the
 *   connector declares url (tests: the fake). Each call sends HTTP Basic
 *   auth "rekisteri:<key>", the header built for the call from the key and
 *   wiped after it; the key itself is wiped at close. Neither appears in an
 *   error: texts are built from the status and Mailchimp's problem title and
 *   type (rk_mc_problem_error), never its detail, which may quote the address.
 *
 *   The member is known by its subscriber hash (MD5 of the lower-cased
 *   address), which every successful put returns as the remote key.
 *
 *     active      PUT /lists/L/members/H {email_address, status_if_new and status
 *                 subscribed, merge_fields of the shared values}; leaving
 *                 restricted also POST …/H/tags {restricted_tag: inactive};
 *     restricted  the same PUT with unsubscribed, then POST …/H/tags
 *                 {restricted_tag: active};
 *     inactive    PATCH /lists/L/members/{remote, else H} {status: unsubscribed};
 *                 404 (no such member) is ok with remote "".
 *
 *   A rectified address: when the put's remote key differs from the hash of
 *   the address it carries, the member is moved, PATCH on the old hash with
 *   the new email_address (and status and merge fields); when the old one is
 *   gone (404) it is upserted by the new hash instead.
 *
 *   Erasure is POST …/H/actions/delete-permanent; 404 is ok (nothing held).
 *   Mailchimp then refuses the address for good ("Forgotten Email Not
 *   Subscribed"), which is what an erasure means.
 *
 *   The batch path (put_many, at least batch_min = 100 puts, at most
 *   batch_max = 500 a call): one POST /batches with each put's operations
 *   (its PUT or PATCH and its tag operation), then GET /batches/{id} at once
 *   and after pauses of 50 ms doubling to 2 s, for at most 10 minutes,
 *   reporting progress each poll. When the batch finishes with errored_operations 0 every put is
 *   ok. Otherwise the batched puts are sent again one by one with put (each is
 *   idempotent, so those that worked change nothing), which also gives each
 *   its own outcome without fetching and unpacking the batch's result archive.
 *   Mailchimp does not promise to run a batch's operations in order, so a tag
 *   operation may meet its member not there yet: an error, redone the same way.
 *   Puts a batch cannot express (a moved member, an inactive put with no key,
 *   a put without an address) go one by one from the start.
 *
 *   Outcomes as client.h says: 2xx ok; no answer, 429 and 5xx transient with
 *   Retry-After; 401 and 403 permanent with stop (the key is wrong or lacks
 *   the right); any other refusal permanent for that person. One call is one
 *   request on one connection (a libcurl easy handle per call), never more.
 *
 *   The pull reads GET /lists/L/members?count=1000&offset=N page by page
 *   (answers up to 32 MiB), total_items giving the progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "connect/client.h"
#include "connect/mailchimp_api.h"

#define MC_BATCH_MIN   100
#define MC_BATCH_MAX   500
#define POLL_MAX_S     600
#define PAGE_COUNT     1000
#define AUTH_MAX       (sizeof "Authorization: Basic " + (size_t)4 * ((RK_MC_KEY_MAX + 10 + 2) / 3) + 1)
#define PATH_MAX_BYTES (RK_CONNECTOR_URL_MAX + 256)

struct mc_client {
    struct rk_client base;
    char root[RK_CONNECTOR_URL_MAX + 1]; /* the API root, no trailing '/' */
    char key[RK_MC_KEY_MAX + 1];         /* wiped at close */
    const char *list, *tag;
};

static struct mc_client *mc_of(struct rk_client *c) { return (struct mc_client *)c; }

/* One request: path from the API root, body may be NULL; the answer's body is the caller's. */
static rk_err call(struct mc_client *m, const char *method, const char *path, const char *body,
                   size_t len, size_t answer_max, struct rk_connect_answer *a) {
    char userpass[RK_MC_KEY_MAX + 16], auth[AUTH_MAX];
    char url[RK_CONNECTOR_URL_MAX + PATH_MAX_BYTES];
    int n = snprintf(userpass, sizeof userpass, "rekisteri:%s", m->key);
    memcpy(auth, "Authorization: Basic ", sizeof "Authorization: Basic ");
    sodium_bin2base64(auth + strlen(auth), sizeof auth - strlen(auth), (unsigned char *)userpass,
                      (size_t)n, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(userpass, sizeof userpass);
    snprintf(url, sizeof url, "%s%s", m->root, path);
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json", auth,
                             NULL};
    struct rk_connect_request req = {.method = method,
                                     .url = url,
                                     .headers = headers,
                                     .body = body,
                                     .len = len,
                                     .timeout_s = answer_max > RK_MC_BODY_MAX ? 120 : 0,
                                     .answer_max = answer_max ? answer_max : RK_MC_BODY_MAX};
    rk_err err = rk_connect_http(&req, a);
    sodium_memzero(auth, sizeof auth);
    return err;
}

/* Fills r from an answer that is not ok (or ok). */
static void judge(const struct rk_connect_answer *a, struct rk_client_result *r) {
    r->outcome = a->outcome;
    r->status = a->status;
    r->stop = false;
    r->retry_after_s = 0;
    r->error[0] = '\0';
    if (a->outcome == RK_CONNECT_OK)
        return;
    if (a->status == 0) {
        snprintf(r->error, sizeof r->error, "%s", a->error);
        return;
    }
    struct rk_error e = RK_ERROR_INIT;
    if (rk_mc_problem_error(a->status, a->body.data, a->body.len, NULL, &e) != RK_OK)
        snprintf(r->error, sizeof r->error, "%s", rk_error_msg(&e));
    if (a->outcome == RK_CONNECT_TRANSIENT)
        r->retry_after_s = a->retry_after_s;
    r->stop = a->status == 401 || a->status == 403;
}

static void refuse(struct rk_client_result *r, const char *why) {
    r->outcome = RK_CONNECT_PERMANENT;
    r->status = 0;
    snprintf(r->error, sizeof r->error, "%s", why);
}

/* A request whose outcome is r's; the answer is dropped. */
static rk_err send_judged(struct mc_client *m, const char *method, const char *path,
                          const struct rk_buf *body, struct rk_client_result *r) {
    struct rk_connect_answer a;
    rk_err err = call(m, method, path, body ? body->data : NULL, body ? body->len : 0, 0, &a);
    if (err == RK_OK)
        judge(&a, r);
    rk_buf_cleanup(&a.body);
    return err;
}

/* The shares mask of the values given: the fields that are set. */
static unsigned given(const struct rk_contact *v) {
    unsigned bits = 0;
    for (int f = 0; v && f < RK_F__COUNT; f++)
        if (v->v[f])
            bits |= RK_MC_SHARES(f);
    return bits;
}

static bool remote_ok(const char *s) {
    return s && strlen(s) == RK_MC_HASH_LEN && strspn(s, "0123456789abcdef") == RK_MC_HASH_LEN;
}

/* The member body of p with status st (and status_if_new st unless patching). */
static rk_err member_body(const struct rk_client_put *p, enum rk_mc_status st, bool patch,
                          struct rk_buf *out, struct rk_client_result *r) {
    struct rk_error e = RK_ERROR_INIT;
    struct rk_mc_member_in in = {.contact = p->values,
                                 .shares = given(p->values),
                                 .status = st,
                                 .status_if_new = patch ? RK_MC_ST_NONE : st};
    rk_err err = rk_mc_member_body(&in, out, &e);
    if (err == RK_ENOMEM || rk_buf_status(out) != RK_OK)
        return RK_ENOMEM;
    if (err != RK_OK)
        snprintf(r->error, sizeof r->error, "the member's body: %s", rk_error_msg(&e));
    return err;
}

static rk_err tags_body(const struct mc_client *m, bool active, struct rk_buf *out) {
    struct rk_error e = RK_ERROR_INIT;
    const char *names[] = {m->tag};
    rk_err err = rk_mc_tags_body(names, 1, active, out, &e);
    return err == RK_OK ? rk_buf_status(out) : err;
}

static void member_path(const struct mc_client *m, const char *hash, const char *tail, char *out,
                        size_t n) {
    snprintf(out, n, "/lists/%s/members/%s%s", m->list, hash, tail);
}

/* Active or restricted: upsert (or move) the member, then set the tag as needed. */
static rk_err put_held(struct mc_client *m, const struct rk_client_put *p, const char *hash,
                       struct rk_client_result *r) {
    bool restricted = p->want == RK_HELD_RESTRICTED;
    enum rk_mc_status st = restricted ? RK_MC_ST_UNSUBSCRIBED : RK_MC_ST_SUBSCRIBED;
    bool move = remote_ok(p->remote) && strcmp(p->remote, hash) != 0;
    char path[PATH_MAX_BYTES];
    struct rk_buf body;
    rk_buf_init(&body);
    rk_err err = RK_OK;
    if (move) {
        if ((err = member_body(p, st, true, &body, r)) == RK_OK) {
            member_path(m, p->remote, "", path, sizeof path);
            err = send_judged(m, "PATCH", path, &body, r);
        }
        if (err == RK_OK && r->outcome == RK_CONNECT_PERMANENT && r->status == 404)
            move = false; /* the old member is gone: upsert the new address */
        rk_buf_reset(&body);
    }
    if (err == RK_OK && !move && (err = member_body(p, st, false, &body, r)) == RK_OK) {
        member_path(m, hash, "", path, sizeof path);
        err = send_judged(m, "PUT", path, &body, r);
    }
    if (err == RK_EINVAL || err == RK_EREFUSED) { /* a body that cannot be made: this person's */
        r->outcome = RK_CONNECT_PERMANENT;
        err = RK_OK;
    }
    bool tag = restricted || p->was == RK_HELD_RESTRICTED;
    if (err == RK_OK && r->outcome == RK_CONNECT_OK && tag) {
        rk_buf_reset(&body);
        if ((err = tags_body(m, restricted, &body)) == RK_OK) {
            member_path(m, hash, "/tags", path, sizeof path);
            err = send_judged(m, "POST", path, &body, r);
        }
    }
    rk_buf_cleanup(&body);
    if (err == RK_OK && r->outcome == RK_CONNECT_OK)
        snprintf(r->remote, sizeof r->remote, "%s", hash);
    return err;
}

/* The hash of p's address into out; false (r refused) when p gives none that hashes. */
static bool hash_of(const struct rk_client_put *p, char out[RK_MC_HASH_LEN + 1]) {
    const char *email = p->values ? p->values->v[RK_F_EMAIL] : NULL;
    struct rk_error e = RK_ERROR_INIT;
    return email && rk_mc_subscriber_hash(email, out, &e) == RK_OK;
}

static bool mc_remote(const struct rk_client *c, const struct rk_client_put *p,
                      char out[RK_CLIENT_REMOTE_MAX + 1]) {
    (void)c;
    _Static_assert(RK_MC_HASH_LEN <= RK_CLIENT_REMOTE_MAX, "a hash fits a remote key");
    return hash_of(p, out);
}

static rk_err mc_put(struct rk_client *c, const struct rk_client_put *p,
                     struct rk_client_result *r) {
    struct mc_client *m = mc_of(c);
    char hash[RK_MC_HASH_LEN + 1] = "";
    bool hashed = hash_of(p, hash);
    if (p->want == RK_HELD_ACTIVE || p->want == RK_HELD_RESTRICTED) {
        if (!hashed) {
            refuse(r, "no email address among the values given: a Mailchimp member is its address");
            return RK_OK;
        }
        return put_held(m, p, hash, r);
    }
    if (p->want != RK_HELD_INACTIVE) {
        refuse(r, "nothing to put: the wanted state is none");
        return RK_OK;
    }
    const char *key = remote_ok(p->remote) ? p->remote : hashed ? hash : NULL;
    if (!key) {
        refuse(r, "neither a remote key nor an email address to find the member by");
        return RK_OK;
    }
    char path[PATH_MAX_BYTES];
    member_path(m, key, "", path, sizeof path);
    struct rk_buf body;
    rk_buf_init(&body);
    rk_buf_puts(&body, "{\"status\":\"unsubscribed\"}");
    rk_err err = rk_buf_status(&body);
    if (err == RK_OK)
        err = send_judged(m, "PATCH", path, &body, r);
    rk_buf_cleanup(&body);
    if (err != RK_OK)
        return err;
    if (r->outcome == RK_CONNECT_OK)
        snprintf(r->remote, sizeof r->remote, "%s", key);
    else if (r->status == 404) { /* no such member: it holds nothing */
        r->outcome = RK_CONNECT_OK;
        r->error[0] = '\0';
        r->remote[0] = '\0';
    }
    return RK_OK;
}

static rk_err mc_erase(struct rk_client *c, const char *person_id, const char *email,
                       struct rk_client_result *r) {
    (void)person_id;
    struct mc_client *m = mc_of(c);
    char hash[RK_MC_HASH_LEN + 1], path[PATH_MAX_BYTES];
    struct rk_error e = RK_ERROR_INIT;
    if (!email || rk_mc_subscriber_hash(email, hash, &e) != RK_OK) {
        refuse(r, "no email address to find the member by: tell the recipient by hand");
        return RK_OK;
    }
    member_path(m, hash, "/actions/delete-permanent", path, sizeof path);
    rk_err err = send_judged(m, "POST", path, NULL, r);
    if (err == RK_OK && r->outcome == RK_CONNECT_PERMANENT && r->status == 404) {
        r->outcome = RK_CONNECT_OK; /* nothing held there */
        r->error[0] = '\0';
    }
    return err;
}

/* ---- The batch path ------------------------------------------------------------------------ */

/* Whether p can go in a batch: a plain upsert, or an unsubscribe by a known key. */
static bool batchable(const struct rk_client_put *p, char hash[RK_MC_HASH_LEN + 1]) {
    bool hashed = hash_of(p, hash);
    if (p->want == RK_HELD_INACTIVE)
        return remote_ok(p->remote) || hashed;
    if (p->want != RK_HELD_ACTIVE && p->want != RK_HELD_RESTRICTED)
        return false;
    return hashed && !(remote_ok(p->remote) && strcmp(p->remote, hash) != 0);
}

struct op_store {
    struct rk_mc_op *ops;
    char (*paths)[PATH_MAX_BYTES];
    struct rk_buf *bodies;
    size_t n;
};

static void ops_free(struct op_store *o, size_t cap) {
    for (size_t i = 0; o->bodies && i < cap; i++) {
        sodium_memzero(o->bodies[i].data, o->bodies[i].len);
        rk_buf_cleanup(&o->bodies[i]);
    }
    free(o->ops);
    free(o->paths);
    free(o->bodies);
}

/* Appends one operation; its body (may be NULL) is copied. */
static rk_err op_add(struct op_store *o, const char *method, const char *path,
                     const struct rk_buf *body) {
    size_t i = o->n++;
    snprintf(o->paths[i], PATH_MAX_BYTES, "%s", path);
    if (body) {
        rk_buf_append(&o->bodies[i], body->data, body->len);
        if (rk_buf_status(&o->bodies[i]) != RK_OK)
            return RK_ENOMEM;
    }
    o->ops[i] = (struct rk_mc_op){
        .method = method, .path = o->paths[i], .body = body ? o->bodies[i].data : NULL};
    return RK_OK;
}

/* The operations of one batchable put. */
static rk_err ops_of(const struct mc_client *m, const struct rk_client_put *p, const char *hash,
                     struct op_store *o) {
    char path[PATH_MAX_BYTES];
    struct rk_buf body;
    rk_buf_init(&body);
    struct rk_client_result scratch = {.outcome = RK_CONNECT_OK};
    rk_err err = RK_OK;
    if (p->want == RK_HELD_INACTIVE) {
        member_path(m, remote_ok(p->remote) ? p->remote : hash, "", path, sizeof path);
        rk_buf_puts(&body, "{\"status\":\"unsubscribed\"}");
        err = rk_buf_status(&body) == RK_OK ? op_add(o, "PATCH", path, &body) : RK_ENOMEM;
    } else {
        bool restricted = p->want == RK_HELD_RESTRICTED;
        err = member_body(p, restricted ? RK_MC_ST_UNSUBSCRIBED : RK_MC_ST_SUBSCRIBED, false, &body,
                          &scratch);
        member_path(m, hash, "", path, sizeof path);
        if (err == RK_OK)
            err = op_add(o, "PUT", path, &body);
        if (err == RK_OK && (restricted || p->was == RK_HELD_RESTRICTED)) {
            rk_buf_reset(&body);
            member_path(m, hash, "/tags", path, sizeof path);
            if ((err = tags_body(m, restricted, &body)) == RK_OK)
                err = op_add(o, "POST", path, &body);
        }
    }
    sodium_memzero(body.data, body.len);
    rk_buf_cleanup(&body);
    return err;
}

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool batch_id_ok(const char *id) {
    size_t n = strlen(id);
    return n > 0 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Runs the batch of ops to its end; *all_ok when it finished without an errored operation.
 * A failure leaves why in r (transient: the caller's next pass sends again). */
static rk_err run_batch(struct mc_client *m, const struct op_store *o, size_t nputs,
                        rk_client_progress_fn progress, void *ctx, bool *all_ok,
                        struct rk_client_result *r) {
    struct rk_error e = RK_ERROR_INIT;
    struct rk_buf body;
    rk_buf_init(&body);
    *all_ok = false;
    rk_err err = rk_mc_batch_body(o->ops, o->n, &body, &e);
    if (err != RK_OK) {
        rk_buf_cleanup(&body);
        if (err == RK_ENOMEM)
            return err;
        refuse(r, rk_error_msg(&e));
        return RK_OK;
    }
    struct rk_connect_answer a;
    err = call(m, "POST", "/batches", body.data, body.len, 0, &a);
    sodium_memzero(body.data, body.len);
    rk_buf_cleanup(&body);
    if (err != RK_OK)
        return err;
    judge(&a, r);
    struct rk_mc_batch b = {.state = RK_MC_BATCH_PENDING};
    if (r->outcome == RK_CONNECT_OK &&
        (rk_mc_parse_batch(a.body.data, a.body.len, &b, &e) != RK_OK || !batch_id_ok(b.id))) {
        r->outcome = RK_CONNECT_TRANSIENT;
        snprintf(r->error, sizeof r->error, "Mailchimp's batch answer: %s", rk_error_msg(&e));
    }
    rk_buf_cleanup(&a.body);
    char path[sizeof "/batches/" + RK_MC_BATCH_ID_MAX];
    snprintf(path, sizeof path, "/batches/%s", b.id);
    /* polls at once, then after 50 ms doubling to 2 s: a small batch is seen finished
     * soon, a large one is not asked about more than every 2 s */
    long waited_ms = 0, pause_ms = 0;
    for (; r->outcome == RK_CONNECT_OK && b.state != RK_MC_BATCH_FINISHED;) {
        if (waited_ms >= POLL_MAX_S * 1000L) {
            r->outcome = RK_CONNECT_TRANSIENT;
            snprintf(r->error, sizeof r->error,
                     "Mailchimp's batch %s did not finish within %d minutes", b.id,
                     POLL_MAX_S / 60);
            break;
        }
        if (pause_ms > 0)
            sleep_ms(pause_ms);
        waited_ms += pause_ms;
        pause_ms = pause_ms == 0 ? 50 : pause_ms * 2 > 2000 ? 2000 : pause_ms * 2;
        if ((err = call(m, "GET", path, NULL, 0, 0, &a)) != RK_OK)
            return err;
        judge(&a, r);
        if (r->outcome == RK_CONNECT_OK &&
            rk_mc_parse_batch(a.body.data, a.body.len, &b, &e) != RK_OK) {
            r->outcome = RK_CONNECT_TRANSIENT;
            snprintf(r->error, sizeof r->error, "Mailchimp's batch answer: %s", rk_error_msg(&e));
        }
        rk_buf_cleanup(&a.body);
        if (progress && r->outcome == RK_CONNECT_OK && b.total_operations > 0)
            progress(ctx, b.finished_operations * (long long)nputs / b.total_operations,
                     (long long)nputs);
    }
    *all_ok = r->outcome == RK_CONNECT_OK && b.errored_operations == 0;
    return RK_OK;
}

static rk_err mc_put_many(struct rk_client *c, const struct rk_client_put *p, size_t n,
                          struct rk_client_result *r, rk_client_progress_fn progress, void *ctx) {
    struct mc_client *m = mc_of(c);
    if (n > MC_BATCH_MAX) { /* the caller chunks; more is sent in turns */
        for (size_t at = 0; at < n; at += MC_BATCH_MAX) {
            rk_err err = mc_put_many(c, p + at, n - at < MC_BATCH_MAX ? n - at : MC_BATCH_MAX,
                                     r + at, NULL, NULL);
            if (err != RK_OK)
                return err;
            if (progress)
                progress(ctx, (long long)(n - at < MC_BATCH_MAX ? n : at + MC_BATCH_MAX),
                         (long long)n);
        }
        return RK_OK;
    }
    struct op_store o = {.ops = calloc(2 * n + 1, sizeof *o.ops),
                         .paths = calloc(2 * n + 1, sizeof *o.paths),
                         .bodies = calloc(2 * n + 1, sizeof *o.bodies)};
    bool *in_batch = calloc(n + 1, sizeof *in_batch);
    rk_err err = o.ops && o.paths && o.bodies && in_batch ? RK_OK : RK_ENOMEM;
    for (size_t i = 0; err == RK_OK && i < 2 * n + 1; i++)
        rk_buf_init(&o.bodies[i]);
    size_t nbatched = 0;
    for (size_t i = 0; err == RK_OK && i < n; i++) {
        char hash[RK_MC_HASH_LEN + 1];
        if (!batchable(&p[i], hash))
            continue;
        size_t before = o.n;
        err = ops_of(m, &p[i], hash, &o);
        if (err == RK_EINVAL || err == RK_EREFUSED) { /* put alone gives the reason */
            o.n = before;
            err = RK_OK;
            continue;
        }
        in_batch[i] = err == RK_OK;
        nbatched += in_batch[i];
    }
    struct rk_client_result whole = {.outcome = RK_CONNECT_OK};
    bool all_ok = false;
    if (err == RK_OK && o.n > 0)
        err = run_batch(m, &o, nbatched, progress, ctx, &all_ok, &whole);
    ops_free(&o, 2 * n + 1);
    long long done = 0;
    for (size_t i = 0; err == RK_OK && i < n; i++) {
        char hash[RK_MC_HASH_LEN + 1];
        if (in_batch[i] && all_ok) {
            r[i].outcome = RK_CONNECT_OK;
            r[i].status = 200;
            bool hashed = hash_of(&p[i], hash);
            if (p[i].want == RK_HELD_INACTIVE && remote_ok(p[i].remote))
                snprintf(r[i].remote, sizeof r[i].remote, "%s", p[i].remote);
            else if (hashed)
                snprintf(r[i].remote, sizeof r[i].remote, "%s", hash);
            continue;
        }
        if (in_batch[i] && whole.outcome != RK_CONNECT_OK) {
            r[i] = whole; /* the batch itself failed: the same for each of its puts */
            continue;
        }
        err = mc_put(c, &p[i], &r[i]);
        if (progress)
            progress(ctx, ++done, (long long)n);
    }
    free(in_batch);
    return err;
}

/* ---- The pull ------------------------------------------------------------------------------ */

static enum rk_pulled_status pulled_status(enum rk_mc_status s) {
    switch (s) {
    case RK_MC_ST_SUBSCRIBED: return RK_PULLED_ACTIVE;
    case RK_MC_ST_UNSUBSCRIBED: return RK_PULLED_UNSUBSCRIBED;
    case RK_MC_ST_CLEANED: return RK_PULLED_CLEANED;
    default: return RK_PULLED_OTHER;
    }
}

/* Hands each member of a page to fn; RK_EREFUSED when fn says stop. */
static rk_err pull_page(const struct rk_mc_page *pg, long long *done, long long total,
                        rk_client_pull_fn fn, void *ctx) {
    rk_err err = RK_OK;
    char name[2 * RK_NAME_MAX * 4 + 2];
    for (size_t i = 0; err == RK_OK && i < pg->n; i++) {
        const struct rk_mc_member *mb = &pg->members[i];
        char hash[RK_MC_HASH_LEN + 1] = "";
        struct rk_error e = RK_ERROR_INIT;
        if (rk_mc_subscriber_hash(mb->email, hash, &e) != RK_OK)
            hash[0] = '\0';
        snprintf(name, sizeof name, "%s%s%s", mb->fname, mb->fname[0] && mb->lname[0] ? " " : "",
                 mb->lname);
        struct rk_client_pulled pu = {.status = pulled_status(mb->status),
                                      .email = mb->email,
                                      .name = name,
                                      .phone = mb->phone,
                                      .position = "",
                                      .organisation = "",
                                      .remote = hash,
                                      .person_id = "",
                                      .signup_at = mb->timestamp_signup,
                                      .signup_ip = mb->ip_signup,
                                      .opt_at = mb->timestamp_opt,
                                      .opt_ip = mb->ip_opt};
        ++*done;
        if (fn(ctx, &pu, *done, total > *done ? total : *done) != 0)
            err = RK_EREFUSED;
        sodium_memzero(name, sizeof name);
    }
    return err;
}

static rk_err mc_pull(struct rk_client *c, rk_client_pull_fn fn, void *ctx, struct rk_error *e) {
    struct mc_client *m = mc_of(c);
    long long done = 0, total = -1;
    for (long long offset = 0;;) {
        char path[PATH_MAX_BYTES];
        snprintf(path, sizeof path, "/lists/%s/members?count=%d&offset=%lld", m->list, PAGE_COUNT,
                 offset);
        struct rk_connect_answer a;
        rk_err err = call(m, "GET", path, NULL, 0, RK_MC_PAGE_MAX, &a);
        if (err != RK_OK)
            return err;
        if (a.outcome != RK_CONNECT_OK) {
            struct rk_client_result r;
            judge(&a, &r);
            rk_buf_cleanup(&a.body);
            return rk_error_set(e, RK_EIO, "mailchimp", "reading the audience: %s", r.error);
        }
        if (a.cut) {
            rk_buf_cleanup(&a.body);
            return rk_error_set(e, RK_EPARSE, "mailchimp", "a page of members longer than 32 MiB");
        }
        struct rk_mc_page pg;
        err = rk_mc_parse_members(a.body.data ? a.body.data : "", a.body.len, &pg, e);
        sodium_memzero(a.body.data, a.body.len);
        rk_buf_cleanup(&a.body);
        if (err != RK_OK)
            return err;
        if (pg.total_items >= 0)
            total = pg.total_items;
        size_t got = pg.n;
        err = pull_page(&pg, &done, total, fn, ctx);
        rk_mc_page_free(&pg);
        if (err != RK_OK)
            return err;
        offset += (long long)got;
        if (got == 0 || (total >= 0 && offset >= total))
            return RK_OK;
    }
}

static void mc_close(struct rk_client *c) {
    struct mc_client *m = mc_of(c);
    sodium_memzero(m->key, sizeof m->key);
    free(m);
}

static const struct rk_client_ops mc_ops = {
    .type = "mailchimp",
    .batch_min = MC_BATCH_MIN,
    .batch_max = MC_BATCH_MAX,
    .put = mc_put,
    .put_many = mc_put_many,
    .erase = mc_erase,
    .pull = mc_pull,
    .remote = mc_remote,
    .close = mc_close,
};

rk_err rk_mc_client_open(const struct rk_recipient *r, struct rk_client **out, struct rk_error *e) {
    const struct rk_connector *k = &r->connector;
    *out = NULL;
    if (k->type != RK_CONNECTOR_MAILCHIMP || !k->list_id || !k->api_key_env)
        return rk_error_set(e, RK_EINVAL, "connector",
                            "recipient '%s' has no mailchimp or salesforce connector", r->id);
    const char *key = getenv(k->api_key_env);
    if (!key || !*key)
        return rk_error_set(e, RK_EREFUSED, "connector",
                            "recipient '%s' is not configured: environment variable %s is not set",
                            r->id, k->api_key_env);
    char dc[RK_MC_DC_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    if (rk_mc_datacenter(key, dc, &why) != RK_OK)
        return rk_error_set(e, RK_EREFUSED, "connector",
                            "recipient '%s' is not configured: environment variable %s does not "
                            "hold a Mailchimp API key (%s)",
                            r->id, k->api_key_env, rk_error_msg(&why));
    if (rk_connect_global_init() != RK_OK)
        return rk_error_set(e, RK_EIO, "connector", "libcurl could not be initialised");
    struct mc_client *m = calloc(1, sizeof *m);
    if (!m)
        return rk_error_set(e, RK_ENOMEM, "connector", "out of memory");
    m->base = (struct rk_client){.ops = &mc_ops, .recipient = r};
    m->list = k->list_id;
    m->tag = k->restricted_tag ? k->restricted_tag : "rekisteri: restricted";
    snprintf(m->key, sizeof m->key, "%s", key);
    if (k->url) {
        size_t len = strlen(k->url);
        while (len && k->url[len - 1] == '/')
            len--;
        snprintf(m->root, sizeof m->root, "%.*s", (int)len, k->url);
    } else if (rk_mc_base_url(dc, m->root, &why) != RK_OK) {
        mc_close(&m->base);
        return rk_error_set(e, RK_EREFUSED, "connector", "recipient '%s' is not configured: %s",
                            r->id, rk_error_msg(&why));
    }
    *out = &m->base;
    return RK_OK;
}
