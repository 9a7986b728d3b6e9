/*
 * pull.c — moving in from a recipient (pull.h): the persons a Mailchimp
 * audience or a Salesforce org holds, read through the recipient's client
 * and written through the register's own write rules, as `rekisteri import`
 * writes a CSV's rows.
 *
 * Design.
 *
 *   Where they go. A Mailchimp member goes to the first of the recipient's
 *   registers that declares the connector's purpose (one held on consent alone
 *   first, the marketing register), with a consent given for
 *   it: its time is the member's timestamp_opt, else timestamp_signup, else
 *   the pull's own time, and the evidence says which, and names the audience
 *   and the opt-in fields (times and addresses as Mailchimp has them, checked
 *   for shape). A Salesforce Contact goes to the first of the recipient's
 *   registers that does not rest on consent (the customer register). The
 *   fields taken are those the register holds and the recipient shares from
 *   it (all it holds when the recipient declares no shares): what the sync
 *   would send back, and nothing more.
 *
 *   Matching. A person here already — the Contact's external id is their
 *   person id, or the address is one of theirs (in the register first, then
 *   anywhere) — is matched, not duplicated: added to the register when not
 *   in it, or, in it, given the consent only when they have no live one. A
 *   Contact whose external id names no person here is rejected: the person
 *   was erased, or belongs elsewhere, and must not come back by a pull. Nor
 *   does a consent the person withdrew here: a matched person whose ledger
 *   holds a withdrawal at or after the member's opt-in is rejected.
 *
 *   Unsubscribed and cleaned Mailchimp members are put on the suppression
 *   list (as an objection to direct marketing), and a live consent of anyone
 *   here with that address for the purpose is withdrawn, as the Mailchimp
 *   webhook does (http/hooks.c). Pending, transactional and archived members
 *   are skipped.
 *
 *   Units. Every person is one unit of work in a batch of o->batch persons
 *   (one transaction, core/work.h); a refusal writes nothing and the pull
 *   goes on, counting it; any other failure rolls the open batch back and
 *   ends the pull, whose report then counts only the committed batches. A
 *   dry run is one batch rolled back at the end.
 *
 *   Linking. The sync upserts a Contact by the external id field, so a
 *   Contact the org had before rekisteri (no external id) would be met by a
 *   second one. Each Contact imported or matched without it is therefore
 *   linked — given the person id, rk_client_link — once its batch has
 *   committed (a link for a person that a rollback undid would point at
 *   nobody). The calls are made one at a time between the pull's own pages
 *   (the client is between requests then). A refused link (the Contact is
 *   gone, another Contact holds the id) leaves that Contact unlinked, with a
 *   reason; a transient outcome or a stop leaves it and every later one
 *   unlinked, not tried (the pull itself goes on). The unlinked persons are
 *   the sync's, which creates a Contact of its own for each. A dry run links
 *   nothing and counts the links it would try.
 *
 *   Adoption. A person whose entry was written now from the recipient's own
 *   values, and whom rekisteri wants the recipient to hold active (Mailchimp:
 *   rk_reg_may_contact allows them for the purpose; Salesforce: the Contact
 *   carries their person id, already or once linked, so that the sync's
 *   upsert finds it), is handed to the adopted callback after their batch
 *   commits (and the link succeeded). A person matched to an entry that was
 *   already here is not, linked or not: the recipient may hold other values,
 *   and the first sync sends rekisteri's once (a put is idempotent; to a
 *   linked Contact, which it then updates).
 *
 *   No value ever reaches a reason, an error or the audit event: a reason
 *   names the member's or Contact's ordinal, the field and the rule.
 */
#include "core/pull.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "base/time.h"
#include "core/consent.h"
#include "core/contact_input.h"
#include "core/register.h"
#include "core/work.h"

#define MAX_SAME_ADDRESS 8 /* persons sharing one address whose consent a pull withdraws */
#define SF_PLACEHOLDER   "[rekisteri]" /* the LastName the sync sends when no name is shared */

/* What is written, counted until its batch commits. */
struct counts {
    long long imported, matched, suppressed, withdrawn, art14_tasks, unlinked, linked;
};

/* A Contact read without the external id, linked to its person once the batch commits. */
struct pending_link {
    char remote[RK_CLIENT_REMOTE_MAX + 1]; /* the Contact's record Id */
    char person_id[RK_ID_LEN + 1];
    bool adopt;  /* written now from the Contact's values: adopted once linked */
    long long n; /* the Contact's ordinal, for a reason */
};

