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

/*
 * The register handle is opaque outside src/core/: its fields are in the
 * core's private header core/reg_impl.h (tests/static/layers.sh refuses a
 * *_impl.h included from another folder; house_rules.sh the same from
 * fuzz/, bench/ and tests/ other than tests/unit/). What an edge may do with
 * a handle is the functions below: set one up, copy one for a request,
 * set who writes and the erasure journal, and read the declaration, store
 * and keys it was given.
 *
 * Where a handle lives: in the caller's storage, a struct rk_reg_room, and
 * not behind an allocation. The HTTP server copies its read handle on every
 * API call, onto the request thread's store and the token's name
 * (rk_reg_copy); a heap handle would cost a malloc and a free per call, and
 * a failure path for each. The room is a byte array as large as the struct
 * and as aligned as anything (core/reg.c checks both at compile time: a
 * struct grown past RK_REG_ROOM_BYTES fails the build there, and the
 * constant goes up), so a handle sits in a stack frame, a server struct or a
 * CLI environment as the struct itself did, and a copy costs what the struct
 * assignment cost (about 1.7 KiB, mostly the keys). Only the core reads or
 * writes a room's bytes, always as a struct rk_reg (rk_reg_in gives the
 * handle a room holds); the edges only pass the address on, and the build
 * has no link-time optimisation that could see both sides.
 */
struct rk_reg;

#define RK_REG_ROOM_BYTES 2048
struct rk_reg_room {
    union {
        max_align_t align;
        unsigned char bytes[RK_REG_ROOM_BYTES];
    } opaque;
};

/* The handle room holds, not yet set up: for rk_reg_init (or rk_notice_reg_init,
 * views/notice_digest.h). */
struct rk_reg *rk_reg_in(struct rk_reg_room *room);

/* Sets up reg (caller-allocated) over a declaration, store and keys, all borrowed, with the
 * digest of d's notice (see struct rk_notice_digest: RK_EINVAL when nd is NULL, not made, or
 * of another declaration). Gives the store (when not NULL) the subkey queued mail is sealed
 * under (store.h, struct rk_store). */
RK_MUST_USE rk_err rk_reg_init(struct rk_reg *reg, const struct rk_decl *d, struct rk_store *s,
                               const struct rk_keys *k, const struct rk_notice_digest *nd,
                               const char *actor);

/* A copy of base in room, writing through store s (borrowed) as actor: the HTTP server's
 * handle for one request or one thread. The copy's own state starts afresh: no batch open, no
 * provenance row to reuse (base's are base's, of base's store). Returns the copy. */
struct rk_reg *rk_reg_copy(struct rk_reg_room *room, const struct rk_reg *base, struct rk_store *s,
                           const char *actor);

/* Who writes from now on (a staff token's name, "self", "restore"; borrowed): a shared
 * writer sets it per write. */
void rk_reg_set_actor(struct rk_reg *reg, const char *actor);
/* The erasure journal file (core/journal.h) every art 17 erasure is appended to before it
 * commits; borrowed. NULL (as set up): erasures are not journaled. */
void rk_reg_set_journal(struct rk_reg *reg, const char *path);

/* Wipes the keys reg holds (sodium_memzero), for a handle whose work is done; reg is not used
 * again until set up anew. */
void rk_reg_wipe(struct rk_reg *reg);

const struct rk_decl *rk_reg_decl(const struct rk_reg *reg);
struct rk_store *rk_reg_store(const struct rk_reg *reg);
const struct rk_keys *rk_reg_keys(const struct rk_reg *reg);
const char *rk_reg_actor(const struct rk_reg *reg);
/* Whether a batch is open (core/work.h). */
bool rk_reg_in_batch(const struct rk_reg *reg);

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
