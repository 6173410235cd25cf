// A dense, contiguous, row-major array: shape + dtype + a window into refcounted storage.
// Copying a Tensor shares the bytes (like NumPy views); `clone` copies them.
#pragma once
#include <cstdint>
#include <memory>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/storage.h"

namespace dagnet {

class Tensor {
 public:
  Tensor() = default;
  // A new zero-filled CPU tensor.
  static Tensor zeros(const Shape& shape, DType dtype);
  // A new uninitialised CPU tensor.
  static Tensor empty(const Shape& shape, DType dtype);
  // A view of `storage` starting at byte `offset`; checks that it fits.
  static Tensor view(std::shared_ptr<Storage> storage, size_t offset, const Shape& shape, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_[i < 0 ? i + shape_.size() : i]; }
  size_t rank() const { return shape_.size(); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : cpu_device(); }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  void* raw() const { return static_cast<char*>(storage_->data()) + offset_; }
  template <typename T>
  T* data() const {
    return static_cast<T*>(raw());
  }

  Tensor clone() const;
  void fill_zero();

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  Shape shape_;
  DType dtype_ = DType::f32;
  int64_t numel_ = 0;
};

}  // namespace dagnet
