// The GEMM shapes of matmul and batch_matmul, derived once per plan by their prepare rules
// and read by the CPU and CUDA kernels.
#pragma once
#include <cstdint>

namespace dagnet {

// matmul: C (M x N) = op(A) op(B) with A's leading axes folded into rows; K_b is op(B)'s
// contraction size (equal to K once shapes are known).
struct MatmulDims {
  int64_t M, N, K, K_b;
};
struct MatmulPrepared {
  bool ta, tb;
  MatmulDims d;
};

// batch_matmul: `batch` GEMMs of (M x K) (K x N); lda/ldb are the operands' last axes and
// stride_a/b/c the elements between consecutive batch entries.
struct BatchMatmulPrepared {
  bool ta, tb;
  int64_t batch, M, N, K, K_b;
  int64_t lda, ldb, stride_a, stride_b, stride_c;
};

}  // namespace dagnet
