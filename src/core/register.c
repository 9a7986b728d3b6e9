/*
 * register.c — the write rules of the registers (see register.h).
 *
 * Each write runs in two phases: check (declaration, suppression,
 * duplicates, consent state — reads only) and then apply (the writes). A
 * refusal therefore never leaves half a write behind, even inside a batch.
 */
#include "core/register.h"
#include "core/search.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/consent.h"
#include "core/view.h"
#include "views/notice.h"
#include "util/buf.h"

__attribute__((format(printf, 2, 3))) static rk_err refuse(struct rk_msg *msg, const char *fmt,
                                                           ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg->text, sizeof msg->text, fmt, ap);
    va_end(ap);
    msg->field[0] = msg->fi[0] = '\0';
    return RK_EREFUSED;
}

/* Adds to a refusal already in msg the field it concerns and its Finnish, for people; err is
 * passed through. */
static rk_err for_people(struct rk_msg *msg, rk_err err, const char *field, const char *fi) {
    snprintf(msg->field, sizeof msg->field, "%s", field ? field : "");
    snprintf(msg->fi, sizeof msg->fi, "%s", fi);
    return err;
}

static rk_err store_failed(struct rk_msg *msg, rk_err err) {
    if (err == RK_ESTORAGE) /* the store's message names the cause: disk full, read-only */
        snprintf(msg->text, sizeof msg->text, "%s", rk_store_last_error());
    else
        snprintf(msg->text, sizeof msg->text, "storage failed: %s (%s)", rk_err_str(err),
                 rk_store_last_error());
    return err;
}

rk_err rk_reg_init(struct rk_reg *reg, const struct rk_decl *d, struct rk_store *s,
                   const struct rk_keys *k, const char *actor) {
    memset(reg, 0, sizeof *reg);
    reg->decl = d;
    reg->store = s;
    reg->keys = *k;
    reg->actor = actor;
    if (s) { /* queued mail is sealed under the outbox subkey (store.h, struct rk_store) */
        memcpy(s->mail_key, k->outbox, sizeof s->mail_key);
        s->mail_keyed = true;
    }
    rk_date_iso(d->last_changed.y ? d->last_changed : d->drafted, reg->notice_version);
    if (!d->last_changed.y && !d->drafted.y)
        snprintf(reg->notice_version, sizeof reg->notice_version, "undated");
    for (int lang = 0; lang < 2; lang++) {
        struct rk_buf b;
        unsigned char digest[crypto_hash_sha256_BYTES];
        rk_buf_init(&b);
        rk_err err = rk_notice_render(d, (enum rk_lang)lang, RK_NOTICE_MD, &b);
        if (err == RK_OK)
            crypto_hash_sha256(digest, (const unsigned char *)b.data, b.len);
        rk_buf_cleanup(&b);
        if (err != RK_OK)
            return err;
        sodium_bin2hex(reg->notice_sha256[lang], sizeof reg->notice_sha256[lang], digest,
                       sizeof digest);
    }
    return RK_OK;
}

/* ---- Transactions ------------------------------------------------------------------- */

rk_err rk_reg_batch_begin(struct rk_reg *reg) {
    rk_err err = rk_store_begin(reg->store);
    reg->in_batch = err == RK_OK;
    return err;
}

rk_err rk_reg_batch_commit(struct rk_reg *reg) {
    rk_err err = rk_store_commit(reg->store);
    if (err == RK_OK)
        reg->in_batch = false;
    else
        rk_reg_batch_rollback(reg); /* a failed COMMIT still ends the transaction */
    return err;
}

void rk_reg_batch_rollback(struct rk_reg *reg) {
    rk_store_rollback(reg->store);
    reg->in_batch = false;
    reg->last_prov.id = 0;
}

rk_err rk_reg_work_begin(struct rk_reg *reg, struct rk_work *w) {
    w->own = !reg->in_batch;
    return w->own ? rk_reg_batch_begin(reg) : RK_OK;
}

rk_err rk_reg_work_end(struct rk_reg *reg, const struct rk_work *w, rk_err err) {
    if (!w->own)
        return err;
    if (err == RK_OK)
        return rk_reg_batch_commit(reg); /* rolls back itself when the COMMIT fails */
    rk_reg_batch_rollback(reg);
    return err;
}

static rk_err audit(struct rk_reg *reg, rk_err err, const char *action, const char *person_id,
                    const char *detail, rk_ts at) {
    if (err != RK_OK)
        return err;
    return rk_audit_append(reg->store, &reg->keys, at, reg->actor, action, person_id, detail);
}

rk_err rk_reg_audit(struct rk_reg *reg, const char *action, const char *person_id,
                    const char *detail, rk_ts at) {
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK)
        err = rk_reg_work_end(reg, &tx, audit(reg, RK_OK, action, person_id, detail, at));
    return err;
}

/* ---- Checks against the declaration ----------------------------------------------------- */

static bool register_has_purpose(const struct rk_register *r, const char *purpose) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (strcmp(r->purposes[i]->id, purpose) == 0)
            return true;
    return false;
}

static const struct rk_category *register_category(const struct rk_register *r, const char *id) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (strcmp(r->categories[i]->id, id) == 0)
            return r->categories[i];
    return NULL;
}

static const struct rk_category *register_kind(const struct rk_register *r,
                                               enum rk_category_kind k) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (r->categories[i]->kind == k)
            return r->categories[i];
    return NULL;
}

/* Whether source s feeds purpose p: every purpose of its registers, unless it
 * names its purposes. */
static bool source_feeds(const struct rk_source *s, const struct rk_purpose *p) {
    if (s->npurposes == 0)
        return true;
    for (size_t i = 0; i < s->npurposes; i++)
        if (s->purposes[i] == p)
            return true;
    return false;
}

/* Whether the declaration lets data from source kind k into register r for
 * purpose p. With no sources declared at all, any source is accepted. */
static bool source_allowed(const struct rk_decl *d, const struct rk_register *r,
                           const struct rk_purpose *p, enum rk_source_kind k) {
    if (d->nsources == 0)
        return true;
    for (size_t i = 0; i < d->nsources; i++) {
        if (d->sources[i].kind != k || !source_feeds(&d->sources[i], p))
            continue;
        for (size_t j = 0; j < d->sources[i].nregisters; j++)
            if (d->sources[i].registers[j] == r)
                return true;
    }
    return false;
}

