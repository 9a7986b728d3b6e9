/*
 * rights.c — the data-subject rights (see rights.h and docs/rights.md).
 *
 * Erasure, the one hard part, runs in this order inside one transaction:
 *   1. read what is held (entries, contracts, invoices, consent purposes);
 *   2. queue the art 19 notices (they need the entries to find recipients);
 *   3. suppress every email and phone held (reason erasure), and append the
 *      erasure to the journal (core/journal.h), fsynced before the commit;
 *   4. delete entries, then provenance and organisation rows left unused;
 *   5. consent ledger and state: delete, except purposes declaring
 *      keep_evidence (ledger and its derived state stay, the person restricted);
 *   6. contracts and invoices: restrict what a legal obligation keeps,
 *      delete the rest; signups, outbox messages and tasks are deleted;
 *   7. delete the person when nothing is kept, else restrict the person;
 *   8. audit (pseudonymous id and counts only).
 * Invariant: after a commit, no table but invoice, contract and
 * consent_event (restricted, kept rows), suppression (hashes), audit
 * (pseudonymous) and recipient_notice (to be delivered) refers to the person.
 *
 * The retention sweep erases one register at a time (rk_rights_erase_from):
 * steps 2 (that register's recipients), 4 (its entry) and 6 (its contracts
 * and invoices) by the same code, no suppression, and rk_rights_settle for
 * steps 5 and 7 once the person is in no register.
 *
 * The access document is written as JSON text straight into an rk_buf
 * (rk_buf_put_json_str escapes), beside the HTML page, in one pass.
 */
#include "core/rights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/consent.h"
#include "core/journal.h"
#include "core/notify.h"
#include "mail/mail.h"
#include "decl/labels.h"

#define MAX_HELD 32 /* entries of one person: one per register */

/* ---- Shared ------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static rk_err say(struct rk_msg *msg, rk_err err,
                                                        const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg->text, sizeof msg->text, fmt, ap);
    va_end(ap);
    return err;
}

static rk_err store_failed(struct rk_msg *msg, rk_err err) {
    if (!msg->text[0] && err == RK_ESTORAGE) /* the store's message names the cause */
        say(msg, err, "%s", rk_store_last_error());
    else if (!msg->text[0])
        say(msg, err, "storage failed: %s (%s)", rk_err_str(err), rk_store_last_error());
    return err;
}

/* The person's flags; RK_ENOENT with a message when there is no such person. */
static rk_err person_flags(struct rk_reg *reg, const char *id, bool *restricted, bool *objected,
                           struct rk_msg *msg) {
    rk_err err = rk_store_person_exists(reg->store, id, restricted, objected);
    if (err == RK_ENOENT)
        return say(msg, RK_ENOENT, "no person with id '%s'", id);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* The person's entries, copied (one per register). */
struct held {
    struct rk_entry *e[MAX_HELD];
    size_t n;
    bool oom;
};

static int hold_entry(void *ctx, const struct rk_entry *e) {
    struct held *h = ctx;
    if (h->n >= MAX_HELD)
        return 0;
    struct rk_entry *copy = malloc(sizeof *copy);
    if (!copy) {
        h->oom = true;
        return 1;
    }
    memcpy(copy, e, sizeof *copy);
    /* v[] points into e->buf: repoint into the copy's buffer. */
    for (int f = 0; f < RK_F__COUNT; f++)
        if (e->v[f])
            copy->v[f] = copy->buf + (e->v[f] - e->buf);
    h->e[h->n++] = copy;
    return 0;
}

static void held_free(struct held *h) {
    for (size_t i = 0; i < h->n; i++)
        free(h->e[i]);
    h->n = 0;
}

static rk_err load_held(struct rk_reg *reg, const char *person_id, struct held *h) {
    memset(h, 0, sizeof *h);
    rk_err err = rk_store_entries_of_person(reg->store, person_id, hold_entry, h);
    if (err == RK_OK && h->oom)
        err = RK_ENOMEM;
    if (err != RK_OK)
        held_free(h);
    return err;
}

static rk_err audit(struct rk_reg *reg, rk_ts at, const char *action, const char *person_id,
                    const char *detail) {
    return rk_audit_append(reg->store, &reg->keys, at, reg->actor, action, person_id, detail);
}

/* "request RID" or "staff", for audit details (the request id is pseudonymous). */
static void request_detail(const char *request_id, const char *what, char *out, size_t n) {
    int w = request_id ? snprintf(out, n, "%s; request %.60s", what, request_id)
                       : snprintf(out, n, "%s; staff", what);
    if (w < 0 && n)
        out[0] = '\0';
}

static bool register_has_purpose(const struct rk_register *r, const struct rk_purpose *p) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (r->purposes[i] == p)
            return true;
    return false;
}

static const struct rk_category *register_kind(const struct rk_register *r,
                                               enum rk_category_kind k) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (r->categories[i]->kind == k)
            return r->categories[i];
    return NULL;
}

/* ---- A small JSON writer over rk_buf ------------------------------------------------------- */

struct jw {
    struct rk_buf *b; /* NULL: write nothing */
    int depth;
    bool first[32];
};

static void jw_key(struct jw *w, const char *key) {
    if (!w->b)
        return;
    if (!w->first[w->depth])
        rk_buf_putc(w->b, ',');
    w->first[w->depth] = false;
    if (key) {
        rk_buf_put_json_str(w->b, key);
        rk_buf_putc(w->b, ':');
    }
}

static void jw_open(struct jw *w, const char *key, char c) {
    jw_key(w, key);
    if (!w->b)
        return;
    rk_buf_putc(w->b, c);
    if (w->depth < 31)
        w->first[++w->depth] = true;
}

static void jw_close(struct jw *w, char c) {
    if (!w->b)
        return;
    rk_buf_putc(w->b, c);
    if (w->depth > 0)
        w->depth--;
}

static void jw_str(struct jw *w, const char *key, const char *v) {
    jw_key(w, key);
    if (w->b)
        rk_buf_put_json_str(w->b, v);
}

static void jw_int(struct jw *w, const char *key, int64_t v) {
    jw_key(w, key);
    if (w->b)
        rk_buf_printf(w->b, "%lld", (long long)v);
}

static void jw_bool(struct jw *w, const char *key, bool v) {
    jw_key(w, key);
    if (w->b)
        rk_buf_puts(w->b, v ? "true" : "false");
}

static void jw_ts(struct jw *w, const char *key, rk_ts t) {
    char s[RK_TS_LEN + 1];
    if (!t) {
        jw_str(w, key, NULL);
        return;
    }
    rk_ts_format(t, s);
    jw_str(w, key, s);
}

/* ---- The access document ------------------------------------------------------------------ */

struct doc {
    struct rk_reg *reg;
    enum rk_lang lang;
    struct jw j;
    struct rk_buf *h; /* NULL: no HTML */
    struct rk_buf tmp;
    struct held held;
    rk_err err;
    int rows; /* data rows and list items written to the HTML: empty sections are left out */
};

#define L(fi, en) RK_PICK(d->lang, fi, en)

static void h_puts(struct doc *d, const char *s) {
    if (d->h)
        rk_buf_puts(d->h, s);
}

static void h_text(struct doc *d, const char *s) {
    if (d->h && s)
        rk_buf_put_html(d->h, s);
}

static void h_el(struct doc *d, const char *tag, const char *s) {
    if (!d->h)
        return;
    if (strcmp(tag, "li") == 0 || strcmp(tag, "p") == 0)
        d->rows++;
    rk_buf_printf(d->h, "<%s>", tag);
    rk_buf_put_html(d->h, s ? s : "");
    rk_buf_printf(d->h, "</%s>\n", tag);
}

/*
 * A table row of cells (NULL-terminated), th for a header row. Every data cell
 * is isolated in <bdi>: the rows hold the stored values (names, emails,
 * evidence, services, invoice numbers), which may hold right-to-left text or,
 * from before the text rule of base/normalize.h, a direction control that
 * would otherwise reorder the rest of the row; a label isolated costs nothing.
 */
static void h_row(struct doc *d, int th, ...) { /* int: va_start needs an unpromoted type */
    if (!d->h)
        return;
    va_list ap;
    va_start(ap, th);
    if (!th)
        d->rows++;
    rk_buf_puts(d->h, "<tr>");
    for (const char *c = va_arg(ap, const char *); c; c = va_arg(ap, const char *)) {
        rk_buf_puts(d->h, th ? "<th>" : "<td>");
        if (th)
            rk_buf_put_html(d->h, c);
        else
            rk_buf_put_html_bdi(d->h, c);
        rk_buf_puts(d->h, th ? "</th>" : "</td>");
    }
    rk_buf_puts(d->h, "</tr>\n");
    va_end(ap);
}

/* tmp as a string after filling it with fn. */
static const char *tmp_reset(struct doc *d) {
    rk_buf_reset(&d->tmp);
    return "";
}

static const char *tmp_str(struct doc *d) {
    rk_buf_putc(&d->tmp, '\0');
    return d->tmp.data ? d->tmp.data : "";
}

static bool held_register(const struct doc *d, const struct rk_register *r) {
    for (size_t i = 0; i < d->held.n; i++)
        if (strcmp(d->held.e[i]->register_id, r->id) == 0)
            return true;
    return false;
}

static void section(struct doc *d, const char *title) { h_el(d, "h2", title); }

/*
 * Empty sections are left out of the HTML (the JSON keeps every key): a part
 * starts with h_mark, and h_drop_empty takes back what it wrote when it wrote
 * no row, list item or paragraph of its own.
 */
struct h_mark {
    size_t len;
    int rows;
};

static struct h_mark h_mark(const struct doc *d) {
    return (struct h_mark){d->h ? d->h->len : 0, d->rows};
}

static void h_drop_empty(struct doc *d, struct h_mark m) {
    if (d->h && d->rows == m.rows && d->h->len >= m.len)
        d->h->len = m.len;
}

/* A local date in the document's language: 7.1.2027 / 7 January 2027 ("" for none). */
static const char *h_date(const struct doc *d, struct rk_date day, char *out, size_t n) {
    if (!day.y) {
        out[0] = '\0';
        return out;
    }
    rk_date_format(day, d->lang, out, n);
    return out;
}

