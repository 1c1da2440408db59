/*
 * polyvis image I/O: the C counterpart of torchvision.io's image functions.
 *
 * Decoders return contiguous CHW tensors: uint8 for 8-bit images and uint16
 * (host byte order) for 16-bit PNGs. The numeric reference is torchvision
 * 0.14.1 on the CPU (libjpeg-turbo with its default ISLOW IDCT and fancy
 * upsampling, libpng), so a decode here is bit-exact with
 * torchvision.io.decode_image on the same bytes. Where torchvision 0.14.1
 * errors but a later release decodes (CMYK JPEG to RGB/GRAY, 16-bit PNG,
 * WebP, EXIF orientation), polyvis follows the later release.
 *
 * Errors are reported through pv_status / NULL and the thread-local message
 * (pv_last_error), which names the cause ("Image is incomplete or truncated",
 * "unsupported format AVIF", ...). No decoder ever aborts on corrupt input.
 */
#ifndef POLYVIS_IMAGE_H
#define POLYVIS_IMAGE_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many channels a decoder produces, as torchvision.io.ImageReadMode
 * (same values). UNCHANGED keeps the file's own channels (a palette PNG gives
 * its 1-channel palette indices, as in torchvision). JPEG supports only
 * UNCHANGED, GRAY and RGB. */
typedef enum pv_image_mode {
  PV_IMAGE_UNCHANGED = 0,
  PV_IMAGE_GRAY = 1,
  PV_IMAGE_GRAY_ALPHA = 2,
  PV_IMAGE_RGB = 3,
  PV_IMAGE_RGB_ALPHA = 4
} pv_image_mode;

/* Image container formats recognised from their magic bytes. */
typedef enum pv_image_format {
  PV_IMAGE_FORMAT_UNKNOWN = 0,
  PV_IMAGE_FORMAT_JPEG = 1,
  PV_IMAGE_FORMAT_PNG = 2,
  PV_IMAGE_FORMAT_WEBP = 3,
  PV_IMAGE_FORMAT_GIF = 4,
  PV_IMAGE_FORMAT_AVIF = 5,
  PV_IMAGE_FORMAT_HEIC = 6,
  PV_IMAGE_FORMAT_BMP = 7,
  PV_IMAGE_FORMAT_TIFF = 8
} pv_image_format;

/* Decode flags (bitwise OR). */
/* Apply the EXIF Orientation tag (JPEG APP1, PNG eXIf), values 1-8, as
 * torchvision >= 0.18 does with apply_exif_orientation=True. Off by default
 * for parity with torchvision 0.14.1 and PIL, which do not rotate. */
#define PV_DECODE_EXIF_ORIENTATION (1u << 0)
/* Batched decode only: let libjpeg scale JPEGs down in the DCT domain (by
 * M/8, never below the requested size) instead of decoding at full size.
 * Much faster for thumbnails and training crops, but NOT bit-exact with a
 * full decode followed by a resize. Ignored for other formats. */
#define PV_DECODE_FAST_SCALE (1u << 1)

/* Reads a whole file into a 1-D uint8 tensor, like torchvision.io.read_file.
 * Returns NULL with the error set (naming the path) when the file cannot be
 * read. */
PV_API pv_tensor *pv_read_file(const char *path);

/* Writes a 1-D uint8 tensor to `path` atomically (a failed write leaves no
 * partial file), like torchvision.io.write_file. */
PV_API int pv_write_file(const char *path, const pv_tensor *data);

/* Returns the format the leading bytes announce (PV_IMAGE_FORMAT_UNKNOWN when
 * none), so callers can route files without decoding them. */
PV_API pv_image_format pv_image_detect_format(const void *data, size_t size);

/* Returns "JPEG", "PNG", ... or "unknown". */
PV_API const char *pv_image_format_name(pv_image_format format);

/* Returns "unchanged", "gray", "gray_alpha", "rgb", "rgb_alpha" or NULL. */
PV_API const char *pv_image_mode_name(pv_image_mode mode);
/* Parses a mode name (case-insensitive; "rgba" is accepted for RGB_ALPHA);
 * returns -1 when unknown. */
PV_API int pv_image_mode_from_name(const char *name);

/* Decodes an encoded image held in memory. The format is sniffed from the
 * magic bytes (JPEG, PNG, WebP); GIF, AVIF, HEIC, BMP and TIFF are detected
 * but rejected with PV_ERR_UNSUPPORTED naming the format. `flags` is a
 * combination of PV_DECODE_* flags. Returns a new CHW tensor or NULL. */
