// skaccel's thread pool. Why not OpenMP: GNU libgomp hangs in a fork()ed child that
// starts a parallel region after the parent used one (prefork servers, multiprocessing's
// fork start method), and a wheel linked to it depends on the system's libgomp. This pool
// is small, has no dependency, and hands a child process a fresh pool.
//
// A call of parallel_tasks() is a job: n task indices handed out by an atomic counter. The
// caller works on its own job and waits for it; idle pool threads take indices of the
// oldest unfinished job. Several jobs may be queued at once (kernels called from several
// Python threads), and a task may start a nested job: the caller can always finish its
// job alone, so nothing deadlocks.
#include "skaccel/threading.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mapping_guard.hpp"
#include "skaccel/version.hpp"

namespace skaccel {
namespace {

constexpr int kMaxPoolThreads = 256;

struct Job {
  const std::function<void(int)>* task = nullptr;
  int n = 0;
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;  // the first task's exception; guarded by mutex
  // The caller reads a mapped model file under a fault guard (mapping_guard.hpp): every
  // task then runs under a guard of its own, on whichever thread, so that a fault never
  // jumps past the wait for the other tasks.
  bool guarded = false;
};

// Runs indices of `job` until none is left.
void work_on(Job& job) {
  for (int k; (k = job.next.fetch_add(1, std::memory_order_relaxed)) < job.n;) {
    try {
      if (!job.guarded) {
        (*job.task)(k);
      } else if (!mapping::call_guarded([&] { (*job.task)(k); })) {
        mapping::throw_fault();  // this task read a vanished page of a mapped model file
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(job.mutex);
      if (!job.error) job.error = std::current_exception();
    }
    if (job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.n) {
      std::lock_guard<std::mutex> lock(job.mutex);
      job.finished.notify_all();
    }
  }
}

class Pool {
 public:
  void run(int n, const std::function<void(int)>& task) {
    auto job = std::make_shared<Job>();
    job->task = &task;
    job->n = n;
    job->guarded = mapping::guard_active();
    const int helpers = std::min(n - 1, kMaxPoolThreads);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(threads_) < helpers) {
        std::thread([this] { serve(); }).detach();
        ++threads_;
      }
      queue_.push_back(job);
    }
    if (helpers >= static_cast<int>(threads_))
      wake_.notify_all();
    else
      for (int i = 0; i < helpers; ++i) wake_.notify_one();
    work_on(*job);
    {
      std::unique_lock<std::mutex> lock(job->mutex);
      job->finished.wait(lock, [&] { return job->done.load(std::memory_order_acquire) == n; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.erase(std::remove(queue_.begin(), queue_.end(), job), queue_.end());
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void serve() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
          while (!queue_.empty() &&
                 queue_.front()->next.load(std::memory_order_relaxed) >= queue_.front()->n)
            queue_.pop_front();  // every index handed out: its caller finishes it
          if (!queue_.empty()) break;
          wake_.wait(lock);
        }
        job = queue_.front();
      }
      work_on(*job);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  unsigned threads_ = 0;  // detached; they live as long as the process
};

// The pool is never destroyed: its threads may still wait on it while the process exits.
std::atomic<Pool*> g_pool{nullptr};

// In a fork()ed child only the forking thread exists: the parent's pool (whose mutex a
// vanished thread may hold) is abandoned, and the child starts with an empty one.
void start_fresh_pool_in_child() { g_pool.store(new Pool(), std::memory_order_release); }

Pool& pool() {
  static const bool initialized = [] {
    g_pool.store(new Pool(), std::memory_order_release);
    ::pthread_atfork(nullptr, nullptr, start_fresh_pool_in_child);
    return true;
  }();
  (void)initialized;
  return *g_pool.load(std::memory_order_acquire);
}

std::atomic<int> g_thread_limit{0};  // 0: the environment's default

int environment_threads() {
  static const int n = [] {
    if (const char* env = std::getenv("OMP_NUM_THREADS")) {
      char* end = nullptr;
      const long v = std::strtol(env, &end, 10);  // "4" or "4,2": the outermost level
      if (end != env && v > 0) return static_cast<int>(std::min<long>(v, kMaxPoolThreads));
    }
    return hardware_threads();
  }();
  return n;
}

}  // namespace

int hardware_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

int default_n_threads() {
  const int limit = g_thread_limit.load(std::memory_order_relaxed);
  return limit > 0 ? limit : environment_threads();
}

void set_default_n_threads(int n) {
  g_thread_limit.store(std::clamp(n, 0, kMaxPoolThreads), std::memory_order_relaxed);
}

int resolve_n_threads(int n_jobs, bool n_jobs_given) {
  if (!n_jobs_given || n_jobs == 0) return default_n_threads();
  const int cores = hardware_threads();
  if (n_jobs < 0) return std::max(1, cores + 1 + n_jobs);
  return std::min(n_jobs, cores);
}

void parallel_tasks(int n_tasks, const std::function<void(int)>& task) {
  if (n_tasks <= 0) return;
  if (n_tasks == 1) {
    task(0);
    return;
  }
  pool().run(n_tasks, task);
}

}  // namespace skaccel

extern "C" {
int skaccel_get_num_threads(void) { return skaccel::default_n_threads(); }
void skaccel_set_num_threads(int n) { skaccel::set_default_n_threads(n); }
const char* skaccel_version(void) { return skaccel::kVersion; }
}
