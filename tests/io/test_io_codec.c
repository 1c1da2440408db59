/* Self-contained image I/O tests: every code path exercised on images the
 * test generates itself (no shared data needed): PNG/JPEG/WebP round trips,
 * EXIF orientation from JPEG APP1 and PNG eXIf, corrupted and truncated
 * inputs (errors, never crashes), format sniffing, batched and DCT-scaled
 * decode, argument validation. */
#include "testutil.h"

#include <math.h>
#include <polyvis/image.h>
#include <zlib.h>
#ifdef PV_TEST_HAVE_WEBP
#include <webp/encode.h>
#endif

static pv_tensor *make_image(pv_dtype dt, int64_t c, int64_t h, int64_t w,
                             int smooth) {
  int64_t shape[3] = {c, h, w};
  pv_tensor *t = pv_tensor_create(dt, 3, shape);
  uint32_t s = 12345;
  for (int64_t k = 0; k < c; k++)
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++) {
        int64_t i = (k * h + y) * w + x;
        s = s * 1664525u + 1013904223u;
        double v = smooth ? 128 + 100 * sin(0.11 * x + 0.07 * y + k)
                          : (double)(s >> 24);
        if (dt == PV_U16)
          ((uint16_t *)pv_tensor_data(t))[i] = (uint16_t)(v * 256 + k);
        else
          ((uint8_t *)pv_tensor_data(t))[i] = (uint8_t)v;
      }
  return t;
}

static int same(const pv_tensor *a, const pv_tensor *b) {
  if (!a || !b || pv_tensor_dtype(a) != pv_tensor_dtype(b) ||
      pv_tensor_ndim(a) != pv_tensor_ndim(b))
    return 0;
  for (int i = 0; i < pv_tensor_ndim(a); i++)
    if (pv_tensor_shape(a)[i] != pv_tensor_shape(b)[i])
      return 0;
  return !memcmp(pv_tensor_data(a), pv_tensor_data(b), pv_tensor_nbytes(a));
}

static double psnr(const pv_tensor *a, const pv_tensor *b) {
  const uint8_t *p = pv_tensor_data(a), *q = pv_tensor_data(b);
  double se = 0;
  int64_t n = pv_tensor_numel(a);
  for (int64_t i = 0; i < n; i++)
    se += (double)(p[i] - q[i]) * (p[i] - q[i]);
  if (se == 0)
    return 99;
  return 10 * log10(255.0 * 255.0 / (se / (double)n));
}

/* The EXIF transform written independently of the library, from the spec's
 * flip/transpose description. */
static pv_tensor *orient_ref(const pv_tensor *t, int o) {
  const int64_t *s = pv_tensor_shape(t);
  int64_t c = s[0], h = s[1], w = s[2];
  int tr = o >= 5;
  int64_t shape[3] = {c, tr ? w : h, tr ? h : w};
  pv_tensor *r = pv_tensor_create(PV_U8, 3, shape);
  const uint8_t *src = pv_tensor_data(t);
  uint8_t *dst = pv_tensor_data(r);
  int64_t oh = shape[1], ow = shape[2];
  int fx = o == 2 || o == 3 || o == 6 || o == 7; /* flip(-1) after transpose */
  int fy = o == 3 || o == 4 || o == 7 || o == 8; /* flip(-2) after transpose */
  for (int64_t k = 0; k < c; k++)
    for (int64_t y = 0; y < oh; y++)
      for (int64_t x = 0; x < ow; x++) {
        int64_t ty = fy ? oh - 1 - y : y, tx = fx ? ow - 1 - x : x;
        int64_t sy = tr ? tx : ty, sx = tr ? ty : tx;
        dst[(k * oh + y) * ow + x] = src[(k * h + sy) * w + sx];
      }
  return r;
}

/* A little-endian TIFF block with one Orientation entry. */
static size_t exif_block(uint8_t *b, int o, int with_prefix) {
  size_t n = 0;
  if (with_prefix) {
    memcpy(b, "Exif\0\0", 6);
    n = 6;
  }
  static const uint8_t tiff[] = {'I', 'I',  42,   0, 8, 0, 0, 0, 1,
                                 0,   0x12, 0x01, 3, 0, 1, 0, 0, 0};
  memcpy(b + n, tiff, sizeof tiff);
  n += sizeof tiff;
  b[n++] = (uint8_t)o;
  b[n++] = 0;
  b[n++] = 0;
  b[n++] = 0;
  memset(b + n, 0, 4); /* next IFD */
  return n + 4;
}

