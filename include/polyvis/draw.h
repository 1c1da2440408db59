/*
 * polyvis drawing utilities: the C counterpart of torchvision.utils.
 *
 * draw_bounding_boxes, draw_segmentation_masks, draw_keypoints, make_grid and
 * save_image, pixel for pixel as torchvision 0.14.1 (which draws through
 * Pillow's ImageDraw: polyvis carries a rasteriser that follows Pillow's
 * rectangle, ellipse and wide-line rules). Label text uses an embedded copy
 * of Pillow's default 6x11 bitmap font, so no font files are needed.
 *
 * Images are CHW uint8 tensors; every function returns a new tensor and
 * leaves its input untouched.
 */
#ifndef POLYVIS_DRAW_H
#define POLYVIS_DRAW_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An RGB colour. */
typedef struct pv_color {
  uint8_t r, g, b;
} pv_color;

/* Parses a colour as PIL's ImageColor.getrgb does for the common forms:
 * "#rgb", "#rrggbb", "rgb(r, g, b)" and the CSS/X11 colour names ("red",
 * "lime", "orange", ...). Returns PV_ERR_INVALID_ARG naming the string when
 * it is not understood. */
PV_API int pv_color_parse(const char *s, pv_color *out);

/* Colour i of torchvision's _generate_color_palette, the default when no
 * colours are given: (i * [2^25-1, 2^15-1, 2^21-1]) % 255. */
PV_API pv_color pv_color_palette(int64_t i);

/* Options of pv_draw_bounding_boxes; zero-initialise, then set what you
 * need (width 0 means the default 1). */
typedef struct pv_draw_boxes_options {
  const char *const *labels; /* N labels or NULL */
  const pv_color *colors;    /* NULL: palette; n_colors 1: one for all */
  int n_colors;
  int fill;      /* fill with the box colour at alpha 100/255 */
  int width;     /* outline width in pixels (drawn inward), default 1 */
  int font_size; /* 0: the 6x11 font as torchvision's default; otherwise
                    the glyphs are scaled by max(1, font_size / 11) */
} pv_draw_boxes_options;

/* Draws N boxes (an [N, 4] tensor of xyxy coordinates, any real or integer
 * dtype, truncated to integers as torchvision does) on a 1- or 3-channel
 * image. The result always has 3 channels. Boxes with x1 < x0 or y1 < y0 are
 * refused with PV_ERR_INVALID_ARG. `opt` may be NULL. */
PV_API pv_tensor *pv_draw_bounding_boxes(const pv_tensor *image,
                                         const pv_tensor *boxes,
                                         const pv_draw_boxes_options *opt);

/* Blends boolean masks ([N, H, W] or [H, W], dtype bool or uint8 != 0) over
 * a 3-channel image: out = image*(1-alpha) + painted*alpha in float32,
 * truncated to uint8; later masks overwrite earlier ones. `colors` holds
 * n_colors >= N colours, or NULL for the default palette. */
PV_API pv_tensor *
pv_draw_segmentation_masks(const pv_tensor *image, const pv_tensor *masks,
                           double alpha, const pv_color *colors, int n_colors);

/* Draws keypoints ([N, K, 2], any real or integer dtype, truncated) as
 * filled discs of `radius` in `color`, and the `n_connections` pairs of
 * `connectivity` (2 indices each) as white lines of `width`, as torchvision
 * 0.14.1. As there, a NULL colour draws no discs (Pillow's ellipse with
 * neither fill nor outline), while the connecting lines are always white. */
PV_API pv_tensor *pv_draw_keypoints(const pv_tensor *image,
                                    const pv_tensor *keypoints,
                                    const int *connectivity, int n_connections,
                                    const pv_color *color, int radius,
                                    int width);

/* Options of pv_make_grid, torchvision's defaults after
 * pv_make_grid_options_default. */
typedef struct pv_make_grid_options {
  int nrow;      /* images per row (8) */
  int padding;   /* pixels between and around images (2) */
  int normalize; /* shift to [0, 1] (float images only) */
  int has_value_range;
  float value_range[2]; /* low, high used when has_value_range */
  int scale_each;       /* normalize each image by its own range */
  float pad_value;      /* fill of the padding (0) */
} pv_make_grid_options;

/* Fills `opt` with torchvision's defaults. */
PV_API void pv_make_grid_options_default(pv_make_grid_options *opt);

/* Tiles a batch ([B, C, H, W], or one [C, H, W] / [H, W] image) into one
 * [C, H', W'] image as torchvision.utils.make_grid: 1-channel inputs become
 * 3-channel, a single image is returned without padding. Works on float32
 * and uint8 (normalize needs float32). `opt` may be NULL for defaults. */
PV_API pv_tensor *pv_make_grid(const pv_tensor *batch,
                               const pv_make_grid_options *opt);

/* make_grid, then converts to uint8 as torchvision.utils.save_image
 * (x*255 + 0.5, clamped, truncated) and writes a PNG or JPEG (quality 95)
 * chosen by the extension, atomically. Float images are expected in [0, 1];
 * uint8 images are written as they are. */
PV_API int pv_save_image(const pv_tensor *batch, const char *path,
                         const pv_make_grid_options *opt);

#ifdef __cplusplus
}
#endif
#endif
