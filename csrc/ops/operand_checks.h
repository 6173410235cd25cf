// Checks shape rules share so that no kernel is handed buffers inconsistent with what it
// reads: a gradient op's operands are checked against the shapes its forward op implies,
// not taken on trust (they may come from a file or a hand-built graph). Shapes may hold
// unknown dims (-1) at graph build time; an unknown dim agrees with anything, and the
// same rule runs again with every dim known when a plan is made.
// Sizes come from users and files, so products and window arithmetic are overflow-checked.
#pragma once
#include <cstdint>
#include <string>

#include "graph/op.h"

namespace dagnet {

// Same rank and every pair of dims compatible.
bool shapes_compatible(const Shape& a, const Shape& b);
// Whether `shape` broadcasts to exactly `target` (NumPy's rules, right-aligned).
bool broadcasts_to(const Shape& shape, const Shape& target);

// Input i must have a shape compatible with `expected`; the error names `what`.
void require_shape(const InferContext& ctx, size_t i, const Shape& expected, const std::string& what);
// Input i must have dtype `expected`.
void require_dtype(const InferContext& ctx, size_t i, DType expected, const std::string& what);

// a * b and a + b, or a Value error naming `what` when the result does not fit in int64
// (through ctx when given). Unknown operands (-1) give -1.
int64_t checked_mul(int64_t a, int64_t b, const std::string& what, const InferContext* ctx = nullptr);
int64_t checked_add(int64_t a, int64_t b, const std::string& what, const InferContext* ctx = nullptr);
// The product of dims [begin, end), -1 if one is unknown; overflow is an error.
int64_t checked_product(const Shape& shape, size_t begin, size_t end, const InferContext* ctx = nullptr);

// `elements` of `dtype` in bytes, or a Memory error naming `what` when that overflows.
size_t scratch_bytes(int64_t elements, DType dtype, const std::string& what);

// Throws through ctx when given, else as a plain Value error.
[[noreturn]] void fail_shape(const InferContext* ctx, const std::string& message);

}  // namespace dagnet
