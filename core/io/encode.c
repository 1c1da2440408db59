/*
 * JPEG and PNG encoding, as torchvision.io.encode_jpeg / encode_png:
 * jpeg_set_defaults + jpeg_set_quality(q, TRUE) (baseline, 4:2:0 chroma for
 * RGB) and libpng with png_set_compression_level. Both libraries report
 * errors by longjmp; the handlers free every buffer allocated so far.
 */
#include "io_internal.h"

#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>

/* Validates a CHW image and returns a contiguous reference to it. */
static pv_tensor *pv__encode_input(const pv_tensor *image, const char *op,
                                   int allow_alpha) {
  if (!image) {
    pv_set_error(PV_ERR_INVALID_ARG, "%s: image is NULL", op);
    return NULL;
  }
  pv_dtype dt = pv_tensor_dtype(image);
  if (dt != PV_U8 && !(allow_alpha && dt == PV_U16)) {
    pv_set_error(PV_ERR_DTYPE, "%s: expected a uint8 image, got %s", op,
                 pv_dtype_name(dt));
    return NULL;
  }
  const int64_t *s = pv_tensor_shape(image);
  char buf[PV__SHAPE_STR_LEN];
  if (pv_tensor_ndim(image) != 3 || s[1] <= 0 || s[2] <= 0 ||
      !(s[0] == 1 || s[0] == 3 || (allow_alpha && (s[0] == 2 || s[0] == 4)))) {
    pv_set_error(PV_ERR_SHAPE,
                 "%s: expected a CHW image with %s channels, got shape %s", op,
                 allow_alpha ? "1-4" : "1 or 3",
                 pv__shape_str(pv_tensor_ndim(image), s, buf, sizeof(buf)));
    return NULL;
  }
  if (s[1] > 65500 || s[2] > 65500) {
    pv_set_error(PV_ERR_RANGE, "%s: image %lldx%lld is too large", op,
                 (long long)s[2], (long long)s[1]);
    return NULL;
  }
  if (!pv_tensor_data(image)) {
    pv_set_error(PV_ERR_INVALID_ARG, "%s: image must be a host tensor", op);
    return NULL;
  }
  return pv_tensor_contiguous((pv_tensor *)image);
}

static pv_tensor *pv__bytes_tensor(const void *p, size_t n) {
  int64_t shape[1] = {(int64_t)n};
  return pv_tensor_from_data(PV_U8, 1, shape, p);
}

/* --- JPEG --------------------------------------------------------------------
 */

typedef struct pv__jpeg_cerr {
  struct jpeg_error_mgr pub;
  jmp_buf jmp;
} pv__jpeg_cerr;

static void pv__jpeg_cerror_exit(j_common_ptr cinfo) {
  longjmp(((pv__jpeg_cerr *)cinfo->err)->jmp, 1);
}

pv_tensor *pv_encode_jpeg(const pv_tensor *image, int quality) {
  return pv_encode_jpeg_ex(image, quality, PV_JPEG_420);
}

