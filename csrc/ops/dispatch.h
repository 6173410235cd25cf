// Small helpers shared by op definitions.
#pragma once
#include "core/error.h"
#include "graph/autodiff.h"
#include "graph/graph.h"

namespace dagnet {

// Calls fn(T{}) with T = float or double according to dtype.
template <typename Fn>
void dispatch_float(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: fn(float{}); return;
    case DType::f64: fn(double{}); return;
    default: fail(ErrorKind::Type, "expected a float tensor, got ", dtype_name(dtype));
  }
}

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

// Merge two dims that must agree (unknown yields to known).
inline int64_t merge_dim(int64_t a, int64_t b) { return a < 0 ? b : a; }

inline Attrs attrs_of(std::initializer_list<std::pair<const char*, AttrValue>> items) {
  Attrs a;
  for (const auto& [k, v] : items) a.set(k, v);
  return a;
}

}  // namespace dagnet
