/*
 * reg.h — the register handle: struct rk_reg joins a loaded declaration, an
 * open store and the key, and is what every core operation is given. Also
 * the shapes every write speaks (rk_write, rk_consent_input, the RK_ERROR_SUPPRESSED flag)
 * and the privacy notice's digest the consent events record.
 *
 * This header is the bottom of the core's register: core/work.h (the unit of
 * work), the write rules (core/register.h) and everything above include it;
 * it includes nothing of core, so nothing can loop back through it.
 */
#ifndef RK_REG_H
#define RK_REG_H

#include <stdbool.h>
#include <stddef.h>

#include "keys/keys.h"
#include "store/store.h"
#include "util/err.h"

/* The flag bit of struct rk_error (util/err.h) the register owns: a write was refused because
 * the value is on the suppression list. Imports count these rows apart from other refusals.
 * Every write speaks struct rk_error *msg as its last argument: message is what the CLI
 * prints and the API answers, where the field or part of the write the refusal concerns
 * ("email", "consent"), message_fi the refusal for people in Finnish. */
#define RK_ERROR_SUPPRESSED 0x1u

/*
 * The privacy notice as a consent event records it: the notice's version (its
 * last_changed date, or drafted, or "undated") and the SHA-256 of the
 * Markdown notice in Finnish and in English. Rendering is a view's work, so
 * the core does not make this itself: views/notice_digest.h fills it
 * (rk_notice_digest) and the caller hands it to rk_reg_init.
 *
 * Why a required argument of rk_reg_init and not a field the caller may set
 * afterwards, or one stamped on the declaration at load: a consent event
 * recorded with an empty or stale hash is a silent loss of evidence (art
 * 7(1)), found only when someone asks what the person was shown. An argument
 * cannot be left out without the compiler saying so, and rk_reg_init refuses
 * (RK_EINVAL) a digest that was not made, or was made of another
 * declaration (decl below), so a forgotten or mismatched digest fails at
 * start, loudly, never at the first consent.
 */
struct rk_notice_digest {
    const struct rk_decl *decl;        /* the declaration digested; NULL: not made */
    char version[16];                  /* YYYY-MM-DD, or "undated" */
    char sha256[2][RK_SHA256_HEX + 1]; /* [RK_LANG_FI], [RK_LANG_EN], lowercase hex */
};

struct rk_reg {
    const struct rk_decl *decl;
    struct rk_store *store;
    struct rk_keys keys;
    const char *actor;       /* who writes now: staff token name, or "self"; a shared writer sets it
                                per write */
    char notice_version[16]; /* the notice's last_changed, YYYY-MM-DD */
    char notice_sha256[2][RK_SHA256_HEX + 1]; /* of the Markdown notice, fi and en */
    bool in_batch;                            /* a batch is open (core/work.h) */
    /* The provenance row of the last write, reused by the next write with the
     * same source, detail, purpose, instant and actor (an import's rows share
     * one). Forgotten on rollback, which may undo it. */
    struct {
        int64_t id; /* 0: none */
        enum rk_source_kind source;
        char detail[256];
        char purpose[RK_DECL_ID_MAX + 1];
        char by[RK_DECL_ID_MAX + 1];
        rk_ts at;
    } last_prov;
    /* The erasure journal file (core/journal.h) every art 17 erasure is appended to before
     * it commits; borrowed. NULL: erasures are not journaled (unit tests, a restore's replay). */
    const char *journal;
};

/* Sets up reg (caller-allocated) over a declaration, store and keys, all borrowed, with the
 * digest of d's notice (see struct rk_notice_digest: RK_EINVAL when nd is NULL, not made, or
 * of another declaration). Gives the store (when not NULL) the subkey queued mail is sealed
 * under (store.h, struct rk_store). */
RK_MUST_USE rk_err rk_reg_init(struct rk_reg *reg, const struct rk_decl *d, struct rk_store *s,
                               const struct rk_keys *k, const struct rk_notice_digest *nd,
                               const char *actor);

/* Every write names its register, purpose and source. */
struct rk_write {
    const char *register_id;
    const char *purpose;
    enum rk_source_kind source;
    const char *source_detail; /* optional */
    rk_ts at;
};

/* Evidence of a consent being given, withdrawn or confirmed. */
struct rk_consent_input {
    const char *channel; /* a source kind id, "unsubscribe_link", ... */
    bool pending;        /* given through double opt-in */
    enum rk_lang lang;   /* the notice shown */
    const char *form_id, *ip, *user_agent, *evidence; /* optional */
    rk_ts at;
};

#endif
