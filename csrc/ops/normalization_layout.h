// The geometry and the per-statistic formulas of the normalization ops (normalize,
// normalize_with_stats, normalize_grad; see ops/normalization.cpp), shared by the op
// definitions, the CPU kernels and the CUDA kernels. Depends on nothing but kinds.h.
//
// Every normalization Keras has (batch, layer, group, unit; any axes) views its input as
//   x[outer, rows, kept, inner]
// with one statistic per (outer, kept), reduced over rows and inner. gamma/beta are indexed
// by (row, kept, inner) through strides (a batch norm's gamma follows `kept`, a layer
// norm's follows `inner`, a group norm's follows `kept` (groups) and `inner` (channels
// of the group), repeated over the spatial positions that follow them).
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

struct NormLayout {
  int64_t outer = 1, rows = 1, kept = 1, inner = 1;
  // gamma/beta index of element (row r, kept k, inner i):
  //   r * param_row + k * param_kept + (i / inner_repeat) * param_inner
  int64_t param_row = 0, param_kept = 0, param_inner = 0, inner_repeat = 1;
  int64_t params = 0;  // gamma/beta elements

  DAGNET_HOST_DEVICE int64_t stats() const { return outer * kept; }
  DAGNET_HOST_DEVICE int64_t count() const { return rows * inner; }  // elements per statistic
  DAGNET_HOST_DEVICE int64_t param_index(int64_t r, int64_t k, int64_t i) const {
    return r * param_row + k * param_kept + (i / inner_repeat) * param_inner;
  }
  // Flat offset of element (o, r, k, i).
  DAGNET_HOST_DEVICE int64_t offset(int64_t o, int64_t r, int64_t k, int64_t i) const {
    return ((o * rows + r) * kept + k) * inner + i;
  }
};

// What the kernels of one node need (the op's prepared state).
struct NormSetup {
  NormLayout layout;
  NormMode mode = NormMode::Moments;
  double epsilon = 1e-3;
  // Masked batch norm (Keras's _moments with a mask): the weight of row r of outer o is
  // weights[o * rows + r] and the count is sum(weights) + count_epsilon.
  double count_epsilon = 0;
  bool scale = false, center = false, weighted = false;
  bool fixed_stats = false;  // normalize_with_stats and its gradient: the statistics are inputs
  bool stat_grads = false;   // normalize_grad also gets d(mean), d(var) (someone used the stats)
};

// fold_batch_norm's operand positions (-1: absent) and epsilon (its prepared state).
struct NormFoldSetup {
  int bias = -1, mean = 1, var = 2, gamma = -1, beta = -1, count = 3;
  double epsilon = 1e-3;
};

// The value a statistic's rs multiplies: x - mean for centred modes, x otherwise.
DAGNET_HOST_DEVICE inline bool norm_centres(NormMode mode) { return mode == NormMode::Moments; }
// Whether `mean` is the data's mean (else it is 0 and not a function of x).
DAGNET_HOST_DEVICE inline bool norm_has_mean(NormMode mode) {
  return mode == NormMode::Moments || mode == NormMode::RmsScaling;
}

// rs, the factor the normalized value is x * rs or (x - mean) * rs with.
DAGNET_HOST_DEVICE inline double norm_rs(NormMode mode, double var, double epsilon) {
  if (mode == NormMode::L2) {
    const double r = 1.0 / sqrt(var);  // Keras's normalize: min(rsqrt(sum x^2), 1 / epsilon)
    return r < 1.0 / epsilon ? r : 1.0 / epsilon;
  }
  return 1.0 / sqrt(var + epsilon);
}

// mean and var from sums of one statistic's values taken about `shift`:
// a1 = sum w (x - shift), a2 = sum w (x - shift)^2, weight = sum w (the count when
// unweighted). Modes without a mean are summed with shift 0.
struct NormMoments {
  double mean, var;
};
DAGNET_HOST_DEVICE inline NormMoments norm_finish_moments(NormMode mode, double a1, double a2, double weight,
                                                          double shift, double count_epsilon) {
  if (mode == NormMode::L2) return {0.0, a2};
  if (mode == NormMode::Rms) return {0.0, a2 / weight};
  const double d = weight + count_epsilon;
  const double mean = (a1 + shift * weight) / d;
  const double m = mean - shift;  // sum w (x - mean)^2 = a2 - 2 m a1 + m^2 weight
  const double var = (a2 - 2.0 * m * a1 + m * m * weight) / d;
  return {mean, var > 0.0 ? var : 0.0};
}

