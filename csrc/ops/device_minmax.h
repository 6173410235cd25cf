// min / max / clamp usable in host and device code (std::min and std::max are constexpr
// host functions nvcc will not call from a kernel). Same comparisons as std::min, std::max
// and std::clamp, so NaN handling matches the CPU code these replace.
#pragma once
#include "ops/host_device.h"

namespace dagnet {

template <typename T>
DAGNET_HOST_DEVICE inline T dn_max(T a, T b) {
  return a < b ? b : a;  // std::max
}
template <typename T>
DAGNET_HOST_DEVICE inline T dn_min(T a, T b) {
  return b < a ? b : a;  // std::min
}
template <typename T>
DAGNET_HOST_DEVICE inline T dn_clamp(T v, T lo, T hi) {
  return v < lo ? lo : hi < v ? hi : v;  // std::clamp
}

}  // namespace dagnet
