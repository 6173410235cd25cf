#include "ops/resample_geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/error.h"

namespace dagnet {

namespace {
using Row = std::vector<std::pair<int64_t, float>>;  // (input index, weight)

// One table from per-output lists of taps: each row becomes the contiguous span from its
// smallest to its largest index (repeated indices, such as TensorFlow's clamped edge taps,
// add up).
AxisTaps from_rows(int64_t in_len, const std::vector<Row>& rows) {
  AxisTaps t;
  t.in_len = in_len;
  t.out_len = static_cast<int64_t>(rows.size());
  std::vector<int64_t> lo(rows.size(), 0);
  for (size_t o = 0; o < rows.size(); ++o) {
    if (rows[o].empty()) continue;
    int64_t a = rows[o][0].first, b = a;
    for (const auto& [i, w] : rows[o]) a = std::min(a, i), b = std::max(b, i);
    lo[o] = a;
    t.taps = std::max(t.taps, b - a + 1);
  }
  t.start.resize(rows.size());
  t.weight.assign(rows.size() * static_cast<size_t>(t.taps), 0.0f);
  for (size_t o = 0; o < rows.size(); ++o) {
    t.start[o] = static_cast<int32_t>(lo[o]);
    for (const auto& [i, w] : rows[o]) t.weight[o * t.taps + (i - lo[o])] += w;
  }
  return t;
}

int64_t clamp_index(int64_t i, int64_t len) { return std::min(len - 1, std::max<int64_t>(0, i)); }

// TensorFlow's CalculateResizeScale (no align_corners): in / out in float.
float resize_scale(int64_t in, int64_t out) { return static_cast<float>(in) / static_cast<float>(out); }

std::vector<Row> nearest_rows(int64_t in, int64_t out) {
  const float s = resize_scale(in, out);
  std::vector<Row> rows(out);
  for (int64_t o = 0; o < out; ++o) {
    const float src = (static_cast<float>(o) + 0.5f) * s;
    rows[o] = {{clamp_index(static_cast<int64_t>(std::floor(src)), in), 1.0f}};
  }
  return rows;
}

std::vector<Row> bilinear_rows(int64_t in, int64_t out) {
  const float s = resize_scale(in, out);
  std::vector<Row> rows(out);
  for (int64_t o = 0; o < out; ++o) {
    const float src = (static_cast<float>(o) + 0.5f) * s - 0.5f;
    const float below = std::floor(src);
    const int64_t lower = std::max<int64_t>(static_cast<int64_t>(below), 0);
    const int64_t upper = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in - 1);
    const float lerp = src - below;
    rows[o] = {{lower, 1.0f - lerp}, {upper, lerp}};
  }
  return rows;
}

// TensorFlow's bicubic coefficient table (Keys, a = -0.5): entry i is the weight of the near
// (which = 0) or far (which = 1) neighbour at distance i / 1024; computed in double from a
// float position, stored as float, as TensorFlow fills it.
constexpr int64_t kCubicTable = 1024;
float keys_table(int64_t i, int which) {
  const double a = -0.5;
  float x = static_cast<float>(static_cast<double>(i) / kCubicTable);
  if (which == 0) return static_cast<float>(((a + 2) * x - (a + 3)) * x * x + 1);
  x = static_cast<float>(x + 1.0);
  return static_cast<float>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
}

std::vector<Row> bicubic_rows(int64_t in, int64_t out) {
  const float s = resize_scale(in, out);
  std::vector<Row> rows(out);
  for (int64_t o = 0; o < out; ++o) {
    const float src = (static_cast<float>(o) + 0.5f) * s - 0.5f;
    const int64_t loc = static_cast<int64_t>(std::floor(src));
    const float delta = src - static_cast<float>(loc);
    const int64_t offset = std::lrint(delta * kCubicTable);
    const float coeff[4] = {keys_table(offset, 1), keys_table(offset, 0), keys_table(kCubicTable - offset, 0),
                            keys_table(kCubicTable - offset, 1)};
    float w[4], sum = 0;
    for (int k = 0; k < 4; ++k) {
      const int64_t i = loc - 1 + k;
      w[k] = clamp_index(i, in) == i ? coeff[k] : 0.0f;  // taps outside the image are dropped
    }
    sum = ((w[0] + w[1]) + w[2]) + w[3];
    if (std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min()) {
      const float inv = 1.0f / sum;
      for (float& v : w) v *= inv;
    }
    for (int k = 0; k < 4; ++k)
      if (w[k] != 0.0f) rows[o].push_back({clamp_index(loc - 1 + k, in), w[k]});
  }
  return rows;
}

// resize_area: output o covers input [o * s, (o + 1) * s); each input cell weighs the part
// of it inside, and the sum is divided by s (TensorFlow divides by s_h * s_w once).
std::vector<Row> area_rows(int64_t in, int64_t out) {
  const float s = resize_scale(in, out);
  const float inv = 1.0f / s;
  std::vector<Row> rows(out);
  for (int64_t o = 0; o < out; ++o) {
    const float lo = static_cast<float>(o) * s, hi = static_cast<float>(o + 1) * s;
    const int64_t first = static_cast<int64_t>(std::floor(lo)), end = static_cast<int64_t>(std::ceil(hi));
    for (int64_t i = first; i < end; ++i) {
      const float fi = static_cast<float>(i), next = static_cast<float>(i + 1);
      float part;
      if (fi < lo) part = next > hi ? s : next - lo;
      else part = next > hi ? hi - fi : 1.0f;
      rows[o].push_back({clamp_index(i, in), part * inv});
    }
  }
  return rows;
}

// scale_and_translate's sampling kernels, in float as TensorFlow evaluates them.
enum class Kernel { Triangle, KeysCubic, Lanczos3, Lanczos5 };
float kernel_radius(Kernel k) {
  switch (k) {
    case Kernel::Triangle: return 1.0f;
    case Kernel::KeysCubic: return 2.0f;
    case Kernel::Lanczos3: return 3.0f;
    case Kernel::Lanczos5: return 5.0f;
  }
  return 1.0f;
}
float kernel_value(Kernel k, float x) {
  x = std::abs(x);
  switch (k) {
    case Kernel::Triangle: return x < 1.0f ? 1.0f - x : 0.0f;
    case Kernel::KeysCubic:
      if (x >= 2.0f) return 0.0f;
      if (x >= 1.0f) return ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f;
      return ((1.5f * x - 2.5f) * x) * x + 1.0f;
    case Kernel::Lanczos3:
    case Kernel::Lanczos5: {
      const float radius = kernel_radius(k);
      constexpr float kPi = 3.14159265359f;
      if (x > radius) return 0.0f;
      if (x <= 1e-3) return 1.0f;
      return radius * std::sin(kPi * x) * std::sin(kPi * x / radius) / (kPi * kPi * x * x);
    }
  }
  return 0.0f;
}

std::vector<Row> span_rows(Kernel kernel, bool antialias, int64_t in, int64_t out) {
  const float scale = static_cast<float>(out) / static_cast<float>(in);
  const float inv_scale = static_cast<float>(1.0 / scale);
  const float kernel_scale = antialias ? std::max(inv_scale, 1.0f) : 1.0f;
  const float reach = kernel_radius(kernel) * kernel_scale;
  const float one_over_kernel_scale = 1.0f / kernel_scale;
  std::vector<Row> rows(out);
  for (int64_t o = 0; o < out; ++o) {
    const float sample = (static_cast<float>(o) + 0.5f) * inv_scale;
    if (sample < 0 || sample > static_cast<float>(in)) continue;  // outside the source: no taps
    const int64_t first = clamp_index(static_cast<int64_t>(std::ceil(sample - reach - 0.5f)), in);
    const int64_t end = clamp_index(static_cast<int64_t>(std::floor(sample + reach - 0.5f)), in) + 1;
    Row row;
    float total = 0;
    for (int64_t i = first; i < end; ++i) {
      const float w = kernel_value(kernel, std::abs((static_cast<float>(i) + 0.5f - sample) * one_over_kernel_scale));
      total += w;
      row.push_back({i, w});
    }
    if (std::abs(total) < 1000.0f * std::numeric_limits<float>::min()) continue;  // TensorFlow leaves it zero
    const float inv_total = 1.0f / total;
    for (auto& tap : row) tap.second *= inv_total;
    rows[o] = std::move(row);
  }
  return rows;
}
}  // namespace

