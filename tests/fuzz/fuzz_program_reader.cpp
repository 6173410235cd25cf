// libFuzzer target: the .dgn program reader, then what dagnet-bench does with a file it
// read: plan and run the prediction program and one training step on small inputs. Any
// input must end in a result or a dagnet::Error; a crash, a sanitizer report, another
// exception or an allocation past the limits is a finding.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "graph/executor.h"
#include "graph/serialize.h"
#include "graph/training.h"
#include "runtime/init.h"

using namespace dagnet;

namespace {
constexpr int64_t kMaxFeedElements = 1 << 12;

// Zero-filled feeds (index 0 is valid for every embedding and label), unknown dims 2;
// false when a declared shape is too large to feed here.
bool small_feeds(const Graph& g, const std::vector<ValueId>& inputs, std::vector<Tensor>& feeds) {
  for (ValueId id : inputs) {
    Shape shape = g.value(id).spec.shape;
    int64_t n = 1;
    for (int64_t& d : shape) {
      if (d < 0) d = 2;
      if (d > kMaxFeedElements) return false;
      n *= d;
      if (n > kMaxFeedElements) return false;
    }
    feeds.push_back(Tensor::zeros(shape, g.value(id).spec.dtype));
  }
  return true;
}

void run_program(const Program& p) {
  try {
    Executor ex(p.graph, p.fetches, p.state_updates);
    std::vector<Tensor> feeds;
    if (small_feeds(*p.graph, ex.required_inputs(), feeds)) ex.run(feeds);
  } catch (const Error&) {}
  if (p.loss == kNoValue) return;
  try {  // adds backward and update nodes: after the executor above is gone
    Trainer trainer(p.graph, p.loss, p.params, p.optimizer, {}, {}, p.constraints, p.state_updates);
    std::vector<Tensor> feeds;
    if (small_feeds(*p.graph, trainer.executor().required_inputs(), feeds)) trainer.step(feeds);
  } catch (const Error&) {}
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  init_engine();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<Program> programs;
  try {
    programs = read_programs(in, size, "fuzz input");
  } catch (const Error&) {
    return 0;
  }
  for (const Program& p : programs) run_program(p);
  return 0;
}
