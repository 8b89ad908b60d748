"""An engine named in PARITY_TEST_ENGINES that cannot be reached fails its tests (never a
silent skip); one not named is skipped. Run in a real pytest subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(engines: str, url: str, engine: str = "postgres",
         variable: str = "PARITY_TEST_POSTGRES_URL") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARITY_TEST_ENGINES": engines, variable: url,
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs",
         "tests/conformance/test_engines.py", "-k", f"ratio_of_integers and {engine}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_listed_engine_that_cannot_be_reached_fails() -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/postgres"
    done = _run("duckdb,postgres", url)
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout  # a fixture that fails is reported as an error
    assert "The postgres engine is listed in PARITY_TEST_ENGINES but the server" in done.stdout
    assert "cannot be reached" in done.stdout


def test_a_listed_spark_connect_server_that_cannot_be_reached_fails() -> None:
    url = f"sc://127.0.0.1:{_closed_port()}"
    done = _run("spark_connect", url, "spark_connect", "PARITY_TEST_SPARK_CONNECT_URL")
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout
    assert (f"The spark_connect engine is listed in PARITY_TEST_ENGINES but the server {url} "
            "cannot be reached: nothing accepts connections") in done.stdout


def test_an_engine_not_listed_is_skipped() -> None:
    done = _run("duckdb", "")
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "postgres is not listed in PARITY_TEST_ENGINES" in done.stdout
