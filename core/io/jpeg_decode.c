/*
 * JPEG decoding with libjpeg-turbo, bit-exact with torchvision.io.decode_jpeg
 * (libjpeg defaults: ISLOW IDCT, fancy upsampling). CMYK/YCCK files are
 * converted to RGB/GRAY with Pillow's integer formula, as torchvision >= 0.16.
 *
 * libjpeg reports errors through error_exit, which must not return: ours
 * formats the message and longjmps back to the decode function, which frees
 * everything it allocated. Locals changed after setjmp are volatile.
 */
#include "io_internal.h"

#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>

typedef struct pv__jpeg_err {
  struct jpeg_error_mgr pub;
  jmp_buf jmp;
  char msg[JMSG_LENGTH_MAX];
  int code; /* PV_ERR_* to report */
} pv__jpeg_err;

static void pv__jpeg_error_exit(j_common_ptr cinfo) {
  pv__jpeg_err *err = (pv__jpeg_err *)cinfo->err;
  if (err->code == 0) {
    cinfo->err->format_message(cinfo, err->msg);
    err->code = err->pub.msg_code == JERR_BAD_PRECISION ? PV_ERR_UNSUPPORTED
                                                        : PV_ERR_FORMAT;
  }
  longjmp(err->jmp, 1);
}

static void pv__jpeg_output_message(j_common_ptr cinfo) {
  (void)cinfo; /* warnings are silent, as in torchvision */
}

/* A memory source whose refill reports truncation instead of inserting a
 * fake EOI marker (jpeg_mem_src's behaviour), matching torchvision. */
static void pv__src_init(j_decompress_ptr cinfo) { (void)cinfo; }
static boolean pv__src_fill(j_decompress_ptr cinfo) {
  pv__jpeg_err *err = (pv__jpeg_err *)cinfo->err;
  snprintf(err->msg, sizeof(err->msg), "Image is incomplete or truncated");
  err->code = PV_ERR_FORMAT;
  longjmp(err->jmp, 1);
  return FALSE;
}
static void pv__src_skip(j_decompress_ptr cinfo, long n) {
  struct jpeg_source_mgr *src = cinfo->src;
  if (n <= 0)
    return;
  if ((size_t)n > src->bytes_in_buffer) {
    src->next_input_byte += src->bytes_in_buffer;
    src->bytes_in_buffer = 0;
    pv__src_fill(cinfo);
    return;
  }
  src->next_input_byte += n;
  src->bytes_in_buffer -= (size_t)n;
}
static void pv__src_term(j_decompress_ptr cinfo) { (void)cinfo; }

/* Pillow's integer CMYK->RGB step (torchvision >= 0.16). */
static inline uint8_t pv__cmyk_conv(int k, int cmy) {
  int v = k * cmy + 128;
  v = ((v >> 8) + v) >> 8;
  int r = k - v;
  return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

static void pv__cmyk_row(const uint8_t *in, uint8_t *out, int64_t w, int gray) {
  for (int64_t x = 0; x < w; x++) {
    int c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2], k = in[4 * x + 3];
    uint8_t r = pv__cmyk_conv(k, 255 - c), g = pv__cmyk_conv(k, 255 - m),
            b = pv__cmyk_conv(k, 255 - y);
    if (gray) {
      out[x] = (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
    } else {
      out[3 * x] = r;
      out[3 * x + 1] = g;
      out[3 * x + 2] = b;
    }
  }
}

static int pv__jpeg_exif(j_decompress_ptr cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
        !memcmp(m->data, "Exif\0\0", 6))
      return pv__exif_orientation(m->data, m->data_length);
  }
  return 1;
}