/* Inserts an APP1 segment right after SOI. */
static pv_tensor *jpeg_with_exif(const pv_tensor *jpg, int o) {
  uint8_t blk[64];
  size_t bn = exif_block(blk, o, 1);
  size_t n = (size_t)pv_tensor_numel(jpg), m = n + 4 + bn;
  int64_t shape[1] = {(int64_t)m};
  pv_tensor *r = pv_tensor_create(PV_U8, 1, shape);
  uint8_t *d = pv_tensor_data(r);
  const uint8_t *s = pv_tensor_data(jpg);
  memcpy(d, s, 2);
  d[2] = 0xFF;
  d[3] = 0xE1;
  d[4] = (uint8_t)((bn + 2) >> 8);
  d[5] = (uint8_t)(bn + 2);
  memcpy(d + 6, blk, bn);
  memcpy(d + 6 + bn, s + 2, n - 2);
  return r;
}

/* Inserts an eXIf chunk before IDAT (after IHDR) or before IEND. */
static pv_tensor *png_with_exif(const pv_tensor *png, int o, int at_end) {
  uint8_t blk[64];
  size_t bn = exif_block(blk, o, 0);
  size_t n = (size_t)pv_tensor_numel(png), m = n + 12 + bn;
  const uint8_t *s = pv_tensor_data(png);
  size_t at = at_end ? n - 12 : 8 + 25;
  int64_t shape[1] = {(int64_t)m};
  pv_tensor *r = pv_tensor_create(PV_U8, 1, shape);
  uint8_t *d = pv_tensor_data(r);
  memcpy(d, s, at);
  uint8_t *c = d + at;
  c[0] = 0;
  c[1] = 0;
  c[2] = (uint8_t)(bn >> 8);
  c[3] = (uint8_t)bn;
  memcpy(c + 4, "eXIf", 4);
  memcpy(c + 8, blk, bn);
  uLong crc = crc32(0, c + 4, (uInt)(4 + bn));
  c[8 + bn] = (uint8_t)(crc >> 24);
  c[9 + bn] = (uint8_t)(crc >> 16);
  c[10 + bn] = (uint8_t)(crc >> 8);
  c[11 + bn] = (uint8_t)crc;
  memcpy(c + 12 + bn, s + at, n - at);
  return r;
}

/* Every prefix and many byte flips: the decoder must fail or succeed, never
 * crash (ASan checks the rest). Returns how many prefixes failed. */
static int abuse(const pv_tensor *bytes, pv_image_mode mode) {
  size_t n = (size_t)pv_tensor_numel(bytes);
  const uint8_t *p = pv_tensor_data(bytes);
  int failed = 0;
  size_t step = n > 4000 ? n / 1500 : 1;
  for (size_t cut = 0; cut < n; cut += step) {
    pv_tensor *t = pv_decode_image_mem(p, cut, mode, 0);
    if (!t) {
      failed++;
      if (pv_last_error()[0] == 0)
        failed = -100000; /* an error must always carry a message */
    }
    pv_tensor_release(t);
  }
  uint8_t *q = malloc(n);
  uint32_t s = 99;
  for (int iter = 0; iter < 300; iter++) {
    memcpy(q, p, n);
    for (int k = 0; k < 4; k++) {
      s = s * 1664525u + 1013904223u;
      size_t at = 2 + (s >> 8) % (n - 2);
      q[at] ^= (uint8_t)(1u << ((s >> 4) & 7));
    }
    pv_tensor_release(pv_decode_image_mem(q, n, mode, 0));
    pv_tensor_release(
        pv_decode_image_mem(q, n, mode, PV_DECODE_EXIF_ORIENTATION));
  }
  free(q);
  return failed;
}

