// Separable resampling tables. Every resize method of Keras 3's ops.image.resize
// (TensorFlow's kernels) is, along each spatial axis, a linear map
//   out[o] = sum_k weight[o * taps + k] * in[start[o] + k]
// so one table per axis describes it: the kernels (cpu/resample, cuda/resample.cu) are one
// gather along any axis, and the gradient is the same gather with the transposed table.
// Positions and weights are computed in float with TensorFlow's formulas (its index rounding
// included), so the input pixels chosen are TensorFlow's:
//   nearest   src = min(floor((o + 0.5) * s), in - 1), s = in / out (float)
//   bilinear  src = (o + 0.5) * s - 0.5, between max(floor(src), 0) and min(ceil(src), in - 1)
//   bicubic   Keys' cubic (a = -0.5) from TensorFlow's 1024-entry table, taps outside the
//             image dropped and the rest renormalised (resize_bicubic, half-pixel centres)
//   area      box averaging: each output covers [o * s, (o + 1) * s) (resize_area)
//   lanczos3/5, and bilinear / bicubic with antialias: scale_and_translate's spans (kernel
//             widened by in / out when downsampling with antialias, then normalised)
#pragma once
#include <cstdint>
#include <vector>

#include "ops/kinds.h"

namespace dagnet {

struct AxisTaps {
  int64_t in_len = 0, out_len = 0;
  int64_t taps = 1;            // weights per output; shorter rows end in zero weights
  std::vector<int32_t> start;  // out_len entries
  std::vector<float> weight;   // out_len * taps
  bool reads_fill = false;     // some taps lie outside [0, in_len) and read the fill value
  bool identity() const;       // out[o] = in[o]
};

// tf.image.resize along one axis (antialias only matters for bilinear, bicubic and lanczos).
AxisTaps resize_taps(ResizeMethod method, bool antialias, int64_t in_len, int64_t out_len);
// ops.repeat: out[o] = in[o / factor] (UpSampling's nearest).
AxisTaps repeat_taps(int64_t in_len, int64_t factor);
// Taps made for a window of an input of length in_len that starts at `offset` (> 0: a crop;
// < 0: the input placed in a larger canvas whose border reads the fill value).
AxisTaps offset_taps(AxisTaps taps, int64_t offset, int64_t in_len);
// The adjoint map (in and out swapped); taps that read the fill value carry no gradient.
AxisTaps transpose_taps(const AxisTaps& taps);

}  // namespace dagnet
