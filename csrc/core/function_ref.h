// RangeFn: a non-owning reference to a callable taking (begin, end). parallel_for takes one,
// so handing it a lambda allocates nothing (a std::function would heap-allocate any lambda
// with more than two captures, on every kernel call). The callable must outlive the call
// it is passed to, which a lambda written in the call's argument list does.
#pragma once
#include <cstdint>
#include <memory>
#include <type_traits>

namespace dagnet {

class RangeFn {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RangeFn>>>
  RangeFn(F&& f)  // NOLINT: implicit, so call sites pass lambdas as before
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_(&invoke<std::remove_reference_t<F>>) {}
  void operator()(int64_t begin, int64_t end) const { call_(object_, begin, end); }

 private:
  template <typename F>
  static void invoke(void* object, int64_t begin, int64_t end) {
    (*static_cast<F*>(object))(begin, end);
  }
  void* object_;
  void (*call_)(void*, int64_t, int64_t);
};

}  // namespace dagnet
