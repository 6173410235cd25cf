// CUDA kernels of the loss ops and their gradients (ops/losses.cpp) and of accuracy
// (ops/metrics.cpp). One thread per row runs ops/loss_math.h's row formula (the CPU's
// code); the batch mean's sum and divisor are single-block tree reductions, so two runs
// give the same bits. Sparse labels are validated by one block that scans them in order
// and reports the first bad one through the device error record with the CPU's code and
// fields, so the Python error is the same; later kernels skip rows with a bad label.
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/kernel_support.cuh"
#include "cuda/reduce_support.cuh"
#include "ops/accuracy_math.h"
#include "ops/dispatch.h"
#include "ops/loss_layout.h"
#include "ops/loss_math.h"

namespace dagnet::cuda {

namespace {
struct AndOp {
  __device__ int operator()(int a, int b) const { return a & b; }
};
struct MinOp {
  __device__ int64_t operator()(int64_t a, int64_t b) const { return b < a ? b : a; }
};

// The scalars block of the workspace (ops/loss_layout.h): [0] the mean's divisor, [1] 1.0
// when hinge labels are all 0/1.
struct LossScalars {
  double divisor, binary;
};

bool is_hinge(Loss loss) { return loss == Loss::Hinge || loss == Loss::SquaredHinge; }

// One block: the divisor (rows, or the mask's nonzero count) and, for hinge, whether
// every target is 0 or 1.
template <typename T>
__global__ void scalars_kernel(const T* target, int64_t elements, const T* mask, int64_t rows, bool hinge,
                               LossScalars* out) {
  double valid = 0;
  if (mask)
    for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) valid += mask[r] != T(0) ? 1.0 : 0.0;
  valid = block_reduce(valid, AddOp{});
  int binary = 1;
  if (hinge)
    for (int64_t i = threadIdx.x; i < elements; i += blockDim.x) binary &= target[i] == T(0) || target[i] == T(1);
  binary = block_reduce(binary, AndOp{});
  if (threadIdx.x == 0) {
    out->divisor = mask ? valid : static_cast<double>(rows);
    out->binary = hinge && binary ? 1.0 : 0.0;
  }
}

template <typename T>
__global__ void rows_kernel(Loss loss, const T* pred, const T* target, int64_t rows, int64_t cols, const T* mask,
                            const T* weights, double param, const LossScalars* scalars, double* per_row) {
  const bool binary = scalars->binary != 0;
  for (int64_t r = grid_first(); r < rows; r += grid_step())
    per_row[r] = (mask && mask[r] == T(0))
                     ? 0.0
                     : (weights ? static_cast<double>(weights[r]) : 1.0) *
                           loss_row(loss, pred + r * cols, target + r * cols, cols, param, binary);
}

// One block: out = sum(per_row) / divisor (0 when nothing is valid).
template <typename T>
__global__ void mean_kernel(const double* per_row, int64_t rows, const LossScalars* scalars, T* out) {
  double total = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) total += per_row[r];
  total = block_reduce(total, AddOp{});
  if (threadIdx.x == 0) {
    const double divisor = scalars->divisor;
    *out = divisor > 0 ? static_cast<T>(total / divisor) : T(0);
  }
}

template <typename T>
__global__ void grad_rows_kernel(Loss loss, const T* upstream, const T* pred, const T* target, int64_t rows,
                                 int64_t cols, const T* mask, const T* weights, double param,
                                 const LossScalars* scalars, T* d_pred) {
  const bool binary = scalars->binary != 0;
  const double divisor = scalars->divisor;
  const T row_scale = divisor > 0 ? static_cast<T>(*upstream / divisor) : T(0);
  for (int64_t r = grid_first(); r < rows; r += grid_step()) {
    T* d = d_pred + r * cols;
    if (mask && mask[r] == T(0)) {
      for (int64_t c = 0; c < cols; ++c) d[c] = T(0);
      continue;
    }
    const T per_row = weights ? row_scale * weights[r] : row_scale;
    loss_row_grad(loss, per_row, pred + r * cols, target + r * cols, cols, d, param, binary);
  }
}

