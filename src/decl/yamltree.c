/*
 * yamltree.c — builds an rk_ynode tree from libyaml's event stream.
 *
 * Open collections are kept on an explicit stack (bounded by
 * RK_YAML_MAX_DEPTH), each with a growable list of its items; a collection is
 * copied into the arena when it closes. Anchors are remembered by name so an
 * alias can point at the anchored node; its weight is charged again to the
 * budget each time it is used.
 */
#include "decl/yamltree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct frame {
    struct rk_ynode *node;
    struct rk_ynode **items;
    size_t n, cap;
    const char *anchor; /* registered when the collection closes */
};

struct anchor {
    const char *name;
    struct rk_ynode *node;
};

struct builder {
    struct rk_arena *arena;
    struct rk_diags *diags;
    struct frame stack[RK_YAML_MAX_DEPTH + 1];
    size_t depth;
    struct anchor *anchors;
    size_t nanchors, capanchors;
    size_t budget; /* nodes so far, aliases expanded */
    struct rk_ynode *root;
    int documents;
};

bool rk_ynode_is_null(const struct rk_ynode *n) {
    if (n->type != RK_Y_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
           strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

static void fail(struct builder *b, const yaml_mark_t *m, const char *what) {
    rk_diags_add(b->diags, (unsigned)m->line + 1, (unsigned)m->column + 1, "%s", what);
}

static struct rk_ynode *new_node(struct builder *b, enum rk_ynode_type t, const yaml_mark_t *m) {
    struct rk_ynode *n = rk_arena_alloc(b->arena, sizeof *n);
    if (!n)
        return NULL;
    n->type = t;
    n->line = (unsigned)m->line + 1;
    n->col = (unsigned)m->column + 1;
    n->weight = 1;
    return n;
}

/* Charges weight nodes to the budget; false (with a diagnostic) when it is spent. */
static bool charge(struct builder *b, size_t weight, const yaml_mark_t *m) {
    if (weight > RK_YAML_MAX_NODES || b->budget > RK_YAML_MAX_NODES - weight) {
        fail(b, m,
             "document too large: more than 100000 values once aliases are expanded "
             "(aliases that multiply each other are refused)");
        return false;
    }
    b->budget += weight;
    return true;
}

static bool remember_anchor(struct builder *b, const char *name, struct rk_ynode *n) {
    if (b->nanchors == b->capanchors) {
        size_t cap = b->capanchors ? b->capanchors * 2 : 16;
        struct anchor *a = realloc(b->anchors, cap * sizeof *a);
        if (!a)
            return false;
        b->anchors = a;
        b->capanchors = cap;
    }
    /* A later anchor of the same name overrides the earlier one (YAML 1.2). */
    b->anchors[b->nanchors].name = name;
    b->anchors[b->nanchors].node = n;
    b->nanchors++;
    return true;
}

static struct rk_ynode *find_anchor(struct builder *b, const char *name) {
    for (size_t i = b->nanchors; i > 0; i--)
        if (strcmp(b->anchors[i - 1].name, name) == 0)
            return b->anchors[i - 1].node;
    return NULL;
}

/* Adds n to the innermost open collection, or makes it the root. */
static bool add(struct builder *b, struct rk_ynode *n) {
    if (b->depth == 0) {
        b->root = n;
        return true;
    }
    struct frame *f = &b->stack[b->depth - 1];
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct rk_ynode **items = realloc(f->items, cap * sizeof(struct rk_ynode *));
        if (!items)
            return false;
        f->items = items;
        f->cap = cap;
    }
    f->items[f->n++] = n;
    f->node->weight += n->weight;
    return true;
}

/* libyaml leaves tag NULL unless the document wrote one. */
static bool has_explicit_tag(const yaml_char_t *tag) { return tag != NULL; }

static rk_err on_event(struct builder *b, yaml_event_t *ev) {
    const yaml_mark_t *m = &ev->start_mark;
    struct rk_ynode *n;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1) {
            fail(b, m, "a declaration is one YAML document; found a second one ('---')");
            return RK_EPARSE;
        }
        return RK_OK;
    case YAML_SCALAR_EVENT: {
        if (has_explicit_tag(ev->data.scalar.tag)) {
            fail(b, m, "YAML tags ('!...') are not used in a declaration; remove the tag");
            return RK_EPARSE;
        }
        if (!charge(b, 1, m) || !(n = new_node(b, RK_Y_SCALAR, m)))
            return b->diags->n ? RK_EPARSE : RK_ENOMEM;
        n->len = ev->data.scalar.length;
        n->str = rk_arena_strndup(b->arena, (const char *)ev->data.scalar.value, n->len);
        if (!n->str)
            return RK_ENOMEM;
        if (memchr(n->str, '\0', n->len)) {
            fail(b, m, "a text contains a NUL character; a declaration is plain UTF-8 text");
            return RK_EPARSE;
        }
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (ev->data.scalar.anchor) {
            const char *name = rk_arena_strdup(b->arena, (const char *)ev->data.scalar.anchor);
            if (!name || !remember_anchor(b, name, n))
                return RK_ENOMEM;
        }
        return add(b, n) ? RK_OK : RK_ENOMEM;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        const yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
        if (has_explicit_tag(tag)) {
            fail(b, m, "YAML tags ('!...') are not used in a declaration; remove the tag");
            return RK_EPARSE;
        }
        if (b->depth == RK_YAML_MAX_DEPTH) {
            fail(b, m, "nesting deeper than 64 levels; a declaration is at most a few levels deep");
            return RK_EPARSE;
        }
        if (!charge(b, 1, m) || !(n = new_node(b, seq ? RK_Y_SEQ : RK_Y_MAP, m)))
            return b->diags->n ? RK_EPARSE : RK_ENOMEM;
        const yaml_char_t *anchor =
            seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
        struct frame *f = &b->stack[b->depth++];
        memset(f, 0, sizeof *f);
        f->node = n;
        if (anchor && !(f->anchor = rk_arena_strdup(b->arena, (const char *)anchor)))
            return RK_ENOMEM;
        return RK_OK;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        if (b->depth == 0) /* libyaml pairs every end with a start */
            return RK_EPARSE;
        struct frame *f = &b->stack[--b->depth];
        n = f->node;
        n->n = n->type == RK_Y_MAP ? f->n / 2 : f->n;
        if (f->n) {
            n->items = rk_arena_alloc(b->arena, f->n * sizeof(struct rk_ynode *));
            if (!n->items)
                return RK_ENOMEM;
            memcpy(n->items, f->items, f->n * sizeof(struct rk_ynode *));
        }
        free(f->items);
        f->items = NULL;
        if (f->anchor && !remember_anchor(b, f->anchor, n))
            return RK_ENOMEM;
        return add(b, n) ? RK_OK : RK_ENOMEM;
    }
    case YAML_ALIAS_EVENT: {
        n = find_anchor(b, (const char *)ev->data.alias.anchor);
        if (!n) {
            rk_diags_add(b->diags, (unsigned)m->line + 1, (unsigned)m->column + 1,
                         "alias '*%.60s' refers to no anchor defined before it",
                         (const char *)ev->data.alias.anchor);
            return RK_EPARSE;
        }
        if (!charge(b, n->weight, m))
            return RK_EPARSE;
        return add(b, n) ? RK_OK : RK_ENOMEM;
    }
    default:
        return RK_OK;
    }
}

