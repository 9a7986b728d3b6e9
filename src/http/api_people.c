/*
 * api_people.c — the staff console's people and overview routes: the people
 * search (GET /api/v1/persons: words of a name or organisation insensitive
 * to case and diacritics, or an exact email or phone, with filters and keyset
 * paging), a person's whole record with the provenance of every value, the
 * overview's figures from maintained counters, and recording a verification
 * of the audit chain. Each route checks its capability (core/view.h) and
 * shows only what the role sees; the search and its index are core/search.c.
 */
#include <jansson.h>
#include "http/auth.h"
#include "http/respond.h"
#include "http/service.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/consent.h"
#include "base/id.h"
#include "core/request.h"
#include "core/search.h"
#include "core/staff.h"
#include "base/time.h"
#include "base/tz.h"
#include "core/view.h"
#include "http/api_people.h"
#include "http/consent_log.h"
#include "http/writer.h"

#define RECORD_AUDIT_MAX 500 /* audit events of one person in a record */
#define OVERVIEW_REQUESTS 50
#define OVERVIEW_WEEKS 26

static const char *arg(struct MHD_Connection *c, const char *name) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v && v[0] ? v : NULL;
}

/* ---- GET /api/v1/persons ------------------------------------------------------------------- */

struct people {
    struct rk_http_server *s;
    const struct rk_view *view;
    const char *register_id; /* the register filter, for exact finds */
    json_t *list;
    json_t *ids; /* shown, for the audit */
    size_t limit;
};

/* The person as the list shows them: the first seen value of each field, and for old callers
 * `register` and `values` of the first seen entry. */
static int person_json(void *ctx, const char *person_id, rk_ts added,
                       const struct rk_entry *entries, size_t n) {
    struct people *p = ctx;
    json_t *o = json_pack("{s:s}", "id", person_id);
    static const enum rk_field shown[] = {RK_F_NAME, RK_F_EMAIL, RK_F_PHONE, RK_F_ORGANISATION};
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        for (size_t i = 0; i < n; i++)
            if (entries[i].v[shown[k]] &&
                rk_view_field(p->view, entries[i].register_id, shown[k])) {
                json_object_set_new(o, rk_field_id(shown[k]), json_string(entries[i].v[shown[k]]));
                break;
            }
    json_t *regs = json_array();
    rk_ts first = 0;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(regs, json_string(entries[i].register_id));
        if (!first || (entries[i].since && entries[i].since < first))
            first = entries[i].since;
    }
    json_object_set_new(o, "registers", regs);
    char at[RK_TS_LEN + 1];
    rk_ts_format(added ? added : first, at);
    json_object_set_new(o, "added", json_string(at));
    json_t *values = json_object();
    for (int f = 0; n > 0 && f < RK_F__COUNT; f++)
        if (entries[0].v[f] && rk_view_field(p->view, entries[0].register_id, (enum rk_field)f))
            json_object_set_new(values, rk_field_id((enum rk_field)f), json_string(entries[0].v[f]));
    json_object_set_new(o, "register", json_string(n > 0 ? entries[0].register_id : ""));
    json_object_set_new(o, "values", values);
    json_array_append_new(p->list, o);
    json_array_append_new(p->ids, json_string(person_id));
    return 0;
}

/* Exact finds by email or phone: the persons found through a seen entry (rule 4). */
struct exact {
    char ids[RK_SEARCH_LIMIT_MAX][RK_ID_LEN + 1];
    size_t n;
    bool more;
};

static int exact_entry(void *ctx, const struct rk_entry *e) {
    struct exact *x = ctx;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->ids[i], e->person_id) == 0)
            return 0;
    if (x->n == RK_SEARCH_LIMIT_MAX) {
        x->more = true;
        return 1;
    }
    snprintf(x->ids[x->n++], RK_ID_LEN + 1, "%s", e->person_id);
    return 0;
}

struct gather {
    struct rk_entry *entries;
    size_t n, cap;
};

static int gather_entry(void *ctx, const struct rk_entry *e) {
    struct gather *g = ctx;
    if (g->n < g->cap)
        rk_search_entry_copy(&g->entries[g->n++], e);
    return 0;
}

