#include "im2col.h"

#include <algorithm>
#include <cstring>

namespace ssn {

namespace {
inline void CopyOrZero(float* dst, const float* src, int64_t n) {
  if (src == nullptr) {
    std::memset(dst, 0, n * sizeof(float));
  } else {
    std::memcpy(dst, src, n * sizeof(float));
  }
}
}  // namespace

void Im2Col(const Gather& g, int64_t row0, int64_t rows, float* out) {
  const int64_t th = static_cast<int64_t>(g.offH.size());
  const int64_t tw = static_cast<int64_t>(g.offW.size());
  const int64_t C = g.C;
  const int64_t rowFloats = tw * C;
  // Taps one column apart read one contiguous run of the input row: copy them at once when all are inside.
  bool unitW = true;
  for (int64_t u = 1; u < tw; u++) unitW = unitW && g.offW[u] == g.offW[u - 1] + 1;
  const int64_t perImage = g.gridH * g.gridW;
  for (int64_t r = 0; r < rows; r++) {
    const int64_t p = row0 + r;
    const int64_t n = p / perImage;
    const int64_t a = (p / g.gridW) % g.gridH;
    const int64_t b = p % g.gridW;
    const float* image = g.in + n * g.H * g.W * C;
    float* dst = out + r * th * rowFloats;
    const int64_t iw0 = b * g.stepW;
    for (int64_t t = 0; t < th; t++, dst += rowFloats) {
      const int64_t ih = a * g.stepH + g.offH[t];
      if (ih < 0 || ih >= g.H) {
        std::memset(dst, 0, rowFloats * sizeof(float));
        continue;
      }
      const float* line = image + ih * g.W * C;
      if (unitW && tw > 0 && iw0 + g.offW[0] >= 0 && iw0 + g.offW[tw - 1] < g.W) {
        std::memcpy(dst, line + (iw0 + g.offW[0]) * C, rowFloats * sizeof(float));
        continue;
      }
      for (int64_t u = 0; u < tw; u++) {
        const int64_t iw = iw0 + g.offW[u];
        CopyOrZero(dst + u * C, iw < 0 || iw >= g.W ? nullptr : line + iw * C, C);
      }
    }
  }
}

int64_t TileRows(int64_t totalRows, int64_t colsPerRow) {
  constexpr int64_t kTileBytes = 384 * 1024;  // about half of a core's L2
  constexpr int64_t kTasks = 16;              // tiles wanted per conv, for balance on up to ~8 threads
  int64_t rows = std::max<int64_t>(32, kTileBytes / (4 * std::max<int64_t>(1, colsPerRow)));
  rows = std::min<int64_t>(rows, 2048);
  rows = std::min(rows, std::max<int64_t>(32, (totalRows + kTasks - 1) / kTasks));
  return std::max<int64_t>(1, std::min(rows, totalRows));
}

}  // namespace ssn
