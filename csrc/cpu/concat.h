// Concatenation along an axis and its inverse. Each tensor is viewed as
// outer x (its length along the axis * inner); pieces interleave per outer index.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dagnet::cpu {

// `piece_widths[i]` = input i's length along the axis times the inner size, in elements.
void concat_bytes(const std::vector<const void*>& inputs, const std::vector<int64_t>& piece_widths, int64_t outer,
                  size_t element_size, void* out);
void split_bytes(const void* input, const std::vector<int64_t>& piece_widths, int64_t outer, size_t element_size,
                 const std::vector<void*>& outputs);

}  // namespace dagnet::cpu
