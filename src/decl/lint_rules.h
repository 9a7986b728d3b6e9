/*
 * lint_rules.h — what the linter's files share (private to src/decl/): recording a finding,
 * a case-insensitive search, the walk over every party data is transferred to, and the check
 * functions of lint_legal.c that the one rule table in lint.c runs.
 *
 * lint.c holds the table and the rules on transfers' mechanisms, retention, consent, sources,
 * cookies, the service and branding; lint_legal.c the rules on the GDPR's finer points (special
 * categories, children, automated decisions, profiling, direct marketing, the balancing test,
 * named sources, stale transfer text, the DPF and copies of safeguards, the financial year).
 */
#ifndef RK_DECL_LINT_RULES_H
#define RK_DECL_LINT_RULES_H

#include <stdbool.h>

#include "decl/decl.h"

/* decl/lint.h defines them; this header does not include it, since lint.c includes this one */
struct rk_findings;
struct rk_lint_rule;

/* Appends a finding of rule at loc, its message formatted from fmt (truncated at sizeof message - 1
 * bytes). */
__attribute__((format(printf, 4, 5))) void lint_add(struct rk_findings *out,
                                                    const struct rk_lint_rule *rule,
                                                    struct rk_loc loc, const char *fmt, ...);

/* Whether hay contains needle (lower case), ASCII letters of hay compared case-insensitively. */
bool lint_contains_ci(const char *hay, const char *needle);

/*
 * A party personal data goes to outside the controller: a declared recipient, or a vendor
 * on the website's cookies (cookies: categories[].vendors; only those with a country). The
 * transfer rules judge both alike (GDPR art 44-46 make no difference between them).
 */
struct lint_party {
    const char *kind; /* "recipient", "cookie vendor" */
    const char *name;
    const char *country;
    enum rk_transfer transfer;
    struct rk_loc loc; /* of its transfer: (or of the party when absent) */
    struct rk_date dpf_verified;
    const struct rk_text *safeguards_copy;
};
typedef void (*lint_party_fn)(const struct rk_decl *d, const struct lint_party *p,
                              const struct rk_lint_rule *rule, struct rk_findings *out);
void lint_each_party(const struct rk_decl *d, const struct rk_lint_rule *rule,
                     struct rk_findings *out, lint_party_fn fn);

/* ---- lint_legal.c ---- */

#define LINT_CHECK(name)                                                                           \
    void name(const struct rk_decl *d, const struct rk_lint_rule *rule, struct rk_findings *out)

LINT_CHECK(lint_special_condition);
LINT_CHECK(lint_special_law);
LINT_CHECK(lint_criminal_law);
LINT_CHECK(lint_children);
LINT_CHECK(lint_adm_basis);
LINT_CHECK(lint_adm_safeguards);
LINT_CHECK(lint_adm_consequences);
LINT_CHECK(lint_profiling);
LINT_CHECK(lint_marketing_consent);
LINT_CHECK(lint_soft_opt_in);
LINT_CHECK(lint_marketing_contract);
LINT_CHECK(lint_balancing_test);
LINT_CHECK(lint_source_name);
LINT_CHECK(lint_source_categories);
LINT_CHECK(lint_stale_text);
LINT_CHECK(lint_dpf_not_us);
LINT_CHECK(lint_dpf_unverified);
LINT_CHECK(lint_safeguards_copy);
LINT_CHECK(lint_financial_period);

#endif
