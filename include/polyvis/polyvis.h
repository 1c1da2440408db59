/*
 * polyvis: TorchVision for C. Include this header for the whole public API.
 */
#ifndef POLYVIS_H
#define POLYVIS_H

#include "device.h"
#include "error.h"
#include "graph.h"
#include "tensor.h"
#include "types.h"

#endif
