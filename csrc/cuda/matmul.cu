// CUDA kernels of matmul (A's leading axes folded into rows: one cuBLAS GEMM) and
// batch_matmul (one strided batched cuBLAS GEMM). The shapes come from the ops' prepare
// rules (ops/matmul_layout.h), exactly as the CPU kernels read them.
#include "cuda/blas.cuh"
#include "cuda/kernel_support.cuh"
#include "ops/dispatch.h"
#include "ops/matmul_layout.h"

namespace dagnet::cuda {

namespace {
template <typename T>
void matmul(const KernelContext& ctx) {
  const MatmulPrepared& p = ctx.prepared<MatmulPrepared>();
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1];
  gemm<T>(blas(ctx), p.ta, p.tb, p.d.M, p.d.N, p.d.K, a.data<T>(), a.shape().back(), b.data<T>(), b.shape().back(),
          ctx.outputs[0].data<T>(), p.d.N, false, "matmul");
}

template <typename T>
void batch_matmul(const KernelContext& ctx) {
  const BatchMatmulPrepared& p = ctx.prepared<BatchMatmulPrepared>();
  gemm_strided_batched<T>(blas(ctx), p.ta, p.tb, p.batch, p.M, p.N, p.K, ctx.inputs[0].data<T>(), p.lda, p.stride_a,
                          ctx.inputs[1].data<T>(), p.ldb, p.stride_b, ctx.outputs[0].data<T>(), p.stride_c,
                          "batch_matmul");
}

}  // namespace

void register_matmul_cuda_kernels() {
  register_kernel("matmul", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) { matmul<decltype(tag)>(ctx); });
  });
  register_kernel("batch_matmul", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) { batch_matmul<decltype(tag)>(ctx); });
  });
}

}  // namespace dagnet::cuda
