#include "cpu/reduce.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "core/thread_pool.h"
#include "cpu/convert.h"

namespace dagnet::cpu {

namespace {
// Rows longer than this are split into blocks reduced in parallel, then combined in
// block order, so the summation order is fixed for every thread count.
constexpr int64_t kBlock = 32768;
constexpr int64_t kInnerTile = 256;  // columns per task when reducing across rows
constexpr int kLanes = 16;           // independent accumulators: vectorisable, fewer rounding steps

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename A>
struct Combine {
  ReduceKind kind;
  A init() const {
    switch (kind) {
      case ReduceKind::Prod: return A(1);
      default: return A(0);
    }
  }
  A operator()(A a, A v) const {
    switch (kind) {
      case ReduceKind::Sum:
      case ReduceKind::Mean:
        if constexpr (std::is_integral_v<A>) return wrapping_add(a, v);  // NumPy's integer sums wrap
        else return a + v;
      case ReduceKind::Prod:
        if constexpr (std::is_integral_v<A>) return wrapping_mul(a, v);
        else return a * v;
      case ReduceKind::Max: return v > a ? v : a;
      case ReduceKind::Min: return v < a ? v : a;
    }
    return a;
  }
};

// One contiguous run, in kLanes interleaved accumulators. Max/min start from x[0].
template <typename A, typename T, ReduceKind K>
A reduce_run(const T* x, int64_t n) {
  const Combine<A> op{K};
  const bool extreme = K == ReduceKind::Max || K == ReduceKind::Min;
  const A start = extreme ? A(x[0]) : op.init();
  A lane[kLanes];
  for (int j = 0; j < kLanes; ++j) lane[j] = start;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] = op(lane[j], A(x[i + j]));
  A r = start;
  for (int j = 0; j < kLanes; ++j) r = op(r, lane[j]);
  for (; i < n; ++i) r = op(r, A(x[i]));
  return r;
}

template <typename A, typename T>
A reduce_run(const T* x, int64_t n, ReduceKind kind) {
  switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean: return reduce_run<A, T, ReduceKind::Sum>(x, n);
    case ReduceKind::Prod: return reduce_run<A, T, ReduceKind::Prod>(x, n);
    case ReduceKind::Max: return reduce_run<A, T, ReduceKind::Max>(x, n);
    case ReduceKind::Min: return reduce_run<A, T, ReduceKind::Min>(x, n);
  }
  return A(0);
}

template <typename T, typename A>
T finish(A value, ReduceKind kind, int64_t middle) {
  if (kind == ReduceKind::Mean) return convert<T>(static_cast<double>(value) / static_cast<double>(middle));
  return static_cast<T>(value);
}

// inner == 1: each output is one contiguous run of `middle` elements.
template <typename T>
void reduce_rows(const T* x, const ReduceGeometry& g, ReduceKind kind, T* y) {
  using Part = Acc<T>;
  const bool extreme = kind == ReduceKind::Max || kind == ReduceKind::Min;
  const int64_t blocks = std::max<int64_t>(1, (g.middle + kBlock - 1) / kBlock);
  std::vector<Part> partial(static_cast<size_t>(g.outer * blocks));
  parallel_for(g.outer * blocks, std::max<int64_t>(1, kBlock / std::max<int64_t>(1, g.middle)),
               [&](int64_t b, int64_t e) {
                 for (int64_t item = b; item < e; ++item) {
                   const int64_t o = item / blocks, blk = item % blocks;
                   const int64_t first = blk * kBlock, n = std::min(kBlock, g.middle - first);
                   const T* run = x + o * g.middle + first;
                   if (extreme) partial[item] = static_cast<Part>(n > 0 ? reduce_run<T, T>(run, n, kind) : T(0));
                   else partial[item] = reduce_run<Part, T>(run, n, kind);
                 }
               });
  const Combine<Part> op{kind};
  for (int64_t o = 0; o < g.outer; ++o) {
    Part r = partial[o * blocks];
    for (int64_t blk = 1; blk < blocks; ++blk) r = op(r, partial[o * blocks + blk]);
    y[o] = finish<T>(r, kind, g.middle);
  }
}

