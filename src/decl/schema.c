/*
 * schema.c — the declaration loader's readers (schema.h): each reads one value of
 * the YAML tree, checks it against the schema of docs/declaration.md, and reports
 * where and why it does not fit, so that the walk carries on and a person sees every
 * problem at once.
 */
#include "decl/schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *dl_alloc(struct ctx *c, size_t n) {
    void *p = rk_arena_alloc(&c->d->arena, n ? n : 1);
    if (!p)
        c->oom = true;
    return p;
}

struct rk_loc dl_loc_of(const ynode *n) {
    return (struct rk_loc){n->line, n->col};
}

const char *dl_type_name(const ynode *n) {
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
bool dl_fields(struct ctx *c, const ynode *m, const char *what, const char *const *keys,
               size_t nkeys, const ynode **vals) {
    for (size_t k = 0; k < nkeys; k++)
        vals[k] = NULL;
    if (m->type != RK_Y_MAP) {
        ERR_AT(c, m, "%s: expected a mapping of keys to values, found %s", what, dl_type_name(m));
        return false;
    }
    for (size_t i = 0; i < m->n; i++) {
        const ynode *key = m->items[2 * i], *val = m->items[2 * i + 1];
        if (key->type != RK_Y_SCALAR) {
            ERR_AT(c, key, "%s: a key must be a plain name, found %s", what, dl_type_name(key));
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

/* ---- Scalars ----------------------------------------------------------- */

bool dl_is_text(struct ctx *c, const ynode *n, const char *what) {
    if (n->type != RK_Y_SCALAR || rk_ynode_is_null(n)) {
        ERR_AT(c, n, "%s: expected a text, found %s", what, dl_type_name(n));
        return false;
    }
    if (n->len > MAX_TEXT_BYTES) {
        ERR_AT(c, n, "%s: text longer than %zu bytes", what, MAX_TEXT_BYTES);
        return false;
    }
    return true;
}

/* A non-empty single-line string, or NULL (after a diagnostic). */
const char *dl_get_string(struct ctx *c, const ynode *n, const char *what) {
    if (!dl_is_text(c, n, what))
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

const char *dl_get_id(struct ctx *c, const ynode *n, const char *what) {
    if (!dl_is_text(c, n, what))
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

bool dl_get_bool(struct ctx *c, const ynode *n, const char *what, bool *out) {
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
           n->type == RK_Y_SCALAR ? "another text" : dl_type_name(n));
    return false;
}

/* The index of n's text in ids[], or -1 after a diagnostic listing them. */
int dl_get_enum(struct ctx *c, const ynode *n, const char *what, const char *(*id)(unsigned),
                unsigned count) {
    if (!dl_is_text(c, n, what))
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
unsigned dl_get_bits(struct ctx *c, const ynode *n, const char *what, const char *(*id)(unsigned),
                     unsigned count) {
    if (n->type != RK_Y_SEQ) {
        ERR_AT(c, n, "%s: expected a list such as [%s], found %s", what, id(0), dl_type_name(n));
        return 0;
    }
    unsigned bits = 0;
    for (size_t i = 0; i < n->n; i++) {
        int v = dl_get_enum(c, n->items[i], what, id, count);
        if (v < 0)
            continue;
        if (bits & (1u << v))
            ERR_AT(c, n->items[i], "%s: '%s' listed twice", what, id((unsigned)v));
        bits |= 1u << v;
    }
    return bits;
}

bool dl_parse_uint(const char *s, size_t len, int max, int *out) {
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

bool dl_get_date(struct ctx *c, const ynode *n, const char *what, struct rk_date *out) {
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (n->type == RK_Y_SCALAR && n->len == 10 && n->str[4] == '-' && n->str[7] == '-' &&
        dl_parse_uint(n->str, 4, 9999, &y) && dl_parse_uint(n->str + 5, 2, 12, &m) &&
        dl_parse_uint(n->str + 8, 2, 31, &d) && y >= 1900 && m >= 1 && d >= 1 &&
        d <= mdays[m - 1] &&
        !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))) {
        *out = (struct rk_date){y, m, d};
        return true;
    }
    ERR_AT(c, n, "%s: expected a date as YYYY-MM-DD, e.g. 2020-12-09, found '%.40s'", what,
           n->type == RK_Y_SCALAR ? n->str : dl_type_name(n));
    return false;
}

bool dl_get_duration(struct ctx *c, const ynode *n, const char *what, struct rk_duration *out) {
    int v;
    if (n->type == RK_Y_SCALAR && n->len >= 2 && strchr("dmy", n->str[n->len - 1]) &&
        dl_parse_uint(n->str, n->len - 1, 9999, &v) && v > 0) {
        *out = (struct rk_duration){v, n->str[n->len - 1]};
        return true;
    }
    ERR_AT(c, n,
           "%s: expected a period such as 30d, 6m or 2y (a positive number and d, m or y), "
           "found '%.40s'",
           what, n->type == RK_Y_SCALAR ? n->str : dl_type_name(n));
    return false;
}

bool dl_get_integer(struct ctx *c, const ynode *n, const char *what, int max, int *out) {
    if (n->type == RK_Y_SCALAR && dl_parse_uint(n->str, n->len, max, out) && *out > 0)
        return true;
    ERR_AT(c, n, "%s: expected a whole number from 1 to %d", what, max);
    return false;
}

/* A text in Finnish and English: {fi: ..., en: ...}. */
bool dl_get_text(struct ctx *c, const ynode *n, const char *what, struct rk_text *out) {
    static const char *const keys[] = {"!fi", "!en"};
    const ynode *v[2];
    if (n->type == RK_Y_SCALAR && !rk_ynode_is_null(n)) {
        ERR_AT(c, n, "%s: expected the text in Finnish and English, as {fi: ..., en: ...}", what);
        return false;
    }
    if (!FIELDS(c, n, what, keys, v) || !v[0] || !v[1])
        return false;
    if (!dl_is_text(c, v[0], what) || !dl_is_text(c, v[1], what))
        return false;
    if (v[0]->len == 0 || v[1]->len == 0) {
        ERR_AT(c, v[0]->len ? v[1] : v[0], "%s: the text is empty", what);
        return false;
    }
    out->fi = v[0]->str;
    out->en = v[1]->str;
    return true;
}

bool dl_get_list(struct ctx *c, const ynode *n, const char *what, bool nonempty) {
    if (n->type != RK_Y_SEQ) {
        ERR_AT(c, n, "%s: expected a list, found %s", what, dl_type_name(n));
        return false;
    }
    if (nonempty && n->n == 0) {
        ERR_AT(c, n, "%s: the list is empty; declare at least one", what);
        return false;
    }
    return true;
}

/* ---- Enum id callbacks for get_enum/get_bits ---------------------------- */

const char *dl_basis_id(unsigned i) { return rk_basis_id((enum rk_basis)i); }
const char *dl_withdrawal_id(unsigned i) { return rk_withdrawal_id((enum rk_withdrawal)(1u << i)); }
const char *dl_kind_id(unsigned i) { return rk_category_kind_id((enum rk_category_kind)i); }
const char *dl_until_id(unsigned i) {
    return rk_retention_event_id((enum rk_retention_event)(1u << i));
}
const char *dl_source_id(unsigned i) { return rk_source_kind_id((enum rk_source_kind)i); }
const char *dl_role_id(unsigned i) { return rk_role_id((enum rk_recipient_role)i); }
const char *dl_transfer_id(unsigned i) { return rk_transfer_id((enum rk_transfer)i); }
const char *dl_verify_id(unsigned i) { return rk_verification_id((enum rk_verification)(1u << i)); }
const char *dl_signal_id(unsigned i) {
    return rk_consent_signal_id((enum rk_consent_signal)(1u << i));
}
const char *dl_from_id(unsigned i) {
    static const char *const ids[] = {"event", "end_of_calendar_year", "end_of_financial_period"};
    return i < 3 ? ids[i] : "?";
}
const char *dl_erase_id(unsigned i) {
    (void)i;
    return "delete";
}

/* ---- Sections ---------------------------------------------------------- */

/*
 * Walks a list section: checks it is a list, allocates count items of size
 * bytes, and calls each(c, node, item) for every element. Duplicate ids
 * (each item's first field must be its const char *id) are reported.
 */
void *dl_section(struct ctx *c, const ynode *n, const char *what, size_t size, bool nonempty,
                 bool has_id, item_fn each, size_t *count) {
    *count = 0;
    if (!n) /* a missing required section was reported by dl_fields() */
        return NULL;
    if (!dl_get_list(c, n, what, nonempty) || n->n == 0)
        return NULL;
    unsigned char *items = dl_alloc(c, n->n * size);
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
void **dl_refs(struct ctx *c, const ynode *n, const char *what, const char *kind, void *items,
               size_t count, size_t size, size_t *nout) {
    *nout = 0;
    if (!dl_get_list(c, n, what, true))
        return NULL;
    void **out = dl_alloc(c, n->n * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *id = dl_get_id(c, n->items[i], what);
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