struct pull {
    struct rk_reg *reg;
    struct rk_store *s;
    const struct rk_recipient *r;
    struct rk_client *c;
    const struct rk_pull_options *o;
    struct rk_pull_report *out;
    struct rk_error *e;
    bool mailchimp;
    const char *noun;                       /* "member", "contact" */
    char detail[RK_CONNECTOR_URL_MAX + 64]; /* the provenance's source detail */
    const struct rk_register *target;
    const struct rk_purpose *purpose;
    struct rk_write w;
    unsigned fields; /* 1u << enum rk_field taken from the recipient */
    rk_ts now;
    size_t batch, in_batch;
    struct counts pending;
    char (*adopt)[RK_ID_LEN + 1]; /* persons adopted once this batch commits */
    size_t nadopt;
    struct pending_link *links; /* Contacts linked once this batch commits (NULL: none are) */
    size_t nlinks;
    bool links_off; /* a link failed for every one (transient, or the connector stopped) */
    rk_err fatal;
    struct rk_contact_input in;
    struct rk_entry entry;
};

/* ---- Setting up: where the persons go ---------------------------------------------------- */

static bool register_holds(const struct rk_register *g, const char *category) {
    for (size_t i = 0; i < g->ncategories; i++)
        if (strcmp(g->categories[i]->id, category) == 0)
            return true;
    return false;
}

/* The fields the pull takes: held by the register and shared with the recipient. */
static unsigned fields_taken(const struct rk_recipient *r, const struct rk_register *g) {
    static const enum rk_field pulled[] = {RK_F_NAME, RK_F_EMAIL, RK_F_PHONE, RK_F_POSITION,
                                           RK_F_ORGANISATION};
    const struct rk_share *sh = rk_recipient_share(r, g);
    unsigned out = 0;
    for (size_t i = 0; i < sizeof pulled / sizeof pulled[0]; i++) {
        const char *id = rk_field_id(pulled[i]);
        bool shared = sh == NULL;
        for (size_t j = 0; sh && j < sh->ncategories && !shared; j++)
            shared = strcmp(sh->categories[j]->id, id) == 0;
        if (shared && register_holds(g, id))
            out |= 1u << pulled[i];
    }
    return out;
}

static rk_err setup_mailchimp(struct pull *x, const struct rk_decl *d) {
    const struct rk_recipient *r = x->r;
    x->purpose = x->o->purpose ? rk_decl_purpose(d, x->o->purpose) : r->connector.purpose;
    if (x->o->purpose && !x->purpose)
        return rk_error_set(x->e, RK_EINVAL, NULL, "purpose '%s' is not declared", x->o->purpose);
    if (!x->purpose)
        return rk_error_set(x->e, RK_EINVAL, NULL,
                            "recipient '%s' names no purpose for its audience (connector.purpose "
                            "or mailchimp.purpose): the pull cannot tell where members go",
                            r->id);
    /* A register held on consent alone (the marketing register) first: an audience's
     * members are there because they consented, not customers. */
    for (int pass = 0; pass < 2 && !x->target; pass++)
        for (size_t i = 0; i < r->nregisters && !x->target; i++)
            if (rk_register_has_purpose(r->registers[i], x->purpose) &&
                (pass == 1 || rk_register_on_consent(r->registers[i])))
                x->target = r->registers[i];
    if (!x->target)
        return rk_error_set(x->e, RK_EINVAL, NULL,
                            "none of recipient '%s''s registers declares purpose '%s'", r->id,
                            x->purpose->id);
    x->fields = fields_taken(r, x->target);
    if (!(x->fields & (1u << RK_F_EMAIL)))
        return rk_error_set(x->e, RK_EINVAL, NULL,
                            "register '%s' holds no email category shared with recipient '%s': "
                            "a Mailchimp member is known by the address",
                            x->target->id, r->id);
    x->w.source = x->o->has_source ? x->o->source : RK_SRC_WEB_FORM;
    return RK_OK;
}

