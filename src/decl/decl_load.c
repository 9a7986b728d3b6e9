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
#include "decl/schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"

static void parse_contact(struct ctx *c, const ynode *n, const char *what, struct rk_party *out) {
    static const char *const keys[] = {"name", "email", "phone", "address"};
    const ynode *v[4];
    if (!FIELDS(c, n, what, keys, v))
        return;
    const char **dst[] = {&out->name, &out->email, &out->phone, &out->address};
    for (int i = 0; i < 4; i++)
        if (v[i])
            *dst[i] = dl_get_string(c, v[i], what);
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

void dl_parse_controller(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"!name",  "!business_id",   "!address",
                                       "!phone", "email",          "timezone",
                                       "dpo",    "representative", "financial_year_end"};
    const ynode *v[9];
    struct rk_controller *ct = &c->d->controller;
    ct->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "controller", keys, v))
        return;
    const char **dst[] = {&ct->name,  &ct->business_id, &ct->address,
                          &ct->phone, &ct->email,       &ct->timezone};
    for (int i = 0; i < 6; i++)
        if (v[i])
            *dst[i] = dl_get_string(c, v[i], "controller");
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
    if (v[8])
        dl_parse_financial_year_end(c, v[8], ct);
}

void dl_parse_notice(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"drafted", "last_changed", "intro"};
    const ynode *v[3];
    if (!FIELDS(c, n, "notice", keys, v))
        return;
    if (v[0])
        dl_get_date(c, v[0], "notice.drafted", &c->d->drafted);
    if (v[1])
        dl_get_date(c, v[1], "notice.last_changed", &c->d->last_changed);
    if (v[2]) {
        c->d->intro_loc = dl_loc_of(v[2]);
        dl_get_text(c, v[2], "notice.intro", &c->d->intro);
    }
    if (v[0] && v[1] && c->d->drafted.y && c->d->last_changed.y &&
        (c->d->last_changed.y * 10000 + c->d->last_changed.m * 100 + c->d->last_changed.d) <
            (c->d->drafted.y * 10000 + c->d->drafted.m * 100 + c->d->drafted.d))
        ERR_AT(c, v[1], "notice.last_changed: earlier than notice.drafted");
}

void dl_each_exclusion(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id", "!text"};
    const ynode *v[2];
    struct rk_exclusion *x = item;
    x->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "out_of_scope item", keys, v))
        return;
    if (v[0])
        x->id = dl_get_id(c, v[0], "out_of_scope.id");
    if (v[1])
        dl_get_text(c, v[1], "out_of_scope.text", &x->text);
}

static const char *keep_evidence_id(unsigned i) { return i == 0 ? "legal_claims" : "?"; }

void dl_each_purpose(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {
        "!id",     "!name",          "description", "!basis",          "legitimate_interest",
        "consent", "balancing_test", "profiling",   "direct_marketing"};
    const ynode *v[9];
    struct rk_purpose *p = item;
    p->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "purpose", keys, v))
        return;
    if (v[0])
        p->id = dl_get_id(c, v[0], "purpose.id");
    if (v[1])
        dl_get_text(c, v[1], "purpose.name", &p->name);
    if (v[2])
        dl_get_text(c, v[2], "purpose.description", &p->description);
    int basis = v[3] ? dl_get_enum(c, v[3], "purpose.basis", dl_basis_id, RK_BASIS__COUNT) : -1;
    p->basis = basis < 0 ? RK_BASIS_CONSENT : (enum rk_basis)basis;
    if (v[4]) {
        if (basis >= 0 && p->basis != RK_BASIS_LEGITIMATE_INTERESTS)
            ERR_AT(c, v[4], "purpose.legitimate_interest: only for basis legitimate_interests");
        dl_get_text(c, v[4], "purpose.legitimate_interest", &p->legitimate_interest);
    }
    if (v[6]) {
        if (basis >= 0 && p->basis != RK_BASIS_LEGITIMATE_INTERESTS)
            ERR_AT(c, v[6], "purpose.balancing_test: only for basis legitimate_interests");
        dl_get_text(c, v[6], "purpose.balancing_test", &p->balancing_test);
    }
    if (v[7])
        dl_parse_profiling(c, v[7], &p->profiling);
    if (v[8])
        dl_parse_marketing(c, v[8], &p->marketing);
    if (v[5]) {
        static const char *const ckeys[] = {"validity", "withdrawal", "keep_evidence"};
        const ynode *cv[3];
        if (basis >= 0 && p->basis != RK_BASIS_CONSENT)
            ERR_AT(c, v[5], "purpose.consent: only for purposes with basis consent");
        if (FIELDS(c, v[5], "purpose.consent", ckeys, cv)) {
            if (cv[0])
                dl_get_duration(c, cv[0], "purpose.consent.validity", &p->consent_validity);
            if (cv[1])
                p->withdrawal = dl_get_bits(c, cv[1], "purpose.consent.withdrawal",
                                            dl_withdrawal_id, RK_WITHDRAW__COUNT);
            if (cv[2])
                p->keep_consent_evidence = dl_get_enum(c, cv[2], "purpose.consent.keep_evidence",
                                                       keep_evidence_id, 1) == 0;
        }
    }
}