/* Checks register, purpose and source of a write; sets *reg_out and *purpose_out. */
static rk_err check_write(struct rk_reg *reg, const struct rk_write *w,
                          const struct rk_register **reg_out, const struct rk_purpose **purpose_out,
                          struct rk_msg *msg) {
    const struct rk_register *r =
        w->register_id ? rk_decl_register(reg->decl, w->register_id) : NULL;
    if (!r)
        return refuse(msg, "register '%s' is not declared", w->register_id ? w->register_id : "");
    if (!w->purpose)
        return refuse(msg, "a write must name its purpose; register '%s' declares: %s%s", r->id,
                      r->purposes[0]->id, r->npurposes > 1 ? ", ..." : "");
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, w->purpose);
    if (!p)
        return refuse(msg, "purpose '%s' is not declared", w->purpose);
    if (!register_has_purpose(r, w->purpose))
        return refuse(msg, "purpose '%s' is not a declared purpose of register '%s'", p->id, r->id);
    if (!source_allowed(reg->decl, r, p, w->source))
        return refuse(msg, "source '%s' is not declared for register '%s' and purpose '%s'",
                      rk_source_kind_id(w->source), r->id, p->id);
    if (rk_text_field_check("source_detail", w->source_detail, false, msg->text,
                            sizeof msg->text) != RK_OK)
        return RK_EINVAL;

    *reg_out = r;
    *purpose_out = p;
    return RK_OK;
}

/* Every given field must be a category the register declares. */
static rk_err check_categories(const struct rk_register *r, const struct rk_contact *c,
                               struct rk_msg *msg) {
    for (int f = 0; f < RK_F__COUNT; f++)
        if (c->v[f] && !register_category(r, rk_field_id((enum rk_field)f)))
            return refuse(msg, "category '%s' is not declared for register '%s'",
                          rk_field_id((enum rk_field)f), r->id);
    return RK_OK;
}

/* The keyed hashes of a write's email and phone, computed once per write;
 * all[i] also holds them under each retired key generation (after all[i][0],
 * the current one), for the suppression list (core/rotate.h). */
struct hashes {
    bool has[2]; /* [0] email, [1] phone */
    unsigned char h[2][RK_HASH_LEN];
    size_t n[2];
    unsigned char all[2][RK_KEYGEN_MAX][RK_HASH_LEN];
};

static const enum rk_field hashed[2] = {RK_F_EMAIL, RK_F_PHONE};

static void hash_contact(struct rk_reg *reg, const struct rk_contact *c, struct hashes *out) {
    for (int i = 0; i < 2; i++) {
        out->has[i] = c->v[hashed[i]] != NULL;
        out->n[i] = 0;
        if (out->has[i]) {
            out->n[i] = rk_keys_hash_all(&reg->keys, hashed[i], c->v[hashed[i]], out->all[i]);
            memcpy(out->h[i], out->all[i][0], RK_HASH_LEN);
        }
    }
}

static rk_err check_suppressed(struct rk_reg *reg, const struct hashes *hs, struct rk_msg *msg) {
    for (int i = 0; i < 2; i++) {
        bool hit = false;
        if (!hs->has[i])
            continue;
        for (size_t g = 0; g < hs->n[i] && !hit; g++) {
            rk_err err = rk_store_suppressed(reg->store, hs->all[i][g], &hit);
            if (err != RK_OK)
                return store_failed(msg, err);
        }
        if (hit) {
            msg->suppressed = true;
            return for_people(msg,
                              refuse(msg,
                                     "the %s is on the suppression list (the person objected "
                                     "or was erased)",
                                     rk_field_id(hashed[i])),
                              rk_field_id(hashed[i]),
                              hashed[i] == RK_F_EMAIL
                                  ? "Sähköpostiosoite on estolistalla: henkilö on vastustanut "
                                    "käsittelyä tai hänen tietonsa on poistettu."
                                  : "Puhelinnumero on estolistalla: henkilö on vastustanut "
                                    "käsittelyä tai hänen tietonsa on poistettu.");
        }
    }
    return RK_OK;
}

/* Refuses an email or phone that another person already has in the register. */
static rk_err check_unique(struct rk_reg *reg, const struct rk_register *r, const char *self,
                           const struct hashes *hs, struct rk_msg *msg) {
    for (int i = 0; i < 2; i++) {
        char other[RK_ID_LEN + 1];
        if (!hs->has[i])
            continue;
        rk_err err = rk_store_find_by_hash(reg->store, hs->h[i], r->id, other);
        if (err == RK_ENOENT)
            continue;
        if (err != RK_OK)
            return store_failed(msg, err);
        if (!self || strcmp(self, other) != 0) {
            snprintf(msg->text, sizeof msg->text,
                     "a person with this %s is already in register '%s' (person %s)",
                     rk_field_id(hashed[i]), r->id, other);
            return for_people(msg, RK_ECONFLICT, rk_field_id(hashed[i]),
                              hashed[i] == RK_F_EMAIL
                                  ? "Rekisterissä on jo henkilö, jolla on tämä sähköpostiosoite."
                                  : "Rekisterissä on jo henkilö, jolla on tämä puhelinnumero.");
        }
    }
    return RK_OK;
}

static rk_err check_person(struct rk_reg *reg, const char *person_id, struct rk_msg *msg) {
    bool restricted = false;
    rk_err err = rk_store_person_exists(reg->store, person_id, &restricted, NULL);
    if (err == RK_ENOENT) {
        snprintf(msg->text, sizeof msg->text, "no person with id '%s'", person_id);
        return RK_ENOENT;
    }
    if (err != RK_OK)
        return store_failed(msg, err);
    if (restricted)
        return for_people(msg,
                          refuse(msg,
                                 "person %s is restricted (art 18): only lifting the "
                                 "restriction is allowed",
                                 person_id),
                          NULL,
                          "Henkilön tietojen käsittelyä on rajoitettu (art. 18): vain "
                          "rajoituksen poistaminen on sallittu.");
    return RK_OK;
}

/* The purposes of register r all rest on consent: it holds people only while consenting. */
static bool consent_register(const struct rk_register *r) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (r->purposes[i]->basis != RK_BASIS_CONSENT)
            return false;
    return r->npurposes > 0;
}

bool rk_register_on_consent(const struct rk_register *r) { return consent_register(r); }

/* ---- Applying writes ------------------------------------------------------------------ */