/* A consent event in words. */
static const char *consent_words(const struct doc *d, enum rk_consent_kind k, bool pending) {
    switch (k) {
    case RK_CE_GIVEN:
        return pending
                   ? RK_PICK(d->lang, "annettu, odotti vahvistusta", "given, awaiting confirmation")
                   : RK_PICK(d->lang, "annettu", "given");
    case RK_CE_CONFIRMED: return RK_PICK(d->lang, "vahvistettu", "confirmed");
    case RK_CE_WITHDRAWN: return RK_PICK(d->lang, "peruttu", "withdrawn");
    case RK_CE_EXPIRED: return RK_PICK(d->lang, "päättynyt voimassaoloajan jälkeen", "expired");
    }
    return "";
}

/* How a consent event came: a source kind's words, or the service's own channels'. */
static const char *channel_words(const struct doc *d, const char *ch) {
    static const struct {
        const char *id, *fi, *en;
    } own[] = {
        {"unsubscribe_link", "viestin peruutuslinkki", "the unsubscribe link in a message"},
        {"preferences", "asetussivu", "the preferences page"},
        {"request", "tietosuojapyyntösi", "your data protection request"},
        {"retention_sweep", "säilytysajan päättyminen", "the end of the retention period"},
        {"objection", "vastustamisesi", "your objection"},
        {"mailchimp", "uutiskirjepalvelu (Mailchimp)", "the newsletter service (Mailchimp)"},
    };
    if (!ch)
        return "";
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (strcmp(ch, rk_source_kind_id((enum rk_source_kind)k)) == 0)
            return rk_label_source((enum rk_source_kind)k, d->lang);
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(ch, own[i].id) == 0)
            return RK_PICK(d->lang, own[i].fi, own[i].en);
    return ch;
}

/* A legal basis in plain words, without the article. */
static const char *basis_words(const struct doc *d, enum rk_basis b) {
    switch (b) {
    case RK_BASIS_CONSENT: return RK_PICK(d->lang, "suostumuksesi", "your consent");
    case RK_BASIS_CONTRACT: return RK_PICK(d->lang, "sopimus kanssasi", "a contract with you");
    case RK_BASIS_LEGAL_OBLIGATION:
        return RK_PICK(d->lang, "lakisääteinen velvollisuutemme", "a duty the law puts on us");
    case RK_BASIS_VITAL_INTERESTS:
        return RK_PICK(d->lang, "elintärkeän edun suojaaminen",
                       "protecting someone's vital interests");
    case RK_BASIS_PUBLIC_TASK:
        return RK_PICK(d->lang, "yleisen edun mukainen tehtävä", "a task in the public interest");
    case RK_BASIS_LEGITIMATE_INTERESTS:
        return RK_PICK(d->lang, "oikeutettu etumme", "our legitimate interest");
    case RK_BASIS__COUNT: break;
    }
    return "";
}

/* How to exercise the rights, in plain words, naming the controller's address and email
 * rather than a section of the privacy notice. */
static void how_words(const struct doc *d, struct rk_buf *out) {
    const struct rk_decl *decl = d->reg->decl;
    unsigned v = decl->rights.verification;
    bool first = true;
    if (v & RK_VERIFY_IN_PERSON) {
        rk_buf_puts(out, RK_PICK(d->lang, "käymällä luonamme", "by visiting us"));
        if (decl->controller.address)
            rk_buf_printf(out, RK_PICK(d->lang, " (%s)", " at %s"), decl->controller.address);
        rk_buf_puts(out, RK_PICK(d->lang, " henkilöllisyystodistuksen kanssa",
                                 " with an identity document"));
        first = false;
    }
    if (v & RK_VERIFY_EMAIL_CODE) {
        if (!first)
            rk_buf_puts(out, RK_PICK(d->lang, " tai ", " or "));
        rk_buf_puts(out, RK_PICK(d->lang,
                                 "verkkolomakkeella, jolloin vahvistat pyynnön sähköpostiisi "
                                 "lähetetyllä linkillä",
                                 "through the web form, confirming the request with a link we "
                                 "email you"));
    }
}

/* A purpose's declared name (its id when it is no longer declared). */
static const char *purpose_words(const struct doc *d, const char *id) {
    const struct rk_decl *decl = d->reg->decl;
    for (size_t i = 0; id && i < decl->npurposes; i++)
        if (strcmp(decl->purposes[i].id, id) == 0)
            return rk_text_get(&decl->purposes[i].name, d->lang);
    return id ? id : "";
}

static void put_purposes(struct doc *d) {
    const struct rk_decl *decl = d->reg->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Miksi käsittelemme tietojasi", "Why we process your data"));
    h_puts(d, "<ul>\n");
    jw_open(&d->j, "purposes", '[');
    for (size_t i = 0; i < decl->npurposes; i++) {
        const struct rk_purpose *p = &decl->purposes[i];
        bool used = false;
        for (size_t k = 0; k < decl->nregisters; k++)
            used |= held_register(d, &decl->registers[k]) &&
                    register_has_purpose(&decl->registers[k], p);
        if (!used)
            continue;
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "id", p->id);
        jw_str(&d->j, "name", rk_text_get(&p->name, d->lang));
        jw_str(&d->j, "basis", rk_basis_id(p->basis));
        jw_str(&d->j, "article", rk_label_basis_article(p->basis));
        jw_str(&d->j, "basis_text", rk_label_basis(p->basis, d->lang));
        if (rk_text_present(&p->legitimate_interest))
            jw_str(&d->j, "legitimate_interest", rk_text_get(&p->legitimate_interest, d->lang));
        jw_close(&d->j, '}');
        h_puts(d, "<li>");
        d->rows++;
        h_text(d, rk_text_get(&p->name, d->lang));
        h_puts(d, L(" — peruste: ", " — on the basis of "));
        h_text(d, basis_words(d, p->basis));
        if (rk_text_present(&p->legitimate_interest)) {
            h_puts(d, L(" (oikeutettu etu: ", " (legitimate interest: "));
            h_text(d, rk_text_get(&p->legitimate_interest, d->lang));
            h_puts(d, ")");
        }
        h_puts(d, "</li>\n");
    }
    jw_close(&d->j, ']');
    h_puts(d, "</ul>\n");
    h_drop_empty(d, m);
}

struct cat_scan {
    bool contracts, invoices;
};

static int has_contract(void *ctx, const struct rk_contract *c) {
    (void)c;
    ((struct cat_scan *)ctx)->contracts = true;
    return 1;
}

static int has_invoice(void *ctx, const struct rk_invoice *i) {
    (void)i;
    ((struct cat_scan *)ctx)->invoices = true;
    return 1;
}

static void put_categories(struct doc *d, const char *person_id) {
    const struct rk_decl *decl = d->reg->decl;
    struct cat_scan cs = {false, false};
    if (d->err == RK_OK)
        d->err = rk_store_contracts_of_person(d->reg->store, person_id, has_contract, &cs);
    if (d->err == RK_OK)
        d->err = rk_store_invoices_of_person(d->reg->store, person_id, has_invoice, &cs);
    struct h_mark m = h_mark(d);
    section(d, L("Mitä tietoja sinusta on", "What data we hold about you"));
    h_puts(d, "<ul>\n");
    jw_open(&d->j, "categories", '[');
    for (size_t i = 0; i < decl->ncategories; i++) {
        const struct rk_category *c = &decl->categories[i];
        bool used = false;
        int f = rk_field_from_id(c->id);
        for (size_t k = 0; k < d->held.n; k++) {
            const struct rk_register *r = rk_decl_register(decl, d->held.e[k]->register_id);
            if (f >= 0 && d->held.e[k]->v[f])
                used = true;
            if (r && ((cs.contracts && c->kind == RK_CAT_CONTRACT) ||
                      (cs.invoices && c->kind == RK_CAT_BILLING)))
                for (size_t n = 0; n < r->ncategories; n++)
                    used |= r->categories[n] == c;
        }
        if (!used)
            continue;
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "id", c->id);
        jw_str(&d->j, "name", rk_text_get(&c->name, d->lang));
        jw_str(&d->j, "kind", rk_category_kind_id(c->kind));
        jw_bool(&d->j, "from_subject", c->from_subject);
        jw_close(&d->j, '}');
        h_el(d, "li", rk_text_get(&c->name, d->lang));
    }
    jw_close(&d->j, ']');
    h_puts(d, "</ul>\n");
    h_drop_empty(d, m);
}

static void put_recipients(struct doc *d) {
    const struct rk_decl *decl = d->reg->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Kenelle tietojasi luovutetaan", "Who receives your data"));
    h_puts(d, "<table>\n");
    h_row(d, true, L("Vastaanottaja", "Recipient"), L("Rooli", "Role"), L("Maa", "Country"),
          L("Siirron suojatoimet", "Transfer safeguards"), NULL);
    jw_open(&d->j, "recipients", '[');
    for (size_t i = 0; i < decl->nrecipients; i++) {
        const struct rk_recipient *r = &decl->recipients[i];
        bool used = false;
        for (size_t k = 0; k < r->nregisters; k++)
            used |= held_register(d, r->registers[k]);
        if (!used)
            continue;
        bool third = !rk_country_in_eea(r->country);
        const char *safeguard =
            third ? rk_label_transfer(r->transfer, d->lang) : L("ETA:n sisällä", "within the EEA");
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "name", r->name);
        jw_str(&d->j, "role", rk_role_id(r->role));
        jw_str(&d->j, "country", r->country);
        jw_str(&d->j, "country_name", rk_country_name(r->country, d->lang));
        jw_bool(&d->j, "third_country", third);
        jw_str(&d->j, "transfer", third ? rk_transfer_id(r->transfer) : NULL);
        jw_str(&d->j, "safeguards", safeguard);
        if (rk_text_present(&r->purpose))
            jw_str(&d->j, "purpose", rk_text_get(&r->purpose, d->lang));
        jw_close(&d->j, '}');
        h_row(d, false, r->name, rk_label_role(r->role, d->lang),
              rk_country_name(r->country, d->lang), safeguard, NULL);
    }
    jw_close(&d->j, ']');
    h_puts(d, "</table>\n");
    int rows = d->rows;
    if (rk_text_present(&decl->transfers_note)) {
        jw_str(&d->j, "transfers_note", rk_text_get(&decl->transfers_note, d->lang));
        h_el(d, "p", rk_text_get(&decl->transfers_note, d->lang));
    }
    if (rows == m.rows) /* no recipient of this person's data: the note alone says nothing */
        d->rows = m.rows;
    h_drop_empty(d, m);
}

