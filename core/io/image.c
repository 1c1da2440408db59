/*
 * torchvision.io entry points: file bytes in and out, magic-byte format
 * detection and dispatch, EXIF orientation, and the batched decoder.
 */
#include "io_internal.h"

#include <ctype.h>

uint64_t pv__image_max_pixels = (uint64_t)1 << 31;

int pv__image_check_dims(const char *fmt, uint64_t width, uint64_t height) {
  if (width == 0 || height == 0)
    return pv_set_error(PV_ERR_FORMAT, "%s: image has zero size %llux%llu", fmt,
                        (unsigned long long)width, (unsigned long long)height);
  if (width > pv__image_max_pixels / height)
    return pv_set_error(PV_ERR_RANGE,
                        "%s: image of %llux%llu pixels exceeds the limit of "
                        "%llu pixels",
                        fmt, (unsigned long long)width,
                        (unsigned long long)height,
                        (unsigned long long)pv__image_max_pixels);
  return PV_ERR_OK;
}

pv_tensor *pv__hwc_to_chw(const void *hwc, pv_dtype dtype, int64_t h, int64_t w,
                          int64_t c) {
  int64_t shape[3] = {c, h, w};
  pv_tensor *t = pv_tensor_create(dtype, 3, shape);
  if (!t)
    return NULL;
  int64_t hw = h * w;
  if (dtype == PV_U16) {
    const uint16_t *src = (const uint16_t *)hwc;
    uint16_t *dst = (uint16_t *)pv_tensor_data(t);
    if (c == 1) {
      memcpy(dst, src, (size_t)hw * 2);
      return t;
    }
    for (int64_t i = 0; i < hw; i++)
      for (int64_t k = 0; k < c; k++)
        dst[k * hw + i] = src[i * c + k];
    return t;
  }
  const uint8_t *src = (const uint8_t *)hwc;
  uint8_t *dst = (uint8_t *)pv_tensor_data(t);
  if (c == 1) {
    memcpy(dst, src, (size_t)hw);
  } else if (c == 3) {
    uint8_t *d0 = dst, *d1 = dst + hw, *d2 = dst + 2 * hw;
    for (int64_t i = 0; i < hw; i++) {
      d0[i] = src[3 * i];
      d1[i] = src[3 * i + 1];
      d2[i] = src[3 * i + 2];
    }
  } else {
    for (int64_t i = 0; i < hw; i++)
      for (int64_t k = 0; k < c; k++)
        dst[k * hw + i] = src[i * c + k];
  }
  return t;
}

/* --- EXIF ----------------------------------------------------------------- */

int pv__exif_orientation(const uint8_t *p, size_t n) {
  if (n >= 6 && !memcmp(p, "Exif\0\0", 6)) {
    p += 6;
    n -= 6;
  }
  if (n < 8)
    return 1;
  int le;
  if (p[0] == 'I' && p[1] == 'I')
    le = 1;
  else if (p[0] == 'M' && p[1] == 'M')
    le = 0;
  else
    return 1;
#define RD16(q)                                                                \
  (le ? (uint32_t)((q)[0] | (q)[1] << 8) : (uint32_t)((q)[0] << 8 | (q)[1]))
#define RD32(q)                                                                \
  (le ? ((uint32_t)(q)[0] | (uint32_t)(q)[1] << 8 | (uint32_t)(q)[2] << 16 |   \
         (uint32_t)(q)[3] << 24)                                               \
      : ((uint32_t)(q)[0] << 24 | (uint32_t)(q)[1] << 16 |                     \
         (uint32_t)(q)[2] << 8 | (uint32_t)(q)[3]))
  if (RD16(p + 2) != 42)
    return 1;
  uint32_t ifd = RD32(p + 4);
  if (ifd > n - 2)
    return 1;
  uint32_t count = RD16(p + ifd);
  const uint8_t *e = p + ifd + 2;
  for (uint32_t i = 0; i < count; i++, e += 12) {
    if ((size_t)(e - p) + 12 > n)
      break;
    if (RD16(e) == 0x0112) {
      uint32_t type = RD16(e + 2);
      uint32_t v = type == 3 ? RD16(e + 8) : type == 4 ? RD32(e + 8) : 0;
      return v >= 1 && v <= 8 ? (int)v : 1;
    }
  }
#undef RD16
#undef RD32
  return 1;
}

