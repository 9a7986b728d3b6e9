/*
 * decl_recipients.c — the declaration's recipients (with their connectors, the
 * Mailchimp audience, what each receives (shares) and the purposes it serves), and
 * the website's cookies: the part of the loader (schema.h) that says who receives
 * personal data and which cookies the site sets.
 */
#include "decl/schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* https://host[:port][/path], or http:// for 127.0.0.1 and localhost only; printable ASCII
 * without spaces, quotes or angle brackets, no user part, no fragment. */
static bool connector_url_ok(const char *u) {
    const char *host = strncmp(u, "https://", 8) == 0  ? u + 8
                       : strncmp(u, "http://", 7) == 0 ? u + 7
                                                       : NULL;
    if (!host || strlen(u) > RK_CONNECTOR_URL_MAX)
        return false;
    size_t n = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
    if (n == 0)
        return false;
    if (u[4] == ':' && !((n == 9 && strncmp(host, "localhost", 9) == 0) ||
                         (n == 9 && strncmp(host, "127.0.0.1", 9) == 0)))
        return false;
    const char *rest = host + n;
    if (*rest == ':') {
        size_t digits = strspn(rest + 1, "0123456789");
        if (digits < 1 || digits > 5)
            return false;
        rest += 1 + digits;
    }
    if (*rest && *rest != '/')
        return false;
    for (; *rest; rest++)
        if (*rest <= ' ' || *rest > '~' || strchr("\"<>\\^`{|}#", *rest))
            return false;
    return true;
}

/* An environment variable's name: upper-case letters, digits and '_', not starting with a digit. */
static const char *get_env_name(struct ctx *c, const ynode *n, const char *what) {
    const char *s = dl_get_string(c, n, what);
    if (!s)
        return NULL;
    size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    if (len != n->len || len > RK_ENV_NAME_MAX || (s[0] >= '0' && s[0] <= '9')) {
        ERR_AT(c, n,
               "%s: expected the name of an environment variable (A-Z, 0-9, '_', at most %d "
               "characters), never the secret itself",
               what, RK_ENV_NAME_MAX);
        return NULL;
    }
    return s;
}

static const char *connector_type_id(unsigned i) {
    return rk_connector_type_id((enum rk_connector_type)(i + 1));
}
static const char *identity_format_id(unsigned i) {
    return rk_identity_format_id((enum rk_identity_format)i);
}

/* A Salesforce field's API name: a letter, then letters, digits and single '_' (custom fields
 * end in "__c"), not ending in '_', at most 80 (as connect/salesforce_api.c's
 * rk_sf_field_name_ok, which the client checks again). */
static bool sf_field_ok(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 80 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") < 1 ||
        strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
        return false;
    size_t end = n > 3 && strcmp(s + n - 3, "__c") == 0 ? n - 3 : n;
    for (size_t i = 1; i < end; i++)
        if (s[i] == '_' && s[i - 1] == '_')
            return false;
    return s[end - 1] != '_';
}