static void put_retention(struct doc *d) {
    const struct rk_decl *decl = d->reg->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Kuinka kauan tietojasi säilytetään", "How long we keep your data"));
    jw_open(&d->j, "retention", '[');
    for (size_t i = 0; i < decl->nregisters; i++) {
        const struct rk_register *r = &decl->registers[i];
        if (!held_register(d, r))
            continue;
        tmp_reset(d);
        rk_label_erasure_limits(r, NULL, d->lang, &d->tmp);
        const char *text = tmp_str(d);
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "register", r->id);
        jw_str(&d->j, "name", rk_text_get(&r->name, d->lang));
        jw_str(&d->j, "text", text);
        jw_close(&d->j, '}');
        h_puts(d, "<p><strong>");
        d->rows++;
        h_text(d, rk_text_get(&r->name, d->lang));
        h_puts(d, ":</strong> ");
        h_text(d, text);
        h_puts(d, "</p>\n");
    }
    jw_close(&d->j, ']');
    h_drop_empty(d, m);
}

static void put_rights(struct doc *d) {
    const struct rk_decl *decl = d->reg->decl;
    static const enum rk_right listed[] = {RK_RIGHT_RECTIFICATION, RK_RIGHT_ERASURE,
                                           RK_RIGHT_RESTRICTION,   RK_RIGHT_PORTABILITY,
                                           RK_RIGHT_OBJECTION,     RK_RIGHT_AUTOMATED};
    section(d, L("Muut oikeutesi", "Your other rights"));
    h_puts(d, "<ul>\n");
    jw_open(&d->j, "rights", '{');
    jw_open(&d->j, "list", '[');
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        const char *name = rk_label_right(listed[i], d->lang);
        int art = rk_label_right_article(listed[i]);
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "right", name);
        jw_int(&d->j, "article", art);
        jw_close(&d->j, '}');
        h_el(d, "li", name);
    }
    jw_close(&d->j, ']');
    tmp_reset(d);
    rk_label_verification_methods(decl->rights.verification, d->lang, &d->tmp);
    const char *how = tmp_str(d);
    jw_str(&d->j, "how", how);
    if (rk_text_present(&decl->rights.instructions))
        jw_str(&d->j, "instructions", rk_text_get(&decl->rights.instructions, d->lang));
    jw_close(&d->j, '}');
    h_puts(d, "</ul>\n<p>");
    h_text(d, L("Oikeuksiasi voit käyttää ", "You can exercise your rights "));
    tmp_reset(d);
    how_words(d, &d->tmp);
    h_text(d, tmp_str(d));
    h_puts(d, ".");
    if (rk_text_present(&decl->rights.instructions)) {
        h_puts(d, " ");
        h_text(d, rk_text_get(&decl->rights.instructions, d->lang));
    }
    h_puts(d, "</p>\n");
}

static void put_complaint(struct doc *d) {
    const struct rk_authority *a = &d->reg->decl->authority;
    section(d, L("Oikeus tehdä valitus valvontaviranomaiselle",
                 "The right to complain to the supervisory authority"));
    jw_open(&d->j, "complaint", '{');
    jw_str(&d->j, "authority", rk_text_get(&a->name, d->lang));
    jw_str(&d->j, "address", a->address);
    jw_str(&d->j, "postal_address", a->postal_address);
    jw_str(&d->j, "phone", a->phone);
    jw_str(&d->j, "email", a->email);
    jw_str(&d->j, "url", a->url);
    jw_close(&d->j, '}');
    h_puts(d, "<p>");
    h_text(d, rk_text_get(&a->name, d->lang));
    const char *parts[] = {a->address, a->postal_address, a->phone, a->email, a->url};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (parts[i]) {
            h_puts(d, ", ");
            h_text(d, parts[i]);
        }
    h_puts(d, "</p>\n");
}

/* The declared detail of the first source of kind k into register r ("municipal web pages"). */
static const char *declared_source(const struct rk_decl *decl, const struct rk_register *r,
                                   enum rk_source_kind k, enum rk_lang lang) {
    for (size_t i = 0; i < decl->nsources; i++) {
        const struct rk_source *s = &decl->sources[i];
        if (s->kind != k || !rk_text_present(&s->detail))
            continue;
        for (size_t j = 0; j < s->nregisters; j++)
            if (!r || s->registers[j] == r)
                return rk_text_get(&s->detail, lang);
    }
    return NULL;
}

/* Art 15(1)(g) and the copy: every value with its provenance. */
static void put_entries(struct doc *d) {
    const struct rk_decl *decl = d->reg->decl;
    char buf[1024];
    struct h_mark m = h_mark(d);
    section(d, L("Kopio tiedoistasi ja mistä ne on saatu",
                 "A copy of your data and where it came from"));
    jw_open(&d->j, "entries", '[');
    for (size_t i = 0; i < d->held.n && d->err == RK_OK; i++) {
        const struct rk_entry *e = d->held.e[i];
        const struct rk_register *r = rk_decl_register(decl, e->register_id);
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "register", e->register_id);
        jw_ts(&d->j, "since", e->since);
        jw_open(&d->j, "values", '[');
        h_el(d, "h3", r ? rk_text_get(&r->name, d->lang) : e->register_id);
        h_puts(d, "<table>\n");
        h_row(d, true, L("Tieto", "Data"), L("Arvo", "Value"), L("Lähde", "Source"),
              L("Kerätty", "Collected"), NULL);
        for (int f = 0; f < RK_F__COUNT && d->err == RK_OK; f++) {
            if (!e->v[f])
                continue;
            const struct rk_category *c = rk_decl_category(decl, rk_field_id((enum rk_field)f));
            struct rk_provenance p = {RK_SRC_OTHER_HANDOVER, NULL, NULL, 0, NULL};
            bool has = e->prov[f] != 0;
            if (has) {
                rk_err err =
                    rk_store_provenance_get(d->reg->store, e->prov[f], &p, buf, sizeof buf);
                if (err == RK_ENOENT)
                    has = false;
                else if (err != RK_OK)
                    d->err = err;
            }
            const char *declared = has ? declared_source(decl, r, p.source, d->lang) : NULL;
            jw_open(&d->j, NULL, '{');
            jw_str(&d->j, "category", rk_field_id((enum rk_field)f));
            jw_str(&d->j, "name",
                   c ? rk_text_get(&c->name, d->lang) : rk_field_id((enum rk_field)f));
            jw_str(&d->j, "value", e->v[f]);
            if (has) {
                jw_open(&d->j, "source", '{');
                jw_str(&d->j, "kind", rk_source_kind_id(p.source));
                jw_str(&d->j, "label", rk_label_source(p.source, d->lang));
                jw_bool(&d->j, "from_subject", rk_source_from_subject(p.source));
                jw_str(&d->j, "declared", declared);
                jw_str(&d->j, "detail", p.detail);
                jw_str(&d->j, "purpose", p.purpose);
                jw_ts(&d->j, "at", p.at);
                jw_str(&d->j, "by", p.by);
                jw_close(&d->j, '}');
            }
            jw_close(&d->j, '}');
            tmp_reset(d);
            if (has) {
                rk_buf_puts(&d->tmp, rk_label_source(p.source, d->lang));
                if (declared)
                    rk_buf_printf(&d->tmp, " (%s)", declared);
                if (p.detail)
                    rk_buf_printf(&d->tmp, ": %s", p.detail);
            }
            const char *src = tmp_str(d);
            char at[40] = "";
            if (has && p.at)
                h_date(d, rk_ts_date(p.at), at, sizeof at);
            h_row(d, false, c ? rk_text_get(&c->name, d->lang) : rk_field_id((enum rk_field)f),
                  e->v[f], src, at, NULL);
        }
        jw_close(&d->j, ']');
        jw_close(&d->j, '}');
        h_puts(d, "</table>\n");
    }
    jw_close(&d->j, ']');
    h_drop_empty(d, m);
}

static int put_consent_event(void *ctx, const struct rk_consent_event *e) {
    struct doc *d = ctx;
    char at[RK_TS_LEN + 1];
    rk_ts_format(e->at, at);
    jw_open(&d->j, NULL, '{');
    jw_int(&d->j, "seq", e->seq);
    jw_str(&d->j, "purpose", e->purpose);
    jw_str(&d->j, "event", rk_consent_kind_name(e->kind));
    jw_bool(&d->j, "pending", e->pending);
    jw_str(&d->j, "notice_version", e->notice_version);
    jw_str(&d->j, "notice_sha256", e->notice_sha256);
    jw_str(&d->j, "channel", e->channel);
    jw_str(&d->j, "collector", e->collector);
    jw_str(&d->j, "form_id", e->form_id);
    jw_str(&d->j, "ip", e->ip);
    jw_str(&d->j, "user_agent", e->user_agent);
    jw_str(&d->j, "evidence", e->evidence);
    jw_str(&d->j, "at", at);
    jw_close(&d->j, '}');
    char when[40], notice[40] = "";
    struct rk_date nv = {0, 0, 0};
    h_date(d, rk_ts_date(e->at), when, sizeof when);
    if (e->notice_version && rk_date_parse(e->notice_version, &nv))
        h_date(d, nv, notice, sizeof notice);
    h_row(d, false, when, purpose_words(d, e->purpose), consent_words(d, e->kind, e->pending),
          channel_words(d, e->channel),
          notice[0] ? notice : (e->notice_version ? e->notice_version : ""),
          e->evidence ? e->evidence : "", NULL);
    return 0;
}

static int put_change(void *ctx, const struct rk_contract_change *c) {
    struct doc *d = ctx;
    jw_open(&d->j, NULL, '{');
    jw_ts(&d->j, "at", c->at);
    jw_str(&d->j, "field", c->field);
    jw_str(&d->j, "old", c->old_value);
    jw_str(&d->j, "new", c->new_value);
    jw_close(&d->j, '}');
    return 0;
}

