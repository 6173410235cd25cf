#include "runtime/math_mode.h"

#include <atomic>

#ifdef DAGNET_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

namespace dagnet {

#ifdef DAGNET_HAVE_CUDA
void set_allow_tf32(bool on) { cuda::set_tf32(on); }
bool allow_tf32() { return cuda::tf32(); }
#else
namespace {
std::atomic<bool> g_allow_tf32{false};  // kept so the setting reads back on a CPU-only build
}
void set_allow_tf32(bool on) { g_allow_tf32.store(on); }
bool allow_tf32() { return g_allow_tf32.load(); }
#endif

}  // namespace dagnet
