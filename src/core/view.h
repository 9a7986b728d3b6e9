/*
 * view.h — what a staff role sees of the registers, decided in one place.
 * Every staff route that takes a person id, a contract id or an email or
 * phone resolves it through these functions, so that a person outside the
 * role's registers (or found through a category the role is not granted) is
 * answered exactly as one that does not exist.
 *
 * The rules (design):
 *  1. A register is seen when the role is granted it (rk_role_grants).
 *  2. A value of an entry is seen when the role is granted its category in
 *     that register; an entry is seen when its register is.
 *  3. A person is seen when they have an entry the role sees. Unknown and
 *     unseen ids are one answer, after the same single read (the person's
 *     entries) on both paths — no early return for one kind.
 *  4. A person found by a value (email, phone, name) is seen only through
 *     entries whose register is seen and whose category of that value is
 *     granted: looking someone up by an address the role may not read must
 *     not confirm that the address is on file.
 *  5. A contract is seen when its register is seen and the role is granted
 *     a category of kind contract there; otherwise it is unknown.
 * A view without a role (role NULL) sees everything: the CLI, the operator.
 */
#ifndef RK_VIEW_H
#define RK_VIEW_H

#include <stdbool.h>

#include "base/contact.h"
#include "decl/decl.h"
#include "store/store.h"

struct rk_view {
    const struct rk_decl *decl; /* borrowed */
    const struct rk_role *role; /* borrowed; NULL: everything */
};

/* Whether the view sees register register_id (rule 1). */
bool rk_view_register(const struct rk_view *v, const char *register_id);

/* Whether the view sees field f of an entry in register_id (rule 2). */
bool rk_view_field(const struct rk_view *v, const char *register_id, enum rk_field f);

/* Whether the view is granted a category of kind k in register_id (a register declaring none:
 * false). */
bool rk_view_kind(const struct rk_view *v, const char *register_id, enum rk_category_kind k);

/* An rk_register_filter (core/register.h) over a view: ctx is a const struct rk_view *. */
bool rk_view_filter(void *ctx, const struct rk_register *r);

/* Whether an entry in register_id found by the value of field by is one the view may be shown
 * (rule 4). */
bool rk_view_found(const struct rk_view *v, const char *register_id, enum rk_field by);

/*
 * Whether person_id has an entry the view sees (rule 3): one read of the
 * person's entries whether they exist, are seen or not. A malformed id is
 * false without a read (its shape is the caller's own knowledge). Errors
 * only from the store; *out written on success.
 */
RK_MUST_USE rk_err rk_view_person(const struct rk_view *v, struct rk_store *st,
                                  const char *person_id, bool *out);

/*
 * Calls fn for each of the person's entries the view sees, in register order
 * (fn as rk_store_entries_of_person: non-zero stops). The entry's values are
 * all there: fn leaves out those rk_view_field refuses.
 */
RK_MUST_USE rk_err rk_view_entries(const struct rk_view *v, struct rk_store *st,
                                   const char *person_id, rk_entry_fn fn, void *ctx);

/*
 * The contract contract_id if the view sees it (rule 5): RK_ENOENT for an
 * unknown, malformed or unseen one alike, another error from the store.
 * *out written on RK_OK.
 */
RK_MUST_USE rk_err rk_view_contract(const struct rk_view *v, struct rk_store *st,
                                    const char *contract_id, struct rk_contract *out);

/*
 * What a role may do, beyond what it sees (the console's menu and actions;
 * the API refuses with 403 whatever a role lacks, whether or not the console
 * shows it). Derived from the declaration's grants, never stored:
 *  - OVERVIEW, DECLARATION: every role.
 *  - PEOPLE (search, read, edit), ADD, IMPORT: a role granted a register.
 *  - AUDIENCE: a role granted a register that declares a consent-based purpose.
 *  - REQUESTS, RIGHTS (restrict, object, erase), AUDIT_TRAIL (who read or changed
 *    a person), RECIPIENTS (failed mail and art 19 notices): a role with
 *    `requests: true` granted every register and category (rk_view_all), the
 *    rule the request routes already follow.
 *  - STAFF (accounts, sign-in history, tokens): a role with `staff: true`.
 * A view without a role (the CLI, the operator) may do everything.
 */
enum rk_cap {
    RK_CAP_OVERVIEW = 1u << 0,
    RK_CAP_PEOPLE = 1u << 1,
    RK_CAP_ADD = 1u << 2,
    RK_CAP_IMPORT = 1u << 3,
    RK_CAP_AUDIENCE = 1u << 4,
    RK_CAP_REQUESTS = 1u << 5,
    RK_CAP_RIGHTS = 1u << 6,
    RK_CAP_AUDIT_TRAIL = 1u << 7,
    RK_CAP_RECIPIENTS = 1u << 8,
    RK_CAP_DECLARATION = 1u << 9,
    RK_CAP_STAFF = 1u << 10,
};
#define RK_CAP__COUNT 11

/* Whether the view's role is granted every register and every category of each. */
bool rk_view_all(const struct rk_view *v);

/* The rk_cap bits of the view's role (all of them without a role). */
unsigned rk_view_caps(const struct rk_view *v);

/* The stable name of capability bit i (0 ≤ i < RK_CAP__COUNT): "overview", "people", ... */
const char *rk_cap_name(unsigned i);

#endif