/* A Mailchimp audience id: letters and digits, 1 to 64 of them. */
static bool list_id_ok(const ynode *n) {
    return n->len >= 1 && n->len <= 64 &&
           strspn(n->str, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
               n->len;
}

/* The keys of recipient.connector, and which connector types take each (a bit per type). */
enum {
    CK_TYPE,
    CK_URL,
    CK_SECRET_ENV,
    CK_IDENTITY_FORMAT,
    CK_LIST_ID,
    CK_API_KEY_ENV,
    CK_PURPOSE,
    CK_RESTRICTED_TAG,
    CK_INSTANCE_URL,
    CK_CLIENT_ID_ENV,
    CK_CLIENT_SECRET_ENV,
    CK_EXTERNAL_ID_FIELD,
    CK_RESTRICTION_FIELD,
    CK_API_VERSION,
    CK_TOKEN_URL,
    CK__COUNT
};
#define T_(t)   (1u << (unsigned)(t))
#define T_HOOKS (T_(RK_CONNECTOR_WEBHOOK) | T_(RK_CONNECTOR_OPENGDPR))
#define T_MC    T_(RK_CONNECTOR_MAILCHIMP)
#define T_SF    T_(RK_CONNECTOR_SALESFORCE)
static const struct {
    unsigned takes, needs;
} connector_keys[CK__COUNT] = {
    [CK_TYPE] = {.takes = ~0u, .needs = ~0u},
    [CK_URL] = {.takes = T_HOOKS | T_MC, .needs = T_HOOKS},
    [CK_SECRET_ENV] = {.takes = T_HOOKS, .needs = T_HOOKS},
    [CK_IDENTITY_FORMAT] = {.takes = T_(RK_CONNECTOR_OPENGDPR)},
    [CK_LIST_ID] = {.takes = T_MC, .needs = T_MC},
    [CK_API_KEY_ENV] = {.takes = T_MC, .needs = T_MC},
    [CK_PURPOSE] = {.takes = T_MC},
    [CK_RESTRICTED_TAG] = {.takes = T_MC},
    [CK_INSTANCE_URL] = {.takes = T_SF, .needs = T_SF},
    [CK_CLIENT_ID_ENV] = {.takes = T_SF, .needs = T_SF},
    [CK_CLIENT_SECRET_ENV] = {.takes = T_SF, .needs = T_SF},
    [CK_EXTERNAL_ID_FIELD] = {.takes = T_SF, .needs = T_SF},
    [CK_RESTRICTION_FIELD] = {.takes = T_SF, .needs = T_SF},
    [CK_API_VERSION] = {.takes = T_SF},
    [CK_TOKEN_URL] = {.takes = T_SF},
};

static const char *url_of(struct ctx *c, const ynode *n, const char *what) {
    const char *u = dl_get_string(c, n, what);
    if (u && !connector_url_ok(u)) {
        ERR_AT(c, n,
               "%s: expected an https:// URL (http:// only for 127.0.0.1 or localhost), without "
               "spaces or a fragment",
               what);
        return NULL;
    }
    return u;
}

/* A Salesforce URL: a connector URL of at most 255 bytes (the client's limit). */
static const char *sf_url_of(struct ctx *c, const ynode *n, const char *what) {
    const char *u = url_of(c, n, what);
    if (u && strlen(u) > 255) {
        ERR_AT(c, n, "%s: at most 255 bytes", what);
        return NULL;
    }
    return u;
}

static const char *sf_field(struct ctx *c, const ynode *n, const char *what) {
    const char *f = dl_get_string(c, n, what);
    if (f && !sf_field_ok(f)) {
        ERR_AT(c, n,
               "%s: expected a Contact field's API name (a letter, then letters, digits and "
               "single '_', at most 80; custom fields end in __c), found '%.80s'",
               what, f);
        return NULL;
    }
    return f;
}

/*
 * recipient.connector: {type, …} with the keys of its type (connector_keys): webhook and
 * opengdpr {url, secret_env, identity_format}; mailchimp {list_id, api_key_env, url, purpose,
 * restricted_tag}; salesforce {instance_url, client_id_env, client_secret_env,
 * external_id_field, restriction_field, api_version, token_url}. What depends on the rest of
 * the recipient (the purpose, the audience) is checked by check_client_connector once all of
 * it is read; v gets the nodes.
 */
static void parse_connector(struct ctx *c, const ynode *n, struct rk_connector *k,
                            const ynode *v[CK__COUNT]) {
    static const char *const keys[CK__COUNT] = {"!type",
                                                "url",
                                                "secret_env",
                                                "identity_format",
                                                "list_id",
                                                "api_key_env",
                                                "purpose",
                                                "restricted_tag",
                                                "instance_url",
                                                "client_id_env",
                                                "client_secret_env",
                                                "external_id_field",
                                                "restriction_field",
                                                "api_version",
                                                "token_url"};
    k->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "recipient.connector", keys, v))
        return;
    int t = v[CK_TYPE] ? dl_get_enum(c, v[CK_TYPE], "recipient.connector.type", connector_type_id,
                                     RK_CONNECTOR_SALESFORCE)
                       : -1;
    if (t < 0)
        return;
    enum rk_connector_type type = (enum rk_connector_type)(t + 1);
    const char *tname = rk_connector_type_id(type);
    bool ok = true;
    for (unsigned i = 1; i < CK__COUNT; i++) {
        const char *name = keys[i][0] == '!' ? keys[i] + 1 : keys[i];
        if (v[i] && !(connector_keys[i].takes & T_(type))) {
            ERR_AT(c, v[i],
                   i == CK_IDENTITY_FORMAT && type == RK_CONNECTOR_WEBHOOK
                       ? "recipient.connector.%s: only an opengdpr connector takes it (a webhook "
                         "always sends the email as it is)"
                       : "recipient.connector.%s: a %s connector does not take this key",
                   name, tname);
            v[i] = NULL;
            ok = false;
        } else if (!v[i] && (connector_keys[i].needs & T_(type))) {
            ERR_AT(c, n,
                   "recipient.connector: required key '%s' is missing (a %s connector needs it)",
                   name, tname);
            ok = false;
        }
    }
    if (v[CK_URL])
        ok &= (k->url = url_of(c, v[CK_URL], "recipient.connector.url")) != NULL;
    if (v[CK_INSTANCE_URL])
        ok &=
            (k->url = sf_url_of(c, v[CK_INSTANCE_URL], "recipient.connector.instance_url")) != NULL;
    if (v[CK_TOKEN_URL])
        ok &=
            (k->token_url = sf_url_of(c, v[CK_TOKEN_URL], "recipient.connector.token_url")) != NULL;
    if (v[CK_SECRET_ENV])
        ok &= (k->secret_env =
                   get_env_name(c, v[CK_SECRET_ENV], "recipient.connector.secret_env")) != NULL;
    if (v[CK_API_KEY_ENV])
        ok &= (k->api_key_env =
                   get_env_name(c, v[CK_API_KEY_ENV], "recipient.connector.api_key_env")) != NULL;
    if (v[CK_CLIENT_ID_ENV])
        ok &= (k->client_id_env = get_env_name(c, v[CK_CLIENT_ID_ENV],
                                               "recipient.connector.client_id_env")) != NULL;
    if (v[CK_CLIENT_SECRET_ENV])
        ok &= (k->client_secret_env = get_env_name(
                   c, v[CK_CLIENT_SECRET_ENV], "recipient.connector.client_secret_env")) != NULL;
    if (v[CK_IDENTITY_FORMAT]) {
        int f = dl_get_enum(c, v[CK_IDENTITY_FORMAT], "recipient.connector.identity_format",
                            identity_format_id, 2);
        if (f >= 0)
            k->identity_format = (enum rk_identity_format)f;
    }
    if (v[CK_LIST_ID]) {
        k->list_id = dl_get_string(c, v[CK_LIST_ID], "recipient.connector.list_id");
        if (k->list_id && !list_id_ok(v[CK_LIST_ID])) {
            ERR_AT(c, v[CK_LIST_ID],
                   "recipient.connector.list_id: expected the audience id as Mailchimp shows it "
                   "(letters and digits, at most 64)");
            k->list_id = NULL;
        }
        ok &= k->list_id != NULL;
    }
    if (type == RK_CONNECTOR_MAILCHIMP)
        k->restricted_tag = "rekisteri: restricted";
    if (v[CK_RESTRICTED_TAG]) {
        const char *tag =
            dl_get_string(c, v[CK_RESTRICTED_TAG], "recipient.connector.restricted_tag");
        if (tag && (v[CK_RESTRICTED_TAG]->len < 1 || v[CK_RESTRICTED_TAG]->len > 100)) {
            ERR_AT(c, v[CK_RESTRICTED_TAG],
                   "recipient.connector.restricted_tag: expected a Mailchimp tag name of 1 to 100 "
                   "bytes");
            tag = NULL;
        }
        ok &= tag != NULL;
        if (tag)
            k->restricted_tag = tag;
    }
    if (v[CK_EXTERNAL_ID_FIELD])
        ok &= (k->external_id_field = sf_field(c, v[CK_EXTERNAL_ID_FIELD],
                                               "recipient.connector.external_id_field")) != NULL;
    if (v[CK_RESTRICTION_FIELD])
        ok &= (k->restriction_field = sf_field(c, v[CK_RESTRICTION_FIELD],
                                               "recipient.connector.restriction_field")) != NULL;
    if (k->external_id_field && k->restriction_field &&
        strcmp(k->external_id_field, k->restriction_field) == 0) {
        ERR_AT(c, v[CK_RESTRICTION_FIELD],
               "recipient.connector.restriction_field: must be another field than "
               "external_id_field (a checkbox, not the id)");
        ok = false;
    }
    if (type == RK_CONNECTOR_SALESFORCE)
        k->api_version = "60.0";
    if (v[CK_API_VERSION]) {
        const ynode *a = v[CK_API_VERSION];
        const char *ver = dl_get_string(c, a, "recipient.connector.api_version");
        size_t major = ver ? strspn(ver, "0123456789") : 0;
        if (ver && !(major >= 1 && major <= 3 && ver[major] == '.' && ver[major + 1] == '0' &&
                     ver[major + 2] == '\0')) {
            ERR_AT(c, a,
                   "recipient.connector.api_version: expected a Salesforce REST API version such "
                   "as \"60.0\" (quote it in YAML)");
            ver = NULL;
        }
        ok &= ver != NULL;
        if (ver)
            k->api_version = ver;
    }
    if (ok)
        k->type = type;
}

