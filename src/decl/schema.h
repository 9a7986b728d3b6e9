/*
 * schema.h — what the declaration loader's files share (private to src/decl/): the
 * walker's context, the readers of scalars and lists that check a value against the
 * schema and report where it is wrong, and the walkers of each group of sections.
 *
 * The loader is one walk split by concern: schema.c (the readers), decl_load.c (the
 * entry points, the walk, the controller, purposes, categories, registers and sources),
 * decl_recipients.c (recipients, their connectors, cookies) and decl_service.c (rights,
 * mail limits, the authority, staff security and roles, forms, branding, mail).
 */
#ifndef RK_DECL_SCHEMA_H
#define RK_DECL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "decl/decl.h"
#include "decl/yamltree.h"

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

#define FIELDS(c, m, what, keys, vals)                                                             \
    dl_fields((c), (m), (what), (keys), sizeof(keys) / sizeof((keys)[0]), (vals))

/* Walks one item of a list section (dl_section). */
typedef void (*item_fn)(struct ctx *c, const ynode *n, void *item);

#define REFS(c, n, what, kind, arr, count, nout)                                                   \
    dl_refs((c), (n), (what), (kind), (arr), (count), sizeof *(arr), (nout))

/* ---- schema.c: allocation, scalars, enum ids, sections and references ---- */

void *dl_alloc(struct ctx *c, size_t n);
struct rk_loc dl_loc_of(const ynode *n);
const char *dl_type_name(const ynode *n);
bool dl_fields(struct ctx *c, const ynode *m, const char *what, const char *const *keys,
               size_t nkeys, const ynode **vals);
bool dl_is_text(struct ctx *c, const ynode *n, const char *what);
const char *dl_get_string(struct ctx *c, const ynode *n, const char *what);
const char *dl_get_id(struct ctx *c, const ynode *n, const char *what);
bool dl_get_bool(struct ctx *c, const ynode *n, const char *what, bool *out);
int dl_get_enum(struct ctx *c, const ynode *n, const char *what, const char *(*id)(unsigned),
                unsigned count);
unsigned dl_get_bits(struct ctx *c, const ynode *n, const char *what, const char *(*id)(unsigned),
                     unsigned count);
bool dl_parse_uint(const char *s, size_t len, int max, int *out);
bool dl_get_date(struct ctx *c, const ynode *n, const char *what, struct rk_date *out);
bool dl_get_duration(struct ctx *c, const ynode *n, const char *what, struct rk_duration *out);
bool dl_get_integer(struct ctx *c, const ynode *n, const char *what, int max, int *out);
bool dl_get_text(struct ctx *c, const ynode *n, const char *what, struct rk_text *out);
bool dl_get_list(struct ctx *c, const ynode *n, const char *what, bool nonempty);
const char *dl_basis_id(unsigned i);
const char *dl_withdrawal_id(unsigned i);
const char *dl_kind_id(unsigned i);
const char *dl_until_id(unsigned i);
const char *dl_source_id(unsigned i);
const char *dl_role_id(unsigned i);
const char *dl_transfer_id(unsigned i);
const char *dl_verify_id(unsigned i);
const char *dl_signal_id(unsigned i);
const char *dl_from_id(unsigned i);
const char *dl_erase_id(unsigned i);
void *dl_section(struct ctx *c, const ynode *n, const char *what, size_t size, bool nonempty,
                 bool has_id, item_fn each, size_t *count);
void **dl_refs(struct ctx *c, const ynode *n, const char *what, const char *kind, void *items,
               size_t count, size_t size, size_t *nout);
void **dl_refs(struct ctx *c, const ynode *n, const char *what, const char *kind, void *items,
               size_t count, size_t size, size_t *nout);

/* ---- decl_load.c: the controller, the notice, purposes, categories, registers, sources ---- */

void dl_parse_controller(struct ctx *c, const ynode *n);
/* decl_legal.c */
bool dl_get_country(struct ctx *c, const ynode *n, const char *what, char out[3]);
void dl_parse_transfer_extras(struct ctx *c, const char *what, const ynode *dpf,
                              const ynode *copy, enum rk_transfer transfer,
                              struct rk_date *dpf_verified, struct rk_text *safeguards_copy);
void dl_parse_profiling(struct ctx *c, const ynode *n, struct rk_profiling *p);
void dl_parse_marketing(struct ctx *c, const ynode *n, struct rk_marketing *m);
void dl_parse_special(struct ctx *c, const ynode *special, const ynode *condition,
                      const ynode *law, struct rk_category *cat);
void dl_parse_children(struct ctx *c, const ynode *n, struct rk_children *ch);
void dl_parse_financial_year_end(struct ctx *c, const ynode *n, struct rk_controller *ct);
void dl_parse_notice(struct ctx *c, const ynode *n);
void dl_each_exclusion(struct ctx *c, const ynode *n, void *item);
void dl_each_purpose(struct ctx *c, const ynode *n, void *item);
void dl_each_category(struct ctx *c, const ynode *n, void *item);
void dl_each_register(struct ctx *c, const ynode *n, void *item);
void dl_each_source(struct ctx *c, const ynode *n, void *item);

/* ---- decl_recipients.c: recipients and their connectors, cookies ---- */

void dl_each_recipient(struct ctx *c, const ynode *n, void *item);
bool dl_origin_ok(const char *o);
void dl_parse_cookies(struct ctx *c, const ynode *n);

/* ---- decl_service.c: rights, mail limits, authority, security, roles, forms, branding, mail ----
 */

void dl_parse_rights(struct ctx *c, const ynode *n);
void dl_parse_mail_limits(struct ctx *c, const ynode *n);
void dl_parse_authority(struct ctx *c, const ynode *n);
void dl_parse_security(struct ctx *c, const ynode *n);
void dl_each_role(struct ctx *c, const ynode *n, void *item);
void *dl_ref_one(struct ctx *c, const ynode *n, const char *what, const char *kind, void *arr,
                 size_t count, size_t size);
void dl_each_form(struct ctx *c, const ynode *n, void *item);
void dl_parse_branding(struct ctx *c, const ynode *n);
void dl_parse_mail(struct ctx *c, const ynode *n);

#endif
