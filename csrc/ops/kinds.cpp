#include "ops/kinds.h"

#include <utility>

#include "core/error.h"

namespace dagnet {

Activation parse_activation(const std::string& name) {
  if (name == "linear" || name.empty()) return Activation::Linear;
  if (name == "relu") return Activation::Relu;
  if (name == "elu") return Activation::Elu;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "tanh") return Activation::Tanh;
  if (name == "softmax") return Activation::Softmax;
  fail(ErrorKind::Value, "unknown activation '", name, "' (available: linear, relu, elu, sigmoid, tanh, softmax)");
}

ResizeMethod parse_resize_method(const std::string& name) {
  static const std::pair<const char*, ResizeMethod> table[] = {
      {"nearest", ResizeMethod::Nearest}, {"bilinear", ResizeMethod::Bilinear}, {"bicubic", ResizeMethod::Bicubic},
      {"area", ResizeMethod::Area},       {"lanczos3", ResizeMethod::Lanczos3}, {"lanczos5", ResizeMethod::Lanczos5}};
  for (const auto& [n, m] : table)
    if (name == n) return m;
  fail(ErrorKind::Value, "unknown interpolation '", name, "' (nearest, bilinear, bicubic, area, lanczos3, lanczos5)");
}

NormMode parse_norm_mode(const std::string& name) {
  if (name == "moments") return NormMode::Moments;
  if (name == "rms_scaling") return NormMode::RmsScaling;
  if (name == "rms") return NormMode::Rms;
  if (name == "l2") return NormMode::L2;
  fail(ErrorKind::Value, "unknown normalization mode '", name, "' (moments, rms_scaling, rms, l2)");
}

BinaryKind parse_binary(const std::string& n) {
  if (n == "add") return BinaryKind::Add;
  if (n == "subtract") return BinaryKind::Subtract;
  if (n == "multiply") return BinaryKind::Multiply;
  if (n == "divide") return BinaryKind::Divide;
  if (n == "maximum") return BinaryKind::Maximum;
  if (n == "minimum") return BinaryKind::Minimum;
  if (n == "power") return BinaryKind::Power;
  if (n == "arctan2") return BinaryKind::Arctan2;
  if (n == "nextafter") return BinaryKind::Nextafter;
  if (n == "bitwise_and") return BinaryKind::BitwiseAnd;
  if (n == "bitwise_or") return BinaryKind::BitwiseOr;
  if (n == "bitwise_xor") return BinaryKind::BitwiseXor;
  if (n == "left_shift") return BinaryKind::LeftShift;
  if (n == "right_shift") return BinaryKind::RightShift;
  if (n == "gcd") return BinaryKind::Gcd;
  if (n == "lcm") return BinaryKind::Lcm;
  if (n == "equal") return BinaryKind::Equal;
  if (n == "not_equal") return BinaryKind::NotEqual;
  if (n == "less") return BinaryKind::Less;
  if (n == "less_equal") return BinaryKind::LessEqual;
  if (n == "greater") return BinaryKind::Greater;
  if (n == "greater_equal") return BinaryKind::GreaterEqual;
  fail(ErrorKind::Value, "unknown binary kind '", n,
       "' (add, subtract, multiply, divide, maximum, minimum, power, arctan2, nextafter, bitwise_and, "
       "bitwise_or, bitwise_xor, left_shift, right_shift, gcd, lcm, "
       "equal, not_equal, less, less_equal, greater, greater_equal)");
}

bool is_integer_only(BinaryKind kind) { return kind >= BinaryKind::BitwiseAnd && kind <= BinaryKind::Lcm; }

UnaryKind parse_unary(const std::string& n) {
  static const std::pair<const char*, UnaryKind> table[] = {
      {"neg", UnaryKind::Neg},           {"exp", UnaryKind::Exp},
      {"log", UnaryKind::Log},           {"sqrt", UnaryKind::Sqrt},
      {"square", UnaryKind::Square},     {"abs", UnaryKind::Abs},
      {"sign", UnaryKind::Sign},         {"reciprocal", UnaryKind::Reciprocal},
      {"log1p", UnaryKind::Log1p},       {"expm1", UnaryKind::Expm1},
      {"softplus", UnaryKind::Softplus}, {"sin", UnaryKind::Sin},
      {"cos", UnaryKind::Cos},           {"floor", UnaryKind::Floor},
      {"round", UnaryKind::Round},       {"rsqrt", UnaryKind::Rsqrt},
      {"erf", UnaryKind::Erf},           {"erfc", UnaryKind::Erfc},
      {"erfinv", UnaryKind::Erfinv},     {"arcsin", UnaryKind::Asin},
      {"arccos", UnaryKind::Acos},       {"arctan", UnaryKind::Atan},
      {"arcsinh", UnaryKind::Asinh},     {"arccosh", UnaryKind::Acosh},
      {"arctanh", UnaryKind::Atanh}};
  for (const auto& [name, kind] : table)
    if (n == name) return kind;
  fail(ErrorKind::Value, "unknown unary kind '", n,
       "' (neg, exp, log, sqrt, square, abs, sign, reciprocal, log1p, "
       "expm1, softplus, sin, cos, floor, round, rsqrt, erf, erfc, erfinv, arcsin, arccos, arctan, "
       "arcsinh, arccosh, arctanh)");
}

}  // namespace dagnet
