#include "ops/window_geometry.h"

namespace dagnet {

AxisWindow axis_window(int64_t in, int64_t k, int64_t s, int64_t d, const std::string& padding, const InferContext* ctx,
                       const char* axis_name) {
  AxisWindow w;
  if (in < 0) return w;
  const int64_t span = (k - 1) * d + 1;
  if (padding == "same") {
    w.out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>((w.out - 1) * s + span - in, 0);
    w.pad_before = total / 2;
  } else {
    int64_t padded = in;
    if (padding == "causal") {
      w.pad_before = (k - 1) * d;
      padded += w.pad_before;
    }
    if (padded < span) {
      std::string message =
          cat("output would be empty: input ", axis_name, " ", in, " is smaller than the ", d > 1 ? "dilated " : "",
              "window ", span, " (kernel ", k, d > 1 ? cat(", dilation ", d) : std::string(), ") with padding '",
              padding, "'; check the input size and data_format, or use padding='same'");
      if (ctx) ctx->fail(message);
      fail(ErrorKind::Value, message);
    }
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
    std::string message = cat("attribute '", name, "' must hold ", rank, " integers >= 1, got ", shape_str(v));
    if (ctx) ctx->fail(message);
    fail(ErrorKind::Value, message);
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
    std::string message = cat("expects an input of rank ", spatial_rank + 2, " (batch, ",
                              spatial_rank == 2 ? "height, width" : "steps", ", channels), got rank ", x.size());
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

}  // namespace dagnet
