"""Shared pieces: scales, a bench database with demo data, a real server process, wrk as the load
generator, and the one table every benchmark reports in.

wrk (Debian package `wrk`) drives load from C so the client is not the bottleneck; every scenario is
reported beside a baseline measured in the same run, as a ratio, because this machine is noisy.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
ROUNDS = 3
LUA = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
if os.getenv("BENCH_AUTH") then wrk.headers["Authorization"] = os.getenv("BENCH_AUTH") end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format('{"requests": %d, "seconds": %f, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"errors": %d, "non2xx": %d}', summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  out:close()
end
"""


@dataclass(frozen=True)
class Scale:
    """How big one run is, for every benchmark at once."""

    name: str
    data: int  # demo data multiplier for the HTTP benchmarks (lists, search, matching)
    seconds: int  # per scenario and round
    index_products: int  # search and matching top the index up to these counts
    index_demands: int
    lead_demands: int  # leads: shared demands published against…
    lead_subscriptions: int  # …this many subscriptions with webhooks
    workers: int = 1  # API processes each benchmark's server runs (`serve --workers`)

    def describe(self) -> str:
        return (
            f"{self.name}: demo data x{self.data}, {ROUNDS} rounds of {self.seconds} s a scenario, "
            f"{self.workers} API process{'es' if self.workers > 1 else ''}, "
            f"{self.index_products:,} products and {self.index_demands:,} demands in the search index, "
            f"leads {self.lead_demands:,} demands x {self.lead_subscriptions} subscriptions"
        )


SCALES = {
    # A smoke run: every benchmark end to end in a few minutes on 2 cores.
    "small": Scale(
        "small",
        data=1,
        seconds=2,
        index_products=10_000,
        index_demands=5_000,
        lead_demands=500,
        lead_subscriptions=40,
    ),
    # The README's data (x10, a 100,000-product index) with shorter rounds and 1,000 demands for leads.
    "medium": Scale(
        "medium",
        data=10,
        seconds=3,
        index_products=100_000,
        index_demands=50_000,
        lead_demands=1_000,
        lead_subscriptions=200,
    ),
    # The figures the README quotes.
    "large": Scale(
        "large",
        data=10,
        seconds=5,
        index_products=100_000,
        index_demands=50_000,
        lead_demands=10_000,
        lead_subscriptions=200,
    ),
}


def parse_scale(text: str) -> Scale:
    """small, medium, large, or a number N: demo data xN and N x 1,000 lead demands (10 = large)."""
    if text in SCALES:
        return SCALES[text]
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use small, medium, large or a number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("the scale is at least 1")
    return Scale(
        f"x{n}",
        data=n,
        seconds=5,
        index_products=100_000,
        index_demands=50_000,
        lead_demands=1_000 * n,
        lead_subscriptions=200,
    )


@dataclass
class Row:
    """One scenario's line in the table; `ratio` is throughput over its baseline's, from the same run."""

    benchmark: str
    scenario: str
    load: str
    throughput: float
    unit: str  # "req/s", "leads/s", ...
    p50_ms: float | None = None
    p95_ms: float | None = None
    rss_mb: float | None = None
    errors: int = 0
    baseline: str = ""
    ratio: float | None = None
    note: str = ""


@dataclass
class Measured:
    """What a benchmark hands back: its rows, and a few sentences saying what was measured and how."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Benchmark = Callable[[Scale], Measured]


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_env(scale: int) -> dict[str, str]:
    env = {
        **os.environ,
        "LOG_JSON": "true",
        "LOG_LEVEL": "WARNING",
        "APP_ENV": "development",
        # wrk's connections all come from 127.0.0.1: the per-address limits would measure the 429s.
        "SEARCH_REQUESTS_PER_CLIENT_PER_MINUTE": "100000000",
        "REGISTRATIONS_PER_CLIENT_PER_HOUR": "100000000",
    }
    if "BENCH_DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        env.pop("DATABASE_URL", None)
        env["EMBEDDED_PG_DIR"] = str(Path(tempfile.gettempdir()) / f"sichuan-renewal-bench-x{scale}")
    return env


def database_url(env: dict[str, str]) -> str:
    """The database a bench server started with `env` uses (the bench's embedded cluster by default)."""
    if "DATABASE_URL" in env:
        return env["DATABASE_URL"]
    from app.embedded_postgres import EmbeddedPostgres

    return EmbeddedPostgres(root=Path(env["EMBEDDED_PG_DIR"])).url()


def prepare_data(scale: int) -> dict[str, str]:
    """Migrate and load the demo marketplace at `scale` (once; later runs reuse it)."""
    env = bench_env(scale)
    print(f"preparing demo data x{scale} (first time: a few minutes)", file=sys.stderr)
    subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app", "seed", "--demo", "--scale", str(scale)],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        stdout=sys.stderr,  # stdout is for the table
    )
    return env


class Server:
    """`python -m app serve` in a subprocess, stopped (and its embedded cluster with it) on exit."""

    def __init__(self, env: dict[str, str], *, log: Path | None = None, workers: int | None = None) -> None:
        self.env, self.port, self.log = env, free_port(), log
        self.workers = workers or API_WORKERS
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        # Its log goes to `log` when one is given (a benchmark that reads it), else nowhere.
        with self.log.open("wb") if self.log else open(os.devnull, "wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    *("-m", "app", "serve", "--port", str(self.port), "--workers", str(self.workers)),
                ],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def rss_mb(self) -> float:
        assert self.process is not None
        return rss_mb(self.process.pid)


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default), in MB."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kb / 1024