static void parse_mailchimp(struct ctx *c, const ynode *n, struct rk_recipient *r) {
    static const char *const keys[] = {"!list_id", "!secret_env", "!purpose"};
    const ynode *v[3];
    struct rk_mailchimp *m = &r->mailchimp;
    struct rk_decl *d = c->d;
    m->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "recipient.mailchimp", keys, v))
        return;
    if (v[0]) {
        m->list_id = dl_get_string(c, v[0], "recipient.mailchimp.list_id");
        if (m->list_id && (strspn(m->list_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789") != v[0]->len ||
                           v[0]->len > 64)) {
            ERR_AT(c, v[0],
                   "recipient.mailchimp.list_id: expected the audience id as Mailchimp shows it "
                   "(letters and digits, at most 64)");
            m->list_id = NULL;
        }
    }
    if (v[1])
        m->secret_env = get_env_name(c, v[1], "recipient.mailchimp.secret_env");
    if (v[2])
        m->purpose = dl_ref_one(c, v[2], "recipient.mailchimp.purpose", "purpose", d->purposes,
                                d->npurposes, sizeof *d->purposes);
    if (v[2] && m->purpose && m->purpose->basis != RK_BASIS_CONSENT) {
        ERR_AT(c, v[2],
               "recipient.mailchimp.purpose: '%s' rests on %s; an unsubscribe withdraws a "
               "consent, so the purpose must rest on consent",
               m->purpose->id, rk_basis_id(m->purpose->basis));
        m->purpose = NULL;
    }
    bool held = false;
    for (size_t i = 0; m->purpose && i < r->nregisters; i++)
        held |= rk_register_has_purpose(r->registers[i], m->purpose);
    if (v[2] && m->purpose && r->nregisters && !held) {
        ERR_AT(c, v[2],
               "recipient.mailchimp.purpose: none of this recipient's registers declares "
               "purpose '%s'",
               m->purpose->id);
        m->purpose = NULL;
    }
    m->declared = m->list_id && m->secret_env && m->purpose;
}

