/*
 * decl_load.c — reads a declaration: file → YAML tree → struct rk_decl.
 *
 * The walker checks the tree against the schema documented in
 * docs/declaration.md: every mapping's keys are known, required keys are
 * present, scalars have the expected form (ids, dates, durations, enum
 * values), ids are unique within their section, and every reference names a
 * declared item. It records every problem it can find with its file:line:col
 * and carries on, so a person sees all of them at once; the declaration is
 * returned only when there were none.
 *
 * Sections are walked in dependency order (purposes and categories before the
 * registers that name them, registers before sources and recipients), so a
 * reference is resolved the moment it is read, whatever the file's order.
 * Structural validity is the loader's job; whether the declared processing is
 * lawful is the linter's (lint.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decl/decl.h"
#include "decl/yamltree.h"
#include "util/fileio.h"

#define MAX_FILE_BYTES ((size_t)1024 * 1024)
#define MAX_TEXT_BYTES ((size_t)16 * 1024)
#define MAX_ID_BYTES   64

typedef struct rk_ynode ynode;

struct ctx {
    struct rk_decl *d;
    struct rk_diags *diags;
    bool oom;
};

#define ERR_AT(c, node, ...) rk_diags_add((c)->diags, (node)->line, (node)->col, __VA_ARGS__)

static void *alloc(struct ctx *c, size_t n) {
    void *p = rk_arena_alloc(&c->d->arena, n ? n : 1);
    if (!p)
        c->oom = true;
    return p;
}

static struct rk_loc loc_of(const ynode *n) { return (struct rk_loc){n->line, n->col}; }

static const char *type_name(const ynode *n) {
    if (rk_ynode_is_null(n))
        return "nothing";
    switch (n->type) {
    case RK_Y_MAP: return "a mapping";
    case RK_Y_SEQ: return "a list";
    default: return "a text";
    }
}

/* ---- Mappings with known keys ------------------------------------------ */

/*
 * Checks that m is a mapping whose keys are all among keys[] (a key spelled
 * "!name" is required), with no key twice. vals[i] receives the value of
 * keys[i], or NULL when absent. Returns false when m is not a mapping.
 */
static bool fields(struct ctx *c, const ynode *m, const char *what, const char *const *keys,
                   size_t nkeys, const ynode **vals) {
    for (size_t k = 0; k < nkeys; k++)
        vals[k] = NULL;
    if (m->type != RK_Y_MAP) {
        ERR_AT(c, m, "%s: expected a mapping of keys to values, found %s", what, type_name(m));
        return false;
    }
    for (size_t i = 0; i < m->n; i++) {
        const ynode *key = m->items[2 * i], *val = m->items[2 * i + 1];
        if (key->type != RK_Y_SCALAR) {
            ERR_AT(c, key, "%s: a key must be a plain name, found %s", what, type_name(key));
            continue;
        }
        size_t k = 0;
        for (; k < nkeys; k++) {
            const char *name = keys[k][0] == '!' ? keys[k] + 1 : keys[k];
            if (strcmp(name, key->str) == 0)
                break;
        }
        if (k == nkeys) {
            char expected[400] = "";
            size_t used = 0;
            for (size_t j = 0; j < nkeys && used < sizeof expected; j++) {
                const char *name = keys[j][0] == '!' ? keys[j] + 1 : keys[j];
                int w =
                    snprintf(expected + used, sizeof expected - used, "%s%s", j ? ", " : "", name);
                if (w > 0)
                    used += (size_t)w;
            }
            ERR_AT(c, key, "%s: unknown key '%.60s'; expected one of: %s", what, key->str,
                   expected);
            continue;
        }
        if (vals[k]) {
            ERR_AT(c, key, "%s: key '%.60s' given twice (first at line %u)", what, key->str,
                   vals[k]->line);
            continue;
        }
        vals[k] = val;
    }
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k][0] == '!' && (!vals[k] || rk_ynode_is_null(vals[k]))) {
            ERR_AT(c, vals[k] ? vals[k] : m, "%s: required key '%s' is missing", what, keys[k] + 1);
            vals[k] = NULL;
        }
        if (vals[k] && rk_ynode_is_null(vals[k]))
            vals[k] = NULL; /* an optional key with no value is as good as absent */
    }
    return true;
}

#define FIELDS(c, m, what, keys, vals)                                                             \
    fields((c), (m), (what), (keys), sizeof(keys) / sizeof((keys)[0]), (vals))

/* ---- Scalars ----------------------------------------------------------- */

static bool is_text(struct ctx *c, const ynode *n, const char *what) {
    if (n->type != RK_Y_SCALAR || rk_ynode_is_null(n)) {
        ERR_AT(c, n, "%s: expected a text, found %s", what, type_name(n));
        return false;
    }
    if (n->len > MAX_TEXT_BYTES) {
        ERR_AT(c, n, "%s: text longer than %zu bytes", what, MAX_TEXT_BYTES);
        return false;
    }
    return true;
}

/* A non-empty single-line string, or NULL (after a diagnostic). */
static const char *get_string(struct ctx *c, const ynode *n, const char *what) {
    if (!is_text(c, n, what))
        return NULL;
    if (n->len == 0 || strchr(n->str, '\n')) {
        ERR_AT(c, n, "%s: expected a non-empty text on one line", what);
        return NULL;
    }
    return n->str;
}

