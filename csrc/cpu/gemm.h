// General matrix multiply on row-major operands: C = op(A) * op(B) (+ C if accumulate),
// op(A) is M x K, op(B) is K x N; ld* are row strides.
// float32 runs the packed, register-blocked path (Goto/BLIS structure: op(B) packed in
// KC x NC blocks of NR-column panels, op(A) in MC x KC blocks of MR-row panels, an
// ISA-specific MR x NR micro-kernel chosen at run time); float64 (used for gradient
// checks) runs a straightforward blocked loop.
// Results never depend on the thread count: work is shared out by output tiles, and the
// deep-K split of small outputs cuts K by the problem's size alone. Each row of C depends
// only on its own inputs and on M through the K blocking, which is the same for every M up
// to kGemmUniformRows: callers that give threads row slices of at most that many rows
// (the LSTM's batch slices) stay bit-identical across thread counts too.
#pragma once
#include <cstdint>

#include "cpu/activation.h"

namespace dagnet::cpu {

constexpr int64_t kGemmUniformRows = 128;

// Applied to each finished tile of C while it is in cache: C = act(C + bias[col]).
// Softmax needs whole rows, so it is not an epilogue; callers run it afterwards.
struct GemmEpilogue {
  const float* bias = nullptr;
  Activation activation = Activation::Linear;
  double alpha = 1.0;
};

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb,
          T* C, int64_t ldc, bool accumulate);

// float32 GEMM with a fused epilogue (dense and convolution outputs).
void gemm_epilogue(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                   const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate, const GemmEpilogue& epilogue);

// The blocked reference loop (any float type); tests compare the fast path against it.
template <typename T>
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                    int64_t ldb, T* C, int64_t ldc, bool accumulate);

}  // namespace dagnet::cpu
