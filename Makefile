# Two commands do all the set-up on a fresh machine:
#   make demo   - virtual environment, packages, build, then examples/persistence.py
#   make test   - the same set-up, then the C++ tests (ctest) and the Python tests (pytest)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CORE_BUILD := build/core
PIP_FLAGS := --disable-pip-version-check -q

.PHONY: all demo test test-cpp test-python install system-deps conformance golden bench lint \
	format test-other-cpus test-sdk test-torch test-spmd peer-tests clean

all: test

# Debian packages: GoogleTest for the C++ suite, clang with libFuzzer for `make fuzz`
# (CI and developers run as root).
$(VENV)/.system-deps:
	@if [ ! -f /usr/include/gtest/gtest.h ] || ! command -v clang++ >/dev/null \
	    || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then \
	  echo "installing libgtest-dev clang libclang-rt-dev"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libgtest-dev clang libclang-rt-14-dev; \
	fi
	@mkdir -p $(VENV) && touch $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: $(VENV)/bin/python requirements-dev.txt pyproject.toml
	$(PIP) install $(PIP_FLAGS) -r requirements-dev.txt
	$(PIP) install $(PIP_FLAGS) "numpy>=1.26,<3" "scipy>=1.11,<2" "scikit-learn>=1.6,<1.10" "joblib>=1.3" "threadpoolctl>=3.1"
	touch $@

system-deps: $(VENV)/.system-deps

# Editable install: the extension is rebuilt incrementally in build/ on each call.
install: $(VENV)/.deps
	$(PIP) install $(PIP_FLAGS) --no-build-isolation -e .

$(CORE_BUILD)/build.ninja: $(VENV)/.deps $(VENV)/.system-deps CMakeLists.txt core/CMakeLists.txt \
  pyproject.toml
	$(VENV)/bin/cmake -S . -B $(CORE_BUILD) -G Ninja -DSKACCEL_BUILD_TESTS=ON \
	  -DPython_EXECUTABLE=$(abspath $(PY)) -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja)

test-cpp: $(CORE_BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(CORE_BUILD)
	cd $(CORE_BUILD) && $(abspath $(VENV)/bin/ctest) --output-on-failure

# The C++ command-line predictor is built by test-cpp; its test must run, not skip.
# array-api-strict is installed (requirements-dev.txt): its tests must run, not skip.
test-python: install
	SKACCEL_REQUIRE_CLI=1 SKACCEL_REQUIRE_ARRAY_API=1 SCIPY_ARRAY_API=1 \
	  SKACCEL_PREDICT=$(abspath $(CORE_BUILD))/core/skaccel-predict \
	  $(PY) -m pytest tests

# torch on the CPU (the pinned release is the CPU build here; a plain `torch` from PyPI
# brings several GB of CUDA wheels, so make test leaves it out). Its tests must run.
TORCH ?= torch==2.13.0
test-torch: install
	$(PIP) install $(PIP_FLAGS) "$(TORCH)"
	SKACCEL_REQUIRE_TORCH=1 SKACCEL_REQUIRE_ARRAY_API=1 SCIPY_ARRAY_API=1 \
	  $(PY) -m pytest -q -p no:cacheprovider tests/test_array_api.py tests/test_model_types.py \
	  tests/metrics tests/model_selection \
	  -k "torch or array_api"

# skaccel.spmd under MPI (MPICH's mpiexec from the venv): every rank runs the tests on
# its own shard; make test runs the same module as one rank.
test-spmd: install
	for n in 2 3; do \
	  $(VENV)/bin/mpiexec -n $$n $(abspath $(PY)) -m pytest -q -p no:cacheprovider tests/spmd \
	    || exit 1; \
	done

test: test-cpp test-python

demo: install
	$(PY) examples/persistence.py

# scikit-learn's own test modules for the patched estimators (see conformance/).
conformance: install
	$(PY) conformance/run_sklearn_tests.py

# This release's golden compatibility files (commit them with each release).
golden: install
	$(PY) tests/data/compat/write_golden.py

# scikit-learn-intelex's own test modules of the estimators skaccel has, with skaccel's
# classes in their place (peer/): counts of passed, failed and not applicable (reasons in
# peer/not_applicable.txt).
peer-tests: install
	$(PIP) install $(PIP_FLAGS) scikit-learn-intelex polars
	$(PY) peer/run_sklearnex_tests.py

bench: install
	$(PIP) install $(PIP_FLAGS) scikit-learn-intelex skops faiss-cpu
	$(PY) benchmarks/bench_linear.py
	$(PY) benchmarks/bench_moments.py --repeats 5 --output docs/benchmarks.md
	BENCH_TMP=/dev/shm $(PY) benchmarks/bench_persistence.py --repeat 5 --output docs/benchmarks.md
	$(PY) benchmarks/bench_logistic.py
	$(PY) benchmarks/bench_coordinate_descent.py
	$(PY) benchmarks/bench_kmeans.py
	$(PY) benchmarks/bench_metrics.py
	$(PY) benchmarks/bench_neighbors.py
	$(PY) benchmarks/bench_dbscan.py
	$(PY) benchmarks/bench_lof.py

# ruff and clang-format are pinned in requirements-dev.txt.
LINT_CPP = $$(git ls-files 'core/*.cpp' 'core/*.hpp' 'bindings/*.cpp' 'bindings/*.hpp' 'examples/*.cpp')
lint: $(VENV)/.deps
	$(VENV)/bin/ruff check python tests benchmarks examples conformance peer
	$(VENV)/bin/ruff format --check python tests benchmarks examples conformance peer
	$(VENV)/bin/clang-format --dry-run --Werror $(LINT_CPP)

format: $(VENV)/.deps
	$(VENV)/bin/ruff format python tests benchmarks examples conformance peer
	$(VENV)/bin/clang-format -i $(LINT_CPP)

# Golden files (written on another machine) and C++/Python parity under other OpenBLAS
# kernels: plays other CPUs. Golden comparisons allow roundoff; parity within one machine
# stays bit for bit.
OTHER_CORETYPES ?= Haswell Nehalem
test-other-cpus: test-cpp install
	@for core in $(OTHER_CORETYPES); do \
	  echo "== OPENBLAS_CORETYPE=$$core"; \
	  OPENBLAS_CORETYPE=$$core $(CORE_BUILD)/core/skaccel_tools_tests --gtest_filter='*Golden*' \
	    || exit 1; \
	  OPENBLAS_CORETYPE=$$core SKACCEL_REQUIRE_CLI=1 \
	    SKACCEL_PREDICT=$(abspath $(CORE_BUILD))/core/skaccel-predict \
	    $(PY) -m pytest -q -p no:cacheprovider tests/test_compat.py tests/test_model_types.py \
	    -k "compat or golden or cpp or round_trips" || exit 1; \
	done

# The wheel as a C++ SDK: build it, install it into a fresh virtual environment, build
# examples/cpp against it with find_package(skaccel), compare with Python bit for bit.
test-sdk: $(VENV)/.deps
	rm -rf dist
	$(PIP) wheel $(PIP_FLAGS) --no-deps --no-build-isolation -Cbuild-dir=build/wheel -w dist .
	SKACCEL_WHEEL=$$(ls $(abspath dist)/skaccel-*.whl) $(PY) -m pytest -q -p no:cacheprovider tests/sdk

clean:
	rm -rf build dist

# C++ tools, example, AddressSanitizer and fuzzing: test-cpp-tools, cpp-example,
# test-asan, fuzz (FUZZ_SECONDS=60), fuzz-npy, fuzz-csv.
include mk/cpp-tools.mk