static bool is_id(const char *s, size_t len) {
    if (len == 0 || len > MAX_ID_BYTES || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static const char *get_id(struct ctx *c, const ynode *n, const char *what) {
    if (!is_text(c, n, what))
        return NULL;
    if (!is_id(n->str, n->len)) {
        ERR_AT(c, n,
               "%s: '%.60s' is not a valid id; expected lower-case letters, digits and '_', "
               "starting with a letter, at most %d characters",
               what, n->str, MAX_ID_BYTES);
        return NULL;
    }
    return n->str;
}

static bool get_bool(struct ctx *c, const ynode *n, const char *what, bool *out) {
    if (n->type == RK_Y_SCALAR && n->plain) {
        if (strcmp(n->str, "true") == 0 || strcmp(n->str, "yes") == 0) {
            *out = true;
            return true;
        }
        if (strcmp(n->str, "false") == 0 || strcmp(n->str, "no") == 0) {
            *out = false;
            return true;
        }
    }
    ERR_AT(c, n, "%s: expected true or false, found %s", what,
           n->type == RK_Y_SCALAR ? "another text" : type_name(n));
    return false;
}

/* The index of n's text in ids[], or -1 after a diagnostic listing them. */
static int get_enum(struct ctx *c, const ynode *n, const char *what, const char *(*id)(unsigned),
                    unsigned count) {
    if (!is_text(c, n, what))
        return -1;
    for (unsigned i = 0; i < count; i++)
        if (strcmp(id(i), n->str) == 0)
            return (int)i;
    char expected[300] = "";
    size_t used = 0;
    for (unsigned i = 0; i < count && used < sizeof expected; i++) {
        int w = snprintf(expected + used, sizeof expected - used, "%s%s", i ? ", " : "", id(i));
        if (w > 0)
            used += (size_t)w;
    }
    ERR_AT(c, n, "%s: unknown value '%.60s'; expected one of: %s", what, n->str, expected);
    return -1;
}

/* A list of enum values as a bit set (bit i for the i-th id); 0 after a diagnostic. */
static unsigned get_bits(struct ctx *c, const ynode *n, const char *what,
                         const char *(*id)(unsigned), unsigned count) {
    if (n->type != RK_Y_SEQ) {
        ERR_AT(c, n, "%s: expected a list such as [%s], found %s", what, id(0), type_name(n));
        return 0;
    }
    unsigned bits = 0;
    for (size_t i = 0; i < n->n; i++) {
        int v = get_enum(c, n->items[i], what, id, count);
        if (v < 0)
            continue;
        if (bits & (1u << v))
            ERR_AT(c, n->items[i], "%s: '%s' listed twice", what, id((unsigned)v));
        bits |= 1u << v;
    }
    return bits;
}

static bool parse_uint(const char *s, size_t len, int max, int *out) {
    if (len == 0 || len > 9)
        return false;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static bool get_date(struct ctx *c, const ynode *n, const char *what, struct rk_date *out) {
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (n->type == RK_Y_SCALAR && n->len == 10 && n->str[4] == '-' && n->str[7] == '-' &&
        parse_uint(n->str, 4, 9999, &y) && parse_uint(n->str + 5, 2, 12, &m) &&
        parse_uint(n->str + 8, 2, 31, &d) && y >= 1900 && m >= 1 && d >= 1 && d <= mdays[m - 1] &&
        !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))) {
        *out = (struct rk_date){y, m, d};
        return true;
    }
    ERR_AT(c, n, "%s: expected a date as YYYY-MM-DD, e.g. 2020-12-09, found '%.40s'", what,
           n->type == RK_Y_SCALAR ? n->str : type_name(n));
    return false;
}

static bool get_duration(struct ctx *c, const ynode *n, const char *what, struct rk_duration *out) {
    int v;
    if (n->type == RK_Y_SCALAR && n->len >= 2 && strchr("dmy", n->str[n->len - 1]) &&
        parse_uint(n->str, n->len - 1, 9999, &v) && v > 0) {
        *out = (struct rk_duration){v, n->str[n->len - 1]};
        return true;
    }
    ERR_AT(c, n,
           "%s: expected a period such as 30d, 6m or 2y (a positive number and d, m or y), "
           "found '%.40s'",
           what, n->type == RK_Y_SCALAR ? n->str : type_name(n));
    return false;
}

static bool get_integer(struct ctx *c, const ynode *n, const char *what, int max, int *out) {
    if (n->type == RK_Y_SCALAR && parse_uint(n->str, n->len, max, out) && *out > 0)
        return true;
    ERR_AT(c, n, "%s: expected a whole number from 1 to %d", what, max);
    return false;
}

/* A text in Finnish and English: {fi: ..., en: ...}. */
static bool get_text(struct ctx *c, const ynode *n, const char *what, struct rk_text *out) {
    static const char *const keys[] = {"!fi", "!en"};
    const ynode *v[2];
    if (n->type == RK_Y_SCALAR && !rk_ynode_is_null(n)) {
        ERR_AT(c, n, "%s: expected the text in Finnish and English, as {fi: ..., en: ...}", what);
        return false;
    }
    if (!FIELDS(c, n, what, keys, v) || !v[0] || !v[1])
        return false;
    if (!is_text(c, v[0], what) || !is_text(c, v[1], what))
        return false;
    if (v[0]->len == 0 || v[1]->len == 0) {
        ERR_AT(c, v[0]->len ? v[1] : v[0], "%s: the text is empty", what);
        return false;
    }
    out->fi = v[0]->str;
    out->en = v[1]->str;
    return true;
}

static bool get_list(struct ctx *c, const ynode *n, const char *what, bool nonempty) {
    if (n->type != RK_Y_SEQ) {
        ERR_AT(c, n, "%s: expected a list, found %s", what, type_name(n));
        return false;
    }
    if (nonempty && n->n == 0) {
        ERR_AT(c, n, "%s: the list is empty; declare at least one", what);
        return false;
    }
    return true;
}

/* ---- Enum id callbacks for get_enum/get_bits ---------------------------- */

static const char *basis_id(unsigned i) { return rk_basis_id((enum rk_basis)i); }
static const char *withdrawal_id(unsigned i) {
    return rk_withdrawal_id((enum rk_withdrawal)(1u << i));
}
static const char *kind_id(unsigned i) { return rk_category_kind_id((enum rk_category_kind)i); }
static const char *until_id(unsigned i) {
    return rk_retention_event_id((enum rk_retention_event)(1u << i));
}
static const char *source_id(unsigned i) { return rk_source_kind_id((enum rk_source_kind)i); }
static const char *role_id(unsigned i) { return rk_role_id((enum rk_recipient_role)i); }
static const char *transfer_id(unsigned i) { return rk_transfer_id((enum rk_transfer)i); }
static const char *verify_id(unsigned i) {
    return rk_verification_id((enum rk_verification)(1u << i));
}
static const char *signal_id(unsigned i) {
    return rk_consent_signal_id((enum rk_consent_signal)(1u << i));
}
static const char *from_id(unsigned i) { return i == 0 ? "event" : "end_of_calendar_year"; }
static const char *erase_id(unsigned i) {
    (void)i;
    return "delete";
}

/* ---- Sections ---------------------------------------------------------- */

/*
 * Walks a list section: checks it is a list, allocates count items of size
 * bytes, and calls each(c, node, item) for every element. Duplicate ids
 * (each item's first field must be its const char *id) are reported.
 */
typedef void (*item_fn)(struct ctx *c, const ynode *n, void *item);

static void *section(struct ctx *c, const ynode *n, const char *what, size_t size, bool nonempty,
                     bool has_id, item_fn each, size_t *count) {
    *count = 0;
    if (!n) /* a missing required section was reported by fields() */
        return NULL;
    if (!get_list(c, n, what, nonempty) || n->n == 0)
        return NULL;
    unsigned char *items = alloc(c, n->n * size);
    if (!items)
        return NULL;
    for (size_t i = 0; i < n->n; i++) {
        void *item = items + i * size;
        each(c, n->items[i], item);
        const char *id = has_id ? *(const char **)item : NULL;
        for (size_t j = 0; id && j < i; j++) {
            const char *other = *(const char **)(items + j * size);
            if (other && strcmp(other, id) == 0) {
                ERR_AT(c, n->items[i], "%s: duplicate id '%s' (first declared at line %u)", what,
                       id, n->items[j]->line);
                break;
            }
        }
    }
    *count = n->n;
    return items;
}

/* Resolves a list of ids against one of the declaration's sections. */
static void **refs(struct ctx *c, const ynode *n, const char *what, const char *kind, void *items,
                   size_t count, size_t size, size_t *nout) {
    *nout = 0;
    if (!get_list(c, n, what, true))
        return NULL;
    void **out = alloc(c, n->n * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *id = get_id(c, n->items[i], what);
        if (!id)
            continue;
        void *found = NULL;
        for (size_t j = 0; j < count; j++) {
            const char *other = *(const char **)((unsigned char *)items + j * size);
            if (other && strcmp(other, id) == 0)
                found = (unsigned char *)items + j * size;
        }
        if (!found) {
            ERR_AT(c, n->items[i], "%s: '%s' is not a declared %s", what, id, kind);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= out[j] == found;
        if (dup) {
            ERR_AT(c, n->items[i], "%s: '%s' listed twice", what, id);
            continue;
        }
        out[k++] = found;
    }
    *nout = k;
    return out;
}

#define REFS(c, n, what, kind, arr, count, nout)                                                   \
    refs((c), (n), (what), (kind), (arr), (count), sizeof *(arr), (nout))

static void parse_contact(struct ctx *c, const ynode *n, const char *what, struct rk_party *out) {
    static const char *const keys[] = {"name", "email", "phone", "address"};
    const ynode *v[4];
    if (!FIELDS(c, n, what, keys, v))
        return;
    const char **dst[] = {&out->name, &out->email, &out->phone, &out->address};
    for (int i = 0; i < 4; i++)
        if (v[i])
            *dst[i] = get_string(c, v[i], what);
    if (!out->name && !out->email && !out->phone && !out->address)
        ERR_AT(c, n, "%s: give at least a name, email, phone or address", what);
}

/* An IANA zone name: Area/Location of letters, digits, '_', '-', '+' and '/'. */
static bool is_timezone(const char *s) {
    if (strcmp(s, "UTC") == 0)
        return true;
    if (!strchr(s, '/') || s[0] == '/' || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_-+/", *s)))
            return false;
    return true;
}

static void parse_controller(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"!name", "!business_id", "!address", "!phone",
                                       "email", "timezone",     "dpo",      "representative"};
    const ynode *v[8];
    struct rk_controller *ct = &c->d->controller;
    ct->loc = loc_of(n);
    if (!FIELDS(c, n, "controller", keys, v))
        return;
    const char **dst[] = {&ct->name,  &ct->business_id, &ct->address,
                          &ct->phone, &ct->email,       &ct->timezone};
    for (int i = 0; i < 6; i++)
        if (v[i])
            *dst[i] = get_string(c, v[i], "controller");
    if (ct->timezone && !is_timezone(ct->timezone))
        ERR_AT(c, v[5],
               "controller.timezone: expected an IANA time zone name such as "
               "Europe/Helsinki, found '%.60s'",
               ct->timezone);
    if (!v[5])
        ct->timezone = "Europe/Helsinki";
    if (v[6])
        parse_contact(c, v[6], "controller.dpo", &ct->dpo);
    if (v[7])
        parse_contact(c, v[7], "controller.representative", &ct->representative);
}

static void parse_notice(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"drafted", "last_changed", "intro"};
    const ynode *v[3];
    if (!FIELDS(c, n, "notice", keys, v))
        return;
    if (v[0])
        get_date(c, v[0], "notice.drafted", &c->d->drafted);
    if (v[1])
        get_date(c, v[1], "notice.last_changed", &c->d->last_changed);
    if (v[2])
        get_text(c, v[2], "notice.intro", &c->d->intro);
    if (v[0] && v[1] && c->d->drafted.y && c->d->last_changed.y &&
        (c->d->last_changed.y * 10000 + c->d->last_changed.m * 100 + c->d->last_changed.d) <
            (c->d->drafted.y * 10000 + c->d->drafted.m * 100 + c->d->drafted.d))
        ERR_AT(c, v[1], "notice.last_changed: earlier than notice.drafted");
}

static void each_exclusion(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id", "!text"};
    const ynode *v[2];
    struct rk_exclusion *x = item;
    x->loc = loc_of(n);
    if (!FIELDS(c, n, "out_of_scope item", keys, v))
        return;
    if (v[0])
        x->id = get_id(c, v[0], "out_of_scope.id");
    if (v[1])
        get_text(c, v[1], "out_of_scope.text", &x->text);
}

static const char *keep_evidence_id(unsigned i) { return i == 0 ? "legal_claims" : "?"; }

static void each_purpose(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {
        "!id", "!name", "description", "!basis", "legitimate_interest", "consent"};
    const ynode *v[6];
    struct rk_purpose *p = item;
    p->loc = loc_of(n);
    if (!FIELDS(c, n, "purpose", keys, v))
        return;
    if (v[0])
        p->id = get_id(c, v[0], "purpose.id");
    if (v[1])
        get_text(c, v[1], "purpose.name", &p->name);
    if (v[2])
        get_text(c, v[2], "purpose.description", &p->description);
    int basis = v[3] ? get_enum(c, v[3], "purpose.basis", basis_id, RK_BASIS__COUNT) : -1;
    p->basis = basis < 0 ? RK_BASIS_CONSENT : (enum rk_basis)basis;
    if (v[4]) {
        if (basis >= 0 && p->basis != RK_BASIS_LEGITIMATE_INTERESTS)
            ERR_AT(c, v[4], "purpose.legitimate_interest: only for basis legitimate_interests");
        get_text(c, v[4], "purpose.legitimate_interest", &p->legitimate_interest);
    }
    if (v[5]) {
        static const char *const ckeys[] = {"validity", "withdrawal", "keep_evidence"};
        const ynode *cv[3];
        if (basis >= 0 && p->basis != RK_BASIS_CONSENT)
            ERR_AT(c, v[5], "purpose.consent: only for purposes with basis consent");
        if (FIELDS(c, v[5], "purpose.consent", ckeys, cv)) {
            if (cv[0])
                get_duration(c, cv[0], "purpose.consent.validity", &p->consent_validity);
            if (cv[1])
                p->withdrawal = get_bits(c, cv[1], "purpose.consent.withdrawal", withdrawal_id,
                                         RK_WITHDRAW__COUNT);
            if (cv[2])
                p->keep_consent_evidence =
                    get_enum(c, cv[2], "purpose.consent.keep_evidence", keep_evidence_id, 1) == 0;
        }
    }
}

static void parse_erasure(struct ctx *c, const ynode *n, struct rk_erasure *e) {
    if (n->type == RK_Y_SCALAR) { /* the one scalar form: "delete" */
        (void)get_enum(c, n, "category.erasure", erase_id, 1);
        e->rule = RK_ERASE_DELETE;
        return;
    }
    static const char *const keys[] = {"!keep_years", "from", "!obligation"};
    const ynode *v[3];
    e->rule = RK_ERASE_KEEP;
    if (!FIELDS(c, n, "category.erasure", keys, v))
        return;
    if (v[0])
        get_integer(c, v[0], "category.erasure.keep_years", 100, &e->keep_years);
    if (v[1]) {
        int f = get_enum(c, v[1], "category.erasure.from", from_id, 2);
        e->from = f == 1 ? RK_FROM_END_OF_CALENDAR_YEAR : RK_FROM_EVENT;
    }
    if (v[2])
        get_text(c, v[2], "category.erasure.obligation", &e->obligation);
}

static void each_choice(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id", "!name"};
    const ynode *v[2];
    struct rk_choice *ch = item;
    if (!FIELDS(c, n, "category.choices", keys, v))
        return;
    if (v[0])
        ch->id = get_id(c, v[0], "category.choices.id");
    if (v[1])
        get_text(c, v[1], "category.choices.name", &ch->name);
}

static void each_category(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",          "!name",   "kind",
                                       "from_subject", "erasure", "choices"};
    const ynode *v[6];
    struct rk_category *cat = item;
    cat->loc = loc_of(n);
    cat->kind = RK_CAT_OTHER;
    if (!FIELDS(c, n, "category", keys, v))
        return;
    if (v[0])
        cat->id = get_id(c, v[0], "category.id");
    if (v[1])
        get_text(c, v[1], "category.name", &cat->name);
    if (v[2]) {
        int k = get_enum(c, v[2], "category.kind", kind_id, RK_CAT__COUNT);
        if (k >= 0)
            cat->kind = (enum rk_category_kind)k;
    }
    if (v[3])
        get_bool(c, v[3], "category.from_subject", &cat->from_subject);
    if (v[4])
        parse_erasure(c, v[4], &cat->erasure);
    if (v[5]) {
        /* The choices are stored as the category's text (base/contact.h): only interests,
         * the one free text a form collects, can hold them. */
        if (cat->id && strcmp(cat->id, "interests") != 0)
            ERR_AT(c, v[5],
                   "category.choices: only the category 'interests' can offer choices (the "
                   "chosen ones are kept as its text); '%s' cannot",
                   cat->id);
        cat->choices = section(c, v[5], "category.choices", sizeof *cat->choices, true, true,
                               each_choice, &cat->nchoices);
        if (cat->nchoices > RK_CHOICES_MAX)
            ERR_AT(c, v[5], "category.choices: at most %d choices", RK_CHOICES_MAX);
    }
}

