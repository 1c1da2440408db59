/* Internal: a Pillow-compatible rasteriser over an RGB HWC canvas. */
#ifndef POLYVIS_CORE_DRAW_INTERNAL_H
#define POLYVIS_CORE_DRAW_INTERNAL_H

#include "internal.h"
#include <polyvis/draw.h>

/* An RGB canvas (HWC, 3 bytes a pixel). With blend set, drawing composites
 * the ink by its alpha as Pillow's "RGBA" draw on an RGB image does;
 * otherwise the ink replaces pixels. */
typedef struct pv__canvas {
  uint8_t *px;
  int w, h;
  int blend;
} pv__canvas;

typedef struct pv__ink {
  uint8_t r, g, b, a;
} pv__ink;

void pv__draw_point(pv__canvas *c, int x, int y, pv__ink ink);
void pv__draw_hline(pv__canvas *c, int x0, int y, int x1, pv__ink ink);
/* Pillow's 1-pixel line (ImagingDrawLine): Bresenham, end point excluded
 * for axis-aligned lines. */
void pv__draw_line(pv__canvas *c, int x0, int y0, int x1, int y1, pv__ink ink);
/* ImageDraw.line with width > 1 (ImagingDrawWideLine): a filled polygon. */
void pv__draw_wide_line(pv__canvas *c, int x0, int y0, int x1, int y1,
                        pv__ink ink, int width);
/* ImageDraw.rectangle: fill (fill != 0) or an inward outline of `width`. */
void pv__draw_rectangle(pv__canvas *c, int x0, int y0, int x1, int y1,
                        pv__ink ink, int fill, int width);
/* ImageDraw.ellipse with fill (Pillow >= 8.3 "ellipse_new" algorithm). */
void pv__draw_ellipse_filled(pv__canvas *c, int x0, int y0, int x1, int y1,
                             pv__ink ink);
/* Pillow's default font text at (x, y), glyphs scaled by `scale`. */
void pv__draw_text(pv__canvas *c, int x, int y, const char *text, pv__ink ink,
                   int scale);

/* One glyph of the embedded font (see draw_font.c). */
typedef struct pv__glyph {
  int8_t x0, y0, w, h, advance;
  uint8_t rows[12];
} pv__glyph;
extern const pv__glyph pv__font_glyphs[95];

/* CHW uint8 (1 or 3 channels) -> new RGB HWC buffer; NULL on OOM. */
uint8_t *pv__chw_to_rgb(const pv_tensor *img, int *h, int *w);
/* RGB HWC -> new CHW uint8 tensor. */
pv_tensor *pv__rgb_to_chw(const uint8_t *px, int h, int w);

#endif
