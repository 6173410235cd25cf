// Building blocks of convolution on CPU: im2col / col2im over NDHWC images (rows are
// output positions, columns are (kernel tap, channel) to match Keras's
// (kd, kh, kw, cin / groups, filters) kernel flattened to (taps * cin / groups, filters)),
// and channels_first <-> channels_last transposes. Grouped convolutions take one group's
// channels [c0, c0 + cc) at a time.
#pragma once
#include <cstdint>

#include "ops/conv_layout.h"

namespace dagnet::cpu {

using dagnet::ConvShape;

// cols[(i - first) * out_spatial + p, tap * cc + ch] = x[image i, window tap, channel c0 + ch]
// for images i in [first, last); padding reads as 0.
template <typename T>
void im2col(const T* x, const ConvShape& s, int64_t first, int64_t last, int64_t c0, int64_t cc, T* cols);

// dx[image, pixel, c0 + ch] += the cols entries that read it, for images in [first, last).
template <typename T>
void col2im_add(const T* cols, const ConvShape& s, int64_t first, int64_t last, int64_t c0, int64_t cc, T* dx);

// out[ch] = the sum of dy's rows (rows x c, channels-last), the bias gradient of a
// convolution. Deterministic for any thread count: below 64 channels rows are summed in
// fixed blocks whose partial sums are added in block order; from 64, as sum_rows does.
template <typename T>
void sum_channels(const T* dy, int64_t rows, int64_t c, T* out);

// (n, c, hw) <-> (n, hw, c)
template <typename T>
void channels_first_to_last(const T* in, int64_t n, int64_t c, int64_t hw, T* out);
template <typename T>
void channels_last_to_first(const T* in, int64_t n, int64_t c, int64_t hw, T* out);

}  // namespace dagnet::cpu