static int put_contract(void *ctx, const struct rk_contract *c) {
    struct doc *d = ctx;
    char start[11], end[11] = "";
    rk_date_iso(c->start, start);
    if (c->end.y)
        rk_date_iso(c->end, end);
    jw_open(&d->j, NULL, '{');
    jw_str(&d->j, "id", c->id);
    jw_str(&d->j, "register", c->register_id);
    jw_str(&d->j, "service", c->service);
    jw_str(&d->j, "start", start);
    jw_str(&d->j, "end", end[0] ? end : NULL);
    jw_str(&d->j, "status", c->status == RK_CONTRACT_ACTIVE ? "active" : "ended");
    jw_open(&d->j, "changes", '[');
    rk_err err = rk_store_contract_changes(d->reg->store, c->id, put_change, d);
    jw_close(&d->j, ']');
    jw_close(&d->j, '}');
    char start_h[40], end_h[40];
    h_row(d, false, c->service, h_date(d, c->start, start_h, sizeof start_h),
          h_date(d, c->end, end_h, sizeof end_h),
          c->status == RK_CONTRACT_ACTIVE ? L("voimassa", "active") : L("päättynyt", "ended"),
          NULL);
    if (err != RK_OK)
        d->err = err;
    return err != RK_OK;
}

static int put_invoice(void *ctx, const struct rk_invoice *i) {
    struct doc *d = ctx;
    char date[11], amount[32], until[11] = "";
    rk_date_iso(i->date, date);
    if (i->keep_until.y)
        rk_date_iso(i->keep_until, until);
    snprintf(amount, sizeof amount, "%lld.%02lld %s", (long long)(i->amount_cents / 100),
             (long long)llabs(i->amount_cents % 100), i->currency);
    jw_open(&d->j, NULL, '{');
    jw_str(&d->j, "number", i->number);
    jw_str(&d->j, "register", i->register_id);
    jw_str(&d->j, "date", date);
    jw_int(&d->j, "amount_cents", i->amount_cents);
    jw_str(&d->j, "currency", i->currency);
    jw_str(&d->j, "keep_until", until[0] ? until : NULL);
    jw_bool(&d->j, "restricted", i->restricted);
    jw_close(&d->j, '}');
    char date_h[40], until_h[40], amount_h[40];
    snprintf(amount_h, sizeof amount_h, d->lang == RK_LANG_FI ? "%lld,%02lld %s" : "%lld.%02lld %s",
             (long long)(i->amount_cents / 100), (long long)llabs(i->amount_cents % 100),
             i->currency);
    h_row(d, false, i->number, h_date(d, i->date, date_h, sizeof date_h), amount_h,
          h_date(d, i->keep_until, until_h, sizeof until_h), NULL);
    return 0;
}

static int put_task(void *ctx, const struct rk_task_view *t) {
    struct doc *d = ctx;
    char due[11];
    rk_date_iso(t->due, due);
    jw_open(&d->j, NULL, '{');
    jw_str(&d->j, "kind", t->kind);
    jw_str(&d->j, "detail", t->detail);
    jw_str(&d->j, "due", due);
    jw_ts(&d->j, "done_at", t->done_at);
    jw_close(&d->j, '}');
    char due_h[40];
    const char *what = strcmp(t->kind, "art14_inform") == 0
                           ? L("Ilmoitus sinulle muualta saaduista tiedoista",
                               "Telling you about data obtained from elsewhere")
                           : t->kind;
    h_row(d, false, what, h_date(d, t->due, due_h, sizeof due_h),
          t->done_at ? L("tehty", "done") : L("avoin", "open"), NULL);
    return 0;
}

static void put_records(struct doc *d, const char *person_id) {
    const struct rk_decl *decl = d->reg->decl;
    struct rk_store *s = d->reg->store;
    struct h_mark m = h_mark(d);
    h_el(d, "h3", L("Suostumukset", "Consents"));
    h_puts(d, "<table>\n");
    h_row(d, true, L("Päivä", "Date"), L("Tarkoitus", "Purpose"),
          L("Mitä tapahtui", "What happened"), L("Miten", "How"),
          L("Tietosuojaseloste", "Privacy notice of"), L("Todiste", "Evidence"), NULL);
    jw_open(&d->j, "consent_events", '[');
    if (d->err == RK_OK)
        d->err = rk_store_consent_events(s, person_id, put_consent_event, d);
    jw_close(&d->j, ']');
    h_puts(d, "</table>\n");
    h_drop_empty(d, m);
    jw_open(&d->j, "consent_states", '[');
    for (size_t i = 0; i < decl->npurposes && d->err == RK_OK; i++) {
        struct rk_consent_state st;
        if (decl->purposes[i].basis != RK_BASIS_CONSENT)
            continue;
        d->err = rk_store_consent_state_get(s, person_id, decl->purposes[i].id, &st);
        if (d->err != RK_OK || st.status == RK_CONSENT_NONE)
            continue;
        jw_open(&d->j, NULL, '{');
        jw_str(&d->j, "purpose", decl->purposes[i].id);
        jw_str(&d->j, "state", rk_consent_status_name(st.status));
        jw_ts(&d->j, "since", st.since);
        jw_ts(&d->j, "expires_at", st.expires_at);
        jw_close(&d->j, '}');
    }
    jw_close(&d->j, ']');
    m = h_mark(d);
    h_el(d, "h3", L("Sopimukset", "Contracts"));
    h_puts(d, "<table>\n");
    h_row(d, true, L("Palvelu", "Service"), L("Alkaa", "Start"), L("Päättyy", "End"),
          L("Tila", "Status"), NULL);
    jw_open(&d->j, "contracts", '[');
    if (d->err == RK_OK)
        d->err = rk_store_contracts_of_person(s, person_id, put_contract, d);
    jw_close(&d->j, ']');
    h_puts(d, "</table>\n");
    h_drop_empty(d, m);
    m = h_mark(d);
    h_el(d, "h3", L("Laskut", "Invoices"));
    h_puts(d, "<table>\n");
    h_row(d, true, L("Numero", "Number"), L("Päivä", "Date"), L("Summa", "Amount"),
          L("Säilytetään asti", "Kept until"), NULL);
    jw_open(&d->j, "invoices", '[');
    if (d->err == RK_OK)
        d->err = rk_store_invoices_of_person(s, person_id, put_invoice, d);
    jw_close(&d->j, ']');
    h_puts(d, "</table>\n");
    h_drop_empty(d, m);
    m = h_mark(d);
    h_el(d, "h3", L("Tehtävät", "Tasks"));
    h_puts(d, "<table>\n");
    h_row(d, true, L("Mitä", "What"), L("Määräpäivä", "Due"), L("Tila", "Status"), NULL);
    jw_open(&d->j, "tasks", '[');
    if (d->err == RK_OK)
        d->err = rk_store_tasks_of_person(s, person_id, put_task, d);
    jw_close(&d->j, ']');
    h_puts(d, "</table>\n");
    h_drop_empty(d, m);
}

static void automated_text(const struct rk_decl *decl, enum rk_lang lang, struct rk_buf *out) {
    if (!decl->rights.automated_decisions) {
        rk_buf_puts(out, RK_PICK(lang,
                                 "Tietojasi ei käytetä automaattiseen päätöksentekoon eikä "
                                 "profilointiin (22 art.).",
                                 "Your data is not used for automated decision-making or "
                                 "profiling (art 22)."));
        return;
    }
    rk_buf_puts(out, RK_PICK(lang,
                             "Tietojasi käytetään automaattiseen päätöksentekoon (22 art.). "
                             "Käytetty logiikka: ",
                             "Your data is used for automated decision-making (art 22). "
                             "The logic involved: "));
    if (rk_text_present(&decl->rights.automated_logic))
        rk_buf_puts(out, rk_text_get(&decl->rights.automated_logic, lang));
}

static void put_automated(struct doc *d) {
    const struct rk_decl *decl = d->reg->decl;
    section(d, L("Automaattinen päätöksenteko", "Automated decision-making"));
    tmp_reset(d);
    automated_text(decl, d->lang, &d->tmp);
    const char *text = tmp_str(d);
    jw_open(&d->j, "automated_decisions", '{');
    jw_bool(&d->j, "exists", decl->rights.automated_decisions);
    if (rk_text_present(&decl->rights.automated_logic))
        jw_str(&d->j, "logic", rk_text_get(&decl->rights.automated_logic, d->lang));
    jw_str(&d->j, "answer", text);
    jw_close(&d->j, '}');
    if (!decl->rights.automated_decisions) {
        h_el(d, "p",
             L("Tietojasi ei käytetä automaattiseen päätöksentekoon eikä profilointiin.",
               "Your data is not used for automated decisions or profiling."));
    } else {
        h_el(d, "p",
             L("Tietojasi käytetään automaattiseen päätöksentekoon. Näin se toimii:",
               "Your data is used for automated decisions. This is how it works:"));
        if (rk_text_present(&decl->rights.automated_logic))
            h_el(d, "p", rk_text_get(&decl->rights.automated_logic, d->lang));
    }
}

