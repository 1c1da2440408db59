/* sample_classify: the whole classification path in C with the public API.
 *   sample_classify MODEL WEIGHTS.pth IMAGE [DEVICE]
 * decode (EXIF applied) -> the weights' preset -> forward -> top-5. */
#include <math.h>
#include <polyvis/polyvis.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL WEIGHTS.pth IMAGE [DEVICE]\n", argv[0]);
    return 2;
  }
  int rc = 1;
  pv_tensor *img = NULL, *x = NULL, *batch = NULL, *logits = NULL;
  pv_pipeline *pre = NULL;
  pv_model *m = pv_model_create(argv[1], NULL);
  if (!m || pv_model_load_weights(m, argv[2]))
    goto fail;
  pv_compile_options co = pv_compile_options_default();
  co.device = argc > 4 ? argv[4] : NULL; /* NULL: auto / POLYVIS_DEVICE */
  if (pv_model_compile(m, &co) || !(pre = pv_model_weights_transforms(m)))
    goto fail;
  img = pv_read_image(argv[3], PV_IMAGE_RGB, PV_DECODE_EXIF_ORIENTATION);
  if (!img || !(x = pv_pipeline_run(pre, img)))
    goto fail;
  int64_t shape[4] = {1, pv_tensor_dim(x, 0), pv_tensor_dim(x, 1),
                      pv_tensor_dim(x, 2)};
  batch = pv_tensor_reshape(x, 4, shape); /* [3,H,W] -> [1,3,H,W] */
  if (!batch || pv_model_forward(m, batch, &logits))
    goto fail;
  pv_tensor *host = pv_tensor_to(logits, NULL); /* no-op copy on the CPU */
  const float *y = pv_tensor_data(host);
  int n = pv_model_num_classes(m), used[5];
  const pv_pretrained_info *info = pv_model_pretrained_info(m);
  double mx = y[0], sum = 0;
  for (int i = 1; i < n; i++)
    mx = fmax(mx, y[i]);
  for (int i = 0; i < n; i++)
    sum += exp(y[i] - mx);
  for (int k = 0; k < 5 && k < n; k++) { /* top-5 by selection */
    int best = -1;
    for (int i = 0; i < n; i++) {
      int taken = 0;
      for (int j = 0; j < k; j++)
        taken |= used[j] == i;
      if (!taken && (best < 0 || y[i] > y[best]))
        best = i;
    }
    used[k] = best;
    const char *name = info ? pv_categories_name(info->categories, best) : NULL;
    printf("%d. %-28s %.4f\n", k + 1, name ? name : "?",
           exp(y[best] - mx) / sum);
  }
  pv_tensor_release(host);
  rc = 0;
fail:
  if (rc)
    fprintf(stderr, "sample_classify: %s\n", pv_last_error());
  pv_tensor_release(logits);
  pv_tensor_release(batch);
  pv_tensor_release(x);
  pv_tensor_release(img);
  pv_pipeline_free(pre);
  pv_model_free(m);
  return rc;
}
