/*
 * view.c — what a staff role sees (view.h): the register and category
 * predicates over rk_role_grants, and the person and contract lookups that
 * answer an unseen one exactly as an unknown one. The store reads are the
 * same whatever the outcome; only what is passed on differs.
 */
#include "core/view.h"

#include <string.h>

bool rk_view_register(const struct rk_view *v, const char *register_id) {
    return !v->role || rk_role_grants(v->role, register_id, NULL);
}

bool rk_view_field(const struct rk_view *v, const char *register_id, enum rk_field f) {
    return !v->role || rk_role_grants(v->role, register_id, rk_field_id(f));
}

bool rk_view_kind(const struct rk_view *v, const char *register_id, enum rk_category_kind k) {
    const struct rk_register *r = rk_decl_register(v->decl, register_id);
    for (size_t i = 0; r && i < r->ncategories; i++)
        if (r->categories[i]->kind == k &&
            (!v->role || rk_role_grants(v->role, r->id, r->categories[i]->id)))
            return true;
    return false;
}

bool rk_view_filter(void *ctx, const struct rk_register *r) { return rk_view_register(ctx, r->id); }

bool rk_view_found(const struct rk_view *v, const char *register_id, enum rk_field by) {
    return rk_view_register(v, register_id) && rk_view_field(v, register_id, by);
}

struct entries {
    const struct rk_view *v;
    rk_entry_fn fn; /* NULL: only whether one is seen */
    void *ctx;
    bool seen;
};

/* Every entry is read; the unseen are skipped, not stopped at. */
static int each_entry(void *ctx, const struct rk_entry *e) {
    struct entries *x = ctx;
    if (!rk_view_register(x->v, e->register_id))
        return 0;
    x->seen = true;
    return x->fn ? x->fn(x->ctx, e) : 0;
}

rk_err rk_view_person(const struct rk_view *v, struct rk_store *st, const char *person_id,
                      bool *out) {
    if (!rk_id_valid(person_id)) {
        *out = false;
        return RK_OK;
    }
    struct entries x = {v, NULL, NULL, false};
    rk_err err = rk_store_entries_of_person(st, person_id, each_entry, &x);
    if (err == RK_OK)
        *out = x.seen;
    return err;
}

rk_err rk_view_entries(const struct rk_view *v, struct rk_store *st, const char *person_id,
                       rk_entry_fn fn, void *ctx) {
    if (!rk_id_valid(person_id))
        return RK_OK;
    struct entries x = {v, fn, ctx, false};
    return rk_store_entries_of_person(st, person_id, each_entry, &x);
}

rk_err rk_view_contract(const struct rk_view *v, struct rk_store *st, const char *contract_id,
                        struct rk_contract *out) {
    if (!rk_id_valid(contract_id))
        return RK_ENOENT;
    struct rk_contract k;
    rk_err err = rk_store_contract_get(st, contract_id, &k);
    if (err != RK_OK)
        return err;
    if (!rk_view_register(v, k.register_id) || !rk_view_kind(v, k.register_id, RK_CAT_CONTRACT))
        return RK_ENOENT;
    *out = k;
    return RK_OK;
}

bool rk_view_all(const struct rk_view *v) {
    if (!v->role)
        return true;
    for (size_t i = 0; i < v->decl->nregisters; i++) {
        const struct rk_register *reg = &v->decl->registers[i];
        if (!rk_role_grants(v->role, reg->id, NULL))
            return false;
        for (size_t j = 0; j < reg->ncategories; j++)
            if (!rk_role_grants(v->role, reg->id, reg->categories[j]->id))
                return false;
    }
    return true;
}

unsigned rk_view_caps(const struct rk_view *v) {
    const struct rk_role *role = v->role;
    if (!role)
        return (1u << RK_CAP__COUNT) - 1;
    unsigned caps = RK_CAP_OVERVIEW | RK_CAP_DECLARATION;
    if (role->nregisters > 0)
        caps |= RK_CAP_PEOPLE | RK_CAP_ADD | RK_CAP_IMPORT;
    for (size_t i = 0; i < role->nregisters; i++)
        for (size_t j = 0; j < role->registers[i]->npurposes; j++)
            if (role->registers[i]->purposes[j]->basis == RK_BASIS_CONSENT)
                caps |= RK_CAP_AUDIENCE;
    if (role->requests && rk_view_all(v))
        caps |= RK_CAP_REQUESTS | RK_CAP_RIGHTS | RK_CAP_AUDIT_TRAIL | RK_CAP_RECIPIENTS;
    if (role->staff)
        caps |= RK_CAP_STAFF;
    return caps;
}

const char *rk_cap_name(unsigned i) {
    static const char *const names[RK_CAP__COUNT] = {
        "overview", "people",     "add",        "import",      "audience", "requests",
        "rights",   "audit_trail", "recipients", "declaration", "staff",
    };
    return i < RK_CAP__COUNT ? names[i] : "";
}
