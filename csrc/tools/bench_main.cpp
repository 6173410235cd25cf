// dagnet-bench: loads a program file written by model.export_native() and times
// prediction and training steps on random data (or runs given inputs), without Python.
//
//   dagnet-bench MODEL.dgn [--batch N] [--length N] [--warmup N] [--iterations N]
//                          [--threads N] [--mode predict|train|both]
//                          [--inputs FILE --outputs FILE]   (prediction on given tensors)
//   dagnet-bench --help | --version
// A bad command line exits with status 2 and the usage; a model that cannot be run
// (unreadable file, bad inputs, threads the OS will not start) with status 1.
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "graph/executor.h"
#include "graph/serialize.h"
#include "graph/training.h"
#include "runtime/build_info.h"
#include "runtime/init.h"

using namespace dagnet;

namespace {
struct Options {
  std::string model, mode = "both", inputs, outputs;
  int64_t batch = 32, length = 16, warmup = 3, iterations = 20;
  int threads = 0;
};

constexpr const char* kUsage =
    "usage: dagnet-bench MODEL.dgn [--batch N] [--length N] [--warmup N] [--iterations N] [--threads N]\n"
    "                    [--mode predict|train|both] [--inputs FILE --outputs FILE]\n"
    "       dagnet-bench --help | --version\n"
    "Times prediction and training steps of a model written by model.export_native() on random\n"
    "data, or runs the prediction program on the tensors in --inputs and writes --outputs.\n"
    "  --batch N       size of the batch axis (default 32)\n"
    "  --length N      size of the other unknown axes, e.g. sequence length (default 16)\n"
    "  --warmup N      untimed runs first (default 3)\n"
    "  --iterations N  timed runs (default 20)\n"
    "  --threads N     engine threads, 1 to 1024 (default: DAGNET_NUM_THREADS, else the cores)\n"
    "  --mode M        predict, train or both (default both)\n"
    "Exit status: 0 done, 1 the model could not be run, 2 bad command line.\n";

// A bad command line: the reason and the usage on stderr, exit status 2.
[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "dagnet-bench: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

// The whole of `text` as an integer in [low, high], else a usage error naming the flag.
int64_t parse_int(const std::string& flag, const std::string& text, int64_t low, int64_t high) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && ptr == end && (value < low || value > high)))
    usage_error(flag + " must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got '" + text +
                "'");
  if (ec != std::errc() || ptr != end || text.empty()) usage_error(flag + " needs an integer, got '" + text + "'");
  return value;
}

Options parse(int argc, char** argv) {
  constexpr int64_t kMaxCount = int64_t(1) << 31;
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage_error("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--batch") o.batch = parse_int(arg, next(), 1, kMaxCount);
    else if (arg == "--length") o.length = parse_int(arg, next(), 1, kMaxCount);
    else if (arg == "--warmup") o.warmup = parse_int(arg, next(), 0, kMaxCount);
    else if (arg == "--iterations") o.iterations = parse_int(arg, next(), 1, kMaxCount);
    else if (arg == "--threads") o.threads = static_cast<int>(parse_int(arg, next(), 1, kMaxThreads));
    else if (arg == "--mode") o.mode = next();
    else if (arg == "--inputs") o.inputs = next();
    else if (arg == "--outputs") o.outputs = next();
    else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("dagnet-bench %s\n", build_info().version.c_str());
      std::exit(0);
    } else if (!arg.empty() && arg[0] == '-') {
      usage_error("unknown option " + arg);
    } else if (!o.model.empty()) {
      usage_error("more than one model file: " + o.model + " and " + arg);
    } else {
      o.model = arg;
    }
  }
  if (o.model.empty()) usage_error("no model file given");
  if (o.mode != "predict" && o.mode != "train" && o.mode != "both")
    usage_error("--mode must be predict, train or both, got '" + o.mode + "'");
  if (!o.inputs.empty() && o.outputs.empty()) usage_error("--inputs needs --outputs");
  return o;
}

// Unknown non-batch axes of input `id` that an operand of the same rank beside it in a
// node knows: a training program's targets are declared (batch, ?), and the loss node
// pairs them with the prediction, whose shape is known ((batch, 1) after a Dense(1)).
void known_from_siblings(const Graph& g, ValueId id, Shape& shape) {
  for (size_t n = 0; n < g.num_nodes(); ++n) {
    const Node& node = g.node(static_cast<NodeId>(n));
    if (std::find(node.inputs.begin(), node.inputs.end(), id) == node.inputs.end()) continue;
    for (ValueId other : node.inputs) {
      const Shape& known = g.value(other).spec.shape;
      if (other == id || known.size() != shape.size()) continue;
      for (size_t d = 1; d < shape.size(); ++d)
        if (shape[d] < 0 && known[d] >= 0) shape[d] = known[d];
    }
  }
}

