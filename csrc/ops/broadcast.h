// NumPy broadcasting for shape rules: right-aligned, a dim of 1 stretches, an unknown
// dim (-1) yields to a known one other than 1.
#pragma once
#include <vector>

#include "graph/op.h"

namespace dagnet {

Shape broadcast_shapes(const std::vector<Shape>& shapes, const InferContext& ctx);

// Calls fn(T{}) for any engine dtype.
template <typename Fn>
void dispatch_any(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: fn(float{}); return;
    case DType::f64: fn(double{}); return;
    case DType::i32: fn(int32_t{}); return;
    case DType::i64: fn(int64_t{}); return;
  }
}

}  // namespace dagnet
