// Shapes are row-major dimension lists; -1 marks a dimension unknown until run time
// (Keras's None). Element counts are overflow-checked because shapes come from users.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace dagnet {

using Shape = std::vector<int64_t>;
constexpr int64_t kUnknownDim = -1;

std::string shape_str(const Shape& shape);       // "(None, 32, 3)"
// A shape for check()'s message parts: printed as shape_str only when the check fails
// (shape_str itself would build its string on every call of a hot check).
struct ShapeText {
  const Shape& shape;
};
inline ShapeText shape_text(const Shape& shape) { return ShapeText{shape}; }
std::ostream& operator<<(std::ostream& os, const ShapeText& text);
bool is_fully_known(const Shape& shape);
int64_t num_elements(const Shape& shape);       // requires a known shape; throws on overflow
int64_t product(const Shape& shape, size_t begin, size_t end);  // known dims only
// Normalise a possibly negative axis against rank, throwing a Value error naming `what`.
int normalize_axis(int64_t axis, size_t rank, const std::string& what);
// Two dims agree if equal or if either is unknown.
bool dims_compatible(int64_t a, int64_t b);

}  // namespace dagnet
