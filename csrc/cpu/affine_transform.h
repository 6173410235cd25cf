// CPU kernels of affine_transform (ops/image_sampling.h): each output pixel samples its
// image at the transformed position; the gradient scatters back along the same taps.
#pragma once
#include <cstdint>

#include "ops/image_sampling.h"

namespace dagnet::cpu {

// y (batch, out_height, out_width, channels) or channels first.
template <typename T>
void affine_transform(const AffineGeometry& s, const T* x, const T* transforms, T* y);
// dx (x's shape) = the adjoint of the sampling applied to dy; fill reads carry no gradient.
template <typename T>
void affine_transform_grad(const AffineGeometry& s, const T* dy, const T* transforms, T* dx);

}  // namespace dagnet::cpu