/*
 * What a client connector needs of the rest of its recipient, once all of it is read: a
 * mailchimp connector's purpose (connector.purpose, else mailchimp.purpose) rests on consent
 * and is declared by one of the recipient's registers; its audience is the one the inbound
 * mailchimp hook names, when both are declared; and when shares are declared, email is among
 * them (it is the member's identity).
 */
static void check_client_connector(struct ctx *c, const ynode *n, const ynode *const v[CK__COUNT],
                                   struct rk_recipient *r) {
    struct rk_connector *k = &r->connector;
    struct rk_decl *d = c->d;
    if (k->type != RK_CONNECTOR_MAILCHIMP)
        return;
    const ynode *at = v[CK_PURPOSE] ? v[CK_PURPOSE] : n;
    if (v[CK_PURPOSE])
        k->purpose = dl_ref_one(c, v[CK_PURPOSE], "recipient.connector.purpose", "purpose",
                                d->purposes, d->npurposes, sizeof *d->purposes);
    else
        k->purpose = r->mailchimp.purpose;
    if (!k->purpose) {
        if (!v[CK_PURPOSE])
            ERR_AT(c, n,
                   "recipient.connector.purpose: a mailchimp connector subscribes the audience "
                   "of a purpose; name it here or in the recipient's mailchimp.purpose");
        k->type = RK_CONNECTOR_NONE;
        return;
    }
    bool held = false;
    for (size_t i = 0; i < r->nregisters; i++)
        held |= rk_register_has_purpose(r->registers[i], k->purpose);
    if (k->purpose->basis != RK_BASIS_CONSENT) {
        ERR_AT(c, at,
               "recipient.connector.purpose: '%s' rests on %s; Mailchimp's subscribed members "
               "are the audience of a consent, so the purpose must rest on consent",
               k->purpose->id, rk_basis_id(k->purpose->basis));
        k->type = RK_CONNECTOR_NONE;
    } else if (r->nregisters && !held) {
        ERR_AT(c, at,
               "recipient.connector.purpose: none of this recipient's registers declares "
               "purpose '%s'",
               k->purpose->id);
        k->type = RK_CONNECTOR_NONE;
    }
    if (r->mailchimp.list_id && k->list_id && strcmp(r->mailchimp.list_id, k->list_id) != 0) {
        ERR_AT(c, v[CK_LIST_ID],
               "recipient.connector.list_id: '%s' is not the audience of this recipient's "
               "mailchimp hook ('%s'); one recipient is one audience",
               k->list_id, r->mailchimp.list_id);
        k->type = RK_CONNECTOR_NONE;
    }
    for (size_t i = 0; i < r->nshares; i++) {
        bool email = false;
        for (size_t j = 0; j < r->shares[i].ncategories; j++)
            email |= strcmp(r->shares[i].categories[j]->id, "email") == 0;
        if (!email && rk_register_has_purpose(r->shares[i].reg, k->purpose)) {
            ERR_AT(c, n,
                   "recipient.connector: a mailchimp member is its address, but the recipient's "
                   "shares from register '%s' do not include email",
                   r->shares[i].reg->id);
            k->type = RK_CONNECTOR_NONE;
        }
    }
}

