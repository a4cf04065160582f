"""Serving an app with gunicorn and loading it with wrk, on 127.0.0.1 only, for a fixed time."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
LUA = ROOT / "bench" / "paths.lua"
WORKERS = 2


def require_wrk() -> str:
    """wrk's path, or stop with what to install (scripts/system-packages-bench.txt)."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "The benchmark needs wrk (see scripts/system-packages-bench.txt): "
            "run `apt-get install -y wrk` as root, then try again."
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], ready_path: str = "/") -> Iterator[str]:
    """``gunicorn -w 2 -k sync`` on a free local port (no access log); yields the base URL."""
    port = free_port()
    log = OUT / f"gunicorn-{port}.log"
    command = [str(GUNICORN), "-w", str(WORKERS), "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--error-logfile", str(log), app_spec]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ | env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url + ready_path, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.unlink(missing_ok=True)


def wait_until_ready(url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit code {server.returncode}); see bench/out")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def check_paths(base_url: str, paths: list[str]) -> None:
    """Every path answers 200 (not a redirect or an error page), before it is measured."""
    for path in paths:
        request = urllib.request.Request(base_url + path, method="GET")
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200 or response.url != base_url + path:
                raise SystemExit(f"{path} answered {response.status} at {response.url}")


def wrk(base_url: str, paths: list[str], seconds: int, connections: int) -> dict[str, float]:
    """One wrk run (one thread, ``connections`` connections, ``seconds`` long) over ``paths``
    in turn; returns requests/s, p50/p95/p99 in ms and error counts."""
    paths_file = OUT / f"paths-{os.getpid()}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    command = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(LUA), base_url, "--", str(paths_file)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        )
    finally:
        paths_file.unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
