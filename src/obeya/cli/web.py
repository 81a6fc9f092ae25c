"""``obeya serve`` (the web war room) and ``obeya users`` (accounts and API tokens).

There are no default users or passwords: the first admin is created with
``obeya users add NAME --role admin``, which asks for the password twice (or reads
it from standard input with ``--password-stdin``). The server binds to 127.0.0.1
unless ``--host`` says otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from obeya.cli.data import WarehouseOption
from obeya.cli.output import OutputFormat, err, out, print_rows

__all__ = ["register"]

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="OBEYA_WEB_STORE",
        help="SQLite file of users, sessions, tokens and the audit log "
        "(default: obeya-web.sqlite beside the warehouse).",
        show_default=False,
    ),
]

users_app = typer.Typer(
    name="users",
    help="Web users, roles (viewer, analyst, admin) and API tokens.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command(
        "serve",
        epilog="Examples: obeya serve | obeya serve --port 8080 | "
        "obeya serve --host 0.0.0.0 (behind an https proxy only)",
    )(serve)
    users_app.command("add", epilog="Example: obeya users add ann --role admin")(users_add)
    users_app.command("list", epilog="Example: obeya users list --format json")(users_list)
    users_app.command("token", epilog="Example: obeya users token ann --label nightly")(users_token)
    app.add_typer(
        users_app,
        epilog="Examples: obeya users add ann --role admin | obeya users list | "
        "obeya users token ann",
    )


def _auth(warehouse: str | None, store: str | None):  # type: ignore[no-untyped-def]
    from obeya.web import Auth, Settings, Store

    settings = Settings.build(warehouse=warehouse, store=store)
    return Auth(Store(settings.store_path), settings.session_hours)


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    cookie_secure: Annotated[
        str, typer.Option(help="Secure flag of the session cookie: auto, always or never.")
    ] = "auto",
    alerts: Annotated[
        Path | None,
        typer.Option("--alerts", help="An alert rules file to run on a schedule while serving."),
    ] = None,
    alerts_every: Annotated[int, typer.Option(help="Seconds between alert runs.", min=10)] = 900,
    watch_every: Annotated[
        int,
        typer.Option(
            help="Seconds between checks for data loaded outside the app (the scorecard is "
            "then recomputed ahead of viewers); 0 turns it off.",
            min=0,
        ),
    ] = 5,
    warehouse: WarehouseOption = None,
    store: StoreOption = None,
) -> None:
    """Run the web war room: scorecard, KPIs, forecasts, plans, P&L, SPC, loads, SQL.

    Pages and the REST API under /api/v1 (OpenAPI at /api/v1/openapi.json). Every
    asset is served by the app, so it works with no internet. Create users first
    with `obeya users add`.
    """
    import uvicorn

    from obeya.web import Settings, create_app

    settings = Settings.build(warehouse=warehouse, store=store, cookie_secure=cookie_secure)
    scheduler = None
    if alerts is not None:
        from obeya.alerts import AlertScheduler, load_rules
        from obeya.warehouse import Warehouse

        def log(report: object) -> None:
            err.print(f"alerts: {report}", markup=False)

        scheduler = AlertScheduler(
            lambda: Warehouse.open(settings.warehouse_url), load_rules(alerts), alerts_every, log
        )
    app = create_app(settings)
    if not app.state.obeya.store.users():
        err.print(
            "note: no users yet; create the first admin with `obeya users add NAME --role admin`",
            markup=False,
        )
    out.print(f"obeya war room on http://{host}:{port} (warehouse {settings.warehouse_url})")
    if scheduler is not None:
        scheduler.start()
        out.print(f"alerts from {alerts} every {alerts_every} s")
    watcher = None
    if watch_every > 0 and settings.prewarm:
        from obeya.web.context import DataWatcher

        watcher = DataWatcher(app.state.obeya, watch_every)
        watcher.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        if scheduler is not None:
            scheduler.stop()
        if watcher is not None:
            watcher.stop()


def users_add(
    name: Annotated[str, typer.Argument(help="The user name (letters, digits, . _ - @).")],
    role: Annotated[str, typer.Option("--role", "-r", help="viewer, analyst or admin.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    warehouse: WarehouseOption = None,
    store: StoreOption = None,
) -> None:
    """Create a web user with a role; the password is asked twice (never a default)."""
    from obeya.errors import ConfigError
    from obeya.web import Role

    the_role = Role.parse(role)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise ConfigError("no password given; type one, or pipe it with --password-stdin")
    auth = _auth(warehouse, store)
    user = auth.add_user(name, the_role, password)
    auth.store.add_audit("cli", "user.add", user.name, f"role {the_role.value}")
    out.print(f"user {user.name} added with role {the_role.value}")


def users_list(
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.TABLE,
    warehouse: WarehouseOption = None,
    store: StoreOption = None,
) -> None:
    """List the web users with their roles."""
    import pyarrow as pa

    users = _auth(warehouse, store).store.users()
    table = pa.table(
        {
            "name": [u.name for u in users],
            "role": [u.role for u in users],
            "active": [u.active for u in users],
            "created_at": [u.created_at for u in users],
        }
    )
    print_rows(table, fmt, title="users")


def users_token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "api token",
    warehouse: WarehouseOption = None,
    store: StoreOption = None,
) -> None:
    """Create an API token for a user and print it once (only its hash is kept)."""
    auth = _auth(warehouse, store)
    token = auth.new_token(name, label)
    auth.store.add_audit("cli", "token.create", name, f"token {token.split('_')[1]} ({label})")
    out.print(token, markup=False)
    err.print("note: the token is shown only this once; keep it secret", markup=False)
