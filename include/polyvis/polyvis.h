/*
 * polyvis: TorchVision for C. Include this header for the whole public API.
 */
#ifndef POLYVIS_H
#define POLYVIS_H

#include "conformance.h"
#include "detect.h"
#include "device.h"
#include "draw.h"
#include "error.h"
#include "graph.h"
#include "hub.h"
#include "image.h"
#include "models.h"
#include "onnx.h"
#include "tensor.h"
#include "transforms.h"
#include "types.h"
#include "vision.h"
#include "weights.h"

#endif
