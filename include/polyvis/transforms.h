/*
 * polyvis transforms: torchvision.transforms (v1 functional API on tensors,
 * plus the v2 options that came later) in C, numerically identical to
 * torchvision 0.14.1 / torch 1.13.1 on the CPU.
 *
 * Images are host tensors shaped [..., C, H, W] (any number of leading batch
 * dims) of dtype uint8, uint16, float16 or float32. Float images hold values
 * in [0, 1]; integer images use the full range of their type. Every function
 * returns a NEW reference (release it with pv_tensor_release) or NULL with
 * the thread-local error set; inputs are never modified. Where torchvision
 * returns its input unchanged (a resize to the same size, a flip of an empty
 * image) the returned reference may be the input itself, retained.
 *
 * Rounding follows torchvision exactly: integer images are resampled in
 * float32 and rounded half-to-even back to the integer type (bicubic clamps
 * first); colour ops truncate or round as the spec (docs/transforms.md) says
 * per op. The functions below run on the CPU; the inference preprocessing
 * set also runs on any device as graph ops (see "device execution").
 */
#ifndef POLYVIS_TRANSFORMS_H
#define POLYVIS_TRANSFORMS_H

#include "error.h"
#include "graph.h"
#include "tensor.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- geometry ------------------------------------------------------------ */

/* Interpolation modes are the pv_resize_mode values of types.h:
 * PV_RESIZE_NEAREST (torch's legacy floor rule), PV_RESIZE_NEAREST_EXACT,
 * PV_RESIZE_BILINEAR, PV_RESIZE_BICUBIC. */

/* Computes the output size torchvision's Resize would produce, so callers can
 * plan buffers without resizing. `n_size` is 1 (the short side is resized to
 * size[0] and the long side follows, floored as Python's int() does), 2
 * (size = {h, w} exactly) or 0 (v2's size=None: the long side becomes
 * max_size). `max_size` (0 = none) caps the long side when n_size is 0 or 1;
 * it must exceed size[0]. Writes {h, w} to out. */
PV_API int pv_resize_output_size(int64_t height, int64_t width, int n_size,
                                 const int64_t *size, int64_t max_size,
                                 int64_t out[2]);

/* Resizes the last two dims as torchvision.transforms.functional.resize does,
 * with the size rules of pv_resize_output_size. `antialias` matters only for
 * bilinear and bicubic (PIL-style separable filters, PyTorch's
 * _upsample_*2d_aa); torchvision >= 0.17 defaults it to true, and so do the
 * pipeline and CLI. When the output size equals the input size the input is
 * returned (retained) without resampling, as torchvision does. */
PV_API pv_tensor *pv_resize(pv_tensor *img, int n_size, const int64_t *size,
                            int interpolation, int64_t max_size, int antialias);

/* Crops the window of `height` x `width` whose top-left corner is (top,
 * left); parts of the window outside the image read as zero, which lets the
 * window hang over any edge (torchvision's tensor crop pads the same way). */
PV_API pv_tensor *pv_crop(pv_tensor *img, int64_t top, int64_t left,
                          int64_t height, int64_t width);

/* Crops the centre, rounding the offset half-to-even as Python's round()
 * does; a crop larger than the image first zero-pads it (the extra pixel of
 * an odd pad going right/bottom), exactly as torchvision. */
PV_API pv_tensor *pv_center_crop(pv_tensor *img, int64_t crop_height,
                                 int64_t crop_width);

/* FiveCrop: the four corners and the centre (in that order: top-left,
 * top-right, bottom-left, bottom-right, centre) written to out[5]. A crop
 * larger than the image is an error, as in torchvision. Returns 0 or an
 * error code (out untouched on error). */
PV_API int pv_five_crop(pv_tensor *img, int64_t crop_height, int64_t crop_width,
                        pv_tensor *out[5]);
/* TenCrop: the five crops of the image and the five of its horizontal (or,
 * with `vertical_flip`, vertical) flip, into out[10]. */
PV_API int pv_ten_crop(pv_tensor *img, int64_t crop_height, int64_t crop_width,
                       int vertical_flip, pv_tensor *out[10]);

/* pv_crop followed by pv_resize to `size` (n_size 1 or 2): torchvision's
 * resized_crop, the kernel behind RandomResizedCrop. */
PV_API pv_tensor *pv_resized_crop(pv_tensor *img, int64_t top, int64_t left,
                                  int64_t height, int64_t width, int n_size,
                                  const int64_t *size, int interpolation,
                                  int antialias);

