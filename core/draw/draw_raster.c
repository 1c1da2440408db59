/*
 * A rasteriser that reproduces Pillow 9.x ImageDraw (libImaging/Draw.c)
 * pixel for pixel for the primitives torchvision.utils uses: hline, point,
 * Bresenham line, wide line (polygon fill), rectangle and filled ellipse.
 * Pillow does its polygon edge math in float and rounds with its own
 * ROUND_UP/ROUND_DOWN macros; the same types and roundings are kept here.
 */
#include "draw_internal.h"

#include <math.h>

#define PV__DIV255(a, tmp) (tmp = (a) + 128, ((((tmp) >> 8) + (tmp)) >> 8))
#define PV__BLEND(mask, in1, in2, tmp)                                         \
  PV__DIV255((in1) * (255 - (mask)) + (in2) * (mask), tmp)

static inline void pv__put(pv__canvas *c, uint8_t *p, pv__ink ink) {
  if (c->blend) {
    unsigned tmp;
    p[0] = (uint8_t)PV__BLEND(ink.a, p[0], ink.r, tmp);
    p[1] = (uint8_t)PV__BLEND(ink.a, p[1], ink.g, tmp);
    p[2] = (uint8_t)PV__BLEND(ink.a, p[2], ink.b, tmp);
  } else {
    p[0] = ink.r;
    p[1] = ink.g;
    p[2] = ink.b;
  }
}

void pv__draw_point(pv__canvas *c, int x, int y, pv__ink ink) {
  if (x >= 0 && x < c->w && y >= 0 && y < c->h)
    pv__put(c, c->px + ((size_t)y * c->w + x) * 3, ink);
}

void pv__draw_hline(pv__canvas *c, int x0, int y0, int x1, pv__ink ink) {
  if (y0 < 0 || y0 >= c->h)
    return;
  if (x0 > x1) {
    int t = x0;
    x0 = x1;
    x1 = t;
  }
  if (x0 < 0)
    x0 = 0;
  else if (x0 >= c->w)
    return;
  if (x1 < 0)
    return;
  else if (x1 >= c->w)
    x1 = c->w - 1;
  uint8_t *p = c->px + ((size_t)y0 * c->w + x0) * 3;
  for (; x0 <= x1; x0++, p += 3)
    pv__put(c, p, ink);
}

void pv__draw_line(pv__canvas *c, int x0, int y0, int x1, int y1, pv__ink ink) {
  int i, n, e, dx, dy, xs, ys;
  dx = x1 - x0;
  if (dx < 0)
    dx = -dx, xs = -1;
  else
    xs = 1;
  dy = y1 - y0;
  if (dy < 0)
    dy = -dy, ys = -1;
  else
    ys = 1;
  n = dx > dy ? dx : dy;
  if (dx == 0) {
    for (i = 0; i < dy; i++) {
      pv__draw_point(c, x0, y0, ink);
      y0 += ys;
    }
  } else if (dy == 0) {
    for (i = 0; i < dx; i++) {
      pv__draw_point(c, x0, y0, ink);
      x0 += xs;
    }
  } else if (dx > dy) {
    n = dx;
    dy += dy;
    e = dy - dx;
    dx += dx;
    for (i = 0; i < n; i++) {
      pv__draw_point(c, x0, y0, ink);
      if (e >= 0) {
        y0 += ys;
        e -= dx;
      }
      e += dy;
      x0 += xs;
    }
  } else {
    n = dy;
    dx += dx;
    e = dx - dy;
    dy += dy;
    for (i = 0; i < n; i++) {
      pv__draw_point(c, x0, y0, ink);
      if (e >= 0) {
        x0 += xs;
        e -= dy;
      }
      e += dx;
      y0 += ys;
    }
  }
}

/* --- polygon fill (Pillow's polygon_generic, hasAlpha = 0) --------------- */

typedef struct pv__edge {
  int d;
  int x0, y0;
  int xmin, ymin, xmax, ymax;
  float dx;
} pv__edge;

