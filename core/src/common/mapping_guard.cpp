#include "mapping_guard.hpp"

#include <setjmp.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "skaccel/errors.hpp"

namespace skaccel::mapping {
namespace {

constexpr int kMaxRanges = 4096;

// Lock-free for the signal handler: a slot is free when its begin is 0.
struct Range {
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::uintptr_t> end{0};
};
Range g_ranges[kMaxRanges];
std::atomic<int> g_count{0};
std::mutex g_mutex;  // writers only
struct sigaction g_previous{};
bool g_installed = false;

// The innermost guard of this thread (initial-exec TLS: readable from a signal handler).
__attribute__((tls_model("initial-exec"))) thread_local sigjmp_buf* t_guard = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local std::uintptr_t t_fault = 0;

bool in_range(std::uintptr_t address) {
  for (int i = 0; i < kMaxRanges; ++i) {
    const std::uintptr_t b = g_ranges[i].begin.load(std::memory_order_acquire);
    if (b != 0 && address >= b && address < g_ranges[i].end.load(std::memory_order_acquire))
      return true;
  }
  return false;
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<std::uintptr_t>(info ? info->si_addr : nullptr);
  if (t_guard != nullptr && in_range(address)) {
    t_fault = address;
    siglongjmp(*t_guard, 1);
  }
  // Not a fault of a guarded read of a model file: what would have happened without us.
  if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN &&
      g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install() {
  struct sigaction action{};
  action.sa_sigaction = on_sigbus;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  if (::sigaction(SIGBUS, &action, &g_previous) == 0) g_installed = true;
}

}  // namespace

[[noreturn]] void throw_fault() {
  char where[32];
  std::snprintf(where, sizeof where, "%#llx", static_cast<unsigned long long>(t_fault));
  throw FormatError(std::string("the mapped model file was truncated or rewritten while "
                                "skaccel read it (bus error at ") +
                    where +
                    "); load it again. Replace model files by renaming a new file over the "
                    "old one (skaccel.save does), never by rewriting them in place");
}

void add(const void* begin, std::size_t size) {
  if (!begin || size == 0) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_installed) install();
  for (int i = 0; i < kMaxRanges; ++i) {
    if (g_ranges[i].begin.load(std::memory_order_relaxed) == 0) {
      const auto b = reinterpret_cast<std::uintptr_t>(begin);
      g_ranges[i].end.store(b + size, std::memory_order_release);
      g_ranges[i].begin.store(b, std::memory_order_release);
      g_count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

void remove(const void* begin) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const auto b = reinterpret_cast<std::uintptr_t>(begin);
  for (int i = 0; i < kMaxRanges; ++i) {
    if (g_ranges[i].begin.load(std::memory_order_relaxed) == b) {
      g_ranges[i].begin.store(0, std::memory_order_release);
      g_count.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
  }
}

bool any() { return g_count.load(std::memory_order_relaxed) > 0; }

bool guard_active() { return t_guard != nullptr; }

bool call_guarded(const std::function<void()>& f) {
  sigjmp_buf here;
  sigjmp_buf* const outer = t_guard;
  struct Restore {
    sigjmp_buf* outer;
    ~Restore() { t_guard = outer; }
  } restore{outer};
  if (sigsetjmp(here, 1) != 0) return false;  // a registered mapping faulted in f
  t_guard = &here;
  f();
  return true;
}

void run_guarded(const std::function<void()>& f) {
  if (!call_guarded(f)) throw_fault();
}

}  // namespace skaccel::mapping