rk_err rk_rights_access(struct rk_reg *reg, const char *person_id, const char *request_id,
                        enum rk_lang lang, rk_ts at, struct rk_buf *json, struct rk_buf *html,
                        struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    struct doc *d = calloc(1, sizeof *d);
    if (!d)
        return RK_ENOMEM;
    d->reg = reg;
    d->lang = lang;
    d->j.b = json;
    d->j.first[0] = true;
    d->h = html;
    rk_buf_init(&d->tmp);
    if ((err = load_held(reg, person_id, &d->held)) != RK_OK) {
        rk_buf_cleanup(&d->tmp);
        free(d);
        return store_failed(msg, err);
    }
    const struct rk_decl *decl = reg->decl;
    const char *title = L("Tietosi rekisterissämme", "Your data in our registers");
    h_puts(d, "<!DOCTYPE html>\n<html lang=\"");
    h_puts(d, lang == RK_LANG_FI ? "fi" : "en");
    h_puts(d, "\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h_el(d, "title", title);
    h_puts(d, "</head>\n<body>\n");
    h_el(d, "h1", title);
    jw_open(&d->j, NULL, '{');
    jw_str(&d->j, "document", "gdpr_art15_access");
    jw_str(&d->j, "lang", lang == RK_LANG_FI ? "fi" : "en");
    jw_ts(&d->j, "generated_at", at);
    jw_str(&d->j, "request_id", request_id);
    jw_open(&d->j, "controller", '{');
    jw_str(&d->j, "name", decl->controller.name);
    jw_str(&d->j, "business_id", decl->controller.business_id);
    jw_str(&d->j, "address", decl->controller.address);
    jw_str(&d->j, "phone", decl->controller.phone);
    jw_str(&d->j, "email", decl->controller.email);
    jw_close(&d->j, '}');
    jw_open(&d->j, "person", '{');
    jw_str(&d->j, "id", person_id);
    jw_bool(&d->j, "restricted", restricted);
    jw_bool(&d->j, "objected", objected);
    jw_close(&d->j, '}');
    tmp_reset(d);
    rk_label_controller(&decl->controller, lang, &d->tmp);
    h_el(d, "p", tmp_str(d));
    if (d->h) {
        char when[40];
        h_date(d, rk_ts_date(at), when, sizeof when);
        rk_buf_puts(d->h, "<p>");
        rk_buf_put_html(d->h, L("Tämä on vastaus pyyntöösi saada tietää, mitä tietoja meillä on "
                                "sinusta. Laadittu ",
                                "This answers your request to know what data we hold about you. "
                                "Made on "));
        rk_buf_put_html(d->h, when);
        rk_buf_puts(d->h, ".<br>");
        rk_buf_put_html(d->h, L("Tunnisteesi rekisterissämme: ", "Your id in our registers: "));
        rk_buf_put_html(d->h, person_id);
        if (restricted) {
            rk_buf_puts(d->h, "<br>");
            rk_buf_put_html(d->h, L("Olet pyytänyt rajoittamaan tietojesi käsittelyä: säilytämme "
                                    "niitä, mutta emme käytä niitä muuhun.",
                                    "You asked us to restrict the processing of your data: we "
                                    "keep it but do not use it for anything else."));
        }
        if (objected) {
            rk_buf_puts(d->h, "<br>");
            rk_buf_put_html(d->h, L("Olet kieltänyt suoramarkkinoinnin: emme lähetä sinulle "
                                    "markkinointia.",
                                    "You objected to direct marketing: we send you no "
                                    "marketing."));
        }
        rk_buf_puts(d->h, "</p>\n");
    }
    put_purposes(d);
    put_categories(d, person_id);
    put_recipients(d);
    put_retention(d);
    put_rights(d);
    put_complaint(d);
    put_entries(d);
    put_records(d, person_id);
    put_automated(d);
    jw_close(&d->j, '}');
    if (json)
        rk_buf_putc(json, '\n');
    h_puts(d, "</body>\n</html>\n");
    err = d->err;
    if (err == RK_OK)
        err = rk_buf_status(&d->tmp);
    if (err == RK_OK && json)
        err = rk_buf_status(json);
    if (err == RK_OK && html)
        err = rk_buf_status(html);
    held_free(&d->held);
    rk_buf_cleanup(&d->tmp);
    free(d);
    if (err != RK_OK)
        return store_failed(msg, err);
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, lang == RK_LANG_FI ? "fi" : "en", detail, sizeof detail);
    err = rk_reg_audit(reg, "rights.access", person_id, detail, at);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

#undef L

/* ---- Portability -------------------------------------------------------------------------- */

rk_err rk_rights_portability(struct rk_reg *reg, const char *person_id, const char *request_id,
                             rk_ts at, struct rk_buf *json, struct rk_buf *csv,
                             struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false;
    rk_err err = person_flags(reg, person_id, &restricted, NULL, msg);
    if (err != RK_OK)
        return err;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(msg, err);
    struct jw j = {json, 0, {true}};
    jw_open(&j, NULL, '{');
    jw_str(&j, "document", "gdpr_art20_portability");
    jw_str(&j, "person_id", person_id);
    jw_ts(&j, "generated_at", at);
    jw_open(&j, "registers", '[');
    if (csv)
        rk_buf_puts(csv, "register,category,value,provided_at,source\r\n");
    char buf[1024];
    for (size_t i = 0; i < h.n && err == RK_OK; i++) {
        const struct rk_entry *e = h.e[i];
        bool opened = false;
        for (int f = 0; f < RK_F__COUNT && err == RK_OK; f++) {
            struct rk_provenance p;
            if (!e->v[f] || !e->prov[f])
                continue;
            if ((err = rk_store_provenance_get(reg->store, e->prov[f], &p, buf, sizeof buf)) !=
                RK_OK) {
                if (err == RK_ENOENT)
                    err = RK_OK;
                continue;
            }
            const struct rk_purpose *pp = rk_decl_purpose(reg->decl, p.purpose);
            if (!rk_source_from_subject(p.source) || !pp ||
                (pp->basis != RK_BASIS_CONSENT && pp->basis != RK_BASIS_CONTRACT))
                continue;
            if (!opened) {
                jw_open(&j, NULL, '{');
                jw_str(&j, "register", e->register_id);
                jw_open(&j, "data", '{');
                opened = true;
            }
            jw_str(&j, rk_field_id((enum rk_field)f), e->v[f]);
            if (csv) {
                char when[RK_TS_LEN + 1];
                rk_ts_format(p.at, when);
                rk_buf_put_csv_safe(csv, e->register_id);
                rk_buf_putc(csv, ',');
                rk_buf_put_csv_safe(csv, rk_field_id((enum rk_field)f));
                rk_buf_putc(csv, ',');
                rk_buf_put_csv_safe(csv, e->v[f]);
                rk_buf_putc(csv, ',');
                rk_buf_put_csv_safe(csv, when);
                rk_buf_putc(csv, ',');
                rk_buf_put_csv_safe(csv, rk_source_kind_id(p.source));
                rk_buf_puts(csv, "\r\n");
            }
        }
        if (opened) {
            jw_close(&j, '}');
            jw_close(&j, '}');
        }
    }
    jw_close(&j, ']');
    jw_close(&j, '}');
    if (json)
        rk_buf_putc(json, '\n');
    held_free(&h);
    if (err == RK_OK && json)
        err = rk_buf_status(json);
    if (err == RK_OK && csv)
        err = rk_buf_status(csv);
    if (err != RK_OK)
        return store_failed(msg, err);
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, "export", detail, sizeof detail);
    err = rk_reg_audit(reg, "rights.portability", person_id, detail, at);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- Rectification ------------------------------------------------------------------------ */

/* Whether the declaration lets source kind k into register r for purpose p. */
static bool source_allowed(const struct rk_decl *d, const struct rk_register *r,
                           const struct rk_purpose *p, enum rk_source_kind k) {
    if (d->nsources == 0)
        return true;
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        bool feeds = s->npurposes == 0;
        for (size_t j = 0; j < s->npurposes; j++)
            feeds |= s->purposes[j] == p;
        if (s->kind != k || !feeds)
            continue;
        for (size_t j = 0; j < s->nregisters; j++)
            if (s->registers[j] == r)
                return true;
    }
    return false;
}

/* The purpose and source of a rectification in register r: the person's own word, through
 * a declared source from the person; a purpose not resting on consent is preferred. */
static bool rectify_write(struct rk_reg *reg, const struct rk_register *r, const char *person_id,
                          rk_ts at, struct rk_write *w) {
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->npurposes; i++) {
            const struct rk_purpose *p = r->purposes[i];
            if ((pass == 0) != (p->basis != RK_BASIS_CONSENT))
                continue;
            if (p->basis == RK_BASIS_CONSENT) {
                struct rk_consent_state st;
                if (rk_store_consent_state_get(reg->store, person_id, p->id, &st) != RK_OK ||
                    rk_consent_effective(&st, at) != RK_CONSENT_LIVE)
                    continue;
            }
            /* The person handing data over in a request, in order of likeness. */
            static const enum rk_source_kind kinds[] = {RK_SRC_OTHER_HANDOVER, RK_SRC_EMAIL,
                                                        RK_SRC_PHONE,          RK_SRC_MEETING,
                                                        RK_SRC_WEB_FORM,       RK_SRC_CONTRACT};
            for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
                if (!source_allowed(reg->decl, r, p, kinds[k]))
                    continue;
                w->register_id = r->id;
                w->purpose = p->id;
                w->source = kinds[k];
                return true;
            }
        }
    return false;
}

/* Deletes provenance rows in ids[0..n) and organisation names no entry uses any more. */
static rk_err drop_unused(struct rk_reg *reg, const int64_t *ids, size_t n, char (*orgs)[256],
                          size_t norgs, int64_t *prov_out, int64_t *org_out) {
    rk_err err = RK_OK;
    reg->last_prov.id = 0; /* the next write must not reuse a row deleted here */
    for (size_t i = 0; i < n && err == RK_OK; i++) {
        bool dup = false, gone = false;
        for (size_t k = 0; k < i; k++)
            dup |= ids[k] == ids[i];
        if (dup || !ids[i])
            continue;
        err = rk_store_provenance_delete_unused(reg->store, ids[i], &gone);
        if (err == RK_OK && gone && prov_out)
            (*prov_out)++;
    }
    for (size_t i = 0; i < norgs && err == RK_OK; i++) {
        bool gone = false;
        err = rk_store_organisation_delete_unused(reg->store, orgs[i], &gone);
        if (err == RK_OK && gone && org_out)
            (*org_out)++;
    }
    return err;
}

/* The provenance ids and organisation names of the held entries (fields where mask is set). */
struct olds {
    int64_t prov[MAX_HELD * RK_F__COUNT];
    size_t nprov;
    char orgs[MAX_HELD][256];
    size_t norgs;
};

static void collect_olds(const struct held *h, const bool mask[RK_F__COUNT],
                         const char *register_id, struct olds *o) {
    for (size_t i = 0; i < h->n; i++) {
        const struct rk_entry *e = h->e[i];
        if (register_id && strcmp(e->register_id, register_id) != 0)
            continue;
        for (int f = 0; f < RK_F__COUNT; f++) {
            if (!mask[f] || !e->v[f])
                continue;
            o->prov[o->nprov++] = e->prov[f];
            if (f == RK_F_ORGANISATION && o->norgs < MAX_HELD)
                snprintf(o->orgs[o->norgs++], sizeof o->orgs[0], "%s", e->v[f]);
        }
    }
}

