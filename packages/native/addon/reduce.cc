#include "reduce.h"

#include <algorithm>

#include "grouped-sum.h"
#include "thread-pool.h"

namespace ssn {

namespace {
/** Sum of n contiguous floats, in 16 interleaved partial sums (vectorises, and rounds less than one). */
float RowSum(const float* x, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += x[i + j];
  float s = 0;
  for (; i < n; i++) s += x[i];
  for (int j = 0; j < 16; j++) s += acc[j];
  return s;
}

/** acc[o, i] += x[o, r, i] for r in [first, last). */
void AddRows(const float* x, float* acc, int64_t outer, int64_t reduce, int64_t inner, int64_t first, int64_t last) {
  for (int64_t o = 0; o < outer; o++) {
    float* dst = acc + o * inner;
    if (inner == 1) {
      dst[0] += RowSum(x + o * reduce + first, last - first);
      continue;
    }
    for (int64_t r = first; r < last; r++) {
      const float* src = x + (o * reduce + r) * inner;
      for (int64_t i = 0; i < inner; i++) dst[i] += src[i];
    }
  }
}
}  // namespace

void ReduceSum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner, float scale) {
  const int64_t outputs = outer * inner;
  if (outputs >= 4096 || reduce < 64) {
    // Many outputs: each task sums whole reductions for a range of outer indices.
    const int64_t per = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, reduce * inner));
    Pool().Run((outer + per - 1) / per, [&](int64_t t, int) {
      const int64_t o0 = t * per;
      const int64_t n = std::min(per, outer - o0);
      std::fill(out + o0 * inner, out + (o0 + n) * inner, 0.0f);
      AddRows(x + o0 * reduce * inner, out + o0 * inner, n, reduce, inner, 0, reduce);
    });
  } else {
    // Few outputs, long reductions: split the reduced axis into groups.
    GroupedSum(reduce, outputs, out, [&](int64_t first, int64_t last, float* acc) {
      AddRows(x, acc, outer, reduce, inner, first, last);
    });
  }
  if (scale != 1.0f)
    for (int64_t i = 0; i < outputs; i++) out[i] *= scale;
}

}  // namespace ssn
