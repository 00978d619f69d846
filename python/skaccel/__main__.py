"""``skaccel`` command line.

python -m skaccel [-m module | script.py] [args ...]   run a program with
                                                       scikit-learn patched
skaccel inspect FILE [--json]                          describe a model file or pickle
"""

import runpy
import sys

USAGE = (
    "usage: python -m skaccel [-m module | script.py] [args ...]\n"
    "       skaccel inspect FILE [--json]"
)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "inspect":
        from ._inspect import main as inspect_main

        return inspect_main(argv[1:])
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