static rk_err setup_salesforce(struct pull *x, const struct rk_decl *d) {
    const struct rk_recipient *r = x->r;
    for (size_t i = 0; i < r->nregisters && !x->target; i++)
        if (!rk_register_on_consent(r->registers[i]))
            x->target = r->registers[i];
    if (!x->target)
        return rk_error_set(x->e, RK_EINVAL, NULL,
                            "every register of recipient '%s' rests on consent: a Salesforce "
                            "Contact goes to a register that does not (the customer register)",
                            r->id);
    const struct rk_register *g = x->target;
    if (x->o->purpose) {
        x->purpose = rk_decl_purpose(d, x->o->purpose);
        if (!x->purpose)
            return rk_error_set(x->e, RK_EINVAL, NULL, "purpose '%s' is not declared",
                                x->o->purpose);
        if (!rk_register_has_purpose(g, x->purpose) || x->purpose->basis == RK_BASIS_CONSENT)
            return rk_error_set(x->e, RK_EINVAL, NULL,
                                "purpose '%s' is not one of register '%s''s purposes that do "
                                "not rest on consent",
                                x->purpose->id, g->id);
    }
    for (size_t i = 0; i < r->npurposes && !x->purpose; i++)
        if (rk_register_has_purpose(g, r->purposes[i]) && r->purposes[i]->basis != RK_BASIS_CONSENT)
            x->purpose = r->purposes[i];
    for (size_t i = 0; i < g->npurposes && !x->purpose; i++)
        if (g->purposes[i]->basis != RK_BASIS_CONSENT)
            x->purpose = g->purposes[i];
    if (!x->purpose)
        return RK_EINVAL; /* unreachable: a register not on consent has such a purpose */
    x->fields = fields_taken(r, g);
    x->w.source = x->o->has_source ? x->o->source : RK_SRC_THIRD_PARTY;
    return RK_OK;
}

static rk_err setup(struct pull *x) {
    const struct rk_decl *d = rk_reg_decl(x->reg);
    rk_err err;
    switch (x->r->connector.type) {
    case RK_CONNECTOR_MAILCHIMP:
        x->mailchimp = true;
        x->noun = "member";
        err = setup_mailchimp(x, d);
        break;
    case RK_CONNECTOR_SALESFORCE:
        x->noun = "contact";
        err = setup_salesforce(x, d);
        break;
    default:
        return rk_error_set(x->e, RK_EINVAL, NULL,
                            "recipient '%s' has no mailchimp or salesforce connector to pull from",
                            x->r->id);
    }
    if (err != RK_OK)
        return err;
    if (!(x->target && x->purpose))
        return RK_EINVAL; /* unreachable: tells the analyzer */
    if ((unsigned)x->w.source >= RK_SRC__COUNT)
        return rk_error_set(x->e, RK_EINVAL, NULL, "the source is not a source kind");
    if (!rk_decl_source_allowed(d, x->w.source, x->target, x->purpose))
        return rk_error_set(x->e, RK_EINVAL, NULL,
                            "source '%s' is not declared for register '%s' and purpose '%s': "
                            "declare it under sources (docs/import.md) or pull with another "
                            "source",
                            rk_source_kind_id(x->w.source), x->target->id, x->purpose->id);
    if (x->mailchimp) {
        snprintf(x->detail, sizeof x->detail, "mailchimp list %s",
                 x->r->connector.list_id ? x->r->connector.list_id : "?");
    } else {
        /* The org: the instance URL's host. */
        const char *host = x->r->connector.url ? x->r->connector.url : "";
        const char *slashes = strstr(host, "://");
        host = slashes ? slashes + 3 : host;
        snprintf(x->detail, sizeof x->detail, "salesforce org %.*s", (int)strcspn(host, "/?#"),
                 host);
    }
    x->w.source_detail = x->detail;
    x->w.register_id = x->target->id;
    x->w.purpose = x->purpose->id;
    x->w.at = x->now;
    return RK_OK;
}

/* ---- One person ----------------------------------------------------------------------- */

static void reject(struct pull *x, long long n, const char *field, const char *why) {
    struct rk_pull_report *out = x->out;
    out->rejected++;
    if (out->nreasons < RK_PULL_REASONS)
        snprintf(out->reasons[out->nreasons++], RK_PULL_REASON_MAX, "%s %lld: %s%s%s", x->noun, n,
                 field && *field ? field : "", field && *field ? ": " : "", why);
}

/* A store's failure: the pull stops with it. */
static rk_err store_failed(struct pull *x, rk_err err, const struct rk_error *msg) {
    const char *why = msg && msg->message[0] ? msg->message : rk_store_errmsg(x->s);
    return rk_error_set(x->e, err, NULL, "%s", why);
}

/* A write's outcome: a refusal is counted (suppressed apart) and the pull goes on. */
static rk_err refused(struct pull *x, rk_err err, const struct rk_error *msg, long long n) {
    if (err == RK_OK)
        return RK_OK;
    if (msg->flags & RK_ERROR_SUPPRESSED) {
        x->out->refused_suppressed++;
        return RK_OK;
    }
    if (err == RK_EREFUSED || err == RK_ECONFLICT || err == RK_EINVAL || err == RK_ENOENT) {
        reject(x, n, msg->where, msg->message);
        return RK_OK;
    }
    return store_failed(x, err, msg);
}

