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
 *
 * A request need not hold its thread while its group commits: it hands a
 * job in with rk_writer_submit and a function the writer calls once the
 * group committed (or failed); the service suspends the connection
 * meanwhile (forms.c), so a group holds as many jobs as there are
 * connections waiting, not as many as there are threads.
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

/* Called on the writer's thread once the group holding the job committed (result RK_OK or a
 * refusal of the job's own) or failed; the job's storage is the caller's again from then. */
typedef void (*rk_write_done_fn)(void *ctx, rk_err result);

/* An asynchronous job: storage the caller provides and leaves alone from rk_writer_submit until
 * done is called. Its members are the writer's. */
struct rk_write_job {
    rk_write_fn fn;
    void *ctx;
    rk_write_done_fn done_fn; /* NULL: rk_writer_run's, whose thread waits for done */
    rk_err result;
    bool done;
    struct rk_write_job *next;
};

/* Queues fn(reg, ctx) for the next group and returns at once; done(ctx, result) follows on the
 * writer's thread after the group's commit, exactly once. False, with nothing queued and done
 * never called, once rk_writer_quiesce has begun or the writer is stopping: run it with
 * rk_writer_run instead. */
RK_MUST_USE bool rk_writer_submit(struct rk_writer *w, struct rk_write_job *job, rk_write_fn fn,
                                  rk_write_done_fn done, void *ctx);

/* Refuses further rk_writer_submit and waits until the done of every job submitted has
 * returned (the server, before it stops its listener: no connection is left suspended).
 * rk_writer_run goes on working. w may be NULL. */
void rk_writer_quiesce(struct rk_writer *w);

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
/* Sets it from an asynchronous job's result, on the thread that answers for it. */
void rk_writer_result_here(rk_err result);

/* Jobs answered RK_ESTORAGE so far, and whether the last group could write (for /metrics). */
unsigned long rk_writer_storage_failures(struct rk_writer *w);
bool rk_writer_writable(struct rk_writer *w);

/* Jobs queued and not yet taken into a group (for /metrics). */
size_t rk_writer_depth(struct rk_writer *w);

/* Finishes the queued jobs, stops the thread and frees the writer. */
void rk_writer_stop(struct rk_writer *w);

#endif
