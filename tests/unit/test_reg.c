/*
 * test_reg.c — the register handle's edge functions (core/reg.h) over a real
 * SQLite store: a handle set up in a struct rk_reg_room; rk_reg_copy gives a
 * copy writing through another store as another actor, with no batch and no
 * provenance row of its own, and leaves its base as it was; the setters and
 * getters reach the fields core/reg_impl.h holds; rk_reg_wipe clears the keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/reg.h"
#include "core/reg_impl.h"
#include "core/register.h"
#include "core/work.h"
#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

static int setup(void **state) {
    return rkt_reg_setup(state, "reg", "examples/smartum/declaration.yaml");
}

static void a_room_holds_a_handle(void **state) {
    struct rkt_reg *f = *state;
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    assert_ptr_equal((void *)reg, (void *)&room);
    assert_int_equal(rk_notice_reg_init(reg, f->decl, f->store, &f->keys, "edge"), RK_OK);
    assert_ptr_equal(rk_reg_decl(reg), f->decl);
    assert_ptr_equal(rk_reg_store(reg), f->store);
    assert_memory_equal(rk_reg_keys(reg), &f->keys, sizeof f->keys);
    assert_string_equal(rk_reg_actor(reg), "edge");
    assert_false(rk_reg_in_batch(reg));
    assert_null(reg->journal);
    bool hit = true;
    assert_int_equal(rk_reg_is_suppressed(reg, RK_F_EMAIL, "nobody@example.org", &hit), RK_OK);
    assert_false(hit);
}

static void copy_writes_elsewhere_and_leaves_base(void **state) {
    struct rkt_reg *f = *state;
    struct rk_reg *base = &f->reg;
    rk_reg_set_journal(base, "/tmp/j");
    assert_int_equal(rk_reg_batch_begin(base), RK_OK);
    base->last_prov.id = 42;
    struct rk_reg_room room;
    struct rk_reg *copy = rk_reg_copy(&room, base, f->peer, "staff-1");
    assert_ptr_equal((void *)copy, (void *)&room);
    assert_ptr_equal(rk_reg_store(copy), f->peer);
    assert_string_equal(rk_reg_actor(copy), "staff-1");
    assert_ptr_equal(rk_reg_decl(copy), f->decl);
    assert_memory_equal(rk_reg_keys(copy), rk_reg_keys(base), sizeof f->keys);
    assert_string_equal(copy->notice_version, base->notice_version);
    assert_string_equal(copy->notice_sha256[0], base->notice_sha256[0]);
    assert_string_equal(copy->journal, "/tmp/j");
    assert_false(rk_reg_in_batch(copy)); /* the base's batch is its own store's */
    assert_int_equal(copy->last_prov.id, 0);
    /* the base as it was */
    assert_ptr_equal(rk_reg_store(base), f->store);
    assert_string_equal(rk_reg_actor(base), "tester");
    assert_true(rk_reg_in_batch(base));
    assert_int_equal(base->last_prov.id, 42);
    rk_reg_batch_rollback(base);
    assert_false(rk_reg_in_batch(base));
    bool hit = true;
    assert_int_equal(rk_reg_is_suppressed(copy, RK_F_EMAIL, "nobody@example.org", &hit), RK_OK);
    assert_false(hit);
}

static void setters_and_wipe(void **state) {
    struct rkt_reg *f = *state;
    struct rk_reg *reg = &f->reg;
    rk_reg_set_actor(reg, "self");
    assert_string_equal(rk_reg_actor(reg), "self");
    assert_string_equal(reg->actor, "self");
    rk_reg_set_journal(reg, "/tmp/x.erasures");
    assert_string_equal(reg->journal, "/tmp/x.erasures");
    rk_reg_set_journal(reg, NULL);
    assert_null(reg->journal);
    struct rk_keys zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_not_equal(rk_reg_keys(reg), &zero, sizeof zero);
    rk_reg_wipe(reg);
    assert_memory_equal(rk_reg_keys(reg), &zero, sizeof zero);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, rkt_reg_teardown)
    const struct CMUnitTest tests[] = {
        T(a_room_holds_a_handle),
        T(copy_writes_elsewhere_and_leaves_base),
        T(setters_and_wipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