static void test_png(void) {
  /* 8-bit 1..4 channels and 16-bit: lossless round trips at levels 0/6/9. */
  for (int dt = 0; dt < 2; dt++)
    for (int c = 1; c <= 4; c++)
      for (int level = 0; level <= 9; level += 3) {
        pv_tensor *img = make_image(dt ? PV_U16 : PV_U8, c, 37, 53, level == 3);
        pv_tensor *png = pv_encode_png(img, level);
        CHECK(png != NULL);
        pv_tensor *back = pv_decode_image(png, PV_IMAGE_UNCHANGED, 0);
        CHECK(same(img, back));
        pv_tensor_release(back);
        pv_tensor_release(png);
        pv_tensor_release(img);
      }
  /* Mode conversions on an RGB PNG (exactness vs torchvision is
   * test_io_parity's job; here +-2 of the float formula, as libpng works in
   * fixed point): GRAY_ALPHA/RGB_ALPHA add opaque alpha,
   * RGB keeps the data, GRAY is libpng's fixed-point 0.2989/0.587 mix. */
  pv_tensor *rgb = make_image(PV_U8, 3, 20, 30, 0);
  pv_tensor *png = pv_encode_png(rgb, 6);
  pv_tensor *a = pv_decode_image(png, PV_IMAGE_RGB_ALPHA, 0);
  CHECK(a && pv_tensor_dim(a, 0) == 4);
  if (a) {
    CHECK(!memcmp(pv_tensor_data(a), pv_tensor_data(rgb), 3 * 600));
    const uint8_t *al = (const uint8_t *)pv_tensor_data(a) + 3 * 600;
    int opaque = 1;
    for (int i = 0; i < 600; i++)
      opaque &= al[i] == 255;
    CHECK(opaque);
  }
  pv_tensor *g = pv_decode_image(png, PV_IMAGE_GRAY, 0);
  CHECK(g && pv_tensor_dim(g, 0) == 1);
  if (g) {
    const uint8_t *r = pv_tensor_data(rgb), *gy = pv_tensor_data(g);
    int close = 1;
    for (int i = 0; i < 600; i++) {
      double want = 0.2989 * r[i] + 0.587 * r[600 + i] + 0.1141 * r[1200 + i];
      if (fabs(gy[i] - want) > 2.0 && close) {
        fprintf(stderr, "gray[%d]=%d want %.2f (rgb %d %d %d)\n", i, gy[i],
                want, r[i], r[600 + i], r[1200 + i]);
        close = 0;
      }
    }
    CHECK(close);
  }
  pv_tensor *ga = pv_decode_image(png, PV_IMAGE_GRAY_ALPHA, 0);
  CHECK(ga && pv_tensor_dim(ga, 0) == 2 &&
        !memcmp(pv_tensor_data(ga), pv_tensor_data(g), 600));
  pv_tensor_release(a);
  pv_tensor_release(g);
  pv_tensor_release(ga);
  /* Gray source in RGB mode: replicated channels. */
  pv_tensor *gray = make_image(PV_U8, 1, 10, 10, 0);
  pv_tensor *gpng = pv_encode_png(gray, 1);
  pv_tensor *g3 = pv_decode_image(gpng, PV_IMAGE_RGB, 0);
  CHECK(g3 && pv_tensor_dim(g3, 0) == 3);
  if (g3)
    for (int k = 0; k < 3; k++)
      CHECK(!memcmp((uint8_t *)pv_tensor_data(g3) + 100 * k,
                    pv_tensor_data(gray), 100));
  pv_tensor_release(g3);
  pv_tensor_release(gpng);
  pv_tensor_release(gray);
  /* 16-bit stays uint16 in every mode. */
  pv_tensor *i16 = make_image(PV_U16, 3, 8, 9, 1);
  pv_tensor *p16 = pv_encode_png(i16, 6);
  for (int m = 0; m <= 4; m++) {
    pv_tensor *d = pv_decode_image(p16, (pv_image_mode)m, 0);
    CHECK(d && pv_tensor_dtype(d) == PV_U16);
    if (d && m == PV_IMAGE_RGB)
      CHECK(same(d, i16));
    pv_tensor_release(d);
  }
  pv_tensor_release(p16);
  pv_tensor_release(i16);
  CHECK(abuse(png, PV_IMAGE_RGB) > 0);
  CHECK(pv_encode_png(rgb, 10) == NULL && pv_last_status() == PV_ERR_RANGE);
  pv_tensor_release(png);
  pv_tensor_release(rgb);
}