static bool blank(const char *s) { return !s || s[strspn(s, " \t\r\n")] == '\0'; }

/* The pulled values the register takes, normalised into x->in; false (rejected) when one
 * does not pass its field's rule. */
static bool contact_of(struct pull *x, const struct rk_client_pulled *p, long long n) {
    const char *raw[RK_F__COUNT] = {0};
    raw[RK_F_NAME] = p->name;
    raw[RK_F_EMAIL] = p->email;
    raw[RK_F_PHONE] = p->phone;
    raw[RK_F_POSITION] = p->position;
    raw[RK_F_ORGANISATION] = p->organisation;
    if (raw[RK_F_NAME] && strcmp(raw[RK_F_NAME], SF_PLACEHOLDER) == 0)
        raw[RK_F_NAME] = NULL; /* the sync's LastName for a person whose name is not shared */
    rk_contact_input_init(&x->in);
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (blank(raw[f]) || !(x->fields & (1u << f)))
            continue;
        if (rk_contact_input_add(&x->in, (enum rk_field)f, raw[f]) != RK_OK) {
            reject(x, n, rk_field_id((enum rk_field)f), rk_error_msg(&x->in.error));
            return false;
        }
    }
    if (x->mailchimp && !x->in.c.v[RK_F_EMAIL]) {
        reject(x, n, "email", "missing");
        return false;
    }
    return true;
}

/* A Mailchimp time ("2024-01-15T10:00:00+00:00", also with Z or another offset) as an instant
 * not after now; false when it is none. */
static bool mailchimp_time(const char *s, rk_ts now, rk_ts *out) {
    char head[21];
    if (!s || strlen(s) < 19)
        return false;
    memcpy(head, s, 19);
    head[19] = 'Z';
    head[20] = '\0';
    rk_ts t;
    if (!rk_ts_parse(head, &t))
        return false;
    const char *z = s + 19;
    if (*z == '.') /* fractions of a second */
        z += 1 + strspn(z + 1, "0123456789");
    if (z[0] == '+' || z[0] == '-') {
        if (strlen(z) != 6 || z[3] != ':' || strspn(z + 1, "0123456789") != 2 ||
            strspn(z + 4, "0123456789") != 2)
            return false;
        long off =
            ((z[1] - '0') * 10 + (z[2] - '0')) * 3600L + ((z[4] - '0') * 10 + (z[5] - '0')) * 60L;
        t -= z[0] == '+' ? off : -off;
    } else if (!(z[0] == '\0' || (z[0] == 'Z' && z[1] == '\0'))) {
        return false;
    }
    if (t > now)
        return false;
    *out = t;
    return true;
}

/* An IP address as Mailchimp wrote it, when it has the shape of one. */
static bool ip_shaped(const char *s) {
    size_t n = s ? strlen(s) : 0;
    return n >= 2 && n <= 45 && strspn(s, "0123456789abcdefABCDEF.:") == n;
}

/* The consent a subscribed member gives: its time and evidence (buf) from the opt-in fields. */
static struct rk_consent_input
member_consent(const struct pull *x, const struct rk_client_pulled *p, char *buf, size_t n) {
    struct rk_consent_input in = {.channel = "mailchimp", .lang = RK_LANG_FI, .evidence = buf};
    /* The collector is the pull (the register's actor while it runs). */
    rk_ts opt = 0, signup = 0;
    bool has_opt = mailchimp_time(p->opt_at, x->now, &opt);
    bool has_signup = mailchimp_time(p->signup_at, x->now, &signup);
    in.at = has_opt ? opt : has_signup ? signup : x->now;
    if (ip_shaped(p->opt_ip))
        in.ip = p->opt_ip;
    else if (ip_shaped(p->signup_ip))
        in.ip = p->signup_ip;
    char t1[RK_TS_LEN + 1], t2[RK_TS_LEN + 1];
    rk_ts_format(opt, t1);
    rk_ts_format(signup, t2);
    snprintf(buf, n, "mailchimp list %s; consent time from %s%s%s%s%s%s%s%s%s",
             x->r->connector.list_id ? x->r->connector.list_id : "?",
             has_opt      ? "timestamp_opt"
             : has_signup ? "timestamp_signup"
                          : "the pull (no opt-in time)",
             has_opt ? "; timestamp_opt " : "", has_opt ? t1 : "",
             ip_shaped(p->opt_ip) ? "; ip_opt " : "", ip_shaped(p->opt_ip) ? p->opt_ip : "",
             has_signup ? "; timestamp_signup " : "", has_signup ? t2 : "",
             ip_shaped(p->signup_ip) ? "; ip_signup " : "",
             ip_shaped(p->signup_ip) ? p->signup_ip : "");
    return in;
}