// One block, in order: labels as int64 (-1 where invalid) and the first invalid one reported
// with the CPU's fields (position, the value as a double, the class count).
template <typename L>
__global__ void labels_kernel(const L* labels, int64_t n, int64_t classes, int64_t* out, DeviceError* error,
                              int32_t step) {
  for (int64_t start = 0; start < n; start += blockDim.x) {
    const int64_t i = start + threadIdx.x;
    const double v = i < n ? static_cast<double>(labels[i]) : 0.0;
    const bool bad = i < n && !valid_label(v, classes);
    if (i < n) out[i] = bad ? -1 : static_cast<int64_t>(v);
    const int64_t first_bad = block_reduce(bad ? i : INT64_MAX, MinOp{});
    if (first_bad == INT64_MAX) continue;
    if (i == first_bad) report_error(error, kErrorLabelOutOfRange, step, i, 0, v, classes);
    return;  // the CPU stops at the first bad label
  }
}

template <typename T>
__global__ void sparse_rows_kernel(bool from_logits, const T* pred, const int64_t* labels, int64_t rows, int64_t cols,
                                   const T* mask, const T* weights, double* per_row) {
  for (int64_t r = grid_first(); r < rows; r += grid_step())
    per_row[r] = (mask && mask[r] == T(0)) || labels[r] < 0
                     ? 0.0
                     : (weights ? static_cast<double>(weights[r]) : 1.0) *
                           sparse_row(from_logits, pred + r * cols, labels[r], cols);
}

template <typename T>
__global__ void sparse_grad_rows_kernel(bool from_logits, const T* upstream, const T* pred, const int64_t* labels,
                                        int64_t rows, int64_t cols, const T* mask, const T* weights,
                                        const LossScalars* scalars, T* d_pred) {
  const double divisor = scalars->divisor;
  const T row_scale = divisor > 0 ? static_cast<T>(*upstream / divisor) : T(0);
  for (int64_t r = grid_first(); r < rows; r += grid_step()) {
    T* d = d_pred + r * cols;
    if ((mask && mask[r] == T(0)) || labels[r] < 0) {
      for (int64_t c = 0; c < cols; ++c) d[c] = T(0);
      continue;
    }
    const T per_row = weights ? row_scale * weights[r] : row_scale;
    sparse_row_grad(from_logits, per_row, pred + r * cols, labels[r], cols, d);
  }
}

// One block: sum over rows of w * correct and w * count, then their ratio.
template <typename T, typename V, typename W>
__global__ void accuracy_kernel(AccuracyPrepared a, const T* pred, const V* target, const W* weights, int64_t rows,
                                int64_t cols, T* out) {
  double correct = 0, total = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    const double w = weights ? static_cast<double>(weights[r]) : 1.0;
    if (w == 0) continue;
    double hits = 0, count = 0;
    accuracy_row(a, pred, target, r, cols, hits, count);
    correct += w * hits;
    total += w * count;
  }
  correct = block_reduce(correct, AddOp{});
  total = block_reduce(total, AddOp{});
  if (threadIdx.x == 0) *out = static_cast<T>(total != 0 ? correct / total : 0.0);
}

template <typename T>
const T* optional_input(const KernelContext& ctx, size_t index) {
  return index ? ctx.inputs[index].data<T>() : nullptr;
}

// y_pred's rows (every axis but the last) and columns (the last axis).
int64_t rows_of(const Tensor& pred) { return product(pred.shape(), 0, pred.rank() - 1); }
int64_t cols_of(const Tensor& pred) { return pred.shape().back(); }

char* at_bytes(const KernelContext& ctx, size_t offset) { return static_cast<char*>(ctx.workspace) + offset; }

