// A small thread pool for the native kernels: a kernel cuts its outputs into tasks, and the calling thread and
// the pool's threads claim them one by one until none is left. Tasks write disjoint outputs and every sum
// stays within one task, so the results do not depend on how many threads ran or who ran which task.
#ifndef NP_POOL_H
#define NP_POOL_H

typedef void (*TaskFn)(void *ctx, int task);
typedef struct Pool Pool;

/** A pool of `threads` threads in all, the caller included (threads − 1 are started); NULL on failure. */
Pool *pool_create(int threads);
void pool_destroy(Pool *pool);
int pool_threads(const Pool *pool);
/** Runs fn(ctx, 0 … tasks − 1) and returns when all have finished. A NULL pool runs them in order here. */
void pool_run(Pool *pool, TaskFn fn, void *ctx, int tasks);

#endif
