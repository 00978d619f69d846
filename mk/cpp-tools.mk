# C++ tools, example, sanitizers and fuzzing. Included by the main Makefile, whose VENV,
# PY and CORE_BUILD it uses; or run as  make -f Makefile -f mk/cpp-tools.mk TARGET
#
#   make test-cpp-tools   build/tools-dev: core + skaccel-predict + example, run ctest
#   make cpp-example      build and run examples/cpp against freshly written model files
#   make test-asan        build/asan: core + tests with gcc -fsanitize=address,undefined, ctest
#   make fuzz             build/fuzz: libFuzzer + ASan/UBSan (clang); run fuzz_model_reader
#                         for FUZZ_SECONDS (default 60) on a fresh copy of the seed corpus
#   make fuzz-npy / fuzz-csv   the same for the .npy and CSV readers of the tools
#
# Findings of the fuzzers (crash inputs) are written to build/fuzz/artifacts/; the target
# then fails. Reproduce one with:  build/fuzz/fuzz_model_reader build/fuzz/artifacts/crash-...

.PHONY: test-cpp-tools cpp-example test-asan fuzz fuzz-build fuzz-npy fuzz-csv

# Whether included before or after the main Makefile's rules, this file never sets the
# default goal (see the end of the file).
_cpp_tools_default_goal := $(.DEFAULT_GOAL)

CPP_TOOLS_BUILD := build/tools-dev
ASAN_BUILD := build/asan
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 60
CLANGXX ?= clang++
ASAN_CXX ?= g++
CMAKE_COMMON = -G Ninja -DPython_EXECUTABLE=$(abspath $(PY)) \
  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja)

# --- the tools and the example (a regular build) ---------------------------------------

$(CPP_TOOLS_BUILD)/build.ninja: CMakeLists.txt core/CMakeLists.txt examples/cpp/CMakeLists.txt | $(VENV)/.deps $(VENV)/.system-deps
	$(VENV)/bin/cmake -S . -B $(CPP_TOOLS_BUILD) $(CMAKE_COMMON) -DSKACCEL_BUILD_TESTS=ON

test-cpp-tools: $(CPP_TOOLS_BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(CPP_TOOLS_BUILD)
	cd $(CPP_TOOLS_BUILD) && $(abspath $(VENV)/bin/ctest) --output-on-failure

cpp-example: $(CPP_TOOLS_BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(CPP_TOOLS_BUILD) --target predict_example skaccel-make-test-models
	$(CPP_TOOLS_BUILD)/core/skaccel-make-test-models $(CPP_TOOLS_BUILD)/example-models
	$(CPP_TOOLS_BUILD)/core/examples/cpp/predict_example $(CPP_TOOLS_BUILD)/example-models/linreg_f64_multi.skm
	$(CPP_TOOLS_BUILD)/core/examples/cpp/predict_example $(CPP_TOOLS_BUILD)/example-models/ridge_f32_single.skm 1 2 3 -1 0 0.5
	$(CPP_TOOLS_BUILD)/core/examples/cpp/predict_example tests/data/compat/0.2.0/PCA_f32_full_whiten.skm

# --- AddressSanitizer + UndefinedBehaviorSanitizer (gcc) -------------------------------
# The suite runs clean with leak detection on (but for LEAKING_BY_DESIGN), so ASAN_OPTIONS
# keeps it on (override if needed).
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LEAKING_BY_DESIGN = MappedModelFile.ABusErrorWhileReadingAMappingThrows
ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:strict_string_checks=1
UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

$(ASAN_BUILD)/build.ninja: CMakeLists.txt core/CMakeLists.txt examples/cpp/CMakeLists.txt | $(VENV)/.deps $(VENV)/.system-deps
	$(VENV)/bin/cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DSKACCEL_BUILD_TESTS=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=$(ASAN_CXX) \
	  -DCMAKE_CXX_FLAGS="$(ASAN_FLAGS)"

test-asan: $(ASAN_BUILD)/build.ninja
	ASAN_OPTIONS=$(ASAN_OPTIONS) UBSAN_OPTIONS=$(UBSAN_OPTIONS) $(VENV)/bin/cmake --build $(ASAN_BUILD)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=$(ASAN_OPTIONS) UBSAN_OPTIONS=$(UBSAN_OPTIONS) \
	  $(abspath $(VENV)/bin/ctest) --output-on-failure -E '$(LEAKING_BY_DESIGN)'
	# A fault in a mapped model file unwinds to its guard by siglongjmp, skipping the
	# frames' destructors (mapping_guard.hpp): their scratch buffers leak by design.
	cd $(ASAN_BUILD) && ASAN_OPTIONS=$(ASAN_OPTIONS):detect_leaks=0 UBSAN_OPTIONS=$(UBSAN_OPTIONS) \
	  $(abspath $(VENV)/bin/ctest) --output-on-failure -R '$(LEAKING_BY_DESIGN)'

# --- libFuzzer (clang) -----------------------------------------------------------------

$(FUZZ_BUILD)/build.ninja: core/fuzz/CMakeLists.txt | $(VENV)/.deps
	$(VENV)/bin/cmake -S core/fuzz -B $(FUZZ_BUILD) $(CMAKE_COMMON) -DCMAKE_CXX_COMPILER=$(CLANGXX)

fuzz-build: $(FUZZ_BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(FUZZ_BUILD)
	rm -rf $(FUZZ_BUILD)/seeds
	$(FUZZ_BUILD)/make_seeds $(FUZZ_BUILD)/seeds
	# Every model type: the golden model files of every release are seeds too.
	for f in tests/data/compat/*/*.skm; do \
	  cp "$$f" "$(FUZZ_BUILD)/seeds/model/$$(basename $$(dirname $$f))-$$(basename $$f)"; done

# $(call run-fuzzer,NAME,CORPUS,EXTRA-FLAGS): a fresh working copy of the seeds, then
# libFuzzer for FUZZ_SECONDS; a finding makes libFuzzer (and so make) exit non-zero.
define run-fuzzer
	rm -rf $(FUZZ_BUILD)/work/$(2) && mkdir -p $(FUZZ_BUILD)/work $(FUZZ_BUILD)/artifacts
	cp -R $(FUZZ_BUILD)/seeds/$(2) $(FUZZ_BUILD)/work/$(2)
	$(FUZZ_BUILD)/$(1) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_BUILD)/artifacts/ $(3) $(FUZZ_BUILD)/work/$(2)
endef

fuzz: fuzz-build
	$(call run-fuzzer,fuzz_model_reader,model,-dict=core/fuzz/model.dict)

fuzz-npy: fuzz-build
	$(call run-fuzzer,fuzz_npy_reader,npy,-dict=core/fuzz/npy.dict)

fuzz-csv: fuzz-build
	$(call run-fuzzer,fuzz_csv_reader,csv,)

.DEFAULT_GOAL := $(_cpp_tools_default_goal)
