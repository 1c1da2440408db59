/*
 * Transparent huge pages for long-lived, large weight buffers (the folded
 * and the packed weights of a model). They are written once right after
 * allocation; on a VM a 4 KiB page fault costs microseconds, and faulting a
 * model's packed weights in 4 KiB at a time doubled resnet18's end-to-end
 * classify time. Short-lived buffers (decoded images, arenas) are left
 * alone: there, allocating fresh huge pages on every call costs more than
 * it saves. The kernel may ignore the hint (THP "never").
 */
#ifndef POLYVIS_BACKENDS_HUGEPAGES_H
#define POLYVIS_BACKENDS_HUGEPAGES_H

#include <stddef.h>
#include <stdint.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

static inline void pv__advise_hugepages(void *p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (!p || bytes < 2 * huge)
    return;
  uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
  uintptr_t hi = ((uintptr_t)p + bytes) & ~(huge - 1);
  if (hi > lo)
    (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

#endif
