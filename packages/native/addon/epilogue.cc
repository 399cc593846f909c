#include "epilogue.h"

#include <algorithm>
#include <cmath>

namespace ssn {

namespace {
inline float Activate(int act, float v, float alpha, float slope) {
  switch (act) {
    case kRelu:
      return v > 0 ? v : 0;
    case kRelu6:
      return std::min(std::max(v, 0.0f), 6.0f);
    case kPrelu:
      return v > 0 ? v : v * slope;
    case kLeakyRelu:
      return v > 0 ? v : v * alpha;
    case kSigmoid:
      return 1.0f / (1.0f + std::exp(-v));
    case kElu:
      return v > 0 ? v : std::expm1(v);
    default:
      return v;
  }
}
}  // namespace

void ApplyEpilogue(const Epilogue& e, float* c, int64_t rows, int64_t cols, int64_t ldc, int64_t col0) {
  if (!e.Active()) return;
  for (int64_t i = 0; i < rows; i++) {
    float* row = c + i * ldc;
    if (e.bias != nullptr) {
      const float* b = e.bias + col0;
      for (int64_t j = 0; j < cols; j++) row[j] += b[j];
    }
    if (e.activation == kRelu) {
      for (int64_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : 0;
    } else if (e.activation != kLinear) {
      for (int64_t j = 0; j < cols; j++) {
        float slope = 0;
        if (e.activation == kPrelu) slope = e.preluSize == 1 ? e.prelu[0] : e.prelu[col0 + j];
        row[j] = Activate(e.activation, row[j], e.alpha, slope);
      }
    }
  }
}

}  // namespace ssn
