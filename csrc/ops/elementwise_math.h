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
  using std::pow;
  if constexpr (std::is_integral_v<T>) {  // defined for every input (ops/convert.h)
    switch (k) {
      case BinaryKind::Add: return wrapping_add(a, b);
      case BinaryKind::Subtract: return wrapping_sub(a, b);
      case BinaryKind::Multiply: return wrapping_mul(a, b);
      case BinaryKind::Divide: return safe_div(a, b);
      case BinaryKind::Power: return convert<T>(pow(static_cast<double>(a), static_cast<double>(b)));
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
// a <= 0 (log a undefined).
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
    default: da = 0, db = 0; return;
  }
}

template <typename T>
DAGNET_HOST_DEVICE inline T apply_unary(UnaryKind k, T x) {
  using std::abs;
  using std::cos;
  using std::erf;
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
  }
  return x;
}

// f'(x), given x and y = f(x).
template <typename T>
DAGNET_HOST_DEVICE inline T unary_derivative(UnaryKind k, T x, T y) {
  using std::cos;
  using std::exp;
  using std::sin;
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
