/*
 * reg_impl.h — the register handle's fields, private to the core: struct
 * rk_reg as core/reg.h declares it opaque. Included by src/core/ and by the
 * unit tests (which hold a handle by value and look inside), by nothing else
 * (tests/static/layers.sh and house_rules.sh refuse it elsewhere); the edges
 * use the functions of core/reg.h. It does not include core/reg.h (the two
 * would include each other); core/reg.c checks that the struct fits the
 * struct rk_reg_room of core/reg.h.
 */
#ifndef RK_REG_IMPL_H
#define RK_REG_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "keys/keys.h"
#include "store/store.h"

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

#endif
