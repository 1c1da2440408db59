/* Internal to core/detect. */
#ifndef POLYVIS_DETECT_INTERNAL_H
#define POLYVIS_DETECT_INTERNAL_H

#include <polyvis/graph.h>

/* Builds UltraFace RFB-320 for an h x w input from its PyTorch checkpoint;
 * outputs "scores" [1, N, 2] (softmaxed) and "boxes" [1, N, 4] (raw
 * regressions, to decode with the priors). */
int pv__ultraface_pth_graph(const char *path, int64_t h, int64_t w,
                            pv_graph **out);

#endif