static rk_err new_provenance(struct rk_reg *reg, const struct rk_write *w, int64_t *id) {
    const char *detail = w->source_detail ? w->source_detail : "";
    if (reg->last_prov.id && reg->last_prov.source == w->source && reg->last_prov.at == w->at &&
        strcmp(reg->last_prov.detail, detail) == 0 &&
        strcmp(reg->last_prov.purpose, w->purpose) == 0 &&
        strcmp(reg->last_prov.by, reg->actor) == 0) {
        *id = reg->last_prov.id;
        return RK_OK;
    }
    struct rk_provenance p = {w->source, w->source_detail, w->purpose, w->at, reg->actor};
    rk_err err = rk_store_provenance_insert(reg->store, &p, id);
    reg->last_prov.id = 0;
    if (err == RK_OK && strlen(detail) < sizeof reg->last_prov.detail &&
        strlen(w->purpose) < sizeof reg->last_prov.purpose &&
        strlen(reg->actor) < sizeof reg->last_prov.by) {
        reg->last_prov.id = *id;
        reg->last_prov.source = w->source;
        reg->last_prov.at = w->at;
        snprintf(reg->last_prov.detail, sizeof reg->last_prov.detail, "%s", detail);
        snprintf(reg->last_prov.purpose, sizeof reg->last_prov.purpose, "%s", w->purpose);
        snprintf(reg->last_prov.by, sizeof reg->last_prov.by, "%s", reg->actor);
    }
    return err;
}

/* Copies the given fields of c (and their hashes) into e with provenance prov. */
static void set_fields(struct rk_entry *e, const struct rk_contact *c, const struct hashes *hs,
                       int64_t prov) {
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (!c->v[f])
            continue;
        e->v[f] = c->v[f];
        e->prov[f] = prov;
    }
    if (hs->has[0])
        memcpy(e->email_hash, hs->h[0], RK_HASH_LEN);
    if (hs->has[1])
        memcpy(e->phone_hash, hs->h[1], RK_HASH_LEN);
}

static rk_err append_consent(struct rk_reg *reg, const char *person_id, const struct rk_purpose *p,
                             enum rk_consent_kind kind, const struct rk_consent_input *in,
                             struct rk_consent_state *st) {
    struct rk_consent_event *e = calloc(1, sizeof *e);
    if (!e)
        return RK_ENOMEM;
    snprintf(e->person_id, sizeof e->person_id, "%s", person_id);
    snprintf(e->purpose, sizeof e->purpose, "%s", p->id);
    snprintf(e->notice_sha256, sizeof e->notice_sha256, "%s",
             reg->notice_sha256[in->lang == RK_LANG_EN]);
    e->kind = kind;
    e->pending = kind == RK_CE_GIVEN && in->pending;
    e->basis = p->basis;
    e->notice_version = reg->notice_version;
    e->channel = in->channel;
    e->collector = reg->actor;
    e->form_id = in->form_id;
    e->ip = in->ip;
    e->user_agent = in->user_agent;
    e->evidence = in->evidence;
    e->at = in->at;
    rk_err err = rk_store_consent_append(reg->store, e);
    if (err == RK_OK) {
        st->last_seq = e->seq;
        err = rk_store_consent_state_put(reg->store, person_id, p->id, st);
    }
    free(e);
    return err;
}

/* ---- Persons ---------------------------------------------------------------------------- */

/* Writes entry e and its words in the people search index (core/search.h, design 2). */
static rk_err put_entry(struct rk_reg *reg, const struct rk_entry *e) {
    rk_err err = rk_store_entry_put(reg->store, e);
    return err == RK_OK ? rk_search_index_entry(reg->store, e) : err;
}

rk_err rk_reg_person_add(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                         const struct rk_contact *c, const struct rk_consent_input *consent,
                         char id_out[RK_ID_LEN + 1], struct rk_msg *msg) {
    const struct rk_register *r = NULL;
    const struct rk_purpose *p = NULL;
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    rk_err err = check_write(reg, w, &r, &p, msg);
    if (err == RK_OK && !(r && p))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err == RK_OK)
        err = check_categories(r, c, msg);
    if (err != RK_OK)
        return err;
    if (!c->v[RK_F_NAME] && !c->v[RK_F_EMAIL] && !c->v[RK_F_PHONE])
        return for_people(msg, refuse(msg, "a person needs at least a name, an email or a phone"),
                          "name", "Anna vähintään nimi, sähköpostiosoite tai puhelinnumero.");
    if (person_id) {
        if ((err = check_person(reg, person_id, msg)) != RK_OK)
            return err;
        struct rk_entry *existing = malloc(sizeof *existing);
        if (!existing)
            return RK_ENOMEM;
        err = rk_store_entry_get(reg->store, r->id, person_id, existing);
        free(existing);
        if (err == RK_OK) {
            snprintf(msg->text, sizeof msg->text,
                     "person %s is already in register '%s'; use 'person update'", person_id,
                     r->id);
            return for_people(msg, RK_ECONFLICT, "register",
                              "Henkilö on jo tässä rekisterissä: muokkaa hänen tietojaan.");
        }
        if (err != RK_ENOENT)
            return store_failed(msg, err);
        if ((err = rk_store_consent_state_get(reg->store, person_id, p->id, &st)) != RK_OK)
            return store_failed(msg, err);
    }
    struct hashes hs;
    hash_contact(reg, c, &hs);
    if ((err = check_suppressed(reg, &hs, msg)) != RK_OK ||
        (err = check_unique(reg, r, person_id, &hs, msg)) != RK_OK)
        return err;
    bool live = rk_consent_effective(&st, w->at) == RK_CONSENT_LIVE;
    /* The consent given with the write is recorded when the person has no live one. */
    bool record_consent = p->basis == RK_BASIS_CONSENT && consent && !live;
    if (p->basis == RK_BASIS_CONSENT && !live && !(consent && !consent->pending))
        return for_people(msg,
                          refuse(msg,
                                 "purpose '%s' rests on consent and the person has no live "
                                 "consent for it: record the consent with the write",
                                 p->id),
                          "consent",
                          "Tämä käyttötarkoitus perustuu suostumukseen, eikä henkilöllä ole "
                          "voimassa olevaa suostumusta: kirjaa suostumus samalla.");
    if (p->basis == RK_BASIS_CONSENT && consent && !live &&
        rk_consent_apply(&st, RK_CE_GIVEN, false, consent->at, p->consent_validity) == RK_OK &&
        rk_consent_effective(&st, w->at) != RK_CONSENT_LIVE)
        return for_people(msg, refuse(msg, "the consent given at that time has already expired"),
                          "consent", "Silloin annettu suostumus on jo vanhentunut.");

    /* Apply. */
    char id[RK_ID_LEN + 1];
    if (person_id)
        snprintf(id, sizeof id, "%s", person_id);
    else
        rk_id_new(id);
    struct rk_entry *e = calloc(1, sizeof *e);
    if (!e)
        return RK_ENOMEM;
    int64_t prov = 0;
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        free(e);
        return store_failed(msg, err);
    }
    if (!person_id)
        err = rk_store_person_insert(reg->store, id, w->at);
    if (err == RK_OK)
        err = new_provenance(reg, w, &prov);
    if (err == RK_OK) {
        snprintf(e->person_id, sizeof e->person_id, "%s", id);
        snprintf(e->register_id, sizeof e->register_id, "%s", r->id);
        e->since = w->at;
        set_fields(e, c, &hs, prov);
        err = put_entry(reg, e);
    }
    if (err == RK_OK && record_consent)
        err = append_consent(reg, id, p, RK_CE_GIVEN, consent, &st);
    if (err == RK_OK && !rk_source_from_subject(w->source)) {
        /* Art 14: inform the person within one month of collection. */
        struct rk_task t = {
            .kind = "art14_inform", .created_at = w->at, .detail = rk_source_kind_id(w->source)};
        rk_id_new(t.id);
        snprintf(t.person_id, sizeof t.person_id, "%s", id);
        t.due = rk_date_add_months(rk_ts_date(w->at), 1);
        err = rk_store_task_insert(reg->store, &t);
    }
    free(e);
    err = rk_reg_work_end(reg, &tx, audit(reg, err, "person.add", id, r->id, w->at));
    if (err != RK_OK)
        return store_failed(msg, err);
    if (id_out)
        snprintf(id_out, RK_ID_LEN + 1, "%s", id);
    return RK_OK;
}