// inner > 1: accumulate whole rows of `inner` values, tile by tile (vectorises across i).
template <typename T>
void reduce_columns(const T* x, const ReduceGeometry& g, ReduceKind kind, T* y) {
  using A = Acc<T>;
  const bool extreme = kind == ReduceKind::Max || kind == ReduceKind::Min;
  const int64_t tiles = (g.inner + kInnerTile - 1) / kInnerTile;
  const int64_t work = std::max<int64_t>(1, g.middle * std::min(g.inner, kInnerTile));
  parallel_for(g.outer * tiles, std::max<int64_t>(1, kBlock / work), [&](int64_t b, int64_t e) {
    A acc[kInnerTile];
    T ext[kInnerTile];
    const Combine<A> op{kind};
    const Combine<T> op_t{kind};
    for (int64_t item = b; item < e; ++item) {
      const int64_t o = item / tiles, i0 = (item % tiles) * kInnerTile, w = std::min(kInnerTile, g.inner - i0);
      const T* base = x + o * g.middle * g.inner + i0;
      T* out = y + o * g.inner + i0;
      if (extreme) {
        std::copy(base, base + w, ext);
        for (int64_t r = 1; r < g.middle; ++r) {
          const T* row = base + r * g.inner;
          for (int64_t i = 0; i < w; ++i) ext[i] = op_t(ext[i], row[i]);
        }
        std::copy(ext, ext + w, out);
        continue;
      }
      std::fill(acc, acc + w, op.init());
      for (int64_t r = 0; r < g.middle; ++r) {
        const T* row = base + r * g.inner;
        if constexpr (std::is_integral_v<A>)  // integer sums and products wrap (op), never overflow
          for (int64_t i = 0; i < w; ++i) acc[i] = op(acc[i], A(row[i]));
        else if (kind == ReduceKind::Prod)
          for (int64_t i = 0; i < w; ++i) acc[i] *= A(row[i]);
        else
          for (int64_t i = 0; i < w; ++i) acc[i] += A(row[i]);
      }
      for (int64_t i = 0; i < w; ++i) out[i] = finish<T>(acc[i], kind, g.middle);
    }
  });
}
}  // namespace

bool collapse_reduction(const Shape& shape, const std::vector<bool>& reduced, ReduceGeometry* geometry) {
  // Walk the non-trivial axes as runs of equal flags: kept*, reduced*, kept* at most.
  int phase = 0;  // 0: outer (kept), 1: middle (reduced), 2: inner (kept)
  ReduceGeometry g;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (reduced[d]) {
      if (phase == 2) return false;
      phase = 1;
      g.middle *= shape[d];
    } else if (phase == 0) {
      g.outer *= shape[d];
    } else {
      phase = 2;
      g.inner *= shape[d];
    }
  }
  *geometry = g;
  return true;
}

template <typename T>
void reduce_middle(const T* x, const ReduceGeometry& g, ReduceKind kind, T* y) {
  if (g.outer == 0 || g.inner == 0) return;
  if (g.middle == 0) {
    T empty = kind == ReduceKind::Prod ? T(1) : T(0);
    if constexpr (std::is_floating_point_v<T>)  // a mean of nothing is 0/0
      if (kind == ReduceKind::Mean) empty = std::numeric_limits<T>::quiet_NaN();
    std::fill(y, y + g.outer * g.inner, empty);
    return;
  }
  if (g.inner == 1) reduce_rows(x, g, kind, y);
  else reduce_columns(x, g, kind, y);
}

template <typename T>
void spread_middle(const T* g, const ReduceGeometry& geometry, bool mean, T* dx) {
  const int64_t middle = geometry.middle, inner = geometry.inner;
  const T scale = mean ? static_cast<T>(1.0 / static_cast<double>(std::max<int64_t>(1, middle))) : T(1);
  // Work items: blocks of about kBlock elements within one outer index.
  const int64_t rows_per_block = std::max<int64_t>(1, kBlock / std::max<int64_t>(1, inner));
  const int64_t blocks = (middle + rows_per_block - 1) / rows_per_block;
  parallel_for(geometry.outer * blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t item = b; item < e; ++item) {
      const int64_t o = item / blocks, r0 = (item % blocks) * rows_per_block;
      const int64_t r1 = std::min(middle, r0 + rows_per_block);
      const T* src = g + o * inner;
      T* dst = dx + (o * middle + r0) * inner;
      if (inner == 1) {
        std::fill(dst, dst + (r1 - r0), src[0] * scale);
        continue;
      }
      for (int64_t r = r0; r < r1; ++r, dst += inner)
        for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] * scale;
    }
  });
}

#define DAGNET_REDUCE_INSTANTIATE(T) template void reduce_middle<T>(const T*, const ReduceGeometry&, ReduceKind, T*);
DAGNET_REDUCE_INSTANTIATE(float)
DAGNET_REDUCE_INSTANTIATE(double)
DAGNET_REDUCE_INSTANTIATE(int32_t)
DAGNET_REDUCE_INSTANTIATE(int64_t)
template void spread_middle<float>(const float*, const ReduceGeometry&, bool, float*);
template void spread_middle<double>(const double*, const ReduceGeometry&, bool, double*);
#undef DAGNET_REDUCE_INSTANTIATE

}  // namespace dagnet::cpu