// The backward pass of one statistic. From s1 = sum g, s2 = sum g z over the statistic's
// elements (g = dy * gamma, z = x - mean when centred, else x) it gives
//   dx = rs * g + w * (c1 * (x - mean) + c0)   (mean = 0 in modes without one)
// and, when the statistics were inputs (fixed), d(mean) and d(var).
struct NormGradCoefficients {
  double rs, c1, c0, dmean, dvar;
};
DAGNET_HOST_DEVICE inline NormGradCoefficients norm_grad_coefficients(const NormSetup& s, double mean, double var,
                                                                      double weight, double s1, double s2,
                                                                      double dmean_in, double dvar_in) {
  const double rs = norm_rs(s.mode, var, s.epsilon);
  const bool clamped = s.mode == NormMode::L2 && !(1.0 / sqrt(var) < 1.0 / s.epsilon);
  const double drs_dv = clamped ? 0.0 : -0.5 * rs * rs * rs;  // d rs / d var
  const double dvar = s2 * drs_dv;                             // through rs only
  const double dmean = norm_centres(s.mode) ? -rs * s1 : 0.0;  // through (x - mean) only
  if (s.fixed_stats) return {rs, 0.0, 0.0, dmean, dvar};
  const double d = s.mode == NormMode::L2 ? 1.0 : weight + s.count_epsilon;
  const double dl_dv = dvar + dvar_in;
  double dl_dm = 0.0;
  if (norm_has_mean(s.mode)) {
    // d var / d mean = -2 sum w (x - mean) / d = -2 mean count_epsilon / d (0 unweighted)
    dl_dm = dmean + dmean_in + (s.count_epsilon != 0.0 ? dl_dv * (-2.0 * mean * s.count_epsilon / d) : 0.0);
  }
  return {rs, 2.0 * dl_dv / d, dl_dm / d, 0.0, 0.0};
}

// How the device kernels split the sums (cuda/normalization.cu): a block sums a tile of
// statistics (kept indices k0 .. k0 + tile: tile * inner consecutive elements per row, at
// least a warp's worth when inner is short; one statistic when inner >= 32) over one chunk
// of the rows; a second kernel combines the chunks' partial sums.
constexpr int64_t kNormDeviceChunkElements = 16384;
constexpr int64_t kNormDeviceMaxChunks = 1024;
DAGNET_HOST_DEVICE inline int64_t norm_device_tile(const NormLayout& l) {
  if (l.inner >= 32) return 1;
  const int64_t t = 32 / (l.inner > 0 ? l.inner : 1);
  return t < l.kept ? t : (l.kept > 0 ? l.kept : 1);
}
DAGNET_HOST_DEVICE inline int64_t norm_device_chunks(const NormLayout& l) {
  const int64_t span = l.rows * norm_device_tile(l) * l.inner;
  int64_t c = (span + kNormDeviceChunkElements - 1) / kNormDeviceChunkElements;
  const int64_t cap = l.rows < kNormDeviceMaxChunks ? l.rows : kNormDeviceMaxChunks;
  c = c < cap ? c : cap;
  return c > 1 ? c : 1;
}
// Element (o, r, k, i) of flat index `index` (the inverse of NormLayout::offset).
struct NormCoordinates {
  int64_t o, r, k, i;
};
DAGNET_HOST_DEVICE inline NormCoordinates norm_coordinates(const NormLayout& l, int64_t index) {
  NormCoordinates c;
  c.i = index % l.inner;
  int64_t t = index / l.inner;
  c.k = t % l.kept;
  t /= l.kept;
  c.r = t % l.rows;
  c.o = t / l.rows;
  return c;
}
// Device scratch: three partial sums per (chunk, statistic), four per-statistic values
// and the dgamma/dbeta accumulators, all double, in 256-byte aligned pieces.
inline size_t norm_device_scratch_bytes(const NormSetup& s, size_t /*element_bytes*/) {
  const NormLayout& l = s.layout;
  auto piece = [](int64_t doubles) { return (static_cast<size_t>(doubles > 0 ? doubles : 0) * 8 + 255) / 256 * 256; };
  const int64_t stats = l.stats();
  return 3 * piece(norm_device_chunks(l) * stats) + 4 * piece(stats) + 2 * piece(l.params);
}

}  // namespace dagnet
