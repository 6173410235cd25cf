// NumPy broadcasting for shape rules: right-aligned, a dim of 1 stretches, an unknown
// dim (-1) yields to a known one other than 1.
#pragma once
#include <vector>

#include "graph/op.h"

namespace dagnet {

Shape broadcast_shapes(const std::vector<Shape>& shapes, const InferContext& ctx);

}  // namespace dagnet