static void parse_retention(struct ctx *c, const ynode *n, struct rk_retention *r) {
    static const char *const keys[] = {"until", "grace", "period", "prospects", "text"};
    const ynode *v[5];
    r->loc = loc_of(n);
    if (!FIELDS(c, n, "register.retention", keys, v))
        return;
    if (v[0] && get_list(c, v[0], "register.retention.until", true))
        r->until = get_bits(c, v[0], "register.retention.until", until_id, RK_UNTIL__COUNT);
    if (v[1])
        get_duration(c, v[1], "register.retention.grace", &r->grace);
    if (v[2])
        get_duration(c, v[2], "register.retention.period", &r->period);
    if (v[3])
        get_duration(c, v[3], "register.retention.prospects", &r->prospects);
    if (v[4])
        get_text(c, v[4], "register.retention.text", &r->text);
    if (v[1] && !v[0])
        ERR_AT(c, v[1],
               "register.retention.grace: a grace period follows an event; declare "
               "the events in 'until'");
    if (!v[0] && !v[2]) {
        ERR_AT(c, n,
               "register.retention: say how long data is kept, with 'until' (events that end "
               "it) or 'period' (a fixed time), or both");
        return;
    }
    r->declared = true;
}

static void each_register(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",         "!name",     "!subjects",
                                       "!categories", "!purposes", "retention"};
    const ynode *v[6];
    struct rk_register *r = item;
    struct rk_decl *d = c->d;
    r->loc = loc_of(n);
    if (!FIELDS(c, n, "register", keys, v))
        return;
    if (v[0])
        r->id = get_id(c, v[0], "register.id");
    if (v[1])
        get_text(c, v[1], "register.name", &r->name);
    if (v[2])
        get_text(c, v[2], "register.subjects", &r->subjects);
    if (v[3])
        r->categories = (struct rk_category **)REFS(c, v[3], "register.categories", "category",
                                                    d->categories, d->ncategories, &r->ncategories);
    if (v[4])
        r->purposes = (struct rk_purpose **)REFS(c, v[4], "register.purposes", "purpose",
                                                 d->purposes, d->npurposes, &r->npurposes);
    if (v[5])
        parse_retention(c, v[5], &r->retention);
    else
        r->retention.loc = r->loc;
}

static bool register_has_purpose(const struct rk_register *r, const struct rk_purpose *p) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (r->purposes[i] == p)
            return true;
    return false;
}

static void each_source(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!kind", "detail", "note", "!registers", "purposes"};
    const ynode *v[5];
    struct rk_source *s = item;
    struct rk_decl *d = c->d;
    s->loc = loc_of(n);
    if (!FIELDS(c, n, "source", keys, v))
        return;
    int k = v[0] ? get_enum(c, v[0], "source.kind", source_id, RK_SRC__COUNT) : -1;
    if (k >= 0)
        s->kind = (enum rk_source_kind)k;
    if (v[1])
        get_text(c, v[1], "source.detail", &s->detail);
    if (v[2])
        get_text(c, v[2], "source.note", &s->note);
    if (v[3])
        s->registers = (struct rk_register **)REFS(c, v[3], "source.registers", "register",
                                                   d->registers, d->nregisters, &s->nregisters);
    if (!v[4])
        return;
    s->purposes = (struct rk_purpose **)REFS(c, v[4], "source.purposes", "purpose", d->purposes,
                                             d->npurposes, &s->npurposes);
    for (size_t i = 0; i < s->npurposes; i++) {
        bool used = false;
        for (size_t j = 0; j < s->nregisters; j++)
            used |= register_has_purpose(s->registers[j], s->purposes[i]);
        if (!used)
            ERR_AT(c, v[4],
                   "source.purposes: '%s' is not a purpose of any of this source's "
                   "registers",
                   s->purposes[i]->id);
    }
}

static void *ref_one(struct ctx *c, const ynode *n, const char *what, const char *kind, void *arr,
                     size_t count, size_t size);

/* https://host[:port][/path], or http:// for 127.0.0.1 and localhost only; printable ASCII
 * without spaces, quotes or angle brackets, no user part, no fragment. */
