"""`python -m bench [--runs N] [name ...]`: run registered benchmarks and print a table."""

from __future__ import annotations

import argparse
import importlib
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "50")))
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    import bench

    for module in bench.MODULES:
        importlib.import_module(module)
    names = args.names or list(bench.BENCHMARKS)
    unknown = [n for n in names if n not in bench.BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(bench.BENCHMARKS)}")
        return 2
    rows: list[bench.Result] = []
    for name in names:
        rows.extend(bench.BENCHMARKS[name](args.runs))
    width = max(len(r.name) for r in rows)
    print(f"{'benchmark'.ljust(width)}  {'median ms':>10}  {'runs':>5}  note")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 5}  {'-' * 40}")
    for r in rows:
        ms = f"{r.ms:10.2f}" if r.ms is not None else f"{'skipped':>10}"
        note = "; ".join(x for x in (r.note, r.target) if x)
        print(f"{r.name.ljust(width)}  {ms}  {r.runs:>5}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
