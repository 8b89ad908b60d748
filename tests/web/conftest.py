"""Fixtures of the web tests: a small real store with releases and one account per role,
an in-process client (httpx/TestClient) and a real uvicorn server for the browser tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from parity.core import control
from parity.core.disclosure import Actor, publish, release_audience
from parity.core.store import open_store
from parity.web import users
from parity.web.app import create_app
from parity.web.config import WebSettings

from .storegen import ENTITIES, build_store

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
#: One account per role: name -> (role, nationality, entity).
ACCOUNTS: dict[str, tuple[str, str | None, str | None]] = {
    "t-public": ("public", None, None),
    "t-member": ("member_state", None, None),
    "t-manager": ("manager", None, ENTITIES[0]),
    "t-analyst": ("analyst", None, None),
    "t-admin": ("admin", None, None),
}
ROLE_USER = {role: name for name, (role, _n, _e) in ACCOUNTS.items()}


@dataclass(frozen=True)
class WebData:
    folder: Path
    db: Path
    nationality: str

    def copy(self, name: str) -> Path:
        """A copy of the store with its audit log (each server or client holds its own
        file's lock)."""
        return self.copy_to(self.folder / f"{name}.duckdb")

    def copy_to(self, target: Path) -> Path:
        """A copy of the store at ``target`` with its control database and audit head (the
        release manifests record heads of that log)."""
        shutil.copyfile(self.db, target)
        log, copied = control.control_path(self.db), control.control_path(target)
        for source, copy in ((log, copied),
                             (log.with_name(log.name + "-wal"),
                              copied.with_name(copied.name + "-wal")),
                             (control.head_path(self.db), control.head_path(target))):
            if source.exists():
                shutil.copyfile(source, copy)
        return target


@pytest.fixture(scope="session")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> WebData:
    folder = tmp_path_factory.mktemp("web")
    db = build_store(folder / "data")
    with open_store(db) as store:
        nat = store.frame("SELECT nationality::VARCHAR AS n, count(*) AS c FROM staff "
                          "WHERE nationality::VARCHAR IN (SELECT iso3 FROM ref_member_states) "
                          "GROUP BY 1 ORDER BY c DESC, n LIMIT 1")["n"][0]
        for name, (role, _nat, entity) in ACCOUNTS.items():
            users.add_user(store, name, role, PASSWORD,
                           nationality=nat if role == "member_state" else None, entity=entity)
        admin = Actor("release-maker", "admin")
        (folder / "releases").mkdir()
        for i, audience in enumerate((release_audience("public"),
                                      release_audience("member_state", nationality=nat),
                                      release_audience("manager", entity=ENTITIES[0]))):
            publish(store, audience, admin, folder / "releases" / f"r{i}")
    return WebData(folder, db, nat)


@pytest.fixture(scope="session")
def app_client(web_data: WebData) -> Iterator[TestClient]:
    app = create_app(WebSettings(db=web_data.copy("client")))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/"},
                       follow_redirects=False)


@pytest.fixture
def as_role(app_client: TestClient) -> Iterator[object]:
    """Log the shared client in as a role's account; logs out afterwards."""

    def log_in(role: str) -> TestClient:
        app_client.cookies.clear()
        res = login(app_client, ROLE_USER[role])
        assert res.status_code == 303, res.text
        return app_client

    yield log_in
    app_client.cookies.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(base: str, proc: subprocess.Popen[bytes], log: Path,
                       seconds: float) -> None:
    """Wait until ``parity serve`` answers /healthz; RuntimeError with its log if it stops."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("parity serve did not start: " + log.read_text())
        time.sleep(0.2)


def stop_serving(proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Stop ``parity serve``: terminate, then kill if it has not ended within ``seconds``."""
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(web_data: WebData) -> Iterator[str]:
    """A real `parity serve` (uvicorn) on 127.0.0.1 on a copy of the store."""
    db = web_data.copy("server")
    port = _free_port()
    log = (web_data.folder / "server.log").open("w")
    env = {**os.environ, "PARITY_WEB_SECRET_KEY": "test-secret-key-" + "x" * 32}
    proc = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db", str(db),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, web_data.folder / "server.log", 60)
        yield base
    finally:
        stop_serving(proc, 10)
        log.close()