static bool exact_query(const char *q) {
    return strchr(q, '@') ||
           (strspn(q, "+0123456789 -()./") == strlen(q) && strpbrk(q, "0123456789"));
}

static rk_err find_exact(struct rk_http_server *s, struct rk_reg *reg, const struct rk_view *view,
                         const char *q, struct people *p, size_t limit, struct rk_error *msg) {
    struct exact *x = calloc(1, sizeof *x);
    struct gather g = {calloc(s->decl->nregisters ? s->decl->nregisters : 1,
                              sizeof(struct rk_entry)),
                       0, s->decl->nregisters};
    rk_err err = x && g.entries ? RK_OK : RK_ENOMEM;
    if (err == RK_OK)
        err = rk_reg_person_find_in(reg, view, q, exact_entry, x, msg);
    for (size_t i = 0; err == RK_OK && x && i < x->n && i < limit; i++) {
        g.n = 0;
        err = rk_view_entries(view, rk_reg_store(reg), x->ids[i], gather_entry, &g);
        bool in = !p->register_id;
        for (size_t k = 0; k < g.n && !in; k++)
            in = strcmp(g.entries[k].register_id, p->register_id) == 0;
        if (err == RK_OK && g.n > 0 && in)
            person_json(p, x->ids[i], 0, g.entries, g.n);
    }
    free(g.entries);
    free(x);
    return err;
}

/* Reads the query's parameters; false with the refusal in *no. */
static bool parse_people(struct rk_http_server *s, struct MHD_Connection *c,
                         const struct rk_role *role, struct rk_search_query *q,
                         struct rk_search_cursor *after, struct rk_http_refusal *no) {
    memset(q, 0, sizeof *q);
    q->q = arg(c, "q");
    q->register_id = arg(c, "register");
    q->organisation = arg(c, "organisation");
    q->purpose = arg(c, "purpose");
    q->now = rk_time_now();
    q->limit = 50;
    const char *consent = arg(c, "consent"), *since = arg(c, "since"), *cur = arg(c, "after"),
               *limit = arg(c, "limit");
    if ((q->q && strlen(q->q) > 256) || (q->organisation && strlen(q->organisation) > 256)) {
        rk_http_refuse(no, 400, "bad_request", "q and organisation may be 256 bytes at most");
        return false;
    }
    if (limit) {
        char *end = NULL;
        long n = strtol(limit, &end, 10);
        if (*end || n < 1 || n > RK_SEARCH_LIMIT_MAX) {
            rk_http_refuse(no, 400, "bad_request", "limit: expected a whole number from 1 to %d",
                           RK_SEARCH_LIMIT_MAX);
            return false;
        }
        q->limit = (size_t)n;
    }
    if (q->register_id) {
        if (!rk_decl_register(s->decl, q->register_id)) {
            rk_http_refuse(no, 400, "bad_request", "register: not a declared register");
            return false;
        }
        if (!rk_role_grants(role, q->register_id, NULL)) {
            rk_http_refuse(no, 403, "forbidden", "the role is not granted this register");
            return false;
        }
    }
    if (consent) {
        static const char *const names[] = {"", "given", "withdrawn", "expired", "none"};
        for (int i = 1; i < 5; i++)
            if (strcmp(consent, names[i]) == 0)
                q->consent = (enum rk_search_consent)i;
        if (q->consent == RK_SEARCH_CONSENT_ANY) {
            rk_http_refuse(no, 400, "bad_request",
                           "consent: expected given, withdrawn, expired or none");
            return false;
        }
        if (!q->purpose) {
            rk_http_refuse(no, 400, "bad_request", "consent: give the purpose it concerns too");
            return false;
        }
    }
    if (q->purpose) {
        if (!rk_decl_purpose(s->decl, q->purpose)) {
            rk_http_refuse(no, 400, "bad_request", "purpose: not a declared purpose");
            return false;
        }
        if (!rk_http_role_purpose(s->decl, role, q->purpose)) {
            rk_http_refuse(no, 403, "forbidden",
                           "the role is granted no register declaring this purpose");
            return false;
        }
    }
    struct rk_date d;
    if (since) {
        if (!rk_date_parse(since, &d)) {
            rk_http_refuse(no, 400, "bad_request", "since: expected a date, YYYY-MM-DD");
            return false;
        }
        q->since = rk_date_ts(d);
    }
    if (cur) {
        if (!rk_search_cursor_parse(cur, after)) {
            rk_http_refuse(no, 400, "bad_request",
                           "after: not a cursor this service gave (pass `next` from the last "
                           "page unchanged)");
            return false;
        }
        q->after = after;
    }
    return true;
}

