/*
 * lint.h — checks a declaration against the law.
 *
 * A loaded declaration is structurally valid; the linter asks whether the
 * processing it declares is lawful and complete: transfers with a valid
 * mechanism, retention for every register, a way to withdraw every consent,
 * a legal basis that can actually cover each source, and so on. Each rule has
 * a stable id and a severity; findings point at the line of the declaration
 * they are about and cite the law. docs/HACKING.md tells how to add a rule.
 */
#ifndef RK_LINT_H
#define RK_LINT_H

#include "decl/decl.h"

enum rk_severity { RK_SEV_NOTE, RK_SEV_WARNING, RK_SEV_ERROR };

struct rk_finding {
    const char *rule; /* stable id, e.g. "transfer-privacy-shield" */
    enum rk_severity severity;
    struct rk_loc loc;
    char message[1024];    /* what is wrong and how to fix it */
    const char *reference; /* the law or guidance, e.g. "CJEU C-311/18" */
};

struct rk_findings {
    struct rk_finding *items;
    size_t n, cap;
    size_t count[3]; /* by severity */
    bool oom;
};

struct rk_lint_rule {
    const char *id;
    enum rk_severity severity;
    const char *summary; /* one line, for `rekisteri lint --rules` */
    const char *reference;
    void (*check)(const struct rk_decl *d, const struct rk_lint_rule *rule,
                  struct rk_findings *out);
};

/* The rules, in the order they run. */
const struct rk_lint_rule *rk_lint_rules(size_t *count);

/* Runs every rule over d; findings are appended to out (rk_findings_cleanup frees them). */
RK_MUST_USE rk_err rk_lint_run(const struct rk_decl *d, struct rk_findings *out);

void rk_findings_init(struct rk_findings *f);
void rk_findings_cleanup(struct rk_findings *f);

/* The WCAG 2.2 contrast ratio of the colour "#rrggbb" against white (1 to 21). */
double rk_contrast_on_white(const char *hex);

const char *rk_severity_name(enum rk_severity s); /* "error", "warning", "note" */

#endif
