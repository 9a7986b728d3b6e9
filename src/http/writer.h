/*
 * writer.h — the one writer of the service: request threads hand their
 * writes to it and wait; it runs as many as are queued in one transaction
 * (group commit) and wakes each request only after that transaction
 * committed, so a 2xx answer always means the write is durable.
 *
 * Jobs must do their checks before their first write (as core/register.c
 * does): a job that refuses writes nothing, so the others in its group
 * commit unharmed. A job that fails with a storage error fails the whole
 * group, which is rolled back; every job of it gets that error.
 */
#ifndef RK_HTTP_WRITER_H
#define RK_HTTP_WRITER_H

#include "core/register.h"

struct rk_writer;

/* A write to run on the writer's register; returns its result. */
typedef rk_err (*rk_write_fn)(struct rk_reg *reg, void *ctx);

/* Starts the writer on its own store connection to db. reg_template gives the
 * declaration and key; its store is replaced by the writer's own. journal (borrowed,
 * may be NULL) is the erasure journal its art 17 erasures are appended to. */
RK_MUST_USE rk_err rk_writer_start(const char *db, const char *journal, const struct rk_decl *d,
                                   const struct rk_keys *k, struct rk_writer **out);

/* As rk_writer_start on a database this process can only read (struct rk_store_options'
 * read_only): every job and note fails with RK_ESTORAGE. */
RK_MUST_USE rk_err rk_writer_start_read_only(const char *db, const struct rk_decl *d,
                                             const struct rk_keys *k, struct rk_writer **out);

/* Runs fn(reg, ctx) in the next group and waits until its group committed (or
 * failed). Returns fn's result, or the commit's error. Safe from any thread. */
RK_MUST_USE rk_err rk_writer_run(struct rk_writer *w, rk_write_fn fn, void *ctx);

/*
 * Queues an audit event (a read of personal data, an export) for the next
 * group's transaction and returns without waiting; see core/audit.h for what
 * the strings may hold. RK_EBUSY once the writer is stopping.
 */
RK_MUST_USE rk_err rk_writer_note(struct rk_writer *w, const char *actor, const char *action,
                                  const char *person_id, const char *detail);

/* Whether this thread's last rk_writer_run failed with RK_ESTORAGE (the database cannot be
 * written); rk_writer_forget_here() clears it (the server does, before each request). */
bool rk_writer_failed_here(void);
void rk_writer_forget_here(void);

/* Jobs answered RK_ESTORAGE so far, and whether the last group could write (for /metrics). */
unsigned long rk_writer_storage_failures(struct rk_writer *w);
bool rk_writer_writable(struct rk_writer *w);

/* Jobs queued and not yet taken into a group (for /metrics). */
size_t rk_writer_depth(struct rk_writer *w);

/* Finishes the queued jobs, stops the thread and frees the writer. */
void rk_writer_stop(struct rk_writer *w);

#endif
