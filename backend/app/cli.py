"""Operator commands that work on the portal's database without the server running.

    python -m app.cli set-temporary-password EMAIL

gives an account a generated temporary password — for an admin who is locked out and has no
other admin to ask — and prints it on stdout (nothing else goes there, so a script can capture
it). Signing in with it, the person is asked for a new password before anything else; every
earlier sign-in of the account ends. Run it from `backend/` with the server's environment
(`backend/.env` is read the same way), so it reaches the same database. The schema is brought
to the current version first, as the server does at start-up.

    python -m app.cli broker-config --data-dir DIR

prepares the private Mosquitto that `make run` starts: `mosquitto.conf` (loopback listener,
WebSockets listener, logins only, dynamic security, persistence) and `dynamic-security.json`
written from the database — one login per API key — plus the portal's own generated broker
logins, kept in DIR. It prints the `MQTT_*=value` lines that make the portal use and manage
that broker (stdout carries only those lines).
"""

import argparse
import asyncio
import getpass
import os
import socket
import sys
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db import apply_migrations, create_engine, create_sessionmaker, session_scope
from app.games import broker_sync
from app.mqtt import dynsec
from app.users import service as users


class CommandError(Exception):
    """A failure the operator can act on; the message says what to do."""


def _where(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _require_existing_sqlite_file(database_url: str) -> None:
    """Migrating would create a missing SQLite file: refuse instead of using an empty one."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    if not Path(url.database).is_file():
        raise CommandError(
            f"There is no database at {url.database}. Run this where the portal runs, "
            "with the same DATABASE_URL (or backend/.env)."
        )


async def set_temporary_password(settings: Settings, email: str) -> str:
    """The new temporary password of the account with `email` (committed before returning)."""
    _require_existing_sqlite_file(settings.database_url)
    await apply_migrations(settings.database_url)
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            user = await users.get_by_email(session, email=email)
            if user is None:
                raise CommandError(
                    f"No account has the email {email} in {_where(settings.database_url)}. "
                    "Check the address, or set DATABASE_URL to the portal's database."
                )
            password = await users.set_temporary_password(session, user=user)
            disabled = not user.is_active
    finally:
        await engine.dispose()
    if disabled:
        _say(f"Note: {email} is disabled and cannot sign in until an admin enables it.")
    return password


def _say(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _broker_place(args: argparse.Namespace) -> broker_sync.BrokerPlace:
    plugin = args.plugin or broker_sync.find_dynsec_plugin()
    if plugin is None or not plugin.is_file():
        raise CommandError(
            "Mosquitto's dynamic-security plugin is not installed (Debian/Ubuntu: "
            "sudo apt-get install -y mosquitto), or pass --plugin PATH."
        )
    websockets: int | None = None
    if args.websockets_port >= 0:
        websockets = args.websockets_port or _free_port(args.host)
    return broker_sync.BrokerPlace(
        data_dir=args.data_dir.resolve(),
        host=args.host,
        port=args.port or _free_port(args.host),
        websockets_port=websockets,
        plugin=plugin,
    )


async def broker_config(settings: Settings, args: argparse.Namespace) -> dict[str, str]:
    """Write a managed broker's files from the database; the portal's `MQTT_*` settings for it."""
    place = _broker_place(args)
    place.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    logins = broker_sync.load_or_create_logins(place.data_dir)
    await apply_migrations(settings.database_url)
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        count = await broker_sync.write_broker_file(
            create_sessionmaker(engine),
            place.data_dir / broker_sync.DYNSEC_FILE,
            logins=logins,
            projects=settings.mqtt.projects,
        )
    finally:
        await engine.dispose()
    run_as = getpass.getuser() if os.geteuid() == 0 else None
    conf = broker_sync.mosquitto_conf(place, run_as=run_as)
    dynsec.write_private(place.data_dir / broker_sync.CONF_FILE, conf)
    _say(f"Broker files written in {place.data_dir}: {count} API key login(s).")
    return broker_sync.portal_environment(place, logins)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.cli", description="Prompt Portal operator commands."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    reset = commands.add_parser(
        "set-temporary-password",
        help="give an account a temporary password that must be changed after signing in",
    )
    reset.add_argument("email", help="the account's email address")
    broker = commands.add_parser(
        "broker-config",
        help="write a private Mosquitto's configuration and logins (one per API key) from "
        "the database, and print the MQTT_* settings for the portal",
    )
    broker.add_argument("--data-dir", type=Path, required=True, help="the broker's folder")
    broker.add_argument("--host", default="127.0.0.1", help="address to listen on")
    broker.add_argument("--port", type=int, default=0, help="MQTT port (0: a free one)")
    broker.add_argument(
        "--websockets-port",
        type=int,
        default=0,
        help="WebSockets port for browser games (0: a free one; -1: none)",
    )
    broker.add_argument("--plugin", type=Path, help="mosquitto_dynamic_security.so to load")
    return parser


def _temporary_password_command(settings: Settings, args: argparse.Namespace) -> int:
    password = asyncio.run(set_temporary_password(settings, args.email))
    sys.stdout.write(f"{password}\n")
    _say(
        f"Temporary password set for {args.email}: sign in with it, then choose a new "
        "password. Every earlier sign-in of this account has ended."
    )
    return 0


def _broker_config_command(settings: Settings, args: argparse.Namespace) -> int:
    environment = asyncio.run(broker_config(settings, args))
    sys.stdout.write("".join(f"{name}={value}\n" for name, value in environment.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        _say(f"The portal's settings are not valid (environment or backend/.env):\n{exc}")
        return 2
    command = (
        _broker_config_command if args.command == "broker-config" else _temporary_password_command
    )
    try:
        return command(settings, args)
    except CommandError as exc:
        _say(str(exc))
    except OSError as exc:
        if exc.filename is None:
            _say(f"The database at {_where(settings.database_url)} did not answer: {exc}")
        else:
            _say(f"Could not write {exc.filename}: {exc.strerror}")
    except DBAPIError as exc:
        _say(f"The database at {_where(settings.database_url)} did not answer: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