pv_tensor *pv__apply_orientation(pv_tensor *t, int o) {
  if (o <= 1 || o > 8)
    return t;
  const int64_t *s = pv_tensor_shape(t);
  int64_t c = s[0], h = s[1], w = s[2];
  int64_t oh = o >= 5 ? w : h, ow = o >= 5 ? h : w;
  int64_t shape[3] = {c, oh, ow};
  pv_dtype dt = pv_tensor_dtype(t);
  pv_tensor *r = pv_tensor_create(dt, 3, shape);
  if (!r) {
    pv_tensor_release(t);
    return NULL;
  }
  size_t es = pv_dtype_size(dt);
  const uint8_t *src = (const uint8_t *)pv_tensor_data(t);
  uint8_t *dst = (uint8_t *)pv_tensor_data(r);
  for (int64_t k = 0; k < c; k++) {
    const uint8_t *sp = src + (size_t)(k * h * w) * es;
    uint8_t *dp = dst + (size_t)(k * oh * ow) * es;
    for (int64_t y = 0; y < oh; y++) {
      for (int64_t x = 0; x < ow; x++) {
        int64_t sy, sx;
        switch (o) {
        case 2:
          sy = y;
          sx = w - 1 - x;
          break;
        case 3:
          sy = h - 1 - y;
          sx = w - 1 - x;
          break;
        case 4:
          sy = h - 1 - y;
          sx = x;
          break;
        case 5:
          sy = x;
          sx = y;
          break;
        case 6:
          sy = h - 1 - x;
          sx = y;
          break;
        case 7:
          sy = h - 1 - x;
          sx = w - 1 - y;
          break;
        default:
          sy = x;
          sx = w - 1 - y;
          break; /* 8 */
        }
        memcpy(dp + (size_t)(y * ow + x) * es, sp + (size_t)(sy * w + sx) * es,
               es);
      }
    }
  }
  pv_tensor_release(t);
  return r;
}

/* --- formats ------------------------------------------------------------- */

pv_image_format pv_image_detect_format(const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  if (!p)
    return PV_IMAGE_FORMAT_UNKNOWN;
  if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
    return PV_IMAGE_FORMAT_JPEG;
  if (n >= 4 && !memcmp(p, "\x89PNG", 4))
    return PV_IMAGE_FORMAT_PNG;
  if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
    return PV_IMAGE_FORMAT_GIF;
  if (n >= 15 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBPVP8", 7))
    return PV_IMAGE_FORMAT_WEBP;
  if (n >= 12 && !memcmp(p + 4, "ftyp", 4)) {
    /* ISO BMFF: the major brand, then the compatible brands. */
    uint32_t box = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                   (uint32_t)p[2] << 8 | p[3];
    size_t end = box >= 16 && box <= n ? box : 12;
    int heic = 0;
    for (size_t off = 8; off + 4 <= end; off += 4) {
      if (off == 12)
        continue; /* minor version */
      const uint8_t *b = p + off;
      if (!memcmp(b, "avif", 4) || !memcmp(b, "avis", 4))
        return PV_IMAGE_FORMAT_AVIF;
      if (!memcmp(b, "heic", 4) || !memcmp(b, "heix", 4) ||
          !memcmp(b, "hevc", 4) || !memcmp(b, "hevx", 4) ||
          !memcmp(b, "heim", 4) || !memcmp(b, "heis", 4) ||
          !memcmp(b, "mif1", 4) || !memcmp(b, "msf1", 4))
        heic = 1;
    }
    if (heic)
      return PV_IMAGE_FORMAT_HEIC;
  }
  if (n >= 2 && p[0] == 'B' && p[1] == 'M')
    return PV_IMAGE_FORMAT_BMP;
  if (n >= 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4)))
    return PV_IMAGE_FORMAT_TIFF;
  return PV_IMAGE_FORMAT_UNKNOWN;
}

