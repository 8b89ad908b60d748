"""``parity serve`` (the dashboard) and ``parity users`` (its accounts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from parity.cli.render import DbOption, err, friendly_errors, out, print_table

if TYPE_CHECKING:
    from fastapi import FastAPI

    from parity.core.store import Store
    from parity.web.config import WebSettings

#: One account per role for a demo store: (name, role, nationality, entity).
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("demo-public", "public", None, None),
    ("demo-member-state", "member_state", "KEN", None),
    ("demo-manager", "manager", None, None),
    ("demo-analyst", "analyst", None, None),
    ("demo-admin", "admin", None, None),
)

users_app = typer.Typer(help="Accounts of the dashboard (stored in the store).", no_args_is_help=True)


def _store_path(db: Path | None) -> Path:
    from parity.web.config import WebSettings

    return WebSettings.load({"db": db}).db


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    public: Annotated[bool | None, typer.Option(
        "--public/--no-public", help="Let anonymous visitors see the all-staff views.")] = None,
    read_only: Annotated[bool, typer.Option(
        "--read-only/--read-write",
        help="Open the store read-only (accounts cannot change).")] = False,
    workers: Annotated[int, typer.Option(
        help="Worker processes; more than 1 opens the store read-only in each.", min=1, max=64,
    )] = 1,
    precompute: Annotated[bool | None, typer.Option(
        "--precompute/--no-precompute",
        help="Compute what the data version needs before answering, so that first requests "
             "are fast (start-up takes longer; default: the precompute setting, off).")] = None,
) -> None:
    """Start the dashboard on the store (uvicorn). Stop it with Ctrl+C."""
    from parity.web.config import WebSettings

    settings = WebSettings.load({"db": db, "public_access": public,
                                 "read_only": read_only or None, "precompute": precompute})
    if workers > 1:
        _serve_workers(settings, workers, host, port)
        return
    from parity.web import users
    from parity.web.app import create_app

    app = create_app(settings)
    _no_accounts_hint(len(users.list_users(app.state.runtime.store)), settings.db)
    out.print(f"Parity dashboard on http://{host}:{port}/  (store {settings.db}; Ctrl+C stops it)")
    _run(app, settings, host, port)


def _serve_workers(settings: WebSettings, workers: int, host: str, port: int) -> None:
    """Several uvicorn worker processes, each running the application factory on the store
    opened read-only, with the settings handed over in PARITY_WEB_* variables."""
    import os

    from parity.web import workers as plans

    plan = plans.plan(settings)
    for note in plan.notes:
        err.print(note, highlight=False)
    _no_accounts_hint(plan.accounts, settings.db)
    os.environ.update(plan.env)
    if plan.settings.precompute:
        # Once here, into the shared cache folder, rather than once in every worker: the
        # workers then read the costly answers and compute only their count tables.
        from parity.web.app import create_app

        create_app(plan.settings).state.runtime.close()
    out.print(f"Parity dashboard on http://{host}:{port}/  (store {settings.db}, read-only, "
              f"{workers} workers; Ctrl+C stops it)")
    try:
        _run(plans.FACTORY, plan.settings, host, port, workers)
    finally:
        plan.cleanup()


def _run(app: FastAPI | str, settings: WebSettings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, factory=isinstance(app, str),
                workers=workers if workers > 1 else None, log_level="warning", access_log=False,
                proxy_headers=settings.https, forwarded_allow_ips=",".join(settings.trusted_proxies),
                timeout_keep_alive=30,
                # a worker computing its count tables at start answers the supervisor late
                timeout_worker_healthcheck=120 if settings.precompute else 5)


def _no_accounts_hint(accounts: int, db: Path) -> None:
    if not accounts:
        err.print("This store has no dashboard accounts yet. Create some with:\n"
                  f"  parity users demo --db {db}      (one account per role, for a demo)\n"
                  f"  parity users add NAME --role analyst --db {db}\n"
                  "(this works while the server runs: it lets go of the store for the change).",
                  highlight=False)


def _log_change(store: Store, action: str, name: str, **detail: object) -> None:
    """An account change made from the command line, in the audit log (the actor is the
    operating-system user, acting as admin)."""
    from parity.core.disclosure import Actor, audit_log

    user = audit_log.os_user()
    audit_log.append(store, Actor(user, "admin"), action, f"account '{name}'",
                     detail={"channel": "cli", "account": name, **detail})


@users_app.command("add")
@friendly_errors
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="public, member_state, manager, analyst or admin.")],
    nationality: Annotated[str | None, typer.Option(
        help="ISO3 code of the Member State (member_state accounts).")] = None,
    entity: Annotated[str | None, typer.Option(help="Entity code (manager accounts).")] = None,
    password: Annotated[str | None, typer.Option(
        help="Password (default: a random one, printed once).", envvar="PARITY_NEW_PASSWORD")] = None,
    token: Annotated[bool, typer.Option(
        "--token/--no-token", help="Also issue an API token.")] = False,
    db: DbOption = None,
) -> None:
    """Create a dashboard account; prints its password (and API token) once."""
    from parity.core.store import open_store
    from parity.web import users

    with open_store(_store_path(db), create=False) as store:
        chosen = users.add_user(store, name, role, password, nationality, entity)
        issued = users.issue_token(store, name, "parity users add") if token else None
        _log_change(store, "account_added", name, role=role)
        if issued:
            _log_change(store, "token_issued", name)
    out.print(f"Created {name} ({role}).")
    if password is None:
        out.print(f"Password: {chosen}")
    if issued:
        out.print(f"API token (shown once): {issued}")


@users_app.command("list")
@friendly_errors
def users_list(db: DbOption = None) -> None:
    """List the accounts (never their passwords or tokens)."""
    import polars as pl

    from parity.core.store import open_store
    from parity.web import users

    with open_store(_store_path(db), read_only=True) as store:
        rows = users.list_users(store)
    if not rows:
        out.print("No accounts. Create one with 'parity users add NAME --role ROLE'.")
        return
    print_table(pl.DataFrame(rows), title="Dashboard accounts")


@users_app.command("remove")
@friendly_errors
def users_remove(name: Annotated[str, typer.Argument(help="User name.")], db: DbOption = None) -> None:
    """Remove an account and its API tokens."""
    from parity.core.store import open_store
    from parity.web import users

    with open_store(_store_path(db), create=False) as store:
        users.remove_user(store, name)
        _log_change(store, "account_removed", name)
    out.print(f"Removed {name}.")


@users_app.command("token")
@friendly_errors
def users_token(name: Annotated[str, typer.Argument(help="User name.")],
                label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
                db: DbOption = None) -> None:
    """Issue an API token for an account (shown once; only its hash is kept)."""
    from parity.core.store import open_store
    from parity.web import users

    with open_store(_store_path(db), create=False) as store:
        token = users.issue_token(store, name, label)
        _log_change(store, "token_issued", name)
    out.print(f"API token for {name} (shown once): {token}")


@users_app.command("demo")
@friendly_errors
def users_demo(db: DbOption = None) -> None:
    """Create one demo account per role with random passwords, printed once."""
    from parity.core.analytics.composition import snapshot_dates
    from parity.core.backend import Backend
    from parity.core.store import open_store
    from parity.web import users

    with open_store(_store_path(db), create=False) as store:
        entity = None
        if snapshot_dates(store):
            staff = Backend.from_store(store).table("staff")
            counts = Backend.to_polars(staff.group_by("entity").agg(n=staff.count()))
            entity = str(counts.sort(["n", "entity"], descending=[True, False])["entity"][0])
        existing = {str(u["name"]) for u in users.list_users(store)}
        rows = []
        for name, role, nationality, demo_entity in DEMO_ACCOUNTS:
            if name in existing:
                users.remove_user(store, name)
            if role == "manager":
                demo_entity = entity or "DPPA"
            password = users.add_user(store, name, role, None, nationality, demo_entity)
            _log_change(store, "account_added", name, role=role, demo=True)
            rows.append({"user": name, "role": role, "scope": nationality or demo_entity or "",
                         "password": password})
    import polars as pl

    print_table(pl.DataFrame(rows), title="Demo accounts (passwords shown once)")
    out.print("Log in at http://127.0.0.1:8000/login after 'parity serve'.")


def register(app: typer.Typer) -> None:
    app.command("serve")(friendly_errors(serve))
    app.add_typer(users_app, name="users")
