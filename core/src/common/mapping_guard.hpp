#pragma once
// Faults in memory-mapped model files become exceptions.
//
// A mapped file that is truncated (or rewritten by `cp new.skm model.skm`) while mapped
// turns reads of the vanished pages into SIGBUS, which kills the process. The core
// registers the address ranges of the model files it maps; while a guarded call runs, a
// SIGBUS at an address in a registered range jumps back to the guard, which throws
// FormatError. Faults elsewhere (or in threads without a guard) go to the previous
// handler, so they behave as before. Frames between the fault and the guard are not
// unwound: their heap buffers leak, which is acceptable for a file that vanished under a
// running model.
#include <cstddef>
#include <functional>

namespace skaccel::mapping {

// Registers [begin, begin + size) as a model file's mapping (installs the SIGBUS handler
// on first use). At most a few thousand live ranges are tracked; beyond, reads of a new
// mapping are not guarded.
void add(const void* begin, std::size_t size);
void remove(const void* begin);
// Whether any mapping is registered (guards are only needed then).
bool any();

// Runs f; a SIGBUS in a registered mapping while it runs (on this thread, or in pool tasks
// started from it) throws FormatError naming the fault. Nested calls are fine.
void run_guarded(const std::function<void()>& f);

// For the thread pool: whether the calling thread is inside run_guarded(), and one task
// run under its own guard (returns false when a registered mapping faulted).
bool guard_active();
bool call_guarded(const std::function<void()>& f);
// The FormatError of the last fault this thread's guard caught.
[[noreturn]] void throw_fault();

}  // namespace skaccel::mapping