void loss_forward(Loss loss, const KernelContext& ctx) {
  const LossPrepared& p = ctx.prepared<LossPrepared>();
  const Tensor &pred = ctx.inputs[0], &target = ctx.inputs[1];
  const int64_t rows = rows_of(pred), cols = cols_of(pred);
  double* per_row = static_cast<double*>(ctx.workspace);
  auto* scalars = reinterpret_cast<LossScalars*>(at_bytes(ctx, loss_rows_bytes(pred.shape())));
  const cudaStream_t s = stream(ctx);
  dispatch_float(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *mask = optional_input<T>(ctx, p.e.mask), *weights = optional_input<T>(ctx, p.e.weights);
    scalars_kernel<T><<<1, kThreads, 0, s>>>(target.data<T>(), target.numel(), mask, rows, is_hinge(loss), scalars);
    if (rows > 0)
      rows_kernel<T><<<blocks_for(rows), kThreads, 0, s>>>(loss, pred.data<T>(), target.data<T>(), rows, cols, mask,
                                                           weights, p.delta, scalars, per_row);
    mean_kernel<T><<<1, kThreads, 0, s>>>(per_row, rows, scalars, ctx.outputs[0].data<T>());
    check_launch("loss");
  });
}

void loss_backward(Loss loss, const KernelContext& ctx) {
  const LossPrepared& p = ctx.prepared<LossPrepared>();
  const Tensor &g = ctx.inputs[0], &pred = ctx.inputs[1], &target = ctx.inputs[2];
  const int64_t rows = rows_of(pred), cols = cols_of(pred);
  if (rows == 0) return;
  auto* scalars = static_cast<LossScalars*>(ctx.workspace);
  const cudaStream_t s = stream(ctx);
  dispatch_float(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *mask = optional_input<T>(ctx, p.e.mask), *weights = optional_input<T>(ctx, p.e.weights);
    scalars_kernel<T><<<1, kThreads, 0, s>>>(target.data<T>(), target.numel(), mask, rows, is_hinge(loss), scalars);
    grad_rows_kernel<T><<<blocks_for(rows), kThreads, 0, s>>>(loss, g.data<T>(), pred.data<T>(), target.data<T>(), rows,
                                                              cols, mask, weights, p.delta, scalars,
                                                              ctx.outputs[0].data<T>());
    check_launch("loss_grad");
  });
}

// Labels into the workspace's first block (validated, reported as the CPU does).
void checked_labels(const KernelContext& ctx, const Tensor& labels, int64_t classes) {
  auto* out = static_cast<int64_t*>(ctx.workspace);
  if (labels.numel() == 0) return;
  dispatch_any(labels.dtype(), [&](auto tag) {
    using L = decltype(tag);
    labels_kernel<L>
        <<<1, kThreads, 0, stream(ctx)>>>(labels.data<L>(), labels.numel(), classes, out, ctx.device->error, ctx.step);
  });
  check_launch("sparse labels");
}

void sparse_forward(bool from_logits, const KernelContext& ctx) {
  const LossPrepared& p = ctx.prepared<LossPrepared>();
  const Tensor &pred = ctx.inputs[0], &labels = ctx.inputs[1];
  const int64_t rows = rows_of(pred), cols = cols_of(pred);
  checked_labels(ctx, labels, cols);
  const size_t labels_bytes = loss_labels_bytes(labels.shape());
  auto* per_row = reinterpret_cast<double*>(at_bytes(ctx, labels_bytes));
  auto* scalars = reinterpret_cast<LossScalars*>(at_bytes(ctx, labels_bytes + loss_rows_bytes(pred.shape())));
  const cudaStream_t s = stream(ctx);
  dispatch_float(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *mask = optional_input<T>(ctx, p.e.mask), *weights = optional_input<T>(ctx, p.e.weights);
    scalars_kernel<T><<<1, kThreads, 0, s>>>(nullptr, 0, mask, rows, false, scalars);
    if (rows > 0)
      sparse_rows_kernel<T><<<blocks_for(rows), kThreads, 0, s>>>(
          from_logits, pred.data<T>(), static_cast<const int64_t*>(ctx.workspace), rows, cols, mask, weights, per_row);
    mean_kernel<T><<<1, kThreads, 0, s>>>(per_row, rows, scalars, ctx.outputs[0].data<T>());
    check_launch("sparse_categorical_crossentropy");
  });
}