static bool connector_url_ok(const char *u) {
    const char *host = strncmp(u, "https://", 8) == 0  ? u + 8
                       : strncmp(u, "http://", 7) == 0 ? u + 7
                                                       : NULL;
    if (!host || strlen(u) > RK_CONNECTOR_URL_MAX)
        return false;
    size_t n = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
    if (n == 0)
        return false;
    if (u[4] == ':' && !((n == 9 && strncmp(host, "localhost", 9) == 0) ||
                         (n == 9 && strncmp(host, "127.0.0.1", 9) == 0)))
        return false;
    const char *rest = host + n;
    if (*rest == ':') {
        size_t digits = strspn(rest + 1, "0123456789");
        if (digits < 1 || digits > 5)
            return false;
        rest += 1 + digits;
    }
    if (*rest && *rest != '/')
        return false;
    for (; *rest; rest++)
        if (*rest <= ' ' || *rest > '~' || strchr("\"<>\\^`{|}#", *rest))
            return false;
    return true;
}

/* An environment variable's name: upper-case letters, digits and '_', not starting with a digit. */
static const char *get_env_name(struct ctx *c, const ynode *n, const char *what) {
    const char *s = get_string(c, n, what);
    if (!s)
        return NULL;
    size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    if (len != n->len || len > RK_ENV_NAME_MAX || (s[0] >= '0' && s[0] <= '9')) {
        ERR_AT(c, n,
               "%s: expected the name of an environment variable (A-Z, 0-9, '_', at most %d "
               "characters), never the secret itself",
               what, RK_ENV_NAME_MAX);
        return NULL;
    }
    return s;
}

static const char *connector_type_id(unsigned i) {
    return rk_connector_type_id((enum rk_connector_type)(i + 1));
}
static const char *identity_format_id(unsigned i) {
    return rk_identity_format_id((enum rk_identity_format)i);
}

static void parse_connector(struct ctx *c, const ynode *n, struct rk_connector *k) {
    static const char *const keys[] = {"!type", "!url", "!secret_env", "identity_format"};
    const ynode *v[4];
    k->loc = loc_of(n);
    if (!FIELDS(c, n, "recipient.connector", keys, v))
        return;
    int t = v[0] ? get_enum(c, v[0], "recipient.connector.type", connector_type_id, 2) : -1;
    if (v[1]) {
        k->url = get_string(c, v[1], "recipient.connector.url");
        if (k->url && !connector_url_ok(k->url)) {
            ERR_AT(c, v[1],
                   "recipient.connector.url: expected an https:// URL (http:// only for "
                   "127.0.0.1 or localhost), without spaces or a fragment");
            k->url = NULL;
        }
    }
    if (v[2])
        k->secret_env = get_env_name(c, v[2], "recipient.connector.secret_env");
    if (v[3]) {
        int f = get_enum(c, v[3], "recipient.connector.identity_format", identity_format_id, 2);
        if (f >= 0)
            k->identity_format = (enum rk_identity_format)f;
        if (t == 0)
            ERR_AT(c, v[3],
                   "recipient.connector.identity_format: only an opengdpr connector takes it "
                   "(a webhook always sends the email as it is)");
    }
    if (t >= 0 && k->url && k->secret_env)
        k->type = (enum rk_connector_type)(t + 1);
}

static void parse_mailchimp(struct ctx *c, const ynode *n, struct rk_recipient *r) {
    static const char *const keys[] = {"!list_id", "!secret_env", "!purpose"};
    const ynode *v[3];
    struct rk_mailchimp *m = &r->mailchimp;
    struct rk_decl *d = c->d;
    m->loc = loc_of(n);
    if (!FIELDS(c, n, "recipient.mailchimp", keys, v))
        return;
    if (v[0]) {
        m->list_id = get_string(c, v[0], "recipient.mailchimp.list_id");
        if (m->list_id && (strspn(m->list_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789") != v[0]->len ||
                           v[0]->len > 64)) {
            ERR_AT(c, v[0],
                   "recipient.mailchimp.list_id: expected the audience id as Mailchimp shows it "
                   "(letters and digits, at most 64)");
            m->list_id = NULL;
        }
    }
    if (v[1])
        m->secret_env = get_env_name(c, v[1], "recipient.mailchimp.secret_env");
    if (v[2])
        m->purpose = ref_one(c, v[2], "recipient.mailchimp.purpose", "purpose", d->purposes,
                             d->npurposes, sizeof *d->purposes);
    if (v[2] && m->purpose && m->purpose->basis != RK_BASIS_CONSENT) {
        ERR_AT(c, v[2],
               "recipient.mailchimp.purpose: '%s' rests on %s; an unsubscribe withdraws a "
               "consent, so the purpose must rest on consent",
               m->purpose->id, rk_basis_id(m->purpose->basis));
        m->purpose = NULL;
    }
    bool held = false;
    for (size_t i = 0; m->purpose && i < r->nregisters; i++)
        held |= register_has_purpose(r->registers[i], m->purpose);
    if (v[2] && m->purpose && r->nregisters && !held) {
        ERR_AT(c, v[2],
               "recipient.mailchimp.purpose: none of this recipient's registers declares "
               "purpose '%s'",
               m->purpose->id);
        m->purpose = NULL;
    }
    m->declared = m->list_id && m->secret_env && m->purpose;
}

static void each_recipient(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",      "!name",   "!role",      "!country",
                                       "transfer", "purpose", "!registers", "connector",
                                       "mailchimp"};
    const ynode *v[9];
    struct rk_recipient *r = item;
    struct rk_decl *d = c->d;
    r->loc = r->transfer_loc = loc_of(n);
    if (!FIELDS(c, n, "recipient", keys, v))
        return;
    if (v[0])
        r->id = get_id(c, v[0], "recipient.id");
    if (v[1])
        r->name = get_string(c, v[1], "recipient.name");
    int role = v[2] ? get_enum(c, v[2], "recipient.role", role_id, 2) : -1;
    if (role >= 0)
        r->role = (enum rk_recipient_role)role;
    if (v[3] && is_text(c, v[3], "recipient.country")) {
        const char *cc = v[3]->str;
        if (v[3]->len == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z') {
            r->country[0] = cc[0];
            r->country[1] = cc[1];
        } else {
            ERR_AT(c, v[3],
                   "recipient.country: expected a two-letter ISO 3166 country code in capitals, "
                   "e.g. FI or US, found '%.20s'",
                   cc);
        }
    }
    if (v[4]) {
        int t = get_enum(c, v[4], "recipient.transfer", transfer_id, RK_TRANSFER__COUNT);
        if (t >= 0)
            r->transfer = (enum rk_transfer)t;
        r->transfer_loc = loc_of(v[4]);
    } else if (r->country[0] && rk_country_adequate(r->country))
        r->transfer = RK_TRANSFER_ADEQUACY; /* the law supplies the mechanism */
    if (v[5])
        get_text(c, v[5], "recipient.purpose", &r->purpose);
    if (v[6])
        r->registers = (struct rk_register **)REFS(c, v[6], "recipient.registers", "register",
                                                   d->registers, d->nregisters, &r->nregisters);
    if (v[7])
        parse_connector(c, v[7], &r->connector);
    if (v[8])
        parse_mailchimp(c, v[8], r);
}

/* "https://host" or "https://host:port" (http only for localhost), nothing after. */
static bool origin_ok(const char *o) {
    const char *host = strncmp(o, "https://", 8) == 0  ? o + 8
                       : strncmp(o, "http://", 7) == 0 ? o + 7
                                                       : NULL;
    if (!host || !*host)
        return false;
    if (o[4] == ':' && strncmp(host, "localhost", 9) != 0 && strncmp(host, "127.0.0.1", 9) != 0)
        return false;
    size_t n = strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789.-");
    if (n == 0)
        return false;
    if (host[n] == ':') {
        size_t digits = strspn(host + n + 1, "0123456789");
        return digits >= 1 && digits <= 5 && host[n + 1 + digits] == '\0';
    }
    return host[n] == '\0';
}

/* One cookie a vendor sets: {name: _ga, lifetime: 2y} (lifetime "session" or a period). */
static void each_cookie(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!name", "!lifetime"};
    const ynode *v[2];
    struct rk_cookie *k = item;
    if (!FIELDS(c, n, "cookie", keys, v))
        return;
    if (v[0]) {
        k->name = get_string(c, v[0], "cookies.vendors.cookies.name");
        /* a cookie name is an RFC 6265 token; '*' only as the last character (a prefix) */
        size_t len = k->name ? strlen(k->name) : 0;
        size_t ok = k->name ? strcspn(k->name, " \t\"(),/:;<=>?@[\\]{}*") : 0;
        if (k->name && (len == 0 || !(ok == len || (ok > 0 && ok == len - 1 && k->name[ok] == '*'))))
            ERR_AT(c, v[0],
                   "cookies.vendors.cookies.name: '%.60s' is not a cookie name (letters, digits "
                   "and -_.!#$%%&'*+^`|~, with '*' only at the end to match any rest)",
                   k->name);
    }
    if (v[1]) {
        if (v[1]->type == RK_Y_SCALAR && strcmp(v[1]->str, "session") == 0)
            k->lifetime = (struct rk_duration){0, 0};
        else
            get_duration(c, v[1], "cookies.vendors.cookies.lifetime (or session)", &k->lifetime);
    }
}