rk_err rk_reg_person_update(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                            const struct rk_contact *c, struct rk_msg *msg) {
    const struct rk_register *r = NULL;
    const struct rk_purpose *p = NULL;
    rk_err err = check_write(reg, w, &r, &p, msg);
    if (err == RK_OK && !(r && p))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err == RK_OK)
        err = check_categories(r, c, msg);
    if (err == RK_OK)
        err = check_person(reg, person_id, msg);
    if (err != RK_OK)
        return err;
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    err = rk_store_entry_get(reg->store, r->id, person_id, e);
    if (err == RK_ENOENT) {
        free(e);
        snprintf(msg->text, sizeof msg->text, "person %s is not in register '%s'", person_id,
                 r->id);
        return RK_ENOENT;
    }
    if (err != RK_OK) {
        free(e);
        return store_failed(msg, err);
    }
    struct rk_consent_state st;
    struct hashes hs;
    hash_contact(reg, c, &hs);
    if ((err = check_suppressed(reg, &hs, msg)) == RK_OK &&
        (err = check_unique(reg, r, person_id, &hs, msg)) == RK_OK &&
        p->basis == RK_BASIS_CONSENT) {
        err = rk_store_consent_state_get(reg->store, person_id, p->id, &st);
        if (err != RK_OK)
            err = store_failed(msg, err);
        else if (rk_consent_effective(&st, w->at) != RK_CONSENT_LIVE)
            err = refuse(msg,
                         "purpose '%s' rests on consent and person %s has no live consent "
                         "for it",
                         p->id, person_id);
    }
    int64_t prov = 0;
    struct rk_work tx;
    if (err == RK_OK && (err = rk_reg_work_begin(reg, &tx)) == RK_OK) {
        err = new_provenance(reg, w, &prov);
        if (err == RK_OK) {
            set_fields(e, c, &hs, prov);
            err = put_entry(reg, e);
        }
        if ((err = rk_reg_work_end(reg, &tx, audit(reg, err, "person.update", person_id, r->id, w->at))) != RK_OK)
            store_failed(msg, err);
    }
    free(e);
    return err;
}

/* Passes on the entries found by field `by` that the view sees (core/view.h, rule 4). */
struct found {
    const struct rk_view *view;
    enum rk_field by;
    rk_entry_fn fn;
    void *ctx;
};

static int found_entry(void *ctx, const struct rk_entry *e) {
    struct found *x = ctx;
    if (x->view && !rk_view_found(x->view, e->register_id, x->by))
        return 0;
    return x->fn(x->ctx, e);
}

rk_err rk_reg_person_find(struct rk_reg *reg, const char *query, rk_entry_fn fn, void *ctx,
                          struct rk_msg *msg) {
    return rk_reg_person_find_in(reg, NULL, query, fn, ctx, msg);
}