RK_HTTP_HANDLER(rk_http_get_people) {
    struct rk_token t;
    unsigned caps = 0;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_PEOPLE, &t, &caps, &ret);
    if (!role)
        return ret;
    struct rk_search_query q;
    struct rk_search_cursor after, next;
    struct rk_http_refusal no = {.status = 0};
    if (!parse_people(s, c, role, &q, &after, &no))
        return rk_http_refused(c, r, &no);
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_copy(&room, s->reads, rk_http_thread_store(s), t.name);
    if (!rk_reg_store(reg))
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    struct rk_view view = rk_http_view(s, role);
    struct people p = {s, &view, q.register_id, json_array(), json_array(), q.limit};
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    bool more = false;
    rk_err err;
    if (q.q && exact_query(q.q))
        err = find_exact(s, reg, &view, q.q, &p, q.limit, &msg);
    else
        err = rk_search_persons(reg, &view, &q, person_json, &p, &more, &next, &msg);
    if (err != RK_OK) {
        json_decref(p.list);
        json_decref(p.ids);
        return rk_http_reg_error(c, r, err, &msg);
    }
    size_t i;
    json_t *id;
    json_array_foreach(p.ids, i, id) { /* each person shown is a read */
        rk_http_audit(s, &t, "person.read", json_string_value(id), "find");
    }
    json_decref(p.ids);
    char cursor[RK_SEARCH_CURSOR_MAX];
    if (more)
        rk_search_cursor_format(&next, cursor);
    return rk_http_json(c, r, 200,
                        json_pack("{s:o, s:s?, s:b}", "persons", p.list, "next",
                                  more ? cursor : NULL, "truncated", more));
}

/* ---- GET /api/v1/persons/{id}/record ------------------------------------------------------- */

struct record {
    struct rk_http_server *s;
    struct rk_store *st;
    const struct rk_view *view;
    const struct rk_role *role;
    json_t *list;
    rk_err err;
};

/* Sets key to the staff account's name when actor is "staff:<id>" of one still held: the
 * console shows who, not an id. */
static void put_actor_name(json_t *o, const char *key, struct rk_store *st, const char *actor) {
    char name[RK_STAFF_NAME_MAX * 4 + 1];
    if (rk_staff_actor_name(st, actor, name, sizeof name) == RK_OK)
        json_object_set_new(o, key, json_string(name));
}

static json_t *ts_json(rk_ts t) {
    if (!t)
        return json_null();
    char at[RK_TS_LEN + 1];
    rk_ts_format(t, at);
    return json_string(at);
}

static json_t *date_json(struct rk_date d) {
    if (!d.y)
        return json_null();
    char iso[11];
    rk_date_iso(d, iso);
    return json_string(iso);
}

/* One register's values the role sees, each with its provenance. */
static int record_entry(void *ctx, const struct rk_entry *e) {
    struct record *rec = ctx;
    json_t *values = json_object();
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (!e->v[f] || !rk_view_field(rec->view, e->register_id, (enum rk_field)f))
            continue;
        json_t *v = json_pack("{s:s}", "value", e->v[f]);
        struct rk_provenance pv;
        char buf[1024];
        if (e->prov[f] &&
            rk_store_provenance_get(rec->st, e->prov[f], &pv, buf, sizeof buf) == RK_OK) {
            json_object_set_new(v, "source",
                                json_pack("{s:s, s:s?}", "kind", rk_source_kind_id(pv.source),
                                          "detail", pv.detail));
            json_object_set_new(v, "purpose", json_string(pv.purpose));
            json_object_set_new(v, "at", ts_json(pv.at));
            json_object_set_new(v, "by", json_string(pv.by));
            put_actor_name(v, "by_name", rec->st, pv.by);
        }
        json_object_set_new(values, rk_field_id((enum rk_field)f), v);
    }
    json_array_append_new(rec->list, json_pack("{s:s, s:o, s:o}", "register", e->register_id,
                                               "since", ts_json(e->since), "values", values));
    return 0;
}

