// Native stress test for the sanitizer builds (tools/sanitize.sh): the thread pool under
// concurrent and nested use, its chunk hand-out (exact coverage, a blocked worker), pool replacement while work is in
// flight, errors thrown from chunks, and concurrent prediction (one executor shared by several threads, and several
// executors over one graph) compared with a single-threaded reference. Python cannot
// drive these races hard enough from one interpreter. Prints "stress: ok" and exits 0, or
// names the first wrong result and exits 1; the sanitizers report races and memory errors.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "graph/executor.h"
#include "runtime/init.h"

using namespace dagnet;

namespace {
int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "stress: FAILED: %s\n", what.c_str());
    ++failures;
  }
}

// sum of i over [0, n) computed in parallel chunks, each adding its part atomically.
int64_t parallel_sum(int64_t n, int64_t grain) {
  std::atomic<int64_t> total{0};
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    int64_t part = 0;
    for (int64_t i = b; i < e; ++i) part += i;
    total += part;
  });
  return total.load();
}

void pool_from_many_threads() {
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const int64_t n = 1000 + 37 * t + round;
        if (parallel_sum(n, 7) != n * (n - 1) / 2) ++wrong;
        // Nested: each chunk runs a parallel_for of its own (inline inside a task).
        std::atomic<int64_t> nested{0};
        parallel_for(8, 1, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) nested += parallel_sum(100, 3);
        });
        if (nested != 8 * 4950) ++wrong;
      }
    });
  for (auto& c : callers) c.join();
  expect(wrong == 0, "parallel_for sums from 4 threads");
}

// Every index in exactly one chunk, every chunk but the last at least `grain` long, as many
// chunks as chunk_count says, for random sizes and grains.
void chunks_cover_exactly() {
  std::mt19937_64 rng(14);
  ThreadPool& pool = thread_pool();
  int wrong = 0;
  for (int round = 0; round < 300 && !wrong; ++round) {
    const int64_t n = 1 + static_cast<int64_t>(rng() % (round < 150 ? 200 : 100000));
    const int64_t grain = static_cast<int64_t>(rng() % 3 == 0 ? 1 : 1 + rng() % 5000);
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    for (auto& h : hits) h.store(0);
    std::atomic<int64_t> calls{0}, short_chunks{0};
    parallel_for(n, grain, [&](int64_t b, int64_t e) {
      ++calls;
      if (e - b < grain && e != n) ++short_chunks;
      for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
    });
    for (const auto& h : hits)
      if (h.load() != 1) ++wrong;
    if (short_chunks != 0 || calls != pool.chunk_count(n, grain)) ++wrong;
  }
  expect(wrong == 0, "parallel_for runs every index once, in chunks of at least the grain");
  // Enough chunks that a worker holds a small share: 16 per thread when the grain allows.
  expect(pool.chunk_count(1 << 20, 1) == 16 * pool.size(), "a large parallel_for is cut into 16 chunks per thread");
  expect(pool.chunk_count(100, 1000) == 1, "a parallel_for below the grain is one chunk");
}

// A worker stuck in its chunk (as one the OS has descheduled) holds only that chunk: the
// caller runs every other chunk itself and then waits for the stuck one alone. Here the
// stuck chunk is released only once all the others are done, so a pool that waited for
// it earlier, or gave the stuck worker more chunks, would never finish (reported after
// a timeout, not a hang).
void stuck_worker_holds_one_chunk() {
  set_num_threads(2);  // one worker: while it is stuck, only the caller can run chunks
  const auto caller = std::this_thread::get_id();
  const int64_t n = 4096;
  const int64_t chunks = thread_pool().chunk_count(n, 1);
  for (int round = 0; round < 20; ++round) {
    std::atomic<bool> stuck_taken{false}, timed_out{false};
    std::atomic<int64_t> finished{0}, by_caller{0};
    std::atomic<int64_t> sum{0};
    parallel_for(n, 1, [&](int64_t b, int64_t e) {
      if (std::this_thread::get_id() != caller && !stuck_taken.exchange(true)) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (finished.load() < chunks - 1 && !timed_out)
          if (std::chrono::steady_clock::now() > give_up) timed_out = true;
          else std::this_thread::yield();
      } else if (std::this_thread::get_id() == caller) {
        ++by_caller;
      }
      int64_t part = 0;
      for (int64_t i = b; i < e; ++i) part += i;
      sum += part;
      ++finished;
    });
    if (timed_out) {
      expect(false, "the caller finished the chunks of a stuck worker");
      return;
    }
    expect(sum == n * (n - 1) / 2, "a parallel_for with a stuck worker sums correctly");
    // The worker held its one chunk; the caller ran all the others (or all, if the worker
    // came too late to claim any).
    expect(by_caller == (stuck_taken ? chunks - 1 : chunks), "the caller ran every chunk a stuck worker did not hold");
  }
  expect(chunks == 32, "a 4096-long parallel_for on two threads is cut into 32 chunks");
  set_num_threads(4);
}