/* The padding modes of torchvision's pad. */
typedef enum pv_padding_mode {
  PV_PADDING_CONSTANT = 0, /* fill value */
  PV_PADDING_EDGE = 1,     /* repeat the border pixel */
  PV_PADDING_REFLECT = 2,  /* mirror without repeating the border */
  PV_PADDING_SYMMETRIC = 3 /* mirror repeating the border */
} pv_padding_mode;

/* (Named pv_pad_image because pv_pad is the graph builder op.) Pads by ltrb[4]
 * = {left, top, right, bottom} pixels; negative amounts crop, as in
 * torchvision. Reflect needs each pad smaller than the dim, symmetric no larger
 * than it. `fill` is used by PV_PADDING_CONSTANT only and is cast to the image
 * dtype like torch does. */
PV_API pv_tensor *pv_pad_image(pv_tensor *img, const int64_t ltrb[4], int mode,
                               double fill);

/* Mirrors left-right (x.flip(-1)) / top-bottom (x.flip(-2)). */
PV_API pv_tensor *pv_hflip(pv_tensor *img);
PV_API pv_tensor *pv_vflip(pv_tensor *img);

/* --- type conversion and normalisation ----------------------------------- */

/* (x - mean[c]) / std[c] per channel, in the image's float dtype (mean and
 * std are first rounded to that dtype, as torch does). Integer images are
 * rejected as in torchvision: convert them to float first. `n` must be 1
 * (broadcast) or the channel count; a zero std is an error. */
PV_API pv_tensor *pv_normalize(pv_tensor *img, const float *mean,
                               const float *std, int n);

/* v2 ToDtype: a plain cast when `scale` is 0; with `scale`, rescales between
 * value ranges: int->float multiplies by 1/max (v2 uses the reciprocal, which
 * can differ from v1 by one ulp), float->int is x*(max+1-1e-3) truncated,
 * int->int shifts (uint16<->uint8 via /256 and *256). */
PV_API pv_tensor *pv_to_dtype(pv_tensor *img, pv_dtype dtype, int scale);

/* v1 convert_image_dtype: int->float divides by max, float->int is
 * x*(max+1-1e-3) truncated, int->int shifts; float32->int32/int64 and
 * float64->int64 are rejected as unsafe, as in torchvision. */
PV_API pv_tensor *pv_convert_image_dtype(pv_tensor *img, pv_dtype dtype);

/* --- colour (torchvision tensor formulas; integer results truncate or round
 * per op exactly as torchvision) ---------------------------------------- */

/* L = 0.2989 R + 0.587 G + 0.114 B, truncated to integer types; 1 or 3
 * output channels (3 repeats L). */
PV_API pv_tensor *pv_rgb_to_grayscale(pv_tensor *img, int num_output_channels);
PV_API pv_tensor *pv_adjust_brightness(pv_tensor *img, double factor);
PV_API pv_tensor *pv_adjust_contrast(pv_tensor *img, double factor);
PV_API pv_tensor *pv_adjust_saturation(pv_tensor *img, double factor);
/* hue_factor in [-0.5, 0.5]: shifts the HSV hue (Pillow-style HSV). */
PV_API pv_tensor *pv_adjust_hue(pv_tensor *img, double hue_factor);
PV_API pv_tensor *pv_adjust_gamma(pv_tensor *img, double gamma, double gain);
PV_API pv_tensor *pv_adjust_sharpness(pv_tensor *img, double factor);
/* uint8 only: keeps the top `bits` bits. */
PV_API pv_tensor *pv_posterize(pv_tensor *img, int bits);
/* Inverts pixels >= threshold. */
PV_API pv_tensor *pv_solarize(pv_tensor *img, double threshold);
PV_API pv_tensor *pv_invert(pv_tensor *img);
/* Stretches each channel to the full range (channels with max == min are
 * kept). */
PV_API pv_tensor *pv_autocontrast(pv_tensor *img);
/* uint8 only: PIL's histogram equalisation per channel. */
PV_API pv_tensor *pv_equalize(pv_tensor *img);

/* --- warps ---------------------------------------------------------------- */

/* torchvision's F.affine on tensors: rotation `angle` (degrees, clockwise as
 * in torchvision's affine), `translate` {tx, ty} pixels (NULL = 0), `scale`,
 * `shear` {sx, sy} degrees (NULL = 0), about `center` {x, y} in pixels (NULL
 * = the image centre). interpolation: PV_RESIZE_NEAREST or _BILINEAR.
 * `fill` (NULL = torchvision's fill=None: zeros, no mask) holds 1 or C
 * values for pixels mapped from outside the image. */
