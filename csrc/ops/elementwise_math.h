// Elementwise math for keras.ops (binary ops, unary functions and their derivatives),
// written once for the CPU kernels (ops/binary.cpp, ops/unary.cpp) and the CUDA kernels
// (cuda/unary_binary.cu). Math calls go through `using std::f; f(x)` so the host picks
// the float overloads and nvcc the device ones.
#pragma once
#include <cmath>
#include <type_traits>

#include "ops/convert.h"
#include "ops/host_device.h"
#include "ops/kinds.h"
#include "ops/strided_index.h"

namespace dagnet {

template <typename T>
DAGNET_HOST_DEVICE inline T apply_binary(BinaryKind k, T a, T b) {
  using std::atan2;
  using std::nextafter;
  using std::pow;
  if constexpr (std::is_integral_v<T>) {  // defined for every input (ops/convert.h)
    switch (k) {
      case BinaryKind::Add: return wrapping_add(a, b);
      case BinaryKind::Subtract: return wrapping_sub(a, b);
      case BinaryKind::Multiply: return wrapping_mul(a, b);
      case BinaryKind::Divide: return safe_div(a, b);
      case BinaryKind::Power: return convert<T>(pow(static_cast<double>(a), static_cast<double>(b)));
      case BinaryKind::BitwiseAnd: return static_cast<T>(a & b);
      case BinaryKind::BitwiseOr: return static_cast<T>(a | b);
      case BinaryKind::BitwiseXor: return static_cast<T>(a ^ b);
      case BinaryKind::LeftShift: return shift_left(a, b);
      case BinaryKind::RightShift: return shift_right(a, b);
      case BinaryKind::Gcd: return gcd_of(a, b);
      case BinaryKind::Lcm: return lcm_of(a, b);
      default: break;
    }
  }
  switch (k) {
    case BinaryKind::Add: return a + b;
    case BinaryKind::Subtract: return a - b;
    case BinaryKind::Multiply: return a * b;
    case BinaryKind::Divide: return a / b;
    case BinaryKind::Maximum: return a > b ? a : b;
    case BinaryKind::Minimum: return a < b ? a : b;
    case BinaryKind::Power: return static_cast<T>(pow(a, b));
    case BinaryKind::Arctan2:
    case BinaryKind::Nextafter:
      // Float-only kinds (the shape rule refuses integers; no integer overloads on the device).
      if constexpr (std::is_floating_point_v<T>) {
        return k == BinaryKind::Arctan2 ? atan2(a, b) : nextafter(a, b);
      } else {
        return a;
      }
    case BinaryKind::BitwiseAnd:  // integer kinds: the shape rule refuses float operands
    case BinaryKind::BitwiseOr:
    case BinaryKind::BitwiseXor:
    case BinaryKind::LeftShift:
    case BinaryKind::RightShift:
    case BinaryKind::Gcd:
    case BinaryKind::Lcm: return a;
    case BinaryKind::Equal: return a == b;
    case BinaryKind::NotEqual: return a != b;
    case BinaryKind::Less: return a < b;
    case BinaryKind::LessEqual: return a <= b;
    case BinaryKind::Greater: return a > b;
    case BinaryKind::GreaterEqual: return a >= b;
  }
  return a;
}

// d(a op b)/da and /db at (a, b). maximum/minimum follow TensorFlow: the gradient goes
// to a where a >= b (maximum) or a <= b (minimum), else to b. power's d/db is 0 where
// a <= 0 (log a undefined). arctan2(a, b) is the angle of the point (b, a): d/da =
// b / (a^2 + b^2), d/db = -a / (a^2 + b^2) (0 at the origin, as TensorFlow's).
template <typename T>
DAGNET_HOST_DEVICE inline void binary_partials(BinaryKind k, T a, T b, T& da, T& db) {
  using std::log;
  using std::pow;
  switch (k) {
    case BinaryKind::Add: da = 1, db = 1; return;
    case BinaryKind::Subtract: da = 1, db = -1; return;
    case BinaryKind::Multiply: da = b, db = a; return;
    case BinaryKind::Divide: da = T(1) / b, db = -a / (b * b); return;
    case BinaryKind::Maximum: da = a >= b, db = a < b; return;
    case BinaryKind::Minimum: da = a <= b, db = a > b; return;
    case BinaryKind::Power:
      da = b * static_cast<T>(pow(a, b - 1));
      db = a > 0 ? static_cast<T>(pow(a, b) * log(a)) : T(0);
      return;
    case BinaryKind::Arctan2: {
      const T r2 = a * a + b * b;
      da = r2 > 0 ? b / r2 : T(0), db = r2 > 0 ? -a / r2 : T(0);
      return;
    }
    default: da = 0, db = 0; return;
  }
}

// erfinv(x): Giles' single-precision polynomial ("Approximating the erfinv function",
// GPU Computing Gems, 2011) refined by four Newton steps on erf(r) = |x|, which take it to
// double precision. Above 0.5 the steps solve log erfc(r) = log1p(-|x|) instead, accurate
// and well-conditioned as r grows (the polynomial's tail is only float-accurate). +-1 give
// +-inf; |x| > 1 NaN.
template <typename T>
DAGNET_HOST_DEVICE inline T erfinv_of(T x) {
  using std::abs;
  using std::erf;
  using std::erfc;
  using std::exp;
  using std::log;
  using std::log1p;
  using std::sqrt;
  const T a = abs(x);
  if (!(a <= T(1))) return T(NAN);  // also for a NaN x
  if (a == T(1)) return x * T(INFINITY);
  double w = -log((1.0 - static_cast<double>(a)) * (1.0 + static_cast<double>(a))), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  T r = static_cast<T>(p * static_cast<double>(a));
  for (int step = 0; step < 4; ++step) {  // 4: the polynomial starts ~7% low at 1 - 1e-15
    const T slope = T(1.1283791670955126) * exp(-r * r);  // erf'(r) = 2/sqrt(pi) e^(-r^2)
    if (a < T(0.5)) {
      r -= (erf(r) - a) / slope;
    } else {  // Newton on log erfc(r) = log(1 - a): nearly linear in the tail, so no overshoot
      const T tail = erfc(r);
      if (tail > T(0) && slope > T(0)) r += (log(tail) - log1p(-a)) * tail / slope;
    }
  }
  return x < T(0) ? -r : r;
}

template <typename T>
DAGNET_HOST_DEVICE inline T apply_unary(UnaryKind k, T x) {
  using std::abs;
  using std::acos;
  using std::acosh;
  using std::asin;
  using std::asinh;
  using std::atan;
  using std::atanh;
  using std::cos;
  using std::erf;
  using std::erfc;
  using std::exp;
  using std::expm1;
  using std::floor;
  using std::log;
  using std::log1p;
  using std::nearbyint;
  using std::pow;
  using std::sin;
  using std::sqrt;
  switch (k) {
    case UnaryKind::Neg: return -x;
    case UnaryKind::Exp: return exp(x);
    case UnaryKind::Log: return log(x);
    case UnaryKind::Sqrt: return sqrt(x);
    case UnaryKind::Square: return x * x;
    case UnaryKind::Abs: return abs(x);
    case UnaryKind::Sign: return static_cast<T>((x > 0) - (x < 0));
    case UnaryKind::Reciprocal: return T(1) / x;
    case UnaryKind::Log1p: return log1p(x);
    case UnaryKind::Expm1: return expm1(x);
    case UnaryKind::Softplus: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case UnaryKind::Sin: return sin(x);
    case UnaryKind::Cos: return cos(x);
    case UnaryKind::Floor: return floor(x);
    case UnaryKind::Round: return nearbyint(x);  // half to even, as NumPy and TF
    case UnaryKind::Rsqrt: return T(1) / sqrt(x);
    case UnaryKind::Erf: return erf(x);
    case UnaryKind::Erfc: return erfc(x);
    case UnaryKind::Erfinv: return erfinv_of(x);
    case UnaryKind::Asin: return asin(x);
    case UnaryKind::Acos: return acos(x);
    case UnaryKind::Atan: return atan(x);
    case UnaryKind::Asinh: return asinh(x);
    case UnaryKind::Acosh: return acosh(x);
    case UnaryKind::Atanh: return atanh(x);
  }
  return x;
}

// f'(x), given x and y = f(x).
template <typename T>
DAGNET_HOST_DEVICE inline T unary_derivative(UnaryKind k, T x, T y) {
  using std::cos;
  using std::exp;
  using std::sin;
  using std::sqrt;
  switch (k) {
    case UnaryKind::Neg: return -1;
    case UnaryKind::Exp: return y;
    case UnaryKind::Log: return T(1) / x;
    case UnaryKind::Sqrt: return T(0.5) / y;
    case UnaryKind::Square: return 2 * x;
    case UnaryKind::Abs: return static_cast<T>((x > 0) - (x < 0));
    case UnaryKind::Reciprocal: return -y * y;
    case UnaryKind::Log1p: return T(1) / (T(1) + x);
    case UnaryKind::Expm1: return y + 1;
    case UnaryKind::Softplus: return x >= 0 ? T(1) / (T(1) + exp(-x)) : exp(x) / (T(1) + exp(x));
    case UnaryKind::Sin: return cos(x);
    case UnaryKind::Cos: return -sin(x);
    case UnaryKind::Rsqrt: return T(-0.5) * y * y * y;
    case UnaryKind::Erf: return T(1.1283791670955126) * exp(-x * x);  // 2/sqrt(pi) e^(-x^2)
    case UnaryKind::Erfc: return T(-1.1283791670955126) * exp(-x * x);
    case UnaryKind::Erfinv: return T(0.88622692545275801) * exp(y * y);  // sqrt(pi)/2 e^(y^2)
    case UnaryKind::Asin: return T(1) / sqrt((T(1) - x) * (T(1) + x));
    case UnaryKind::Acos: return T(-1) / sqrt((T(1) - x) * (T(1) + x));
    case UnaryKind::Atan: return T(1) / (T(1) + x * x);
    case UnaryKind::Asinh: return T(1) / sqrt(x * x + T(1));
    case UnaryKind::Acosh: return T(1) / (sqrt(x - T(1)) * sqrt(x + T(1)));
    case UnaryKind::Atanh: return T(1) / ((T(1) - x) * (T(1) + x));
    default: return 0;  // sign, floor, round
  }
}

// Prepared states (parsed once per plan). The index plans are built for CUDA plans only
// (the CPU kernels walk cpu/strided.h); each reads its operands broadcast to the output.
struct BinaryPrepared {
  BinaryKind kind;
  StridedIndex<2> index;  // binary: (a, b) into the output; binary_grad: (a, b) into g
};
struct WherePrepared {
  StridedIndex<3> index;  // (cond, a, b) into the output
};
struct WhereGradPrepared {
  StridedIndex<1> index;  // cond into g
};

}  // namespace dagnet