/* The categories a list of ids names (recipient.shares or one of its map's values). */
static const struct rk_category **share_list(struct ctx *c, const ynode *n, size_t *count) {
    struct rk_decl *d = c->d;
    return (const struct rk_category **)REFS(c, n, "recipient.shares", "category", d->categories,
                                             d->ncategories, count);
}

/*
 * shares: a list of category ids (what the recipient receives from each of its registers),
 * or a mapping register id -> list, with an entry for every register of the recipient and
 * for no other. r->shares gets one entry per register, in the order of r->registers; on any
 * error it stays empty (the load fails anyway).
 */
static void parse_shares(struct ctx *c, const ynode *n, struct rk_recipient *r) {
    r->shares_loc = dl_loc_of(n);
    if (r->nregisters == 0)
        return; /* registers is required and was refused already */
    struct rk_share *sh = dl_alloc(c, r->nregisters * sizeof *sh);
    if (!sh)
        return;
    for (size_t i = 0; i < r->nregisters; i++)
        sh[i] = (struct rk_share){.reg = r->registers[i], .loc = dl_loc_of(n)};
    bool ok = true;
    if (n->type == RK_Y_SEQ) {
        size_t nc = 0;
        const struct rk_category **cats = share_list(c, n, &nc);
        if (!cats || nc != n->n)
            return;
        for (size_t i = 0; i < r->nregisters; i++) {
            sh[i].categories = cats;
            sh[i].ncategories = nc;
        }
    } else if (n->type == RK_Y_MAP) {
        r->shares_by_register = true;
        for (size_t k = 0; k < n->n; k++) {
            const ynode *key = n->items[2 * k], *val = n->items[2 * k + 1];
            const char *id = dl_get_id(c, key, "recipient.shares");
            if (!id) {
                ok = false;
                continue;
            }
            struct rk_share *slot = NULL;
            for (size_t i = 0; i < r->nregisters; i++)
                if (strcmp(r->registers[i]->id, id) == 0)
                    slot = &sh[i];
            if (!slot) {
                ERR_AT(c, key,
                       rk_decl_register(c->d, id)
                           ? "recipient.shares: register '%s' is not among this recipient's "
                             "registers; add it to recipient.registers or remove it here"
                           : "recipient.shares: '%s' is not a declared register",
                       id);
                ok = false;
                continue;
            }
            if (slot->categories) {
                ERR_AT(c, key, "recipient.shares: register '%s' is listed twice", id);
                ok = false;
                continue;
            }
            size_t nc = 0;
            slot->categories = share_list(c, val, &nc);
            slot->ncategories = nc;
            slot->loc = dl_loc_of(val);
            ok &= slot->categories && nc == val->n;
        }
        for (size_t i = 0; ok && i < r->nregisters; i++)
            if (!sh[i].categories) {
                ERR_AT(c, n,
                       "recipient.shares: nothing declared for register '%s'; list the "
                       "categories the recipient receives from it, or remove it from "
                       "recipient.registers",
                       sh[i].reg->id);
                ok = false;
            }
    } else {
        ERR_AT(c, n,
               "recipient.shares: expected a list of category ids or a mapping of register ids "
               "to such lists, found %s",
               dl_type_name(n));
        return;
    }
    if (ok) {
        r->shares = sh;
        r->nshares = r->nregisters;
    }
}

