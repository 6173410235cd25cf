// resize(x) attrs size | factors, interpolation, antialias, fit, fill_value, data_format:
// Keras 3's ops.image.resize (TensorFlow's kernels, ops/resample_geometry.h) over the 1, 2
// or 3 spatial axes of a (batch, spatial..., channels) tensor (channels second with
// channels_first). `size` gives the output's spatial sizes; `factors` integer multiples
// instead (UpSampling: nearest is ops.repeat). `fit` (2 spatial axes, with size):
//   stretch        the whole input to size (aspect ratio not kept)
//   crop_to_aspect the largest centred window of size's aspect ratio (TensorFlow's float32
//                  arithmetic, as ops.image.resize(crop_to_aspect_ratio=True))
//   pad_to_aspect  the input centred in a canvas of size's aspect ratio whose border reads
//                  fill_value (ops.image.resize(pad_to_aspect_ratio=True))
//   smart_resize   utils.smart_resize: crop_to_aspect in Python's double arithmetic
//   center_crop    layers.CenterCrop: the centred size window when the input is at least
//                  that large, else smart_resize
//   window         the window [top, left, height, width] of attribute `window` (RandomCrop
//                  of an image smaller than its target), clipped to the input
// Each spatial axis is one pass of a separable gather (core/resample_pass.h), identity axes
// skipped; passes after the first read the previous pass's output from the workspace.
// resize_grad(dy, x): the adjoint, the passes in reverse over transposed tables.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/resample_pass.h"

#include "cpu/resample.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"
#include "ops/resample_geometry.h"

