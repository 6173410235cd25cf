// dagnet-bench: loads a program file written by model.export_native() and times
// prediction and training steps on random data (or runs given inputs), without Python.
//
//   dagnet-bench MODEL.dgn [--batch N] [--length N] [--warmup N] [--iterations N]
//                          [--threads N] [--mode predict|train|both]
//                          [--inputs FILE --outputs FILE]   (prediction on given tensors)
#include <sys/resource.h>

#include <algorithm>
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

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "%s\nusage: dagnet-bench MODEL.dgn [--batch N] [--length N] [--warmup N] [--iterations N] "
               "[--threads N] [--mode predict|train|both] [--inputs FILE --outputs FILE]\n",
               message);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--batch") o.batch = std::stoll(next());
    else if (arg == "--length") o.length = std::stoll(next());
    else if (arg == "--warmup") o.warmup = std::stoll(next());
    else if (arg == "--iterations") o.iterations = std::stoll(next());
    else if (arg == "--threads") o.threads = std::stoi(next());
    else if (arg == "--mode") o.mode = next();
    else if (arg == "--inputs") o.inputs = next();
    else if (arg == "--outputs") o.outputs = next();
    else if (arg == "--help" || arg == "-h") usage("dagnet-bench: time a model exported with model.export_native()");
    else if (!arg.empty() && arg[0] == '-') usage(("unknown option " + arg).c_str());
    else o.model = arg;
  }
  if (o.model.empty()) usage("no model file given");
  if (o.batch < 1 || o.iterations < 1 || o.warmup < 0) usage("batch and iterations must be >= 1");
  return o;
}

// Random data for each input: the batch axis gets --batch, other unknown axes --length;
// floats uniform in [-1, 1), integers 0 or 1 (valid for any embedding or label set).
std::vector<Tensor> random_feeds(const Graph& g, const std::vector<ValueId>& inputs, const Options& o,
                                 std::mt19937_64& rng) {
  std::vector<Tensor> feeds;
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (ValueId id : inputs) {
    Shape shape = g.value(id).spec.shape;
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
      if (o.outputs.empty()) throw Error(ErrorKind::Value, "--inputs needs --outputs");
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dagnet-bench: %s\n", e.what());
    return 1;
  }
}