/* A short summary of the consent's evidence: channel, form and the first words of its text. */
static int record_consent(void *ctx, const struct rk_consent_event *e) {
    struct record *rec = ctx;
    if (!rk_http_role_purpose(rec->s->decl, rec->role, e->purpose))
        return 0;
    char text[121] = "";
    if (e->evidence) {
        size_t n = strlen(e->evidence);
        if (n > 120) {
            n = 117;
            while (n > 0 && ((unsigned char)e->evidence[n] & 0xc0) == 0x80)
                n--;
            memcpy(text, e->evidence, n);
            memcpy(text + n, "...", 4);
        } else {
            memcpy(text, e->evidence, n + 1);
        }
    }
    json_array_append_new(
        rec->list,
        json_pack("{s:s, s:s, s:b, s:o, s:s, s:s, s:{s:s, s:s, s:s?, s:s?}}", "purpose",
                  e->purpose, "event", rk_consent_kind_name(e->kind), "pending", e->pending, "at",
                  ts_json(e->at), "basis", rk_basis_id(e->basis), "notice_version",
                  e->notice_version, "evidence", "channel", e->channel, "collector", e->collector,
                  "form_id", e->form_id, "text", e->evidence ? text : NULL));
    return 0;
}

static int record_change(void *ctx, const struct rk_contract_change *ch) {
    json_array_append_new(ctx, json_pack("{s:o, s:s, s:s, s:s?, s:s?}", "at", ts_json(ch->at),
                                         "by", ch->by, "field", ch->field, "old", ch->old_value,
                                         "new", ch->new_value));
    return 0;
}

static int record_contract(void *ctx, const struct rk_contract *k) {
    struct record *rec = ctx;
    if (!rk_view_kind(rec->view, k->register_id, RK_CAT_CONTRACT))
        return 0;
    json_t *history = json_array();
    if ((rec->err = rk_store_contract_changes(rec->st, k->id, record_change, history)) != RK_OK) {
        json_decref(history);
        return 1;
    }
    json_array_append_new(
        rec->list, json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o}", "id", k->id,
                             "register", k->register_id, "service", k->service, "start",
                             date_json(k->start), "end", date_json(k->end), "status",
                             k->status == RK_CONTRACT_ACTIVE ? "active" : "ended", "created_at",
                             ts_json(k->created_at), "created_by", k->created_by, "history",
                             history));
    return 0;
}

static int record_invoice(void *ctx, const struct rk_invoice *i) {
    struct record *rec = ctx;
    if (!rk_view_kind(rec->view, i->register_id, RK_CAT_BILLING))
        return 0;
    json_array_append_new(
        rec->list, json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:s?, s:o, s:b}", "id", i->id,
                             "register", i->register_id, "number", i->number, "date",
                             date_json(i->date), "amount_cents", (json_int_t)i->amount_cents,
                             "currency", i->currency, "contract",
                             i->contract_id[0] ? i->contract_id : NULL, "keep_until",
                             date_json(i->keep_until), "restricted", i->restricted));
    return 0;
}

static int record_request(void *ctx, const struct rk_request *q) {
    struct record *rec = ctx;
    json_array_append_new(
        rec->list,
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", q->id, "type",
                  rk_request_type_name(q->type), "status", rk_request_status_name(q->status),
                  "received", ts_json(q->received_at), "due",
                  date_json(q->extended_due.y ? q->extended_due : q->due), "closed",
                  ts_json(q->closed_at)));
    return 0;
}

static int record_task(void *ctx, const struct rk_task_view *t) {
    struct record *rec = ctx;
    json_array_append_new(rec->list,
                          json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o}", "id", t->id, "kind",
                                    t->kind, "detail", t->detail, "due", date_json(t->due),
                                    "created", ts_json(t->created_at), "done",
                                    ts_json(t->done_at)));
    return 0;
}

