#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "grouped-sum.h"
#include "im2col.h"
#include "scratch.h"
#include "thread-pool.h"

namespace ssn {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/** A 1x1 conv without stride or padding reads x as the patch matrix itself. */
bool IsPointwise(const ConvGeometry& g) {
  return g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
         g.outH == g.inH && g.outW == g.inW;
}

/** The forward conv's patches of x: one row per output pixel, columns (kh, kw, c) like the filter's rows. */
Gather ForwardGather(const ConvGeometry& g, const float* x) {
  Gather gather;
  gather.in = x;
  gather.H = g.inH;
  gather.W = g.inW;
  gather.C = g.inC;
  gather.gridH = g.outH;
  gather.gridW = g.outW;
  gather.stepH = g.strideH;
  gather.stepW = g.strideW;
  for (int64_t k = 0; k < g.kH; k++) gather.offH.push_back(k * g.dilationH - g.padTop);
  for (int64_t k = 0; k < g.kW; k++) gather.offW.push_back(k * g.dilationW - g.padLeft);
  return gather;
}

/** Taps of one stride phase along one axis: which filter taps land on rows r, r + s, ... and where dy is. */
struct PhaseTaps {
  std::vector<int64_t> taps;     // filter indices, in order of increasing dy offset
  std::vector<int64_t> offsets;  // dy row of grid row a, tap i: a + offsets[i]
};

PhaseTaps TapsOfPhase(int64_t phase, int64_t stride, int64_t dilation, int64_t pad, int64_t k) {
  PhaseTaps p;
  for (int64_t t = k - 1; t >= 0; t--) {
    const int64_t shifted = phase + pad - t * dilation;  // = (dy row - a) * stride
    const int64_t rem = ((shifted % stride) + stride) % stride;
    if (rem != 0) continue;
    p.taps.push_back(t);
    p.offsets.push_back((shifted - rem) / stride);
  }
  return p;
}

struct Phase {
  int64_t rowPhase, colPhase;
  Gather gather;           // patches of dy for this phase
  std::vector<float> filter;  // [taps, outC, inC]: the matching filter rows, transposed
  int64_t firstTask, tile;
};

}  // namespace

void Conv2D(const ConvGeometry& g, const float* x, const float* f, float* y, const Epilogue& e) {
  const int64_t rows = g.batch * g.outH * g.outW;
  const int64_t K = g.kH * g.kW * g.inC;
  if (rows == 0 || g.outC == 0) return;
  if (IsPointwise(g)) {
    BatchedSgemm(1, false, false, rows, g.outC, K, x, 0, f, 0, y, e);
    return;
  }
  const Gather gather = ForwardGather(g, x);
  const int64_t tile = TileRows(rows, K);
  Pool().Run(CeilDiv(rows, tile), [&](int64_t t, int) {
    const int64_t r0 = t * tile;
    const int64_t n = std::min(tile, rows - r0);
    float* cols = Scratch(0, n * K);
    Im2Col(gather, r0, n, cols);
    float* out = y + r0 * g.outC;
    SgemmSerial(false, false, n, g.outC, K, cols, K, f, g.outC, 0.0f, out, g.outC);
    ApplyEpilogue(e, out, n, g.outC, g.outC, 0);
  });
}