static void parse_erasure(struct ctx *c, const ynode *n, struct rk_erasure *e) {
    if (n->type == RK_Y_SCALAR) { /* the one scalar form: "delete" */
        (void)dl_get_enum(c, n, "category.erasure", dl_erase_id, 1);
        e->rule = RK_ERASE_DELETE;
        return;
    }
    static const char *const keys[] = {"!keep_years", "from", "!obligation"};
    const ynode *v[3];
    e->rule = RK_ERASE_KEEP;
    if (!FIELDS(c, n, "category.erasure", keys, v))
        return;
    if (v[0])
        dl_get_integer(c, v[0], "category.erasure.keep_years", 100, &e->keep_years);
    if (v[1]) {
        int f = dl_get_enum(c, v[1], "category.erasure.from", dl_from_id, 3);
        e->from = f < 0 ? RK_FROM_EVENT : (enum rk_erasure_from)f;
    }
    if (v[2])
        dl_get_text(c, v[2], "category.erasure.obligation", &e->obligation);
}

static void each_choice(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id", "!name"};
    const ynode *v[2];
    struct rk_choice *ch = item;
    if (!FIELDS(c, n, "category.choices", keys, v))
        return;
    if (v[0])
        ch->id = dl_get_id(c, v[0], "category.choices.id");
    if (v[1])
        dl_get_text(c, v[1], "category.choices.name", &ch->name);
}

void dl_each_category(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",     "!name",   "kind",      "from_subject", "erasure",
                                       "choices", "special", "condition", "law"};
    const ynode *v[9];
    struct rk_category *cat = item;
    cat->loc = dl_loc_of(n);
    cat->kind = RK_CAT_OTHER;
    if (!FIELDS(c, n, "category", keys, v))
        return;
    if (v[0])
        cat->id = dl_get_id(c, v[0], "category.id");
    if (v[1])
        dl_get_text(c, v[1], "category.name", &cat->name);
    if (v[2]) {
        int k = dl_get_enum(c, v[2], "category.kind", dl_kind_id, RK_CAT__COUNT);
        if (k >= 0)
            cat->kind = (enum rk_category_kind)k;
    }
    if (v[3])
        dl_get_bool(c, v[3], "category.from_subject", &cat->from_subject);
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
        cat->choices = dl_section(c, v[5], "category.choices", sizeof *cat->choices, true, true,
                                  each_choice, &cat->nchoices);
        if (cat->nchoices > RK_CHOICES_MAX)
            ERR_AT(c, v[5], "category.choices: at most %d choices", RK_CHOICES_MAX);
    }
    dl_parse_special(c, v[6], v[7], v[8], cat);
}