static int record_audit(void *ctx, const struct rk_audit_event *e) {
    struct record *rec = ctx;
    if (json_array_size(rec->list) == RECORD_AUDIT_MAX)
        json_array_remove(rec->list, 0); /* the newest RECORD_AUDIT_MAX */
    json_t *ev = json_pack("{s:I, s:o, s:s, s:s, s:s?}", "seq", (json_int_t)e->seq, "at",
                           ts_json(e->at), "actor", e->actor, "action", e->action, "detail",
                           e->detail);
    if (ev)
        put_actor_name(ev, "actor_name", rec->st, e->actor);
    json_array_append_new(rec->list, ev);
    return 0;
}

RK_HTTP_HANDLER(rk_http_get_record) {
    struct rk_token t;
    unsigned caps = 0;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_PEOPLE, &t, &caps, &ret);
    if (!role)
        return ret;
    struct rk_http_refusal no = {.status = 0};
    if (!rk_http_see_person(s, role, r->param[0], &no))
        return rk_http_refused(c, r, &no);
    struct rk_view view = rk_http_view(s, role);
    struct record rec = {s, rk_http_thread_store(s), &view, role, NULL, RK_OK};
    const char *id = r->param[0];
    json_t *doc = json_pack("{s:s}", "id", id);
    rk_err err = rec.st ? RK_OK : RK_EBUSY;
    struct {
        const char *key;
        unsigned cap;
        int which;
    } parts[] = {{"registers", 0, 0},         {"consents", 0, 1},
                 {"contracts", 0, 2},         {"invoices", 0, 3},
                 {"requests", RK_CAP_REQUESTS, 4}, {"tasks", 0, 5},
                 {"audit", RK_CAP_AUDIT_TRAIL, 6}};
    for (size_t i = 0; err == RK_OK && i < sizeof parts / sizeof parts[0]; i++) {
        if (parts[i].cap && !(caps & parts[i].cap)) {
            json_object_set_new(doc, parts[i].key, json_null());
            continue;
        }
        rec.list = json_array();
        rec.err = RK_OK;
        switch (parts[i].which) {
        case 0: err = rk_view_entries(&view, rec.st, id, record_entry, &rec); break;
        case 1: err = rk_store_consent_events(rec.st, id, record_consent, &rec); break;
        case 2: err = rk_store_contracts_of_person(rec.st, id, record_contract, &rec); break;
        case 3: err = rk_store_invoices_of_person(rec.st, id, record_invoice, &rec); break;
        case 4: err = rk_store_requests_of_person(rec.st, id, record_request, &rec); break;
        case 5: err = rk_store_tasks_of_person(rec.st, id, record_task, &rec); break;
        default: err = rk_store_audit_scan(rec.st, 0, id, record_audit, &rec); break;
        }
        if (err == RK_OK)
            err = rec.err;
        json_object_set_new(doc, parts[i].key, rec.list);
    }
    if (err != RK_OK) {
        json_decref(doc);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    rk_http_audit(s, &t, "person.read", id, "record");
    return rk_http_json(c, r, 200, doc);
}

/* ---- GET /api/v1/overview ------------------------------------------------------------------ */

struct due_row {
    char id[RK_REQUEST_ID_LEN + 1];
    const char *type, *status;
    struct rk_date due;
};

struct dues {
    struct due_row *rows;
    size_t n, cap;
};

static int take_due(void *ctx, const struct rk_request *q) {
    struct dues *d = ctx;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        struct due_row *rows = realloc(d->rows, cap * sizeof *rows);
        if (!rows)
            return 1;
        d->rows = rows;
        d->cap = cap;
    }
    struct due_row *row = &d->rows[d->n++];
    snprintf(row->id, sizeof row->id, "%s", q->id);
    row->type = rk_request_type_name(q->type);
    row->status = rk_request_status_name(q->status);
    row->due = q->extended_due.y ? q->extended_due : q->due;
    return 0;
}

static int by_due(const void *a, const void *b) {
    const struct due_row *x = a, *y = b;
    int c = rk_date_cmp(x->due, y->due);
    return c ? c : strcmp(x->id, y->id);
}