/* A vendor: its name alone, or {name, country, transfer, cookies}. */
static void each_vendor(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!name", "country", "transfer", "cookies"};
    const ynode *v[4];
    struct rk_cookie_vendor *vd = item;
    vd->loc = vd->transfer_loc = loc_of(n);
    if (n->type == RK_Y_SCALAR) {
        vd->name = get_string(c, n, "cookies.categories.vendors");
        return;
    }
    if (!FIELDS(c, n, "cookie vendor", keys, v))
        return;
    if (v[0])
        vd->name = get_string(c, v[0], "cookies.vendors.name");
    if (v[1] && is_text(c, v[1], "cookies.vendors.country")) {
        const char *cc = v[1]->str;
        if (v[1]->len == 2 && rk_country_known(cc)) {
            vd->country[0] = cc[0];
            vd->country[1] = cc[1];
        } else
            ERR_AT(c, v[1],
                   "cookies.vendors.country: expected a two-letter ISO 3166 country code in "
                   "capitals, e.g. FI or US, found '%.20s'",
                   cc);
    }
    if (v[2]) {
        int t = get_enum(c, v[2], "cookies.vendors.transfer", transfer_id, RK_TRANSFER__COUNT);
        if (t >= 0)
            vd->transfer = (enum rk_transfer)t;
        vd->transfer_loc = loc_of(v[2]);
    } else if (vd->country[0] && rk_country_adequate(vd->country))
        vd->transfer = RK_TRANSFER_ADEQUACY;
    if (v[3])
        vd->cookies = section(c, v[3], "cookies.vendors.cookies", sizeof *vd->cookies, false,
                              false, each_cookie, &vd->ncookies);
}

static void each_cookie_category(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id", "!name", "purpose", "essential", "vendors",
                                       "consent_mode"};
    const ynode *v[6];
    struct rk_cookie_category *cc = item;
    cc->loc = loc_of(n);
    if (!FIELDS(c, n, "cookie category", keys, v))
        return;
    if (v[0])
        cc->id = get_id(c, v[0], "cookies.categories.id");
    if (v[1])
        get_text(c, v[1], "cookies.categories.name", &cc->name);
    if (v[2])
        get_text(c, v[2], "cookies.categories.purpose", &cc->purpose);
    if (v[3])
        get_bool(c, v[3], "cookies.categories.essential", &cc->essential);
    if (v[4])
        cc->vendors = section(c, v[4], "cookies.categories.vendors", sizeof *cc->vendors, false,
                              false, each_vendor, &cc->nvendors);
    if (v[5])
        cc->consent_mode =
            get_bits(c, v[5], "cookies.categories.consent_mode", signal_id, RK_GCM__COUNT);
    if (v[5] && cc->essential && cc->consent_mode)
        ERR_AT(c, v[5],
               "cookies.categories.consent_mode: an essential category is always on; Consent "
               "Mode signals belong to the categories a visitor chooses");
}

static void parse_cookies(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"description",      "!categories",  "origins",
                                       "settings_url",     "consent_validity",
                                       "log_retention"};
    const ynode *v[6];
    struct rk_cookies *ck = &c->d->cookies;
    ck->loc = loc_of(n);
    ck->consent_validity = RK_COOKIE_VALIDITY_DEFAULT;
    ck->log_retention = RK_COOKIE_LOG_DEFAULT;
    if (!FIELDS(c, n, "cookies", keys, v))
        return;
    ck->declared = true;
    if (v[0])
        get_text(c, v[0], "cookies.description", &ck->description);
    ck->categories = section(c, v[1], "cookies.categories", sizeof *ck->categories, true, true,
                             each_cookie_category, &ck->ncategories);
    if (v[2] && get_list(c, v[2], "cookies.origins", false)) {
        for (size_t i = 0; i < v[2]->n; i++) {
            const char *o = get_string(c, v[2]->items[i], "cookies.origins");
            if (o && !origin_ok(o))
                ERR_AT(c, v[2]->items[i],
                       "cookies.origins: '%.80s' is not an origin; expected https://host or "
                       "https://host:port with nothing after it",
                       o);
            else if (o && ck->norigins == RK_COOKIE_MAX_ORIGINS)
                ERR_AT(c, v[2]->items[i], "cookies.origins: at most %d origins",
                       RK_COOKIE_MAX_ORIGINS);
            else if (o)
                ck->origins[ck->norigins++] = o;
        }
    }
    if (v[3]) {
        ck->settings_url = get_string(c, v[3], "cookies.settings_url");
        if (ck->settings_url && strncmp(ck->settings_url, "https://", 8) != 0 &&
            strncmp(ck->settings_url, "http://localhost", 16) != 0 &&
            strncmp(ck->settings_url, "http://127.0.0.1", 16) != 0)
            ERR_AT(c, v[3], "cookies.settings_url: expected an https:// address");
    }
    if (v[4])
        get_duration(c, v[4], "cookies.consent_validity", &ck->consent_validity);
    if (v[5])
        get_duration(c, v[5], "cookies.log_retention", &ck->log_retention);
}

static void parse_rights(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"!verification", "instructions", "automated_decisions",
                                       "automated_logic"};
    const ynode *v[4];
    struct rk_rights *r = &c->d->rights;
    r->loc = loc_of(n);
    if (!FIELDS(c, n, "rights", keys, v))
        return;
    if (v[0]) {
        r->verification = get_bits(c, v[0], "rights.verification", verify_id, RK_VERIFY__COUNT);
        if (v[0]->type == RK_Y_SEQ && v[0]->n == 0)
            ERR_AT(c, v[0], "rights.verification: name at least one method (%s, %s)", verify_id(0),
                   verify_id(1));
    }
    if (v[1])
        get_text(c, v[1], "rights.instructions", &r->instructions);
    if (v[2])
        get_bool(c, v[2], "rights.automated_decisions", &r->automated_decisions);
    if (v[3])
        get_text(c, v[3], "rights.automated_logic", &r->automated_logic);
    if (v[2] && r->automated_decisions && !v[3])
        ERR_AT(c, v[2],
               "rights: automated_decisions is true, so automated_logic must describe "
               "the logic involved (art 15(1)(h))");
    if (!r->automated_decisions && v[3])
        ERR_AT(c, v[3], "rights.automated_logic: only with 'automated_decisions: true'");
}

/* A span of time as N followed by s, min or h ("90s", "10min", "1h"), in seconds from 1 to
 * max. "m" alone is refused: elsewhere in the declaration it means months. */
static bool get_interval(struct ctx *c, const ynode *n, const char *what, long max, long *out) {
    static const struct {
        const char *unit;
        long secs;
    } units[] = {{"min", 60}, {"s", 1}, {"h", 3600}};
    if (n->type == RK_Y_SCALAR && !rk_ynode_is_null(n)) {
        size_t digits = strspn(n->str, "0123456789");
        int v = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (strcmp(n->str + digits, units[i].unit) != 0 ||
                !parse_uint(n->str, digits, 99999, &v))
                continue;
            long secs = (long)v * units[i].secs;
            if (secs >= 1 && secs <= max) {
                *out = secs;
                return true;
            }
            ERR_AT(c, n, "%s: '%.40s' is out of range; give from 1s to %ldh", what, n->str,
                   max / 3600);
            return false;
        }
        if (digits > 0 && strcmp(n->str + digits, "m") == 0) {
            ERR_AT(c, n,
                   "%s: '%.40s' is ambiguous (m means months elsewhere in the declaration); "
                   "write %.*smin for minutes",
                   what, n->str, (int)digits, n->str);
            return false;
        }
    }
    ERR_AT(c, n, "%s: expected a time such as 90s, 10min or 1h, found '%.40s'", what,
           n->type == RK_Y_SCALAR ? n->str : type_name(n));
    return false;
}

static void parse_mail_limits(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"min_interval", "per_day"};
    const ynode *v[2];
    struct rk_mail_limits *m = &c->d->mail_limits;
    m->loc = loc_of(n);
    if (!FIELDS(c, n, "mail_limits", keys, v))
        return;
    if (v[0])
        get_interval(c, v[0], "mail_limits.min_interval", RK_MAIL_MIN_INTERVAL_MAX,
                     &m->min_interval);
    if (v[1] && !get_integer(c, v[1], "mail_limits.per_day", RK_MAIL_PER_DAY_MAX, &m->per_day))
        m->per_day = RK_MAIL_PER_DAY_DEFAULT;
}