static void parse_retention(struct ctx *c, const ynode *n, struct rk_retention *r) {
    static const char *const keys[] = {"until", "grace", "period", "prospects", "text"};
    const ynode *v[5];
    r->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "register.retention", keys, v))
        return;
    if (v[0] && dl_get_list(c, v[0], "register.retention.until", true))
        r->until = dl_get_bits(c, v[0], "register.retention.until", dl_until_id, RK_UNTIL__COUNT);
    if (v[1])
        dl_get_duration(c, v[1], "register.retention.grace", &r->grace);
    if (v[2])
        dl_get_duration(c, v[2], "register.retention.period", &r->period);
    if (v[3])
        dl_get_duration(c, v[3], "register.retention.prospects", &r->prospects);
    if (v[4])
        dl_get_text(c, v[4], "register.retention.text", &r->text);
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

void dl_each_register(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",       "!name",     "!subjects", "!categories",
                                       "!purposes", "retention", "children"};
    const ynode *v[7];
    struct rk_register *r = item;
    struct rk_decl *d = c->d;
    r->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "register", keys, v))
        return;
    if (v[0])
        r->id = dl_get_id(c, v[0], "register.id");
    if (v[1])
        dl_get_text(c, v[1], "register.name", &r->name);
    if (v[2])
        dl_get_text(c, v[2], "register.subjects", &r->subjects);
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
    if (v[6])
        dl_parse_children(c, v[6], &r->children);
}

bool rk_register_has_purpose(const struct rk_register *r, const struct rk_purpose *p) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (r->purposes[i] == p)
            return true;
    return false;
}

bool rk_source_feeds(const struct rk_source *s, const struct rk_register *r,
                     const struct rk_purpose *p) {
    bool reg = false, purpose = s->npurposes == 0;
    for (size_t i = 0; i < s->nregisters && !reg; i++)
        reg = s->registers[i] == r;
    for (size_t i = 0; i < s->npurposes && !purpose; i++)
        purpose = s->purposes[i] == p;
    return reg && purpose;
}

bool rk_decl_source_allowed(const struct rk_decl *d, enum rk_source_kind k,
                            const struct rk_register *r, const struct rk_purpose *p) {
    if (d->nsources == 0)
        return true;
    for (size_t i = 0; i < d->nsources; i++)
        if (d->sources[i].kind == k && rk_source_feeds(&d->sources[i], r, p))
            return true;
    return false;
}