static json_t *overview_requests(struct rk_http_server *s, struct rk_store *st, rk_err *err) {
    struct dues d = {NULL, 0, 0};
    struct rk_request_filter f = {.status = -1, .open_only = true};
    *err = rk_store_requests_list(st, &f, take_due, &d);
    json_t *list = json_array();
    if (*err == RK_OK && d.n)
        qsort(d.rows, d.n, sizeof *d.rows, by_due); /* the earliest due first: overdue first */
    struct rk_date today = s->tz ? rk_tz_date(s->tz, rk_time_now()) : rk_ts_date(rk_time_now());
    for (size_t i = 0; *err == RK_OK && i < d.n && i < OVERVIEW_REQUESTS; i++) {
        long left = (long)((rk_date_ts(d.rows[i].due) - rk_date_ts(today)) / 86400);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:i, s:b}", "id",
                                              d.rows[i].id, "type", d.rows[i].type, "status",
                                              d.rows[i].status, "due", date_json(d.rows[i].due),
                                              "days_left", (int)left, "overdue", left < 0));
    }
    free(d.rows);
    return list;
}

struct counts {
    struct rk_http_server *s;
    const struct rk_view *view;
    const struct rk_role *role;
    json_t *out;
};

static int register_count(void *ctx, const struct rk_counter_row *row) {
    struct counts *k = ctx;
    json_t *o = json_object_get(k->out, row->name);
    if (o)
        json_object_set_new(o, "persons", json_integer(row->n[0]));
    return 0;
}

/* Whether purpose rests on consent and a register the role sees declares it. */
static bool consent_purpose(const struct counts *k, const char *purpose) {
    const struct rk_purpose *p = rk_decl_purpose(k->s->decl, purpose);
    return p && p->basis == RK_BASIS_CONSENT && rk_http_role_purpose(k->s->decl, k->role, purpose);
}

static int audience_count(void *ctx, const struct rk_counter_row *row) {
    struct counts *k = ctx;
    if (consent_purpose(k, row->name))
        json_array_append_new(k->out, json_pack("{s:s, s:I}", "purpose", row->name, "size",
                                                (json_int_t)row->n[0]));
    return 0;
}

static int week_count(void *ctx, const struct rk_counter_row *row) {
    struct counts *k = ctx;
    char key[64];
    snprintf(key, sizeof key, "%s|%s", row->week ? row->week : "", row->name);
    json_t *o = json_object_get(k->out, key);
    if (o) {
        json_object_set_new(o, "given", json_integer(row->n[0]));
        json_object_set_new(o, "withdrawn", json_integer(row->n[1]));
        json_object_set_new(o, "expired", json_integer(row->n[2]));
    }
    return 0;
}

/* "2026-W49" for the ISO week starting on Monday monday. */
static void iso_week(struct rk_date monday, char out[24]) {
    struct rk_date thursday = rk_date_add_days(monday, 3);
    time_t t = (time_t)rk_date_ts(thursday);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 24, "%04d-W%02d", thursday.y % 10000, (tm.tm_yday / 7 + 1) % 100);
}

static json_t *overview_weeks(struct counts *k, struct rk_store *st, rk_err *err) {
    struct rk_date today = rk_ts_date(rk_time_now());
    time_t now = (time_t)rk_date_ts(today);
    struct tm tm;
    gmtime_r(&now, &tm);
    struct rk_date monday = rk_date_add_days(today, -((tm.tm_wday + 6) % 7));
    struct rk_date from = rk_date_add_days(monday, -7 * (OVERVIEW_WEEKS - 1));
    json_t *list = json_array(), *index = json_object();
    for (int w = 0; w < OVERVIEW_WEEKS; w++) {
        struct rk_date d = rk_date_add_days(from, 7 * w);
        char iso[11], label[24];
        rk_date_iso(d, iso);
        iso_week(d, label);
        for (size_t i = 0; i < k->s->decl->npurposes; i++) {
            const char *p = k->s->decl->purposes[i].id;
            if (!consent_purpose(k, p))
                continue;
            json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i}", "week", label, "purpose", p,
                                  "given", 0, "withdrawn", 0, "expired", 0);
            char key[64];
            snprintf(key, sizeof key, "%s|%s", iso, p);
            json_object_set(index, key, o);
            json_array_append_new(list, o);
        }
    }
    char iso[11];
    rk_date_iso(from, iso);
    struct counts wk = {k->s, k->view, k->role, index};
    *err = rk_store_consent_weeks(st, iso, week_count, &wk);
    json_decref(index);
    return list;
}

