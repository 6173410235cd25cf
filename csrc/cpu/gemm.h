// General matrix multiply on row-major operands: C = op(A) * op(B) (+ C if accumulate),
// op(A) is M x K, op(B) is K x N; ld* are row strides. This is the straightforward
// version (row-parallel, vectorisable inner loops); the packed, register-blocked one
// replaces its body without changing the interface.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
          int64_t ldb, T* C, int64_t ldc, bool accumulate);

}  // namespace dagnet::cpu