namespace dagnet {

namespace {
[[noreturn]] void resize_fail(const InferContext* ctx, const std::string& message) {
  if (ctx) ctx->fail(message);
  fail(ErrorKind::Value, message);
}

enum class Fit { Stretch, CropToAspect, PadToAspect, SmartResize, CenterCrop, Window };

struct ResizeSpec {
  std::vector<int64_t> size, factors;
  size_t rank = 2;
  ResizeMethod method = ResizeMethod::Bilinear;
  bool antialias = false;
  Fit fit = Fit::Stretch;
  double fill = 0;
  bool channels_first = false;
  std::vector<int64_t> window;  // top, left, height, width (Fit::Window)
};

ResizeSpec read_spec(const Attrs& attrs, const InferContext* ctx) {
  ResizeSpec s;
  s.size = attrs.get_ints("size", {});
  s.factors = attrs.get_ints("factors", {});
  if (s.size.empty() == s.factors.empty())
    resize_fail(ctx, "give exactly one of the attributes 'size' (output sizes) and 'factors' (integer multiples)");
  const std::vector<int64_t>& dims = s.size.empty() ? s.factors : s.size;
  if (dims.size() < 1 || dims.size() > 3)
    resize_fail(ctx, cat("resizes 1, 2 or 3 spatial axes, got ", dims.size(), " sizes ", shape_str(dims)));
  for (int64_t d : dims)
    if (d < 1) resize_fail(ctx, cat(s.size.empty() ? "factors" : "size", " must be positive, got ", shape_str(dims)));
  s.rank = dims.size();
  try {
    s.method = parse_resize_method(attrs.get_string("interpolation", "bilinear"));
  } catch (const Error& e) {
    resize_fail(ctx, e.what());
  }
  s.antialias = attrs.get_int("antialias", 0) != 0;
  const std::string fit = attrs.get_string("fit", "stretch");
  if (fit == "stretch") s.fit = Fit::Stretch;
  else if (fit == "crop_to_aspect") s.fit = Fit::CropToAspect;
  else if (fit == "pad_to_aspect") s.fit = Fit::PadToAspect;
  else if (fit == "smart_resize") s.fit = Fit::SmartResize;
  else if (fit == "center_crop") s.fit = Fit::CenterCrop;
  else if (fit == "window") s.fit = Fit::Window;
  else
    resize_fail(
        ctx, cat("fit must be stretch, crop_to_aspect, pad_to_aspect, smart_resize, center_crop or window, got '", fit,
                 "'"));
  s.window = attrs.get_ints("window", {});
  if (s.fit == Fit::Window &&
      (s.window.size() != 4 || s.window[0] < 0 || s.window[1] < 0 || s.window[2] < 1 || s.window[3] < 1))
    resize_fail(ctx, cat("fit 'window' needs attribute window = [top >= 0, left >= 0, height >= 1, width >= 1], got ",
                         shape_str(s.window)));
  if (s.fit != Fit::Stretch && (s.rank != 2 || s.size.empty()))
    resize_fail(ctx, cat("fit '", fit, "' needs 2 spatial axes and an output size"));
  s.fill = attrs.get_float("fill_value", 0.0);
  const std::string format = attrs.get_string("data_format", "channels_last");
  if (format != "channels_last" && format != "channels_first")
    resize_fail(ctx, cat("data_format must be 'channels_last' or 'channels_first', got '", format, "'"));
  s.channels_first = format == "channels_first";
  return s;
}

// The spatial sizes of x (checked rank); -1 where unknown.
std::vector<int64_t> spatial_of(const Shape& x, const ResizeSpec& s, const InferContext* ctx) {
  if (x.size() != s.rank + 2)
    resize_fail(ctx, cat("expects a tensor of rank ", s.rank + 2, " (batch, ", s.rank, " spatial axes, channels), got ",
                         "rank ", x.size()));
  const size_t first = s.channels_first ? 2 : 1;
  std::vector<int64_t> spatial(x.begin() + first, x.begin() + first + s.rank);
  for (int64_t d : spatial)
    if (d == 0) resize_fail(ctx, "cannot resize an empty image");
  return spatial;
}

Shape with_spatial(const Shape& x, const ResizeSpec& s, const std::vector<int64_t>& spatial) {
  Shape out = x;
  const size_t first = s.channels_first ? 2 : 1;
  for (size_t a = 0; a < s.rank; ++a) out[first + a] = spatial[a];
  return out;
}

// The tap tables index in int32 (ops/resample_geometry.h): input and output sizes beyond
// that are refused here, when the graph is built, as is a factor whose product overflows.
Shape output_shape(const Shape& x, const ResizeSpec& s, const InferContext* ctx) {
  std::vector<int64_t> spatial = spatial_of(x, s, ctx);
  constexpr int64_t limit = std::numeric_limits<int32_t>::max();
  for (size_t a = 0; a < s.rank; ++a) {
    const int64_t in = spatial[a];
    spatial[a] = s.size.empty() ? checked_mul(in, s.factors[a], "the resized size", ctx) : s.size[a];
    if (in >= limit || spatial[a] >= limit)
      resize_fail(ctx,
                  cat("sizes must fit in int32, got input ", in, " and output ", spatial[a], " on spatial axis ", a));
  }
  return with_spatial(x, s, spatial);
}

// Where a window of `window` cells sits in `len` (crop) or `len` in a canvas (pad): the
// start, truncated towards zero as Keras's int() / tf.cast(..., "int32") do.
int64_t centred_start(double free_cells) { return static_cast<int64_t>(free_cells / 2); }

std::vector<AxisTaps> axis_tables(const ResizeSpec& s, const std::vector<int64_t>& in) {
  std::vector<AxisTaps> taps;
  if (!s.factors.empty()) {
    for (size_t a = 0; a < s.rank; ++a)
      taps.push_back(s.method == ResizeMethod::Nearest
                         ? repeat_taps(in[a], s.factors[a])
                         : resize_taps(s.method, s.antialias, in[a], in[a] * s.factors[a]));
    return taps;
  }
  if (s.fit == Fit::Stretch) {
    for (size_t a = 0; a < s.rank; ++a) taps.push_back(resize_taps(s.method, s.antialias, in[a], s.size[a]));
    return taps;
  }
  const int64_t h = in[0], w = in[1], th = s.size[0], tw = s.size[1];
  auto window = [&](int64_t len, int64_t start, int64_t cells, int64_t out) {
    return offset_taps(resize_taps(s.method, s.antialias, cells, out), start, len);
  };
  if (s.fit == Fit::PadToAspect) {  // TensorFlow's float32 arithmetic
    const int64_t ph = std::max(h, static_cast<int64_t>(static_cast<float>(w * th) / static_cast<float>(tw)));
    const int64_t pw = std::max(w, static_cast<int64_t>(static_cast<float>(h * tw) / static_cast<float>(th)));
    const int64_t top = static_cast<int64_t>(static_cast<float>(ph - h) / 2.0f);
    const int64_t left = static_cast<int64_t>(static_cast<float>(pw - w) / 2.0f);
    return {window(h, -top, h + 2 * top, th), window(w, -left, w + 2 * left, tw)};
  }
  if (s.fit == Fit::CenterCrop && h >= th && w >= tw)
    return {offset_taps(repeat_taps(th, 1), (h - th) / 2, h), offset_taps(repeat_taps(tw, 1), (w - tw) / 2, w)};
  int64_t ch, cw, top, left;
  if (s.fit == Fit::Window) {  // clipped to the input, as a Python slice is
    top = std::min(s.window[0], h - 1);
    left = std::min(s.window[1], w - 1);
    ch = std::min(s.window[2], h - top);
    cw = std::min(s.window[3], w - left);
    return {window(h, top, ch, th), window(w, left, cw, tw)};
  }
  if (s.fit == Fit::CropToAspect) {  // TensorFlow's float32 arithmetic
    ch = static_cast<int64_t>(static_cast<float>(w * th) / static_cast<float>(tw));
    cw = static_cast<int64_t>(static_cast<float>(h * tw) / static_cast<float>(th));
  } else {  // smart_resize: Python floats
    ch = static_cast<int64_t>(static_cast<double>(w * th) / static_cast<double>(tw));
    cw = static_cast<int64_t>(static_cast<double>(h * tw) / static_cast<double>(th));
  }
  ch = std::max<int64_t>(std::min(h, ch), 1);
  cw = std::max<int64_t>(std::min(w, cw), 1);
  top = centred_start(static_cast<double>(h - ch));
  left = centred_start(static_cast<double>(w - cw));
  return {window(h, top, ch, th), window(w, left, cw, tw)};
}

// The passes for a concrete input shape: one per spatial axis that is not the identity, in
// axis order (separable maps along different axes commute, so the gradient's transposed
// passes may run in the same order, from the output's shape). Two passes over adjacent
// axes with few taps run fused (ResamplePlan::fused_2d): no intermediate, one read of x.
ResamplePlan make_plan(const Shape& x, const ResizeSpec& s, bool gradient, Device device) {
  std::vector<AxisTaps> tables = axis_tables(s, spatial_of(x, s, nullptr));
  const size_t first = s.channels_first ? 2 : 1;
  Shape dims = gradient ? output_shape(x, s, nullptr) : x;
  std::vector<ResamplePass> passes;
  std::vector<size_t> axes;
  std::vector<std::vector<int32_t>> starts;
  std::vector<std::vector<float>> weights;
  for (size_t a = 0; a < s.rank; ++a) {
    if (tables[a].identity()) continue;
    AxisTaps t = gradient ? transpose_taps(tables[a]) : std::move(tables[a]);
    const size_t axis = first + a;
    ResamplePass p;
    p.outer = product(dims, 0, axis);
    p.inner = product(dims, axis + 1, dims.size());
    p.in_len = t.in_len;
    p.out_len = t.out_len;
    p.taps = t.taps;
    p.reads_fill = t.reads_fill;
    p.fill = s.fill;
    dims[axis] = p.out_len;
    passes.push_back(p);
    axes.push_back(axis);
    starts.push_back(std::move(t.start));
    weights.push_back(std::move(t.weight));
  }
  const bool fused = passes.size() == 2 && axes[1] == axes[0] + 1 && !passes[0].reads_fill && !passes[1].reads_fill &&
                     passes[0].taps * passes[1].taps <= 16;
  return ResamplePlan(std::move(passes), starts, weights, fused, device);
}

void register_resize(const std::string& name, bool gradient, const std::vector<AttrSpec>& attrs) {
  OpDef op;
  op.name = name;
  op.attrs = attrs;
  op.min_inputs = op.max_inputs = gradient ? 2 : 1;
  if (gradient) op.shape_only_from = 1;  // the gradient needs x's shape only
  op.infer = [gradient](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    const ResizeSpec s = read_spec(ctx.attrs(), &ctx);
    if (!gradient) return {{output_shape(ctx.shape(0), s, &ctx), ctx.dtype(0)}};
    const Shape expected = output_shape(ctx.shape(1), s, &ctx);
    const Shape& dy = ctx.shape(0);
    bool ok = dy.size() == expected.size();
    for (size_t i = 0; ok && i < dy.size(); ++i) ok = dims_compatible(dy[i], expected[i]);
    ctx.require(ok, "the gradient has shape ", shape_str(dy), " but the resized input has shape ", shape_str(expected));
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  op.workspace = [gradient](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& a) {
    const ResizeSpec s = read_spec(a, nullptr);
    return make_plan(in[gradient ? 1 : 0].shape, s, gradient, cpu_device()).workspace_bytes(dtype_size(in[0].dtype));
  };
  op.prepare = [gradient](const PrepareContext& ctx) {
    const ResizeSpec s = read_spec(ctx.attrs(), nullptr);
    return prepared_state(make_plan(ctx.inputs[gradient ? 1 : 0].shape, s, gradient, ctx.device));
  };
  op.cpu = [](const KernelContext& ctx) {
    const ResamplePlan& plan = ctx.prepared<ResamplePlan>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      run_resample_plan<T>(
          plan, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace),
          ctx.outputs[0].numel(), [](const ResamplePass& p, const T* x, T* y) { cpu::resample_pass<T>(p, x, y); },
          [](const ResamplePass& rows, const ResamplePass& cols, const T* x, T* y) {
            cpu::resample_2d<T>(rows, cols, x, y);
          },
          [](const T* x, T* y, int64_t n) { std::memcpy(y, x, static_cast<size_t>(n) * sizeof(T)); });
    });
  };
  if (gradient) {
    op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
      return std::vector<ValueId>{gb.emit("resize", {grads[0]}, node.attrs), kNoValue};
    };
  } else {
    op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
      return std::vector<ValueId>{gb.emit("resize_grad", {grads[0], node.inputs[0]}, node.attrs)};
    };
  }
  register_op(std::move(op));
}
}  // namespace

void register_resize_ops() {
  const std::vector<AttrSpec> attrs = {{"size", AttrType::IntList},         {"factors", AttrType::IntList},
                                       {"interpolation", AttrType::String}, {"antialias", AttrType::Int},
                                       {"fit", AttrType::String},           {"fill_value", AttrType::Float},
                                       {"data_format", AttrType::String},   {"window", AttrType::IntList}};
  register_resize("resize", false, attrs);
  register_resize("resize_grad", true, attrs);
}

}  // namespace dagnet
