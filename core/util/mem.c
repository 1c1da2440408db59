#include "internal.h"

#include <sys/mman.h>

/* Buffers this big (weights, packed weights, arenas) are filled right
 * after allocation, and faulting them in 4 KiB at a time costs more than
 * the work on them (a third of resnet18's load and first run on a VM): they
 * get 2 MiB alignment and transparent huge pages where the kernel offers
 * them (THP "madvise" mode). */
#define PV__HUGE_MIN ((size_t)4 << 20)
#define PV__HUGE_PAGE ((size_t)2 << 20)

void *pv__aligned_alloc(size_t alignment, size_t size) {
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  bool huge = size >= PV__HUGE_MIN;
  if (huge && alignment < PV__HUGE_PAGE)
    alignment = PV__HUGE_PAGE;
  void *p = NULL;
  if (posix_memalign(&p, alignment, size ? size : 1) != 0)
    return NULL;
#ifdef MADV_HUGEPAGE
  if (huge)
    (void)madvise(p, size & ~(PV__HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
  return p;
}

void pv__aligned_free(void *p) { free(p); }

bool pv__mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

char *pv__strdup(const char *s) {
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d)
    memcpy(d, s, n);
  return d;
}