static void pv__add_edge(pv__edge *e, int x0, int y0, int x1, int y1) {
  if (x0 <= x1)
    e->xmin = x0, e->xmax = x1;
  else
    e->xmin = x1, e->xmax = x0;
  if (y0 <= y1)
    e->ymin = y0, e->ymax = y1;
  else
    e->ymin = y1, e->ymax = y0;
  if (y0 == y1) {
    e->d = 0;
    e->dx = 0.0f;
  } else {
    e->dx = ((float)(x1 - x0)) / (y1 - y0);
    e->d = y0 == e->ymin ? 1 : -1;
  }
  e->x0 = x0;
  e->y0 = y0;
}

#define PV__ROUND_UP(f)                                                        \
  ((int)((f) >= 0.0 ? floor((f) + 0.5F) : -floor(fabs(f) + 0.5F)))
#define PV__ROUND_DOWN(f)                                                      \
  ((int)((f) >= 0.0 ? ceil((f)-0.5F) : -ceil(fabs(f) - 0.5F)))

static int pv__float_cmp(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

static void pv__polygon(pv__canvas *c, int n, pv__edge *e, pv__ink ink) {
  pv__edge *table[8];
  float xx[16];
  int edge_count = 0, ymin = c->h - 1, ymax = 0;
  for (int i = 0; i < n; i++) {
    if (ymin > e[i].ymin)
      ymin = e[i].ymin;
    if (ymax < e[i].ymax)
      ymax = e[i].ymax;
    if (e[i].ymin == e[i].ymax) {
      pv__draw_hline(c, e[i].xmin, e[i].ymin, e[i].xmax, ink);
      continue;
    }
    table[edge_count++] = e + i;
  }
  if (ymin < 0)
    ymin = 0;
  if (ymax > c->h)
    ymax = c->h;
  for (; ymin <= ymax; ymin++) {
    int j = 0;
    for (int i = 0; i < edge_count; i++) {
      pv__edge *cur = table[i];
      if (ymin >= cur->ymin && ymin <= cur->ymax) {
        xx[j++] = (ymin - cur->y0) * cur->dx + cur->x0;
        if (ymin == cur->ymax && ymin < ymax) {
          xx[j] = xx[j - 1];
          j++;
        }
      }
    }
    qsort(xx, (size_t)j, sizeof(float), pv__float_cmp);
    for (int i = 1; i < j; i += 2)
      pv__draw_hline(c, PV__ROUND_UP(xx[i - 1]), ymin, PV__ROUND_DOWN(xx[i]),
                     ink);
  }
}

void pv__draw_wide_line(pv__canvas *c, int x0, int y0, int x1, int y1,
                        pv__ink ink, int width) {
  int dx = x1 - x0, dy = y1 - y0;
  if (dx == 0 && dy == 0) {
    pv__draw_point(c, x0, y0, ink);
    return;
  }
  double big = hypot(dx, dy);
  double small = (width - 1) / 2.0;
  double ratio_max = PV__ROUND_UP(small) / big;
  double ratio_min = PV__ROUND_DOWN(small) / big;
  int dxmin = PV__ROUND_DOWN(ratio_min * dy);
  int dxmax = PV__ROUND_DOWN(ratio_max * dy);
  int dymin = PV__ROUND_DOWN(ratio_min * dx);
  int dymax = PV__ROUND_DOWN(ratio_max * dx);
  int v[4][2] = {{x0 - dxmin, y0 + dymax},
                 {x1 - dxmin, y1 + dymax},
                 {x1 + dxmax, y1 - dymin},
                 {x0 + dxmax, y0 - dymin}};
  pv__edge e[4];
  for (int i = 0; i < 4; i++)
    pv__add_edge(e + i, v[i][0], v[i][1], v[(i + 1) % 4][0], v[(i + 1) % 4][1]);
  pv__polygon(c, 4, e, ink);
}

void pv__draw_rectangle(pv__canvas *c, int x0, int y0, int x1, int y1,
                        pv__ink ink, int fill, int width) {
  if (fill) {
    if (y0 < 0)
      y0 = 0;
    else if (y0 >= c->h)
      return;
    if (y1 < 0)
      return;
    else if (y1 > c->h)
      y1 = c->h;
    for (int y = y0; y <= y1; y++)
      pv__draw_hline(c, x0, y, x1, ink);
    return;
  }
  if (width == 0)
    width = 1;
  for (int i = 0; i < width; i++) {
    pv__draw_hline(c, x0, y0 + i, x1, ink);
    pv__draw_hline(c, x0, y1 - i, x1, ink);
    pv__draw_line(c, x1 - i, y0 + width, x1 - i, y1 - width + 1, ink);
    pv__draw_line(c, x0 + i, y0 + width, x0 + i, y1 - width + 1, ink);
  }
}

/* --- ellipse (Pillow's quarter/ellipse state machines) -------------------- */

typedef struct pv__quarter {
  int32_t a, b, cx, cy, ex, ey;
  int64_t a2, b2, a2b2;
  int8_t finished;
} pv__quarter;

static void pv__quarter_init(pv__quarter *s, int32_t a, int32_t b) {
  if (a < 0 || b < 0) {
    s->finished = 1;
  } else {
    s->a = a;
    s->b = b;
    s->cx = a;
    s->cy = b % 2;
    s->ex = a % 2;
    s->ey = b;
    s->a2 = (int64_t)a * a;
    s->b2 = (int64_t)b * b;
    s->a2b2 = s->a2 * s->b2;
    s->finished = 0;
  }
}

static int64_t pv__quarter_delta(pv__quarter *s, int64_t x, int64_t y) {
  int64_t v = s->a2 * y * y + s->b2 * x * x - s->a2b2;
  return v < 0 ? -v : v;
}

static int pv__quarter_next(pv__quarter *s, int32_t *rx, int32_t *ry) {
  if (s->finished)
    return -1;
  *rx = s->cx;
  *ry = s->cy;
  if (s->cx == s->ex && s->cy == s->ey) {
    s->finished = 1;
  } else {
    int32_t nx = s->cx, ny = s->cy + 2;
    int64_t nd = pv__quarter_delta(s, nx, ny);
    if (nx > 1) {
      int64_t d = pv__quarter_delta(s, s->cx - 2, s->cy + 2);
      if (nd > d) {
        nx = s->cx - 2;
        ny = s->cy + 2;
        nd = d;
      }
      d = pv__quarter_delta(s, s->cx - 2, s->cy);
      if (nd > d) {
        nx = s->cx - 2;
        ny = s->cy;
      }
    }
    s->cx = nx;
    s->cy = ny;
  }
  return 0;
}

typedef struct pv__ellipse {
  pv__quarter st_o, st_i;
  int32_t py, pl, pr;
  int32_t cy[4], cl[4], cr[4];
  int8_t bufcnt, finished, leftmost;
} pv__ellipse;

static void pv__ellipse_init(pv__ellipse *s, int32_t a, int32_t b, int32_t w) {
  s->bufcnt = 0;
  s->leftmost = (int8_t)(a % 2);
  pv__quarter_init(&s->st_o, a, b);
  if (w < 1 || pv__quarter_next(&s->st_o, &s->pr, &s->py) == -1) {
    s->finished = 1;
  } else {
    s->finished = 0;
    pv__quarter_init(&s->st_i, a - 2 * (w - 1), b - 2 * (w - 1));
    s->pl = s->leftmost;
  }
}

static int pv__ellipse_next(pv__ellipse *s, int32_t *x0, int32_t *y,
                            int32_t *x1) {
  if (s->bufcnt == 0) {
    if (s->finished)
      return -1;
    int32_t yy = s->py, l = s->pl, r = s->pr, cx = 0, cy = 0;
    int nr;
    while ((nr = pv__quarter_next(&s->st_o, &cx, &cy)) != -1 && cy <= yy) {
    }
    if (nr == -1) {
      s->finished = 1;
    } else {
      s->pr = cx;
      s->py = cy;
    }
    while ((nr = pv__quarter_next(&s->st_i, &cx, &cy)) != -1 && cy <= yy)
      l = cx;
    s->pl = nr == -1 ? s->leftmost : cx;
    if ((l > 0 || l < r) && yy > 0) {
      s->cl[s->bufcnt] = l == 0 ? 2 : l;
      s->cy[s->bufcnt] = yy;
      s->cr[s->bufcnt] = r;
      ++s->bufcnt;
    }
    if (yy > 0) {
      s->cl[s->bufcnt] = -r;
      s->cy[s->bufcnt] = yy;
      s->cr[s->bufcnt] = -l;
      ++s->bufcnt;
    }
    if (l > 0 || l < r) {
      s->cl[s->bufcnt] = l == 0 ? 2 : l;
      s->cy[s->bufcnt] = -yy;
      s->cr[s->bufcnt] = r;
      ++s->bufcnt;
    }
    s->cl[s->bufcnt] = -r;
    s->cy[s->bufcnt] = -yy;
    s->cr[s->bufcnt] = -l;
    ++s->bufcnt;
  }
  --s->bufcnt;
  *x0 = s->cl[s->bufcnt];
  *y = s->cy[s->bufcnt];
  *x1 = s->cr[s->bufcnt];
  return 0;
}

void pv__draw_ellipse_filled(pv__canvas *c, int x0, int y0, int x1, int y1,
                             pv__ink ink) {
  int a = x1 - x0, b = y1 - y0;
  if (a < 0 || b < 0)
    return;
  pv__ellipse st;
  memset(&st, 0, sizeof st);
  pv__ellipse_init(&st, a, b, a + b);
  int32_t X0, Y, X1;
  while (pv__ellipse_next(&st, &X0, &Y, &X1) != -1)
    pv__draw_hline(c, x0 + (X0 + a) / 2, y0 + (Y + b) / 2, x0 + (X1 + a) / 2,
                   ink);
}

/* --- text ------------------------------------------------------------------
 */

void pv__draw_text(pv__canvas *c, int x, int y, const char *text, pv__ink ink,
                   int scale) {
  /* Pillow renders the string into an 11-pixel-high mask of 6 px per
   * character, pasting each glyph box over the previous ones (boxes may
   * start one pixel left of the pen), then paints the ink where the mask is
   * set. */
  if (scale < 1)
    scale = 1;
  size_t n = strlen(text);
  if (n == 0 || n > 4096)
    return;
  int mw = (int)n * 6;
  uint8_t *mask = calloc((size_t)mw * 11, 1);
  if (!mask)
    return;
  int pen = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned ch = (unsigned char)text[i];
    if (ch < 32 || ch > 126)
      ch = '?';
    const pv__glyph *g = &pv__font_glyphs[ch - 32];
    for (int gy = 0; gy < g->h; gy++)
      for (int gx = 0; gx < g->w; gx++) {
        int mx = pen + g->x0 + gx, my = g->y0 + gy;
        if (mx >= 0 && mx < mw && my >= 0 && my < 11)
          mask[my * mw + mx] = (g->rows[gy] >> (7 - gx)) & 1;
      }
    pen += g->advance;
  }
  for (int my = 0; my < 11; my++)
    for (int mx = 0; mx < mw; mx++)
      if (mask[my * mw + mx])
        for (int sy = 0; sy < scale; sy++)
          for (int sx = 0; sx < scale; sx++)
            pv__draw_point(c, x + mx * scale + sx, y + my * scale + sy, ink);
  free(mask);
}

