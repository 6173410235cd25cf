// The CPU kernels' view of ops/elementwise_math.h (keras.ops elementwise math, shared
// with the CUDA kernels).
#pragma once
#include <string>

#include "ops/elementwise_math.h"
#include "ops/kinds.h"

namespace dagnet::cpu {

using dagnet::apply_binary;
using dagnet::apply_unary;
using dagnet::binary_partials;
using dagnet::BinaryKind;
using dagnet::parse_binary;
using dagnet::parse_unary;
using dagnet::unary_derivative;
using dagnet::UnaryKind;

bool is_comparison(BinaryKind k);

}  // namespace dagnet::cpu
