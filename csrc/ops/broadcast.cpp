#include "ops/broadcast.h"

#include <algorithm>

namespace dagnet {

Shape broadcast_shapes(const std::vector<Shape>& shapes, const InferContext& ctx) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (size_t back = 0; back < rank; ++back) {
    int64_t known = 1;
    bool unknown = false;
    for (const Shape& s : shapes) {
      if (back >= s.size()) continue;
      int64_t d = s[s.size() - 1 - back];
      if (d < 0) {
        unknown = true;
      } else if (d != 1) {
        if (known != 1 && known != d) {
          std::string all;
          for (const Shape& t : shapes) all += (all.empty() ? "" : " and ") + shape_str(t);
          ctx.fail(cat("shapes ", all, " cannot be broadcast together"));
        }
        known = d;
      }
    }
    out[rank - 1 - back] = known != 1 ? known : unknown ? kUnknownDim : 1;
  }
  return out;
}

}  // namespace dagnet
