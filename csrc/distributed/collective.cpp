#include "distributed/collective.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "distributed/mpi_collective.h"

namespace dagnet::distributed {

namespace {

// One process: every collective is the identity.
class LocalCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string description() const override { return "local"; }
  void allreduce_sum(const Tensor&) override {}
  void broadcast(const Tensor&, int root) override {
    check(root == 0, ErrorKind::Value, "broadcast root ", root, " is not a process of 1");
  }
  void barrier() override {}
  void start_allreduce(const Tensor&, DeviceContext*) override {}
  void wait_allreduce(const Tensor&, DeviceContext*) override {}
};

struct Group {
  std::mutex mutex;
  std::unique_ptr<Collective> host = std::make_unique<LocalCollective>();
  MpiCollective* mpi = nullptr;  // host, when it is MPI
  std::map<std::pair<int, int>, std::unique_ptr<Collective>> devices;  // (device type, index)
  std::map<int, DeviceCollectiveFactory> factories;                     // by device type
  std::vector<std::string> device_libraries;
  GroupInfo info;
  std::atomic<double> timeout{600};
};

Group& group() {
  static Group* instance = new Group();  // never destroyed: the watchdog may abort during exit
  return *instance;
}

// Which processes share this one's machine: each writes a hash of its host name into its
// slot, one allreduce-sum tells everyone (launchers name the local rank differently).
void find_local_rank(Collective& host, GroupInfo& info) {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  const int64_t mine = static_cast<int64_t>(std::hash<std::string>{}(name) >> 1) | 1;  // nonzero, positive
  Tensor slots = Tensor::zeros({info.size}, DType::i64);
  slots.data<int64_t>()[info.rank] = mine;
  host.allreduce_sum(slots);
  info.local_rank = info.local_size = 0;
  for (int r = 0; r < info.size; ++r) {
    if (slots.data<int64_t>()[r] != mine) continue;
    if (r < info.rank) ++info.local_rank;
    ++info.local_size;
  }
}

}  // namespace

GroupInfo initialize_mpi(const MpiOptions& options) {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (g.mpi != nullptr) return g.info;
  set_timeout(options.timeout_seconds);
  auto mpi = std::make_unique<MpiCollective>(MpiLibrary::open(options.library_candidates));
  GroupInfo info;
  info.rank = mpi->rank();
  info.size = mpi->size();
  info.backend = mpi->description();
  info.owns_mpi = mpi->library().owns_init();
  if (options.expected_size > 1 && info.size != options.expected_size)
    fail(ErrorKind::Runtime, "the launcher started ", options.expected_size, " processes, but ", info.backend,
         " sees a world of ", info.size,
         ": this MPI library is not the launcher's (an mpirun from one MPI with another's libmpi?). Launch with the "
         "mpirun of the MPI that loaded, or point DAGNET_MPI_LIBRARY at the launcher's libmpi.");
  find_local_rank(*mpi, info);
  g.mpi = mpi.get();
  g.host = std::move(mpi);
  g.devices.clear();
  g.info = info;
  return info;
}

GroupInfo group_info() {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  return g.info;
}

bool is_initialized() {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  return g.mpi != nullptr;
}

void finalize() {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (g.mpi == nullptr) return;
  g.devices.clear();  // device communicators go before the host one they bootstrapped from
  g.mpi->finalize();
  g.mpi = nullptr;
  g.host = std::make_unique<LocalCollective>();
  g.info = GroupInfo{};
}

void set_timeout(double seconds) { group().timeout.store(seconds); }
double timeout() { return group().timeout.load(); }

Collective& host_collective() {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  return *g.host;
}

Collective& collective_for(Device device) {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (device.type == DeviceType::CPU) return *g.host;
  const auto key = std::make_pair(static_cast<int>(device.type), device.index);
  auto it = g.devices.find(key);
  if (it != g.devices.end()) return *it->second;
  auto factory = g.factories.find(static_cast<int>(device.type));
  check(factory != g.factories.end(), ErrorKind::Runtime, "no collective for ", device.str(), " tensors in this build");
  return *g.devices.emplace(key, factory->second(*g.host, device.index)).first->second;
}

void register_device_collective(DeviceType type, DeviceCollectiveFactory factory) {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  g.factories[static_cast<int>(type)] = std::move(factory);
}

void set_device_library_candidates(std::vector<std::string> candidates) {
  Group& g = group();
  std::lock_guard<std::mutex> lock(g.mutex);
  g.device_libraries = std::move(candidates);
}

const std::vector<std::string>& device_library_candidates() { return group().device_libraries; }

void abort_job(int code, const std::string& message) {
  Group& g = group();
  // Read without the lock: the abort may come while another thread holds it.
  std::fprintf(stderr, "\ndagnet.distribution: process %d of %d: %s\n", g.info.rank, g.info.size, message.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  // Should the library hang instead of ending the job, end this process anyway: the
  // launcher then ends the others.
  std::thread([code] {
    std::this_thread::sleep_for(std::chrono::seconds(20));
    _exit(code);
  }).detach();
  if (g.mpi != nullptr) g.mpi->library().abort(code);
  _exit(code);
}

}  // namespace dagnet::distributed