PV_API pv_tensor *pv_affine(pv_tensor *img, double angle,
                            const double translate[2], double scale,
                            const double shear[2], int interpolation,
                            const float *fill, int n_fill,
                            const double *center);
/* F.rotate: counter-clockwise by `angle` degrees; `expand` grows the output
 * to hold the whole rotated image (torchvision's 1e-4 tolerance rule). */
PV_API pv_tensor *pv_rotate(pv_tensor *img, double angle, int interpolation,
                            int expand, const double *center, const float *fill,
                            int n_fill);
/* F.perspective: maps the quadrilateral `startpoints` (4 x {x, y}: top-left,
 * top-right, bottom-right, bottom-left) onto `endpoints`. The 8 coefficients
 * are solved in double (torch: float32 least squares), so results can differ
 * from torchvision by a few 1e-5 in float and by 1 in rare uint8 pixels. */
PV_API pv_tensor *pv_perspective(pv_tensor *img, const double startpoints[8],
                                 const double endpoints[8], int interpolation,
                                 const float *fill, int n_fill);

/* F.elastic_transform: samples at the identity grid (normalised pixel
 * centres) plus `displacement`, a float32 [1, H, W, 2] tensor in normalised
 * units (x then y), as torchvision. The SPEC op `elastic_transform(alpha,
 * sigma)` (the ElasticTransform class) draws the displacement. */
PV_API pv_tensor *pv_elastic_transform(pv_tensor *img,
                                       const pv_tensor *displacement,
                                       int interpolation, const float *fill,
                                       int n_fill);

/* --- blur and erase ------------------------------------------------------ */

/* Gaussian blur with odd kernel sizes {kx, ky} (width first, as
 * torchvision's kernel_size) and sigmas {sx, sy}; a sigma <= 0 means
 * torchvision's default 0.3 * ((k - 1) * 0.5 - 1) + 0.8. Reflect padding;
 * integer images are computed in float32 and rounded. */
PV_API pv_tensor *pv_gaussian_blur(pv_tensor *img, const int64_t ksize[2],
                                   const double sigma[2]);

/* Sets the window rows [i, i+h) x cols [j, j+w) to `value` (n = 1 value for
 * every channel, or one per channel), as torchvision's F.erase. */
PV_API pv_tensor *pv_erase(pv_tensor *img, int64_t i, int64_t j, int64_t h,
                           int64_t w, const float *value, int n);

/* --- randomness ---------------------------------------------------------- */

/* An explicit random state (xoshiro256**). Plain data: embed it, copy it to
 * fork a stream, give each thread or pipeline its own. torchvision draws from
 * torch's global generator, whose streams polyvis does not reproduce; the
 * parameter functions below follow torchvision's formulas, so distributions
 * match and a seed reproduces polyvis runs exactly. */
typedef struct pv_rng {
  uint64_t s[4];
} pv_rng;

/* Seeds the state (splitmix64 expansion of `seed`). */
PV_API void pv_rng_seed(pv_rng *rng, uint64_t seed);
/* Uniform double in [lo, hi). */
PV_API double pv_rng_uniform(pv_rng *rng, double lo, double hi);
/* Uniform integer in [lo, hi) (torch.randint's range); lo when hi <= lo. */
PV_API int64_t pv_rng_randint(pv_rng *rng, int64_t lo, int64_t hi);

/* RandomResizedCrop.get_params: writes {top, left, height, width}. Up to 10
 * tries of area*U(scale) and exp(U(log ratio)), then the centred fallback. */
PV_API void pv_random_resized_crop_params(pv_rng *rng, int64_t height,
                                          int64_t width, const double scale[2],
                                          const double ratio[2],
                                          int64_t out[4]);
/* RandomCrop.get_params: {top, left} for a th x tw crop (after padding). */
PV_API int pv_random_crop_params(pv_rng *rng, int64_t height, int64_t width,
                                 int64_t th, int64_t tw, int64_t out[2]);
/* ColorJitter.get_params: a random order of the 4 ops (0 brightness,
 * 1 contrast, 2 saturation, 3 hue) and each factor, drawn from the given
 * [min, max] ranges; a NULL range means the op is skipped (factor NAN). */
PV_API void pv_color_jitter_params(pv_rng *rng, const double brightness[2],
                                   const double contrast[2],
                                   const double saturation[2],
                                   const double hue[2], int order[4],
                                   double factors[4]);
/* RandomAffine.get_params: angle ~ U(degrees); translate (NULL = none)
 * {fx, fy}: tx = round(U(-fx*W, fx*W)), ty likewise with H; scale (NULL =
 * 1) ~ U(scale); shear (NULL = none) 2 values: x ~ U(s0, s1), 4 values: and
 * y ~ U(s2, s3). Writes {angle, tx, ty, scale, shear_x, shear_y}. The angle
 * alone is RandomRotation.get_params. */
