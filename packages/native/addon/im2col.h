// Patch matrices for GEMM convolutions (NHWC), with arbitrary tap offsets so that one routine serves
// the forward conv (taps at k * dilation - pad, stepping by the stride) and every stride phase of the
// input gradient (taps of one phase, stepping by one).
#pragma once

#include <cstdint>
#include <vector>

namespace ssn {

struct Gather {
  const float* in = nullptr;  // images [n, H, W, C]
  int64_t H = 0, W = 0, C = 0;
  int64_t gridH = 0, gridW = 0;  // patch-matrix rows per image: gridH * gridW
  int64_t stepH = 1, stepW = 1;  // input rows/columns per grid step
  std::vector<int64_t> offH, offW;  // input row of grid row a, tap t: a * stepH + offH[t] (zero outside)

  int64_t Cols() const { return static_cast<int64_t>(offH.size() * offW.size()) * C; }
};

/** Rows [row0, row0 + rows) of the patch matrix (row = (n * gridH + a) * gridW + b) into out [rows, Cols()]. */
void Im2Col(const Gather& g, int64_t row0, int64_t rows, float* out);

/**
 * Patch-matrix rows per task: a tile that stays in cache, and enough tiles to keep the threads busy.
 * It does not depend on the thread count: OpenBLAS's rounding depends on the block shapes, and results
 * must be the same on any number of threads.
 */
int64_t TileRows(int64_t totalRows, int64_t colsPerRow);

}  // namespace ssn