/* The person here already, by the Contact's external id or the address; *found false when
 * none. RK_ENOENT: the external id names no person (the caller rejects). */
static rk_err find_person(struct pull *x, const struct rk_client_pulled *p, char id[RK_ID_LEN + 1],
                          bool *found) {
    *found = false;
    rk_err err;
    if (!x->mailchimp && p->person_id && *p->person_id) {
        if (!rk_id_valid(p->person_id))
            return RK_ENOENT;
        err = rk_store_person_exists(x->s, p->person_id, NULL, NULL);
        if (err == RK_OK) {
            snprintf(id, RK_ID_LEN + 1, "%s", p->person_id);
            *found = true;
        }
        return err;
    }
    const char *email = x->in.c.v[RK_F_EMAIL];
    if (!email)
        return RK_OK;
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(rk_reg_keys(x->reg), RK_F_EMAIL, email, h);
    err = rk_store_find_by_hash(x->s, h, x->target->id, id);
    if (err == RK_ENOENT)
        err = rk_store_find_by_hash(x->s, h, NULL, id);
    if (err == RK_ENOENT)
        return RK_OK;
    *found = err == RK_OK;
    return err;
}

/* A Contact read without the external id, now person_id's: queued to be linked once its
 * batch commits (adopt: adopted once linked); a dry run counts it as linked, a pull whose
 * client cannot link (or whose Contact has no record Id) as unlinked. */
static void queue_link(struct pull *x, const struct rk_client_pulled *p, const char *person_id,
                       bool adopt) {
    if (x->o->dry_run && rk_client_links(x->c) && p->remote && *p->remote) {
        x->pending.linked++;
        return;
    }
    if (!x->links || !p->remote || !*p->remote || strlen(p->remote) > RK_CLIENT_REMOTE_MAX) {
        x->pending.unlinked++;
        return;
    }
    struct pending_link *l = &x->links[x->nlinks++];
    snprintf(l->remote, sizeof l->remote, "%s", p->remote);
    snprintf(l->person_id, sizeof l->person_id, "%s", person_id);
    l->adopt = adopt;
    l->n = x->out->read;
}

/* After person_id's entry was written from the recipient's values: queue their adoption when
 * rekisteri wants the recipient to hold them active. */
static rk_err maybe_adopt(struct pull *x, const struct rk_client_pulled *p, const char *person_id) {
    if (!x->mailchimp) {
        if (!p->person_id || strcmp(p->person_id, person_id) != 0) {
            queue_link(x, p, person_id, true);
            return RK_OK;
        }
    } else {
        struct rk_contact_answer a;
        struct rk_error msg = RK_ERROR_INIT;
        rk_err err = rk_reg_may_contact(x->reg, RK_F_EMAIL, x->in.c.v[RK_F_EMAIL], x->purpose->id,
                                        x->now, &a, &msg);
        if (err != RK_OK)
            return store_failed(x, err, &msg);
        if (!a.allowed || strcmp(a.person_id, person_id) != 0)
            return RK_OK;
    }
    if (!x->o->dry_run && x->o->adopted)
        snprintf(x->adopt[x->nadopt++], RK_ID_LEN + 1, "%s", person_id);
    return RK_OK;
}

/* Whether person_id withdrew the purpose's consent here at or after `at` (the member's
 * opt-in): then the older opt-in is no consent. */
struct withdrawal {
    const char *purpose;
    rk_ts at;
    bool after;
};

static int take_withdrawal(void *ctx, const struct rk_consent_event *ev) {
    struct withdrawal *w = ctx;
    if (ev->kind == RK_CE_WITHDRAWN && ev->at >= w->at && strcmp(ev->purpose, w->purpose) == 0)
        w->after = true;
    return 0;
}

static rk_err withdrawn_since(struct pull *x, const char *person_id, rk_ts at, bool *out) {
    struct withdrawal w = {.purpose = x->purpose->id, .at = at, .after = false};
    rk_err err = rk_store_consent_events(x->s, person_id, take_withdrawal, &w);
    if (err == RK_OK)
        *out = w.after;
    return err;
}

