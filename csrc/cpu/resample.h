// The CPU kernel of a separable resampling pass (core/resample_pass.h): resize, UpSampling
// and their gradients (the same pass over transposed tables).
#pragma once
#include "core/resample_pass.h"

namespace dagnet::cpu {

template <typename T>
void resample_pass(const ResamplePass& p, const T* x, T* y);

// Two passes over adjacent axes at once (a fused ResamplePlan): x is (outer, rows.in_len,
// cols.in_len, inner) with outer = rows.outer and inner = cols.inner, and
//   y[a, i, j, b] = sum_k sum_l rows.weight[i, k] cols.weight[j, l] x[a, rs[i] + k, cs[j] + l, b].
// Neither table reads the fill value.
template <typename T>
void resample_2d(const ResamplePass& rows, const ResamplePass& cols, const T* x, T* y);

}  // namespace dagnet::cpu
