// CUDA kernels of attention and attention_grad (layouts and rules: ops/attention_layout.h).
// The GEMMs of every (batch, head) pair of a chunk of batch entries run as one cuBLAS
// batched GEMM over pointer arrays (built on the device at the workspace's start), reading
// Q, K, V and writing the output in Keras's (B, T, N, H) layout in place; the masked
// softmax, dropout and their gradients run one warp per row of scores, with the same
// per-element rules as the CPU kernels (attention_visible, attention_keeps).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>

#include "cuda/blas.cuh"
#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"
#include "ops/attention_layout.h"

namespace dagnet::cuda {

namespace {
constexpr int kWarp = 32;

// Where a batched GEMM operand of pair (b, n) starts: in one of the op's tensors, or in a
// chunk buffer of (pairs, T, S) scores.
enum class Operand : int { Query, Key, Value, Output, Probs, Chunk };

__host__ __device__ inline int64_t operand_offset(const AttentionShape& s, Operand kind, int64_t b, int64_t n,
                                                  int64_t pair) {
  switch (kind) {
    case Operand::Query: return s.q_offset(b, 0, n);
    case Operand::Key: return s.k_offset(b, 0, n);
    case Operand::Value: return s.v_offset(b, 0, n);
    case Operand::Output: return s.out_offset(b, 0, n);
    case Operand::Probs: return s.probs_offset(b, n, 0);
    case Operand::Chunk: return pair * s.q_len * s.kv_len;
  }
  return 0;
}

struct GemmOperands {
  const void* base[3];
  Operand kind[3];
};

template <typename T>
__global__ void fill_pointers(AttentionShape s, int64_t b0, int64_t pairs, GemmOperands ops, T** out) {
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; p < pairs;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = b0 + p / s.heads, n = p % s.heads;
    for (int m = 0; m < 3; ++m)
      out[m * pairs + p] = const_cast<T*>(static_cast<const T*>(ops.base[m])) + operand_offset(s, ops.kind[m], b, n, p);
  }
}

int as_int(int64_t v) {
  check(v >= 0 && v <= INT_MAX, ErrorKind::Value, "attention: a dimension of ", v, " is beyond cuBLAS's int range");
  return static_cast<int>(v);
}

// One batched GEMM over the pairs of batch entries [b0, b0 + pairs / heads).
template <typename T>
void run_gemm(const KernelContext& ctx, const AttentionShape& s, int64_t b0, int64_t pairs, GemmOperands ops, bool ta,
              bool tb, int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  if (k == 0) {  // an empty contraction (key_dim or value_dim 0): zero scores. Other targets have k > 0 here.
    check(ops.kind[2] == Operand::Chunk, ErrorKind::Runtime, "attention: an empty product into an operand tensor");
    check_cuda(cudaMemsetAsync(const_cast<void*>(ops.base[2]), 0, pairs * s.q_len * s.kv_len * sizeof(T), stream(ctx)),
               "attention (zero scores)");
    return;
  }
  T** pointers = static_cast<T**>(ctx.workspace);
  fill_pointers<T><<<blocks_for(pairs), kThreads, 0, stream(ctx)>>>(s, b0, pairs, ops, pointers);
  check_launch("attention (pointer arrays)");
  check_cublas(gemm_batched(blas(ctx), ta, tb, as_int(m), as_int(n), as_int(k), pointers, as_int(lda), pointers + pairs,
                            as_int(ldb), pointers + 2 * pairs, as_int(ldc), as_int(pairs)),
               "attention (cuBLAS batched GEMM)");
}

template <typename T>
__device__ T warp_max(T v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v = max(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
template <typename T>
__device__ T warp_sum(T v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

struct RowIndex {
  int64_t b, n, i;
};
__device__ inline RowIndex row_index(const AttentionShape& s, int64_t b0, int64_t r) {
  const int64_t pair = r / s.q_len;
  return {b0 + pair / s.heads, pair % s.heads, r % s.q_len};
}

// Scores (raw q.k) -> probabilities (written to `probs` when kept) and, in place, the
// probabilities after dropout (what multiplies V).
template <typename T>
__global__ void softmax_rows(AttentionShape s, int64_t b0, int64_t rows, const T* mask, const int64_t* counter,
                             T* scores, T* probs) {
  const uint64_t rng = counter ? rng_stream(s.seed, *counter) : 0;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  const T scale = static_cast<T>(s.scale), keep_scale = static_cast<T>(s.keep_scale());
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp; r < rows; r += warps) {
    const RowIndex at = row_index(s, b0, r);
    T* row = scores + r * s.kv_len;
    T m = -INFINITY;
    int any = 0;
    for (int64_t j = lane; j < s.kv_len; j += kWarp)
      if (attention_visible(s, mask, at.b, at.n, at.i, j)) {
        m = max(m, row[j] * scale);
        any = 1;
      }
    m = warp_max(m);
    any = __any_sync(0xffffffffu, any);
    T sum = 0;
    if (any) {
      for (int64_t j = lane; j < s.kv_len; j += kWarp)
        if (attention_visible(s, mask, at.b, at.n, at.i, j)) sum += exp(row[j] * scale - m);
      sum = warp_sum(sum);
    }
    const T empty = attention_empty_row_value<T>(s);
    T* probs_row = probs ? probs + s.probs_offset(at.b, at.n, at.i) : nullptr;
    for (int64_t j = lane; j < s.kv_len; j += kWarp) {
      T p = empty;
      if (any) p = attention_visible(s, mask, at.b, at.n, at.i, j) ? exp(row[j] * scale - m) / sum : T(0);
      if (probs_row) probs_row[j] = p;
      row[j] = attention_keeps(s, rng, at.b, at.n, at.i, j) ? p * keep_scale : T(0);
    }
  }
}

// The probabilities of a chunk after dropout (for dV = Pd^T dO).
template <typename T>
__global__ void dropped_probs(AttentionShape s, int64_t b0, int64_t count, const int64_t* counter, const T* probs,
                              T* out) {
  const uint64_t rng = rng_stream(s.seed, *counter);
  const T keep_scale = static_cast<T>(s.keep_scale());
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < count;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const RowIndex at = row_index(s, b0, e / s.kv_len);
    const int64_t j = e % s.kv_len;
    const T p = probs[s.probs_offset(at.b, at.n, at.i) + j];
    out[e] = attention_keeps(s, rng, at.b, at.n, at.i, j) ? p * keep_scale : T(0);
  }
}

// d(dropped probabilities) -> d(logits), in place: through dropout, plus the gradient that
// reaches the probabilities directly, then through the masked softmax and the scale.
template <typename T>
__global__ void softmax_grad_rows(AttentionShape s, int64_t b0, int64_t rows, const T* mask, const int64_t* counter,
                                  const T* probs, const T* dprobs, T* grad) {
  const uint64_t rng = counter ? rng_stream(s.seed, *counter) : 0;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  const T scale = static_cast<T>(s.scale), keep_scale = static_cast<T>(s.keep_scale());
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp; r < rows; r += warps) {
    const RowIndex at = row_index(s, b0, r);
    const int64_t offset = s.probs_offset(at.b, at.n, at.i);
    const T* p = probs + offset;
    T* g = grad + r * s.kv_len;
    T dot = 0;
    for (int64_t j = lane; j < s.kv_len; j += kWarp) {
      T gj = attention_keeps(s, rng, at.b, at.n, at.i, j) ? g[j] * keep_scale : T(0);
      if (dprobs) gj += dprobs[offset + j];
      g[j] = gj;
      dot += p[j] * gj;
    }
    dot = warp_sum(dot);
    for (int64_t j = lane; j < s.kv_len; j += kWarp)
      g[j] = attention_visible(s, mask, at.b, at.n, at.i, j) ? p[j] * (g[j] - dot) * scale : T(0);
  }
}

unsigned row_blocks(int64_t rows) { return blocks_for(rows * kWarp); }

void zero(const Tensor& t, cudaStream_t st) {
  if (t.nbytes()) check_cuda(cudaMemsetAsync(t.raw(), 0, t.nbytes(), st), "attention (zero fill)");
}

template <typename T>
T* chunk_buffer(const KernelContext& ctx, const AttentionShape& s, int index) {
  char* base = static_cast<char*>(ctx.workspace) + attention_device_pointer_bytes(s);
  return reinterpret_cast<T*>(base) + index * attention_device_chunk(s) * s.heads * s.q_len * s.kv_len;
}

template <typename T>
void forward(const KernelContext& ctx) {
  const AttentionShape& s = ctx.prepared<AttentionShape>();
  const T *q = ctx.inputs[0].data<T>(), *k = ctx.inputs[1].data<T>(), *v = ctx.inputs[2].data<T>();
  const int mask_at = s.mask_input(3), counter_at = s.counter_input(3);
  const T* mask = mask_at >= 0 ? ctx.inputs[mask_at].data<T>() : nullptr;
  // The dropout counter stays on the device: the kernels read it (no host round trip).
  const int64_t* counter = counter_at >= 0 ? ctx.inputs[counter_at].data<int64_t>() : nullptr;
  T* out = ctx.outputs[0].data<T>();
  T* probs = ctx.outputs[1].defined() ? ctx.outputs[1].data<T>() : nullptr;
  if (s.kv_len == 0 || s.q_len == 0 || s.batch == 0 || s.heads == 0) {
    zero(ctx.outputs[0], stream(ctx));
    return;
  }
  const int64_t chunk = attention_device_chunk(s);
  T* scores = chunk_buffer<T>(ctx, s, 0);
  for (int64_t b0 = 0; b0 < s.batch; b0 += chunk) {
    const int64_t entries = b0 + chunk <= s.batch ? chunk : s.batch - b0, pairs = entries * s.heads;
    run_gemm<T>(ctx, s, b0, pairs, {{q, k, scores}, {Operand::Query, Operand::Key, Operand::Chunk}}, false, true,
                s.q_len, s.kv_len, s.key_dim, s.ld_qk(), s.ld_qk(), s.kv_len);
    const int64_t rows = pairs * s.q_len;
    softmax_rows<T><<<row_blocks(rows), kThreads, 0, stream(ctx)>>>(s, b0, rows, mask, counter, scores, probs);
    check_launch("attention (softmax)");
    run_gemm<T>(ctx, s, b0, pairs, {{scores, v, out}, {Operand::Chunk, Operand::Value, Operand::Output}}, false, false,
                s.q_len, s.value_dim, s.kv_len, s.kv_len, s.ld_v(), s.ld_v());
  }
}

template <typename T>
void backward(const KernelContext& ctx) {
  const AttentionShape& s = ctx.prepared<AttentionShape>();
  const T *dout = ctx.inputs[0].data<T>(), *q = ctx.inputs[1].data<T>(), *k = ctx.inputs[2].data<T>();
  const T *v = ctx.inputs[3].data<T>(), *probs = ctx.inputs[4].data<T>();
  const int mask_at = s.mask_input(5), counter_at = s.counter_input(5), dprobs_at = s.probs_grad_input(5);
  const T* mask = mask_at >= 0 ? ctx.inputs[mask_at].data<T>() : nullptr;
  const T* dprobs = dprobs_at >= 0 ? ctx.inputs[dprobs_at].data<T>() : nullptr;
  T *dq = ctx.outputs[0].data<T>(), *dk = ctx.outputs[1].data<T>(), *dv = ctx.outputs[2].data<T>();
  if (s.kv_len == 0 || s.q_len == 0 || s.batch == 0 || s.heads == 0) {
    for (const Tensor& t : ctx.outputs) zero(t, stream(ctx));
    return;
  }
  const int64_t* counter = counter_at >= 0 ? ctx.inputs[counter_at].data<int64_t>() : nullptr;
  const int64_t chunk = attention_device_chunk(s);
  T* dropped = chunk_buffer<T>(ctx, s, 0);
  T* grad = chunk_buffer<T>(ctx, s, 1);
  for (int64_t b0 = 0; b0 < s.batch; b0 += chunk) {
    const int64_t entries = b0 + chunk <= s.batch ? chunk : s.batch - b0, pairs = entries * s.heads;
    const int64_t rows = pairs * s.q_len;
    GemmOperands pd = {{probs, dout, dv}, {Operand::Probs, Operand::Output, Operand::Value}};
    if (s.dropout > 0) {
      dropped_probs<T>
          <<<blocks_for(rows * s.kv_len), kThreads, 0, stream(ctx)>>>(s, b0, rows * s.kv_len, counter, probs, dropped);
      check_launch("attention_grad (dropout)");
      pd = {{dropped, dout, dv}, {Operand::Chunk, Operand::Output, Operand::Value}};
    }
    // dV = Pd^T dO ; dPd = dO V^T
    run_gemm<T>(ctx, s, b0, pairs, pd, true, false, s.kv_len, s.value_dim, s.q_len, s.kv_len, s.ld_v(), s.ld_v());
    run_gemm<T>(ctx, s, b0, pairs, {{dout, v, grad}, {Operand::Output, Operand::Value, Operand::Chunk}}, false, true,
                s.q_len, s.kv_len, s.value_dim, s.ld_v(), s.ld_v(), s.kv_len);
    softmax_grad_rows<T>
        <<<row_blocks(rows), kThreads, 0, stream(ctx)>>>(s, b0, rows, mask, counter, probs, dprobs, grad);
    check_launch("attention_grad (softmax)");
    // dQ = dS K ; dK = dS^T Q
    run_gemm<T>(ctx, s, b0, pairs, {{grad, k, dq}, {Operand::Chunk, Operand::Key, Operand::Query}}, false, false,
                s.q_len, s.key_dim, s.kv_len, s.kv_len, s.ld_qk(), s.ld_qk());
    run_gemm<T>(ctx, s, b0, pairs, {{grad, q, dk}, {Operand::Chunk, Operand::Query, Operand::Key}}, true, false,
                s.kv_len, s.key_dim, s.q_len, s.kv_len, s.ld_qk(), s.ld_qk());
  }
}

template <template <typename> class Fn>
void by_dtype(const KernelContext& ctx, DType dtype, const char* what) {
  switch (dtype) {
    case DType::f32: Fn<float>::run(ctx); return;
    case DType::f64: Fn<double>::run(ctx); return;
    default: fail(ErrorKind::Type, what, ": expected a float tensor, got ", dtype_name(dtype));
  }
}
template <typename T>
struct Forward {
  static void run(const KernelContext& ctx) { forward<T>(ctx); }
};
template <typename T>
struct Backward {
  static void run(const KernelContext& ctx) { backward<T>(ctx); }
};
}  // namespace

void register_attention_kernels() {
  register_kernel("attention", DeviceType::CUDA,
                  [](const KernelContext& ctx) { by_dtype<Forward>(ctx, ctx.inputs[0].dtype(), "attention"); });
  register_kernel("attention_grad", DeviceType::CUDA,
                  [](const KernelContext& ctx) { by_dtype<Backward>(ctx, ctx.inputs[0].dtype(), "attention_grad"); });
}

}  // namespace dagnet::cuda
