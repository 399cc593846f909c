#include "depthwise.h"

#include <cstring>

#include "grouped-sum.h"
#include "thread-pool.h"

namespace ssn {

namespace {
/** Whether rows are worth the threads: tiny convs run on the caller alone. */
bool Parallel(const ConvGeometry& g) { return g.OutSize() * g.kH * g.kW > 100000; }

template <typename Fn>
void ForRows(const ConvGeometry& g, int64_t rows, const Fn& fn) {
  if (Parallel(g)) {
    Pool().Run(rows, fn);
  } else {
    for (int64_t r = 0; r < rows; r++) fn(r, 0);
  }
}
}  // namespace

void DepthwiseConv2D(const ConvGeometry& g, const float* x, const float* f, float* y, const Epilogue& e) {
  const int64_t C = g.inC;
  const int64_t M = g.outC / g.inC;
  const int64_t CO = g.outC;
  ForRows(g, g.batch * g.outH, [&](int64_t row, int) {
    const int64_t n = row / g.outH;
    const int64_t oh = row % g.outH;
    float* out = y + row * g.outW * CO;
    std::memset(out, 0, g.outW * CO * sizeof(float));
    for (int64_t kh = 0; kh < g.kH; kh++) {
      const int64_t ih = oh * g.strideH + kh * g.dilationH - g.padTop;
      if (ih < 0 || ih >= g.inH) continue;
      const float* line = x + (n * g.inH + ih) * g.inW * C;
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float* acc = out + ow * CO;
        for (int64_t kw = 0; kw < g.kW; kw++) {
          const int64_t iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
          if (iw < 0 || iw >= g.inW) continue;
          const float* in = line + iw * C;
          const float* tap = f + (kh * g.kW + kw) * CO;
          if (M == 1) {
            for (int64_t c = 0; c < C; c++) acc[c] += in[c] * tap[c];
          } else {
            for (int64_t c = 0; c < C; c++)
              for (int64_t j = 0; j < M; j++) acc[c * M + j] += in[c] * tap[c * M + j];
          }
        }
      }
    }
    ApplyEpilogue(e, out, g.outW, CO, CO, 0);
  });
}

void DepthwiseBackpropInput(const ConvGeometry& g, const float* dy, const float* f, float* dx) {
  const int64_t C = g.inC;
  const int64_t M = g.outC / g.inC;
  const int64_t CO = g.outC;
  ForRows(g, g.batch * g.inH, [&](int64_t row, int) {
    const int64_t n = row / g.inH;
    const int64_t ih = row % g.inH;
    float* out = dx + row * g.inW * C;
    std::memset(out, 0, g.inW * C * sizeof(float));
    for (int64_t kh = 0; kh < g.kH; kh++) {
      const int64_t sh = ih + g.padTop - kh * g.dilationH;  // = oh * strideH
      if (sh < 0 || sh % g.strideH != 0 || sh / g.strideH >= g.outH) continue;
      const float* line = dy + (n * g.outH + sh / g.strideH) * g.outW * CO;
      for (int64_t iw = 0; iw < g.inW; iw++) {
        float* acc = out + iw * C;
        for (int64_t kw = 0; kw < g.kW; kw++) {
          const int64_t sw = iw + g.padLeft - kw * g.dilationW;
          if (sw < 0 || sw % g.strideW != 0 || sw / g.strideW >= g.outW) continue;
          const float* grad = line + (sw / g.strideW) * CO;
          const float* tap = f + (kh * g.kW + kw) * CO;
          if (M == 1) {
            for (int64_t c = 0; c < C; c++) acc[c] += grad[c] * tap[c];
          } else {
            for (int64_t c = 0; c < C; c++) {
              float s = 0;
              for (int64_t j = 0; j < M; j++) s += grad[c * M + j] * tap[c * M + j];
              acc[c] += s;
            }
          }
        }
      }
    }
  });
}

void DepthwiseBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* df) {
  const int64_t C = g.inC;
  const int64_t M = g.outC / g.inC;
  const int64_t CO = g.outC;
  auto rows = [&](int64_t first, int64_t last, float* acc) {
    for (int64_t row = first; row < last; row++) {
      const int64_t n = row / g.outH;
      const int64_t oh = row % g.outH;
      const float* grads = dy + row * g.outW * CO;
      for (int64_t kh = 0; kh < g.kH; kh++) {
        const int64_t ih = oh * g.strideH + kh * g.dilationH - g.padTop;
        if (ih < 0 || ih >= g.inH) continue;
        const float* line = x + (n * g.inH + ih) * g.inW * C;
        for (int64_t kw = 0; kw < g.kW; kw++) {
          float* tap = acc + (kh * g.kW + kw) * CO;
          for (int64_t ow = 0; ow < g.outW; ow++) {
            const int64_t iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const float* in = line + iw * C;
            const float* grad = grads + ow * CO;
            if (M == 1) {
              for (int64_t c = 0; c < C; c++) tap[c] += in[c] * grad[c];
            } else {
              for (int64_t c = 0; c < C; c++)
                for (int64_t j = 0; j < M; j++) tap[c * M + j] += in[c] * grad[c * M + j];
            }
          }
        }
      }
    }
  };
  const int64_t size = g.kH * g.kW * CO;
  if (Parallel(g)) {
    GroupedSum(g.batch * g.outH, size, df, rows);
  } else {
    std::memset(df, 0, size * sizeof(float));
    rows(0, g.batch * g.outH, df);
  }
}

}  // namespace ssn
