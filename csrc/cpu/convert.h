// The CPU kernels' view of ops/convert.h (defined conversions and wrapping integer math,
// shared with the CUDA kernels).
#pragma once
#include "ops/convert.h"

namespace dagnet::cpu {

using dagnet::convert;
using dagnet::safe_div;
using dagnet::wrapping_add;
using dagnet::wrapping_mul;
using dagnet::wrapping_sub;

}  // namespace dagnet::cpu
