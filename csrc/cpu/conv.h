// Building blocks of convolution on CPU: im2col / col2im over NHWC images (rows are
// output positions, columns are (kernel row, kernel col, channel) to match Keras's
// (kh, kw, cin, filters) kernel flattened to (kh*kw*cin, filters)), and NCHW <-> NHWC
// transposes for channels_first data.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

struct ConvShape {
  int64_t n, h, w, c;              // input
  int64_t kh, kw, sh, sw, dh, dw;  // window
  int64_t pad_top, pad_left;
  int64_t oh, ow;                  // output
  int64_t k() const { return kh * kw * c; }
  bool is_pointwise() const {
    return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pad_top == 0 && pad_left == 0 && oh == h && ow == w;
  }
};

// cols[(i - first) * oh * ow + p, :] for images i in [first, last); padding reads as 0.
template <typename T>
void im2col(const T* x, const ConvShape& s, int64_t first, int64_t last, T* cols);

// dx[image] += scatter of cols for images in [first, last) (dx must be zeroed first).
template <typename T>
void col2im_add(const T* cols, const ConvShape& s, int64_t first, int64_t last, T* dx);

// (n, c, hw) <-> (n, hw, c)
template <typename T>
void channels_first_to_last(const T* in, int64_t n, int64_t c, int64_t hw, T* out);
template <typename T>
void channels_last_to_first(const T* in, int64_t n, int64_t c, int64_t hw, T* out);

}  // namespace dagnet::cpu
