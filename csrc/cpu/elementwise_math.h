// Elementwise math for keras.ops: binary ops with broadcasting, unary functions, and
// their derivatives.
#pragma once
#include <cmath>
#include <string>
#include <type_traits>

#include "cpu/convert.h"

#include "ops/kinds.h"

namespace dagnet::cpu {

using dagnet::BinaryKind;
using dagnet::parse_binary;
using dagnet::parse_unary;
using dagnet::UnaryKind;

bool is_comparison(BinaryKind k);

template <typename T>
inline T apply_binary(BinaryKind k, T a, T b) {
  if constexpr (std::is_integral_v<T>) {  // defined for every input (cpu/convert.h)
    switch (k) {
      case BinaryKind::Add: return wrapping_add(a, b);
      case BinaryKind::Subtract: return wrapping_sub(a, b);
      case BinaryKind::Multiply: return wrapping_mul(a, b);
      case BinaryKind::Divide: return safe_div(a, b);
      case BinaryKind::Power: return convert<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
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
    case BinaryKind::Power: return static_cast<T>(std::pow(a, b));
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
inline void binary_partials(BinaryKind k, T a, T b, T& da, T& db) {
  switch (k) {
    case BinaryKind::Add: da = 1, db = 1; return;
    case BinaryKind::Subtract: da = 1, db = -1; return;
    case BinaryKind::Multiply: da = b, db = a; return;
    case BinaryKind::Divide: da = T(1) / b, db = -a / (b * b); return;
    case BinaryKind::Maximum: da = a >= b, db = a < b; return;
    case BinaryKind::Minimum: da = a <= b, db = a > b; return;
    case BinaryKind::Power:
      da = b * static_cast<T>(std::pow(a, b - 1));
      db = a > 0 ? static_cast<T>(std::pow(a, b) * std::log(a)) : T(0);
      return;
    default: da = 0, db = 0; return;
  }
}

template <typename T>
inline T apply_unary(UnaryKind k, T x) {
  switch (k) {
    case UnaryKind::Neg: return -x;
    case UnaryKind::Exp: return std::exp(x);
    case UnaryKind::Log: return std::log(x);
    case UnaryKind::Sqrt: return std::sqrt(x);
    case UnaryKind::Square: return x * x;
    case UnaryKind::Abs: return std::abs(x);
    case UnaryKind::Sign: return static_cast<T>((x > 0) - (x < 0));
    case UnaryKind::Reciprocal: return T(1) / x;
    case UnaryKind::Log1p: return std::log1p(x);
    case UnaryKind::Expm1: return std::expm1(x);
    case UnaryKind::Softplus: return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    case UnaryKind::Sin: return std::sin(x);
    case UnaryKind::Cos: return std::cos(x);
    case UnaryKind::Floor: return std::floor(x);
    case UnaryKind::Round: return std::nearbyint(x);  // half to even, as NumPy and TF
    case UnaryKind::Rsqrt: return T(1) / std::sqrt(x);
    case UnaryKind::Erf: return std::erf(x);
  }
  return x;
}

// f'(x), given x and y = f(x).
template <typename T>
inline T unary_derivative(UnaryKind k, T x, T y) {
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
    case UnaryKind::Softplus: return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    case UnaryKind::Sin: return std::cos(x);
    case UnaryKind::Cos: return -std::sin(x);
    case UnaryKind::Rsqrt: return T(-0.5) * y * y * y;
    case UnaryKind::Erf: return T(1.1283791670955126) * std::exp(-x * x);  // 2/sqrt(pi) e^(-x^2)
    default: return 0;  // sign, floor, round
  }
}

}  // namespace dagnet::cpu
