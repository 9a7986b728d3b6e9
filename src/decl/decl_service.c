/*
 * decl_service.c — the declaration's sections about the service: the data subjects'
 * rights, mail limits, the supervisory authority, staff security and roles, forms,
 * branding and mail (part of the loader, schema.h).
 */
#include "decl/schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *adm_basis_id(unsigned i) { return rk_adm_basis_id((enum rk_adm_basis)(i + 1)); }
static const char *adm_safeguard_id(unsigned i) {
    return rk_adm_safeguard_id((enum rk_adm_safeguard)(1u << i));
}

void dl_parse_rights(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {
        "!verification",          "instructions",    "automated_decisions", "automated_logic",
        "automated_consequences", "automated_basis", "automated_safeguards"};
    const ynode *v[7];
    struct rk_rights *r = &c->d->rights;
    r->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "rights", keys, v))
        return;
    if (v[0]) {
        r->verification =
            dl_get_bits(c, v[0], "rights.verification", dl_verify_id, RK_VERIFY__COUNT);
        if (v[0]->type == RK_Y_SEQ && v[0]->n == 0)
            ERR_AT(c, v[0], "rights.verification: name at least one method (%s, %s)",
                   dl_verify_id(0), dl_verify_id(1));
    }
    if (v[1])
        dl_get_text(c, v[1], "rights.instructions", &r->instructions);
    if (v[2])
        dl_get_bool(c, v[2], "rights.automated_decisions", &r->automated_decisions);
    if (v[3])
        dl_get_text(c, v[3], "rights.automated_logic", &r->automated_logic);
    if (v[2] && r->automated_decisions && !v[3])
        ERR_AT(c, v[2],
               "rights: automated_decisions is true, so automated_logic must describe "
               "the logic involved (art 15(1)(h))");
    if (!r->automated_decisions && v[3])
        ERR_AT(c, v[3], "rights.automated_logic: only with 'automated_decisions: true'");
    for (int i = 4; i < 7; i++)
        if (v[i] && !r->automated_decisions)
            ERR_AT(c, v[i], "rights.%s: only with 'automated_decisions: true'", keys[i]);
    if (v[4])
        dl_get_text(c, v[4], "rights.automated_consequences", &r->automated_consequences);
    if (v[5]) {
        int b = dl_get_enum(c, v[5], "rights.automated_basis", adm_basis_id, RK_ADM__COUNT - 1);
        if (b >= 0)
            r->automated_basis = (enum rk_adm_basis)(b + 1);
    }
    if (v[6])
        r->automated_safeguards = dl_get_bits(c, v[6], "rights.automated_safeguards",
                                              adm_safeguard_id, RK_ADM_SAFEGUARD__COUNT);
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
                !dl_parse_uint(n->str, digits, 99999, &v))
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
           n->type == RK_Y_SCALAR ? n->str : dl_type_name(n));
    return false;
}

void dl_parse_mail_limits(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"min_interval", "per_day"};
    const ynode *v[2];
    struct rk_mail_limits *m = &c->d->mail_limits;
    m->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "mail_limits", keys, v))
        return;
    if (v[0])
        get_interval(c, v[0], "mail_limits.min_interval", RK_MAIL_MIN_INTERVAL_MAX,
                     &m->min_interval);
    if (v[1] && !dl_get_integer(c, v[1], "mail_limits.per_day", RK_MAIL_PER_DAY_MAX, &m->per_day))
        m->per_day = RK_MAIL_PER_DAY_DEFAULT;
}

void dl_parse_authority(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"!name", "address", "postal_address",
                                       "phone", "email",   "url"};
    const ynode *v[6];
    struct rk_authority *a = &c->d->authority;
    if (!FIELDS(c, n, "supervisory_authority", keys, v))
        return;
    if (v[0])
        dl_get_text(c, v[0], "supervisory_authority.name", &a->name);
    const char **dst[] = {&a->address, &a->postal_address, &a->phone, &a->email, &a->url};
    for (int i = 0; i < 5; i++)
        if (v[i + 1])
            *dst[i] = dl_get_string(c, v[i + 1], "supervisory_authority");
}

