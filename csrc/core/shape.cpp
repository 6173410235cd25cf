#include "core/shape.h"

#include <limits>
#include <ostream>

#include "core/error.h"

namespace dagnet {

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i] < 0 ? std::string("None") : std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const ShapeText& text) { return os << shape_str(text.shape); }

bool is_fully_known(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) return false;
  return true;
}

int64_t product(const Shape& shape, size_t begin, size_t end) {
  // The product of the nonzero dims must fit too (NumPy's rule), so that every stride of
  // a tensor, empty or not, is representable: kernels compute them without checks.
  int64_t nonzero = 1;
  bool zero = false;
  for (size_t i = begin; i < end; ++i) {
    int64_t d = shape[i];
    check(d >= 0, ErrorKind::Value, "shape ", shape_text(shape), " has an unknown dimension");
    if (d == 0) {
      zero = true;
      continue;
    }
    check(nonzero <= std::numeric_limits<int64_t>::max() / d, ErrorKind::Value, "shape ", shape_text(shape),
          " has too many elements");
    nonzero *= d;
  }
  return zero ? 0 : nonzero;
}

int64_t num_elements(const Shape& shape) { return product(shape, 0, shape.size()); }

int normalize_axis(int64_t axis, size_t rank, const std::string& what) {
  int64_t r = static_cast<int64_t>(rank);
  check(axis >= -r && axis < r, ErrorKind::Value, what, ": axis ", axis, " is out of range for rank ", r);
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

bool dims_compatible(int64_t a, int64_t b) { return a < 0 || b < 0 || a == b; }

}  // namespace dagnet
