"""Operator commands that work on the portal's database without the server running.

    python -m app.cli set-temporary-password EMAIL

gives an account a generated temporary password — for an admin who is locked out and has no
other admin to ask — and prints it on stdout (nothing else goes there, so a script can capture
it). Signing in with it, the person is asked for a new password before anything else; every
earlier sign-in of the account ends. Run it from `backend/` with the server's environment
(`backend/.env` is read the same way), so it reaches the same database. The schema is brought
to the current version first, as the server does at start-up.
"""

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db import apply_migrations, create_engine, create_sessionmaker, session_scope
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        _say(f"The portal's settings are not valid (environment or backend/.env):\n{exc}")
        return 2
    try:
        password = asyncio.run(set_temporary_password(settings, args.email))
    except CommandError as exc:
        _say(str(exc))
        return 1
    except (DBAPIError, OSError) as exc:
        _say(f"The database at {_where(settings.database_url)} did not answer: {exc}")
        return 1
    sys.stdout.write(f"{password}\n")
    _say(
        f"Temporary password set for {args.email}: sign in with it, then choose a new "
        "password. Every earlier sign-in of this account has ended."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
