/*
 * reg.c — setting up the register handle (see reg.h).
 */
#include "core/reg.h"

#include <sodium.h>
#include <stdalign.h>
#include <string.h>

#include "core/reg_impl.h"

/* A handle fits its room (reg.h): grown past it, raise RK_REG_ROOM_BYTES. */
_Static_assert(sizeof(struct rk_reg) <= sizeof(struct rk_reg_room),
               "struct rk_reg outgrew RK_REG_ROOM_BYTES (core/reg.h)");
_Static_assert(alignof(struct rk_reg) <= alignof(struct rk_reg_room),
               "struct rk_reg is more aligned than its room");

rk_err rk_reg_init(struct rk_reg *reg, const struct rk_decl *d, struct rk_store *s,
                   const struct rk_keys *k, const struct rk_notice_digest *nd, const char *actor) {
    memset(reg, 0, sizeof *reg);
    /* A digest not made, or made of another declaration, would record a wrong hash on every
     * consent event: refused here, before anything is written (reg.h). */
    if (!nd || !nd->decl || nd->decl != d || strlen(nd->sha256[0]) != RK_SHA256_HEX ||
        strlen(nd->sha256[1]) != RK_SHA256_HEX || !nd->version[0])
        return RK_EINVAL;
    reg->decl = d;
    reg->store = s;
    reg->keys = *k;
    reg->actor = actor;
    if (s) { /* queued mail is sealed under the outbox subkey (store.h, struct rk_store) */
        memcpy(s->mail_key, k->outbox, sizeof s->mail_key);
        s->mail_keyed = true;
    }
    memcpy(reg->notice_version, nd->version, sizeof reg->notice_version);
    memcpy(reg->notice_sha256, nd->sha256, sizeof reg->notice_sha256);
    return RK_OK;
}

struct rk_reg *rk_reg_in(struct rk_reg_room *room) {
    return (struct rk_reg *)(void *)room;
}

struct rk_reg *rk_reg_copy(struct rk_reg_room *room, const struct rk_reg *base, struct rk_store *s,
                           const char *actor) {
    struct rk_reg *reg = rk_reg_in(room);
    *reg = *base;
    reg->store = s;
    reg->actor = actor;
    reg->in_batch = false;
    reg->last_prov.id = 0;
    return reg;
}

void rk_reg_set_actor(struct rk_reg *reg, const char *actor) { reg->actor = actor; }

void rk_reg_set_journal(struct rk_reg *reg, const char *path) { reg->journal = path; }

void rk_reg_wipe(struct rk_reg *reg) { sodium_memzero(&reg->keys, sizeof reg->keys); }

const struct rk_decl *rk_reg_decl(const struct rk_reg *reg) { return reg->decl; }

struct rk_store *rk_reg_store(const struct rk_reg *reg) {
    return reg->store;
}

const struct rk_keys *rk_reg_keys(const struct rk_reg *reg) { return &reg->keys; }

const char *rk_reg_actor(const struct rk_reg *reg) { return reg->actor; }

bool rk_reg_in_batch(const struct rk_reg *reg) { return reg->in_batch; }
