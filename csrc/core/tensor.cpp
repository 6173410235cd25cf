#include "core/tensor.h"

#include <cstring>

#include "core/device_backend.h"
#include "core/error.h"

namespace dagnet {

static size_t checked_bytes(const Shape& shape, DType dtype) {
  check(is_fully_known(shape), ErrorKind::Value, "cannot allocate a tensor of partly unknown shape ",
        shape_text(shape));
  int64_t n = num_elements(shape);
  check(static_cast<uint64_t>(n) <= SIZE_MAX / dtype_size(dtype), ErrorKind::Memory, "tensor of shape ",
        shape_text(shape), " is too large");
  return static_cast<size_t>(n) * dtype_size(dtype);
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  return view(Storage::allocate(checked_bytes(shape, dtype), device), 0, shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
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

Tensor Tensor::scalar(double value, DType dtype, Device device) {
  Tensor t = empty({}, dtype, device);
  t.set_item(value);
  return t;
}

Tensor Tensor::clone() const { return to(device()); }

Tensor Tensor::to(Device target) const {
  Tensor t = empty(shape_, dtype_, target);
  t.copy_from(*this);
  return t;
}

void Tensor::fill_zero() {
  if (!nbytes()) return;
  if (device().type == DeviceType::CPU) std::memset(raw(), 0, nbytes());
  else backend_for(device()).fill_zero(raw(), nbytes(), device().index, nullptr);
}

void Tensor::copy_from(const Tensor& src) {
  check(src.shape() == shape_ && src.dtype() == dtype_, ErrorKind::Value, "copy_from: a ", dtype_name(src.dtype()),
        " tensor of shape ", shape_text(src.shape()), " into a ", dtype_name(dtype_), " tensor of shape ",
        shape_text(shape_));
  if (!nbytes()) return;
  const Device from = src.device(), to = device();
  if (from.type == DeviceType::CPU && to.type == DeviceType::CPU) {
    std::memcpy(raw(), src.raw(), nbytes());
    return;
  }
  // The non-CPU side's backend moves the bytes (host <-> device, or within the device).
  backend_for(to.type != DeviceType::CPU ? to : from).copy(raw(), to, src.raw(), from, nbytes(), nullptr);
}

namespace {
// A one-element tensor's bytes on the host.
template <typename Fn>
void with_host_scalar(const Tensor& t, bool write_back, Fn&& fn) {
  check(t.numel() == 1, ErrorKind::Value, "expected a one-element tensor, got shape ", shape_text(t.shape()));
  if (t.device().type == DeviceType::CPU) {
    fn(t.raw());
    return;
  }
  alignas(8) unsigned char host[8];
  Tensor host_view = Tensor::view(Storage::borrow(host, sizeof host, nullptr), 0, t.shape(), t.dtype());
  host_view.copy_from(t);
  fn(static_cast<void*>(host));
  if (write_back) const_cast<Tensor&>(t).copy_from(host_view);
}
}  // namespace

void Tensor::set_item_int(int64_t value) {
  with_host_scalar(*this, true, [&](void* p) {
    switch (dtype_) {
      case DType::f32: *static_cast<float*>(p) = static_cast<float>(value); break;
      case DType::f64: *static_cast<double*>(p) = static_cast<double>(value); break;
      case DType::i32: *static_cast<int32_t*>(p) = static_cast<int32_t>(value); break;
      case DType::i64: *static_cast<int64_t*>(p) = value; break;
    }
  });
}

double Tensor::item() const {
  double v = 0;
  with_host_scalar(*this, false, [&](void* p) {
    switch (dtype_) {
      case DType::f32: v = *static_cast<float*>(p); break;
      case DType::f64: v = *static_cast<double*>(p); break;
      case DType::i32: v = *static_cast<int32_t*>(p); break;
      case DType::i64: v = static_cast<double>(*static_cast<int64_t*>(p)); break;
    }
  });
  return v;
}

int64_t Tensor::item_int() const {
  int64_t v = 0;
  with_host_scalar(*this, false, [&](void* p) {
    switch (dtype_) {
      case DType::f32: v = static_cast<int64_t>(*static_cast<float*>(p)); break;
      case DType::f64: v = static_cast<int64_t>(*static_cast<double*>(p)); break;
      case DType::i32: v = *static_cast<int32_t*>(p); break;
      case DType::i64: v = *static_cast<int64_t*>(p); break;
    }
  });
  return v;
}

void Tensor::set_item(double value) {
  with_host_scalar(*this, true, [&](void* p) {
    switch (dtype_) {
      case DType::f32: *static_cast<float*>(p) = static_cast<float>(value); break;
      case DType::f64: *static_cast<double*>(p) = value; break;
      case DType::i32: *static_cast<int32_t*>(p) = static_cast<int32_t>(value); break;
      case DType::i64: *static_cast<int64_t*>(p) = static_cast<int64_t>(value); break;
    }
  });
}

}  // namespace dagnet
