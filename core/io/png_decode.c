/*
 * PNG decoding with libpng, following torchvision.io.decode_png's transform
 * choices so that 8-bit results are bit-exact:
 *  - 1/2/4-bit gray is expanded to 8 bits;
 *  - UNCHANGED on a palette image returns the palette indices (unpacked to
 *    one byte each) and tRNS is otherwise ignored;
 *  - GRAY uses png_set_rgb_to_gray(1, 0.2989, 0.587) (libpng fixed point);
 *  - the *_ALPHA modes add an opaque alpha channel when the image has none.
 * 16-bit images decode to uint16 in host byte order in every mode.
 *
 * libpng reports errors by longjmp to png_jmpbuf; locals changed after the
 * setjmp are volatile so the handler frees exactly what was allocated.
 */
#include "io_internal.h"

#include <png.h>
#include <setjmp.h>

typedef struct pv__png_reader {
  const uint8_t *data;
  size_t size, pos;
  char msg[200];
} pv__png_reader;

static void pv__png_read(png_structp png, png_bytep out, size_t n) {
  pv__png_reader *r = (pv__png_reader *)png_get_io_ptr(png);
  if (r->size - r->pos < n)
    png_error(png, "Image is incomplete or truncated");
  memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

static void pv__png_error(png_structp png, png_const_charp msg) {
  pv__png_reader *r = (pv__png_reader *)png_get_error_ptr(png);
  snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

static void pv__png_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static int pv__png_exif(png_structp png, png_infop info) {
  png_bytep exif = NULL;
  png_uint_32 n = 0;
  if (png_get_valid(png, info, PNG_INFO_eXIf) &&
      png_get_eXIf_1(png, info, &n, &exif) && exif && n > 0)
    return pv__exif_orientation(exif, n);
  return 0; /* not found */
}

pv_tensor *pv_decode_png(const void *data, size_t size, pv_image_mode mode,
                         unsigned flags) {
  if (!data || size == 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "decode_png: empty input");
    return NULL;
  }
  if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
    pv_set_error(PV_ERR_FORMAT, "decode_png: Content is not png (bad "
                                "signature)");
    return NULL;
  }
  if ((int)mode < PV_IMAGE_UNCHANGED || (int)mode > PV_IMAGE_RGB_ALPHA) {
    pv_set_error(PV_ERR_INVALID_ARG, "decode_png: invalid mode %d", (int)mode);
    return NULL;
  }
  pv__png_reader rd = {(const uint8_t *)data, size, 0, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &rd,
                                           pv__png_error, pv__png_warning);
  if (!png) {
    pv_set_error(PV_ERR_NOMEM, "decode_png: png_create_read_struct failed");
    return NULL;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, NULL, NULL);
    pv_set_error(PV_ERR_NOMEM, "decode_png: png_create_info_struct failed");
    return NULL;
  }
  /* A hostile file declares a chunk length and libpng allocates it before
   * checking the CRC; a zTXt of "2 GB" was found by fuzz_png. No ancillary
   * chunk an image needs (text, iCCP, eXIf) comes near 32 MiB; IDAT is
   * streamed and not affected. No chunk is larger than the file, either. */
  png_set_chunk_malloc_max(png, size < ((size_t)32 << 20) ? size + 4096
                                                          : (size_t)32 << 20);
  /* Nor are text and suggested-palette chunks used for decoding: skip them
   * unread (libpng then only checks their CRC in small reads), so a
   * compressed zTXt cannot make libpng inflate it into a huge buffer. (iCCP
   * stays: libpng's gray conversion takes its coefficients from it.) */
  static const png_byte ignored[] = {'t', 'E', 'X', 't', 0,   'z', 'T',
                                     'X', 't', 0,   'i', 'T', 'X', 't',
                                     0,   's', 'P', 'L', 'T', 0};
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored, 4);
  uint8_t *volatile hwc = NULL;
  png_bytep *volatile rows = NULL;
  volatile int reading_end = 0;
  volatile int orientation = 0;
  volatile int64_t h = 0, w = 0, channels = 0;
  volatile int out_depth = 8;
  int bit_depth = 0;
  if (setjmp(png_jmpbuf(png))) {
    if (reading_end)
      goto finish; /* a bad chunk after IDAT: the pixels are complete */
    png_destroy_read_struct(&png, &info, NULL);
    free(hwc);
    free(rows);
    pv_set_error(PV_ERR_FORMAT, "decode_png: %s", rd.msg);
    return NULL;
  }
  png_set_read_fn(png, &rd, pv__png_read);
  png_read_info(png, info);
  png_uint_32 width, height;
  int color_type, interlace;
  png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace,
               NULL, NULL);
  if (bit_depth > 8 && bit_depth != 16) {
    snprintf(rd.msg, sizeof(rd.msg), "unsupported bit depth %d", bit_depth);
    png_longjmp(png, 1);
  }
  if (pv__image_check_dims("decode_png", width, height) < 0) {
    png_destroy_read_struct(&png, &info, NULL);
    return NULL;
  }
  channels = png_get_channels(png, info);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth < 8)
    png_set_packing(png); /* palette indices one per byte */
  int is_palette = (color_type & PNG_COLOR_MASK_PALETTE) != 0;
  int has_color = (color_type & PNG_COLOR_MASK_COLOR) != 0;
  int has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
  if (is_palette)
    has_alpha = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  out_depth = bit_depth == 16 ? 16 : 8;
  png_uint_32 opaque = (1u << out_depth) - 1;
  switch (mode) {
  case PV_IMAGE_GRAY:
    if (color_type != PNG_COLOR_TYPE_GRAY) {
      if (is_palette)
        png_set_palette_to_rgb(png);
      if (has_alpha)
        png_set_strip_alpha(png);
      if (has_color)
        png_set_rgb_to_gray(png, 1, 0.2989, 0.587);
      channels = 1;
    }
    break;
  case PV_IMAGE_GRAY_ALPHA:
    if (color_type != PNG_COLOR_TYPE_GRAY_ALPHA) {
      if (is_palette)
        png_set_palette_to_rgb(png);
      if (!has_alpha)
        png_set_add_alpha(png, opaque, PNG_FILLER_AFTER);
      if (has_color)
        png_set_rgb_to_gray(png, 1, 0.2989, 0.587);
      channels = 2;
    }
    break;
  case PV_IMAGE_RGB:
    if (color_type != PNG_COLOR_TYPE_RGB) {
      if (is_palette)
        png_set_palette_to_rgb(png);
      else if (!has_color)
        png_set_gray_to_rgb(png);
      if (has_alpha)
        png_set_strip_alpha(png);
      channels = 3;
    }
    break;
  case PV_IMAGE_RGB_ALPHA:
    if (color_type != PNG_COLOR_TYPE_RGB_ALPHA) {
      if (is_palette)
        png_set_palette_to_rgb(png);
      else if (!has_color)
        png_set_gray_to_rgb(png);
      if (!has_alpha)
        png_set_add_alpha(png, opaque, PNG_FILLER_AFTER);
      channels = 4;
    }
    break;
  default:
    break;
  }
  if (bit_depth == 16) {
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe == 1)
      png_set_swap(png); /* host order on little-endian hosts */
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if ((int64_t)png_get_channels(png, info) != channels ||
      png_get_bit_depth(png, info) != out_depth) {
    snprintf(rd.msg, sizeof(rd.msg),
             "internal: libpng produced %d channels of %d bits, expected "
             "%lld of %d",
             png_get_channels(png, info), png_get_bit_depth(png, info),
             (long long)channels, out_depth);
    png_longjmp(png, 1);
  }
  h = height;
  w = width;
  size_t row_bytes = (size_t)w * (size_t)channels * (out_depth / 8);
  if (png_get_rowbytes(png, info) != row_bytes) {
    snprintf(rd.msg, sizeof(rd.msg), "internal: row size %zu, expected %zu",
             (size_t)png_get_rowbytes(png, info), row_bytes);
    png_longjmp(png, 1);
  }
  hwc = malloc(row_bytes * (size_t)h);
  rows = malloc(sizeof(png_bytep) * (size_t)h);
  if (!hwc || !rows) {
    snprintf(rd.msg, sizeof(rd.msg), "out of memory for %lldx%lld image",
             (long long)w, (long long)h);
    png_longjmp(png, 1);
  }
  for (int64_t y = 0; y < h; y++)
    rows[y] = hwc + (size_t)y * row_bytes;
  png_read_image(png, rows);
  if (flags & PV_DECODE_EXIF_ORIENTATION) {
    orientation = pv__png_exif(png, info);
    if (!orientation) {
      /* eXIf may follow the image data. */
      reading_end = 1;
      png_read_end(png, info);
      orientation = pv__png_exif(png, info);
    }
  }
finish:
  png_destroy_read_struct(&png, &info, NULL);
  free(rows);
  pv_tensor *t =
      pv__hwc_to_chw(hwc, out_depth == 16 ? PV_U16 : PV_U8, h, w, channels);
  free(hwc);
  if (t && orientation > 1)
    t = pv__apply_orientation(t, orientation);
  return t;
}