// Random data for each input: the batch axis gets --batch, other unknown axes the size a
// sibling operand gives them, else --length; floats uniform in [-1, 1), integers 0 or 1
// (valid for any embedding or label set).
std::vector<Tensor> random_feeds(const Graph& g, const std::vector<ValueId>& inputs, const Options& o,
                                 std::mt19937_64& rng) {
  std::vector<Tensor> feeds;
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (ValueId id : inputs) {
    Shape shape = g.value(id).spec.shape;
    known_from_siblings(g, id, shape);
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] < 0) shape[d] = d == 0 ? o.batch : o.length;
    Tensor t = Tensor::empty(shape, g.value(id).spec.dtype);
    for (int64_t i = 0; i < t.numel(); ++i) {
      switch (t.dtype()) {
        case DType::f32: t.data<float>()[i] = static_cast<float>(uniform(rng)); break;
        case DType::f64: t.data<double>()[i] = uniform(rng); break;
        case DType::i32: t.data<int32_t>()[i] = static_cast<int32_t>(rng() & 1); break;
        case DType::i64: t.data<int64_t>()[i] = static_cast<int64_t>(rng() & 1); break;
      }
    }
    feeds.push_back(std::move(t));
  }
  return feeds;
}

template <typename Fn>
void time_it(const char* what, int64_t warmup, int64_t iterations, int64_t batch, Fn fn) {
  for (int64_t i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  for (int64_t i = 0; i < iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  std::printf("%-8s min %9.3f ms  median %9.3f ms  max %9.3f ms  %10.1f samples/s\n", what, ms.front(), median,
              ms.back(), batch / (median / 1e3));
}

const Program* find(const std::vector<Program>& programs, const std::string& name) {
  for (const Program& p : programs)
    if (p.name == name) return &p;
  return nullptr;
}
}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  try {
    init_engine();
    if (o.threads > 0) set_num_threads(o.threads);
    std::vector<Program> programs = read_programs(o.model);
    BuildInfo info = build_info();
    std::printf("dagnet-bench %s (%s, %s, %d threads): %s\n", info.version.c_str(), info.build_type.c_str(),
                info.cpu_isa.c_str(), num_threads(), o.model.c_str());
    std::mt19937_64 rng(0);
    const Program* predict = find(programs, "predict");
    if (!o.inputs.empty()) {  // run given inputs once and write the outputs
      if (!predict) throw Error(ErrorKind::Value, "the file has no prediction program");
      Executor ex(predict->graph, predict->fetches, predict->state_updates);
      std::vector<Tensor> results = ex.run(read_tensors(o.inputs));
      write_tensors(o.outputs, results);
      return 0;
    }
    std::printf("batch %lld, warm-up %lld, %lld iterations\n", static_cast<long long>(o.batch),
                static_cast<long long>(o.warmup), static_cast<long long>(o.iterations));
    if (predict && (o.mode == "predict" || o.mode == "both")) {
      Executor ex(predict->graph, predict->fetches, predict->state_updates);
      std::vector<Tensor> feeds = random_feeds(*predict->graph, ex.required_inputs(), o, rng);
      time_it("predict", o.warmup, o.iterations, o.batch, [&] { ex.run(feeds); });
    }
    const Program* train = find(programs, "train");
    if (o.mode == "train" || o.mode == "both") {
      if (!train) {
        if (o.mode == "train") throw Error(ErrorKind::Value, "the file has no training program (compile the model)");
      } else {
        Trainer trainer(train->graph, train->loss, train->params, train->optimizer, {}, {}, train->constraints,
                        train->state_updates);
        std::vector<Tensor> feeds = random_feeds(*train->graph, trainer.executor().required_inputs(), o, rng);
        time_it("train", o.warmup, o.iterations, o.batch, [&] { trainer.step(feeds); });
      }
    }
    struct rusage usage_info;
    getrusage(RUSAGE_SELF, &usage_info);
    std::printf("peak memory %.1f MiB\n", usage_info.ru_maxrss / 1024.0);
    return 0;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "dagnet-bench: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dagnet-bench: %s\n", e.what());
    return 1;
  }
}