PV_API pv_tensor *pv_decode_image_mem(const void *data, size_t size,
                                      pv_image_mode mode, unsigned flags);

/* The same for a 1-D uint8 tensor of bytes (torchvision.io.decode_image). */
PV_API pv_tensor *pv_decode_image(const pv_tensor *bytes, pv_image_mode mode,
                                  unsigned flags);

/* Reads and decodes a file (torchvision.io.read_image); errors name the
 * path. */
PV_API pv_tensor *pv_read_image(const char *path, pv_image_mode mode,
                                unsigned flags);

/* Format-specific decoders, for callers that already know the format; they
 * reject other formats with PV_ERR_FORMAT. */
PV_API pv_tensor *pv_decode_jpeg(const void *data, size_t size,
                                 pv_image_mode mode, unsigned flags);
PV_API pv_tensor *pv_decode_png(const void *data, size_t size,
                                pv_image_mode mode, unsigned flags);
/* WebP: UNCHANGED gives RGBA when the file has alpha, else RGB; GRAY modes
 * are not supported (as torchvision). Returns PV_ERR_UNSUPPORTED when
 * polyvis was built without libwebp. */
PV_API pv_tensor *pv_decode_webp(const void *data, size_t size,
                                 pv_image_mode mode, unsigned flags);

/* Encodes a CHW uint8 tensor with 1 (gray) or 3 (RGB) channels as a baseline
 * JPEG exactly as torchvision.io.encode_jpeg: jpeg_set_defaults plus
 * jpeg_set_quality(quality, TRUE), 4:2:0 chroma. `quality` must be in
 * [1, 100]. Returns a 1-D uint8 tensor of bytes. */
PV_API pv_tensor *pv_encode_jpeg(const pv_tensor *image, int quality);

/* Chroma subsampling of a colour JPEG. torchvision always writes 4:2:0,
 * which halves colour resolution: saturated fine colour detail (red text,
 * flags) then caps the round-trip PSNR near 38 dB however high the quality.
 * 4:4:4 keeps full colour resolution for archival or training-data use. */
typedef enum pv_jpeg_subsampling {
  PV_JPEG_420 = 0, /* torchvision's (and libjpeg's) default */
  PV_JPEG_422 = 1,
  PV_JPEG_444 = 2
} pv_jpeg_subsampling;

/* pv_encode_jpeg with a chroma subsampling choice. With PV_JPEG_420 the
 * bytes are those of pv_encode_jpeg (and torchvision); the others are a
 * step beyond torchvision. Ignored for 1-channel images. */
PV_API pv_tensor *pv_encode_jpeg_ex(const pv_tensor *image, int quality,
                                    pv_jpeg_subsampling subsampling);

/* Encodes a CHW uint8 tensor with 1 or 3 channels (or, beyond torchvision,
 * 2 or 4 with alpha, and uint16 for 16-bit) as PNG with zlib level
 * `compression_level` in [0, 9] (torchvision default 6). */
PV_API pv_tensor *pv_encode_png(const pv_tensor *image, int compression_level);

/* Encode and write atomically to `path`. */
PV_API int pv_write_jpeg(const pv_tensor *image, const char *path, int quality);
PV_API int pv_write_png(const pv_tensor *image, const char *path,
                        int compression_level);

/* Outcome of one image of a batched decode. */
typedef struct pv_image_status {
  int32_t status;    /* 0 or a PV_ERR_* code */
  char message[240]; /* the error message when status != 0 */
} pv_image_status;

/* Decodes `n` encoded images (each a 1-D uint8 tensor) on the polyvis thread
 * pool, so a data loader gets all cores without its own threading.
 * outputs[i] receives the tensor or NULL; status[i] (may be NULL) receives
 * the per-image outcome, since one bad file must not fail the batch.
 * `min_size` (may be NULL) is {height, width}: with PV_DECODE_FAST_SCALE,
 * JPEGs are DCT-scaled to the smallest M/8 (M in 1..8) scale whose output is
 * at least that size; see PV_DECODE_FAST_SCALE for the caveat. Returns 0 when
 * every image decoded, otherwise the number of failures (positive), or a
 * negative error for bad arguments. */
PV_API int pv_decode_images(int64_t n, const pv_tensor *const *inputs,
                            pv_image_mode mode, unsigned flags,
                            const int64_t *min_size, pv_tensor **outputs,
                            pv_image_status *status);

#ifdef __cplusplus
}
#endif
#endif
