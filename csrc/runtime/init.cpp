#include "runtime/init.h"

#include <mutex>

#include "ops/register_ops.h"

#ifdef DAGNET_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

namespace dagnet {

void init_engine() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_all_ops();
#ifdef DAGNET_HAVE_CUDA
    cuda::register_cuda_backend();  // its kernels attach to the ops registered above
#endif
  });
}

}  // namespace dagnet
