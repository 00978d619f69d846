"""``skaccel`` command line.

python -m skaccel [-m module | script.py] [args ...]   run a program with
                                                       scikit-learn patched
skaccel inspect FILE [--json]                          describe a model file or pickle
python -m skaccel --cmake-dir                          where find_package(skaccel) looks
python -m skaccel --include-dir | --lib-dir | --predict-exe
                                                       the installed C++ SDK's paths
"""

import runpy
import sys
from pathlib import Path

USAGE = (
    "usage: python -m skaccel [-m module | script.py] [args ...]\n"
    "       skaccel inspect FILE [--json]\n"
    "       python -m skaccel --cmake-dir | --include-dir | --lib-dir | --predict-exe"
)


def _sdk_paths():
    """The C++ SDK installed with the wheel, next to the compiled module (which, in an
    editable install, is in site-packages while the Python sources are not)."""
    from . import _core

    root = Path(_core.__file__).resolve().parent
    return {
        "--cmake-dir": root / "share" / "cmake" / "skaccel",
        "--include-dir": root / "include",
        "--lib-dir": root / "lib",
        "--predict-exe": root / "bin" / "skaccel-predict",
    }


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "inspect":
        from ._inspect import main as inspect_main

        return inspect_main(argv[1:])
    if argv[0] in ("--cmake-dir", "--include-dir", "--lib-dir", "--predict-exe"):
        path = _sdk_paths()[argv[0]]
        if not path.exists():
            print(f"skaccel: {path} is missing (not installed from a wheel?)", file=sys.stderr)
            return 1
        print(path)
        return 0
    from . import patch_sklearn

    patch_sklearn(verbose=False)
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
