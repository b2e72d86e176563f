// The thread pool (see pool.h). A job is published through one 64-bit word, generation << 32 | next task,
// so a thread claims a task with one compare-and-swap that also proves the job is still the one it read
// (a seqlock guards the job's fields). Idle threads spin briefly, then sleep on a condition variable. The
// caller claims tasks too, so a thread the system has not scheduled yet delays nothing but its own claim.
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

#define MAX_THREADS 64
#define CLOSED 0xffffffffu
/** How long an idle thread waits for the next job before it sleeps (kernels come in quick succession). */
#define SPIN_NS 200000

struct Pool {
  int threads;
  pthread_t ids[MAX_THREADS];
  _Atomic uint64_t state; // generation << 32 | next task (CLOSED while the job's fields change)
  TaskFn fn;              // the job: written only while the state is CLOSED
  void *ctx;
  int tasks;
  _Atomic int done; // tasks of the current job finished
  _Atomic int sleepers;
  _Atomic int stop;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
};

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/** Claims and runs tasks of job `generation` until none is left or the job is no longer current. */
static void work(Pool *pool, uint32_t generation, TaskFn fn, void *ctx, int tasks) {
  for (;;) {
    uint64_t s = atomic_load(&pool->state);
    uint32_t next = (uint32_t)s;
    if ((uint32_t)(s >> 32) != generation || next == CLOSED || next >= (uint32_t)tasks) return;
    if (!atomic_compare_exchange_weak(&pool->state, &s, s + 1)) continue;
    fn(ctx, (int)next);
    atomic_fetch_add_explicit(&pool->done, 1, memory_order_release);
  }
}

static void *worker(void *arg) {
  Pool *pool = arg;
  uint32_t finished = (uint32_t)(atomic_load(&pool->state) >> 32);
  for (;;) {
    uint64_t spinStart = 0;
    uint64_t s;
    for (unsigned k = 0;; k++) {
      if (atomic_load_explicit(&pool->stop, memory_order_relaxed)) return NULL;
      s = atomic_load_explicit(&pool->state, memory_order_acquire);
      if ((uint32_t)(s >> 32) != finished && (uint32_t)s != CLOSED) break;
      RELAX();
      if ((k & 255) != 255) continue;
      uint64_t t = now_ns();
      if (spinStart == 0) spinStart = t;
      if (t - spinStart < SPIN_NS) continue;
      // sleep until a job is published (the caller checks `sleepers` after publishing)
      atomic_fetch_add(&pool->sleepers, 1);
      pthread_mutex_lock(&pool->mutex);
      for (;;) {
        s = atomic_load(&pool->state);
        if (atomic_load(&pool->stop) || ((uint32_t)(s >> 32) != finished && (uint32_t)s != CLOSED)) break;
        pthread_cond_wait(&pool->wake, &pool->mutex);
      }
      pthread_mutex_unlock(&pool->mutex);
      atomic_fetch_sub(&pool->sleepers, 1);
      spinStart = 0;
    }
    uint32_t generation = (uint32_t)(s >> 32);
    TaskFn fn = pool->fn;
    void *ctx = pool->ctx;
    int tasks = pool->tasks;
    atomic_thread_fence(memory_order_acquire);
    uint64_t again = atomic_load(&pool->state);
    if ((uint32_t)(again >> 32) == generation && (uint32_t)again != CLOSED) work(pool, generation, fn, ctx, tasks);
    finished = generation;
  }
}

Pool *pool_create(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  Pool *pool = calloc(1, sizeof(Pool));
  if (!pool) return NULL;
  pool->threads = 1;
  atomic_init(&pool->state, (uint64_t)1 << 32 | CLOSED);
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  for (int t = 1; t < threads; t++) {
    if (pthread_create(&pool->ids[t], NULL, worker, pool) != 0) break;
    pool->threads++;
  }
  return pool;
}

void pool_destroy(Pool *pool) {
  if (!pool) return;
  atomic_store(&pool->stop, 1);
  pthread_mutex_lock(&pool->mutex);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (int t = 1; t < pool->threads; t++) pthread_join(pool->ids[t], NULL);
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  free(pool);
}

int pool_threads(const Pool *pool) { return pool ? pool->threads : 1; }

void pool_run(Pool *pool, TaskFn fn, void *ctx, int tasks) {
  if (!pool || pool->threads == 1 || tasks <= 1) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
    return;
  }
  uint32_t generation = (uint32_t)(atomic_load(&pool->state) >> 32) + 1;
  atomic_store(&pool->state, (uint64_t)generation << 32 | CLOSED);
  pool->fn = fn;
  pool->ctx = ctx;
  pool->tasks = tasks;
  atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
  atomic_store(&pool->state, (uint64_t)generation << 32);
  if (atomic_load(&pool->sleepers) > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
  work(pool, generation, fn, ctx, tasks);
  while (atomic_load_explicit(&pool->done, memory_order_acquire) < tasks) RELAX();
}