void errors_from_chunks() {
  bool caught = false;
  try {
    parallel_for(1000, 10, [](int64_t b, int64_t) {
      if (b >= 500) throw Error(ErrorKind::Value, "chunk failed");
    });
  } catch (const Error& e) {
    caught = std::string(e.what()) == "chunk failed";
  }
  expect(caught, "an exception thrown in a chunk reaches the caller");
  expect(parallel_sum(10000, 13) == 10000LL * 9999 / 2, "the pool works after an exception");
}

void replace_pool_while_busy() {
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::thread worker([&] {
    while (!done) {
      const int64_t n = 20000;
      if (parallel_sum(n, 64) != n * (n - 1) / 2) ++wrong;
    }
  });
  for (int i = 0; i < 50; ++i) set_num_threads(2 + i % 3);
  done = true;
  worker.join();
  expect(wrong == 0, "parallel_for while set_num_threads replaces the pool");
  bool refused = false;
  try {
    set_num_threads(kMaxThreads + 1);
  } catch (const Error&) {
    refused = true;
  }
  expect(refused, "an absurd thread count is refused");
}

Tensor pseudo_random(const Shape& shape, uint32_t seed) {
  Tensor t = Tensor::empty(shape, DType::f32);
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.data<float>()[i] = static_cast<float>(s >> 8) / static_cast<float>(1 << 24) - 0.5f;
  }
  return t;
}

// Dense, convolution + pooling and LSTM branches: kernels that parallelise internally,
// in independent branches the executor may run at once.
std::shared_ptr<Graph> model(std::vector<ValueId>& fetches) {
  auto g = std::make_shared<Graph>();
  ValueId x = g->add_input("x", {-1, 16}, DType::f32);
  ValueId img = g->add_input("img", {-1, 8, 8, 3}, DType::f32);
  ValueId seq = g->add_input("seq", {-1, 5, 4}, DType::f32);
  Attrs relu;
  relu.set("activation", std::string("relu"));
  ValueId h = g->add_node("dense", {x, g->add_param("w1", pseudo_random({16, 32}, 1))}, relu)[0];
  fetches.push_back(g->add_node("dense", {h, g->add_param("w2", pseudo_random({32, 8}, 2))}, {})[0]);
  Attrs conv = relu;
  conv.set("padding", std::string("same"));
  ValueId c = g->add_node("conv2d", {img, g->add_param("k", pseudo_random({3, 3, 3, 4}, 3))}, conv)[0];
  ValueId p = g->add_node("max_pool2d", {c}, {})[0];
  fetches.push_back(g->add_node("global_avg_pool", {p}, {})[0]);
  ValueId l = g->add_node("lstm",
                          {seq, g->add_param("lk", pseudo_random({4, 24}, 4)),
                           g->add_param("lr", pseudo_random({6, 24}, 5)), g->add_param("lb", pseudo_random({24}, 6))},
                          {})[0];
  fetches.push_back(l);
  return g;
}

bool same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].shape() != b[i].shape()) return false;
    for (int64_t j = 0; j < a[i].numel(); ++j)
      if (a[i].data<float>()[j] != b[i].data<float>()[j]) return false;
  }
  return true;
}

void concurrent_predict() {
  std::vector<ValueId> fetches;
  auto graph = model(fetches);
  std::vector<std::vector<Tensor>> feeds;
  for (int batch : {1, 7, 33})
    feeds.push_back({pseudo_random({batch, 16}, 10 + batch), pseudo_random({batch, 8, 8, 3}, 20 + batch),
                     pseudo_random({batch, 5, 4}, 30 + batch)});
  std::vector<std::vector<Tensor>> expected;
  {
    set_num_threads(1);
    Executor reference(graph, fetches);
    for (const auto& f : feeds) expected.push_back(reference.run(f));
    set_num_threads(4);
  }
  Executor shared(graph, fetches);
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      Executor own(graph, fetches);  // its own plans over the same graph and parameters
      for (int round = 0; round < 20; ++round) {
        const size_t k = static_cast<size_t>(t + round) % feeds.size();
        if (!same(shared.run(feeds[k]), expected[k])) ++wrong;
        if (!same(own.run(feeds[k]), expected[k])) ++wrong;
      }
    });
  for (auto& c : callers) c.join();
  expect(wrong == 0, "concurrent predictions equal the single-threaded ones");
}
}  // namespace

int main() {
  init_engine();
  set_num_threads(4);
  chunks_cover_exactly();
  stuck_worker_holds_one_chunk();
  pool_from_many_threads();
  errors_from_chunks();
  replace_pool_while_busy();
  concurrent_predict();
  if (failures) return 1;
  std::printf("stress: ok\n");
  return 0;
}