void Conv2DBackpropInput(const ConvGeometry& g, const float* dy, const float* f, float* dx) {
  const int64_t C = g.inC;
  const int64_t CO = g.outC;
  if (IsPointwise(g)) {  // dx = dy f^T, f read as [inC, outC]
    BatchedSgemm(1, false, true, g.batch * g.inH * g.inW, C, CO, dy, 0, f, 0, dx, Epilogue());
    return;
  }
  std::vector<Phase> phases;
  int64_t tasks = 0;
  for (int64_t rh = 0; rh < std::min(g.strideH, g.inH); rh++) {
    const PhaseTaps th = TapsOfPhase(rh, g.strideH, g.dilationH, g.padTop, g.kH);
    for (int64_t rw = 0; rw < std::min(g.strideW, g.inW); rw++) {
      const PhaseTaps tw = TapsOfPhase(rw, g.strideW, g.dilationW, g.padLeft, g.kW);
      Phase p;
      p.rowPhase = rh;
      p.colPhase = rw;
      Gather& gather = p.gather;
      gather.in = dy;
      gather.H = g.outH;
      gather.W = g.outW;
      gather.C = CO;
      gather.gridH = CeilDiv(g.inH - rh, g.strideH);
      gather.gridW = CeilDiv(g.inW - rw, g.strideW);
      gather.offH = th.offsets;
      gather.offW = tw.offsets;
      // Filter rows in patch-column order (tap row, tap column, output channel), each a row of inC values.
      p.filter.resize(th.taps.size() * tw.taps.size() * CO * C);
      float* dst = p.filter.data();
      for (int64_t kh : th.taps)
        for (int64_t kw : tw.taps)
          for (int64_t co = 0; co < CO; co++)
            for (int64_t c = 0; c < C; c++) *dst++ = f[((kh * g.kW + kw) * C + c) * CO + co];
      const int64_t rows = g.batch * gather.gridH * gather.gridW;
      p.tile = TileRows(rows, std::max<int64_t>(1, gather.Cols()));
      p.firstTask = tasks;
      tasks += CeilDiv(rows, p.tile);
      phases.push_back(std::move(p));
    }
  }
  const bool direct = g.strideH == 1 && g.strideW == 1;  // one phase whose rows are dx's pixels in order
  Pool().Run(tasks, [&](int64_t t, int) {
    size_t i = 0;
    while (i + 1 < phases.size() && phases[i + 1].firstTask <= t) i++;
    const Phase& p = phases[i];
    const Gather& gather = p.gather;
    const int64_t rows = g.batch * gather.gridH * gather.gridW;
    const int64_t r0 = (t - p.firstTask) * p.tile;
    const int64_t n = std::min(p.tile, rows - r0);
    const int64_t K = gather.Cols();
    float* out = direct ? dx + r0 * C : Scratch(1, n * C);
    if (K == 0) {
      std::memset(out, 0, n * C * sizeof(float));
    } else {
      float* cols = Scratch(0, n * K);
      Im2Col(gather, r0, n, cols);
      SgemmSerial(false, false, n, C, K, cols, K, p.filter.data(), C, 0.0f, out, C);
    }
    if (direct) return;
    for (int64_t r = 0; r < n; r++) {
      const int64_t q = r0 + r;
      const int64_t b = q / (gather.gridH * gather.gridW);
      const int64_t a = (q / gather.gridW) % gather.gridH;
      const int64_t c = q % gather.gridW;
      const int64_t ih = a * g.strideH + p.rowPhase;
      const int64_t iw = c * g.strideW + p.colPhase;
      std::memcpy(dx + ((b * g.inH + ih) * g.inW + iw) * C, out + r * C, C * sizeof(float));
    }
  });
}

void Conv2DBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* df) {
  const int64_t rows = g.batch * g.outH * g.outW;
  const int64_t K = g.kH * g.kW * g.inC;
  const int64_t CO = g.outC;
  const bool pointwise = IsPointwise(g);
  const Gather gather = ForwardGather(g, x);
  const int64_t tile = TileRows(rows, K);
  GroupedSum(rows, K * CO, df, [&](int64_t first, int64_t last, float* acc) {
    for (int64_t r0 = first; r0 < last; r0 += tile) {
      const int64_t n = std::min(tile, last - r0);
      const float* cols = x + r0 * K;
      if (!pointwise) {
        float* buffer = Scratch(0, n * K);
        Im2Col(gather, r0, n, buffer);
        cols = buffer;
      }
      SgemmSerial(true, false, K, CO, n, cols, K, dy + r0 * CO, CO, 1.0f, acc, CO);
    }
  });
}

}  // namespace ssn
