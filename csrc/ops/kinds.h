// Enumerations that shape rules validate and kernels of every device switch on: they
// belong to the op definitions (ops/), not to one backend. Apart from the parsers this
// header depends on nothing, so backends include it (cpu/ names these as cpu::Activation).
#pragma once
#include <string>

namespace dagnet {

// dense / conv / activation ops.
enum class Activation { Linear, Relu, Elu, Sigmoid, Tanh, Softmax };
Activation parse_activation(const std::string& name);  // throws a Value error listing the names

// The recurrent cells' activation and recurrent_activation (parsed in ops/recurrent.cpp).
enum class RnnActivation { Tanh, Sigmoid, HardSigmoid, Relu, Linear };

// resize / resize_grad: TensorFlow's resize methods (Keras 3's ops.image.resize; see
// ops/resample_geometry.h for each one's sampling rule).
enum class ResizeMethod { Nearest, Bilinear, Bicubic, Area, Lanczos3, Lanczos5 };
ResizeMethod parse_resize_method(const std::string& name);  // throws a Value error listing the names

// reduce / reduce_grad.
enum class ReduceKind { Sum, Mean, Max, Min, Prod };

// accuracy.
enum class AccuracyKind { Binary, Categorical, SparseCategorical, TopKCategorical, SparseTopKCategorical };

// binary / unary (keras.ops elementwise math).
enum class BinaryKind {
  Add,
  Subtract,
  Multiply,
  Divide,
  Maximum,
  Minimum,
  Power,
  Arctan2,    // arctan2 and nextafter: float operands only (the shape rule refuses integers)
  Nextafter,  // no gradient (a step to the next representable value)
  BitwiseAnd,  // these six: integer operands only
  BitwiseOr,
  BitwiseXor,
  LeftShift,
  RightShift,
  Gcd,
  Lcm,
  Equal,
  NotEqual,
  Less,
  LessEqual,
  Greater,
  GreaterEqual
};
enum class UnaryKind {
  Neg,
  Exp,
  Log,
  Sqrt,
  Square,
  Abs,
  Sign,
  Reciprocal,
  Log1p,
  Expm1,
  Softplus,
  Sin,
  Cos,
  Floor,
  Round,
  Rsqrt,
  Erf,
  Erfc,
  Erfinv,
  Asin,
  Acos,
  Atan,
  Asinh,
  Acosh,
  Atanh
};
BinaryKind parse_binary(const std::string& name);  // throws a Value error listing the kinds
bool is_integer_only(BinaryKind kind);  // bitwise_*, shifts, gcd, lcm
UnaryKind parse_unary(const std::string& name);

// normalize / normalize_grad (ops/normalization_layout.h has the formulas): the normalized
// value is (x - mean) * rs with rs = rsqrt(var + epsilon) (Moments: batch, layer and group
// norms), x * rs with the same rs (RmsScaling: Keras's LayerNormalization(rms_scaling=True)),
// x * rsqrt(mean(x^2) + epsilon) (Rms) or x * min(rsqrt(sum(x^2)), 1 / epsilon) (L2).
enum class NormMode { Moments, RmsScaling, Rms, L2 };
NormMode parse_norm_mode(const std::string& name);  // throws a Value error listing the modes

// The loss ops (see cpu/losses.h for the formulas).
enum class Loss {
  MeanSquaredError,
  MeanAbsoluteError,
  BinaryCrossentropy,
  CategoricalCrossentropy,
  BinaryCrossentropyLogits,       // TF's sigmoid_cross_entropy_with_logits
  CategoricalCrossentropyLogits,  // TF's softmax_cross_entropy_with_logits
  // Keras 3's other losses (mean over the last axis unless noted; x = pred - target):
  Huber,             // 0.5 x^2 where |x| <= delta (param), else delta |x| - 0.5 delta^2
  LogCosh,           // x + softplus(-2x) - log 2
  Hinge,             // max(1 - t p, 0); t in {0, 1} everywhere in the batch becomes 2t - 1
  SquaredHinge,      // max(1 - t p, 0)^2, same label conversion
  CategoricalHinge,  // max(max((1 - t) p) - sum(t p) + 1, 0) per row
  KLDivergence,      // sum over the row of tc log(tc / pc), tc, pc clipped to [eps, 1]
  Poisson,           // p - t log(p + eps)
  CosineSimilarity,  // -sum(l2_normalize(t) l2_normalize(p)) per row (rsqrt capped at 1/eps)
  MeanSquaredLogarithmicError,   // (log(max(p, eps) + 1) - log(max(t, eps) + 1))^2
  MeanAbsolutePercentageError,   // 100 |t - p| / max(|t|, eps)
};

}  // namespace dagnet