void dl_parse_security(struct ctx *c, const ynode *n) {
    struct rk_decl *d = c->d;
    d->security_loc = dl_loc_of(n);
    if (!dl_get_list(c, n, "security", false) || n->n == 0)
        return;
    d->security = dl_alloc(c, n->n * sizeof *d->security);
    if (!d->security)
        return;
    for (size_t i = 0; i < n->n; i++)
        if (dl_get_text(c, n->items[i], "security", &d->security[d->nsecurity]))
            d->nsecurity++;
}

void dl_each_role(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",        "!name",    "!registers",
                                       "categories", "requests", "staff"};
    const ynode *v[6];
    struct rk_role *r = item;
    struct rk_decl *d = c->d;
    r->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "role", keys, v))
        return;
    if (v[0])
        r->id = dl_get_id(c, v[0], "role.id");
    if (v[1])
        dl_get_text(c, v[1], "role.name", &r->name);
    if (v[2])
        r->registers = (struct rk_register **)REFS(c, v[2], "role.registers", "register",
                                                   d->registers, d->nregisters, &r->nregisters);
    if (v[3])
        r->categories = (struct rk_category **)REFS(c, v[3], "role.categories", "category",
                                                    d->categories, d->ncategories, &r->ncategories);
    if (v[4])
        dl_get_bool(c, v[4], "role.requests", &r->requests);
    if (v[5])
        dl_get_bool(c, v[5], "role.staff", &r->staff);
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
void *dl_ref_one(struct ctx *c, const ynode *n, const char *what, const char *kind, void *arr,
                 size_t count, size_t size) {
    const char *id = dl_get_id(c, n, what);
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
    static const char *const fields[] = {"name",     "email",        "phone",
                                         "position", "organisation", "interests"};
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
    if (!dl_get_list(c, n, "form.fields", true))
        return;
    f->fields = dl_alloc(c, n->n * sizeof(struct rk_category *));
    f->labels = dl_alloc(c, n->n * sizeof *f->labels);
    if (!f->fields || !f->labels)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const ynode *item = n->items[i], *v[2] = {item, NULL};
        if (item->type == RK_Y_MAP && !FIELDS(c, item, "form.fields", keys, v))
            continue;
        if (!v[0])
            continue;
        struct rk_category *cat = dl_ref_one(c, v[0], "form.fields", "category", d->categories,
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
            dl_get_text(c, v[1], "form.fields.label", &f->labels[k]);
        f->fields[k++] = cat;
    }
    f->nfields = k;
}

