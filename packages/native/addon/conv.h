// Dense 2-D convolutions (NHWC, filter [kH, kW, inC, outC]) as patch matrices times the filter, on
// OpenBLAS, split over the thread pool by tiles of output pixels.
#pragma once

#include "epilogue.h"
#include "geometry.h"

namespace ssn {

/** y = conv(x, f), then the epilogue. */
void Conv2D(const ConvGeometry& g, const float* x, const float* f, float* y, const Epilogue& e);

/**
 * dx = the gradient of sum(conv(x, f) * dy) with respect to x (also the transposed conv of dy).
 * Each of the strideH x strideW phases of dx (rows r, r + s, r + 2s, ...) is a stride-1 correlation of
 * dy with the taps that land on it, so no work is spent on the zeros a dilated dy would contain.
 */
void Conv2DBackpropInput(const ConvGeometry& g, const float* dy, const float* f, float* dx);

/** df = the gradient with respect to f: patches(x)^T dy, summed over every output pixel. */
void Conv2DBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* df);

}  // namespace ssn
