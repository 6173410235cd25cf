#include "core/tensor.h"

#include <cstring>

#include "core/error.h"

namespace dagnet {

static size_t checked_bytes(const Shape& shape, DType dtype) {
  check(is_fully_known(shape), ErrorKind::Value, "cannot allocate a tensor of partly unknown shape ", shape_str(shape));
  int64_t n = num_elements(shape);
  check(static_cast<uint64_t>(n) <= SIZE_MAX / dtype_size(dtype), ErrorKind::Memory, "tensor of shape ",
        shape_str(shape), " is too large");
  return static_cast<size_t>(n) * dtype_size(dtype);
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  return view(Storage::allocate(checked_bytes(shape, dtype)), 0, shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill_zero();
  return t;
}

Tensor Tensor::view(std::shared_ptr<Storage> storage, size_t offset, const Shape& shape, DType dtype) {
  size_t bytes = checked_bytes(shape, dtype);
  check(storage && offset + bytes <= storage->bytes(), ErrorKind::Runtime, "tensor view of ", bytes,
        " bytes at offset ", offset, " does not fit its storage");
  Tensor t;
  t.storage_ = std::move(storage);
  t.offset_ = offset;
  t.shape_ = shape;
  t.dtype_ = dtype;
  t.numel_ = num_elements(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_);
  if (nbytes()) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

void Tensor::fill_zero() {
  if (nbytes()) std::memset(raw(), 0, nbytes());
}

}  // namespace dagnet