static void test_jpeg(void) {
  pv_tensor *img = make_image(PV_U8, 3, 96, 128, 1);
  pv_tensor *jpg = pv_encode_jpeg(img, 95);
  CHECK(jpg != NULL);
  pv_tensor *back = pv_decode_image(jpg, PV_IMAGE_UNCHANGED, 0);
  CHECK(back && pv_tensor_dim(back, 0) == 3 && pv_tensor_dim(back, 1) == 96);
  if (back) {
    double q = psnr(img, back);
    printf("jpeg q95 round trip: PSNR %.1f dB\n", q);
    CHECK(q > 40);
  }
  pv_tensor *gray = pv_decode_image(jpg, PV_IMAGE_GRAY, 0);
  CHECK(gray && pv_tensor_dim(gray, 0) == 1);
  CHECK(pv_decode_image(jpg, PV_IMAGE_GRAY_ALPHA, 0) == NULL &&
        pv_last_status() == PV_ERR_UNSUPPORTED);
  /* Lower quality gives fewer bytes; out-of-range quality is an error. */
  pv_tensor *small = pv_encode_jpeg(img, 10);
  CHECK(small && pv_tensor_numel(small) < pv_tensor_numel(jpg));
  CHECK(pv_encode_jpeg(img, 0) == NULL && pv_last_status() == PV_ERR_RANGE);
  CHECK(pv_encode_jpeg(img, 101) == NULL);
  pv_tensor *four = make_image(PV_U8, 4, 8, 8, 0);
  CHECK(pv_encode_jpeg(four, 75) == NULL && pv_last_status() == PV_ERR_SHAPE);
  pv_tensor_release(four);
  /* Gray JPEG round trip. */
  pv_tensor *g1 = make_image(PV_U8, 1, 40, 40, 1);
  pv_tensor *gj = pv_encode_jpeg(g1, 95);
  pv_tensor *gb = pv_decode_image(gj, PV_IMAGE_UNCHANGED, 0);
  CHECK(gb && pv_tensor_dim(gb, 0) == 1 && psnr(g1, gb) > 40);
  pv_tensor *g3 = pv_decode_image(gj, PV_IMAGE_RGB, 0);
  CHECK(g3 && pv_tensor_dim(g3, 0) == 3);
  pv_tensor_release(g3);
  pv_tensor_release(gb);
  pv_tensor_release(gj);
  pv_tensor_release(g1);
  /* Truncation names the cause. */
  pv_tensor *cut = pv_decode_image_mem(
      pv_tensor_data(jpg), (size_t)pv_tensor_numel(jpg) / 2, PV_IMAGE_RGB, 0);
  CHECK(cut == NULL &&
        strstr(pv_last_error(), "Image is incomplete or truncated") != NULL);
  CHECK(abuse(jpg, PV_IMAGE_RGB) > 0);

  /* EXIF: all 8 orientations from APP1, only with the flag. */
  for (int o = 1; o <= 8; o++) {
    pv_tensor *ej = jpeg_with_exif(jpg, o);
    pv_tensor *plain = pv_decode_image(ej, PV_IMAGE_RGB, 0);
    pv_tensor *rot =
        pv_decode_image(ej, PV_IMAGE_RGB, PV_DECODE_EXIF_ORIENTATION);
    CHECK(same(plain, back));
    pv_tensor *want = orient_ref(back, o);
    CHECK(same(rot, want));
    pv_tensor_release(want);
    pv_tensor_release(rot);
    pv_tensor_release(plain);
    pv_tensor_release(ej);
  }
  pv_tensor_release(gray);
  pv_tensor_release(small);
  pv_tensor_release(back);
  pv_tensor_release(jpg);
  pv_tensor_release(img);
}

static void test_png_exif(void) {
  pv_tensor *img = make_image(PV_U8, 3, 5, 7, 0);
  pv_tensor *png = pv_encode_png(img, 6);
  for (int at_end = 0; at_end < 2; at_end++)
    for (int o = 1; o <= 8; o++) {
      pv_tensor *e = png_with_exif(png, o, at_end);
      pv_tensor *plain = pv_decode_image(e, PV_IMAGE_UNCHANGED, 0);
      CHECK(same(plain, img));
      pv_tensor *rot =
          pv_decode_image(e, PV_IMAGE_UNCHANGED, PV_DECODE_EXIF_ORIENTATION);
      pv_tensor *want = orient_ref(img, o);
      CHECK(same(rot, want));
      pv_tensor_release(want);
      pv_tensor_release(rot);
      pv_tensor_release(plain);
      pv_tensor_release(e);
    }
  pv_tensor_release(png);
  pv_tensor_release(img);
}