/* The sweep's counts ("consents_expired=3 erased=1 ... late=0/1/0") as an object. */
static json_t *sweep_json(const struct rk_console_mark *m) {
    if (!m->at)
        return json_null();
    json_t *o = json_pack("{s:o}", "at", ts_json(m->at));
    char buf[sizeof m->detail];
    snprintf(buf, sizeof buf, "%s", m->detail);
    for (char *w = buf, *sp; *w; w = sp ? sp + 1 : w + strlen(w)) {
        if ((sp = strchr(w, ' ')))
            *sp = '\0';
        char *eq = strchr(w, '=');
        if (!eq || eq == w)
            continue;
        *eq = '\0';
        char *end = NULL;
        long long v = strtoll(eq + 1, &end, 10);
        json_object_set_new(o, w, *end ? json_string(eq + 1) : json_integer(v));
    }
    return o;
}

/* {"date": today's local date, "<action>": count, …}; null without a cookies: section. */
static json_t *overview_cookies(struct rk_http_server *s, struct rk_store *st, rk_err *err) {
    if (!s->decl->cookies.declared)
        return json_null();
    int64_t n[RK_COOKIE__COUNT];
    rk_ts now = rk_time_now();
    if ((*err = rk_consent_log_day_counts(st, s->tz, now, n)) != RK_OK)
        return NULL;
    char day[11];
    rk_date_iso(s->tz ? rk_tz_date(s->tz, now) : rk_ts_date(now), day);
    json_t *o = json_pack("{s:s}", "date", day);
    for (int a = 0; o && a < RK_COOKIE__COUNT; a++)
        json_object_set_new(o, rk_cookie_action_id((enum rk_cookie_action)a),
                            json_integer((json_int_t)n[a]));
    return o;
}

