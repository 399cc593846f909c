// The shape of a 2-D convolution, NHWC, as TensorFlow.js computes it (padding already resolved).
#pragma once

#include <cstdint>

namespace ssn {

struct ConvGeometry {
  int64_t batch, inH, inW, inC;  // x: [batch, inH, inW, inC]
  int64_t outH, outW, outC;      // y: [batch, outH, outW, outC]; depthwise: outC = inC * multiplier
  int64_t kH, kW;                // filter taps
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t padTop, padLeft;       // input row of output row r, tap k: r * strideH + k * dilationH - padTop

  int64_t InSize() const { return batch * inH * inW * inC; }
  int64_t OutSize() const { return batch * outH * outW * outC; }
};

}  // namespace ssn
