#include "ops/window_geometry.h"

#include <algorithm>

#include "ops/operand_checks.h"

namespace dagnet {

AxisWindow axis_window(int64_t in, int64_t k, int64_t s, int64_t d, const std::string& padding, const InferContext* ctx,
                       const char* axis_name) {
  AxisWindow w;
  if (k == 0) fail_shape(ctx, cat("the window is empty along the ", axis_name, " axis (size 0)"));
  if (padding == "same" && in >= 0) w.out = in / s + (in % s != 0);  // ceil(in / s), no overflow
  if (in < 0 || k < 0) return w;  // the rest waits for the plan's known sizes
  // Every position a kernel reads, (out-1)*s + (k-1)*d, stays below (out-1)*s + span, so
  // checking these sums here means the kernels' index arithmetic cannot wrap.
  const std::string what = cat("the ", d > 1 ? "dilated " : "", "window along the ", axis_name, " axis (kernel ", k,
                               d > 1 ? cat(", dilation ", d) : std::string(), ")");
  const int64_t span = checked_add(checked_mul(k - 1, d, what, ctx), 1, what, ctx);
  if (padding == "same") {
    const int64_t reach = checked_add(checked_mul(w.out - 1, s, what, ctx), span, what, ctx);
    w.pad_before = std::max<int64_t>(reach - in, 0) / 2;
  } else {
    int64_t padded = in;
    if (padding == "causal") {
      w.pad_before = span - 1;
      padded = checked_add(in, w.pad_before, what, ctx);
    }
    if (padded < span)
      fail_shape(ctx, cat("output would be empty: input ", axis_name, " ", in, " is smaller than the ",
                          d > 1 ? "dilated " : "", "window ", span, " (kernel ", k,
                          d > 1 ? cat(", dilation ", d) : std::string(), ") with padding '", padding,
                          "'; check the input size and data_format, or use padding='same'"));
    w.out = (padded - span) / s + 1;
  }
  return w;
}

std::vector<int64_t> window_ints(const Attrs& attrs, const std::string& name, size_t rank, const InferContext* ctx,
                                 std::vector<int64_t> fallback) {
  if (fallback.empty()) fallback.assign(rank, 1);
  std::vector<int64_t> v = attrs.get_ints(name, fallback);
  bool ok = v.size() == rank;
  for (int64_t x : v) ok = ok && x >= 1;
  if (!ok) {
    fail_shape(ctx, cat("attribute '", name, "' must hold ", rank, " integers >= 1, got ", shape_str(v)));
  }
  return v;
}

SpatialLayout read_layout(const Shape& x, size_t spatial_rank, const std::string& data_format,
                          const InferContext* ctx) {
  if (data_format != "channels_last" && data_format != "channels_first") {
    std::string message = cat("data_format must be 'channels_last' or 'channels_first', got '", data_format, "'");
    if (ctx) ctx->fail(message);
    fail(ErrorKind::Value, message);
  }
  if (x.size() != spatial_rank + 2) {
    const char* axes = spatial_rank == 3 ? "depth, height, width" : spatial_rank == 2 ? "height, width" : "steps";
    std::string message =
        cat("expects an input of rank ", spatial_rank + 2, " (batch, ", axes, ", channels), got rank ", x.size());
    if (ctx) ctx->fail(message);
    fail(ErrorKind::Value, message);
  }
  SpatialLayout l;
  l.channels_first = data_format == "channels_first";
  l.batch = x[0];
  l.channels = l.channels_first ? x[1] : x.back();
  size_t first = l.channels_first ? 2 : 1;
  l.spatial.assign(x.begin() + first, x.begin() + first + spatial_rank);
  return l;
}

Shape make_shape(int64_t batch, const std::vector<int64_t>& spatial, int64_t channels, bool channels_first) {
  Shape s{batch};
  if (channels_first) s.push_back(channels);
  s.insert(s.end(), spatial.begin(), spatial.end());
  if (!channels_first) s.push_back(channels);
  return s;
}

const char* spatial_axis_name(size_t rank, size_t axis) {
  static const char* const names[3] = {"depth", "height", "width"};
  if (rank == 1) return "length";
  return names[3 - rank + axis];
}

ConvShape window_shape(int64_t batch, int64_t channels, const std::vector<WindowAxis>& axes, int64_t groups) {
  WindowAxis a[3];  // depth, height, width
  for (size_t i = 0; i < axes.size(); ++i) a[3 - axes.size() + i] = axes[i];
  ConvShape s{batch,
              a[1].in,
              a[2].in,
              channels,
              a[1].k,
              a[2].k,
              a[1].stride,
              a[2].stride,
              a[1].dilation,
              a[2].dilation,
              a[1].window.pad_before,
              a[2].window.pad_before,
              a[1].window.out,
              a[2].window.out};
  s.d = a[0].in;
  s.kd = a[0].k;
  s.sd = a[0].stride;
  s.dd = a[0].dilation;
  s.pad_front = a[0].window.pad_before;
  s.od = a[0].window.out;
  s.groups = groups;
  return s;
}

}  // namespace dagnet
