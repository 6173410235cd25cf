#include "core/dtype.h"

#include "core/error.h"

namespace dagnet {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i32: return 4;
    case DType::i64: return 8;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
  }
  return "?";
}

DType dtype_from_name(const std::string& name) {
  if (name == "float32" || name == "float") return DType::f32;
  if (name == "float64" || name == "double") return DType::f64;
  if (name == "int32") return DType::i32;
  if (name == "int64") return DType::i64;
  fail(ErrorKind::Type, "unsupported dtype '", name, "' (expected float32, float64, int32 or int64)");
}

bool is_floating(DType dtype) { return dtype == DType::f32 || dtype == DType::f64; }

}  // namespace dagnet
