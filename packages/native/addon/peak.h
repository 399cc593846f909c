// The arithmetic peak of the cores, measured: independent vector FMA chains with no memory traffic.
// The denominator for "share of peak" figures in the benchmarks.
#pragma once

namespace ssn {

/** Single-precision GFLOP/s of `threads` threads running FMA chains for about `seconds`. */
double FmaPeakGflops(int threads, double seconds);

}  // namespace ssn
