"""Several worker processes: settings handed over, shared sessions, shared computed views,
and `parity serve --workers` as a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from parity.core.errors import SettingsError, StoreLockedError
from parity.web import workers
from parity.web.app import create_app
from parity.web.config import ENV_PREFIX, WebSettings
from parity.web.views import registry

from .conftest import PASSWORD, ROLE_USER, WebData, _free_port, login, stop_serving, wait_until_serving


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PARITY_* variable or settings file from outside the test."""
    for name in list(os.environ):
        if name.startswith("PARITY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def apply(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_settings_survive_the_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = WebSettings(db=clean_env / "x.duckdb", read_only=True, public_access=True,
                           secret_key="k" * 40, https=True, session_hours=1.5,
                           trusted_user_header="X-Remote-User", trusted_proxies=(),
                           cache_entries=7, cache_mib=3, cache_dir=clean_env / "cache",
                           secret_key_file=clean_env / "k.key", releases_dir=clean_env / "rel")
    env = settings.to_env()
    assert set(env) == {ENV_PREFIX + k.upper() for k in WebSettings.model_fields}
    apply(monkeypatch, env)
    assert WebSettings.load() == settings
    monkeypatch.setenv(f"{ENV_PREFIX}TRUSTED_PROXIES", '["10.0.0.1", "10.0.0.2"]')
    assert WebSettings.load().trusted_proxies == ("10.0.0.1", "10.0.0.2")
    monkeypatch.setenv(f"{ENV_PREFIX}TRUSTED_PROXIES", "10.0.0.1, 10.0.0.3")
    assert WebSettings.load().trusted_proxies == ("10.0.0.1", "10.0.0.3")
    monkeypatch.setenv(f"{ENV_PREFIX}TRUSTED_PROXIES", "[10.0.0.1")
    with pytest.raises(SettingsError, match="JSON list"):
        WebSettings.load()


def test_plan_opens_read_only_and_hands_settings_to_the_factory(
        web_data: WebData, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = web_data.copy("plan")
    plan = workers.plan(WebSettings(db=db))
    try:
        assert plan.settings.read_only and any("read-only" in n for n in plan.notes)
        assert plan.accounts == len(ROLE_USER)
        assert f"{ENV_PREFIX}SECRET_KEY" not in plan.env  # the workers read the store's key
        assert plan.temp_dir is not None and plan.temp_dir.is_dir()
        apply(monkeypatch, plan.env)
        app = create_app()  # what each worker runs (uvicorn --factory)
        assert app.state.runtime.settings == plan.settings
        assert app.state.runtime.store.read_only and app.state.runtime.cache.shared is not None
        app.state.runtime.close()
    finally:
        temp = plan.temp_dir
        plan.cleanup()
    assert temp is not None and not temp.exists()
    assert workers.plan(WebSettings(db=db, read_only=True, cache_dir=clean_env)).notes == []


def test_plan_refuses_a_store_held_by_a_writer(web_data: WebData, clean_env: Path) -> None:
    db = web_data.copy("held")
    code = ("import sys, time\nfrom parity.core.store import open_store\n"
            "with open_store(sys.argv[1]):\n    print('open', flush=True)\n    time.sleep(120)\n")
    writer = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError) as info:
            workers.plan(WebSettings(db=db))
        assert "no program may be writing" in str(info.value.hint)
    finally:
        writer.kill()
        writer.wait()


def _two_workers(db: Path, monkeypatch: pytest.MonkeyPatch,
                 **settings: object) -> tuple[workers.Plan, TestClient, TestClient]:
    plan = workers.plan(WebSettings(db=db, **settings))  # type: ignore[arg-type]
    apply(monkeypatch, plan.env)
    return plan, TestClient(create_app()), TestClient(create_app())


@pytest.mark.parametrize("stored_key", [True, False])
def test_a_session_from_one_worker_is_accepted_by_another(
        web_data: WebData, clean_env: Path, monkeypatch: pytest.MonkeyPatch, stored_key: bool) -> None:
    db = web_data.copy(f"sessions-{stored_key}")
    # without a key file (its folder does not exist) the workers share a key of the run
    key_file = db.with_name(db.name + ".key") if stored_key else db.parent / "none" / "k.key"
    plan, first, second = _two_workers(db, monkeypatch, secret_key_file=key_file)
    assert key_file.is_file() is stored_key
    try:
        assert (f"{ENV_PREFIX}SECRET_KEY" in plan.env) is not stored_key
        with first, second:
            assert login(first, ROLE_USER["analyst"]).status_code == 303
            second.cookies.update(first.cookies)
            assert second.get("/api/me").json()["name"] == ROLE_USER["analyst"]
            token = re.search(r'name="csrf_token" value="([^"]+)"', second.get("/").text)
            assert token  # the CSRF cookie set by the first is valid on the second
            res = second.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
            assert res.status_code == 303
            # the session ended on the server, for every worker
            assert first.get("/api/me").status_code == 401
    finally:
        plan.cleanup()


def test_a_view_computed_by_one_worker_is_read_by_another(
        web_data: WebData, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan, first, second = _two_workers(web_data.copy("shared"), monkeypatch)
    urls = ["/api/views/composition?by=gender&lang=en", "/views/composition?by=gender",
            "/views/published", *(f"/api/views/{slug}" for slug in registry()),
            "/api/views/ranges?lang=fr"]
    try:
        with first, second:
            for client in (first, second):
                login(client, ROLE_USER["analyst"])
            answers = {u: first.get(u) for u in urls}
            runtime = second.app.state.runtime  # type: ignore[attr-defined]
            for url, res in answers.items():
                again = second.get(url)
                assert res.status_code == again.status_code == 200, url
                if url.startswith("/api/"):
                    assert again.content == res.content, url
            assert runtime.cache.misses == 0 and runtime.cache.loads > 0
            # a damaged entry is computed again, never served
            assert plan.temp_dir is not None
            for entry in plan.temp_dir.iterdir():
                if entry.is_file():  # (the folder 'sessions' holds the workers' sessions)
                    entry.write_bytes(b"\x00\x00\x00\x05garbage")
            runtime.cache.clear()
            assert second.get(urls[0]).content == answers[urls[0]].content
            assert runtime.cache.misses > 0
    finally:
        plan.cleanup()


def test_parity_serve_with_two_workers(web_data: WebData, tmp_path: Path) -> None:
    db = web_data.copy("two-workers")
    port = _free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARITY_")} | {"TMPDIR": str(temp)}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db", str(db),
                             "--port", str(port), "--workers", "2"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, tmp_path / "serve.log", 90)
        assert [p.name for p in temp.iterdir() if p.name.startswith("parity-cache-")]
        with httpx.Client(base_url=base) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            res = client.post("/login", data={"username": ROLE_USER["analyst"], "password": PASSWORD,
                                              "csrf_token": token.group(1)})
            assert res.status_code == 303
            cookies = dict(client.cookies)
        for _ in range(8):  # a new connection each time, so both workers answer some
            with httpx.Client(base_url=base, cookies=cookies) as fresh:
                assert fresh.get("/api/me").json()["role"] == "analyst"
                assert fresh.get("/api/views/gender").status_code == 200
                assert 'lang="en"' in fresh.get("/views/overview").text
        with httpx.Client(base_url=base, cookies=cookies) as fresh:
            res = fresh.get("/admin/users", headers={"accept": "application/json"})
            assert res.status_code == 403
    finally:
        stop_serving(proc, 30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "read-only" in output and "2 workers" in output
    assert not [p for p in temp.iterdir() if p.name.startswith("parity-cache-")]