void dl_each_source(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!kind",    "detail", "note",      "!registers",
                                       "purposes", "name",   "categories"};
    const ynode *v[7];
    struct rk_source *s = item;
    struct rk_decl *d = c->d;
    s->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "source", keys, v))
        return;
    int k = v[0] ? dl_get_enum(c, v[0], "source.kind", dl_source_id, RK_SRC__COUNT) : -1;
    if (k >= 0)
        s->kind = (enum rk_source_kind)k;
    if (v[1])
        dl_get_text(c, v[1], "source.detail", &s->detail);
    if (v[2])
        dl_get_text(c, v[2], "source.note", &s->note);
    if (v[3])
        s->registers = (struct rk_register **)REFS(c, v[3], "source.registers", "register",
                                                   d->registers, d->nregisters, &s->nregisters);
    if (v[5])
        dl_get_text(c, v[5], "source.name", &s->name);
    if (v[6]) {
        s->categories = (struct rk_category **)REFS(c, v[6], "source.categories", "category",
                                                    d->categories, d->ncategories, &s->ncategories);
        for (size_t i = 0; i < s->ncategories; i++) {
            bool held = false;
            for (size_t j = 0; j < s->nregisters; j++)
                for (size_t m = 0; m < s->registers[j]->ncategories; m++)
                    held |= s->registers[j]->categories[m] == s->categories[i];
            if (!held)
                ERR_AT(c, v[6],
                       "source.categories: '%s' is not a category of any of this source's "
                       "registers",
                       s->categories[i]->id);
        }
    }
    if (!v[4])
        return;
    s->purposes = (struct rk_purpose **)REFS(c, v[4], "source.purposes", "purpose", d->purposes,
                                             d->npurposes, &s->npurposes);
    for (size_t i = 0; i < s->npurposes; i++) {
        bool used = false;
        for (size_t j = 0; j < s->nregisters; j++)
            used |= rk_register_has_purpose(s->registers[j], s->purposes[i]);
        if (!used)
            ERR_AT(c, v[4],
                   "source.purposes: '%s' is not a purpose of any of this source's "
                   "registers",
                   s->purposes[i]->id);
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
        dl_parse_notice(c, v[NOTICE]);
    if (v[CONTROLLER])
        dl_parse_controller(c, v[CONTROLLER]);
    d->exclusions = dl_section(c, v[SCOPE], "out_of_scope", sizeof *d->exclusions, false, true,
                               dl_each_exclusion, &d->nexclusions);
    /* Order matters from here: each section may name items of those before it. */
    d->purposes = dl_section(c, v[PURPOSES], "purposes", sizeof *d->purposes, true, true,
                             dl_each_purpose, &d->npurposes);
    d->categories = dl_section(c, v[CATEGORIES], "categories", sizeof *d->categories, true, true,
                               dl_each_category, &d->ncategories);
    d->registers = dl_section(c, v[REGISTERS], "registers", sizeof *d->registers, true, true,
                              dl_each_register, &d->nregisters);
    d->sources = dl_section(c, v[SOURCES], "sources", sizeof *d->sources, false, false,
                            dl_each_source, &d->nsources);
    d->recipients = dl_section(c, v[RECIPIENTS], "recipients", sizeof *d->recipients, false, true,
                               dl_each_recipient, &d->nrecipients);
    for (size_t i = 0; i < d->nrecipients; i++)
        for (size_t j = 0; j < i; j++)
            if (d->recipients[i].mailchimp.declared && d->recipients[j].mailchimp.declared &&
                strcmp(d->recipients[i].mailchimp.list_id, d->recipients[j].mailchimp.list_id) == 0)
                rk_diags_add(c->diags, d->recipients[i].mailchimp.loc.line,
                             d->recipients[i].mailchimp.loc.col,
                             "recipient.mailchimp.list_id: list '%s' is already declared by "
                             "recipient '%s'; one recipient per Mailchimp list",
                             d->recipients[i].mailchimp.list_id, d->recipients[j].id);
    if (v[PROVISION]) {
        d->provision_loc = dl_loc_of(v[PROVISION]);
        dl_get_text(c, v[PROVISION], "provision", &d->provision);
    }
    if (v[TRANSFERS]) {
        d->transfers_note_loc = dl_loc_of(v[TRANSFERS]);
        dl_get_text(c, v[TRANSFERS], "transfers_note", &d->transfers_note);
    }
    if (v[COOKIES])
        dl_parse_cookies(c, v[COOKIES]);
    if (v[RIGHTS])
        dl_parse_rights(c, v[RIGHTS]);
    if (v[AUTHORITY])
        dl_parse_authority(c, v[AUTHORITY]);
    if (v[SECURITY])
        dl_parse_security(c, v[SECURITY]);
    d->roles =
        dl_section(c, v[ROLES], "roles", sizeof *d->roles, false, true, dl_each_role, &d->nroles);
    d->forms =
        dl_section(c, v[FORMS], "forms", sizeof *d->forms, false, true, dl_each_form, &d->nforms);
    d->mail_limits.min_interval = RK_MAIL_MIN_INTERVAL_DEFAULT;
    d->mail_limits.per_day = RK_MAIL_PER_DAY_DEFAULT;
    if (v[MAIL_LIMITS])
        dl_parse_mail_limits(c, v[MAIL_LIMITS]);
    if (v[BRANDING])
        dl_parse_branding(c, v[BRANDING]);
    if (!d->branding.name)
        d->branding.name = d->controller.name;
    if (v[MAIL])
        dl_parse_mail(c, v[MAIL]);
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