PV_API void pv_random_affine_params(pv_rng *rng, const double degrees[2],
                                    const double *translate,
                                    const double *scale, const double *shear,
                                    int n_shear, int64_t width, int64_t height,
                                    double out[6]);
/* RandomPerspective.get_params: start = the image corners, end = corners
 * moved inwards by randint(0, int(distortion * half) + 1), as {x, y} x 4
 * (top-left, top-right, bottom-right, bottom-left). */
PV_API void pv_random_perspective_params(pv_rng *rng, int64_t width,
                                         int64_t height, double distortion,
                                         double start[8], double end[8]);
/* RandomErasing.get_params: returns 1 and {i, j, h, w} when one of the 10
 * tries fits, 0 (no erase) otherwise. */
PV_API int pv_random_erasing_params(pv_rng *rng, int64_t height, int64_t width,
                                    const double scale[2],
                                    const double ratio[2], int64_t out[4]);

/* --- automatic augmentation --------------------------------------------- */

/* torchvision.transforms.autoaugment._apply_op: one named op ("ShearX",
 * "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color",
 * "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast",
 * "Equalize", "Invert", "Identity") at a signed magnitude. */
PV_API pv_tensor *pv_augment_op(pv_tensor *img, const char *name,
                                double magnitude, int interpolation,
                                const float *fill, int n_fill);
/* AutoAugment with policy 0 IMAGENET, 1 CIFAR10, 2 SVHN. */
PV_API pv_tensor *pv_auto_augment(pv_tensor *img, pv_rng *rng, int policy,
                                  int interpolation, const float *fill,
                                  int n_fill);
PV_API pv_tensor *pv_rand_augment(pv_tensor *img, pv_rng *rng, int num_ops,
                                  int magnitude, int num_magnitude_bins,
                                  int interpolation, const float *fill,
                                  int n_fill);
PV_API pv_tensor *pv_trivial_augment_wide(pv_tensor *img, pv_rng *rng,
                                          int num_magnitude_bins,
                                          int interpolation, const float *fill,
                                          int n_fill);
/* AugMix: Dirichlet/Beta weights (polyvis's gamma sampler), chains of
 * chain_depth ops (-1 = U{1..3}); the mix is truncated to the dtype. */
PV_API pv_tensor *pv_augmix(pv_tensor *img, pv_rng *rng, int severity,
                            int mixture_width, int chain_depth, double alpha,
                            int all_ops, int interpolation, const float *fill,
                            int n_fill);

/* --- pipelines ----------------------------------------------------------- */

/* An opaque, immutable sequence of transforms. A pipeline may be shared by
 * threads: pv_pipeline_run keeps no state in it. */
typedef struct pv_pipeline pv_pipeline;

/*
 * Parses a SPEC: ops separated by '|', each `name` or `name(args)`, args
 * positional in torchvision's parameter order or `name=value` with
 * torchvision's parameter names. Values: numbers, identifiers
 * (bilinear, float32, imagenet, true/false, none), lists [a, b] or (a, b).
 * Example:
 *   resize(256, bilinear, antialias=true) | center_crop(224) |
 *   to_dtype(float32, scale=true) | normalize(imagenet)
 * docs/transforms.md lists every op. Errors name the token and its byte
 * offset in the spec. Returns 0 and a pipeline the caller frees.
 */
PV_API int pv_pipeline_parse(const char *spec, pv_pipeline **out);

/* Concatenates pipelines (Compose of Composes) into a new one; the parts stay
 * owned by the caller. */
PV_API pv_pipeline *pv_compose(pv_pipeline *const *parts, int n);

/* Runs the pipeline on `img` ([..., C, H, W]) and returns a new tensor. When
 * the chain is resize -> center_crop -> to float -> normalize on a uint8
 * image, a fused single-pass kernel runs instead, with identical results. */
PV_API pv_tensor *pv_pipeline_run(const pv_pipeline *p, pv_tensor *img);

/* Runs with an explicit random state for the random ops (random_crop,
 * color_jitter, ...): each random op samples its parameters once per call,
 * for the whole batch. pv_pipeline_run uses a per-thread state seeded from
 * POLYVIS_SEED (or the clock). */
PV_API pv_tensor *pv_pipeline_run_rng(const pv_pipeline *p, pv_tensor *img,
                                      pv_rng *rng);

