// Matrix products on OpenBLAS, parallelised by the thread pool (OpenBLAS itself runs one thread per
// call, so there is one set of threads and nothing oversubscribes the cores).
#pragma once

#include <cstdint>

#include "epilogue.h"

namespace ssn {

/** Row-major C = op(A) op(B) (+ beta C) on the calling thread; op(A) is M x K, op(B) is K x N. */
void SgemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

/**
 * batch products C[i] = op(A[i]) op(B[i]), each row-major and contiguous, A[i] = A + i * strideA (a
 * stride of 0 broadcasts one matrix over the batch), then the epilogue. Split over the pool by batch
 * and by blocks of rows and columns.
 */
void BatchedSgemm(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A,
                  int64_t strideA, const float* B, int64_t strideB, float* C, const Epilogue& epilogue);

}  // namespace ssn
