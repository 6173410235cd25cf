// Sliding-window geometry shared by convolutions and pooling, with TensorFlow/Keras
// padding semantics:
//   valid:  out = floor((in - ((k-1)*d + 1)) / s) + 1, and an empty output is an error
//   same:   out = ceil(in / s); total pad = max((out-1)*s + (k-1)*d + 1 - in, 0),
//           pad_before = total / 2 (the odd extra goes at the end)
//   causal: (conv1d) pad (k-1)*d at the start only, then valid
// 1-D and 2-D windows are 3-D windows of depth 1 (and height 1): see ops/conv_layout.h.
#pragma once
#include <string>
#include <vector>

#include "graph/op.h"
#include "ops/conv_layout.h"

namespace dagnet {

// Per spatial axis: output size and padding before, or -1 when the input size is unknown.
struct AxisWindow {
  int64_t out = -1;
  int64_t pad_before = 0;
};

// Throws (through ctx when given, else a plain Value error) for an empty output.
AxisWindow axis_window(int64_t in, int64_t k, int64_t s, int64_t d, const std::string& padding, const InferContext* ctx,
                       const char* axis_name);

// Reads rank-many ints from attribute `name` (default all 1), checking they are >= 1.
std::vector<int64_t> window_ints(const Attrs& attrs, const std::string& name, size_t rank, const InferContext* ctx,
                                 std::vector<int64_t> fallback = {});

// Spatial dims and channels of an input of spatial rank 1, 2 or 3 in either data format.
struct SpatialLayout {
  std::vector<int64_t> spatial;
  int64_t batch = 0, channels = 0;
  bool channels_first = false;
};
SpatialLayout read_layout(const Shape& x, size_t spatial_rank, const std::string& data_format, const InferContext* ctx);
Shape make_shape(int64_t batch, const std::vector<int64_t>& spatial, int64_t channels, bool channels_first);

// The names of the spatial axes of a rank-1/2/3 window, for messages: "length"; "height",
// "width"; "depth", "height", "width".
const char* spatial_axis_name(size_t rank, size_t axis);

// One spatial axis of a window: input size, window size, stride, dilation, and the
// geometry axis_window found for it.
struct WindowAxis {
  int64_t in = 1, k = 1, stride = 1, dilation = 1;
  AxisWindow window{1, 0};
};
// The 3-D geometry of rank-many axes (the last `axes.size()` of depth, height, width; the
// others are 1): channels and groups as given.
ConvShape window_shape(int64_t batch, int64_t channels, const std::vector<WindowAxis>& axes, int64_t groups = 1);

}  // namespace dagnet