rk_err rk_reg_person_find_in(struct rk_reg *reg, const struct rk_view *view, const char *query,
                             rk_entry_fn fn, void *ctx, struct rk_msg *msg) {
    char norm[RK_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    struct found x = {view, RK_F_NAME, fn, ctx};
    if (strchr(query, '@'))
        x.by = RK_F_EMAIL;
    else if (strspn(query, "+0123456789 -()./") == strlen(query) && strpbrk(query, "0123456789"))
        x.by = RK_F_PHONE;
    else
        return rk_store_find_by_name(reg->store, query, found_entry, &x);
    rk_err err = x.by == RK_F_EMAIL ? rk_norm_email(query, norm, &why)
                                    : rk_norm_phone(query, "358", norm, &why);
    if (err != RK_OK) {
        snprintf(msg->text, sizeof msg->text, "the %s to find %s", rk_field_id(x.by),
                 rk_error_msg(&why));
        return RK_EINVAL;
    }
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, x.by, norm, h);
    err = rk_store_entries_by_hash(reg->store, h, found_entry, &x);
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- Consent ------------------------------------------------------------------------------ */

/* Deletes a person's entry in a register with the provenance rows and organisation name
 * nothing else uses any more, so that no value outlives the entry (none: RK_OK). */
static rk_err drop_entry(struct rk_reg *reg, const char *register_id, const char *person_id) {
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    rk_err err = rk_store_entry_get(reg->store, register_id, person_id, e);
    if (err == RK_OK)
        err = rk_store_entry_delete(reg->store, register_id, person_id);
    for (int f = 0; err == RK_OK && f < RK_F__COUNT; f++) {
        bool gone = false, seen = false;
        for (int g = 0; g < f; g++)
            seen |= e->prov[g] == e->prov[f];
        if (e->prov[f] && !seen) /* values written together share a row: one scan each */
            err = rk_store_provenance_delete_unused(reg->store, e->prov[f], &gone);
    }
    if (err == RK_OK && e->v[RK_F_ORGANISATION]) {
        bool gone = false;
        err = rk_store_organisation_delete_unused(reg->store, e->v[RK_F_ORGANISATION], &gone);
    }
    if (err == RK_OK && reg->last_prov.id)
        reg->last_prov.id = 0; /* it may be the row just deleted */
    free(e);
    return err == RK_ENOENT ? RK_OK : err;
}

/* After a consent stops being live, leaves the registers that hold people only on consent
 * when no other live consent keeps the person there. */
static rk_err leave_consent_registers(struct rk_reg *reg, const char *person_id, rk_ts now) {
    for (size_t i = 0; i < reg->decl->nregisters; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        if (!consent_register(r))
            continue;
        bool kept = false;
        rk_err err = RK_OK;
        for (size_t j = 0; j < r->npurposes && !kept; j++) {
            struct rk_consent_state st;
            err = rk_store_consent_state_get(reg->store, person_id, r->purposes[j]->id, &st);
            if (err != RK_OK)
                return err;
            kept = rk_consent_effective(&st, now) == RK_CONSENT_LIVE;
        }
        if (kept)
            continue;
        if ((err = drop_entry(reg, r->id, person_id)) != RK_OK)
            return err;
    }
    return RK_OK;
}

rk_err rk_reg_consent(struct rk_reg *reg, const char *person_id, const char *purpose,
                      enum rk_consent_kind kind, const struct rk_consent_input *in,
                      struct rk_msg *msg) {
    static const char *const refused[] = {
        [RK_CE_GIVEN] = "cannot be given now",
        [RK_CE_CONFIRMED] = "has no consent awaiting confirmation",
        [RK_CE_WITHDRAWN] = "has no live or pending consent to withdraw",
        [RK_CE_EXPIRED] = "has no consent that has run out",
    };
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p)
        return refuse(msg, "purpose '%s' is not declared", purpose);
    if (p->basis != RK_BASIS_CONSENT)
        return refuse(msg, "purpose '%s' rests on %s, not on consent", p->id,
                      rk_basis_id(p->basis));
    bool objected = false;
    rk_err err = rk_store_person_exists(reg->store, person_id, NULL, &objected);
    if (err == RK_ENOENT) {
        snprintf(msg->text, sizeof msg->text, "no person with id '%s'", person_id);
        return RK_ENOENT;
    }
    if (err != RK_OK)
        return store_failed(msg, err);
    /* A restricted person (art 18) may withdraw, never give or confirm. */
    if ((kind == RK_CE_GIVEN || kind == RK_CE_CONFIRMED) &&
        (err = check_person(reg, person_id, msg)) != RK_OK)
        return err;
    if (kind == RK_CE_GIVEN && objected)
        return refuse(msg,
                      "person %s objected to direct marketing (art 21): no consent can be "
                      "recorded until the objection is lifted",
                      person_id);
    struct rk_consent_state st;
    if ((err = rk_store_consent_state_get(reg->store, person_id, p->id, &st)) != RK_OK)
        return store_failed(msg, err);
    if (rk_consent_apply(&st, kind, in->pending, in->at, p->consent_validity) != RK_OK)
        return refuse(msg, "person %s %s for purpose '%s' (it is %s)", person_id, refused[kind],
                      p->id, rk_consent_status_name(st.status));
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return store_failed(msg, err);
    err = append_consent(reg, person_id, p, kind, in, &st);
    if (err == RK_OK && (kind == RK_CE_WITHDRAWN || kind == RK_CE_EXPIRED))
        err = leave_consent_registers(reg, person_id, in->at);
    char action[32];
    snprintf(action, sizeof action, "consent.%s", rk_consent_kind_name(kind));
    if ((err = rk_reg_work_end(reg, &tx, audit(reg, err, action, person_id, p->id, in->at))) != RK_OK)
        return store_failed(msg, err);
    return RK_OK;
}

/* ---- Membership, contracts, invoices ------------------------------------------------------- */

const char *rk_membership_name(enum rk_membership m) {
    static const char *const names[] = {"none", "prospect", "customer", "consented"};
    return (unsigned)m < 4 ? names[m] : "?";
}

struct membership_scan {
    const char *register_id;
    struct rk_date today;
    struct rk_duration grace;
    bool customer;
};

static int scan_contract(void *ctx, const struct rk_contract *c) {
    struct membership_scan *m = ctx;
    if (strcmp(c->register_id, m->register_id) != 0)
        return 0;
    /* A contract is in effect until its end date, whatever was recorded when;
     * the customer relationship lasts the register's grace period beyond it. */
    struct rk_date until = c->end;
    if (until.y && m->grace.n)
        until = rk_date_add(until, m->grace);
    if (!until.y || rk_date_cmp(m->today, until) <= 0)
        m->customer = true;
    return m->customer;
}

rk_err rk_reg_membership(struct rk_reg *reg, const char *register_id, const char *person_id,
                         rk_ts now, enum rk_membership *out) {
    const struct rk_register *r = rk_decl_register(reg->decl, register_id);
    if (!r)
        return RK_EINVAL;
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    rk_err err = rk_store_entry_get(reg->store, register_id, person_id, e);
    free(e);
    if (err == RK_ENOENT) {
        *out = RK_MEMBER_NONE;
        return RK_OK;
    }
    if (err != RK_OK)
        return err;
    if (consent_register(r)) {
        *out = RK_MEMBER_CONSENTED;
        return RK_OK;
    }
    struct membership_scan m = {register_id, rk_ts_date(now), r->retention.grace, false};
    err = rk_store_contracts_of_person(reg->store, person_id, scan_contract, &m);
    if (err == RK_OK)
        *out = m.customer ? RK_MEMBER_CUSTOMER : RK_MEMBER_PROSPECT;
    return err;
}

/* The person must be in a register that declares a category of kind k. */
static rk_err check_held(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                         enum rk_category_kind k, const struct rk_register **r_out,
                         const struct rk_category **cat_out, struct rk_msg *msg) {
    const struct rk_purpose *p = NULL;
    const struct rk_register *r = NULL;
    rk_err err = check_write(reg, w, &r, &p, msg);
    if (err != RK_OK)
        return err;
    if (!r)
        return RK_EIO; /* unreachable: tells the analyzer */
    const struct rk_category *cat = register_kind(r, k);
    if (!cat)
        return refuse(msg, "register '%s' declares no category of kind %s", r->id,
                      rk_category_kind_id(k));
    if ((err = check_person(reg, person_id, msg)) != RK_OK)
        return err;
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    err = rk_store_entry_get(reg->store, r->id, person_id, e);
    free(e);
    if (err == RK_ENOENT) {
        snprintf(msg->text, sizeof msg->text, "person %s is not in register '%s'; add them first",
                 person_id, r->id);
        return RK_ENOENT;
    }
    if (err != RK_OK)
        return store_failed(msg, err);
    *r_out = r;
    *cat_out = cat;
    return RK_OK;
}