static void parse_authority(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"!name", "address", "postal_address",
                                       "phone", "email",   "url"};
    const ynode *v[6];
    struct rk_authority *a = &c->d->authority;
    if (!FIELDS(c, n, "supervisory_authority", keys, v))
        return;
    if (v[0])
        get_text(c, v[0], "supervisory_authority.name", &a->name);
    const char **dst[] = {&a->address, &a->postal_address, &a->phone, &a->email, &a->url};
    for (int i = 0; i < 5; i++)
        if (v[i + 1])
            *dst[i] = get_string(c, v[i + 1], "supervisory_authority");
}

static void parse_security(struct ctx *c, const ynode *n) {
    struct rk_decl *d = c->d;
    d->security_loc = loc_of(n);
    if (!get_list(c, n, "security", false) || n->n == 0)
        return;
    d->security = alloc(c, n->n * sizeof *d->security);
    if (!d->security)
        return;
    for (size_t i = 0; i < n->n; i++)
        if (get_text(c, n->items[i], "security", &d->security[d->nsecurity]))
            d->nsecurity++;
}

static void each_role(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id", "!name", "!registers", "categories", "requests",
                                        "staff"};
    const ynode *v[6];
    struct rk_role *r = item;
    struct rk_decl *d = c->d;
    r->loc = loc_of(n);
    if (!FIELDS(c, n, "role", keys, v))
        return;
    if (v[0])
        r->id = get_id(c, v[0], "role.id");
    if (v[1])
        get_text(c, v[1], "role.name", &r->name);
    if (v[2])
        r->registers = (struct rk_register **)REFS(c, v[2], "role.registers", "register",
                                                   d->registers, d->nregisters, &r->nregisters);
    if (v[3])
        r->categories = (struct rk_category **)REFS(c, v[3], "role.categories", "category",
                                                    d->categories, d->ncategories, &r->ncategories);
    if (v[4])
        get_bool(c, v[4], "role.requests", &r->requests);
    if (v[5])
        get_bool(c, v[5], "role.staff", &r->staff);
    for (size_t i = 0; v[3] && i < r->ncategories; i++) {
        bool held = false;
        for (size_t j = 0; j < r->nregisters && !held; j++)
            for (size_t k = 0; k < r->registers[j]->ncategories && !held; k++)
                held = r->registers[j]->categories[k] == r->categories[i];
        if (!held)
            ERR_AT(c, v[3], "role.categories: '%s' is held by none of this role's registers",
                   r->categories[i]->id);
    }
}

/* A declared item of arr (count items of size bytes, each starting with its id), by id. */
static void *ref_one(struct ctx *c, const ynode *n, const char *what, const char *kind, void *arr,
                     size_t count, size_t size) {
    const char *id = get_id(c, n, what);
    if (!id)
        return NULL;
    for (size_t j = 0; j < count; j++) {
        void *item = (unsigned char *)arr + j * size;
        const char *other = *(const char **)item;
        if (other && strcmp(other, id) == 0)
            return item;
    }
    ERR_AT(c, n, "%s: '%s' is not a declared %s", what, id, kind);
    return NULL;
}

/* The categories a form can collect: the ids of base/contact.h's fields. */
static bool contact_field(const char *id) {
    static const char *const fields[] = {"name",         "email",    "phone", "position",
                                         "organisation", "interests"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i], id) == 0)
            return true;
    return false;
}

/*
 * A form's fields: each an id ("email") or {category: id, label: {fi, en}}, the label being
 * what people read beside the field instead of the category's legal name.
 */
static void form_fields(struct ctx *c, const ynode *n, struct rk_form *f) {
    static const char *const keys[] = {"!category", "label"};
    struct rk_decl *d = c->d;
    if (!get_list(c, n, "form.fields", true))
        return;
    f->fields = alloc(c, n->n * sizeof(struct rk_category *));
    f->labels = alloc(c, n->n * sizeof *f->labels);
    if (!f->fields || !f->labels)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const ynode *item = n->items[i], *v[2] = {item, NULL};
        if (item->type == RK_Y_MAP && !FIELDS(c, item, "form.fields", keys, v))
            continue;
        if (!v[0])
            continue;
        struct rk_category *cat = ref_one(c, v[0], "form.fields", "category", d->categories,
                                          d->ncategories, sizeof *d->categories);
        if (!cat)
            continue;
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= f->fields[j] == cat;
        if (dup) {
            ERR_AT(c, v[0], "form.fields: '%s' listed twice", cat->id);
            continue;
        }
        f->labels[k] = (struct rk_text){NULL, NULL};
        if (v[1])
            get_text(c, v[1], "form.fields.label", &f->labels[k]);
        f->fields[k++] = cat;
    }
    f->nfields = k;
}

static void each_form(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",       "!name",   "!register",    "!purpose",
                                       "!fields",   "required", "origins",     "!consent_text"};
    const ynode *v[8];
    struct rk_form *f = item;
    struct rk_decl *d = c->d;
    f->loc = loc_of(n);
    if (!FIELDS(c, n, "form", keys, v))
        return;
    if (v[0])
        f->id = get_id(c, v[0], "form.id");
    if (v[1])
        get_text(c, v[1], "form.name", &f->name);
    if (v[2])
        f->reg = ref_one(c, v[2], "form.register", "register", d->registers, d->nregisters,
                         sizeof *d->registers);
    if (v[3])
        f->purpose = ref_one(c, v[3], "form.purpose", "purpose", d->purposes, d->npurposes,
                             sizeof *d->purposes);
    if (v[4])
        form_fields(c, v[4], f);
    if (v[5])
        f->required = (struct rk_category **)REFS(c, v[5], "form.required", "category",
                                                  d->categories, d->ncategories, &f->nrequired);
    if (v[7])
        get_text(c, v[7], "form.consent_text", &f->consent_text);
    if (v[6] && get_list(c, v[6], "form.origins", false)) {
        if (v[6]->n > RK_FORM_MAX_ORIGINS)
            ERR_AT(c, v[6] ? v[6] : n, "form.origins: at most %d origins", RK_FORM_MAX_ORIGINS);
        for (size_t i = 0; i < v[6]->n && i < RK_FORM_MAX_ORIGINS; i++) {
            const char *o = get_string(c, v[6]->items[i], "form.origins");
            if (o && !origin_ok(o))
                ERR_AT(c, v[6]->items[i],
                       "form.origins: '%.80s' is not an origin; expected https://host or "
                       "https://host:port (lower case, no path; http only for localhost)",
                       o);
            else if (o)
                f->origins[f->norigins++] = o;
        }
    }
    if (f->purpose && f->purpose->basis != RK_BASIS_CONSENT)
        ERR_AT(c, v[3] ? v[3] : n,
               "form.purpose: '%s' rests on %s; a form collects consent (double opt-in), so its "
               "purpose must rest on consent",
               f->purpose->id, rk_basis_id(f->purpose->basis));
    if (f->reg && f->purpose && !register_has_purpose(f->reg, f->purpose))
        ERR_AT(c, v[3] ? v[3] : n, "form.purpose: register '%s' does not declare purpose '%s'", f->reg->id,
               f->purpose->id);
    bool email = false;
    for (size_t i = 0; i < f->nfields; i++) {
        const struct rk_category *cat = f->fields[i];
        email |= strcmp(cat->id, "email") == 0;
        bool held = false;
        for (size_t j = 0; f->reg && j < f->reg->ncategories; j++)
            held |= f->reg->categories[j] == cat;
        if (f->reg && !held)
            ERR_AT(c, v[4] ? v[4] : n, "form.fields: register '%s' does not hold category '%s'", f->reg->id,
                   cat->id);
        if (!contact_field(cat->id))
            ERR_AT(c, v[4] ? v[4] : n,
                   "form.fields: category '%s' is not a contact field a form can collect "
                   "(name, email, phone, position, organisation, interests)",
                   cat->id);
    }
    if (v[4] && !email)
        ERR_AT(c, v[4] ? v[4] : n, "form.fields: a form needs 'email' (the confirmation link is emailed)");
    for (size_t i = 0; i < f->nrequired; i++) {
        bool listed = false;
        for (size_t j = 0; j < f->nfields; j++)
            listed |= f->fields[j] == f->required[i];
        if (!listed)
            ERR_AT(c, v[5] ? v[5] : n, "form.required: '%s' is not among the form's fields",
                   f->required[i]->id);
    }
    bool web = false;
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *src = &d->sources[i];
        if (src->kind != RK_SRC_WEB_FORM)
            continue;
        bool reg_ok = false, purpose_ok = src->npurposes == 0;
        for (size_t j = 0; j < src->nregisters; j++)
            reg_ok |= src->registers[j] == f->reg;
        for (size_t j = 0; j < src->npurposes; j++)
            purpose_ok |= src->purposes[j] == f->purpose;
        web |= reg_ok && purpose_ok;
    }
    if (f->reg && f->purpose && !web)
        ERR_AT(c, n,
               "form: no source of kind web_form is declared for register '%s' and purpose "
               "'%s' (sources)",
               f->reg->id, f->purpose->id);
}

