#include "peak.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace ssn {

namespace {
// 64-byte vectors: the compiler uses the widest FMA the build's -march allows (AVX-512 or 2x AVX2).
typedef float Vec __attribute__((vector_size(64)));
constexpr int kChains = 16;  // enough independent accumulators to cover FMA latency x throughput

double RunChains(int64_t iterations, float seed) {
  Vec acc[kChains];
  Vec a, b;
  for (int i = 0; i < 16; i++) {
    a[i] = 0.999f + seed * 1e-7f;
    b[i] = 1e-6f;
  }
  for (int c = 0; c < kChains; c++) acc[c] = a * static_cast<float>(c);
  for (int64_t it = 0; it < iterations; it++) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; c++) acc[c] = acc[c] * a + b;
  }
  double sum = 0;
  for (int c = 0; c < kChains; c++)
    for (int i = 0; i < 16; i++) sum += acc[c][i];
  return sum;
}
}  // namespace

double FmaPeakGflops(int threads, double seconds) {
  threads = std::max(1, threads);
  const double flopsPerIteration = 2.0 * kChains * 16;
  // Calibrate on one thread, then run every thread for the same number of iterations.
  int64_t iterations = 1 << 16;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    volatile double sink = RunChains(iterations, 1.0f);
    (void)sink;
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > seconds / 4 || iterations > (int64_t{1} << 40)) {
      iterations = static_cast<int64_t>(iterations * seconds / dt);
      break;
    }
    iterations *= 4;
  }
  std::vector<std::thread> pool;
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&, t] {
      volatile double sink = RunChains(iterations, static_cast<float>(t));
      (void)sink;
    });
  }
  for (auto& t : pool) t.join();
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return flopsPerIteration * iterations * threads / dt / 1e9;
}

}  // namespace ssn