def run_wrk(
    name: str,
    base: str,
    paths: list[str],
    *,
    seconds: int,
    connections: int = 16,
    threads: int = 2,
    auth: str | None = None,
) -> Result:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for benchmarks: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        script, path_file, out = Path(tmp, "s.lua"), Path(tmp, "paths.txt"), Path(tmp, "out.json")
        script.write_text(LUA)
        path_file.write_text("\n".join(paths) + "\n")
        env = {**os.environ, "BENCH_PATHS": str(path_file), "BENCH_OUT": str(out)}
        if auth:
            env["BENCH_AUTH"] = auth
        subprocess.run(  # noqa: S603
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],  # noqa: S607
            env=env,
            check=True,
            capture_output=True,
        )
        data = json.loads(out.read_text())
    return Result(
        name=name,
        requests=data["requests"],
        seconds=data["seconds"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        errors=data["errors"] + data["non2xx"],
    )


def run_rounds(
    base: str,
    scenarios: dict[str, list[str]],
    *,
    seconds: int,
    rounds: int = ROUNDS,
    connections: int = 16,
    threads: int = 2,
    auth: str | None = None,
    bases: dict[str, str] | None = None,
) -> list[Result]:
    """Each scenario `rounds` times, interleaved, so drift on a noisy machine hits all of them alike.
    `bases` names the scenarios that go to another server (a floor) than `base`.

    Throughput is total requests over total time; p50/p95 are the medians of the rounds' values.
    """
    bases = bases or {}
    runs: dict[str, list[Result]] = {name: [] for name in scenarios}
    for _ in range(rounds):
        for name, paths in scenarios.items():
            runs[name].append(
                run_wrk(
                    name,
                    bases.get(name, base),
                    paths,
                    seconds=seconds,
                    connections=connections,
                    threads=threads,
                    auth=auth,
                )
            )
    merged = []
    for name, results in runs.items():
        p50s, p95s = sorted(r.p50_ms for r in results), sorted(r.p95_ms for r in results)
        merged.append(
            Result(
                name=name,
                requests=sum(r.requests for r in results),
                seconds=sum(r.seconds for r in results),
                p50_ms=p50s[len(p50s) // 2],
                p95_ms=p95s[len(p95s) // 2],
                errors=sum(r.errors for r in results),
            )
        )
    return merged


def http_rows(
    benchmark: str,
    results: list[Result],
    *,
    load: str,
    rss: float,
    baseline: str,
    baselines: dict[str, str] | None = None,
) -> list[Row]:
    """wrk results as rows. Each is compared to the first result (named `baseline`), or, for a scenario
    in `baselines`, to the result that maps to."""
    rps = {r.name: r.rps for r in results}
    baselines = baselines or {}

    def ratio(r: Result) -> float | None:
        base = rps[baselines.get(r.name, results[0].name)]
        return r.rps / base if base else None

    return [
        Row(
            benchmark=benchmark,
            scenario=r.name,
            load=load,
            throughput=r.rps,
            unit="req/s",
            p50_ms=r.p50_ms,
            p95_ms=r.p95_ms,
            rss_mb=rss,
            errors=r.errors,
            baseline=baselines.get(r.name, baseline),
            ratio=ratio(r),
        )
        for r in results
    ]


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _throughput(value: float, unit: str) -> str:
    return f"{value:,.{1 if value < 10 else 0}f} {unit}"


def render(rows: list[Row]) -> str:
    """The one table: Markdown, so the README can take it as it is."""
    lines = [
        "| benchmark | scenario | load | p50 ms | p95 ms | throughput | RSS MB | errors | baseline | ratio "
        "| notes |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in rows:
        cells = [
            r.benchmark,
            r.scenario,
            r.load,
            _number(r.p50_ms),
            _number(r.p95_ms),
            _throughput(r.throughput, r.unit),
            _number(r.rss_mb, 0),
            str(r.errors),
            r.baseline or "–",
            _number(r.ratio, 2),
            r.note,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return out.stdout.strip()


def report(measured: dict[str, Measured], scale: Scale, *, command: str, out: Path) -> str:
    """The table with a heading and each benchmark's notes; printed and written to `out` as Markdown."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            f"`{command}` ({when}, commit {_commit()}, {os.cpu_count()} cores; scale {scale.describe()})",
            "",
            render([row for m in measured.values() for row in m.rows]),
            "",
            *(f"- **{name}**: {note}" for name, m in measured.items() for note in m.notes),
        ]
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    print("\n" + text)
    print(f"\n(written to {out.relative_to(PROJECT_ROOT)})", file=sys.stderr)
    return text


def parser(prog: str) -> argparse.ArgumentParser:
    """--scale and --seconds, the same for `python -m bench` and every `python -m bench.<name>`."""
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument(
        "--scale",
        type=parse_scale,
        default=SCALES["small"],
        metavar="small|medium|large|N",
        help="small (default; a few minutes), medium, large (the README's figures), or N: demo data xN "
        "and N x 1,000 lead demands",
    )
    p.add_argument("--seconds", type=int, help="seconds per scenario and round (default: the scale's)")
    p.add_argument("--workers", type=int, default=1, help="API processes per server (default 1)")
    return p


API_WORKERS = 1  # set from --workers by scale_of


def scale_of(args: argparse.Namespace) -> Scale:
    global API_WORKERS
    scale: Scale = args.scale
    if args.seconds:
        scale = dataclasses.replace(scale, seconds=args.seconds)
    API_WORKERS = max(1, args.workers)
    return dataclasses.replace(scale, workers=API_WORKERS)


def main(name: str, run: Benchmark) -> None:
    """`python -m bench.<name>`: one benchmark alone, reported in the same table."""
    args = parser(f"python -m bench.{name}").parse_args()
    scale = scale_of(args)
    report(
        {name: run(scale)},
        scale,
        command=" ".join(["python -m", f"bench.{name}", *sys.argv[1:]]),
        out=RESULTS / f"{name}.md",
    )