rk_err rk_reg_contract_add(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                           const char *service, struct rk_date start, struct rk_date end,
                           char id_out[RK_ID_LEN + 1], struct rk_msg *msg) {
    const struct rk_register *r = NULL;
    const struct rk_category *cat = NULL;
    rk_err err = check_held(reg, w, person_id, RK_CAT_CONTRACT, &r, &cat, msg);
    if (err == RK_OK && !(r && cat))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err != RK_OK)
        return err;
    if (rk_text_field_check("service", service, false, msg->text, sizeof msg->text) != RK_OK)
        return RK_EINVAL;
    if (end.y && rk_date_cmp(end, start) < 0)
        return refuse(msg, "the contract ends before it starts");
    struct rk_contract c = {.start = start, .end = end, .created_at = w->at};
    c.status =
        end.y && rk_date_cmp(end, rk_ts_date(w->at)) < 0 ? RK_CONTRACT_ENDED : RK_CONTRACT_ACTIVE;
    rk_id_new(c.id);
    snprintf(c.person_id, sizeof c.person_id, "%s", person_id);
    snprintf(c.register_id, sizeof c.register_id, "%s", r->id);
    snprintf(c.service, sizeof c.service, "%s", service);
    snprintf(c.created_by, sizeof c.created_by, "%s", reg->actor);
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return store_failed(msg, err);
    err = rk_store_contract_insert(reg->store, &c);
    if ((err = rk_reg_work_end(reg, &tx, audit(reg, err, "contract.add", person_id, c.id, w->at))) != RK_OK)
        return store_failed(msg, err);
    snprintf(id_out, RK_ID_LEN + 1, "%s", c.id);
    return RK_OK;
}

static rk_err change_contract(struct rk_reg *reg, struct rk_contract *c, const char *field,
                              const char *old_value, const char *new_value, rk_ts at,
                              struct rk_msg *msg) {
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK) {
        err = rk_store_contract_update(reg->store, c);
        if (err == RK_OK)
            err = rk_store_contract_change_append(reg->store, c->id, at, reg->actor, field,
                                                  old_value, new_value);
        err = rk_reg_work_end(reg, &tx, audit(reg, err, "contract.change", c->person_id, c->id, at));
    }
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

static rk_err load_contract(struct rk_reg *reg, const char *id, struct rk_contract *c,
                            struct rk_msg *msg) {
    rk_err err = rk_store_contract_get(reg->store, id, c);
    if (err == RK_ENOENT) {
        snprintf(msg->text, sizeof msg->text, "no contract with id '%s'", id);
        return RK_ENOENT;
    }
    if (err != RK_OK)
        return store_failed(msg, err);
    return check_person(reg, c->person_id, msg);
}

rk_err rk_reg_contract_change(struct rk_reg *reg, const char *contract_id, const char *field,
                              const char *value, rk_ts at, struct rk_msg *msg) {
    struct rk_contract c;
    char old_value[801], new_value[801];
    rk_err err = load_contract(reg, contract_id, &c, msg);
    if (err != RK_OK)
        return err;
    snprintf(new_value, sizeof new_value, "%s", value);
    if (strcmp(field, "service") == 0) {
        if (rk_text_field_check("value", value, false, msg->text, sizeof msg->text) != RK_OK)
            return RK_EINVAL;
        snprintf(old_value, sizeof old_value, "%s", c.service);
        snprintf(c.service, sizeof c.service, "%s", value);
    } else if (strcmp(field, "start") == 0 || strcmp(field, "end") == 0) {
        struct rk_date d;
        if (!rk_date_parse(value, &d)) {
            snprintf(msg->text, sizeof msg->text, "%s: expected a date as YYYY-MM-DD", field);
            return RK_EINVAL;
        }
        struct rk_date *slot = field[0] == 's' ? &c.start : &c.end;
        if (slot->y)
            rk_date_iso(*slot, old_value);
        else
            old_value[0] = '\0';
        *slot = d;
        if (c.end.y && rk_date_cmp(c.end, c.start) < 0)
            return refuse(msg, "the contract would end before it starts");
    } else {
        snprintf(msg->text, sizeof msg->text,
                 "unknown contract field '%s'; expected service, start or end", field);
        return RK_EINVAL;
    }
    return change_contract(reg, &c, field, old_value[0] ? old_value : NULL, new_value, at, msg);
}

rk_err rk_reg_contract_end(struct rk_reg *reg, const char *contract_id, struct rk_date end,
                           rk_ts at, struct rk_msg *msg) {
    struct rk_contract c;
    char old_end[11] = "", new_end[11];
    rk_err err = load_contract(reg, contract_id, &c, msg);
    if (err != RK_OK)
        return err;
    if (c.status == RK_CONTRACT_ENDED)
        return refuse(msg, "contract %s has already ended", contract_id);
    if (rk_date_cmp(end, c.start) < 0)
        return refuse(msg, "the contract would end before it starts");
    if (c.end.y)
        rk_date_iso(c.end, old_end);
    rk_date_iso(end, new_end);
    c.end = end;
    c.status = RK_CONTRACT_ENDED;
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) == RK_OK) {
        err = rk_store_contract_update(reg->store, &c);
        if (err == RK_OK)
            err = rk_store_contract_change_append(reg->store, c.id, at, reg->actor, "end",
                                                  old_end[0] ? old_end : NULL, new_end);
        if (err == RK_OK)
            err = rk_store_contract_change_append(reg->store, c.id, at, reg->actor, "status",
                                                  "active", "ended");
        err = rk_reg_work_end(reg, &tx, audit(reg, err, "contract.end", c.person_id, c.id, at));
    }
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

