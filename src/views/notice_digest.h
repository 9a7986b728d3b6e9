/*
 * notice_digest.h — the digest of the privacy notice a consent event
 * records (struct rk_notice_digest, core/reg.h): its version and the SHA-256
 * of the Markdown notice in Finnish and English. Made here, where the notice
 * is rendered, and handed to rk_reg_init, so that the core never renders.
 */
#ifndef RK_NOTICE_DIGEST_H
#define RK_NOTICE_DIGEST_H

#include "core/reg.h"
#include "decl/decl.h"
#include "util/err.h"

/* Renders d's notice in both languages as Markdown and fills out (out->decl = d). RK_ENOMEM
 * when rendering fails; out is then not made (rk_reg_init refuses it). */
RK_MUST_USE rk_err rk_notice_digest(const struct rk_decl *d, struct rk_notice_digest *out);

/* rk_reg_init (core/reg.h) with the digest of d's notice made here: what the edges, the
 * tests and the benchmarks call to set up a register handle. */
RK_MUST_USE rk_err rk_notice_reg_init(struct rk_reg *reg, const struct rk_decl *d,
                                      struct rk_store *s, const struct rk_keys *k,
                                      const char *actor);

#endif