/* An http(s) URL of printable ASCII without spaces, quotes or angle brackets. */
static bool link_url_ok(const char *u) {
    if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
        return false;
    if (strlen(u) > 500 || !u[strncmp(u, "https://", 8) == 0 ? 8 : 7])
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>`\\", *p))
            return false;
    return true;
}

static void each_brand_link(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!label", "!url"};
    const ynode *v[2];
    struct rk_brand_link *l = item;
    if (!FIELDS(c, n, "branding.links", keys, v))
        return;
    if (v[0])
        get_text(c, v[0], "branding.links.label", &l->label);
    if (v[1] && (l->url = get_string(c, v[1], "branding.links.url")) && !link_url_ok(l->url)) {
        ERR_AT(c, v[1],
               "branding.links.url: expected an https:// or http:// address of printable "
               "characters without spaces, quotes or angle brackets");
        l->url = NULL;
    }
}

/* A file path beside the declaration: relative, no "..", no control characters. */
static const char *get_brand_path(struct ctx *c, const ynode *n, const char *what) {
    const char *p = get_string(c, n, what);
    if (!p)
        return NULL;
    bool bad = p[0] == '/' || strlen(p) > 255;
    for (const char *q = p; *q && !bad; q++)
        bad = (unsigned char)*q < ' ' || (q[0] == '.' && q[1] == '.' && (q == p || q[-1] == '/'));
    if (bad) {
        ERR_AT(c, n,
               "%s: expected a file path relative to the declaration's folder, without "
               "'..' (e.g. brand/logo.svg)",
               what);
        return NULL;
    }
    return p;
}

static bool hex_colour(const char *s) {
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    return true;
}

static void parse_branding(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"name", "logo", "accent", "links", "stylesheet"};
    const ynode *v[5];
    struct rk_branding *b = &c->d->branding;
    b->loc = loc_of(n);
    if (!FIELDS(c, n, "branding", keys, v))
        return;
    if (v[0])
        b->name = get_string(c, v[0], "branding.name");
    if (v[1]) {
        b->logo = get_brand_path(c, v[1], "branding.logo");
        b->logo_loc = loc_of(v[1]);
    }
    if (v[2]) {
        const char *a = get_string(c, v[2], "branding.accent");
        b->accent_loc = loc_of(v[2]);
        if (a && !hex_colour(a))
            ERR_AT(c, v[2],
                   "branding.accent: expected a colour as \"#rrggbb\" (quoted: # starts "
                   "a comment in YAML), found '%.20s'",
                   a);
        else if (a)
            for (int i = 0; i < 7; i++)
                b->accent[i] = (char)(a[i] >= 'A' && a[i] <= 'F' ? a[i] - 'A' + 'a' : a[i]);
    }
    if (v[3]) {
        b->links = section(c, v[3], "branding.links", sizeof *b->links, false, false,
                           each_brand_link, &b->nlinks);
        if (b->nlinks > RK_BRAND_LINKS_MAX)
            ERR_AT(c, v[3], "branding.links: at most %d links", RK_BRAND_LINKS_MAX);
    }
    if (v[4]) {
        b->stylesheet = get_brand_path(c, v[4], "branding.stylesheet");
        b->stylesheet_loc = loc_of(v[4]);
    }
}

static void parse_mail(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"from", "reply_to"};
    const ynode *v[2];
    struct rk_mail_headers *m = &c->d->mail;
    m->loc = loc_of(n);
    if (!FIELDS(c, n, "mail", keys, v))
        return;
    const char **dst[] = {&m->from, &m->reply_to};
    const char *what[] = {"mail.from", "mail.reply_to"};
    for (int i = 0; i < 2; i++) {
        if (!v[i] || !(*dst[i] = get_string(c, v[i], what[i])))
            continue;
        const char *a = *dst[i], *at = strchr(a, '@');
        bool ok = at && at != a && at[1] && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
                  strlen(a) <= 254 &&
                  strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789.!#$%&'*+/=?^_`{|}~-@") == strlen(a);
        if (!ok) {
            ERR_AT(c, v[i], "%s: expected one email address (local-part@host, ASCII)", what[i]);
            *dst[i] = NULL;
        }
    }
}

static void walk(struct ctx *c, const ynode *root) {
    static const char *const keys[] = {"!rekisteri",     "notice",
                                       "!controller",    "out_of_scope",
                                       "!purposes",      "!categories",
                                       "!registers",     "sources",
                                       "provision",      "recipients",
                                       "transfers_note", "cookies",
                                       "!rights",        "!supervisory_authority",
                                       "security",       "roles",
                                       "forms",          "mail_limits",
                                       "branding",       "mail"};
    enum {
        VERSION,
        NOTICE,
        CONTROLLER,
        SCOPE,
        PURPOSES,
        CATEGORIES,
        REGISTERS,
        SOURCES,
        PROVISION,
        RECIPIENTS,
        TRANSFERS,
        COOKIES,
        RIGHTS,
        AUTHORITY,
        SECURITY,
        ROLES,
        FORMS,
        MAIL_LIMITS,
        BRANDING,
        MAIL,
        NKEYS
    };
    const ynode *v[NKEYS];
    struct rk_decl *d = c->d;
    if (!FIELDS(c, root, "declaration", keys, v))
        return;
    if (v[VERSION]) {
        if (v[VERSION]->type != RK_Y_SCALAR || strcmp(v[VERSION]->str, "1") != 0)
            ERR_AT(c, v[VERSION],
                   "rekisteri: unsupported declaration version; this program "
                   "reads version 1 ('rekisteri: 1')");
        d->version = 1;
    }
    if (v[NOTICE])
        parse_notice(c, v[NOTICE]);
    if (v[CONTROLLER])
        parse_controller(c, v[CONTROLLER]);
    d->exclusions = section(c, v[SCOPE], "out_of_scope", sizeof *d->exclusions, false, true,
                            each_exclusion, &d->nexclusions);
    /* Order matters from here: each section may name items of those before it. */
    d->purposes = section(c, v[PURPOSES], "purposes", sizeof *d->purposes, true, true, each_purpose,
                          &d->npurposes);
    d->categories = section(c, v[CATEGORIES], "categories", sizeof *d->categories, true, true,
                            each_category, &d->ncategories);
    d->registers = section(c, v[REGISTERS], "registers", sizeof *d->registers, true, true,
                           each_register, &d->nregisters);
    d->sources = section(c, v[SOURCES], "sources", sizeof *d->sources, false, false, each_source,
                         &d->nsources);
    d->recipients = section(c, v[RECIPIENTS], "recipients", sizeof *d->recipients, false, true,
                            each_recipient, &d->nrecipients);
    for (size_t i = 0; i < d->nrecipients; i++)
        for (size_t j = 0; j < i; j++)
            if (d->recipients[i].mailchimp.declared && d->recipients[j].mailchimp.declared &&
                strcmp(d->recipients[i].mailchimp.list_id, d->recipients[j].mailchimp.list_id) ==
                    0)
                rk_diags_add(c->diags, d->recipients[i].mailchimp.loc.line,
                             d->recipients[i].mailchimp.loc.col,
                             "recipient.mailchimp.list_id: list '%s' is already declared by "
                             "recipient '%s'; one recipient per Mailchimp list",
                             d->recipients[i].mailchimp.list_id, d->recipients[j].id);
    if (v[PROVISION])
        get_text(c, v[PROVISION], "provision", &d->provision);
    if (v[TRANSFERS])
        get_text(c, v[TRANSFERS], "transfers_note", &d->transfers_note);
    if (v[COOKIES])
        parse_cookies(c, v[COOKIES]);
    if (v[RIGHTS])
        parse_rights(c, v[RIGHTS]);
    if (v[AUTHORITY])
        parse_authority(c, v[AUTHORITY]);
    if (v[SECURITY])
        parse_security(c, v[SECURITY]);
    d->roles = section(c, v[ROLES], "roles", sizeof *d->roles, false, true, each_role, &d->nroles);
    d->forms = section(c, v[FORMS], "forms", sizeof *d->forms, false, true, each_form, &d->nforms);
    d->mail_limits.min_interval = RK_MAIL_MIN_INTERVAL_DEFAULT;
    d->mail_limits.per_day = RK_MAIL_PER_DAY_DEFAULT;
    if (v[MAIL_LIMITS])
        parse_mail_limits(c, v[MAIL_LIMITS]);
    if (v[BRANDING])
        parse_branding(c, v[BRANDING]);
    if (!d->branding.name)
        d->branding.name = d->controller.name;
    if (v[MAIL])
        parse_mail(c, v[MAIL]);
}

/* ---- Entry points ------------------------------------------------------ */

