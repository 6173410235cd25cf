#include "ops/operand_checks.h"

namespace dagnet {

bool shapes_compatible(const Shape& a, const Shape& b) {
  if (a.size() != b.size()) return false;
  for (size_t d = 0; d < a.size(); ++d)
    if (!dims_compatible(a[d], b[d])) return false;
  return true;
}

bool broadcasts_to(const Shape& shape, const Shape& target) {
  if (shape.size() > target.size()) return false;
  const size_t offset = target.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != 1 && !dims_compatible(shape[d], target[offset + d])) return false;
  return true;
}

void require_shape(const InferContext& ctx, size_t i, const Shape& expected, const std::string& what) {
  ctx.require(shapes_compatible(ctx.shape(i), expected), what, " (input ", i, ") must have shape ", shape_str(expected),
              ", got ", shape_str(ctx.shape(i)));
}

void require_dtype(const InferContext& ctx, size_t i, DType expected, const std::string& what) {
  check(ctx.dtype(i) == expected, ErrorKind::Type, ctx.where(), ": ", what, " (input ", i, ") must be ",
        dtype_name(expected), ", got ", dtype_name(ctx.dtype(i)));
}

void fail_shape(const InferContext* ctx, const std::string& message) {
  if (ctx) ctx->fail(message);
  fail(ErrorKind::Value, message);
}

int64_t checked_mul(int64_t a, int64_t b, const std::string& what, const InferContext* ctx) {
  if (a < 0 || b < 0) return kUnknownDim;
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail_shape(ctx, cat(what, " is too large (", a, " x ", b, ")"));
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const std::string& what, const InferContext* ctx) {
  if (a < 0 || b < 0) return kUnknownDim;
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) fail_shape(ctx, cat(what, " is too large (", a, " + ", b, ")"));
  return r;
}

size_t scratch_bytes(int64_t elements, DType dtype, const std::string& what) {
  // Half the address space at most, so callers may round the size up without overflow.
  check(elements >= 0 && static_cast<uint64_t>(elements) <= SIZE_MAX / 2 / dtype_size(dtype), ErrorKind::Memory, what,
        " is too large");
  return static_cast<size_t>(elements) * dtype_size(dtype);
}

int64_t checked_product(const Shape& shape, size_t begin, size_t end, const InferContext* ctx) {
  // As for tensors (core/shape.h): the product of the nonzero dims must fit, whatever zeros
  // there are, so every stride of a shape that passes is representable.
  int64_t nonzero = 1;
  bool unknown = false, zero = false;
  for (size_t i = begin; i < end; ++i) {
    if (shape[i] < 0) unknown = true;
    else if (shape[i] == 0) zero = true;
    else nonzero = checked_mul(nonzero, shape[i], cat("the element count of shape ", shape_str(shape)), ctx);
  }
  return zero ? 0 : unknown ? kUnknownDim : nonzero;
}

}  // namespace dagnet