RK_HTTP_HANDLER(rk_http_get_overview) {
    struct rk_token t;
    unsigned caps = 0;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_OVERVIEW, &t, &caps, &ret);
    if (!role)
        return ret;
    struct rk_store *st = rk_http_thread_store(s);
    if (!st)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    struct rk_view view = rk_http_view(s, role);
    json_t *doc = json_object();
    rk_err err = RK_OK;
    bool all = rk_view_all(&view);
    if (err == RK_OK)
        json_object_set_new(doc, "requests",
                            caps & RK_CAP_REQUESTS ? overview_requests(s, st, &err) : json_null());
    int64_t n1 = 0, n2 = 0;
    if (err == RK_OK && all && (err = rk_store_tasks_count(st, "art14_inform", &n1)) == RK_OK &&
        (err = rk_store_tasks_count(st, "objection_review", &n2)) == RK_OK)
        json_object_set_new(doc, "tasks",
                            json_pack("{s:I, s:I}", "art14", (json_int_t)n1, "objections",
                                      (json_int_t)n2));
    else if (err == RK_OK)
        json_object_set_new(doc, "tasks", json_null());
    if (err == RK_OK && caps & RK_CAP_RECIPIENTS &&
        (err = rk_store_outbox_count(st, RK_OUTBOX_FAILED, &n1)) == RK_OK &&
        (err = rk_store_recipient_notice_count(st, RK_NOTICE_FAILED, &n2)) == RK_OK)
        json_object_set_new(doc, "failed",
                            json_pack("{s:I, s:I}", "mail", (json_int_t)n1, "notices",
                                      (json_int_t)n2));
    else if (err == RK_OK)
        json_object_set_new(doc, "failed", json_null());
    struct rk_console_mark m;
    if (err == RK_OK && all && (err = rk_store_console_mark_get(st, "sweep", &m)) == RK_OK)
        json_object_set_new(doc, "sweep", sweep_json(&m));
    else if (err == RK_OK)
        json_object_set_new(doc, "sweep", json_null());
    if (err == RK_OK && caps & RK_CAP_AUDIT_TRAIL) {
        int64_t head = 0;
        unsigned char h[RK_HASH_LEN];
        char hex[2 * RK_HASH_LEN + 1] = "";
        err = rk_store_audit_last(st, &head, h);
        if (err == RK_ENOENT)
            err = RK_OK, head = 0;
        else
            for (size_t i = 0; err == RK_OK && i < RK_HASH_LEN; i++)
                snprintf(hex + 2 * i, 3, "%02x", h[i]);
        if (err == RK_OK)
            err = rk_store_console_mark_get(st, "audit_verify", &m);
        if (err == RK_OK)
            json_object_set_new(
                doc, "audit",
                json_pack("{s:I, s:s, s:o, s:o, s:o}", "head", (json_int_t)head, "hash", hex,
                          "verified_at", ts_json(m.at), "verified_ok",
                          m.ok < 0 ? json_null() : json_boolean(m.ok), "verified_head",
                          m.ok < 0 ? json_null() : json_integer(m.seq)));
    } else if (err == RK_OK) {
        json_object_set_new(doc, "audit", json_null());
    }
    if (err == RK_OK) { /* persons per register the role sees */
        json_t *regs = json_array(), *index = json_object();
        for (size_t i = 0; i < s->decl->nregisters; i++) {
            const char *id = s->decl->registers[i].id;
            if (!rk_view_register(&view, id))
                continue;
            json_t *o = json_pack("{s:s, s:i}", "id", id, "persons", 0);
            json_object_set(index, id, o);
            json_array_append_new(regs, o);
        }
        struct counts k = {s, &view, role, index};
        err = rk_store_register_counts(st, register_count, &k);
        json_decref(index);
        json_object_set_new(doc, "registers", regs);
    }
    struct counts k = {s, &view, role, NULL};
    if (err == RK_OK)
        json_object_set_new(doc, "consents_weekly", overview_weeks(&k, st, &err));
    if (err == RK_OK && caps & RK_CAP_AUDIENCE) {
        k.out = json_array();
        err = rk_store_purpose_counts(st, audience_count, &k);
        json_object_set_new(doc, "audience", k.out);
    } else if (err == RK_OK) {
        json_object_set_new(doc, "audience", json_null());
    }
    if (err == RK_OK) /* the website's cookie choices today (consent_log.c), or null */
        json_object_set_new(doc, "cookie_consents", overview_cookies(s, st, &err));
    if (err != RK_OK) {
        json_decref(doc);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    return rk_http_json(c, r, 200, doc);
}

/* ---- POST /api/v1/audit/verify ------------------------------------------------------------- */

struct verified {
    struct rk_audit_report rep;
    rk_ts at;
};

static rk_err run_record_verified(struct rk_reg *reg, void *ctx) {
    struct verified *v = ctx;
    return rk_audit_record_verified(rk_reg_store(reg), &v->rep, v->at);
}

RK_HTTP_HANDLER(rk_http_post_audit_verify) {
    struct rk_token t;
    unsigned caps = 0;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_AUDIT_TRAIL, &t, &caps, &ret);
    if (!role)
        return ret;
    struct rk_store *st = rk_http_thread_store(s);
    struct verified *v = calloc(1, sizeof *v);
    rk_err err = st && v ? RK_OK : RK_EBUSY;
    if (err == RK_OK)
        err = rk_audit_verify(st, &s->keys, &v->rep);
    if (err == RK_OK) {
        v->at = rk_time_now();
        err = rk_writer_run(s->writer, run_record_verified, v);
    }
    if (err != RK_OK) {
        free(v);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    char head[2 * RK_HASH_LEN + 1];
    for (size_t i = 0; i < RK_HASH_LEN; i++)
        snprintf(head + 2 * i, 3, "%02x", v->rep.head[i]);
    json_t *doc = json_pack("{s:b, s:I, s:s, s:o}", "ok", v->rep.bad_seq == 0, "events",
                            (json_int_t)v->rep.events, "head", head, "verified_at",
                            ts_json(v->at));
    if (v->rep.bad_seq) {
        json_object_set_new(doc, "bad_seq", json_integer(v->rep.bad_seq));
        json_object_set_new(doc, "reason", json_string(v->rep.reason));
    }
    free(v);
    return rk_http_json(c, r, 200, doc);
}