/* The line and column of byte offset off, for libyaml's reader errors. */
static yaml_mark_t mark_at(const char *buf, size_t len, size_t off) {
    yaml_mark_t m = {0};
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            m.column++;
        }
    }
    m.index = off;
    return m;
}

rk_err rk_yaml_parse(const char *buf, size_t len, struct rk_arena *arena, struct rk_diags *diags,
                     struct rk_ynode **out) {
    struct builder b = {.arena = arena, .diags = diags};
    yaml_parser_t parser;
    yaml_event_t ev;
    rk_err rc = RK_OK;

    if (!yaml_parser_initialize(&parser))
        return RK_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m0 = parser.problem_mark;
            if (parser.error == YAML_READER_ERROR)
                m0 = mark_at(buf, len, parser.problem_offset);
            const yaml_mark_t *m = &m0;
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = RK_ENOMEM;
            } else if (parser.error == YAML_READER_ERROR) {
                rk_diags_add(diags, (unsigned)m->line + 1, (unsigned)m->column + 1,
                             "not UTF-8 text (%s); a declaration is a UTF-8 YAML file",
                             parser.problem ? parser.problem : "unreadable byte");
                rc = RK_EPARSE;
            } else {
                rk_diags_add(diags, (unsigned)m->line + 1, (unsigned)m->column + 1,
                             "not valid YAML: %s%s%s", parser.problem ? parser.problem : "error",
                             parser.context ? " " : "", parser.context ? parser.context : "");
                rc = RK_EPARSE;
            }
            break;
        }
        yaml_event_type_t type = ev.type;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc != RK_OK || type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    while (b.depth > 0)
        free(b.stack[--b.depth].items);
    free(b.anchors);
    if (rc == RK_OK)
        *out = b.root;
    return rc;
}
