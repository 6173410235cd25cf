#include "cpu/elementwise_math.h"

#include "core/error.h"

namespace dagnet::cpu {

bool is_comparison(BinaryKind k) { return k >= BinaryKind::Equal; }

}  // namespace dagnet::cpu
