// The collective watchdog: one sleeping thread that ends the job when a guarded wait (a
// collective, a bucket wait, finalize) outlives the timeout, so a process that failed or
// stopped without dying can never leave the others hanging. Arming costs a map insert,
// not a thread handoff, so every collective is guarded.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "distributed/collective.h"

namespace dagnet::distributed {

namespace {
using Clock = std::chrono::steady_clock;

struct Watchdog {
  std::mutex mutex;
  std::condition_variable cv;
  std::map<uint64_t, std::pair<Clock::time_point, std::string>> armed;  // id -> (deadline, what)
  uint64_t next_id = 1;
  bool running = false;

  void ensure_running() {
    if (running) return;
    running = true;
    std::thread([this] { loop(); }).detach();  // lives as long as the process
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      if (armed.empty()) {
        cv.wait(lock);
        continue;
      }
      auto earliest = armed.begin();
      for (auto it = armed.begin(); it != armed.end(); ++it)
        if (it->second.first < earliest->second.first) earliest = it;
      if (Clock::now() < earliest->second.first) {
        cv.wait_until(lock, earliest->second.first);
        continue;
      }
      const std::string what = earliest->second.second;
      lock.unlock();
      abort_job(1, cat("waited more than ", timeout(), " s for ", what,
                       ": another process failed or stopped taking part (its own output says why). Ending the "
                       "job. DAGNET_DISTRIBUTED_TIMEOUT (seconds) sets this limit."));
    }
  }
};

Watchdog& watchdog() {
  static Watchdog* instance = new Watchdog();  // never destroyed: its thread may outlive static destructors
  return *instance;
}
}  // namespace

WaitGuard::WaitGuard(std::string what) {
  const double seconds = timeout();
  if (!(seconds > 0)) return;
  Watchdog& w = watchdog();
  {
    std::lock_guard<std::mutex> lock(w.mutex);
    w.ensure_running();
    id_ = w.next_id++;
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    w.armed.emplace(id_, std::make_pair(deadline, std::move(what)));
  }
  w.cv.notify_one();
}

WaitGuard::~WaitGuard() {
  if (id_ == 0) return;
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> lock(w.mutex);
  w.armed.erase(id_);
}

}  // namespace dagnet::distributed
