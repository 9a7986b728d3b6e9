/*
 * fakemc.h — the fake Mailchimp (tests/tools/fake_mailchimp.c) for the unit
 * tests that speak to it: started from $FAKE_MAILCHIMP (CTest sets it) on a
 * free port with one list and a request log, its state read through
 * GET /_fake/state, stopped with SIGTERM (it must exit cleanly). Static
 * functions: include in one test file after <cmocka.h>.
 */
#ifndef RKT_FAKEMC_H
#define RKT_FAKEMC_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connect/connect.h"
#include "connect/mailchimp_api.h"

#define FAKEMC_KEY  "0123456789abcdef0123456789abcdef-us6"
#define FAKEMC_LIST "a1b2c3d4e5"

struct fakemc {
    pid_t pid;
    int port;
    char log[256];
    char url[128]; /* the API root, http://127.0.0.1:PORT/3.0 */
};

/* Starts the fake with extra arguments (NULL-terminated, may be NULL); false when
 * FAKE_MAILCHIMP is not set (the caller skips). */
static bool fakemc_start(struct fakemc *f, const char *const *extra) {
    const char *bin = getenv("FAKE_MAILCHIMP");
    if (!bin)
        return false;
    snprintf(f->log, sizeof f->log, "/tmp/rkt_mc_log.%d.%d", (int)getpid(), rand());
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        const char *argv[24] = {bin, "--list", FAKEMC_LIST, "--log", f->log, "--max-seconds", "60"};
        size_t n = 7;
        for (size_t i = 0; extra && extra[i] && n < 22; i++)
            argv[n++] = extra[i];
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    FILE *out = fdopen(fd[0], "r");
    assert_non_null(out);
    assert_int_equal(fscanf(out, "%d", &f->port), 1);
    fclose(out);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/3.0", f->port);
    return true;
}

static void fakemc_stop(struct fakemc *f) {
    kill(f->pid, SIGTERM);
    int st = 0;
    waitpid(f->pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    remove(f->log);
}

/* The fake's state (GET /_fake/state); json_decref it. */
static json_t *fakemc_state(const struct fakemc *f) {
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_fake/state", f->port);
    struct rk_connect_request req = {.method = "GET", .url = url, .answer_max = 32u << 20};
    struct rk_connect_answer a;
    assert_int_equal(rk_connect_http(&req, &a), RK_OK);
    assert_int_equal(a.status, 200);
    json_t *j = json_loadb(a.body.data, a.body.len, 0, NULL);
    rk_buf_cleanup(&a.body);
    assert_non_null(j);
    return j;
}

/* The list's member with address email in a state (borrowed from it), or NULL. */
static json_t *fakemc_member(json_t *state, const char *email) {
    char h[RK_MC_HASH_LEN + 1];
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_mc_subscriber_hash(email, h, &e), RK_OK);
    return json_object_get(
        json_object_get(json_object_get(json_object_get(state, "lists"), FAKEMC_LIST), "members"),
        h);
}

/* The member's status, or "(absent)". */
static const char *fakemc_status(json_t *state, const char *email) {
    json_t *m = fakemc_member(state, email);
    return m ? json_string_value(json_object_get(m, "status")) : "(absent)";
}

#endif
