/*
 * polyvis model hub: downloads official pretrained weight files into a
 * local cache and verifies them, like torch.hub's load_state_dict_from_url
 * but safe to run from several processes at once and resumable.
 *
 * Files live in $POLYVIS_HOME/weights/ (POLYVIS_HOME defaults to
 * ~/.cache/polyvis) under their official names, e.g. resnet18-f37072fd.pth,
 * so `polyvis classify` and pv_hub_weights_path() find them offline.
 */
#ifndef POLYVIS_HUB_H
#define POLYVIS_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_fetch_options {
  uint32_t struct_size;
  /* Directory for the files; NULL: $POLYVIS_HOME/weights. */
  const char *dest_dir;
  /* Replaces the URL's directory (tests, mirrors); NULL: POLYVIS_HUB_URL,
   * else the official host. */
  const char *base_url;
  /* Draw a progress bar on stderr (only when it is a terminal). */
  int progress;
} pv_fetch_options;

PV_API pv_fetch_options pv_fetch_options_default(void);

/* Where the file of a weights spec ("resnet50", "resnet50.IMAGENET1K_V2",
 * "ResNet50_Weights.DEFAULT") lives in the cache, whether or not it has been
 * downloaded. Returns 0, or PV_ERR_NOT_FOUND for an unknown spec. */
PV_API int pv_hub_weights_path(const char *spec, const pv_fetch_options *opts,
                               char *path, size_t size);

/* Downloads `url` to `dest_path` unless a verified copy is already there.
 * The bytes go to dest_path.part first (a partial file is resumed with an
 * HTTP Range request), and under an exclusive lock on dest_path.lock, so a
 * second process fetching the same file waits and then finds it done. The
 * SHA-256 of the result must start with `sha256_prefix` (hex; NULL or ""
 * skips the check); on a mismatch the partial file is deleted and the error
 * names both hashes. The file appears at dest_path only when complete
 * (atomic rename). */
PV_API int pv_hub_download(const char *url, const char *sha256_prefix,
                           const char *dest_path, const pv_fetch_options *opts);

/* pv_hub_download of a weights spec's official file into the cache; the
 * final path is written to `path` (may be NULL). */
PV_API int pv_hub_fetch(const char *spec, const pv_fetch_options *opts,
                        char *path, size_t size);

/* SHA-256 of a file as 64 lowercase hex digits plus NUL in hex[65]. */
PV_API int pv_hub_sha256_file(const char *path, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif
