#include "cpu/strided.h"

namespace dagnet::cpu {

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& target) {
  std::vector<int64_t> own = contiguous_strides(shape);
  std::vector<int64_t> out(target.size(), 0);
  const size_t offset = target.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d) out[offset + d] = shape[d] == 1 && target[offset + d] != 1 ? 0 : own[d];
  return out;
}

}  // namespace dagnet::cpu
