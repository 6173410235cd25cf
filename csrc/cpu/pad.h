// Constant padding: y = x placed at offset `before` (per axis) inside a tensor filled with
// `value`. Parallel over the output's rows (all axes but the last).
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace dagnet::cpu {

template <typename T>
void pad_constant(const T* x, const Shape& x_shape, const std::vector<int64_t>& before, const Shape& y_shape, T value,
                  T* y);

}  // namespace dagnet::cpu