rk_err rk_reg_invoice_add(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                          const char *contract_id, const char *number, struct rk_date date,
                          int64_t amount_cents, const char *currency, char id_out[RK_ID_LEN + 1],
                          struct rk_msg *msg) {
    const struct rk_register *r = NULL;
    const struct rk_category *cat = NULL;
    rk_err err = check_held(reg, w, person_id, RK_CAT_BILLING, &r, &cat, msg);
    if (err == RK_OK && !(r && cat))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err != RK_OK)
        return err;
    if (rk_text_field_check("number", number, false, msg->text, sizeof msg->text) != RK_OK ||
        rk_text_field_check("currency", currency, false, msg->text, sizeof msg->text) != RK_OK)
        return RK_EINVAL;
    struct rk_invoice inv = {.date = date, .amount_cents = amount_cents, .created_at = w->at};
    if (contract_id) {
        struct rk_contract c;
        if ((err = load_contract(reg, contract_id, &c, msg)) != RK_OK)
            return err;
        if (strcmp(c.person_id, person_id) != 0)
            return refuse(msg, "contract %s belongs to another person", contract_id);
        snprintf(inv.contract_id, sizeof inv.contract_id, "%s", contract_id);
    }
    if (cat->erasure.rule == RK_ERASE_KEEP) {
        struct rk_date from = date;
        if (cat->erasure.from == RK_FROM_END_OF_CALENDAR_YEAR)
            from = (struct rk_date){date.y, 12, 31};
        inv.keep_until = rk_date_add_months(from, 12 * cat->erasure.keep_years);
    }
    rk_id_new(inv.id);
    snprintf(inv.person_id, sizeof inv.person_id, "%s", person_id);
    snprintf(inv.register_id, sizeof inv.register_id, "%s", r->id);
    snprintf(inv.number, sizeof inv.number, "%s", number);
    snprintf(inv.currency, sizeof inv.currency, "%s", currency);
    snprintf(inv.created_by, sizeof inv.created_by, "%s", reg->actor);
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return store_failed(msg, err);
    err = rk_reg_work_end(reg, &tx, audit(reg, rk_store_invoice_insert(reg->store, &inv), "invoice.add",
                            person_id, inv.id, w->at));
    if (err == RK_ECONFLICT) {
        snprintf(msg->text, sizeof msg->text, "invoice number '%s' is already recorded", number);
        return err;
    }
    if (err != RK_OK)
        return store_failed(msg, err);
    snprintf(id_out, RK_ID_LEN + 1, "%s", inv.id);
    return RK_OK;
}

/* ---- Suppression and audience ---------------------------------------------------------------- */

/* Under the current key generation and every retired one: a suppression made
 * before a rotation, of a value no longer held, keeps its old hash. */
rk_err rk_reg_is_suppressed(struct rk_reg *reg, enum rk_field f, const char *value, bool *out) {
    unsigned char h[RK_KEYGEN_MAX][RK_HASH_LEN];
    size_t n = rk_keys_hash_all(&reg->keys, f, value, h);
    bool hit = false;
    rk_err err = RK_OK;
    for (size_t i = 0; i < n && !hit && err == RK_OK; i++)
        err = rk_store_suppressed(reg->store, h[i], &hit);
    if (err == RK_OK)
        *out = hit;
    return err;
}

rk_err rk_reg_suppress(struct rk_reg *reg, enum rk_field f, const char *value,
                       enum rk_suppress_reason reason, rk_ts at, struct rk_msg *msg) {
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, f, value, h);
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK)
        err = rk_reg_work_end(reg, &tx, audit(reg, rk_store_suppress_add(reg->store, h, f, reason, at),
                                "suppression.add", NULL, rk_field_id(f), at));
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* Persons already emitted, so that one in two registers appears once. */
struct audience_ctx {
    rk_entry_fn fn;
    void *ctx;
    char (*seen)[RK_ID_LEN + 1];
    size_t cap, n;
    bool dedupe;
    bool oom;
};

static size_t id_slot(const char *id, size_t cap) {
    size_t h = 5381;
    for (const char *p = id; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return h & (cap - 1);
}

static bool seen_add(struct audience_ctx *a, const char *id) {
    if (a->n * 2 >= a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        char(*seen)[RK_ID_LEN + 1] = calloc(cap, sizeof *seen);
        if (!seen) {
            a->oom = true;
            return false;
        }
        for (size_t i = 0; i < a->cap; i++) {
            if (!a->seen[i][0])
                continue;
            size_t j = id_slot(a->seen[i], cap);
            while (seen[j][0])
                j = (j + 1) & (cap - 1);
            memcpy(seen[j], a->seen[i], RK_ID_LEN + 1);
        }
        free(a->seen);
        a->seen = seen;
        a->cap = cap;
    }
    size_t j = id_slot(id, a->cap);
    while (a->seen[j][0]) {
        if (strcmp(a->seen[j], id) == 0)
            return false;
        j = (j + 1) & (a->cap - 1);
    }
    snprintf(a->seen[j], RK_ID_LEN + 1, "%s", id);
    a->n++;
    return true;
}

static int audience_entry(void *ctx, const struct rk_entry *e) {
    struct audience_ctx *a = ctx;
    if (a->dedupe && !seen_add(a, e->person_id))
        return a->oom ? 1 : 0;
    return a->fn(a->ctx, e);
}

rk_err rk_reg_audience(struct rk_reg *reg, const char *purpose, rk_ts now, rk_entry_fn fn,
                       void *ctx, struct rk_msg *msg) {
    return rk_reg_audience_in(reg, purpose, now, NULL, NULL, fn, ctx, msg);
}

rk_err rk_reg_audience_in(struct rk_reg *reg, const char *purpose, rk_ts now,
                          rk_register_filter want, void *want_ctx, rk_entry_fn fn, void *ctx,
                          struct rk_msg *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p)
        return refuse(msg, "purpose '%s' is not declared", purpose);
    enum rk_audience_rule rule = p->basis == RK_BASIS_CONSENT    ? RK_AUDIENCE_LIVE_CONSENT
                                 : p->basis == RK_BASIS_CONTRACT ? RK_AUDIENCE_ACTIVE_CONTRACT
                                                                 : RK_AUDIENCE_ANY;
    size_t holders = 0;
    for (size_t i = 0; i < reg->decl->nregisters; i++)
        holders += register_has_purpose(&reg->decl->registers[i], purpose) &&
                   (!want || want(want_ctx, &reg->decl->registers[i]));
    struct audience_ctx a = {fn, ctx, NULL, 0, 0, holders > 1, false};
    rk_err err = RK_OK;
    for (size_t i = 0; i < reg->decl->nregisters && err == RK_OK && !a.oom; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        if (register_has_purpose(r, purpose) && (!want || want(want_ctx, r)))
            err = rk_store_audience(reg->store, r->id, purpose, rule, now, audience_entry, &a);
    }
    free(a.seen);
    if (a.oom)
        err = RK_ENOMEM;
    return err == RK_OK ? RK_OK : store_failed(msg, err);
}

/* ---- May we contact? ----------------------------------------------------------------------- */

struct may_scan {
    struct rk_reg *reg;
    const struct rk_view *view; /* NULL: every entry */
    enum rk_field by;
    const struct rk_purpose *p;
    rk_ts now;
    struct rk_contact_answer *out;
    rk_err err;
};

__attribute__((format(printf, 3, 4))) static void answer(struct rk_contact_answer *a, bool allowed,
                                                         const char *fmt, ...) {
    va_list ap;
    a->allowed = allowed;
    va_start(ap, fmt);
    vsnprintf(a->reason, sizeof a->reason, fmt, ap);
    va_end(ap);
}

