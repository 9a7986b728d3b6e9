/*
 * notice_digest.c — the notice's version and the SHA-256 of both Markdown
 * notices, for the consent events (see notice_digest.h).
 */
#include "views/notice_digest.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "views/notice.h"

rk_err rk_notice_digest(const struct rk_decl *d, struct rk_notice_digest *out) {
    memset(out, 0, sizeof *out);
    rk_date_iso(d->last_changed.y ? d->last_changed : d->drafted, out->version);
    if (!d->last_changed.y && !d->drafted.y)
        snprintf(out->version, sizeof out->version, "undated");
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
        sodium_bin2hex(out->sha256[lang], sizeof out->sha256[lang], digest, sizeof digest);
    }
    out->decl = d;
    return RK_OK;
}

rk_err rk_notice_reg_init(struct rk_reg *reg, const struct rk_decl *d, struct rk_store *s,
                          const struct rk_keys *k, const char *actor) {
    struct rk_notice_digest nd;
    rk_err err = rk_notice_digest(d, &nd);
    return err == RK_OK ? rk_reg_init(reg, d, s, k, &nd, actor) : err;
}
