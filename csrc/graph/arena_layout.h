// Assigns every planned buffer an offset in one arena. Buffers whose lifetimes (in
// the plan's time slots, inclusive) overlap never share bytes; the rest may. Greedy by size,
// lowest fitting offset first (TFLite's strategy): big buffers settle first and small
// ones fill the gaps.
#pragma once
#include <cstddef>
#include <vector>

namespace dagnet {

struct BufferRequest {
  size_t bytes = 0;
  int first = 0;  // first time slot the buffer is live in
  int last = 0;   // last slot it is read in
};

struct ArenaLayout {
  std::vector<size_t> offsets;  // per request
  size_t arena_bytes = 0;       // size of the arena
  size_t naive_bytes = 0;       // what one buffer per request would take
};

// Every offset is a multiple of `alignment` (the device allocator's).
ArenaLayout layout_arena(const std::vector<BufferRequest>& requests, bool reuse, size_t alignment);

}  // namespace dagnet
