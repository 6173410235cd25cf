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

// Shifts defined for every count: a count outside [0, bits) shifts every bit out (0, or
// -1 for a negative number shifted right); left shifts wrap, as NumPy's.
template <typename T>
DAGNET_HOST_DEVICE inline T shift_left(T a, T count) {
  using U = std::make_unsigned_t<T>;
  if (count < 0 || count >= static_cast<T>(sizeof(T) * 8)) return 0;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) << count));
}
template <typename T>
DAGNET_HOST_DEVICE inline T shift_right(T a, T count) {
  if (count < 0 || count >= static_cast<T>(sizeof(T) * 8)) return a < 0 ? T(-1) : T(0);
  return static_cast<T>(a >> count);  // arithmetic: the sign bit fills in
}
// The greatest common divisor of |a| and |b| (0 for 0, 0), Euclid's on the magnitudes as
// unsigned so the most negative value has one; its gcd with 0 wraps back to itself, as NumPy's.
template <typename T>
DAGNET_HOST_DEVICE inline T gcd_of(T a, T b) {
  using U = std::make_unsigned_t<T>;
  U x = a < 0 ? U(0) - static_cast<U>(a) : static_cast<U>(a);
  U y = b < 0 ? U(0) - static_cast<U>(b) : static_cast<U>(b);
  while (y != 0) {
    const U r = x % y;
    x = y;
    y = r;
  }
  return static_cast<T>(x);
}
// |a / gcd(a, b) * b|, wrapping on overflow; 0 when either is 0.
template <typename T>
DAGNET_HOST_DEVICE inline T lcm_of(T a, T b) {
  using U = std::make_unsigned_t<T>;
  const T g = gcd_of(a, b);
  if (g == 0) return 0;
  const U x = a < 0 ? U(0) - static_cast<U>(a) : static_cast<U>(a);
  const U y = b < 0 ? U(0) - static_cast<U>(b) : static_cast<U>(b);
  return static_cast<T>(x / static_cast<U>(g) * y);
}

}  // namespace dagnet