static rk_err take_active(struct pull *x, const struct rk_client_pulled *p, long long n) {
    if (!contact_of(x, p, n))
        return RK_OK;
    char id[RK_ID_LEN + 1];
    bool found;
    rk_err err = find_person(x, p, id, &found);
    if (err == RK_ENOENT) {
        reject(x, n, x->r->connector.external_id_field,
               "names no person here (erased, or another register's): not imported");
        return RK_OK;
    }
    if (err != RK_OK)
        return store_failed(x, err, NULL);
    char evidence[400];
    struct rk_consent_input consent = {0};
    bool on_consent = x->purpose->basis == RK_BASIS_CONSENT;
    if (on_consent)
        consent = member_consent(x, p, evidence, sizeof evidence);
    struct rk_error msg = RK_ERROR_INIT;
    bool withdrawn = false;
    if (found && on_consent && (err = withdrawn_since(x, id, consent.at, &withdrawn)) != RK_OK)
        return store_failed(x, err, NULL);
    if (withdrawn) {
        reject(x, n, "consent",
               "withdrawn here after the member's opt-in: the opt-in is not given again");
        return RK_OK;
    }
    if (found && (err = rk_store_entry_get(x->s, x->target->id, id, &x->entry)) == RK_OK) {
        /* In the register already: the consent only when there is no live one. */
        if (on_consent) {
            struct rk_consent_state st;
            if ((err = rk_store_consent_state_get(x->s, id, x->purpose->id, &st)) != RK_OK)
                return store_failed(x, err, NULL);
            if (rk_consent_effective(&st, x->now) != RK_CONSENT_LIVE) {
                /* As rk_reg_person_add: an opt-in past the validity is no consent now. */
                struct rk_consent_state then = st;
                if (rk_consent_apply(&then, RK_CE_GIVEN, false, consent.at,
                                     x->purpose->consent_validity) == RK_OK &&
                    rk_consent_effective(&then, x->now) != RK_CONSENT_LIVE) {
                    reject(x, n, "consent", "the consent given at that time has already expired");
                    return RK_OK;
                }
                err = rk_reg_consent(x->reg, id, x->purpose->id, RK_CE_GIVEN, &consent, &msg);
                if (err != RK_OK)
                    return refused(x, err, &msg, n);
            }
        }
        x->pending.matched++;
        if (!x->mailchimp && (!p->person_id || strcmp(p->person_id, id) != 0))
            queue_link(x, p, id, false);
        return RK_OK;
    }
    if (found && err != RK_ENOENT)
        return store_failed(x, err, NULL);
    char new_id[RK_ID_LEN + 1];
    err = rk_reg_person_add(x->reg, &x->w, found ? id : NULL, &x->in.c,
                            on_consent ? &consent : NULL, new_id, &msg);
    if (err != RK_OK)
        return refused(x, err, &msg, n);
    if (found)
        x->pending.matched++;
    else
        x->pending.imported++;
    if (!rk_source_from_subject(x->w.source))
        x->pending.art14_tasks++;
    return maybe_adopt(x, p, new_id);
}

struct same_address {
    char id[MAX_SAME_ADDRESS][RK_ID_LEN + 1];
    int n;
};

static int take_id(void *ctx, const struct rk_entry *e) {
    struct same_address *a = ctx;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->id[i], e->person_id) == 0)
            return 0;
    if (a->n < MAX_SAME_ADDRESS)
        snprintf(a->id[a->n++], RK_ID_LEN + 1, "%s", e->person_id);
    return 0;
}

/* An unsubscribed or cleaned member: the address onto the suppression list, and the live
 * consent of anyone here with it withdrawn. */
