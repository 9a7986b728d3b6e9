/*
 * yamltree.h — a YAML document as a small tree of nodes with positions.
 *
 * libyaml reports events; the declaration walker wants to look keys up and
 * say where a value is. This builds that tree once, with the limits outside
 * input needs: a maximum nesting depth, and a budget on the number of nodes
 * counting every alias as the whole subtree it stands for — so a
 * "billion laughs" document is refused after a few thousand events instead
 * of expanding exponentially. Aliases share the anchored node; nothing is
 * copied. All memory comes from the caller's arena.
 */
#ifndef RK_YAMLTREE_H
#define RK_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/err.h"

#define RK_YAML_MAX_DEPTH 64
#define RK_YAML_MAX_NODES 100000 /* counting alias expansion */

enum rk_ynode_type { RK_Y_SCALAR, RK_Y_MAP, RK_Y_SEQ };

struct rk_ynode {
    enum rk_ynode_type type;
    unsigned line, col; /* 1-based */
    /* RK_Y_SCALAR */
    const char *str;
    size_t len;
    bool plain; /* unquoted: "~", "null" and "" mean null */
    /* RK_Y_MAP: items[2i] is a key, items[2i+1] its value. RK_Y_SEQ: the items. */
    struct rk_ynode **items;
    size_t n; /* pairs in a map, items in a list */
    size_t weight; /* nodes in this subtree, aliases expanded */
};

/*
 * Parses len bytes at buf as exactly one YAML document. On success *out is the
 * root (NULL for an empty document). On failure returns RK_EPARSE with the
 * problem in diags.
 */
RK_MUST_USE rk_err rk_yaml_parse(const char *buf, size_t len, struct rk_arena *arena,
                                 struct rk_diags *diags, struct rk_ynode **out);

/* True for a plain scalar that YAML reads as null ("", "~", "null"). */
bool rk_ynode_is_null(const struct rk_ynode *n);

#endif
