/* Op codes shared by the GLSL shaders and the C side: the pv_op values of
 * include/polyvis/types.h (checked by static asserts in ops/registry.c). */
#define OP_NONE 0
#define OP_ADD 7
#define OP_SUB 8
#define OP_MUL 9
#define OP_DIV 10
#define OP_POW 11
#define OP_MAX 12
#define OP_MIN 13
#define OP_RELU 14
#define OP_CLIP 15
#define OP_HARDSWISH 16
#define OP_HARDSIGMOID 17
#define OP_SILU 18
#define OP_GELU 19
#define OP_SIGMOID 20
#define OP_TANH 21
#define OP_LEAKY_RELU 22
#define OP_EXP 23
#define OP_LOG 24
#define OP_SQRT 25
#define OP_RSQRT 26
#define OP_NEG 27
#define OP_ABS 28
#define OP_ERF 29
#define OP_PRELU 59