pv_tensor *pv_encode_jpeg_ex(const pv_tensor *image, int quality,
                             pv_jpeg_subsampling subsampling) {
  if ((int)subsampling < PV_JPEG_420 || subsampling > PV_JPEG_444) {
    pv_set_error(PV_ERR_INVALID_ARG,
                 "encode_jpeg: unknown chroma subsampling %d",
                 (int)subsampling);
    return NULL;
  }
  if (quality < 1 || quality > 100) {
    pv_set_error(PV_ERR_RANGE,
                 "encode_jpeg: quality must be in [1, 100], got %d", quality);
    return NULL;
  }
  pv_tensor *img = pv__encode_input(image, "encode_jpeg", 0);
  if (!img)
    return NULL;
  const int64_t *s = pv_tensor_shape(img);
  int64_t c = s[0], h = s[1], w = s[2], hw = h * w;
  const uint8_t *src = (const uint8_t *)pv_tensor_data(img);

  struct jpeg_compress_struct cinfo;
  pv__jpeg_cerr err;
  unsigned char *volatile out = NULL;
  unsigned long out_size = 0;
  uint8_t *row = malloc((size_t)(w * c));
  if (!row) {
    pv_tensor_release(img);
    pv_set_error(PV_ERR_NOMEM, "encode_jpeg: out of memory");
    return NULL;
  }
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = pv__jpeg_cerror_exit;
  if (setjmp(err.jmp)) {
    char msg[JMSG_LENGTH_MAX];
    err.pub.format_message((j_common_ptr)&cinfo, msg);
    jpeg_destroy_compress(&cinfo);
    free(out);
    free(row);
    pv_tensor_release(img);
    pv_set_error(PV_ERR_INTERNAL, "encode_jpeg: libjpeg: %s", msg);
    return NULL;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, (unsigned char **)&out, &out_size);
  cinfo.image_width = (JDIMENSION)w;
  cinfo.image_height = (JDIMENSION)h;
  cinfo.input_components = (int)c;
  cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  if (cinfo.num_components == 3 && subsampling != PV_JPEG_420) {
    /* Luma keeps 2x2 (4:2:0 default), 2x1 (4:2:2) or 1x1 (4:4:4). */
    cinfo.comp_info[0].h_samp_factor = subsampling == PV_JPEG_444 ? 1 : 2;
    cinfo.comp_info[0].v_samp_factor = 1;
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    int64_t y = cinfo.next_scanline;
    for (int64_t x = 0; x < w; x++)
      for (int64_t k = 0; k < c; k++)
        row[x * c + k] = src[k * hw + y * w + x];
    JSAMPROW rp = (JSAMPROW)row;
    jpeg_write_scanlines(&cinfo, &rp, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  free(row);
  pv_tensor_release(img);
  pv_tensor *t = pv__bytes_tensor(out, out_size);
  free(out);
  return t;
}

/* --- PNG ---------------------------------------------------------------------
 */

typedef struct pv__png_buf {
  uint8_t *data;
  size_t size, cap;
  int oom;
  char msg[200];
} pv__png_buf;

static void pv__png_write(png_structp png, png_bytep p, size_t n) {
  pv__png_buf *b = (pv__png_buf *)png_get_io_ptr(png);
  if (b->size + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->size + n)
      cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
      b->oom = 1;
      png_error(png, "out of memory");
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->size, p, n);
  b->size += n;
}
static void pv__png_flush(png_structp png) { (void)png; }
static void pv__png_werror(png_structp png, png_const_charp msg) {
  pv__png_buf *b = (pv__png_buf *)png_get_error_ptr(png);
  snprintf(b->msg, sizeof(b->msg), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}
static void pv__png_wwarn(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

pv_tensor *pv_encode_png(const pv_tensor *image, int compression_level) {
  if (compression_level < 0 || compression_level > 9) {
    pv_set_error(PV_ERR_RANGE,
                 "encode_png: compression_level must be in [0, 9], got %d",
                 compression_level);
    return NULL;
  }
  pv_tensor *img = pv__encode_input(image, "encode_png", 1);
  if (!img)
    return NULL;
  const int64_t *s = pv_tensor_shape(img);
  int64_t c = s[0], h = s[1], w = s[2], hw = h * w;
  int depth = pv_tensor_dtype(img) == PV_U16 ? 16 : 8;
  pv__png_buf buf;
  memset(&buf, 0, sizeof(buf));
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &buf,
                                            pv__png_werror, pv__png_wwarn);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    pv_tensor_release(img);
    pv_set_error(PV_ERR_NOMEM, "encode_png: libpng init failed");
    return NULL;
  }
  uint8_t *volatile row = NULL;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(row);
    free(buf.data);
    pv_tensor_release(img);
    pv_set_error(buf.oom ? PV_ERR_NOMEM : PV_ERR_INTERNAL,
                 "encode_png: libpng: %s", buf.msg);
    return NULL;
  }
  static const int types[5] = {0, PNG_COLOR_TYPE_GRAY,
                               PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                               PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(png, &buf, pv__png_write, pv__png_flush);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, types[c],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, compression_level);
  png_write_info(png, info);
  size_t es = (size_t)depth / 8;
  row = malloc((size_t)(w * c) * es);
  if (!row) {
    buf.oom = 1;
    snprintf(buf.msg, sizeof(buf.msg), "out of memory");
    png_longjmp(png, 1);
  }
  for (int64_t y = 0; y < h; y++) {
    if (depth == 8) {
      const uint8_t *src = (const uint8_t *)pv_tensor_data(img);
      for (int64_t x = 0; x < w; x++)
        for (int64_t k = 0; k < c; k++)
          row[x * c + k] = src[k * hw + y * w + x];
    } else {
      const uint16_t *src = (const uint16_t *)pv_tensor_data(img);
      for (int64_t x = 0; x < w; x++)
        for (int64_t k = 0; k < c; k++) {
          uint16_t v = src[k * hw + y * w + x];
          row[2 * (x * c + k)] = (uint8_t)(v >> 8); /* PNG is big-endian */
          row[2 * (x * c + k) + 1] = (uint8_t)v;
        }
    }
    png_write_row(png, row);
  }
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  free(row);
  pv_tensor_release(img);
  pv_tensor *t = pv__bytes_tensor(buf.data, buf.size);
  free(buf.data);
  return t;
}

int pv_write_jpeg(const pv_tensor *image, const char *path, int quality) {
  if (!path)
    return pv_set_error(PV_ERR_INVALID_ARG, "write_jpeg: path is NULL");
  pv_tensor *b = pv_encode_jpeg(image, quality);
  if (!b)
    return pv_last_status();
  int st = pv_write_file(path, b);
  pv_tensor_release(b);
  return st;
}

int pv_write_png(const pv_tensor *image, const char *path,
                 int compression_level) {
  if (!path)
    return pv_set_error(PV_ERR_INVALID_ARG, "write_png: path is NULL");
  pv_tensor *b = pv_encode_png(image, compression_level);
  if (!b)
    return pv_last_status();
  int st = pv_write_file(path, b);
  pv_tensor_release(b);
  return st;
}
