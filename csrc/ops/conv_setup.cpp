#include "ops/conv_setup.h"

#include "ops/operand_checks.h"
#include "ops/window_geometry.h"

namespace dagnet {

namespace {
[[noreturn]] void bad(const InferContext* ctx, const std::string& message) {
  if (ctx) ctx->fail(message);
  fail(ErrorKind::Value, message);
}

std::string padding_of(const Attrs& attrs, bool allow_causal, const InferContext* ctx) {
  std::string padding = attrs.get_string("padding", "valid");
  if (padding != "valid" && padding != "same" && !(allow_causal && padding == "causal"))
    bad(ctx, cat("padding must be 'valid' or 'same'", allow_causal ? " or 'causal'" : "", ", got '", padding, "'"));
  return padding;
}

// Every size a convolution's kernels and scratch multiply out must fit in int64: shapes may
// come from a file, so each product is checked once here (a Value error naming the op's
// buffer) and the kernels' plain arithmetic cannot wrap. Unknown dims (-1) are left alone.
void check_sizes(const ConvGeometry& g, const InferContext* ctx) {
  const ConvShape& s = g.s;
  const int64_t dims[] = {s.n, s.d, s.h, s.w, s.c, s.od, s.oh, s.ow, s.kd, s.kh, s.kw, g.filters};
  for (int64_t dim : dims)
    if (dim < 0) return;
  const std::string what = "the convolution's buffers";
  const int64_t taps = checked_mul(checked_mul(s.kd, s.kh, what, ctx), s.kw, what, ctx);
  const int64_t out_spatial = checked_mul(checked_mul(s.od, s.oh, what, ctx), s.ow, what, ctx);
  const int64_t spatial = checked_mul(checked_mul(s.d, s.h, what, ctx), s.w, what, ctx);
  const int64_t columns = checked_mul(out_spatial, checked_mul(taps, s.c, what, ctx), what, ctx);
  checked_mul(columns, s.n, what, ctx);
  checked_mul(checked_mul(spatial, s.c, what, ctx), s.n, what, ctx);
  checked_mul(checked_mul(out_spatial, g.filters, what, ctx), s.n, what, ctx);
  checked_mul(checked_mul(taps, s.c, what, ctx), g.filters, what, ctx);
}
}  // namespace

std::vector<AttrSpec> conv_window_attrs() {
  return {{"strides", AttrType::IntList},    {"dilation", AttrType::IntList},  {"padding", AttrType::String},
          {"data_format", AttrType::String}, {"activation", AttrType::String}, {"alpha", AttrType::Float}};
}

ConvSetup conv_setup(const Shape& x, const Shape& kernel, const Attrs& attrs, size_t rank, const InferContext* ctx,
                     KernelLayout layout) {
  SpatialLayout l = read_layout(x, rank, attrs.get_string("data_format", "channels_last"), ctx);
  if (kernel.size() != rank + 2) bad(ctx, cat("the kernel must have rank ", rank + 2, ", got ", shape_str(kernel)));
  const bool depthwise = layout == KernelLayout::Depthwise;
  const int64_t groups = depthwise ? l.channels : attrs.get_int("groups", 1);
  if (!depthwise && groups < 1) bad(ctx, cat("groups must be >= 1, got ", groups));
  const int64_t filters =
      depthwise ? (l.channels < 0 || kernel[rank + 1] < 0 ? -1 : l.channels * kernel[rank + 1]) : kernel[rank + 1];
  if (depthwise) {
    if (!dims_compatible(kernel[rank], l.channels))
      bad(ctx, cat("the input has ", l.channels, " channels but the depthwise kernel ", shape_str(kernel), " expects ",
                   kernel[rank]));
  } else if (groups == 1) {
    if (!dims_compatible(kernel[rank], l.channels))
      bad(ctx, cat("the input has ", l.channels, " channels but the kernel expects ", kernel[rank]));
  } else {
    if (l.channels >= 0 && l.channels % groups != 0)
      bad(ctx, cat("the input's ", l.channels, " channels do not split into ", groups, " groups"));
    if (filters >= 0 && filters % groups != 0)
      bad(ctx, cat("the kernel's ", filters, " filters do not split into ", groups, " groups"));
    if (l.channels >= 0 && kernel[rank] >= 0 && kernel[rank] * groups != l.channels)
      bad(ctx, cat("the input has ", l.channels, " channels, so with ", groups, " groups the kernel expects ",
                   l.channels / groups, " input channels, got ", kernel[rank], " (kernel ", shape_str(kernel), ")"));
  }
  std::vector<int64_t> strides = window_ints(attrs, "strides", rank, ctx);
  std::vector<int64_t> dilation = window_ints(attrs, "dilation", rank, ctx);
  const std::string padding = padding_of(attrs, rank == 1 && !depthwise, ctx);
  std::vector<WindowAxis> axes;
  std::vector<int64_t> out_spatial;
  for (size_t a = 0; a < rank; ++a) {
    WindowAxis axis{l.spatial[a], kernel[a], strides[a], dilation[a], {}};
    axis.window =
        axis_window(l.spatial[a], kernel[a], strides[a], dilation[a], padding, ctx, spatial_axis_name(rank, a));
    axes.push_back(axis);
    out_spatial.push_back(axis.window.out);
  }
  ConvSetup c;
  c.g.s = window_shape(l.batch, l.channels, axes, groups);
  c.g.filters = filters;
  c.g.channels_first = l.channels_first;
  c.out_shape = make_shape(l.batch, out_spatial, filters, l.channels_first);
  check_sizes(c.g, ctx);
  return c;
}

int64_t conv_transpose_size(int64_t in, int64_t k, int64_t stride, int64_t dilation, const std::string& padding,
                            int64_t output_padding) {
  if (in < 0) return -1;
  const std::string what = "the transposed convolution's output size";
  if (padding == "same" && output_padding < 0) return checked_mul(in, stride, what);
  if (k < 0) return -1;  // a kernel whose window size is known only at run time
  const int64_t span = checked_add(checked_mul(k - 1, dilation, what), 1, what);
  checked_add(checked_mul(in, stride, what), span, what);  // bounds every expression below
  if (padding == "valid")
    return (in - 1) * stride + span + (output_padding < 0 ? std::max(span, stride) - span : output_padding);
  return output_padding < 0 ? in * stride : (in - 1) * stride + span % 2 + output_padding;
}

ConvSetup conv_transpose_setup(const Shape& x, const Shape& kernel, const Attrs& attrs, size_t rank,
                               const InferContext* ctx) {
  SpatialLayout l = read_layout(x, rank, attrs.get_string("data_format", "channels_last"), ctx);
  if (kernel.size() != rank + 2)
    bad(ctx, cat("the kernel must have rank ", rank + 2, " (kernel size..., filters, input channels), got ",
                 shape_str(kernel)));
  if (!dims_compatible(kernel[rank + 1], l.channels))
    bad(ctx, cat("the input has ", l.channels, " channels but the transposed kernel ", shape_str(kernel), " expects ",
                 kernel[rank + 1]));
  std::vector<int64_t> strides = window_ints(attrs, "strides", rank, ctx);
  std::vector<int64_t> dilation = window_ints(attrs, "dilation", rank, ctx);
  const std::string padding = padding_of(attrs, false, ctx);
  std::vector<int64_t> output_padding = attrs.get_ints("output_padding", {});
  if (!output_padding.empty()) {
    bool ok = output_padding.size() == rank;
    for (size_t a = 0; ok && a < rank; ++a) ok = output_padding[a] >= 0 && output_padding[a] < strides[a];
    if (!ok)
      bad(ctx, cat("output_padding must hold ", rank, " integers >= 0 and each less than its stride ",
                   shape_str(strides), ", got ", shape_str(output_padding)));
  }
  std::vector<int64_t> out_spatial;
  for (size_t a = 0; a < rank; ++a)
    out_spatial.push_back(conv_transpose_size(l.spatial[a], kernel[a], strides[a], dilation[a], padding,
                                              output_padding.empty() ? -1 : output_padding[a]));
  ConvSetup c;
  c.out_shape = make_shape(l.batch, out_spatial, kernel[rank], l.channels_first);
  // The convolution from the output back: its output must be x's spatial shape. TensorFlow
  // refuses the same cases ('same' with an even window and an output_padding that
  // shortens the output below what that convolution maps back to the input).
  Attrs forward = attrs;
  forward.set("groups", int64_t(1));
  c.g = conv_setup(c.out_shape, kernel, forward, rank, ctx).g;
  const int64_t got[3] = {c.g.s.od, c.g.s.oh, c.g.s.ow};
  for (size_t a = 0; a < rank; ++a)
    if (l.spatial[a] >= 0 && got[3 - rank + a] >= 0 && got[3 - rank + a] != l.spatial[a])
      bad(ctx, cat("output_padding ", shape_str(output_padding), " with padding '", padding, "', kernel ",
                   shape_str(Shape(kernel.begin(), kernel.begin() + rank)), " and strides ", shape_str(strides),
                   " gives an output of ", spatial_axis_name(rank, a), " ", out_spatial[a],
                   ", which does not map back to the input's ", l.spatial[a], " (TensorFlow refuses it too)"));
  return c;
}

void require_output_gradient(const InferContext& ctx, size_t input, const Shape& out_shape) {
  const Shape& g = ctx.shape(input);
  bool ok = g.size() == out_shape.size();
  for (size_t i = 0; ok && i < g.size(); ++i) ok = dims_compatible(g[i], out_shape[i]);
  ctx.require(ok, "the output gradient has shape ", shape_str(g), " but the output has shape ", shape_str(out_shape));
}

}  // namespace dagnet
