/*
 * fake_mailchimp.c — a small fake of the Mailchimp Marketing API 3.0 for the
 * integration tests (libmicrohttpd, one thread, jansson), following the public
 * API reference. It listens on 127.0.0.1 on a free port and prints the port
 * on the first line of stdout.
 *
 * usage: fake_mailchimp [--key KEY] [--list ID]... [--seed FILE] [--log FILE]
 *                       [--rate-429 N] [--max-connections N] [--retry-after S]
 *                       [--max-seconds S]
 *
 * Requests need HTTP Basic auth with any user and KEY as the password
 * (default FAKE_KEY below), else 401. Lists exist when named by --list or in
 * the seed ({"lists": {"ID": {"members": [{"email_address": ..., "status":
 * ..., "merge_fields": {...}, "timestamp_signup": ..., "ip_signup": ...,
 * "timestamp_opt": ..., "ip_opt": ..., "tags": ["name", ...]}]}}}).
 * Endpoints (under /3.0):
 *   GET   /ping
 *   GET   /lists/L/members?count=&offset=&status=   (count ≤ 1000, default 10)
 *   GET   /lists/L/members/H
 *   PUT   /lists/L/members/H   upsert; H must be the MD5 of the lower-cased
 *         email_address; status_if_new (or status) needed for a new member;
 *         an address deleted permanently is refused ("Forgotten Email Not
 *         Subscribed") as Mailchimp does
 *   PATCH /lists/L/members/H   update (a new email_address moves the member)
 *   POST  /lists/L/members/H/actions/delete-permanent   204, then 404
 *   POST  /lists/L/members/H/tags   {"tags":[{"name","status":"active|inactive"}]}
 *   POST  /batches {"operations":[{"method","path","body"?,"params"?}]}: pending;
 *   GET   /batches/ID   started on the first poll, finished on the second
 *         (the operations are applied then; finished_operations,
 *         errored_operations)
 * Errors are problem JSON (type, title, status, detail, instance). Every Nth
 * request is answered 429 with Retry-After (--rate-429 N), and so is every
 * request on a connection opened while --max-connections (10) others were
 * open. --log FILE gets one JSON line per request: method, path, query, body
 * (parsed when JSON), status (and batch, for the operations of a batch).
 * GET /_fake/state (no auth, not logged, not counted) dumps the lists and
 * batches. It exits on SIGTERM or SIGINT and after --max-seconds (250).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <nettle/md5.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAKE_KEY "0123456789abcdef0123456789abcdef-us6"
#define MAX_BODY (16u << 20)
#define ERR_TYPE "https://mailchimp.com/developer/marketing/docs/errors/"

static volatile sig_atomic_t stop;
static const char *api_key = FAKE_KEY;
static unsigned long rate_429, max_conns = 10, retry_after = 1;
static unsigned long nreq, active, instances, tag_seq, batch_seq;
static FILE *log_file;
static json_t *lists;   /* list id → {"members": {hash → member}, "deleted": {hash → true}} */
static json_t *batches; /* batch id → the batch as answered */
static json_t *batch_ops; /* batch id → its operations, until it has run */

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

struct req {
    char *body;
    size_t len, cap;
    bool too_big;
};

struct conn {
    bool over; /* opened while max_conns others were open */
};

/* What a route answers: a status and a body (NULL: none, for 204). */
struct answer {
    unsigned status;
    json_t *body;
};