static rk_err take_suppression(struct pull *x, const struct rk_client_pulled *p, long long n) {
    rk_contact_input_init(&x->in);
    if (blank(p->email)) {
        reject(x, n, "email", "missing");
        return RK_OK;
    }
    if (rk_contact_input_add(&x->in, RK_F_EMAIL, p->email) != RK_OK) {
        reject(x, n, "email", rk_error_msg(&x->in.error));
        return RK_OK;
    }
    const char *email = x->in.c.v[RK_F_EMAIL];
    struct rk_error msg = RK_ERROR_INIT;
    bool already = false;
    rk_err err = rk_reg_is_suppressed(x->reg, RK_F_EMAIL, email, &already);
    if (err == RK_OK && !already)
        err = rk_reg_suppress(x->reg, RK_F_EMAIL, email, RK_SUPPRESS_OBJECTION, x->now, &msg);
    if (err != RK_OK)
        return store_failed(x, err, &msg);
    x->pending.suppressed++;
    if (x->purpose->basis != RK_BASIS_CONSENT)
        return RK_OK;
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(rk_reg_keys(x->reg), RK_F_EMAIL, email, h);
    struct same_address a = {.n = 0};
    if ((err = rk_store_entries_by_hash(x->s, h, take_id, &a)) != RK_OK)
        return store_failed(x, err, NULL);
    struct rk_consent_input in = {.channel = "mailchimp",
                                  .evidence = p->status == RK_PULLED_CLEANED
                                                  ? "mailchimp pull: cleaned"
                                                  : "mailchimp pull: unsubscribed",
                                  .at = x->now};
    for (int i = 0; i < a.n; i++) {
        struct rk_consent_state st;
        if ((err = rk_store_consent_state_get(x->s, a.id[i], x->purpose->id, &st)) != RK_OK)
            return store_failed(x, err, NULL);
        if (rk_consent_effective(&st, x->now) != RK_CONSENT_LIVE)
            continue;
        err = rk_reg_consent(x->reg, a.id[i], x->purpose->id, RK_CE_WITHDRAWN, &in, &msg);
        if (err == RK_OK)
            x->pending.withdrawn++;
        else if (err != RK_EREFUSED && err != RK_ENOENT && err != RK_EINVAL)
            return store_failed(x, err, &msg);
    }
    return RK_OK;
}

/* ---- Batches ---------------------------------------------------------------------------- */

static void add_counts(struct rk_pull_report *out, const struct counts *c) {
    out->linked += c->linked;
    out->imported += c->imported;
    out->matched += c->matched;
    out->suppressed += c->suppressed;
    out->withdrawn += c->withdrawn;
    out->art14_tasks += c->art14_tasks;
    out->unlinked += c->unlinked;
}

static void link_failed(struct pull *x, long long n, const char *why) {
    struct rk_pull_report *out = x->out;
    out->unlinked++;
    if (out->nlink_reasons < RK_PULL_REASONS)
        snprintf(out->link_reasons[out->nlink_reasons++], RK_PULL_REASON_MAX, "%s %lld: %.*s",
                 x->noun, n, RK_PULL_REASON_MAX / 2, why);
}

/* Links the committed batch's Contacts, one call each; a linked one written from its own
 * values is adopted. A refusal leaves that Contact unlinked (the person is the sync's); a
 * transient outcome or a stop leaves every later one unlinked, not tried. */
static rk_err link_batch(struct pull *x) {
    for (size_t i = 0; i < x->nlinks; i++) {
        const struct pending_link *l = &x->links[i];
        if (x->links_off) {
            x->out->unlinked++;
            continue;
        }
        struct rk_client_result res;
        rk_err err = rk_client_link(x->c, l->remote, l->person_id, &res);
        if (err == RK_ENOMEM) {
            x->nlinks = 0;
            return rk_error_set(x->e, err, NULL, "out of memory");
        }
        if (err == RK_OK && res.outcome == RK_CONNECT_OK) {
            x->out->linked++;
            if (l->adopt && x->o->adopted) {
                if ((err = x->o->adopted(x->o->adopted_ctx, l->person_id, RK_HELD_ACTIVE)) !=
                    RK_OK) {
                    x->nlinks = 0;
                    return rk_error_set(x->e, err, NULL, "the adopted persons could not be kept");
                }
                x->out->adopted++;
            }
            continue;
        }
        char why[RK_PULL_REASON_MAX];
        bool off = res.outcome == RK_CONNECT_TRANSIENT || res.stop;
        snprintf(why, sizeof why, "not linked%s: %.200s", off ? " (nor any after it)" : "",
                 res.error);
        link_failed(x, l->n, why);
        x->links_off = off;
    }
    x->nlinks = 0;
    return RK_OK;
}

/* Commits the open batch, counts it, links its Contacts and hands its adopted persons on;
 * again: opens the next. */
