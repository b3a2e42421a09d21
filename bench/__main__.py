"""python -m bench [--scale small|medium|large|N] [--seconds S] [--only NAMES]: every benchmark in bench/
at one scale, then one table (also written to bench/results/latest.md for the README).

A new benchmark is a module with `run(scale: Scale) -> Measured` (and `harness.main(name, run)` under
`if __name__ == "__main__"` so it runs alone too), named in BENCHMARKS below.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from bench import client, files, growth, leads, lists, matching, scope, search, spreadsheets, stats
from bench.harness import RESULTS, Benchmark, Measured, parser, report, scale_of

# Run in this order; the name is what --only takes and what the table's first column says.
BENCHMARKS: dict[str, Benchmark] = {
    "lists": lists.run,
    "search": search.run,
    "matching": matching.run,
    "leads": leads.run,
    "spreadsheets": spreadsheets.run,
    "stats": stats.run,
    "client": client.run,
    "growth": growth.run,
    "files": files.run,
    "scope": scope.run,
}


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"no benchmark named {', '.join(unknown)} (of {', '.join(BENCHMARKS)})"
        )
    return names


def main() -> None:
    p = parser("python -m bench")
    p.add_argument(
        "--only", type=_names, metavar="NAMES", help=f"comma-separated, of {', '.join(BENCHMARKS)}"
    )
    args = p.parse_args()
    scale = scale_of(args)
    names = args.only or list(BENCHMARKS)
    measured: dict[str, Measured] = {}
    failed = []
    for name in names:
        print(f"== {name} ({scale.name})", file=sys.stderr)
        try:
            measured[name] = BENCHMARKS[name](scale)
        except Exception as exc:  # one broken benchmark still leaves the others' rows
            traceback.print_exc()
            failed.append(name)
            measured[name] = Measured(notes=[f"FAILED: {type(exc).__name__}: {exc}"])
    report(measured, scale, command=" ".join(["python -m bench", *sys.argv[1:]]), out=RESULTS / "latest.md")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
