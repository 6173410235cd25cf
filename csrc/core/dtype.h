// Element types the engine stores. Floats compute; integers index (embeddings, labels).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace dagnet {

enum class DType : uint8_t { f32, f64, i32, i64 };

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);      // numpy spelling: "float32", ...
DType dtype_from_name(const std::string& name);  // throws a Type error
bool is_floating(DType dtype);

template <typename T> struct dtype_of;
template <> struct dtype_of<float> {
  static constexpr DType value = DType::f32;
};
template <> struct dtype_of<double> {
  static constexpr DType value = DType::f64;
};
template <> struct dtype_of<int32_t> {
  static constexpr DType value = DType::i32;
};
template <> struct dtype_of<int64_t> {
  static constexpr DType value = DType::i64;
};

}  // namespace dagnet
