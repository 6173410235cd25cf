// reduce / reduce_grad prepared state (parsed once per plan) and the combine rule the CUDA
// kernels (cuda/reduce.cu) share with the CPU's semantics (cpu/reduce.cpp, ops/reduce_axes.cpp):
// floating sums, means and products accumulate in double; integer ones in int64 with
// wrap-around on the contiguous-block path (cpu::collapse_reduction) and in double on the
// CPU's generic strided path, which `block` records so both devices give the same integers.
#pragma once
#include <type_traits>

#include "ops/convert.h"
#include "ops/host_device.h"
#include "ops/kinds.h"
#include "ops/strided_index.h"

namespace dagnet {

struct ReducePrepared {
  ReduceKind kind;
  ReduceIndex index;  // built for CUDA plans only
  bool block = true;  // the reduced axes form one block (cpu::collapse_reduction)
};

template <typename A>
DAGNET_HOST_DEVICE inline A reduce_init(ReduceKind kind) {
  return kind == ReduceKind::Prod ? A(1) : A(0);
}

// One step of a reduction; max/min as std::max/std::min (NaN handling as the CPU's).
template <typename A>
DAGNET_HOST_DEVICE inline A reduce_combine(ReduceKind kind, A a, A v) {
  switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      if constexpr (std::is_integral_v<A>) return wrapping_add(a, v);
      else return a + v;
    case ReduceKind::Prod:
      if constexpr (std::is_integral_v<A>) return wrapping_mul(a, v);
      else return a * v;
    case ReduceKind::Max: return v > a ? v : a;
    case ReduceKind::Min: return v < a ? v : a;
  }
  return a;
}

}  // namespace dagnet