static rk_err commit(struct pull *x, bool again) {
    rk_err err = rk_reg_batch_commit(x->reg);
    if (err != RK_OK)
        return store_failed(x, err, NULL);
    add_counts(x->out, &x->pending);
    x->pending = (struct counts){0};
    x->in_batch = 0;
    if ((err = link_batch(x)) != RK_OK) {
        x->nadopt = 0;
        return err;
    }
    for (size_t i = 0; i < x->nadopt; i++) {
        if ((err = x->o->adopted(x->o->adopted_ctx, x->adopt[i], RK_HELD_ACTIVE)) != RK_OK) {
            x->nadopt = 0;
            return rk_error_set(x->e, err, NULL, "the adopted persons could not be kept");
        }
        x->out->adopted++;
    }
    x->nadopt = 0;
    if (again && (err = rk_reg_batch_begin(x->reg)) != RK_OK)
        return store_failed(x, err, NULL);
    return RK_OK;
}

static int on_pulled(void *ctx, const struct rk_client_pulled *p, long long done, long long total) {
    struct pull *x = ctx;
    long long n = ++x->out->read;
    x->out->total = total;
    if (x->o->progress)
        x->o->progress(x->o->progress_ctx, done, total);
    rk_err err = RK_OK;
    switch (p->status) {
    case RK_PULLED_ACTIVE: err = take_active(x, p, n); break;
    case RK_PULLED_UNSUBSCRIBED:
    case RK_PULLED_CLEANED:
        if (x->mailchimp)
            err = take_suppression(x, p, n);
        else
            x->out->skipped++;
        break;
    case RK_PULLED_OTHER: x->out->skipped++; break;
    }
    if (err == RK_OK && !x->o->dry_run && ++x->in_batch >= x->batch)
        err = commit(x, true);
    if (err != RK_OK) {
        x->fatal = err;
        return 1;
    }
    return 0;
}

rk_err rk_pull_recipient(struct rk_reg *reg, const struct rk_recipient *r, struct rk_client *c,
                         const struct rk_pull_options *o, struct rk_pull_report *out,
                         struct rk_error *e) {
    static const struct rk_pull_options defaults = {.dry_run = false};
    *out = (struct rk_pull_report){0};
    struct pull *x = calloc(1, sizeof *x);
    if (!x)
        return RK_ENOMEM;
    *x = (struct pull){.reg = reg,
                       .s = rk_reg_store(reg),
                       .r = r,
                       .c = c,
                       .o = o ? o : &defaults,
                       .out = out,
                       .e = e};
    x->now = x->o->now ? x->o->now : rk_time_now();
    const char *actor = rk_reg_actor(reg);
    x->batch = x->o->batch ? x->o->batch : RK_PULL_BATCH;
    rk_err err = setup(x);
    if (err == RK_OK && !(x->target && x->purpose))
        err = RK_EINVAL; /* unreachable: tells the analyzer */
    if (err == RK_OK && !x->o->dry_run && x->o->adopted &&
        !(x->adopt = calloc(x->batch, sizeof *x->adopt)))
        err = RK_ENOMEM;
    if (err == RK_OK && !x->o->dry_run && !x->mailchimp && rk_client_links(c) &&
        !(x->links = calloc(x->batch, sizeof *x->links)))
        err = RK_ENOMEM;
    if (err != RK_OK)
        goto out;
    out->register_id = x->target->id;
    out->purpose = x->purpose->id;
    if ((err = rk_reg_batch_begin(reg)) != RK_OK) {
        err = store_failed(x, err, NULL);
        goto out;
    }
    /* What the pull writes is collected by "pull" (the consents' collector, the provenance's
     * and the audit's actor); the summary event is the caller's. */
    rk_reg_set_actor(reg, RK_PULL_ACTOR);
    err = rk_client_pull(c, on_pulled, x, e);
    if (err == RK_EREFUSED && x->fatal != RK_OK)
        err = x->fatal; /* e holds the reason on_pulled gave */
    if (err == RK_OK && x->o->dry_run) {
        rk_reg_batch_rollback(reg);
        add_counts(out, &x->pending);
    } else if (err == RK_OK) {
        err = commit(x, false);
    }
    if (rk_reg_in_batch(reg))
        rk_reg_batch_rollback(reg);
    rk_reg_set_actor(reg, actor);
    if (err == RK_OK && !x->o->dry_run) {
        char detail[RK_DECL_ID_MAX + 200];
        snprintf(detail, sizeof detail,
                 "%s: %lld read, %lld imported, %lld matched, %lld suppressed, %lld rejected",
                 r->id, out->read, out->imported, out->matched, out->suppressed, out->rejected);
        if ((err = rk_reg_audit(reg, "recipient.pull", NULL, detail, x->now)) != RK_OK)
            err = store_failed(x, err, NULL);
    }
out:
    free(x->adopt);
    free(x->links);
    free(x);
    return err;
}
