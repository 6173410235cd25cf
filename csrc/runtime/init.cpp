#include "runtime/init.h"

#include <mutex>

#include "ops/register_ops.h"

namespace dagnet {

void init_engine() {
  static std::once_flag once;
  std::call_once(once, [] { register_all_ops(); });
}

}  // namespace dagnet