void sparse_backward(bool from_logits, const KernelContext& ctx) {
  const LossPrepared& p = ctx.prepared<LossPrepared>();
  const Tensor &g = ctx.inputs[0], &pred = ctx.inputs[1], &labels = ctx.inputs[2];
  const int64_t rows = rows_of(pred), cols = cols_of(pred);
  if (rows == 0) return;
  checked_labels(ctx, labels, cols);
  auto* scalars = reinterpret_cast<LossScalars*>(at_bytes(ctx, loss_labels_bytes(labels.shape())));
  const cudaStream_t s = stream(ctx);
  dispatch_float(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *mask = optional_input<T>(ctx, p.e.mask), *weights = optional_input<T>(ctx, p.e.weights);
    scalars_kernel<T><<<1, kThreads, 0, s>>>(nullptr, 0, mask, rows, false, scalars);
    sparse_grad_rows_kernel<T><<<blocks_for(rows), kThreads, 0, s>>>(
        from_logits, g.data<T>(), pred.data<T>(), static_cast<const int64_t*>(ctx.workspace), rows, cols, mask, weights,
        scalars, ctx.outputs[0].data<T>());
    check_launch("sparse_categorical_crossentropy_grad");
  });
}

void accuracy(const KernelContext& ctx) {
  const AccuracyPrepared& a = ctx.prepared<AccuracyPrepared>();
  const Tensor &pred = ctx.inputs[0], &target = ctx.inputs[1];
  const int64_t rows = rows_of(pred), cols = cols_of(pred);
  const bool weighted = ctx.inputs.size() == 3;
  dispatch_float(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    dispatch_any(target.dtype(), [&](auto target_tag) {
      using V = decltype(target_tag);
      // The row weights share y_pred's dtype or not; read them as doubles either way.
      const DType wtype = weighted ? ctx.inputs[2].dtype() : pred.dtype();
      dispatch_any(wtype, [&](auto weight_tag) {
        using W = decltype(weight_tag);
        accuracy_kernel<T, V, W><<<1, kThreads, 0, stream(ctx)>>>(a, pred.data<T>(), target.data<V>(),
                                                                  weighted ? ctx.inputs[2].data<W>() : nullptr, rows,
                                                                  cols, ctx.outputs[0].data<T>());
      });
    });
  });
  check_launch("accuracy");
}

struct DenseLoss {
  const char* name;
  Loss loss;
};
constexpr DenseLoss kDenseLosses[] = {
    {"mse", Loss::MeanSquaredError},
    {"mae", Loss::MeanAbsoluteError},
    {"binary_crossentropy", Loss::BinaryCrossentropy},
    {"categorical_crossentropy", Loss::CategoricalCrossentropy},
    {"binary_crossentropy_logits", Loss::BinaryCrossentropyLogits},
    {"categorical_crossentropy_logits", Loss::CategoricalCrossentropyLogits},
    {"huber", Loss::Huber},
    {"log_cosh", Loss::LogCosh},
    {"hinge", Loss::Hinge},
    {"squared_hinge", Loss::SquaredHinge},
    {"categorical_hinge", Loss::CategoricalHinge},
    {"kl_divergence", Loss::KLDivergence},
    {"poisson", Loss::Poisson},
    {"cosine_similarity", Loss::CosineSimilarity},
    {"mean_squared_logarithmic_error", Loss::MeanSquaredLogarithmicError},
    {"mean_absolute_percentage_error", Loss::MeanAbsolutePercentageError},
};
}  // namespace

void register_loss_cuda_kernels() {
  for (const DenseLoss& l : kDenseLosses) {
    const Loss loss = l.loss;
    register_kernel(l.name, DeviceType::CUDA, [loss](const KernelContext& ctx) { loss_forward(loss, ctx); });
    register_kernel(std::string(l.name) + "_grad", DeviceType::CUDA,
                    [loss](const KernelContext& ctx) { loss_backward(loss, ctx); });
  }
  for (bool from_logits : {false, true}) {
    const std::string name = from_logits ? "sparse_categorical_crossentropy_logits" : "sparse_categorical_crossentropy";
    register_kernel(name, DeviceType::CUDA,
                    [from_logits](const KernelContext& ctx) { sparse_forward(from_logits, ctx); });
    register_kernel(name + "_grad", DeviceType::CUDA,
                    [from_logits](const KernelContext& ctx) { sparse_backward(from_logits, ctx); });
  }
  register_kernel("accuracy", DeviceType::CUDA, accuracy);
}

}  // namespace dagnet::cuda