const char *pv_image_format_name(pv_image_format f) {
  switch (f) {
  case PV_IMAGE_FORMAT_JPEG:
    return "JPEG";
  case PV_IMAGE_FORMAT_PNG:
    return "PNG";
  case PV_IMAGE_FORMAT_WEBP:
    return "WebP";
  case PV_IMAGE_FORMAT_GIF:
    return "GIF";
  case PV_IMAGE_FORMAT_AVIF:
    return "AVIF";
  case PV_IMAGE_FORMAT_HEIC:
    return "HEIC";
  case PV_IMAGE_FORMAT_BMP:
    return "BMP";
  case PV_IMAGE_FORMAT_TIFF:
    return "TIFF";
  default:
    return "unknown";
  }
}

static const char *const pv__mode_names[] = {"unchanged", "gray", "gray_alpha",
                                             "rgb", "rgb_alpha"};

const char *pv_image_mode_name(pv_image_mode mode) {
  if ((int)mode < 0 || (int)mode > PV_IMAGE_RGB_ALPHA)
    return NULL;
  return pv__mode_names[mode];
}

int pv_image_mode_from_name(const char *name) {
  if (!name)
    return -1;
  char buf[16];
  size_t i = 0;
  for (; name[i] && i + 1 < sizeof(buf); i++)
    buf[i] = (char)tolower((unsigned char)name[i]);
  if (name[i])
    return -1;
  buf[i] = 0;
  for (int m = 0; m <= PV_IMAGE_RGB_ALPHA; m++)
    if (!strcmp(buf, pv__mode_names[m]))
      return m;
  if (!strcmp(buf, "rgba"))
    return PV_IMAGE_RGB_ALPHA;
  if (!strcmp(buf, "grey"))
    return PV_IMAGE_GRAY;
  return -1;
}

/* --- bytes in and out ------------------------------------------------------
 */

pv_tensor *pv_read_file(const char *path) {
  if (!path) {
    pv_set_error(PV_ERR_INVALID_ARG, "read_file: path is NULL");
    return NULL;
  }
  void *data = NULL;
  size_t size = 0;
  if (pv__read_file(path, &data, &size) < 0)
    return NULL;
  int64_t shape[1] = {(int64_t)size};
  pv_tensor *t = pv_tensor_from_data(PV_U8, 1, shape, data);
  free(data);
  return t;
}

static int pv__bytes_of(const pv_tensor *t, const char *op, const uint8_t **p,
                        size_t *n) {
  if (!t)
    return pv_set_error(PV_ERR_INVALID_ARG, "%s: tensor is NULL", op);
  if (pv_tensor_dtype(t) != PV_U8 || pv_tensor_ndim(t) != 1)
    return pv_set_error(PV_ERR_DTYPE,
                        "%s: expected a 1-D uint8 tensor of bytes, got %s "
                        "with %d dims",
                        op, pv_dtype_name(pv_tensor_dtype(t)),
                        pv_tensor_ndim(t));
  if (!pv_tensor_is_contiguous(t) || !pv_tensor_data(t))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "%s: the bytes tensor must be a contiguous host "
                        "tensor",
                        op);
  *p = (const uint8_t *)pv_tensor_data(t);
  *n = (size_t)pv_tensor_numel(t);
  return PV_ERR_OK;
}

int pv_write_file(const char *path, const pv_tensor *data) {
  const uint8_t *p = NULL;
  size_t n = 0;
  if (!path)
    return pv_set_error(PV_ERR_INVALID_ARG, "write_file: path is NULL");
  int st = pv__bytes_of(data, "write_file", &p, &n);
  if (st < 0)
    return st;
  return pv__write_file_atomic(path, p, n);
}

/* --- decode dispatch ---------------------------------------------------------
 */

static pv_tensor *pv__decode_any(const void *data, size_t size,
                                 pv_image_mode mode, unsigned flags,
                                 int64_t min_h, int64_t min_w) {
  if (!data || size == 0) {
    pv_set_error(PV_ERR_FORMAT, "decode_image: empty input (0 bytes)");
    return NULL;
  }
  pv_image_format f = pv_image_detect_format(data, size);
  switch (f) {
  case PV_IMAGE_FORMAT_JPEG:
    return pv__decode_jpeg_scaled(data, size, mode, flags, min_h, min_w);
  case PV_IMAGE_FORMAT_PNG:
    return pv_decode_png(data, size, mode, flags);
  case PV_IMAGE_FORMAT_WEBP:
    return pv_decode_webp(data, size, mode, flags);
  case PV_IMAGE_FORMAT_UNKNOWN:
    pv_set_error(PV_ERR_FORMAT,
                 "decode_image: Unsupported image file (unrecognised magic "
                 "bytes); only JPEG, PNG and WebP are supported");
    return NULL;
  default:
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "decode_image: unsupported format %s (only JPEG, PNG and "
                 "WebP are decoded)",
                 pv_image_format_name(f));
    return NULL;
  }
}

