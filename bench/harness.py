"""Shared pieces: a bench database with demo data, a real server process, and wrk as the load generator.

wrk (Debian package `wrk`) drives load from C so the client is not the bottleneck; every scenario is
reported beside a baseline endpoint measured in the same run, as a ratio, because this machine is noisy.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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
    env = {**os.environ, "LOG_JSON": "true", "LOG_LEVEL": "WARNING", "APP_ENV": "development"}
    if "BENCH_DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        env.pop("DATABASE_URL", None)
        env["EMBEDDED_PG_DIR"] = str(Path(tempfile.gettempdir()) / f"sichuan-renewal-bench-x{scale}")
    return env


def prepare_data(scale: int) -> dict[str, str]:
    """Migrate and load the demo marketplace at `scale` (once; later runs reuse it)."""
    env = bench_env(scale)
    print(f"preparing demo data x{scale} (first time: a few minutes)", file=sys.stderr)
    subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app", "seed", "--demo", "--scale", str(scale)],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
    )
    return env


class Server:
    """`python -m app serve` in a subprocess, stopped (and its embedded cluster with it) on exit."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.port = env, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "app", "serve", "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
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
        status = Path(f"/proc/{self.process.pid}/status").read_text()
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
    rounds: int = 3,
    connections: int = 16,
    threads: int = 2,
    auth: str | None = None,
) -> list[Result]:
    """Each scenario `rounds` times, interleaved, so drift on a noisy machine hits all of them alike.

    Throughput is total requests over total time; p50/p95 are the medians of the rounds' values.
    """
    runs: dict[str, list[Result]] = {name: [] for name in scenarios}
    for _ in range(rounds):
        for name, paths in scenarios.items():
            runs[name].append(
                run_wrk(
                    name, base, paths, seconds=seconds, connections=connections, threads=threads, auth=auth
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


def table(results: list[Result], baseline: Result) -> str:
    lines = [
        f"| scenario | req/s | p50 ms | p95 ms | errors | ratio to {baseline.name} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.errors} | "
            f"{r.rps / baseline.rps:.2f} |"
        )
    return "\n".join(lines)
