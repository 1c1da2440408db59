/*
 * The one thread pool of the process. parallel_for splits [0, n) into chunks
 * that workers (and the calling thread) claim with an atomic counter. Several
 * threads may call parallel_for at once: jobs queue and each caller helps run
 * its own job, so nested or concurrent use never deadlocks.
 */
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct pv__job {
  pv_parallel_fn fn;
  void *ctx;
  int64_t n, chunk;
  atomic_int_fast64_t next;
  atomic_int_fast64_t done;
  int active; /* workers inside run_chunks; guarded by g_pool.mu */
  struct pv__job *link;
} pv__job;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  pv__job *queue;
  int n_threads;
  pthread_t *workers;
  int started;
} g_pool = {PTHREAD_MUTEX_INITIALIZER,
            PTHREAD_COND_INITIALIZER,
            PTHREAD_COND_INITIALIZER,
            NULL,
            0,
            NULL,
            0};

static pthread_once_t g_pool_once = PTHREAD_ONCE_INIT;

int pv_num_threads(void) {
  static int n = 0;
  if (n == 0) {
    const char *e = getenv("POLYVIS_NUM_THREADS");
    int v = e ? atoi(e) : 0;
    if (v <= 0) {
      long c = sysconf(_SC_NPROCESSORS_ONLN);
      v = c > 0 ? (int)c : 1;
    }
    if (v > 256)
      v = 256;
    n = v;
  }
  return n;
}

/* Runs chunks of job until none is left; returns items processed. */
static int64_t run_chunks(pv__job *j) {
  int64_t total = 0;
  for (;;) {
    int64_t b = atomic_fetch_add(&j->next, j->chunk);
    if (b >= j->n)
      break;
    int64_t e = b + j->chunk < j->n ? b + j->chunk : j->n;
    j->fn(j->ctx, b, e);
    total += e - b;
  }
  return total;
}

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&g_pool.mu);
  for (;;) {
    while (!g_pool.queue)
      pthread_cond_wait(&g_pool.cv_work, &g_pool.mu);
    pv__job *j = g_pool.queue;
    if (atomic_load(&j->next) >= j->n) {
      /* exhausted: unlink so others see the next job */
      g_pool.queue = j->link;
      continue;
    }
    j->active++;
    pthread_mutex_unlock(&g_pool.mu);
    int64_t did = run_chunks(j);
    pthread_mutex_lock(&g_pool.mu);
    atomic_fetch_add(&j->done, did);
    j->active--;
    pthread_cond_broadcast(&g_pool.cv_done);
  }
  return NULL;
}

static void pool_start(void) {
  g_pool.n_threads = pv_num_threads();
  int nw = g_pool.n_threads - 1;
  if (nw <= 0)
    return;
  g_pool.workers = calloc((size_t)nw, sizeof(pthread_t));
  if (!g_pool.workers)
    return;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < nw; i++)
    if (pthread_create(&g_pool.workers[i], &attr, worker, NULL) == 0)
      g_pool.started++;
  pthread_attr_destroy(&attr);
}

void pv__parallel_for(int64_t n, int64_t grain, pv_parallel_fn fn, void *ctx) {
  if (n <= 0)
    return;
  if (grain < 1)
    grain = 1;
  pthread_once(&g_pool_once, pool_start);
  int nt = g_pool.started + 1;
  if (nt <= 1 || n <= grain) {
    fn(ctx, 0, n);
    return;
  }
  int64_t chunk = (n + (int64_t)nt * 4 - 1) / ((int64_t)nt * 4);
  if (chunk < grain)
    chunk = grain;
  pv__job j;
  j.fn = fn;
  j.ctx = ctx;
  j.n = n;
  j.chunk = chunk;
  atomic_init(&j.next, 0);
  atomic_init(&j.done, 0);
  pthread_mutex_lock(&g_pool.mu);
  j.link = NULL;
  j.active = 0;
  pv__job **tail = &g_pool.queue;
  while (*tail)
    tail = &(*tail)->link;
  *tail = &j;
  pthread_cond_broadcast(&g_pool.cv_work);
  pthread_mutex_unlock(&g_pool.mu);

  int64_t did = run_chunks(&j);
  pthread_mutex_lock(&g_pool.mu);
  atomic_fetch_add(&j.done, did);
  while (atomic_load(&j.done) < n || j.active > 0)
    pthread_cond_wait(&g_pool.cv_done, &g_pool.mu);
  /* unlink our job if still queued */
  for (pv__job **p = &g_pool.queue; *p; p = &(*p)->link)
    if (*p == &j) {
      *p = j.link;
      break;
    }
  pthread_mutex_unlock(&g_pool.mu);
}