void dl_each_form(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",     "!name",    "!register", "!purpose",
                                       "!fields", "required", "origins",   "!consent_text"};
    const ynode *v[8];
    struct rk_form *f = item;
    struct rk_decl *d = c->d;
    f->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "form", keys, v))
        return;
    if (v[0])
        f->id = dl_get_id(c, v[0], "form.id");
    if (v[1])
        dl_get_text(c, v[1], "form.name", &f->name);
    if (v[2])
        f->reg = dl_ref_one(c, v[2], "form.register", "register", d->registers, d->nregisters,
                            sizeof *d->registers);
    if (v[3])
        f->purpose = dl_ref_one(c, v[3], "form.purpose", "purpose", d->purposes, d->npurposes,
                                sizeof *d->purposes);
    if (v[4])
        form_fields(c, v[4], f);
    if (v[5])
        f->required = (struct rk_category **)REFS(c, v[5], "form.required", "category",
                                                  d->categories, d->ncategories, &f->nrequired);
    if (v[7])
        dl_get_text(c, v[7], "form.consent_text", &f->consent_text);
    if (v[6] && dl_get_list(c, v[6], "form.origins", false)) {
        if (v[6]->n > RK_FORM_MAX_ORIGINS)
            ERR_AT(c, v[6] ? v[6] : n, "form.origins: at most %d origins", RK_FORM_MAX_ORIGINS);
        for (size_t i = 0; i < v[6]->n && i < RK_FORM_MAX_ORIGINS; i++) {
            const char *o = dl_get_string(c, v[6]->items[i], "form.origins");
            if (o && !dl_origin_ok(o))
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
    if (f->reg && f->purpose && !rk_register_has_purpose(f->reg, f->purpose))
        ERR_AT(c, v[3] ? v[3] : n, "form.purpose: register '%s' does not declare purpose '%s'",
               f->reg->id, f->purpose->id);
    bool email = false;
    for (size_t i = 0; i < f->nfields; i++) {
        const struct rk_category *cat = f->fields[i];
        email |= strcmp(cat->id, "email") == 0;
        bool held = false;
        for (size_t j = 0; f->reg && j < f->reg->ncategories; j++)
            held |= f->reg->categories[j] == cat;
        if (f->reg && !held)
            ERR_AT(c, v[4] ? v[4] : n, "form.fields: register '%s' does not hold category '%s'",
                   f->reg->id, cat->id);
        if (!contact_field(cat->id))
            ERR_AT(c, v[4] ? v[4] : n,
                   "form.fields: category '%s' is not a contact field a form can collect "
                   "(name, email, phone, position, organisation, interests)",
                   cat->id);
    }
    if (v[4] && !email)
        ERR_AT(c, v[4] ? v[4] : n,
               "form.fields: a form needs 'email' (the confirmation link is emailed)");
    for (size_t i = 0; i < f->nrequired; i++) {
        bool listed = false;
        for (size_t j = 0; j < f->nfields; j++)
            listed |= f->fields[j] == f->required[i];
        if (!listed)
            ERR_AT(c, v[5] ? v[5] : n, "form.required: '%s' is not among the form's fields",
                   f->required[i]->id);
    }
    bool web = false;
    for (size_t i = 0; i < d->nsources; i++)
        web |= d->sources[i].kind == RK_SRC_WEB_FORM &&
               rk_source_feeds(&d->sources[i], f->reg, f->purpose);
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
        dl_get_text(c, v[0], "branding.links.label", &l->label);
    if (v[1] && (l->url = dl_get_string(c, v[1], "branding.links.url")) && !link_url_ok(l->url)) {
        ERR_AT(c, v[1],
               "branding.links.url: expected an https:// or http:// address of printable "
               "characters without spaces, quotes or angle brackets");
        l->url = NULL;
    }
}

/* A file path beside the declaration: relative, no "..", no control characters. */
static const char *get_brand_path(struct ctx *c, const ynode *n, const char *what) {
    const char *p = dl_get_string(c, n, what);
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

void dl_parse_branding(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"name", "logo", "accent", "links", "stylesheet"};
    const ynode *v[5];
    struct rk_branding *b = &c->d->branding;
    b->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "branding", keys, v))
        return;
    if (v[0])
        b->name = dl_get_string(c, v[0], "branding.name");
    if (v[1]) {
        b->logo = get_brand_path(c, v[1], "branding.logo");
        b->logo_loc = dl_loc_of(v[1]);
    }
    if (v[2]) {
        const char *a = dl_get_string(c, v[2], "branding.accent");
        b->accent_loc = dl_loc_of(v[2]);
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
        b->links = dl_section(c, v[3], "branding.links", sizeof *b->links, false, false,
                              each_brand_link, &b->nlinks);
        if (b->nlinks > RK_BRAND_LINKS_MAX)
            ERR_AT(c, v[3], "branding.links: at most %d links", RK_BRAND_LINKS_MAX);
    }
    if (v[4]) {
        b->stylesheet = get_brand_path(c, v[4], "branding.stylesheet");
        b->stylesheet_loc = dl_loc_of(v[4]);
    }
}

void dl_parse_mail(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"from", "reply_to"};
    const ynode *v[2];
    struct rk_mail_headers *m = &c->d->mail;
    m->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "mail", keys, v))
        return;
    const char **dst[] = {&m->from, &m->reply_to};
    const char *what[] = {"mail.from", "mail.reply_to"};
    for (int i = 0; i < 2; i++) {
        if (!v[i] || !(*dst[i] = dl_get_string(c, v[i], what[i])))
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