rk_err rk_decl_parse(const char *name, const char *buf, size_t len, struct rk_diags *diags,
                     struct rk_decl **out) {
    rk_err rc;
    struct rk_decl *d = calloc(1, sizeof *d);
    if (!d)
        return RK_ENOMEM;
    rk_arena_init(&d->arena);
    d->path = rk_arena_strdup(&d->arena, name);
    if (!d->path) {
        rc = RK_ENOMEM;
        goto out;
    }

    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        unsigned line = 1, col = 1;
        for (const char *p = buf; p < nul; p++) {
            col = *p == '\n' ? 1 : col + 1;
            line += *p == '\n';
        }
        rk_diags_add(diags, line, col,
                     "binary data (a NUL byte at offset %zu); a declaration is a UTF-8 YAML text",
                     (size_t)(nul - buf));
        rc = RK_EDECL;
        goto out;
    }
    struct rk_ynode *root = NULL;
    rc = rk_yaml_parse(buf, len, &d->arena, diags, &root);
    if (rc == RK_EPARSE)
        rc = RK_EDECL;
    if (rc != RK_OK)
        goto out;
    if (!root) {
        rk_diags_add(diags, 1, 1,
                     "the declaration is empty; expected a mapping starting with "
                     "'rekisteri: 1' (see docs/declaration.md)");
        rc = RK_EDECL;
        goto out;
    }
    struct ctx c = {.d = d, .diags = diags};
    walk(&c, root);
    if (c.oom)
        rc = RK_ENOMEM;
    else if (diags->n > 0)
        rc = RK_EDECL;
out:
    if (rc != RK_OK) {
        rk_decl_free(d);
        return rc;
    }
    *out = d;
    return RK_OK;
}

/*
 * Reads a branding file named relative to the declaration at path into the arena (NUL added):
 * at most max bytes. False after a diagnostic at loc.
 */
static bool read_brand_file(struct rk_decl *d, const char *path, const char *rel, size_t max,
                            struct rk_loc loc, const char *what, struct rk_diags *diags,
                            unsigned char **data, size_t *len) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    char full[4096];
    if (dir + strlen(rel) + 1 > sizeof full) {
        rk_diags_add(diags, loc.line, loc.col, "%s: the path is too long", what);
        return false;
    }
    memcpy(full, path, dir);
    snprintf(full + dir, sizeof full - dir, "%s", rel);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rk_diags_add(diags, loc.line, loc.col, "%s: cannot read '%s' (beside the declaration): %s",
                     what, rel, fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return false;
    }
    unsigned char *buf = rk_arena_alloc(&d->arena, max + 2);
    ssize_t n = buf ? rk_read_full(fd, buf, max + 1) : -1;
    close(fd);
    if (n < 0) {
        rk_diags_add(diags, loc.line, loc.col, "%s: cannot read '%s'", what, rel);
        return false;
    }
    if ((size_t)n > max) {
        rk_diags_add(diags, loc.line, loc.col, "%s: '%s' is larger than %zu KB", what, rel,
                     max / 1024);
        return false;
    }
    buf[n] = '\0';
    *data = buf;
    *len = (size_t)n;
    return true;
}

/* The logo's media type by its first bytes (PNG, JPEG, WebP, SVG), or NULL. */
static const char *logo_type(const unsigned char *p, size_t n) {
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return "image/jpeg";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (memchr(p, '\0', n) == NULL && strstr((const char *)p, "<svg"))
        return "image/svg+xml";
    return NULL;
}

/* Reads the branding's logo and stylesheet beside the declaration at path. */
static bool load_brand_files(struct rk_decl *d, const char *path, struct rk_diags *diags) {
    struct rk_branding *b = &d->branding;
    bool ok = true;
    unsigned char *data = NULL;
    size_t len = 0;
    if (b->logo) {
        if (read_brand_file(d, path, b->logo, RK_LOGO_MAX, b->logo_loc, "branding.logo", diags,
                            &data, &len)) {
            b->logo_type = logo_type(data, len);
            if (!b->logo_type) {
                rk_diags_add(diags, b->logo_loc.line, b->logo_loc.col,
                             "branding.logo: '%s' is not a PNG, SVG, JPEG or WebP image", b->logo);
                ok = false;
            }
            b->logo_data = data;
            b->logo_len = len;
        } else
            ok = false;
    }
    if (b->stylesheet) {
        if (read_brand_file(d, path, b->stylesheet, RK_BRAND_CSS_MAX, b->stylesheet_loc,
                            "branding.stylesheet", diags, &data, &len)) {
            if (memchr(data, '\0', len) || strstr((const char *)data, "</")) {
                rk_diags_add(diags, b->stylesheet_loc.line, b->stylesheet_loc.col,
                             "branding.stylesheet: '%s' is not a CSS text (a NUL byte or \"</\")",
                             b->stylesheet);
                ok = false;
            }
            b->stylesheet_data = (const char *)data;
            b->stylesheet_len = len;
        } else
            ok = false;
    }
    return ok;
}

rk_err rk_decl_load(const char *path, struct rk_diags *diags, struct rk_decl **out) {
    rk_err rc = RK_OK;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rk_diags_add(diags, 0, 0, "cannot open the declaration: %s", strerror(errno));
        return errno == ENOENT ? RK_ENOENT : RK_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rk_diags_add(diags, 0, 0, "cannot read the declaration: %s", strerror(errno));
        rc = RK_EIO;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rk_diags_add(diags, 0, 0, "not a regular file; expected a YAML declaration file");
        rc = RK_EIO;
        goto out;
    }
    if ((unsigned long long)st.st_size > MAX_FILE_BYTES) {
        rk_diags_add(diags, 0, 0,
                     "file is %lld bytes; a declaration may be at most %zu bytes (1 MiB)",
                     (long long)st.st_size, MAX_FILE_BYTES);
        rc = RK_ETOOBIG;
        goto out;
    }
    /* Read at most one byte past the limit: the file may grow after fstat. */
    buf = malloc(MAX_FILE_BYTES + 1);
    if (!buf) {
        rc = RK_ENOMEM;
        goto out;
    }
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, MAX_FILE_BYTES + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rk_diags_add(diags, 0, 0, "cannot read the declaration: %s", strerror(errno));
            rc = RK_EIO;
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > MAX_FILE_BYTES) {
            rk_diags_add(diags, 0, 0,
                         "file is larger than %zu bytes (1 MiB), the most a "
                         "declaration may be",
                         MAX_FILE_BYTES);
            rc = RK_ETOOBIG;
            goto out;
        }
    }
    rc = rk_decl_parse(path, buf, len, diags, out);
    if (rc == RK_OK && !load_brand_files(*out, path, diags)) {
        rk_decl_free(*out);
        *out = NULL;
        rc = RK_EDECL;
    }
out:
    free(buf);
    close(fd);
    return rc;
}

void rk_decl_free(struct rk_decl *d) {
    if (!d)
        return;
    rk_arena_cleanup(&d->arena);
    free(d);
}

#define LOOKUP(fn, type, arr, count)                                                               \
    const type *fn(const struct rk_decl *d, const char *id) {                                      \
        for (size_t i = 0; i < d->count; i++)                                                      \
            if (d->arr[i].id && strcmp(d->arr[i].id, id) == 0)                                     \
                return &d->arr[i];                                                                 \
        return NULL;                                                                               \
    }

LOOKUP(rk_decl_purpose, struct rk_purpose, purposes, npurposes)
LOOKUP(rk_decl_category, struct rk_category, categories, ncategories)
LOOKUP(rk_decl_register, struct rk_register, registers, nregisters)
LOOKUP(rk_decl_form, struct rk_form, forms, nforms)

const struct rk_choice *rk_category_choice(const struct rk_category *cat, const char *id) {
    for (size_t i = 0; i < cat->nchoices; i++)
        if (cat->choices[i].id && strcmp(cat->choices[i].id, id) == 0)
            return &cat->choices[i];
    return NULL;
}

const char *rk_form_label(const struct rk_form *f, size_t i, enum rk_lang lang) {
    if (f->labels && rk_text_present(&f->labels[i]))
        return rk_text_get(&f->labels[i], lang);
    return rk_text_get(&f->fields[i]->name, lang);
}

const char *rk_decl_reply_to(const struct rk_decl *d) {
    return d->mail.reply_to      ? d->mail.reply_to
           : d->controller.email ? d->controller.email
                                 : d->controller.dpo.email;
}

bool rk_form_origin_allowed(const struct rk_form *f, const char *origin) {
    for (size_t i = 0; i < f->norigins; i++)
        if (strcmp(f->origins[i], origin) == 0)
            return true;
    return false;
}
LOOKUP(rk_decl_recipient, struct rk_recipient, recipients, nrecipients)
LOOKUP(rk_decl_role, struct rk_role, roles, nroles)

bool rk_role_grants(const struct rk_role *r, const char *reg_id, const char *cat_id) {
    const struct rk_register *reg = NULL;
    for (size_t i = 0; i < r->nregisters && !reg; i++)
        if (strcmp(r->registers[i]->id, reg_id) == 0)
            reg = r->registers[i];
    if (!reg)
        return false;
    if (!cat_id)
        return true;
    bool held = false;
    for (size_t i = 0; i < reg->ncategories && !held; i++)
        held = strcmp(reg->categories[i]->id, cat_id) == 0;
    if (!held || r->ncategories == 0)
        return held;
    for (size_t i = 0; i < r->ncategories; i++)
        if (strcmp(r->categories[i]->id, cat_id) == 0)
            return true;
    return false;
}