/* purposes: the purposes the recipient serves, each declared by one of its registers. */
static void parse_purposes(struct ctx *c, const ynode *n, struct rk_recipient *r) {
    struct rk_decl *d = c->d;
    r->purposes_loc = dl_loc_of(n);
    r->purposes = (struct rk_purpose **)REFS(c, n, "recipient.purposes", "purpose", d->purposes,
                                             d->npurposes, &r->npurposes);
    for (size_t k = 0; r->purposes && k < r->npurposes; k++) {
        bool held = false;
        for (size_t i = 0; i < r->nregisters; i++)
            held |= rk_register_has_purpose(r->registers[i], r->purposes[k]);
        if (r->nregisters && !held)
            ERR_AT(c, n,
                   "recipient.purposes: none of this recipient's registers declares purpose '%s'",
                   r->purposes[k]->id);
    }
}

const struct rk_share *rk_recipient_share(const struct rk_recipient *r,
                                          const struct rk_register *reg) {
    for (size_t i = 0; i < r->nshares; i++)
        if (r->shares[i].reg == reg)
            return &r->shares[i];
    return NULL;
}

bool rk_recipient_serves(const struct rk_recipient *r, const struct rk_purpose *p) {
    if (r->mailchimp.purpose == p || (p && r->connector.purpose == p))
        return true;
    for (size_t i = 0; i < r->npurposes; i++)
        if (r->purposes[i] == p)
            return true;
    return false;
}

void dl_each_recipient(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",       "!name",   "!role",      "!country",
                                       "transfer",  "purpose", "!registers", "connector",
                                       "mailchimp", "shares",  "purposes",   "dpf_verified",
                                       "safeguards_copy"};
    const ynode *v[13], *kv[CK__COUNT] = {0};
    struct rk_recipient *r = item;
    struct rk_decl *d = c->d;
    r->loc = r->transfer_loc = dl_loc_of(n);
    if (!FIELDS(c, n, "recipient", keys, v))
        return;
    if (v[0])
        r->id = dl_get_id(c, v[0], "recipient.id");
    if (v[1])
        r->name = dl_get_string(c, v[1], "recipient.name");
    int role = v[2] ? dl_get_enum(c, v[2], "recipient.role", dl_role_id, 2) : -1;
    if (role >= 0)
        r->role = (enum rk_recipient_role)role;
    if (v[3])
        (void)dl_get_country(c, v[3], "recipient.country", r->country);
    if (v[4]) {
        int t = dl_get_enum(c, v[4], "recipient.transfer", dl_transfer_id, RK_TRANSFER__COUNT);
        if (t >= 0)
            r->transfer = (enum rk_transfer)t;
        r->transfer_loc = dl_loc_of(v[4]);
    } else if (r->country[0] && rk_country_adequate(r->country))
        r->transfer = RK_TRANSFER_ADEQUACY; /* the law supplies the mechanism */
    dl_parse_transfer_extras(c, "recipient", v[11], v[12], r->transfer, &r->dpf_verified,
                             &r->safeguards_copy);
    if (v[5])
        dl_get_text(c, v[5], "recipient.purpose", &r->purpose);
    if (v[6])
        r->registers = (struct rk_register **)REFS(c, v[6], "recipient.registers", "register",
                                                   d->registers, d->nregisters, &r->nregisters);
    if (v[7])
        parse_connector(c, v[7], &r->connector, kv);
    if (v[8])
        parse_mailchimp(c, v[8], r);
    if (v[9])
        parse_shares(c, v[9], r);
    if (v[10])
        parse_purposes(c, v[10], r);
    if (v[7])
        check_client_connector(c, v[7], kv, r);
}

