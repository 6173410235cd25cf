#include "graph/arena_layout.h"

#include <algorithm>
#include <numeric>

#include "core/allocator.h"

namespace dagnet {

ArenaLayout layout_arena(const std::vector<BufferRequest>& requests, bool reuse, size_t alignment) {
  auto aligned = [alignment](size_t bytes) { return round_up(bytes, alignment); };
  ArenaLayout layout;
  layout.offsets.assign(requests.size(), 0);
  for (const auto& r : requests) layout.naive_bytes += aligned(r.bytes);
  if (!reuse) {
    size_t offset = 0;
    for (size_t i = 0; i < requests.size(); ++i) {
      layout.offsets[i] = offset;
      offset += aligned(requests[i].bytes);
    }
    layout.arena_bytes = offset;
    return layout;
  }

  std::vector<size_t> by_size(requests.size());
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });
  std::vector<size_t> placed;
  std::vector<std::pair<size_t, size_t>> busy;  // [offset, end) of overlapping placed buffers
  for (size_t i : by_size) {
    const BufferRequest& r = requests[i];
    size_t need = aligned(r.bytes);
    busy.clear();
    for (size_t j : placed) {
      const BufferRequest& o = requests[j];
      if (o.first <= r.last && r.first <= o.last)
        busy.emplace_back(layout.offsets[j], layout.offsets[j] + aligned(o.bytes));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + need) break;  // the gap before this block fits
      offset = std::max(offset, end);
    }
    layout.offsets[i] = offset;
    layout.arena_bytes = std::max(layout.arena_bytes, offset + need);
    placed.push_back(i);
  }
  return layout;
}

}  // namespace dagnet
