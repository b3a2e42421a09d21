"""python -m bench [--scale N] [--seconds S]: every benchmark in bench/, one table each."""

from __future__ import annotations

import argparse

from bench import lists, matching, search


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", type=int, default=10, help="demo data multiplier (default 10)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per scenario and round")
    args = parser.parse_args()
    lists.run(scale=args.scale, seconds=args.seconds)
    search.run(scale=args.scale, seconds=args.seconds)
    matching.run(scale=args.scale, seconds=args.seconds)


if __name__ == "__main__":
    main()