static void test_formats(void) {
  static const struct {
    const char *bytes;
    size_t n;
    const char *name;
  } cases[] = {
      {"GIF89a\1\0\1\0\0\0\0", 13, "GIF"},
      {"\0\0\0\x1c"
       "ftypavif\0\0\0\0avifmif1miaf",
       28, "AVIF"},
      {"\0\0\0\x18"
       "ftypheic\0\0\0\0mif1heic",
       24, "HEIC"},
      {"BM\0\0\0\0\0\0\0\0", 10, "BMP"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pv_tensor *t =
        pv_decode_image_mem(cases[i].bytes, cases[i].n, PV_IMAGE_RGB, 0);
    CHECK(t == NULL && pv_last_status() == PV_ERR_UNSUPPORTED &&
          strstr(pv_last_error(), cases[i].name) != NULL);
  }
  CHECK(pv_decode_image_mem("hello world", 11, PV_IMAGE_RGB, 0) == NULL &&
        pv_last_status() == PV_ERR_FORMAT &&
        strstr(pv_last_error(), "Unsupported image file") != NULL);
  CHECK(pv_decode_image_mem("", 0, PV_IMAGE_RGB, 0) == NULL);
  CHECK(pv_image_mode_from_name("RGBA") == PV_IMAGE_RGB_ALPHA);
  CHECK(pv_image_mode_from_name("Gray") == PV_IMAGE_GRAY);
  CHECK(pv_image_mode_from_name("cmyk") == -1);
  /* 2-D input or wrong dtype is refused with a named error. */
  int64_t shape[2] = {2, 2};
  pv_tensor *bad = pv_tensor_create(PV_F32, 2, shape);
  CHECK(pv_decode_image(bad, PV_IMAGE_RGB, 0) == NULL &&
        pv_last_status() == PV_ERR_DTYPE);
  pv_tensor_release(bad);
}

static void test_files(void) {
  char path[600];
  pv_tensor *img = make_image(PV_U8, 3, 16, 16, 0);
  snprintf(path, sizeof path, "%s/x.png", pv_test_tmpdir());
  CHECK(pv_write_png(img, path, 6) == 0);
  pv_tensor *r = pv_read_image(path, PV_IMAGE_UNCHANGED, 0);
  CHECK(same(r, img));
  pv_tensor_release(r);
  pv_tensor *bytes = pv_read_file(path);
  CHECK(bytes && pv_tensor_ndim(bytes) == 1 && pv_tensor_dtype(bytes) == PV_U8);
  snprintf(path, sizeof path, "%s/copy.png", pv_test_tmpdir());
  CHECK(pv_write_file(path, bytes) == 0);
  pv_tensor *b2 = pv_read_file(path);
  CHECK(same(bytes, b2));
  pv_tensor_release(b2);
  pv_tensor_release(bytes);
  snprintf(path, sizeof path, "%s/x.jpg", pv_test_tmpdir());
  CHECK(pv_write_jpeg(img, path, 90) == 0);
  r = pv_read_image(path, PV_IMAGE_RGB, 0);
  CHECK(r && pv_tensor_dim(r, 2) == 16);
  pv_tensor_release(r);
  /* A failed write leaves nothing behind; a missing file names its path. */
  snprintf(path, sizeof path, "%s/bad.jpg", pv_test_tmpdir());
  CHECK(pv_write_jpeg(img, path, 0) < 0);
  FILE *f = fopen(path, "rb");
  CHECK(f == NULL);
  if (f)
    fclose(f);
  snprintf(path, sizeof path, "%s/missing.png", pv_test_tmpdir());
  CHECK(pv_read_image(path, PV_IMAGE_RGB, 0) == NULL &&
        strstr(pv_last_error(), "missing.png") != NULL);
  pv_tensor_release(img);
}

static void test_batch(void) {
  enum { N = 9 };
  pv_tensor *in[N], *out[N];
  pv_image_status st[N];
  pv_tensor *imgs[N];
  for (int i = 0; i < N; i++) {
    imgs[i] = make_image(PV_U8, 3, 64 + 8 * i, 80, 1);
    in[i] = i % 2 ? pv_encode_png(imgs[i], 1) : pv_encode_jpeg(imgs[i], 90);
  }
  /* image 4 is garbage */
  pv_tensor_release(in[4]);
  int64_t gshape[1] = {16};
  in[4] = pv_tensor_create(PV_U8, 1, gshape);
  int rc = pv_decode_images(N, (const pv_tensor *const *)in, PV_IMAGE_RGB, 0,
                            NULL, out, st);
  CHECK_EQ_INT(rc, 1);
  for (int i = 0; i < N; i++) {
    if (i == 4) {
      CHECK(out[i] == NULL && st[i].status == PV_ERR_FORMAT &&
            st[i].message[0] != 0);
      continue;
    }
    CHECK(st[i].status == 0 && out[i] != NULL);
    pv_tensor *one = pv_decode_image(in[i], PV_IMAGE_RGB, 0);
    CHECK(same(one, out[i])); /* batched == single, bit for bit */
    pv_tensor_release(one);
    pv_tensor_release(out[i]);
  }
  /* DCT-scaled fast path: at least the requested size, smaller than full. */
  int64_t min_size[2] = {20, 20};
  rc = pv_decode_images(N, (const pv_tensor *const *)in, PV_IMAGE_RGB,
                        PV_DECODE_FAST_SCALE, min_size, out, NULL);
  CHECK_EQ_INT(rc, 1);
  for (int i = 0; i < N; i++) {
    if (!out[i])
      continue;
    CHECK(pv_tensor_dim(out[i], 1) >= 20 && pv_tensor_dim(out[i], 2) >= 20);
    if (i % 2 == 0) { /* JPEG: the smallest M/8 covering 20x20 */
      int64_t h = 64 + 8 * i, m = 1;
      while ((h * m + 7) / 8 < 20 || (80 * m + 7) / 8 < 20)
        m++;
      CHECK_EQ_INT(pv_tensor_dim(out[i], 2), (80 * m + 7) / 8);
      CHECK(pv_tensor_dim(out[i], 2) < 80);
    } else /* PNG: no scaling */
      CHECK_EQ_INT(pv_tensor_dim(out[i], 2), 80);
    pv_tensor_release(out[i]);
  }
  CHECK(pv_decode_images(-1, NULL, PV_IMAGE_RGB, 0, NULL, NULL, NULL) ==
        PV_ERR_INVALID_ARG);
  for (int i = 0; i < N; i++) {
    pv_tensor_release(in[i]);
    pv_tensor_release(imgs[i]);
  }
}

static void test_webp(void) {
#ifdef PV_TEST_HAVE_WEBP
  pv_tensor *img = make_image(PV_U8, 3, 24, 32, 0);
  uint8_t hwc[24 * 32 * 4];
  const uint8_t *p = pv_tensor_data(img);
  for (int i = 0; i < 24 * 32; i++)
    for (int k = 0; k < 3; k++) {
      hwc[3 * i + k] = p[k * 24 * 32 + i];
    }
  uint8_t *enc = NULL;
  size_t n = WebPEncodeLosslessRGB(hwc, 32, 24, 32 * 3, &enc);
  CHECK(n > 0);
  pv_tensor *d = pv_decode_image_mem(enc, n, PV_IMAGE_UNCHANGED, 0);
  CHECK(same(d, img)); /* lossless, no alpha: RGB */
  pv_tensor *d4 = pv_decode_image_mem(enc, n, PV_IMAGE_RGB_ALPHA, 0);
  CHECK(d4 && pv_tensor_dim(d4, 0) == 4);
  CHECK(pv_decode_image_mem(enc, n, PV_IMAGE_GRAY, 0) == NULL &&
        pv_last_status() == PV_ERR_UNSUPPORTED);
  int64_t shape[1] = {(int64_t)n};
  pv_tensor *bytes = pv_tensor_from_data(PV_U8, 1, shape, enc);
  CHECK(abuse(bytes, PV_IMAGE_UNCHANGED) > 0);
  pv_tensor_release(bytes);
  pv_tensor_release(d4);
  pv_tensor_release(d);
  WebPFree(enc);
  pv_tensor_release(img);
#else
  printf("note: built without libwebp; WebP cases skipped\n");
#endif
}

int main(void) {
  test_png();
  test_jpeg();
  test_png_exif();
  test_formats();
  test_files();
  test_batch();
  test_webp();
  return pv_test_finish("test_io_codec");
}
