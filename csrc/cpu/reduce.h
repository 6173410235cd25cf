// Reductions over one contiguous block of axes: x viewed as (outer, middle, inner) is
// reduced over `middle` into y (outer, inner). Any set of reduced axes that is one block
// once size-1 axes are dropped (all axes, the last ones, the leading ones, a middle
// run) takes this path; other sets use the op's generic strided walk.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"
#include "ops/kinds.h"

namespace dagnet::cpu {

using dagnet::ReduceKind;

struct ReduceGeometry {
  int64_t outer = 1, middle = 1, inner = 1;
};

// The (outer, middle, inner) view of `shape` reduced over the flagged axes, if one exists.
bool collapse_reduction(const Shape& shape, const std::vector<bool>& reduced, ReduceGeometry* geometry);

// y[o, i] = reduction of x[o, :, i]. Sums, means and products accumulate in double (int64
// for integers); results do not depend on the thread count. Max/min need middle > 0.
template <typename T>
void reduce_middle(const T* x, const ReduceGeometry& g, ReduceKind kind, T* y);

// dx[o, r, i] = g[o, i] (divided by middle for a mean): the gradient of a sum or mean.
template <typename T>
void spread_middle(const T* g, const ReduceGeometry& geometry, bool mean, T* dx);

}  // namespace dagnet::cpu
