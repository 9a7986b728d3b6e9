/*
 * reg.c — setting up the register handle (see reg.h).
 */
#include "core/reg.h"

#include <string.h>

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
