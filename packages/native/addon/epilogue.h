// What fused kernels (FusedConv2D, _FusedMatMul, FusedDepthwiseConv2D) do after the product:
// add a per-channel bias, then an activation. Codes match tfjs-backend-wasm's FusableActivation.
#pragma once

#include <cstdint>

namespace ssn {

enum Activation : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kPrelu = 3, kLeakyRelu = 4, kSigmoid = 5, kElu = 6 };

struct Epilogue {
  const float* bias = nullptr;   // one value per output channel (column), or nullptr
  int activation = kLinear;
  float alpha = 0;               // leakyrelu slope
  const float* prelu = nullptr;  // prelu slopes: one per channel, or one for all (preluSize 1)
  int64_t preluSize = 0;
  bool Active() const { return bias != nullptr || activation != kLinear; }
};

/** Applies the epilogue to rows x cols of c (row stride ldc); column j is output channel col0 + j. */
void ApplyEpilogue(const Epilogue& e, float* c, int64_t rows, int64_t cols, int64_t ldc, int64_t col0);

}  // namespace ssn