bool AxisTaps::identity() const {
  if (in_len != out_len || taps != 1 || reads_fill) return false;
  for (int64_t o = 0; o < out_len; ++o)
    if (start[o] != o || weight[o] != 1.0f) return false;
  return true;
}

AxisTaps resize_taps(ResizeMethod method, bool antialias, int64_t in_len, int64_t out_len) {
  check(in_len > 0 && out_len > 0, ErrorKind::Value, "resize: sizes must be positive, got input ", in_len,
        " and output ", out_len);
  check(in_len < std::numeric_limits<int32_t>::max() && out_len < std::numeric_limits<int32_t>::max(), ErrorKind::Value,
        "resize: sizes must fit in int32, got input ", in_len, " and output ", out_len);
  switch (method) {
    case ResizeMethod::Nearest: return from_rows(in_len, nearest_rows(in_len, out_len));
    case ResizeMethod::Bilinear:
      return from_rows(in_len,
                       antialias ? span_rows(Kernel::Triangle, true, in_len, out_len) : bilinear_rows(in_len, out_len));
    case ResizeMethod::Bicubic:
      return from_rows(in_len,
                       antialias ? span_rows(Kernel::KeysCubic, true, in_len, out_len) : bicubic_rows(in_len, out_len));
    case ResizeMethod::Area: return from_rows(in_len, area_rows(in_len, out_len));
    case ResizeMethod::Lanczos3: return from_rows(in_len, span_rows(Kernel::Lanczos3, antialias, in_len, out_len));
    case ResizeMethod::Lanczos5: return from_rows(in_len, span_rows(Kernel::Lanczos5, antialias, in_len, out_len));
  }
  fail(ErrorKind::Value, "resize: unknown method");
}

AxisTaps repeat_taps(int64_t in_len, int64_t factor) {
  std::vector<Row> rows(in_len * factor);
  for (int64_t o = 0; o < in_len * factor; ++o) rows[o] = {{o / factor, 1.0f}};
  return from_rows(in_len, rows);
}

AxisTaps offset_taps(AxisTaps taps, int64_t offset, int64_t in_len) {
  taps.in_len = in_len;
  for (int64_t o = 0; o < taps.out_len; ++o) {
    taps.start[o] = static_cast<int32_t>(taps.start[o] + offset);
    for (int64_t k = 0; k < taps.taps; ++k) {
      const int64_t i = taps.start[o] + k;
      if (taps.weight[o * taps.taps + k] != 0.0f && (i < 0 || i >= in_len)) taps.reads_fill = true;
    }
  }
  return taps;
}

AxisTaps transpose_taps(const AxisTaps& taps) {
  std::vector<Row> rows(taps.in_len);
  for (int64_t o = 0; o < taps.out_len; ++o)
    for (int64_t k = 0; k < taps.taps; ++k) {
      const int64_t i = taps.start[o] + k;
      const float w = taps.weight[o * taps.taps + k];
      if (w != 0.0f && i >= 0 && i < taps.in_len) rows[i].push_back({o, w});
    }
  return from_rows(taps.out_len, rows);
}

}  // namespace dagnet
