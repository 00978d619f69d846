#include "skaccel/tuning.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "skaccel/errors.hpp"

namespace skaccel::tuning {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<KnobSet>> sets;
  std::vector<const KnobSet*> sorted;
  std::map<std::string, std::int64_t, std::less<>> values;  // "set/knob" -> current value
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed
  return *r;
}

std::string key(std::string_view set, std::string_view knob) {
  return std::string(set) + "/" + std::string(knob);
}

const KnobSet* find_set(const Registry& r, std::string_view name) {
  for (const auto& s : r.sets)
    if (s->name == name) return s.get();
  throw InvalidArgument("no knob set named '" + std::string(name) + "'");
}

const Knob& find_knob(const KnobSet& s, std::string_view name) {
  for (const auto& k : s.knobs)
    if (k.name == name) return k;
  std::string known;
  for (const auto& k : s.knobs) known += (known.empty() ? "" : ", ") + k.name;
  throw InvalidArgument("unknown efficiency parameter '" + std::string(name) + "' of '" + s.name +
                        "'; known: " + known);
}

}  // namespace

Registration::Registration(KnobSet (*declare)()) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto set = std::make_unique<KnobSet>(declare());
  for (const auto& k : set->knobs) r.values[key(set->name, k.name)] = k.default_value;
  r.sorted.push_back(set.get());
  std::sort(r.sorted.begin(), r.sorted.end(),
            [](const KnobSet* a, const KnobSet* b) { return a->name < b->name; });
  r.sets.push_back(std::move(set));
}

const std::vector<const KnobSet*>& registered() { return registry().sorted; }

std::int64_t get(std::string_view set, std::string_view knob) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  find_knob(*find_set(r, set), knob);
  return r.values.find(key(set, knob))->second;
}

void set(std::string_view set, std::string_view knob, std::int64_t value) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const Knob& k = find_knob(*find_set(r, set), knob);
  if (value < k.minimum)
    throw InvalidArgument(k.name + " must be an integer >= " + std::to_string(k.minimum) +
                          ", got " + std::to_string(value));
  r.values[key(set, knob)] = value;
}

void reset(std::string_view set) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const KnobSet* s = find_set(r, set);
  for (const auto& k : s->knobs) r.values[key(set, k.name)] = k.default_value;
}

}  // namespace skaccel::tuning
