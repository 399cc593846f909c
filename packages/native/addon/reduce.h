// Sums and means over one block of adjacent axes: x viewed as [outer, reduce, inner]. TensorFlow.js's
// wasm backend transposes the reduced axes to the end first (a full copy); bias gradients (a sum over
// batch, rows and columns of NHWC) and normalisation statistics need exactly this case.
#pragma once

#include <cstdint>

namespace ssn {

/** out[o, i] = scale * sum over r of x[o, r, i]; the same result on any number of threads. */
void ReduceSum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner, float scale);

}  // namespace ssn
