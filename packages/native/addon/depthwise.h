// Depthwise 2-D convolutions (NHWC, filter [kH, kW, C, multiplier]): direct loops over the channels,
// which are contiguous in NHWC and vectorise; split over the thread pool by output rows.
#pragma once

#include "epilogue.h"
#include "geometry.h"

namespace ssn {

/** y[..., c * m + j] = sum over taps of x[..., c] f[kh, kw, c, j]; outC = inC * multiplier. */
void DepthwiseConv2D(const ConvGeometry& g, const float* x, const float* f, float* y, const Epilogue& e);

/** dx for the depthwise conv: a gather over the dy pixels each input pixel fed. */
void DepthwiseBackpropInput(const ConvGeometry& g, const float* dy, const float* f, float* dx);

/** df for the depthwise conv: per-thread sums over output pixels, then added up. */
void DepthwiseBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* df);

}  // namespace ssn