/* "https://host" or "https://host:port" (http only for localhost), nothing after. */
bool dl_origin_ok(const char *o) {
    const char *host = strncmp(o, "https://", 8) == 0  ? o + 8
                       : strncmp(o, "http://", 7) == 0 ? o + 7
                                                       : NULL;
    if (!host || !*host)
        return false;
    if (o[4] == ':' && strncmp(host, "localhost", 9) != 0 && strncmp(host, "127.0.0.1", 9) != 0)
        return false;
    size_t n = strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789.-");
    if (n == 0)
        return false;
    if (host[n] == ':') {
        size_t digits = strspn(host + n + 1, "0123456789");
        return digits >= 1 && digits <= 5 && host[n + 1 + digits] == '\0';
    }
    return host[n] == '\0';
}

/* One cookie a vendor sets: {name: _ga, lifetime: 2y} (lifetime "session" or a period). */
static void each_cookie(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!name", "!lifetime"};
    const ynode *v[2];
    struct rk_cookie *k = item;
    if (!FIELDS(c, n, "cookie", keys, v))
        return;
    if (v[0]) {
        k->name = dl_get_string(c, v[0], "cookies.vendors.cookies.name");
        /* a cookie name is an RFC 6265 token; '*' only as the last character (a prefix) */
        size_t len = k->name ? strlen(k->name) : 0;
        size_t ok = k->name ? strcspn(k->name, " \t\"(),/:;<=>?@[\\]{}*") : 0;
        if (k->name &&
            (len == 0 || !(ok == len || (ok > 0 && ok == len - 1 && k->name[ok] == '*'))))
            ERR_AT(c, v[0],
                   "cookies.vendors.cookies.name: '%.60s' is not a cookie name (letters, digits "
                   "and -_.!#$%%&'*+^`|~, with '*' only at the end to match any rest)",
                   k->name);
    }
    if (v[1]) {
        if (v[1]->type == RK_Y_SCALAR && strcmp(v[1]->str, "session") == 0)
            k->lifetime = (struct rk_duration){0, 0};
        else
            dl_get_duration(c, v[1], "cookies.vendors.cookies.lifetime (or session)", &k->lifetime);
    }
}

/* A vendor: its name alone, or {name, country, transfer, cookies}. */
static void each_vendor(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!name",   "country",      "transfer",
                                       "cookies", "dpf_verified", "safeguards_copy"};
    const ynode *v[6];
    struct rk_cookie_vendor *vd = item;
    vd->loc = vd->transfer_loc = dl_loc_of(n);
    if (n->type == RK_Y_SCALAR) {
        vd->name = dl_get_string(c, n, "cookies.categories.vendors");
        return;
    }
    if (!FIELDS(c, n, "cookie vendor", keys, v))
        return;
    if (v[0])
        vd->name = dl_get_string(c, v[0], "cookies.vendors.name");
    if (v[1])
        (void)dl_get_country(c, v[1], "cookies.vendors.country", vd->country);
    if (v[2]) {
        int t =
            dl_get_enum(c, v[2], "cookies.vendors.transfer", dl_transfer_id, RK_TRANSFER__COUNT);
        if (t >= 0)
            vd->transfer = (enum rk_transfer)t;
        vd->transfer_loc = dl_loc_of(v[2]);
    } else if (vd->country[0] && rk_country_adequate(vd->country))
        vd->transfer = RK_TRANSFER_ADEQUACY;
    dl_parse_transfer_extras(c, "cookies.vendors", v[4], v[5], vd->transfer, &vd->dpf_verified,
                             &vd->safeguards_copy);
    if (v[3])
        vd->cookies = dl_section(c, v[3], "cookies.vendors.cookies", sizeof *vd->cookies, false,
                                 false, each_cookie, &vd->ncookies);
}

