#include "cpu/concat.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
int64_t total(const std::vector<int64_t>& widths) {
  int64_t t = 0;
  for (int64_t w : widths) t += w;
  return t;
}
int64_t grain_for(int64_t row_bytes) { return std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, row_bytes)); }
}  // namespace

void concat_bytes(const std::vector<const void*>& inputs, const std::vector<int64_t>& piece_widths, int64_t outer,
                  size_t element_size, void* out) {
  const int64_t out_width = total(piece_widths);
  parallel_for(outer, grain_for(out_width * element_size), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      char* dst = static_cast<char*>(out) + o * out_width * element_size;
      for (size_t i = 0; i < inputs.size(); ++i) {
        size_t bytes = piece_widths[i] * element_size;
        std::memcpy(dst, static_cast<const char*>(inputs[i]) + o * bytes, bytes);
        dst += bytes;
      }
    }
  });
}

void split_bytes(const void* input, const std::vector<int64_t>& piece_widths, int64_t outer, size_t element_size,
                 const std::vector<void*>& outputs) {
  const int64_t in_width = total(piece_widths);
  parallel_for(outer, grain_for(in_width * element_size), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const char* src = static_cast<const char*>(input) + o * in_width * element_size;
      for (size_t i = 0; i < outputs.size(); ++i) {
        size_t bytes = piece_widths[i] * element_size;
        std::memcpy(static_cast<char*>(outputs[i]) + o * bytes, src, bytes);
        src += bytes;
      }
    }
  });
}

}  // namespace dagnet::cpu