rk_err rk_rights_rectify(struct rk_reg *reg, const char *person_id, const char *request_id,
                         const char *register_id, const struct rk_contact *c, rk_ts at,
                         struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false, any = false, mask[RK_F__COUNT];
    rk_err err = person_flags(reg, person_id, &restricted, NULL, msg);
    if (err != RK_OK)
        return err;
    if (restricted)
        return say(msg, RK_EREFUSED,
                   "person %s is restricted (art 18): lift the restriction before rectifying",
                   person_id);
    for (int f = 0; f < RK_F__COUNT; f++)
        any |= (mask[f] = c->v[f] != NULL);
    if (!any)
        return say(msg, RK_EINVAL, "a rectification needs at least one corrected value");
    if (register_id && !rk_decl_register(reg->decl, register_id))
        return say(msg, RK_EREFUSED, "register '%s' is not declared", register_id);
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(msg, err);
    struct olds *o = calloc(1, sizeof *o);
    if (!o) {
        held_free(&h);
        return RK_ENOMEM;
    }
    collect_olds(&h, mask, register_id, o);
    char detail[128];
    if (request_id)
        snprintf(detail, sizeof detail, "data subject request #%.80s", request_id);
    else
        snprintf(detail, sizeof detail, "data subject request");
    struct rk_work tx;
    int written = 0, notices = 0;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        free(o);
        held_free(&h);
        return store_failed(msg, err);
    }
    /* Recipients first: they know the person by the email before the change. */
    err = rk_notify_recipients(reg, person_id, RK_NOTICE_RECTIFICATION, request_id, at, &notices);
    for (size_t i = 0; i < h.n && err == RK_OK; i++) {
        const struct rk_register *r = rk_decl_register(reg->decl, h.e[i]->register_id);
        if (!r || (register_id && strcmp(r->id, register_id) != 0))
            continue;
        struct rk_contact sub;
        bool some = false;
        memset(&sub, 0, sizeof sub);
        for (int f = 0; f < RK_F__COUNT; f++) {
            bool declared = false;
            for (size_t k = 0; k < r->ncategories; k++)
                declared |= strcmp(r->categories[k]->id, rk_field_id((enum rk_field)f)) == 0;
            if (c->v[f] && declared) {
                sub.v[f] = c->v[f];
                some = true;
            }
        }
        if (!some)
            continue;
        struct rk_write w = {.source_detail = detail, .at = at};
        if (!rectify_write(reg, r, person_id, at, &w)) {
            err = say(msg, RK_EREFUSED,
                      "register '%s' declares no source from the person for a purpose the "
                      "person is held for",
                      r->id);
            break;
        }
        err = rk_reg_person_update(reg, &w, person_id, &sub, msg);
        written += err == RK_OK;
    }
    if (err == RK_OK && written == 0)
        err = say(msg, RK_EREFUSED,
                  register_id ? "person %s is not in register '%s' or it holds none of the "
                                "categories given"
                              : "person %s is in no register holding the categories given%s",
                  person_id, register_id ? register_id : "");
    if (err == RK_OK)
        err = drop_unused(reg, o->prov, o->nprov, o->orgs, o->norgs, NULL, NULL);
    char adetail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, register_id ? register_id : "all registers", adetail,
                   sizeof adetail);
    if (err == RK_OK)
        err = audit(reg, at, "rights.rectify", person_id, adetail);
    err = rk_reg_work_end(reg, &tx, err);
    free(o);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- Erasure ------------------------------------------------------------------------------ */

struct ids {
    char id[64][RK_ID_LEN + 1];
    bool keep[64];
    struct rk_date until[64];
    size_t n;
    bool overflow;
};

struct erase_scan {
    struct rk_reg *reg;
    struct ids contracts, invoices;
    struct rk_date today;
    struct rk_erase_report *out;
    const char *register_id; /* only this register's contracts and invoices; NULL: all */
};

static int scan_contract(void *ctx, const struct rk_contract *c) {
    struct erase_scan *s = ctx;
    if (s->register_id && strcmp(c->register_id, s->register_id) != 0)
        return 0;
    if (s->contracts.n >= 64) {
        s->contracts.overflow = true;
        return 1;
    }
    size_t i = s->contracts.n++;
    snprintf(s->contracts.id[i], sizeof s->contracts.id[i], "%s", c->id);
    const struct rk_register *r = rk_decl_register(s->reg->decl, c->register_id);
    const struct rk_category *cat = r ? register_kind(r, RK_CAT_CONTRACT) : NULL;
    s->contracts.keep[i] = cat && cat->erasure.rule == RK_ERASE_KEEP;
    if (s->contracts.keep[i] && !s->out->contracts_why[0])
        snprintf(s->out->contracts_why, sizeof s->out->contracts_why,
                 "kept %d years, restricted to the obligation: %s", cat->erasure.keep_years,
                 rk_text_present(&cat->erasure.obligation) ? cat->erasure.obligation.en
                                                           : "a legal obligation");
    return 0;
}

static int scan_invoice(void *ctx, const struct rk_invoice *inv) {
    struct erase_scan *s = ctx;
    if (s->register_id && strcmp(inv->register_id, s->register_id) != 0)
        return 0;
    if (s->invoices.n >= 64) {
        s->invoices.overflow = true;
        return 1;
    }
    size_t i = s->invoices.n++;
    snprintf(s->invoices.id[i], sizeof s->invoices.id[i], "%s", inv->id);
    s->invoices.keep[i] = inv->keep_until.y && rk_date_cmp(inv->keep_until, s->today) >= 0;
    s->invoices.until[i] = inv->keep_until;
    if (s->invoices.keep[i] && !s->out->invoices_why[0]) {
        const struct rk_register *r = rk_decl_register(s->reg->decl, inv->register_id);
        const struct rk_category *cat = r ? register_kind(r, RK_CAT_BILLING) : NULL;
        snprintf(s->out->invoices_why, sizeof s->out->invoices_why,
                 "kept until the statutory period ends, restricted to the obligation: %s",
                 cat && rk_text_present(&cat->erasure.obligation) ? cat->erasure.obligation.en
                                                                  : "a legal obligation");
    }
    return 0;
}

/* Consent purposes with events for the person. */
struct consent_scan {
    char purposes[16][RK_DECL_ID_MAX + 1];
    int64_t events[16];
    size_t n;
};

static int scan_consent(void *ctx, const struct rk_consent_event *e) {
    struct consent_scan *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->purposes[i], e->purpose) == 0) {
            s->events[i]++;
            return 0;
        }
    if (s->n < 16) {
        s->events[s->n] = 1;
        snprintf(s->purposes[s->n++], sizeof s->purposes[0], "%s", e->purpose);
    }
    return 0;
}

/* Puts every email and phone of the held entries on the suppression list. */
static rk_err suppress_held(struct rk_reg *reg, const struct held *h,
                            enum rk_suppress_reason reason, rk_ts at, int *count) {
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    rk_err err = RK_OK;
    for (size_t i = 0; i < h->n && err == RK_OK; i++)
        for (int k = 0; k < 2 && err == RK_OK; k++) {
            const unsigned char *hash =
                fields[k] == RK_F_EMAIL ? h->e[i]->email_hash : h->e[i]->phone_hash;
            bool already = false;
            if (!h->e[i]->v[fields[k]])
                continue;
            err = rk_store_suppressed(reg->store, hash, &already);
            if (err == RK_OK && !already) {
                err = rk_store_suppress_add(reg->store, hash, fields[k], reason, at);
                if (err == RK_OK && count)
                    (*count)++;
            }
        }
    return err;
}

/* Suppresses the email of each pending signup of the person. */
static rk_err suppress_signups(struct rk_reg *reg, const char *person_id, rk_ts at, int *count) {
    struct rk_signup *u = malloc(sizeof *u);
    rk_err err = u ? RK_OK : RK_ENOMEM;
    for (size_t i = 0; i < reg->decl->npurposes && err == RK_OK; i++) {
        bool already = false;
        err = rk_store_signup_get(reg->store, person_id, reg->decl->purposes[i].id, u);
        if (err == RK_ENOENT) {
            err = RK_OK;
            continue;
        }
        if (err == RK_OK && u->v[RK_F_EMAIL]) {
            unsigned char h[RK_HASH_LEN];
            rk_keys_hash(&reg->keys, RK_F_EMAIL, u->v[RK_F_EMAIL], h);
            err = rk_store_suppressed(reg->store, h, &already);
            if (err == RK_OK && !already) {
                err = rk_store_suppress_add(reg->store, h, RK_F_EMAIL, RK_SUPPRESS_ERASURE, at);
                (*count)++;
            }
        }
    }
    free(u);
    return err;
}

/* The rule of step 5: whether the consent ledger of purpose stays as evidence. */
static bool consent_kept(const struct rk_decl *d, const char *purpose) {
    const struct rk_purpose *p = rk_decl_purpose(d, purpose);
    return p && p->keep_consent_evidence;
}

/* Step 1, for the erasure and its preview alike: the person's contracts and invoices (each
 * with its keep decision, scan_contract and scan_invoice) and consent purposes. */
static rk_err scan_held(struct rk_reg *reg, const char *person_id, struct erase_scan *s,
                        struct consent_scan *cs, struct rk_msg *msg) {
    rk_err err = rk_store_contracts_of_person(reg->store, person_id, scan_contract, s);
    if (err == RK_OK)
        err = rk_store_invoices_of_person(reg->store, person_id, scan_invoice, s);
    if (err == RK_OK)
        err = rk_store_consent_events(reg->store, person_id, scan_consent, cs);
    if (err == RK_OK && (s->contracts.overflow || s->invoices.overflow))
        err = say(msg, RK_ETOOBIG,
                  "person %s has more than 64 contracts or invoices; erase "
                  "them in parts",
                  person_id);
    return err;
}

/* The rule of step 7: the person row stays (restricted) when anything is kept. */
static bool erase_keeps(const struct rk_erase_report *r) {
    return r->contracts_kept || r->invoices_kept || r->consent_why[0];
}

