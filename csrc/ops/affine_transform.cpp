// affine_transform(x, transforms) attrs interpolation (nearest | bilinear), fill_mode
// (reflect | wrap | constant | nearest), fill_value, data_format, output_size: Keras 3's
// ops.image.affine_transform (TensorFlow's ImageProjectiveTransformV3; ops/image_sampling.h)
// on a (batch, height, width, channels) tensor (channels second with channels_first).
// transforms is (1 or batch, 8), x's dtype, read as float32 as TensorFlow does. output_size
// [h, w] (default: the input's) makes the output a window of the transformed plane starting
// at its origin (RandomCrop: a translation and a smaller output).
// affine_transform_grad(dy, transforms, x): the adjoint with respect to x (its shape only);
// no gradient flows into the transforms, as in TensorFlow.
#include "cpu/affine_transform.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
[[noreturn]] void affine_fail(const InferContext* ctx, const std::string& message) {
  if (ctx) ctx->fail(message);
  fail(ErrorKind::Value, message);
}

// The geometry from x's and the transforms' shapes (-1 where unknown) and the attributes.
AffineGeometry affine_shape(const Shape& x, const Shape& transforms, const Attrs& attrs, const InferContext* ctx) {
  AffineGeometry s;
  const std::string format = attrs.get_string("data_format", "channels_last");
  if (format != "channels_last" && format != "channels_first")
    affine_fail(ctx, cat("data_format must be 'channels_last' or 'channels_first', got '", format, "'"));
  s.channels_first = format == "channels_first";
  if (x.size() != 4)
    affine_fail(ctx, cat("expects images of rank 4 (batch, height, width, channels), got rank ", x.size()));
  s.batch = x[0];
  s.channels = s.channels_first ? x[1] : x[3];
  s.height = s.channels_first ? x[2] : x[1];
  s.width = s.channels_first ? x[3] : x[2];
  if (s.height == 0 || s.width == 0) affine_fail(ctx, "cannot transform an empty image");
  if (transforms.size() != 2 || transforms[1] != 8)
    affine_fail(ctx, cat("transforms must have shape (batch, 8) or (1, 8), got ", shape_str(transforms)));
  if (transforms[0] >= 0 && transforms[0] != 1 && s.batch >= 0 && transforms[0] != s.batch)
    affine_fail(ctx, cat("transforms has ", transforms[0], " rows for a batch of ", s.batch, " images"));
  s.transforms = transforms[0];
  const std::string method = attrs.get_string("interpolation", "bilinear");
  if (method == "nearest") s.method = SampleMethod::Nearest;
  else if (method == "bilinear") s.method = SampleMethod::Bilinear;
  else affine_fail(ctx, cat("interpolation must be 'nearest' or 'bilinear', got '", method, "'"));
  const std::string mode = attrs.get_string("fill_mode", "constant");
  if (mode == "reflect") s.fill_mode = FillMode::Reflect;
  else if (mode == "wrap") s.fill_mode = FillMode::Wrap;
  else if (mode == "constant") s.fill_mode = FillMode::Constant;
  else if (mode == "nearest") s.fill_mode = FillMode::Nearest;
  else affine_fail(ctx, cat("fill_mode must be 'reflect', 'wrap', 'constant' or 'nearest', got '", mode, "'"));
  s.fill_value = attrs.get_float("fill_value", 0.0);
  const std::vector<int64_t> size = attrs.get_ints("output_size", {s.height, s.width});
  if (size.size() != 2 || (attrs.has("output_size") && (size[0] < 1 || size[1] < 1)))
    affine_fail(ctx, cat("output_size must hold 2 positive sizes, got ", shape_str(size)));
  s.out_height = size[0];
  s.out_width = size[1];
  return s;
}

Shape output_shape(const AffineGeometry& s) {
  if (s.channels_first) return {s.batch, s.channels, s.out_height, s.out_width};
  return {s.batch, s.out_height, s.out_width, s.channels};
}
}  // namespace

void register_affine_transform_ops() {
  const std::vector<AttrSpec> attrs = {{"interpolation", AttrType::String},
                                       {"fill_mode", AttrType::String},
                                       {"fill_value", AttrType::Float},
                                       {"data_format", AttrType::String},
                                       {"output_size", AttrType::IntList}};
  OpDef fwd;
  fwd.name = "affine_transform";
  fwd.min_inputs = fwd.max_inputs = 2;
  fwd.attrs = attrs;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    return {{output_shape(affine_shape(ctx.shape(0), ctx.shape(1), ctx.attrs(), &ctx)), ctx.dtype(0)}};
  };
  fwd.prepare = [](const PrepareContext& ctx) {
    return prepared_state(affine_shape(ctx.inputs[0].shape, ctx.inputs[1].shape, ctx.attrs(), nullptr));
  };
  fwd.cpu = [](const KernelContext& ctx) {
    const AffineGeometry& s = ctx.prepared<AffineGeometry>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::affine_transform<T>(s, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.outputs[0].data<T>());
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{
        gb.emit("affine_transform_grad", {grads[0], node.inputs[1], node.inputs[0]}, node.attrs), kNoValue};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "affine_transform_grad";
  bwd.min_inputs = bwd.max_inputs = 3;
  bwd.attrs = attrs;
  bwd.shape_only_from = 2;  // x's shape only
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 3);
    const Shape expected = output_shape(affine_shape(ctx.shape(2), ctx.shape(1), ctx.attrs(), &ctx));
    const Shape& dy = ctx.shape(0);
    bool ok = dy.size() == expected.size();
    for (size_t i = 0; ok && i < dy.size(); ++i) ok = dims_compatible(dy[i], expected[i]);
    ctx.require(ok, "the gradient has shape ", shape_str(dy), " but the transformed images have shape ",
                shape_str(expected));
    return {{ctx.shape(2), ctx.dtype(0)}};
  };
  bwd.prepare = [](const PrepareContext& ctx) {
    return prepared_state(affine_shape(ctx.inputs[2].shape, ctx.inputs[1].shape, ctx.attrs(), nullptr));
  };
  bwd.cpu = [](const KernelContext& ctx) {
    const AffineGeometry& s = ctx.prepared<AffineGeometry>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::affine_transform_grad<T>(s, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.outputs[0].data<T>());
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