/* --- tensors <-> canvas ----------------------------------------------------
 */

uint8_t *pv__chw_to_rgb(const pv_tensor *img, int *h, int *w) {
  pv_tensor *t = pv_tensor_contiguous((pv_tensor *)img);
  if (!t)
    return NULL;
  const int64_t *s = pv_tensor_shape(t);
  int64_t c = s[0], hh = s[1], ww = s[2], hw = hh * ww;
  uint8_t *px = malloc((size_t)hw * 3 + 1);
  if (px) {
    const uint8_t *src = pv_tensor_data(t);
    for (int64_t i = 0; i < hw; i++)
      for (int k = 0; k < 3; k++)
        px[3 * i + k] = src[(c == 1 ? 0 : k) * hw + i];
  } else {
    pv_set_error(PV_ERR_NOMEM, "draw: out of memory");
  }
  pv_tensor_release(t);
  *h = (int)hh;
  *w = (int)ww;
  return px;
}

pv_tensor *pv__rgb_to_chw(const uint8_t *px, int h, int w) {
  int64_t shape[3] = {3, h, w};
  pv_tensor *t = pv_tensor_create(PV_U8, 3, shape);
  if (!t)
    return NULL;
  uint8_t *d = pv_tensor_data(t);
  int64_t hw = (int64_t)h * w;
  for (int64_t i = 0; i < hw; i++)
    for (int k = 0; k < 3; k++)
      d[k * hw + i] = px[3 * i + k];
  return t;
}