/* Step 5: the consent ledger of each purpose in cs is deleted, unless the purpose keeps
 * evidence (art 17(3)(e)): then ledger and state stay and out->consent_why says so. */
static rk_err erase_consent(struct rk_reg *reg, const char *person_id,
                            const struct consent_scan *cs, struct rk_erase_report *out) {
    rk_err err = RK_OK;
    for (size_t i = 0; i < cs->n && err == RK_OK; i++) {
        int64_t n = 0;
        if (consent_kept(reg->decl, cs->purposes[i])) {
            /* The ledger (and the state derived from it) stays as evidence only; the
             * person is restricted, so no audience or check counts it. */
            out->consent_events_kept += cs->events[i];
            snprintf(out->consent_why, sizeof out->consent_why,
                     "consent evidence kept for legal claims (art 17(3)(e)), restricted");
            continue;
        }
        err = rk_store_consent_delete(reg->store, person_id, cs->purposes[i], &n);
        out->consent_events += n;
    }
    return err;
}

/* Step 6: the scanned contracts and invoices by their category's rule: kept ones restricted,
 * the rest deleted. */
static rk_err erase_records(struct rk_reg *reg, const struct erase_scan *s,
                            struct rk_erase_report *out) {
    rk_err err = RK_OK;
    for (size_t i = 0; i < s->contracts.n && err == RK_OK; i++) {
        if (s->contracts.keep[i]) {
            err = rk_store_contract_restrict(reg->store, s->contracts.id[i]);
            out->contracts_kept++;
        } else {
            err = rk_store_contract_delete(reg->store, s->contracts.id[i]);
            out->contracts++;
        }
    }
    for (size_t i = 0; i < s->invoices.n && err == RK_OK; i++) {
        if (s->invoices.keep[i]) {
            err = rk_store_invoice_restrict(reg->store, s->invoices.id[i]);
            out->invoices_kept++;
            if (rk_date_cmp(s->invoices.until[i], out->invoices_until) > 0)
                out->invoices_until = s->invoices.until[i];
        } else {
            err = rk_store_invoice_delete(reg->store, s->invoices.id[i]);
            out->invoices++;
        }
    }
    return err;
}

/* Step 6, the rest: signups, outbox messages and tasks of the person. */
static rk_err erase_leftovers(struct rk_reg *reg, const char *person_id,
                              struct rk_erase_report *out) {
    rk_err err = rk_store_signups_delete_person(reg->store, person_id, &out->signups);
    if (err == RK_OK)
        err = rk_store_outbox_delete_person(reg->store, person_id, &out->outbox);
    if (err == RK_OK)
        err = rk_store_tasks_delete_person(reg->store, person_id, &out->tasks);
    if (err == RK_OK) /* an access answer awaiting download holds a copy of what is erased */
        err = rk_store_answer_delete_person(reg->store, person_id, &out->answers);
    return err;
}

rk_err rk_rights_erase(struct rk_reg *reg, const char *person_id, const char *request_id, rk_ts at,
                       struct rk_erase_report *out, struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    memset(out, 0, sizeof *out);
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(msg, err);
    struct erase_scan *s = calloc(1, sizeof *s);
    struct olds *o = calloc(1, sizeof *o);
    struct consent_scan cs = {.n = 0};
    struct rk_work tx;
    if (!s || !o) {
        err = RK_ENOMEM;
        goto out;
    }
    s->reg = reg;
    s->today = rk_ts_date(at);
    s->out = out;
    /* 1. What is held. */
    err = scan_held(reg, person_id, s, &cs, msg);
    if (err != RK_OK)
        goto out;
    bool mask[RK_F__COUNT];
    for (int f = 0; f < RK_F__COUNT; f++)
        mask[f] = true;
    collect_olds(&h, mask, NULL, o);
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        goto out;
    /* 2. Recipients, while the entries still say who holds the person. */
    err = rk_notify_recipients(reg, person_id, RK_NOTICE_ERASURE, request_id, at, &out->notices);
    /* 3. The suppression list, before anything is deleted: the entries' emails and phones,
     * and the email of a form submission never confirmed. */
    if (err == RK_OK)
        err = suppress_held(reg, &h, RK_SUPPRESS_ERASURE, at, &out->suppressed);
    if (err == RK_OK)
        err = suppress_signups(reg, person_id, at, &out->suppressed);
    /* The erasure journal (core/journal.h), while the entries still hold the hashes. */
    if (err == RK_OK)
        err = rk_journal_erasure(reg, person_id, at, msg);
    /* 4. Entries and what only they used. */
    if (err == RK_OK)
        err = rk_store_entries_delete_person(reg->store, person_id, &out->entries);
    if (err == RK_OK)
        err = drop_unused(reg, o->prov, o->nprov, o->orgs, o->norgs, &out->provenance,
                          &out->organisations);
    /* 5. The consent ledger, per purpose. */
    if (err == RK_OK)
        err = erase_consent(reg, person_id, &cs, out);
    /* 6. Contracts and invoices by their category's rule; the rest of the person's rows. */
    if (err == RK_OK)
        err = erase_records(reg, s, out);
    if (err == RK_OK)
        err = erase_leftovers(reg, person_id, out);
    /* 7. The person: gone, or kept restricted beside what is kept. */
    bool kept = erase_keeps(out);
    if (err == RK_OK && kept)
        err = rk_store_person_flags_set(reg->store, person_id, true, objected);
    else if (err == RK_OK)
        err = rk_store_person_delete(reg->store, person_id);
    out->person_deleted = err == RK_OK && !kept;
    /* 8. The audit chain: counts only. */
    char detail[RK_AUDIT_FIELD_MAX];
    char what[64];
    snprintf(what, sizeof what, "deleted %lld entries; kept %lld invoices, %lld contracts",
             (long long)out->entries, (long long)out->invoices_kept,
             (long long)out->contracts_kept);
    request_detail(request_id, what, detail, sizeof detail);
    if (err == RK_OK)
        err = audit(reg, at, "rights.erase", person_id, detail);
    err = rk_reg_work_end(reg, &tx, err);
out:
    free(s);
    free(o);
    held_free(&h);
    if (err != RK_OK) {
        out->person_deleted = false;
        return store_failed(msg, err);
    }
    return RK_OK;
}

/* ---- The erasure preview ------------------------------------------------------------------ */

rk_err rk_rights_erase_plan(struct rk_reg *reg, const char *person_id, rk_ts at,
                            struct rk_erase_plan *out, struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    memset(out, 0, sizeof *out);
    out->restricted = restricted;
    out->objected = objected;
    struct rk_erase_report *r = &out->counts;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(msg, err);
    struct erase_scan *s = calloc(1, sizeof *s);
    struct consent_scan cs = {.n = 0};
    if (!s) {
        err = RK_ENOMEM;
        goto out;
    }
    s->reg = reg;
    s->today = rk_ts_date(at);
    s->out = r;
    if ((err = scan_held(reg, person_id, s, &cs, msg)) != RK_OK)
        goto out;
    /* Step 4: the entries, with the values held in each. */
    for (size_t i = 0; i < h.n && out->nregisters < RK_ERASE_PLAN_MAX; i++) {
        const struct rk_register *rg = rk_decl_register(reg->decl, h.e[i]->register_id);
        if (!rg)
            continue;
        unsigned bits = 0;
        for (int f = 0; f < RK_F__COUNT; f++)
            if (h.e[i]->v[f])
                bits |= 1u << f;
        out->email |= h.e[i]->v[RK_F_EMAIL] != NULL;
        out->phone |= h.e[i]->v[RK_F_PHONE] != NULL;
        out->registers[out->nregisters] = rg;
        out->held[out->nregisters++] = bits;
    }
    r->entries = (int64_t)h.n;
    /* Step 5 by its rule. */
    for (size_t i = 0; i < cs.n; i++) {
        if (consent_kept(reg->decl, cs.purposes[i])) {
            r->consent_events_kept += cs.events[i];
            snprintf(r->consent_why, sizeof r->consent_why,
                     "consent evidence kept for legal claims (art 17(3)(e)), restricted");
        } else {
            r->consent_events += cs.events[i];
        }
    }
    /* Step 6 by the scanned keep decisions. */
    for (size_t i = 0; i < s->contracts.n; i++)
        s->contracts.keep[i] ? r->contracts_kept++ : r->contracts++;
    for (size_t i = 0; i < s->invoices.n; i++) {
        if (!s->invoices.keep[i]) {
            r->invoices++;
            continue;
        }
        r->invoices_kept++;
        if (rk_date_cmp(s->invoices.until[i], r->invoices_until) > 0)
            r->invoices_until = s->invoices.until[i];
    }
    /* Step 7 by its rule; step 2's recipients; step 3's suppression (held values). */
    r->person_deleted = !erase_keeps(r);
    err =
        rk_notify_who(reg, person_id, NULL, out->recipients, RK_ERASE_PLAN_MAX, &out->nrecipients);
    r->notices = (int)out->nrecipients;
    r->suppressed = (int)out->email + (int)out->phone;
out:
    free(s);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- Erasure when retention ends ------------------------------------------------------------ */

/* What else the person still has once an entry is gone: entries, contracts, invoices, signups. */
struct remains {
    bool entries, records, signup;
};

static int any_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    ((struct remains *)ctx)->entries = true;
    return 1;
}

static int any_contract(void *ctx, const struct rk_contract *c) {
    (void)c;
    ((struct remains *)ctx)->records = true;
    return 1;
}

static int any_invoice(void *ctx, const struct rk_invoice *i) {
    (void)i;
    ((struct remains *)ctx)->records = true;
    return 1;
}

static rk_err what_remains(struct rk_reg *reg, const char *person_id, struct remains *r) {
    memset(r, 0, sizeof *r);
    rk_err err = rk_store_entries_of_person(reg->store, person_id, any_entry, r);
    if (err == RK_OK && !r->entries)
        err = rk_store_contracts_of_person(reg->store, person_id, any_contract, r);
    if (err == RK_OK && !r->entries && !r->records)
        err = rk_store_invoices_of_person(reg->store, person_id, any_invoice, r);
    struct rk_signup *u = NULL;
    if (err == RK_OK && !r->entries && !r->records && !(u = malloc(sizeof *u)))
        err = RK_ENOMEM;
    for (size_t i = 0; u && err == RK_OK && !r->signup && i < reg->decl->npurposes; i++) {
        err = rk_store_signup_get(reg->store, person_id, reg->decl->purposes[i].id, u);
        r->signup = err == RK_OK;
        if (err == RK_ENOENT)
            err = RK_OK;
    }
    free(u);
    return err;
}

