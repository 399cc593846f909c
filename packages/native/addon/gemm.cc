#include "gemm.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "thread-pool.h"

namespace ssn {

void SgemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? 0 : C[i * ldc + j] * beta;
    return;
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), 1.0f, A,
              static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

namespace {
int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

void BatchedSgemm(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A,
                  int64_t strideA, const float* B, int64_t strideB, float* C, const Epilogue& epilogue) {
  const int threads = Pool().Threads();
  const double flops = 2.0 * batch * M * N * K;
  // Blocks per matrix: about 16 tasks in all (balance for up to ~8 threads), none thinner than 64 rows or
  // 128 columns, and no split at all for small products, where waking the threads costs more. Rows and
  // columns are split alike (square-ish blocks): every call packs its rows of A and its columns of B, so
  // thin row slabs would repack all of B once per slab. The split does not depend on the thread count, so
  // neither do the results (OpenBLAS rounds by block shape).
  int64_t mBlocks = 1;
  int64_t nBlocks = 1;
  if (flops > 4e6) {
    const int64_t want = CeilDiv(16, batch);
    const int64_t side = std::max<int64_t>(1, static_cast<int64_t>(std::sqrt(static_cast<double>(want))));
    mBlocks = std::max<int64_t>(1, std::min(side, M / 64));
    nBlocks = std::max<int64_t>(1, std::min(CeilDiv(want, mBlocks), N / 128));
  }
  const int64_t mStep = CeilDiv(M, mBlocks);
  const int64_t nStep = CeilDiv(N, nBlocks);
  mBlocks = CeilDiv(M, mStep);
  nBlocks = CeilDiv(N, nStep);
  const int64_t lda = transA ? M : K;
  const int64_t ldb = transB ? K : N;
  auto task = [&](int64_t t, int) {
    const int64_t i = t / (mBlocks * nBlocks);
    const int64_t mb = (t / nBlocks) % mBlocks;
    const int64_t nb = t % nBlocks;
    const int64_t m0 = mb * mStep;
    const int64_t n0 = nb * nStep;
    const int64_t m = std::min(mStep, M - m0);
    const int64_t n = std::min(nStep, N - n0);
    const float* a = A + i * strideA + (transA ? m0 : m0 * K);
    const float* b = B + i * strideB + (transB ? n0 * K : n0);
    float* c = C + i * M * N + m0 * N + n0;
    SgemmSerial(transA, transB, m, n, K, a, lda, b, ldb, 0.0f, c, N);
    ApplyEpilogue(epilogue, c, m, n, N, n0);
  };
  if (flops < 2e5 || threads == 1) {
    for (int64_t t = 0; t < batch * mBlocks * nBlocks; t++) task(t, 0);
  } else {
    Pool().Run(batch * mBlocks * nBlocks, task);
  }
}

}  // namespace ssn
