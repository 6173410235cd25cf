// Conversions between engine element types with a defined result for every input, shared
// by the CPU and CUDA kernels. C++ leaves a float-to-integer conversion undefined when the
// value does not fit (NaN, inf, out of range); these give what x86's cvtt instructions
// give, the integer type's minimum, so results match NumPy's astype on x86 and no input is
// undefined behaviour. Integer +, -, * wrap around (NumPy's rule) instead of overflowing,
// and integer division by zero gives 0 (NumPy's floor_divide) instead of raising SIGFPE.
#pragma once
#include <cstdint>
#include <type_traits>

#include "ops/host_device.h"

namespace dagnet {

// The integer type's minimum, -2^(bits-1) (numeric_limits is host-only in device code).
template <typename I>
DAGNET_HOST_DEVICE constexpr I integer_min() {
  static_assert(std::is_signed_v<I> && (sizeof(I) == 4 || sizeof(I) == 8), "int32 or int64");
  if constexpr (sizeof(I) == 4) return INT32_MIN;
  else return INT64_MIN;
}

template <typename Out, typename In>
DAGNET_HOST_DEVICE inline Out convert(In v) {
  if constexpr (std::is_integral_v<Out> && std::is_floating_point_v<In>) {
    constexpr In low = static_cast<In>(integer_min<Out>());  // exact in float and double
    if (!(v >= low && v < -low)) return integer_min<Out>();
  }
  return static_cast<Out>(v);
}

template <typename T>
DAGNET_HOST_DEVICE inline T wrapping_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
DAGNET_HOST_DEVICE inline T wrapping_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T>
DAGNET_HOST_DEVICE inline T wrapping_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
// Truncating division; x / 0 = 0 and min / -1 = min (the wrapped quotient).
template <typename T>
DAGNET_HOST_DEVICE inline T safe_div(T a, T b) {
  if (b == 0) return 0;
  if (b == -1) return wrapping_sub<T>(0, a);
  return a / b;
}

}  // namespace dagnet
