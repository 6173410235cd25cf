// CPU kernels of the normalization ops over the [outer, rows, kept, inner] view of
// ops/normalization_layout.h. Work is split into tasks of (outer, block of rows, block
// of kept) sized from the shapes alone, so results do not depend on the thread count.
// When one task holds every row of its statistics (layer and group norms, small batch
// norms) it computes them and normalizes its block while it is in cache: one pass over
// memory each way. Otherwise (a batch norm over many rows) partial sums per block of rows
// are combined first, then a second parallel pass writes the outputs.
// Sums are taken in double (about the first element of each statistic, so a large mean
// costs no precision); the elementwise passes run in T.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops/normalization_layout.h"

namespace dagnet::cpu {

using dagnet::NormLayout;
using dagnet::NormMode;
using dagnet::NormSetup;

// The tensors of one call; null where the node has no such input or output.
template <typename T>
struct NormArgs {
  const T* x = nullptr;
  const T* gamma = nullptr;    // null: scale 1
  const T* beta = nullptr;     // null: offset 0
  const T* weights = nullptr;  // mask weights per (outer, row), weighted moments only
  const T* mean_in = nullptr;  // the statistics (normalize_with_stats, and every backward)
  const T* var_in = nullptr;
  const T* dy = nullptr;        // backward
  const T* dmean_in = nullptr;  // gradients reaching the statistics outputs (stat_grads)
  const T* dvar_in = nullptr;
  T* y = nullptr;
  T* mean = nullptr;  // forward statistics, when the graph reads them
  T* var = nullptr;
  T* dx = nullptr;
  T* dgamma = nullptr;
  T* dbeta = nullptr;
  T* dmean = nullptr;  // fixed statistics only: gradients of mean_in / var_in
  T* dvar = nullptr;
};

// Scratch bytes the kernels below need for this setup and element type.
size_t norm_scratch_bytes(const NormSetup& setup, size_t element_bytes);

// y (and mean/var when requested) from x; with setup.fixed_stats, from mean_in/var_in.
template <typename T>
void normalize_forward(const NormSetup& setup, const NormArgs<T>& a, void* scratch);
// dx (when requested), dgamma, dbeta (when requested), and dmean/dvar for fixed statistics.
template <typename T>
void normalize_backward(const NormSetup& setup, const NormArgs<T>& a, void* scratch);

// A batch norm in inference folded into the linear op before it (kernel's last axis is
// the channel): scale = gamma * rsqrt(var + epsilon); kernel_out = kernel * scale;
// bias_out = (bias - mean) * scale + beta. Null gamma/beta/bias: 1, 0, 0. `scale` is
// scratch for `channels` values.
template <typename T>
void fold_batch_norm(const T* kernel, const T* bias, const T* mean, const T* var, const T* gamma, const T* beta,
                     int64_t channels, int64_t kernel_size, double epsilon, T* kernel_out, T* bias_out, T* scale);

// variable = variable * momentum + value * (1 - momentum) (Keras's moving statistics).
template <typename T>
void moving_average_update(T* variable, const T* value, int64_t n, double momentum);

}  // namespace dagnet::cpu