/* Writes the canonical SPEC of the pipeline (all parameters spelled out)
 * into buf; returns the length it needed, like snprintf. */
PV_API int pv_pipeline_describe(const pv_pipeline *p, char *buf, size_t size);

/* Number of ops, for callers that inspect a parsed pipeline. */
PV_API int pv_pipeline_length(const pv_pipeline *p);

/* Frees a pipeline; NULL is a no-op. */
PV_API void pv_pipeline_free(pv_pipeline *p);

/* The weights.transforms() presets of torchvision.transforms._presets.
 * mean/std may be NULL for ImageNet's. torchvision 0.14.1 resizes tensors
 * without antialias here; pass antialias=1 for the >= 0.17 behaviour. */
PV_API pv_pipeline *
pv_preset_image_classification(int64_t resize_size, int64_t crop_size,
                               const float *mean, const float *std,
                               int interpolation, int antialias);
/* resize_size 0 = no resize. */
PV_API pv_pipeline *pv_preset_semantic_segmentation(int64_t resize_size,
                                                    const float *mean,
                                                    const float *std,
                                                    int interpolation,
                                                    int antialias);
/* Only converts to float32 in [0, 1]: detection models resize inside. */
PV_API pv_pipeline *pv_preset_object_detection(void);

/* --- fused inference preprocessing --------------------------------------- */

/*
 * The common classification chain in one pass over an interleaved uint8
 * image (HWC, `channels` 1..4, rows `row_stride` bytes apart):
 * resize(short side = resize_size, bilinear or bicubic, antialias) ->
 * center_crop(crop_h, crop_w) -> /255 -> normalize(mean, std), written as
 * float32 CHW planes into `out` (channels * crop_h * crop_w floats). The
 * resize filters are built once per call, only the rows and columns the crop
 * keeps are resampled, and rows run on the thread pool. Results equal the
 * unfused pipeline within 1e-5.
 */
PV_API int pv_preprocess_hwc_u8(const uint8_t *data, int64_t height,
                                int64_t width, int channels, int64_t row_stride,
                                int64_t resize_size, int64_t crop_h,
                                int64_t crop_w, int interpolation,
                                int antialias, const float *mean,
                                const float *std, float *out);

/* --- device execution ---------------------------------------------------- */

/*
 * The inference preprocessing set (resize in every mode with or without
 * antialias, crop, center_crop, resized_crop, pad in all four modes, hflip,
 * vflip, normalize, to_dtype, convert_image_dtype, rgb_to_grayscale, and the
 * uint8 HWC -> CHW layout change) lowers onto the core graph ops that every
 * backend plugin implements, so it runs as kernels on a GPU and can be
 * prepended to a model graph: decode -> preprocess -> model then compiles
 * into one graph. The results equal the CPU functions within the parity
 * tolerances of docs/transforms.md. The other transforms have CPU kernels
 * only; run them with pv_pipeline_run first.
 */

/* Returns 1 when every op of the pipeline can be lowered to graph ops (the
 * image must also be uint8 or float32 with a static shape), 0 otherwise. */
PV_API int pv_pipeline_supported_on_device(const pv_pipeline *p);

/*
 * Appends the pipeline to `g` as graph nodes applied to `input`, a value of
 * static shape [..., C, H, W] (or [..., H, W, C] when `hwc` is nonzero, as
 * images come from the decoders) and dtype uint8 or float32, and writes the
 * result value to `out`: [..., C', H', W'] with the dtype torchvision's
 * pipeline would produce. The sizes each op needs (resize output, crop
 * offsets) are resolved now from the static shape. Returns 0, or an error
 * naming the op that cannot be lowered (PV_ERR_UNSUPPORTED for the ops with
 * CPU kernels only); the graph may then hold unused nodes.
 */
PV_API int pv_pipeline_append_to_graph(const pv_pipeline *p, pv_graph *g,
                                       pv_value input, int hwc, pv_value *out);

/*
 * Runs the pipeline on a device: builds the graph of
 * pv_pipeline_append_to_graph for img's shape, compiles it for `device`
 * (NULL or "auto": the policy; "cpu", "vulkan:0", ...), runs it and returns
 * the host result. `fallback` is pv_compile_options.fallback: 0 makes a node
 * the device lacks an error instead of a silent CPU fallback. Compiling costs
 * far more than running: to preprocess many images of one shape, build the
 * graph once with pv_pipeline_append_to_graph instead.
 */
PV_API pv_tensor *pv_pipeline_run_on_device(const pv_pipeline *p,
                                            pv_tensor *img, int hwc,
                                            const char *device, int fallback);

#ifdef __cplusplus
}
#endif
#endif