rk_err rk_rights_settle(struct rk_reg *reg, const char *person_id, struct rk_erase_report *out) {
    bool restricted = false, objected = false;
    struct remains r;
    rk_err err = rk_store_person_exists(reg->store, person_id, &restricted, &objected);
    if (err == RK_ENOENT)
        return RK_OK;
    if (err == RK_OK)
        err = what_remains(reg, person_id, &r);
    if (err != RK_OK || r.entries || r.signup)
        return err;
    if (r.records) /* kept under a legal obligation only: stored, never processed (art 18) */
        return restricted ? RK_OK
                          : rk_store_person_flags_set(reg->store, person_id, true, objected);
    struct consent_scan cs = {.n = 0};
    err = rk_store_consent_events(reg->store, person_id, scan_consent, &cs);
    if (err == RK_OK)
        err = erase_consent(reg, person_id, &cs, out);
    if (err == RK_OK)
        err = erase_leftovers(reg, person_id, out);
    if (err == RK_OK && out->consent_why[0])
        err = restricted ? RK_OK : rk_store_person_flags_set(reg->store, person_id, true, objected);
    else if (err == RK_OK)
        err = rk_store_person_delete(reg->store, person_id);
    out->person_deleted = err == RK_OK && !out->consent_why[0];
    return err;
}

rk_err rk_rights_erase_from(struct rk_reg *reg, const char *person_id, const char *register_id,
                            rk_ts at, struct rk_erase_report *out, struct rk_msg *msg) {
    msg->text[0] = '\0';
    memset(out, 0, sizeof *out);
    struct rk_entry *e = malloc(sizeof *e);
    struct erase_scan *s = calloc(1, sizeof *s);
    struct rk_work tx;
    rk_err err = e && s ? RK_OK : RK_ENOMEM;
    if (err == RK_OK &&
        (err = rk_store_entry_get(reg->store, register_id, person_id, e)) == RK_ENOENT) {
        err = say(msg, RK_ENOENT, "person %s is not in register '%s'", person_id, register_id);
        goto out;
    }
    if (err != RK_OK)
        goto out;
    s->reg = reg;
    s->today = rk_ts_date(at);
    s->out = out;
    s->register_id = register_id;
    err = rk_store_contracts_of_person(reg->store, person_id, scan_contract, s);
    if (err == RK_OK)
        err = rk_store_invoices_of_person(reg->store, person_id, scan_invoice, s);
    if (err == RK_OK && (s->contracts.overflow || s->invoices.overflow))
        err = say(msg, RK_ETOOBIG,
                  "person %s has more than 64 contracts or invoices in register '%s'", person_id,
                  register_id);
    if (err != RK_OK || (err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        goto out;
    /* Recipients of this register first, while the entry still says who holds the person. */
    err = rk_notify_recipients_in(reg, person_id, register_id, RK_NOTICE_ERASURE, NULL, at,
                                  &out->notices);
    if (err == RK_OK)
        err = rk_store_entry_delete(reg->store, register_id, person_id);
    if (err == RK_OK) {
        out->entries = 1;
        struct held h = {.n = 1};
        struct olds o = {.nprov = 0};
        bool mask[RK_F__COUNT];
        for (int f = 0; f < RK_F__COUNT; f++)
            mask[f] = true;
        h.e[0] = e;
        collect_olds(&h, mask, NULL, &o);
        err = drop_unused(reg, o.prov, o.nprov, o.orgs, o.norgs, &out->provenance,
                          &out->organisations);
    }
    if (err == RK_OK)
        err = erase_records(reg, s, out);
    if (err == RK_OK)
        err = rk_rights_settle(reg, person_id, out);
    err = rk_reg_work_end(reg, &tx, err);
out:
    free(s);
    free(e);
    if (err != RK_OK) {
        out->person_deleted = false;
        return store_failed(msg, err);
    }
    return RK_OK;
}

/* ---- Restriction -------------------------------------------------------------------------- */

static const char lift_subject[] = "Tietojesi käsittelyn rajoitus päättyy / Restriction of "
                                   "processing lifted";
static const char lift_body[] =
    "Hei,\n\n"
    "pyysit, että henkilötietojesi käsittelyä rajoitetaan (EU:n tietosuoja-asetuksen 18 "
    "artikla). Rajoitus poistetaan nyt, ja tietojasi käsitellään jälleen niiden "
    "tarkoitusten mukaisesti, jotka tietosuojaselosteessamme kerrotaan.\n\n"
    "Hello,\n\n"
    "you asked us to restrict the processing of your personal data (GDPR article 18). The "
    "restriction is now lifted, and your data will again be processed for the purposes our "
    "privacy notice describes.\n";

rk_err rk_rights_restrict(struct rk_reg *reg, const char *person_id, const char *request_id,
                          bool on, rk_ts at, struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    if (restricted == on)
        return say(msg, RK_EREFUSED, "person %s is %s restricted", person_id,
                   on ? "already" : "not");
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(msg, err);
    const char *email = NULL;
    for (size_t i = 0; i < h.n && !email; i++)
        email = h.e[i]->v[RK_F_EMAIL];
    struct rk_work tx;
    int notices = 0;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        held_free(&h);
        return store_failed(msg, err);
    }
    if (!on && email) {
        /* Art 18(3): the person is told before the restriction is lifted. */
        struct rk_outbox_msg m = {.person_id = person_id,
                                  .kind = "restriction_lifted",
                                  .recipient = email,
                                  .subject = lift_subject,
                                  .body = lift_body,
                                  .created_at = at};
        struct rk_error why = RK_ERROR_INIT;
        int64_t id = 0;
        err = rk_mail_enqueue(reg->store, &m, &why, &id);
        if (err == RK_EINVAL)
            say(msg, err, "the email telling the person cannot be queued: %s", rk_error_msg(&why));
    } else if (!on) {
        struct rk_task t = {.kind = "restriction_lift_inform",
                            .created_at = at,
                            .due = rk_ts_date(at),
                            .detail = "no email held: tell the person before processing resumes"};
        rk_id_new(t.id);
        snprintf(t.person_id, sizeof t.person_id, "%s", person_id);
        err = rk_store_task_insert(reg->store, &t);
    }
    if (err == RK_OK)
        err = rk_notify_recipients(reg, person_id,
                                   on ? RK_NOTICE_RESTRICTION : RK_NOTICE_RESTRICTION_LIFTED,
                                   request_id, at, &notices);
    if (err == RK_OK)
        err = rk_store_person_flags_set(reg->store, person_id, on, objected);
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, on ? "on" : "lifted", detail, sizeof detail);
    if (err == RK_OK)
        err = audit(reg, at, on ? "rights.restrict" : "rights.restrict_lift", person_id, detail);
    err = rk_reg_work_end(reg, &tx, err);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- Objection ---------------------------------------------------------------------------- */

rk_err rk_rights_object(struct rk_reg *reg, const char *person_id, const char *request_id,
                        bool direct_marketing, const char *grounds, rk_ts at, struct rk_msg *msg) {
    msg->text[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    if (!direct_marketing && (!grounds || !grounds[0]))
        return say(msg, RK_EINVAL,
                   "an objection to other processing needs the person's grounds (art 21(1))");
    if (rk_text_field_check("grounds", grounds, true, msg->text, sizeof msg->text) != RK_OK)
        return RK_EINVAL;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(msg, err);
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        held_free(&h);
        return store_failed(msg, err);
    }
    if (direct_marketing) {
        /* Absolute (art 21(3)): every consent for marketing ends now. */
        for (size_t i = 0; i < reg->decl->npurposes && err == RK_OK; i++) {
            const struct rk_purpose *p = &reg->decl->purposes[i];
            struct rk_consent_state st;
            if (p->basis != RK_BASIS_CONSENT)
                continue;
            err = rk_store_consent_state_get(reg->store, person_id, p->id, &st);
            if (err != RK_OK || (st.status != RK_CONSENT_LIVE && st.status != RK_CONSENT_PENDING))
                continue;
            struct rk_consent_input in = {.channel = "objection",
                                          .evidence = request_id ? "art 21 objection (request)"
                                                                 : "art 21 objection",
                                          .at = at};
            err = rk_reg_consent(reg, person_id, p->id, RK_CE_WITHDRAWN, &in, msg);
        }
        if (err == RK_OK)
            err = suppress_held(reg, &h, RK_SUPPRESS_OBJECTION, at, NULL);
        if (err == RK_OK)
            err = rk_store_person_flags_set(reg->store, person_id, restricted, true);
    } else {
        struct rk_task t = {.kind = "objection_review",
                            .created_at = at,
                            .due = rk_date_add_months(rk_ts_date(at), 1),
                            .detail = grounds};
        rk_id_new(t.id);
        snprintf(t.person_id, sizeof t.person_id, "%s", person_id);
        err = rk_store_task_insert(reg->store, &t);
    }
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, direct_marketing ? "direct_marketing" : "other", detail,
                   sizeof detail);
    if (err == RK_OK)
        err = audit(reg, at, "rights.object", person_id, detail);
    err = rk_reg_work_end(reg, &tx, err);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- Automated decisions ------------------------------------------------------------------ */

rk_err rk_rights_automated(struct rk_reg *reg, const char *person_id, const char *request_id,
                           enum rk_lang lang, rk_ts at, struct rk_buf *out, struct rk_msg *msg) {
    msg->text[0] = '\0';
    rk_err err = RK_OK;
    if (person_id && (err = person_flags(reg, person_id, NULL, NULL, msg)) != RK_OK)
        return err;
    automated_text(reg->decl, lang, out);
    rk_buf_putc(out, '\n');
    if ((err = rk_buf_status(out)) != RK_OK)
        return err;
    if (!person_id)
        return RK_OK;
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, reg->decl->rights.automated_decisions ? "exists" : "none", detail,
                   sizeof detail);
    err = rk_reg_audit(reg, "rights.automated", person_id, detail, at);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}