pv_tensor *pv_decode_image_mem(const void *data, size_t size,
                               pv_image_mode mode, unsigned flags) {
  return pv__decode_any(data, size, mode, flags, 0, 0);
}

pv_tensor *pv_decode_image(const pv_tensor *bytes, pv_image_mode mode,
                           unsigned flags) {
  const uint8_t *p = NULL;
  size_t n = 0;
  if (pv__bytes_of(bytes, "decode_image", &p, &n) < 0)
    return NULL;
  return pv__decode_any(p, n, mode, flags, 0, 0);
}

pv_tensor *pv_read_image(const char *path, pv_image_mode mode, unsigned flags) {
  if (!path) {
    pv_set_error(PV_ERR_INVALID_ARG, "read_image: path is NULL");
    return NULL;
  }
  void *data = NULL;
  size_t size = 0;
  if (pv__read_file(path, &data, &size) < 0)
    return NULL;
  pv_tensor *t = pv__decode_any(data, size, mode, flags, 0, 0);
  free(data);
  if (!t) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", pv_last_error());
    pv_set_error(pv_last_status(), "%s: %s", path, msg);
  }
  return t;
}

/* --- batched decode
 * ------------------------------------------------------------ */

typedef struct pv__batch {
  const pv_tensor *const *inputs;
  pv_image_mode mode;
  unsigned flags;
  int64_t min_h, min_w;
  pv_tensor **outputs;
  pv_image_status *status;
  int *codes;
} pv__batch;

static void pv__batch_run(void *ctx, int64_t begin, int64_t end) {
  pv__batch *b = (pv__batch *)ctx;
  for (int64_t i = begin; i < end; i++) {
    const uint8_t *p = NULL;
    size_t n = 0;
    pv_tensor *t = NULL;
    if (pv__bytes_of(b->inputs[i], "decode_images", &p, &n) == 0) {
      int scale = (b->flags & PV_DECODE_FAST_SCALE) != 0;
      t = pv__decode_any(p, n, b->mode, b->flags, scale ? b->min_h : 0,
                         scale ? b->min_w : 0);
    }
    b->outputs[i] = t;
    b->codes[i] =
        t ? 0 : (pv_last_status() ? pv_last_status() : PV_ERR_INTERNAL);
    if (b->status) {
      b->status[i].status = b->codes[i];
      snprintf(b->status[i].message, sizeof(b->status[i].message), "%s",
               t ? "" : pv_last_error());
    }
  }
}

int pv_decode_images(int64_t n, const pv_tensor *const *inputs,
                     pv_image_mode mode, unsigned flags,
                     const int64_t *min_size, pv_tensor **outputs,
                     pv_image_status *status) {
  if (n < 0 || (n > 0 && (!inputs || !outputs)))
    return pv_set_error(PV_ERR_INVALID_ARG,
                        "decode_images: n=%lld with NULL inputs/outputs",
                        (long long)n);
  if (n == 0)
    return 0;
  int *codes = calloc((size_t)n, sizeof(int));
  if (!codes)
    return pv_set_error(PV_ERR_NOMEM, "decode_images: out of memory");
  pv__batch b = {inputs,
                 mode,
                 flags,
                 min_size ? min_size[0] : 0,
                 min_size ? min_size[1] : 0,
                 outputs,
                 status,
                 codes};
  pv__parallel_for(n, 1, pv__batch_run, &b);
  int failures = 0;
  int64_t first = -1;
  for (int64_t i = 0; i < n; i++)
    if (codes[i]) {
      failures++;
      if (first < 0)
        first = i;
    }
  if (failures)
    pv_set_error(codes[first],
                 "decode_images: %d of %lld images failed (first: image "
                 "%lld)",
                 failures, (long long)n, (long long)first);
  free(codes);
  return failures;
}
