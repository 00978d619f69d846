#pragma once
// Efficiency parameters ("knobs"): process-level settings of the kernels that change speed,
// never results beyond roundoff, and are never saved with a model. A family declares its
// knob sets in its own folder with SKACCEL_REGISTER_KNOBS; Python's
// get_hyperparameters(op) / reset_hyperparameters(op) read and write them by name.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skaccel::tuning {

struct Knob {
  std::string name;
  std::int64_t default_value = 0;
  std::int64_t minimum = 1;  // values below are refused (InvalidArgument)
  std::string doc;
  // False for names accepted for compatibility with scikit-learn-intelex that this build's
  // kernels do not read (documented as having no effect).
  bool effective = true;
};

struct KnobSet {
  std::string name;  // "normal_equations"
  std::string doc;
  std::vector<Knob> knobs;
};

// Every registered knob set, sorted by name.
const std::vector<const KnobSet*>& registered();
// InvalidArgument for an unknown set or knob, or a value below the knob's minimum.
std::int64_t get(std::string_view set, std::string_view knob);
void set(std::string_view set, std::string_view knob, std::int64_t value);
void reset(std::string_view set);

struct Registration {
  explicit Registration(KnobSet (*declare)());
};

#define SKACCEL_REGISTER_KNOBS(ident)                                              \
  static ::skaccel::tuning::KnobSet skaccel_declare_knobs_##ident();               \
  static const ::skaccel::tuning::Registration skaccel_knobs_registration_##ident( \
      &skaccel_declare_knobs_##ident);                                             \
  static ::skaccel::tuning::KnobSet skaccel_declare_knobs_##ident()

}  // namespace skaccel::tuning