/* Looks at one entry of the email or phone; stops at the first that allows contact. */
static int may_entry(void *ctx, const struct rk_contact_row *e) {
    struct may_scan *m = ctx;
    const struct rk_register *r = rk_decl_register(m->reg->decl, e->register_id);
    if (!r || !register_has_purpose(r, m->p->id) ||
        (m->view && !rk_view_found(m->view, r->id, m->by)))
        return 0; /* read like the others, then passed over: unseen is as unknown */
    memcpy(m->out->person_id, e->person_id, sizeof m->out->person_id);
    if (e->restricted) {
        answer(m->out, false, "%s", "processing of this person is restricted (art 18)");
        return 1;
    }
    if (e->objected) {
        answer(m->out, false, "%s", "the person objected to direct marketing (art 21)");
        return 1;
    }
    if (m->p->basis == RK_BASIS_CONSENT) {
        const struct rk_consent_state *st = &e->consent;
        enum rk_consent_status now = rk_consent_effective(st, m->now);
        if (now == RK_CONSENT_LIVE) {
            char until[RK_TS_LEN + 1] = "";
            if (st->expires_at)
                rk_ts_format(st->expires_at, until);
            answer(m->out, true, st->expires_at ? "live consent until %s" : "live consent%s",
                   until);
            return 1;
        }
        answer(m->out, false, "no live consent for the purpose (it is %s)",
               rk_consent_status_name(now));
        return 0;
    }
    if (m->p->basis == RK_BASIS_CONTRACT) {
        enum rk_membership mem = RK_MEMBER_NONE;
        if ((m->err = rk_reg_membership(m->reg, r->id, e->person_id, m->now, &mem)))
            return 1;
        if (mem == RK_MEMBER_CUSTOMER) {
            answer(m->out, true, "%s", "a customer relationship (contract) is in effect");
            return 1;
        }
        answer(m->out, false, "%s", "no contract in effect");
        return 0;
    }
    answer(m->out, true, "held for the purpose on the basis %s", rk_basis_id(m->p->basis));
    return 1;
}

rk_err rk_reg_may_contact(struct rk_reg *reg, enum rk_field f, const char *value,
                          const char *purpose, rk_ts now, struct rk_contact_answer *out,
                          struct rk_msg *msg) {
    return rk_reg_may_contact_in(reg, NULL, f, value, purpose, now, out, msg);
}

rk_err rk_reg_may_contact_in(struct rk_reg *reg, const struct rk_view *view, enum rk_field f,
                             const char *value, const char *purpose, rk_ts now,
                             struct rk_contact_answer *out, struct rk_msg *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p) {
        snprintf(msg->text, sizeof msg->text, "purpose '%s' is not declared", purpose);
        return RK_EINVAL;
    }
    char norm[RK_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    if (f != RK_F_EMAIL && f != RK_F_PHONE)
        return RK_EINVAL;
    if ((f == RK_F_EMAIL ? rk_norm_email(value, norm, &why)
                         : rk_norm_phone(value, "358", norm, &why)) != RK_OK) {
        snprintf(msg->text, sizeof msg->text, "the %s %s", rk_field_id(f), rk_error_msg(&why));
        return RK_EINVAL;
    }
    memset(out, 0, sizeof *out);
    answer(out, false, "%s", "not held in any register for this purpose");
    /* One store call: the suppression list, then each entry with its person's
     * restrictions and consent state, in one read transaction. */
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, f, norm, h);
    struct may_scan m = {reg, view, f, p, now, out, RK_OK};
    bool suppressed = false;
    rk_err err = rk_store_contact_rows(reg->store, h, p->id, &suppressed, may_entry, &m);
    if (err == RK_OK)
        err = m.err;
    if (err == RK_OK && !suppressed && reg->keys.ngen > 1)
        err = rk_reg_is_suppressed(reg, f, norm, &suppressed);
    if (err != RK_OK) {
        memset(out, 0, sizeof *out);
        return store_failed(msg, err);
    }
    if (suppressed) {
        memset(out, 0, sizeof *out);
        answer(out, false, "%s", "on the suppression list (objection or erasure)");
    }
    return RK_OK;
}

/* ---- Consent expiry in bulk (sweepbench) ------------------------------------------------ */

/* Whether a person whose consent for `gone` just stopped being live is still kept in consent
 * register r by a live consent for another of its purposes. */
static rk_err kept_by_other(struct rk_reg *reg, const struct rk_register *r,
                            const struct rk_purpose *gone, const char *person_id, rk_ts now,
                            bool *kept) {
    *kept = false;
    for (size_t j = 0; j < r->npurposes && !*kept; j++) {
        if (r->purposes[j] == gone)
            continue;
        struct rk_consent_state st;
        rk_err err = rk_store_consent_state_get(reg->store, person_id, r->purposes[j]->id, &st);
        if (err != RK_OK)
            return err;
        *kept = rk_consent_effective(&st, now) == RK_CONSENT_LIVE;
    }
    return RK_OK;
}

rk_err rk_reg_consent_expire(struct rk_reg *reg, const char *person_id, const char *purpose,
                             const struct rk_consent_state *st, rk_ts at, struct rk_msg *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p)
        return refuse(msg, "purpose '%s' is not declared", purpose);
    if (p->basis != RK_BASIS_CONSENT)
        return refuse(msg, "purpose '%s' rests on %s, not on consent", p->id,
                      rk_basis_id(p->basis));
    struct rk_consent_state next = *st;
    if (rk_consent_apply(&next, RK_CE_EXPIRED, false, at, p->consent_validity) != RK_OK)
        return refuse(msg, "person %s has no consent that has run out for purpose '%s' (it is %s)",
                      person_id, p->id, rk_consent_status_name(st->status));
    struct rk_consent_input in = {.channel = "retention_sweep", .lang = RK_LANG_FI, .at = at};
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err != RK_OK)
        return store_failed(msg, err);
    err = append_consent(reg, person_id, p, RK_CE_EXPIRED, &in, &next);
    /* The registers holding people only on consent, as leave_consent_registers. */
    for (size_t i = 0; err == RK_OK && i < reg->decl->nregisters; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        bool kept = false, left = false;
        if (!consent_register(r) ||
            (err = kept_by_other(reg, r, p, person_id, at, &kept)) != RK_OK || kept)
            continue;
        err = rk_store_entry_leave(reg->store, r->id, person_id, &left);
        if (err == RK_OK && left)
            reg->last_prov.id = 0; /* it may be a row just deleted */
    }
    if ((err = rk_reg_work_end(reg, &tx, audit(reg, err, "consent.expired", person_id, p->id, at))) != RK_OK)
        return store_failed(msg, err);
    return RK_OK;
}