pv_tensor *pv__decode_jpeg_scaled(const void *data, size_t size,
                                  pv_image_mode mode, unsigned flags,
                                  int64_t min_h, int64_t min_w) {
  if (!data || size == 0) {
    pv_set_error(PV_ERR_INVALID_ARG, "decode_jpeg: empty input");
    return NULL;
  }
  if (size < 3 || memcmp(data, "\xff\xd8\xff", 3) != 0) {
    pv_set_error(PV_ERR_FORMAT, "decode_jpeg: not a JPEG (bad magic bytes)");
    return NULL;
  }
  if (mode != PV_IMAGE_UNCHANGED && mode != PV_IMAGE_GRAY &&
      mode != PV_IMAGE_RGB) {
    pv_set_error(PV_ERR_UNSUPPORTED,
                 "decode_jpeg: The provided mode (%s) is not supported for "
                 "JPEG files",
                 pv_image_mode_name(mode) ? pv_image_mode_name(mode) : "?");
    return NULL;
  }

  struct jpeg_decompress_struct cinfo;
  pv__jpeg_err err;
  struct jpeg_source_mgr src;
  pv_tensor *volatile out = NULL;
  uint8_t *volatile row = NULL;
  uint8_t *volatile cmyk_row = NULL;
  memset(&err, 0, sizeof(err));
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = pv__jpeg_error_exit;
  err.pub.output_message = pv__jpeg_output_message;
  if (setjmp(err.jmp)) {
    jpeg_destroy_decompress(&cinfo);
    pv_tensor_release(out);
    free(row);
    free(cmyk_row);
    if (err.code == PV_ERR_UNSUPPORTED)
      pv_set_error(PV_ERR_UNSUPPORTED,
                   "decode_jpeg: %s (libjpeg-turbo here decodes 8-bit "
                   "samples only)",
                   err.msg);
    else
      pv_set_error(err.code ? err.code : PV_ERR_FORMAT, "decode_jpeg: %s",
                   err.msg);
    return NULL;
  }
  jpeg_create_decompress(&cinfo);
  src.next_input_byte = (const JOCTET *)data;
  src.bytes_in_buffer = size;
  src.init_source = pv__src_init;
  src.fill_input_buffer = pv__src_fill;
  src.skip_input_data = pv__src_skip;
  src.resync_to_restart = jpeg_resync_to_restart;
  src.term_source = pv__src_term;
  cinfo.src = &src;
  if (flags & PV_DECODE_EXIF_ORIENTATION)
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&cinfo, TRUE);

  int channels = cinfo.num_components;
  int cmyk =
      cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  int convert = 0; /* 1: CMYK->RGB, 2: CMYK->GRAY */
  if (mode == PV_IMAGE_GRAY) {
    channels = 1;
    if (cmyk) {
      cinfo.out_color_space = JCS_CMYK;
      convert = 2;
    } else {
      cinfo.out_color_space = JCS_GRAYSCALE;
    }
  } else if (mode == PV_IMAGE_RGB) {
    channels = 3;
    if (cmyk) {
      cinfo.out_color_space = JCS_CMYK;
      convert = 1;
    } else {
      cinfo.out_color_space = JCS_RGB;
    }
  }
  if (pv__image_check_dims("decode_jpeg", cinfo.image_width,
                           cinfo.image_height) < 0) {
    jpeg_destroy_decompress(&cinfo);
    return NULL;
  }
  if (min_h > 0 || min_w > 0) {
    /* Smallest M/8 whose output still covers the requested size. */
    unsigned m = 1;
    for (; m < 8; m++) {
      uint64_t oh = ((uint64_t)cinfo.image_height * m + 7) / 8;
      uint64_t ow = ((uint64_t)cinfo.image_width * m + 7) / 8;
      if ((int64_t)oh >= min_h && (int64_t)ow >= min_w)
        break;
    }
    cinfo.scale_num = m;
    cinfo.scale_denom = 8;
  }
  jpeg_start_decompress(&cinfo);
  int oc = cinfo.output_components;
  int want_oc = convert ? 4 : channels;
  if (oc != want_oc) {
    snprintf(err.msg, sizeof(err.msg),
             "libjpeg produced %d components, expected %d", oc, want_oc);
    err.code = PV_ERR_FORMAT;
    longjmp(err.jmp, 1);
  }
  int64_t h = cinfo.output_height, w = cinfo.output_width, hw = h * w;
  /* Decode row by row into a small HWC buffer and scatter each row into the
   * CHW planes: no full-size HWC copy, and the scatter stays in cache. */
  int64_t shape[3] = {channels, h, w};
  out = pv_tensor_create(PV_U8, 3, shape);
  row = malloc((size_t)w * (size_t)(convert ? 4 : channels));
  if (convert)
    cmyk_row = malloc((size_t)w * 3);
  if (!out || !row || (convert && !cmyk_row)) {
    snprintf(err.msg, sizeof(err.msg), "out of memory for %lldx%lld image",
             (long long)w, (long long)h);
    err.code = PV_ERR_NOMEM;
    longjmp(err.jmp, 1);
  }
  uint8_t *planes = (uint8_t *)pv_tensor_data(out);
  while (cinfo.output_scanline < cinfo.output_height) {
    int64_t y = cinfo.output_scanline;
    JSAMPROW rp = (JSAMPROW)row;
    jpeg_read_scanlines(&cinfo, &rp, 1);
    const uint8_t *src = row;
    if (convert) {
      pv__cmyk_row(row, cmyk_row, w, convert == 2);
      src = cmyk_row;
    }
    uint8_t *d0 = planes + y * w;
    if (channels == 1) {
      memcpy(d0, src, (size_t)w);
    } else if (channels == 3) {
      uint8_t *d1 = d0 + hw, *d2 = d0 + 2 * hw;
      for (int64_t x = 0; x < w; x++) {
        d0[x] = src[3 * x];
        d1[x] = src[3 * x + 1];
        d2[x] = src[3 * x + 2];
      }
    } else {
      for (int64_t x = 0; x < w; x++)
        for (int k = 0; k < channels; k++)
          d0[k * hw + x] = src[channels * x + k];
    }
  }
  int orientation = 1;
  if (flags & PV_DECODE_EXIF_ORIENTATION)
    orientation = pv__jpeg_exif(&cinfo);
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  free(row);
  free(cmyk_row);
  pv_tensor *t = out;
  if (orientation != 1)
    t = pv__apply_orientation(t, orientation);
  return t;
}

pv_tensor *pv_decode_jpeg(const void *data, size_t size, pv_image_mode mode,
                          unsigned flags) {
  return pv__decode_jpeg_scaled(data, size, mode, flags, 0, 0);
}
