/* Self-contained checks of the drawing API (no Python needed): argument
 * validation with named errors, colour parsing and the default palette,
 * exact pixels of simple shapes, make_grid layout and save_image. */
#include "testutil.h"

#include <polyvis/draw.h>
#include <polyvis/image.h>

static pv_tensor *blank(int c, int h, int w) {
  int64_t s[3] = {c, h, w};
  return pv_tensor_create(PV_U8, 3, s);
}

static uint8_t px(const pv_tensor *t, int c, int y, int x) {
  return ((const uint8_t *)pv_tensor_data(
      t))[(c * pv_tensor_dim(t, 1) + y) * pv_tensor_dim(t, 2) + x];
}

int main(void) {
  pv_color c;
  CHECK(pv_color_parse("#ff8000", &c) == 0 && c.r == 255 && c.g == 128 &&
        c.b == 0);
  CHECK(pv_color_parse("#0f0", &c) == 0 && c.g == 255 && c.r == 0);
  CHECK(pv_color_parse("Orange", &c) == 0 && c.r == 255 && c.g == 165);
  CHECK(pv_color_parse("rgb(1, 2, 3)", &c) == 0 && c.b == 3);
  CHECK(pv_color_parse("notacolor", &c) == PV_ERR_INVALID_ARG &&
        strstr(pv_last_error(), "notacolor") != NULL);
  c = pv_color_palette(1); /* (2^25-1, 2^15-1, 2^21-1) % 255 */
  CHECK(c.r == (uint8_t)(((1 << 25) - 1) % 255) &&
        c.g == (uint8_t)(((1 << 15) - 1) % 255) &&
        c.b == (uint8_t)(((1 << 21) - 1) % 255));

  /* A 1-wide red box on a gray image: outline only, result is RGB. */
  pv_tensor *img = blank(1, 10, 12);
  float bx[4] = {2, 3, 8, 7};
  int64_t bs[2] = {1, 4};
  pv_tensor *boxes = pv_tensor_from_data(PV_F32, 2, bs, bx);
  pv_color red = {255, 0, 0};
  pv_draw_boxes_options o = {0};
  o.colors = &red;
  o.n_colors = 1;
  pv_tensor *out = pv_draw_bounding_boxes(img, boxes, &o);
  CHECK(out && pv_tensor_dim(out, 0) == 3);
  if (out) {
    CHECK(px(out, 0, 3, 2) == 255 && px(out, 0, 7, 8) == 255);
    CHECK(px(out, 0, 5, 5) == 0); /* interior untouched */
    CHECK(px(out, 0, 5, 2) == 255 && px(out, 1, 5, 2) == 0);
  }
  pv_tensor_release(out);
  /* fill blends at alpha 100: 0*(155) + 255*100 -> DIV255 = 100 */
  o.fill = 1;
  out = pv_draw_bounding_boxes(img, boxes, &o);
  CHECK(out && px(out, 0, 5, 5) == 100 && px(out, 1, 5, 5) == 0);
  pv_tensor_release(out);
  /* invalid box order names the box */
  float bad[4] = {5, 5, 1, 9};
  pv_tensor *bb = pv_tensor_from_data(PV_F32, 2, bs, bad);
  CHECK(pv_draw_bounding_boxes(img, bb, NULL) == NULL &&
        pv_last_status() == PV_ERR_INVALID_ARG &&
        strstr(pv_last_error(), "box 0") != NULL);
  pv_tensor_release(bb);
  pv_tensor_release(boxes);

  /* masks: shape and dtype checks, alpha 1 paints exactly */
  pv_tensor *rgb = blank(3, 4, 5);
  int64_t ms[3] = {1, 4, 5};
  pv_tensor *mask = pv_tensor_create(PV_BOOL, 3, ms);
  ((uint8_t *)pv_tensor_data(mask))[6] = 1; /* y1 x1 */
  pv_color blue = {0, 0, 255};
  out = pv_draw_segmentation_masks(rgb, mask, 1.0, &blue, 1);
  CHECK(out && px(out, 2, 1, 1) == 255 && px(out, 2, 0, 0) == 0);
  pv_tensor_release(out);
  CHECK(pv_draw_segmentation_masks(img, mask, 0.5, NULL, 0) == NULL &&
        pv_last_status() == PV_ERR_SHAPE);
  int64_t ms2[3] = {1, 3, 5};
  pv_tensor *m2 = pv_tensor_create(PV_BOOL, 3, ms2);
  CHECK(pv_draw_segmentation_masks(rgb, m2, 0.5, NULL, 0) == NULL &&
        pv_last_status() == PV_ERR_SHAPE);
  pv_tensor_release(m2);
  pv_tensor_release(mask);

  /* keypoints: bad connectivity index is a range error */
  float kp[4] = {1, 1, 3, 2};
  int64_t ks[3] = {1, 2, 2};
  pv_tensor *kpt = pv_tensor_from_data(PV_F32, 3, ks, kp);
  int conn[2] = {0, 5};
  CHECK(pv_draw_keypoints(rgb, kpt, conn, 1, &blue, 1, 1) == NULL &&
        pv_last_status() == PV_ERR_RANGE);
  conn[1] = 1;
  out = pv_draw_keypoints(rgb, kpt, conn, 1, NULL, 1, 1);
  CHECK(out && px(out, 0, 1, 1) == 255); /* white line, no discs */
  pv_tensor_release(out);
  pv_tensor_release(kpt);

  /* make_grid: 3 gray images, nrow 2, padding 1 -> 3 x (2*(4+1)+1) x
   * (2*(5+1)+1) filled with pad_value around the tiles */
  int64_t gs[4] = {3, 1, 4, 5};
  pv_tensor *batch = pv_tensor_create(PV_F32, 4, gs);
  float *bd = pv_tensor_data(batch);
  for (int i = 0; i < 60; i++)
    bd[i] = (float)(i / 20) + 1;
  pv_make_grid_options go;
  pv_make_grid_options_default(&go);
  go.nrow = 2;
  go.padding = 1;
  go.pad_value = 9;
  pv_tensor *grid = pv_make_grid(batch, &go);
  CHECK(grid && pv_tensor_dim(grid, 0) == 3 && pv_tensor_dim(grid, 1) == 11 &&
        pv_tensor_dim(grid, 2) == 13);
  if (grid) {
    const float *g = pv_tensor_data(grid);
    CHECK(g[0] == 9 && g[1 * 13 + 1] == 1 && g[1 * 13 + 7] == 2 &&
          g[6 * 13 + 1] == 3 && g[6 * 13 + 7] == 9);
  }
  pv_tensor_release(grid);
  char path[600];
  snprintf(path, sizeof path, "%s/grid.png", pv_test_tmpdir());
  go.normalize = 1;
  CHECK(pv_save_image(batch, path, &go) == 0);
  pv_tensor *back = pv_read_image(path, PV_IMAGE_UNCHANGED, 0);
  CHECK(back && pv_tensor_dim(back, 0) == 3 && px(back, 0, 1, 1) == 0 &&
        px(back, 0, 6, 1) == 255);
  pv_tensor_release(back);
  snprintf(path, sizeof path, "%s/grid.bmp", pv_test_tmpdir());
  CHECK(pv_save_image(batch, path, &go) == PV_ERR_INVALID_ARG);
  pv_tensor_release(batch);
  pv_tensor_release(rgb);
  pv_tensor_release(img);
  return pv_test_finish("test_draw_api");
}
