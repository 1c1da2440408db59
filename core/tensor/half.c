#include "internal.h"

#include <polyvis/elem.h>

float pv_half_to_float(uint16_t h) { return pv_elem_f16_to_f32(h); }

/* Round-to-nearest-even, as numpy and torch do. */
uint16_t pv_float_to_half(float f) { return pv_elem_f32_to_f16(f); }

float pv_bf16_to_float(uint16_t h) { return pv_elem_bf16_to_f32(h); }

uint16_t pv_float_to_bf16(float f) { return pv_elem_f32_to_bf16(f); }
