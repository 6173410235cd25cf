// A dense, contiguous, row-major array: shape + dtype + a window into refcounted storage.
// Copying a Tensor shares the bytes (like NumPy views); `clone` copies them. Every
// operation that touches bytes goes through the storage's device backend, so the same
// calls work for CPU and CUDA tensors; data<T>() is a device pointer for a CUDA tensor.
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
  // A new zero-filled tensor.
  static Tensor zeros(const Shape& shape, DType dtype, Device device = cpu_device());
  // A new uninitialised tensor.
  static Tensor empty(const Shape& shape, DType dtype, Device device = cpu_device());
  // A view of `storage` starting at byte `offset`; checks that it fits.
  static Tensor view(std::shared_ptr<Storage> storage, size_t offset, const Shape& shape, DType dtype);
  // A host scalar of `dtype` holding `value` (converted), on `device`.
  static Tensor scalar(double value, DType dtype, Device device = cpu_device());

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

  // A copy on the same device.
  Tensor clone() const;
  // A copy on `device` (this tensor itself when it is already there).
  Tensor to(Device device) const;
  void fill_zero();
  // Copies src's bytes into this tensor (same shape and dtype, any devices).
  void copy_from(const Tensor& src);
  // The value of a one-element tensor, read from any device, as double / int64.
  double item() const;
  int64_t item_int() const;
  // Writes a one-element tensor on any device.
  void set_item(double value);
  void set_item_int(int64_t value);

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  Shape shape_;
  DType dtype_ = DType::f32;
  int64_t numel_ = 0;
};

}  // namespace dagnet