static void each_cookie_category(struct ctx *c, const ynode *n, void *item) {
    static const char *const keys[] = {"!id",       "!name",   "purpose",
                                       "essential", "vendors", "consent_mode"};
    const ynode *v[6];
    struct rk_cookie_category *cc = item;
    cc->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "cookie category", keys, v))
        return;
    if (v[0])
        cc->id = dl_get_id(c, v[0], "cookies.categories.id");
    if (v[1])
        dl_get_text(c, v[1], "cookies.categories.name", &cc->name);
    if (v[2])
        dl_get_text(c, v[2], "cookies.categories.purpose", &cc->purpose);
    if (v[3])
        dl_get_bool(c, v[3], "cookies.categories.essential", &cc->essential);
    if (v[4])
        cc->vendors = dl_section(c, v[4], "cookies.categories.vendors", sizeof *cc->vendors, false,
                                 false, each_vendor, &cc->nvendors);
    if (v[5])
        cc->consent_mode =
            dl_get_bits(c, v[5], "cookies.categories.consent_mode", dl_signal_id, RK_GCM__COUNT);
    if (v[5] && cc->essential && cc->consent_mode)
        ERR_AT(c, v[5],
               "cookies.categories.consent_mode: an essential category is always on; Consent "
               "Mode signals belong to the categories a visitor chooses");
}

void dl_parse_cookies(struct ctx *c, const ynode *n) {
    static const char *const keys[] = {"description",  "!categories",      "origins",
                                       "settings_url", "consent_validity", "log_retention"};
    const ynode *v[6];
    struct rk_cookies *ck = &c->d->cookies;
    ck->loc = dl_loc_of(n);
    ck->consent_validity = RK_COOKIE_VALIDITY_DEFAULT;
    ck->log_retention = RK_COOKIE_LOG_DEFAULT;
    if (!FIELDS(c, n, "cookies", keys, v))
        return;
    ck->declared = true;
    if (v[0])
        dl_get_text(c, v[0], "cookies.description", &ck->description);
    ck->categories = dl_section(c, v[1], "cookies.categories", sizeof *ck->categories, true, true,
                                each_cookie_category, &ck->ncategories);
    if (v[2] && dl_get_list(c, v[2], "cookies.origins", false)) {
        for (size_t i = 0; i < v[2]->n; i++) {
            const char *o = dl_get_string(c, v[2]->items[i], "cookies.origins");
            if (o && !dl_origin_ok(o))
                ERR_AT(c, v[2]->items[i],
                       "cookies.origins: '%.80s' is not an origin; expected https://host or "
                       "https://host:port with nothing after it",
                       o);
            else if (o && ck->norigins == RK_COOKIE_MAX_ORIGINS)
                ERR_AT(c, v[2]->items[i], "cookies.origins: at most %d origins",
                       RK_COOKIE_MAX_ORIGINS);
            else if (o)
                ck->origins[ck->norigins++] = o;
        }
    }
    if (v[3]) {
        ck->settings_url = dl_get_string(c, v[3], "cookies.settings_url");
        if (ck->settings_url && strncmp(ck->settings_url, "https://", 8) != 0 &&
            strncmp(ck->settings_url, "http://localhost", 16) != 0 &&
            strncmp(ck->settings_url, "http://127.0.0.1", 16) != 0)
            ERR_AT(c, v[3], "cookies.settings_url: expected an https:// address");
    }
    if (v[4])
        dl_get_duration(c, v[4], "cookies.consent_validity", &ck->consent_validity);
    if (v[5])
        dl_get_duration(c, v[5], "cookies.log_retention", &ck->log_retention);
}
