"""`python -m bench [NAME ...] [--database-url URL] [--quick] [--machine]`

Runs the named benchmarks (all of them without a name) and prints one JSON line per
result on stdout; progress goes to stderr. Exit status: 0 when every target is met, 1 when
one is missed or a benchmark failed (every result is still printed), 2 for a name that is
unknown or whose module does not exist.

Adding a benchmark: write `bench/NAME.py` with `run(options: Options) -> list[Result]`,
then add its line to BENCHMARKS.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from bench.common import BenchError, Options, machine, progress

BENCHMARKS: dict[str, str] = {
    "redirect": "bench.redirect",
    "dashboard": "bench.dashboard",
    "feed": "bench.feed",
    "sync": "bench.sync",
    "screening": "bench.screening",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run benchmarks; one JSON result per line."
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(BENCHMARKS)}")
    parser.add_argument("--database-url", help="a throwaway database for benchmarks that use one")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--machine", action="store_true", help="print this machine and stop")
    args = parser.parse_args(argv)

    if args.machine:
        print(json.dumps(machine(args.database_url)))
        return 0
    names = list(dict.fromkeys(args.names)) or list(BENCHMARKS)
    modules = {}
    for name in names:
        module = _module(name)
        if module is None:
            return 2
        modules[name] = module

    options = Options(quick=args.quick, database_url=args.database_url)
    progress(f"machine: {json.dumps(machine(args.database_url))}")
    all_met = True
    for name, module in modules.items():
        progress(f"{name}: running{' (quick)' if args.quick else ''}")
        try:
            results = module.run(options)
        except BenchError as error:
            progress(f"{name}: {error}")
            all_met = False
            continue
        except Exception:
            progress(f"{name} failed:\n{traceback.format_exc()}")
            all_met = False
            continue
        for result in results:
            print(result.line(), flush=True)
            all_met = all_met and result.met
    return 0 if all_met else 1


def _module(name: str) -> ModuleType | None:
    """The benchmark's module, or None after saying what is wrong."""
    if name not in BENCHMARKS:
        progress(f"bench: no benchmark named {name!r}; known: {', '.join(BENCHMARKS)}")
        return None
    path = BENCHMARKS[name]
    if importlib.util.find_spec(path) is None:
        progress(f"bench: {name!r} is registered as {path}, but that module does not exist")
        return None
    module = importlib.import_module(path)
    if not callable(getattr(module, "run", None)):
        progress(f"bench: {path} has no run(options) function")
        return None
    return module


if __name__ == "__main__":
    sys.exit(main())