static void now_iso(char out[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static struct answer problem(unsigned status, const char *title, const char *detail) {
    char inst[48];
    snprintf(inst, sizeof inst, "00000000-0000-4000-8000-%012lx", ++instances);
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string(ERR_TYPE));
    json_object_set_new(b, "title", json_string(title));
    json_object_set_new(b, "status", json_integer(status));
    json_object_set_new(b, "detail", json_string(detail));
    json_object_set_new(b, "instance", json_string(inst));
    return (struct answer){.status = status, .body = b};
}

/* 400 "Invalid Resource" with one entry in "errors", as Mailchimp's validation answers. */
static struct answer invalid(const char *field, const char *message) {
    struct answer a = problem(400, "Invalid Resource",
                              "The resource submitted could not be validated. For field-specific "
                              "details, see the 'errors' array.");
    json_t *e = json_object();
    json_object_set_new(e, "field", json_string(field));
    json_object_set_new(e, "message", json_string(message));
    json_object_set_new(a.body, "errors", json_pack("[o]", e));
    return a;
}

static struct answer not_found(void) {
    return problem(404, "Resource Not Found", "The requested resource could not be found.");
}

static struct answer ok(unsigned status, json_t *body) {
    return (struct answer){.status = status, .body = body};
}

/* The subscriber hash: hex MD5 of the lower-cased address (nettle). */
static void subscriber_hash(const char *email, char out[2 * MD5_DIGEST_SIZE + 1]) {
    struct md5_ctx ctx;
    md5_init(&ctx);
    for (const char *p = email; *p; p++) {
        uint8_t ch = (uint8_t)tolower((unsigned char)*p);
        md5_update(&ctx, 1, &ch);
    }
    uint8_t d[MD5_DIGEST_SIZE];
    md5_digest(&ctx, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static bool valid_email(const char *e) {
    const char *at = e ? strchr(e, '@') : NULL;
    return at && at > e && at[1] && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
           !strpbrk(e, " \t\r\n");
}

static bool one_of(const char *s, const char *const *set) {
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static const char *const statuses[] = {"subscribed", "unsubscribed", "cleaned",
                                       "pending", "transactional", NULL};
static const char *const merge_tags[] = {"FNAME", "LNAME", "PHONE", "ADDRESS", "BIRTHDAY", NULL};
static const char *const strings[] = {"timestamp_signup", "ip_signup", "timestamp_opt",
                                      "ip_opt", NULL};

/* Checks the member fields of a PUT or PATCH body; a problem (status ≠ 0) when one is wrong. */
static struct answer check_fields(json_t *body) {
    json_t *v = json_object_get(body, "status");
    if (v && !one_of(json_string_value(v), statuses))
        return invalid("status", "Please choose a valid status.");
    v = json_object_get(body, "status_if_new");
    if (v && !one_of(json_string_value(v), statuses))
        return invalid("status_if_new", "Please choose a valid status.");
    for (const char *const *f = strings; *f; f++)
        if ((v = json_object_get(body, *f)) && !json_is_string(v))
            return invalid(*f, "This value should be of type string.");
    json_t *mf = json_object_get(body, "merge_fields");
    if (mf && !json_is_object(mf))
        return invalid("merge_fields", "This value should be of type object.");
    const char *k;
    json_object_foreach(mf, k, v) {
        if (!one_of(k, merge_tags) || !(json_is_string(v) || json_is_object(v))) {
            struct answer a = invalid(k, "This merge field does not exist or is of the wrong type.");
            json_object_set_new(a.body, "detail", json_string("Your merge fields were invalid."));
            return a;
        }
    }
    return (struct answer){.status = 0};
}

/* Sets the fields of a checked body on member m; status is the one to set, or NULL. */
static void apply_fields(json_t *m, json_t *body, const char *status) {
    char now[32];
    now_iso(now);
    if (status)
        json_object_set_new(m, "status", json_string(status));
    json_t *v;
    for (const char *const *f = strings; *f; f++)
        if ((v = json_object_get(body, *f)))
            json_object_set(m, *f, v);
    json_object_update(json_object_get(m, "merge_fields"), json_object_get(body, "merge_fields"));
    if (status && strcmp(status, "subscribed") == 0 && !json_object_get(body, "timestamp_opt") &&
        strcmp(json_string_value(json_object_get(m, "timestamp_opt")), "") == 0)
        json_object_set_new(m, "timestamp_opt", json_string(now));
    json_object_set_new(m, "last_changed", json_string(now));
}

static json_t *new_member(const char *list_id, const char *email, const char *hash) {
    json_t *m = json_object();
    json_object_set_new(m, "id", json_string(hash));
    json_object_set_new(m, "email_address", json_string(email));
    json_object_set_new(m, "status", json_string("subscribed"));
    json_object_set_new(m, "merge_fields", json_object());
    for (const char *const *f = strings; *f; f++)
        json_object_set_new(m, *f, json_string(""));
    json_object_set_new(m, "tags_count", json_integer(0));
    json_object_set_new(m, "tags", json_array());
    json_object_set_new(m, "list_id", json_string(list_id));
    return m;
}

/* Sets (active) or removes (inactive) the tag NAME on member m. */
static void set_tag(json_t *m, const char *name, bool on) {
    json_t *tags = json_object_get(m, "tags"), *t;
    size_t i;
    json_array_foreach(tags, i, t) {
        if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0) {
            if (!on)
                json_array_remove(tags, i);
            goto count;
        }
    }
    if (on)
        json_array_append_new(tags, json_pack("{s:I,s:s}", "id", (json_int_t)++tag_seq, "name", name));
count:
    json_object_set_new(m, "tags_count", json_integer((json_int_t)json_array_size(tags)));
}

/* A whole number from the query (a string, or a number in a batch's params). */
static bool query_ulong(json_t *q, const char *name, unsigned long dflt, unsigned long max,
                        unsigned long *out) {
    json_t *v = json_object_get(q, name);
    *out = dflt;
    if (!v)
        return true;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        *out = (unsigned long)n;
        return n >= 0 && (unsigned long)n <= max;
    }
    const char *s = json_string_value(v);
    char *end = NULL;
    if (!s || !isdigit((unsigned char)*s))
        return false;
    *out = strtoul(s, &end, 10);
    return *end == '\0' && *out <= max;
}

static struct answer member_put(const char *list_id, json_t *list, const char *hash, json_t *body) {
    json_t *members = json_object_get(list, "members");
    const char *email = json_string_value(json_object_get(body, "email_address"));
    if (!email || !*email)
        return invalid("email_address", "This value should not be blank.");
    if (!valid_email(email))
        return invalid("email_address", "Please provide a valid email address.");
    char h[2 * MD5_DIGEST_SIZE + 1];
    subscriber_hash(email, h);
    if (strcmp(h, hash) != 0)
        return problem(400, "Invalid Resource",
                       "The subscriber hash in the path does not match the email_address.");
    struct answer a = check_fields(body);
    if (a.status)
        return a;
    if (json_object_get(json_object_get(list, "deleted"), hash)) {
        char detail[512];
        snprintf(detail, sizeof detail,
                 "%s was permanently deleted and cannot be re-imported. The contact must "
                 "re-subscribe to get back on the list.",
                 email);
        return problem(400, "Forgotten Email Not Subscribed", detail);
    }
    json_t *old = json_object_get(members, hash);
    const char *status = json_string_value(json_object_get(body, "status"));
    json_t *m;
    if (old) {
        m = json_deep_copy(old);
    } else {
        const char *if_new = json_string_value(json_object_get(body, "status_if_new"));
        if (if_new)
            status = if_new;
        if (!status)
            return invalid("status_if_new", "This value should not be blank.");
        m = new_member(list_id, email, hash);
        char now[32];
        now_iso(now);
        if (!json_object_get(body, "timestamp_signup"))
            json_object_set_new(m, "timestamp_signup", json_string(now));
    }
    json_object_set_new(m, "email_address", json_string(email));
    apply_fields(m, body, status);
    json_object_set_new(members, hash, m);
    return ok(200, json_incref(m));
}

static struct answer member_patch(json_t *list, const char *hash, json_t *body) {
    json_t *members = json_object_get(list, "members"), *old = json_object_get(members, hash);
    if (!old)
        return not_found();
    struct answer a = check_fields(body);
    if (a.status)
        return a;
    json_t *e = json_object_get(body, "email_address");
    const char *email = json_string_value(e);
    char h[2 * MD5_DIGEST_SIZE + 1];
    snprintf(h, sizeof h, "%s", hash);
    if (e) {
        if (!valid_email(email))
            return invalid("email_address", "Please provide a valid email address.");
        subscriber_hash(email, h);
        if (strcmp(h, hash) != 0 && (json_object_get(members, h) ||
                                     json_object_get(json_object_get(list, "deleted"), h)))
            return problem(400, "Member Exists",
                           "The new email_address is already a list member or was deleted.");
    }
    json_t *m = json_deep_copy(old);
    if (email) {
        json_object_set_new(m, "email_address", json_string(email));
        json_object_set_new(m, "id", json_string(h));
    }
    apply_fields(m, body, json_string_value(json_object_get(body, "status")));
    if (strcmp(h, hash) != 0)
        json_object_del(members, hash);
    json_object_set_new(members, h, m);
    return ok(200, json_incref(m));
}

static struct answer member_list(const char *list_id, json_t *list, json_t *query) {
    unsigned long count, offset;
    if (!query_ulong(query, "count", 10, 1000, &count))
        return invalid("count", "Please provide a number from 0 to 1000.");
    if (!query_ulong(query, "offset", 0, ULONG_MAX, &offset))
        return invalid("offset", "Please provide a number.");
    const char *want = json_string_value(json_object_get(query, "status"));
    json_t *out = json_array(), *m;
    unsigned long seen = 0;
    const char *k;
    json_object_foreach(json_object_get(list, "members"), k, m) {
        if (want && strcmp(json_string_value(json_object_get(m, "status")), want) != 0)
            continue;
        if (seen >= offset && json_array_size(out) < count)
            json_array_append(out, m);
        seen++;
    }
    return ok(200, json_pack("{s:o,s:s,s:I}", "members", out, "list_id", list_id, "total_items",
                             (json_int_t)seen));
}

static struct answer member_tags(json_t *m, json_t *body) {
    json_t *tags = json_object_get(body, "tags"), *t;
    size_t i;
    if (!json_is_array(tags))
        return invalid("tags", "This value should be of type array.");
    json_array_foreach(tags, i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *st = json_string_value(json_object_get(t, "status"));
        if (!name || !*name)
            return invalid("tags", "A tag needs a name.");
        if (!st || (strcmp(st, "active") != 0 && strcmp(st, "inactive") != 0))
            return invalid("tags", "A tag's status is active or inactive.");
    }
    json_array_foreach(tags, i, t) {
        set_tag(m, json_string_value(json_object_get(t, "name")),
                strcmp(json_string_value(json_object_get(t, "status")), "active") == 0);
    }
    return ok(204, NULL);
}

static struct answer batch_post(json_t *body) {
    json_t *ops = json_object_get(body, "operations"), *op;
    size_t i;
    if (!json_is_array(ops))
        return invalid("operations", "This value should be of type array.");
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    json_array_foreach(ops, i, op) {
        const char *path = json_string_value(json_object_get(op, "path"));
        json_t *b = json_object_get(op, "body"), *p = json_object_get(op, "params");
        if (!one_of(json_string_value(json_object_get(op, "method")), methods))
            return invalid("operations", "An operation needs a method.");
        if (!path || path[0] != '/' || strncmp(path, "/batches", 8) == 0)
            return invalid("operations", "An operation needs a path (not of a batch).");
        if ((b && !json_is_string(b)) || (p && !json_is_object(p)))
            return invalid("operations", "An operation's body is a string, its params an object.");
    }
    char id[32], now[32];
    snprintf(id, sizeof id, "fakebatch%04lu", ++batch_seq);
    now_iso(now);
    json_t *bt = json_object();
    json_object_set_new(bt, "id", json_string(id));
    json_object_set_new(bt, "status", json_string("pending"));
    json_object_set_new(bt, "total_operations", json_integer((json_int_t)json_array_size(ops)));
    json_object_set_new(bt, "finished_operations", json_integer(0));
    json_object_set_new(bt, "errored_operations", json_integer(0));
    json_object_set_new(bt, "submitted_at", json_string(now));
    json_object_set_new(bt, "completed_at", json_string(""));
    json_object_set_new(bt, "response_body_url", json_string(""));
    json_object_set_new(batches, id, bt);
    json_object_set(batch_ops, id, ops);
    return ok(200, json_deep_copy(bt));
}

static void log_line(const char *method, const char *path, json_t *query, const char *body,
                     size_t len, unsigned status, const char *batch);
static struct answer route(const char *method, const char *path, json_t *query, json_t *body);

/* Runs the operations of batch ID, each as its own request, and finishes it. */
static void batch_run(const char *id, json_t *bt) {
    json_t *ops = json_object_get(batch_ops, id), *op;
    size_t i;
    json_int_t errored = 0;
    json_array_foreach(ops, i, op) {
        const char *text = json_string_value(json_object_get(op, "body"));
        const char *method = json_string_value(json_object_get(op, "method"));
        const char *path = json_string_value(json_object_get(op, "path"));
        json_t *q = json_object_get(op, "params"), *b = NULL;
        struct answer a;
        if (text && *text && !(b = json_loads(text, 0, NULL)))
            a = problem(400, "JSON Parse Error", "We encountered an unspecified JSON parsing error.");
        else
            a = route(method, path, q, b);
        log_line(method, path, q, text, text ? strlen(text) : 0, a.status, id);
        errored += a.status >= 400;
        json_decref(a.body);
        json_decref(b);
    }
    char now[32];
    now_iso(now);
    json_object_set_new(bt, "status", json_string("finished"));
    json_object_set_new(bt, "finished_operations", json_integer((json_int_t)json_array_size(ops)));
    json_object_set_new(bt, "errored_operations", json_integer(errored));
    json_object_set_new(bt, "completed_at", json_string(now));
    json_object_del(batch_ops, id);
}

static struct answer batch_get(const char *id) {
    json_t *bt = json_object_get(batches, id);
    if (!bt)
        return not_found();
    const char *st = json_string_value(json_object_get(bt, "status"));
    if (strcmp(st, "pending") == 0)
        json_object_set_new(bt, "status", json_string("started"));
    else if (strcmp(st, "started") == 0)
        batch_run(id, bt);
    return ok(200, json_deep_copy(bt));
}

/* Answers METHOD PATH (relative to /3.0) with the query and the parsed body (or NULL). */
static struct answer route(const char *method, const char *path, json_t *query, json_t *body) {
    char buf[1024];
    const char *seg[8];
    size_t n = 0;
    if (strlen(path) >= sizeof buf)
        return not_found();
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf; p && *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        if (n == 8)
            return not_found();
        seg[n++] = p;
        p = strchr(p, '/');
        if (p)
            *p++ = '\0';
    }
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    struct answer a = {.status = 0};
    if (n == 1 && strcmp(seg[0], "ping") == 0) {
        if (get)
            a = ok(200, json_pack("{s:s}", "health_status", "Everything's Chimpy!"));
    } else if (n == 1 && strcmp(seg[0], "batches") == 0) {
        if (post)
            a = body ? batch_post(body) : invalid("operations", "This value should not be blank.");
    } else if (n == 2 && strcmp(seg[0], "batches") == 0) {
        if (get)
            a = batch_get(seg[1]);
    } else if (n >= 3 && strcmp(seg[0], "lists") == 0 && strcmp(seg[2], "members") == 0) {
        json_t *list = json_object_get(lists, seg[1]);
        json_t *m = n >= 4 ? json_object_get(json_object_get(list, "members"), seg[3]) : NULL;
        bool is_tags = n == 5 && strcmp(seg[4], "tags") == 0;
        bool is_del = n == 6 && strcmp(seg[4], "actions") == 0 &&
                      strcmp(seg[5], "delete-permanent") == 0;
        bool writes = strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 || post;
        if (!list || (n == 5 && !is_tags) || (n == 6 && !is_del) || n > 6 ||
            (n >= 5 && post && !m))
            a = not_found();
        else if (writes && !body && !is_del)
            a = problem(400, "JSON Parse Error", "We encountered an unspecified JSON parsing error.");
        else if (n == 3 && get)
            a = member_list(seg[1], list, query);
        else if (n == 4 && get)
            a = m ? ok(200, json_incref(m)) : not_found();
        else if (n == 4 && strcmp(method, "PUT") == 0)
            a = member_put(seg[1], list, seg[3], body);
        else if (n == 4 && strcmp(method, "PATCH") == 0)
            a = member_patch(list, seg[3], body);
        else if (is_tags && post)
            a = member_tags(m, body);
        else if (is_del && post) {
            json_object_set_new(json_object_get(list, "deleted"), seg[3], json_true());
            json_object_del(json_object_get(list, "members"), seg[3]);
            a = ok(204, NULL);
        }
    } else {
        a = not_found();
    }
    if (!a.status)
        a = problem(405, "Method Not Allowed",
                    "The requested method and resource are not compatible.");
    return a;
}

static void log_line(const char *method, const char *path, json_t *query, const char *body,
                     size_t len, unsigned status, const char *batch) {
    if (!log_file)
        return;
    json_t *l = json_object(), *b = NULL;
    if (len)
        b = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (len && !b)
        b = json_stringn(body, len);
    json_object_set_new(l, "method", json_string(method));
    json_object_set_new(l, "path", json_string(path));
    json_object_set(l, "query", query && json_object_size(query) ? query : json_null());
    json_object_set_new(l, "body", b ? b : json_null());
    json_object_set_new(l, "status", json_integer(status));
    if (batch)
        json_object_set_new(l, "batch", json_string(batch));
    char *text = json_dumps(l, JSON_COMPACT);
    if (text)
        fprintf(log_file, "%s\n", text);
    fflush(log_file);
    free(text);
    json_decref(l);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer a) {
    char *text = a.body ? json_dumps(a.body, JSON_COMPACT) : NULL;
    json_decref(a.body);
    struct MHD_Response *r = MHD_create_response_from_buffer(text ? strlen(text) : 0, text,
                                                             MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    if (text)
        MHD_add_response_header(r, "Content-Type",
                                a.status >= 400 ? "application/problem+json" : "application/json");
    if (a.status == 429) {
        char s[24];
        snprintf(s, sizeof s, "%lu", retry_after);
        MHD_add_response_header(r, "Retry-After", s);
    }
    enum MHD_Result ret = MHD_queue_response(c, a.status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value) {
    (void)kind;
    json_object_set_new((json_t *)cls, key, json_string(value ? value : ""));
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls) {
    (void)cls, (void)version;
    struct req *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q)
            return MHD_NO;
        *con_cls = q;
        return MHD_YES;
    }
    if (*upload_size) {
        if (q->len + *upload_size > MAX_BODY)
            q->too_big = true;
        if (!q->too_big && q->len + *upload_size + 1 > q->cap) {
            size_t cap = (q->len + *upload_size + 1) * 2;
            char *b = realloc(q->body, cap);
            if (!b)
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        if (!q->too_big) {
            memcpy(q->body + q->len, upload_data, *upload_size);
            q->len += *upload_size;
            q->body[q->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/_fake/state") == 0 && strcmp(method, "GET") == 0)
        return send_answer(c, ok(200, json_pack("{s:O,s:O,s:I}", "lists", lists, "batches",
                                                batches, "requests", (json_int_t)nreq)));
    nreq++;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn *cn = ci ? ci->socket_context : NULL;
    if (cn && cn->over && active <= max_conns)
        cn->over = false;
    json_t *query = json_object(), *body = NULL;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, query);
    char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
    struct answer a;
    if (cn && cn->over)
        a = problem(429, "Too Many Requests",
                    "You have exceeded the limit of 10 simultaneous connections.");
    else if (rate_429 && nreq % rate_429 == 0)
        a = problem(429, "Too Many Requests", "You have made too many requests. Try again later.");
    else if (!pass || strcmp(pass, api_key) != 0)
        a = problem(401, "API Key Invalid",
                    "Your API key may be invalid, or you've attempted to access the wrong "
                    "datacenter.");
    else if (q->too_big)
        a = problem(413, "Request Entity Too Large", "The request body is too large.");
    else if (strncmp(url, "/3.0/", 5) != 0)
        a = not_found();
    else if (q->len && !(body = json_loadb(q->body, q->len, 0, NULL)))
        a = problem(400, "JSON Parse Error", "We encountered an unspecified JSON parsing error.");
    else
        a = route(method, url + 4, query, body);
    if (user)
        MHD_free(user);
    if (pass)
        MHD_free(pass);
    log_line(method, url, query, q->body, q->len, a.status, NULL);
    json_decref(query);
    json_decref(body);
    return send_answer(c, a);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)c, (void)toe;
    struct req *q = *con_cls;
    if (q) {
        free(q->body);
        free(q);
    }
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    (void)cls, (void)c;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn *cn = calloc(1, sizeof *cn);
        if (cn)
            cn->over = active >= max_conns;
        *socket_context = cn;
        active++;
    } else {
        free(*socket_context);
        *socket_context = NULL;
        active--;
    }
}

static json_t *add_list(const char *id) {
    json_t *l = json_object_get(lists, id);
    if (!l) {
        l = json_pack("{s:{},s:{}}", "members", "deleted");
        json_object_set_new(lists, id, l);
    }
    return l;
}

/* Loads the seed's lists and members; false (with a message) when it is not as documented. */
static bool load_seed(const char *path) {
    json_error_t err;
    json_t *s = json_load_file(path, 0, &err), *l, *m;
    const char *id;
    size_t i;
    if (!s) {
        fprintf(stderr, "fake_mailchimp: %s:%d: %s\n", path, err.line, err.text);
        return false;
    }
    bool good = json_is_object(json_object_get(s, "lists"));
    json_object_foreach(json_object_get(s, "lists"), id, l) {
        json_t *list = add_list(id);
        json_array_foreach(json_object_get(l, "members"), i, m) {
            const char *email = json_string_value(json_object_get(m, "email_address"));
            const char *st = json_string_value(json_object_get(m, "status"));
            struct answer a = check_fields(m);
            json_decref(a.body);
            if (!valid_email(email) || !one_of(st, statuses) || a.status) {
                good = false;
                continue;
            }
            char h[2 * MD5_DIGEST_SIZE + 1];
            subscriber_hash(email, h);
            json_t *mem = new_member(id, email, h), *t;
            size_t j;
            apply_fields(mem, m, st);
            json_array_foreach(json_object_get(m, "tags"), j, t) {
                if (json_is_string(t))
                    set_tag(mem, json_string_value(t), true);
            }
            json_object_set_new(json_object_get(list, "members"), h, mem);
        }
    }
    json_decref(s);
    if (!good)
        fprintf(stderr, "fake_mailchimp: %s: a list or member is not as documented\n", path);
    return good;
}

static bool parse_ulong(const char *s, unsigned long *out) {
    char *end = NULL;
    if (!s || !isdigit((unsigned char)*s))
        return false;
    *out = strtoul(s, &end, 10);
    return *end == '\0';
}

static int usage(void) {
    fprintf(stderr, "usage: fake_mailchimp [--key KEY] [--list ID]... [--seed FILE] [--log FILE] "
                    "[--rate-429 N] [--max-connections N] [--retry-after S] [--max-seconds S]\n");
    return 2;
}

int main(int argc, char **argv) {
    unsigned long max_seconds = 250;
    lists = json_object();
    batches = json_object();
    batch_ops = json_object();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        i++;
        bool good = true;
        if (strcmp(a, "--key") == 0)
            api_key = v;
        else if (strcmp(a, "--list") == 0)
            add_list(v);
        else if (strcmp(a, "--seed") == 0)
            good = load_seed(v);
        else if (strcmp(a, "--log") == 0)
            good = (log_file = fopen(v, "a")) != NULL;
        else if (strcmp(a, "--rate-429") == 0)
            good = parse_ulong(v, &rate_429);
        else if (strcmp(a, "--max-connections") == 0)
            good = parse_ulong(v, &max_conns);
        else if (strcmp(a, "--retry-after") == 0)
            good = parse_ulong(v, &retry_after);
        else if (strcmp(a, "--max-seconds") == 0)
            good = parse_ulong(v, &max_seconds);
        else
            good = false;
        if (!good)
            return usage();
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info) {
        fprintf(stderr, "fake_mailchimp: cannot listen on 127.0.0.1\n");
        return 1;
    }
    /* The handlers before the port: whoever reads the port may stop the fake at once. */
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("%u\n", (unsigned)info->port);
    fflush(stdout);
    time_t deadline = time(NULL) + (time_t)max_seconds;
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 50L * 1000 * 1000};
    while (!stop && time(NULL) < deadline)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(d);
    if (log_file)
        fclose(log_file);
    json_decref(lists);
    json_decref(batches);
    json_decref(batch_ops);
    return 0;
}
