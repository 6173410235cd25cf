// Shape rules of the convolution family (Keras semantics and weight layouts), shared by
// conv{1,2,3}d, their transposes and the depthwise convolutions:
//   standard kernel   (k..., cin / groups, filters)
//   depthwise kernel  (k..., cin, multiplier): filters = cin * multiplier, one group per channel
//   transposed kernel (k..., filters, cin): the transposed convolution is the input gradient
//                     of the convolution from its output back to its input.
// Attributes: strides, dilation (rank ints), padding (valid|same; conv1d also causal),
// data_format, groups (standard only), output_padding (transposed only; empty = Keras's None).
#pragma once
#include <string>
#include <vector>

#include "graph/op.h"
#include "ops/conv_layout.h"

namespace dagnet {

struct ConvSetup {
  ConvGeometry g;
  Shape out_shape;
};

enum class KernelLayout { Standard, Depthwise };

// The convolution of x by kernel. Throws (through ctx when given) naming the shapes.
ConvSetup conv_setup(const Shape& x, const Shape& kernel, const Attrs& attrs, size_t rank, const InferContext* ctx,
                     KernelLayout layout = KernelLayout::Standard);

// The transposed convolution of x by kernel: out_shape is its output; g is the geometry of
// the convolution from out_shape back to x's shape (whose input gradient it computes).
ConvSetup conv_transpose_setup(const Shape& x, const Shape& kernel, const Attrs& attrs, size_t rank,
                               const InferContext* ctx);

// Keras's output size of a transposed convolution along one axis (output_padding -1: None).
int64_t conv_transpose_size(int64_t in, int64_t k, int64_t stride, int64_t dilation, const std::string& padding,
                            int64_t output_padding);

// strides, dilation, padding, data_format, activation, alpha (the fused activation's).
std::vector<AttrSpec> conv_window_attrs();

// Checks a gradient op's incoming gradient against the forward output shape.
void require_output_gradient(const InferContext& ctx, size_t input, const Shape& out_shape);

// Backward helpers of the convolution ops (defined in ops/conv.cpp): the gradient at the
// pre-activation output (through the node's fused activation), and the bias gradient.
ValueId conv_output_gradient(GradBuilder& gb, const Node& node, ValueId dy);
ValueId conv_bias_gradient(GradBuilder& gb, const Node& node, ValueId dz);

}  // namespace dagnet
