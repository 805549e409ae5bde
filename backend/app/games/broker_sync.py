"""The broker's logins mirror the portal's API keys (decisions.md § Broker and identity).

A game client logs in with an API key: username = the key id, password = the whole key. When
the portal manages the broker (``MQTT_MANAGE_BROKER``, set by ``make run``), it pushes each
change to the broker's dynamic security as it happens: a new key (the only moment the secret is
known), a revoked key, a disabled or enabled account, an expired key (a periodic sweep). A broker
that cannot be reached never fails the request: the change is logged, and the file written from
the database before the broker's next start (``write_broker_file``) repairs it.

Every key keeps its password in Mosquitto's own hashed form (``api_key.mqtt_*``), whether or not
a broker is managed now, so the file can be written from the database alone. Keys made before
that have no such form: they must be re-issued for MQTT.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import ApiKey
from app.db import session_scope, utcnow
from app.mqtt import dynsec
from app.mqtt.dispatch import raise_if_cancelled
from app.mqtt.settings import MqttSettings
from app.users.models import User

logger = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0
SWEEPER_STOP_SECONDS = 10.0
SWEEP_OVERLAP = timedelta(seconds=5)
"""Each sweep looks a little further back than the last one ended, so a key that expired
while the previous sweep ran is never skipped."""
NOT_MIRRORED = "broker accounts not updated (%s): %s; the next broker start rebuilds them"


def key_password(plaintext: str) -> dynsec.PasswordHash:
    """The broker-side hash of a new key, to keep on its row (``mqtt_*`` columns)."""
    return dynsec.hash_password(plaintext)


def works_over_mqtt(key: ApiKey) -> bool:
    """Whether the key has broker password material (keys older than MQTT do not)."""
    return bool(key.mqtt_password_hash and key.mqtt_salt and key.mqtt_iterations)


def _stored_password(key: ApiKey) -> dynsec.PasswordHash:
    return dynsec.PasswordHash(
        key.mqtt_password_hash or "", key.mqtt_salt or "", key.mqtt_iterations or 0
    )


class BrokerAccounts:
    """Pushes key and account changes to a running broker's dynamic security."""

    def __init__(
        self, control: dynsec.DynsecControl, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self.control = control
        self._sessionmaker = sessionmaker
        self._swept_until: datetime | None = None
        # Refusals the broker did not take (it was away): retried by every sweep, so a revoked
        # key or a disabled account cannot keep its broker login until the next restart.
        self._pending: dict[str, str] = {}  # username → deleteClient | disableClient

    @classmethod
    def from_settings(
        cls, settings: MqttSettings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> BrokerAccounts | None:
        """The mirror of a managed broker; None when the portal manages no broker."""
        if not (settings.manage_broker and settings.broker_url and settings.dynsec_username):
            return None
        password = settings.dynsec_password.get_secret_value() if settings.dynsec_password else ""
        host, port = settings.host_port()
        control = dynsec.DynsecControl(host, port, settings.dynsec_username, password)
        return cls(control, sessionmaker)

    async def key_created(self, key: ApiKey, plaintext: str) -> None:
        """Let the new key log in to the broker."""
        try:
            await self.control.create_client(key.key_id, plaintext, text_name=key.name)
        except dynsec.DynsecError as exc:
            logger.warning(NOT_MIRRORED, f"new key {key.prefix}", exc)

    async def key_revoked(self, key: ApiKey) -> None:
        """Remove the key's login; a client connected with it is disconnected."""
        if works_over_mqtt(key):
            await self._refuse("deleteClient", [key.key_id], f"revoked key {key.prefix}")

    async def user_changed(self, session: AsyncSession, *, user_id: int, active: bool) -> None:
        """Refuse (or allow again) every key of an account that was disabled (or enabled).

        Disabled rather than deleted: the broker cannot be given a hash, only a plaintext
        password, so a deleted login could not come back when the account is enabled.
        """
        keys = [key.key_id for key in await _mqtt_keys(session, user_id=user_id, valid_at=utcnow())]
        if not active:
            await self._refuse("disableClient", keys, f"account {user_id}")
            return
        for username in keys:
            self._pending.pop(username, None)
        await self._apply("enableClient", keys, f"account {user_id}")

    async def _refuse(self, command: str, usernames: Sequence[str], what: str) -> None:
        if not await self._apply(command, usernames, what):
            self._pending.update(dict.fromkeys(usernames, command))

    async def retry_refusals(self) -> None:
        """Send again the refusals the broker did not take; keep those it still does not."""
        for username, command in list(self._pending.items()):
            if await self._apply(command, [username], f"login {username} (retry)"):
                self._pending.pop(username, None)

    async def sweep_expired(self) -> int:
        """Remove the logins of keys that expired since the last sweep (all, at the first)."""
        now = utcnow()
        since = None if self._swept_until is None else self._swept_until - SWEEP_OVERLAP
        async with session_scope(self._sessionmaker) as session:
            key_ids = await _expired_key_ids(session, since=since, until=now)
        if key_ids and not await self._apply("deleteClient", key_ids, "expired keys"):
            return 0  # try these again next time
        self._swept_until = now
        return len(key_ids)

    async def run_sweeps(self, interval: float = SWEEP_SECONDS) -> None:
        """Sweep expired keys forever (a lifespan task); returns only when cancelled."""
        while True:
            try:
                await self.retry_refusals()
                await self.sweep_expired()
            except Exception:  # a database hiccup must not end the sweeping
                logger.exception("expired-key sweep failed; retrying in %.0f s", interval)
            # The broker calls wait through aiomqtt, which can swallow a cancel that lands
            # as its reply arrives; without this check the loop would sweep on for ever.
            raise_if_cancelled()
            await asyncio.sleep(interval)

    async def _apply(self, command: str, usernames: Sequence[str], what: str) -> bool:
        if not usernames:
            return True
        commands = [{"command": command, "username": name} for name in usernames]
        try:
            await self.control.run(commands, missing_ok=True)
        except dynsec.DynsecError as exc:
            logger.warning(NOT_MIRRORED, what, exc)
            return False
        return True


@asynccontextmanager
async def open_broker_accounts(
    settings: MqttSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    sweep_seconds: float = SWEEP_SECONDS,
) -> AsyncIterator[BrokerAccounts | None]:
    """The mirror of a managed broker, sweeping expired keys while open; None when the
    portal manages no broker (then nothing runs)."""
    accounts = BrokerAccounts.from_settings(settings, sessionmaker)
    if accounts is None:
        yield None
        return
    sweeper = asyncio.create_task(accounts.run_sweeps(sweep_seconds), name="expired-key-sweep")
    try:
        yield accounts
    finally:
        sweeper.cancel()
        # Bounded, like the bridge's stop: a sweep stuck in a broker call must not hold
        # shutdown for ever.
        _, running = await asyncio.wait({sweeper}, timeout=SWEEPER_STOP_SECONDS)
        if running:
            logger.error("The expired-key sweep did not stop within %.0f s", SWEEPER_STOP_SECONDS)


async def _mqtt_keys(session: AsyncSession, *, user_id: int, valid_at: datetime) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey).where(
            ApiKey.user_id == user_id,
            ApiKey.mqtt_password_hash.is_not(None),
            (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > valid_at),
        )
    )
    return list(result.scalars())


async def _expired_key_ids(
    session: AsyncSession, *, since: datetime | None, until: datetime
) -> list[str]:
    query = select(ApiKey.key_id).where(
        ApiKey.mqtt_password_hash.is_not(None), ApiKey.expires_at <= until
    )
    if since is not None:
        query = query.where(ApiKey.expires_at > since)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class BrokerLogins:
    """The portal's own logins on a managed broker: the dynsec admin and the bridge."""

    admin_user: str
    admin_password: str
    bridge_user: str
    bridge_password: str


async def broker_clients(session: AsyncSession) -> list[dynsec.ClientAccount]:
    """A login for every unexpired key with broker material; a disabled account's are disabled."""
    now = utcnow()
    result = await session.execute(
        select(ApiKey, User.is_active)
        .join(User, User.id == ApiKey.user_id)
        .where(
            ApiKey.mqtt_password_hash.is_not(None),
            (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > now),
        )
        .order_by(ApiKey.id)
    )
    return [
        dynsec.ClientAccount(
            key.key_id, _stored_password(key), disabled=not active, text_name=key.name
        )
        for key, active in result.all()
        if works_over_mqtt(key)
    ]


async def write_broker_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    logins: BrokerLogins,
    projects: Sequence[str],
) -> int:
    """Write ``dynamic-security.json`` from the database (before the broker starts).

    Returns how many key logins it holds.
    """
    async with session_scope(sessionmaker) as session:
        clients = await broker_clients(session)
    dynsec.write_config(
        path,
        admin_user=logins.admin_user,
        admin_password=logins.admin_password,
        bridge_user=logins.bridge_user,
        bridge_password=logins.bridge_password,
        clients=clients,
        projects=projects,
    )
    return len(clients)


CONF_FILE = "mosquitto.conf"
DYNSEC_FILE = "dynamic-security.json"
LOGINS_FILE = "portal-logins.json"
PLUGIN_NAME = "mosquitto_dynamic_security.so"
PLUGIN_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib",
    "/usr/lib64",
    "/usr/local/lib",
    "/opt/homebrew/lib",
)


def load_or_create_logins(data_dir: Path) -> BrokerLogins:
    """The portal's broker logins kept in ``data_dir`` (owner-only), made on first use."""
    path = data_dir / LOGINS_FILE
    if path.is_file():
        return BrokerLogins(**json.loads(path.read_text(encoding="utf-8")))
    logins = BrokerLogins(
        admin_user="portal-admin",
        admin_password=secrets.token_urlsafe(24),
        bridge_user="portal-bridge",
        bridge_password=secrets.token_urlsafe(24),
    )
    dynsec.write_private(path, json.dumps(asdict(logins), indent=1) + "\n")
    return logins


def find_dynsec_plugin() -> Path | None:
    """Where this system's Mosquitto keeps its dynamic-security plugin, if anywhere."""
    for folder in PLUGIN_DIRS:
        candidate = Path(folder) / PLUGIN_NAME
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class BrokerPlace:
    """Where a managed broker listens and keeps its files."""

    data_dir: Path
    host: str
    port: int
    websockets_port: int | None
    plugin: Path


def mosquitto_conf(place: BrokerPlace, *, run_as: str | None = None) -> str:
    """The ``mosquitto.conf`` of a managed broker: logins only, dynamic security, persistence.

    Mosquitto keeps sessions, subscriptions and queued QoS 1 messages in memory and writes them
    at autosave or clean shutdown; with ``autosave_on_changes`` an interval of 1 means "after
    every change", so a killed broker loses nothing that was acknowledged.
    """
    lines = [
        "# Written by `python -m app.cli broker-config` at every `make run`; edits are lost.",
        "per_listener_settings false",
        "allow_anonymous false",
        f"listener {place.port} {place.host}",
    ]
    if place.websockets_port is not None:
        lines += [f"listener {place.websockets_port} {place.host}", "protocol websockets"]
        if ":" not in place.host:
            # Mosquitto 2.0 binds a WebSockets listener to every address unless it is told
            # the address family; the host is then honoured.
            lines.append("socket_domain ipv4")
    lines += [
        f"plugin {place.plugin}",
        f"plugin_opt_config_file {place.data_dir / DYNSEC_FILE}",
        "persistence true",
        f"persistence_location {place.data_dir}/",
        "persistence_file mosquitto.db",
        "autosave_on_changes true",
        "autosave_interval 1",
        # Without it each small request waits for a delayed TCP ACK (~40 ms measured).
        "set_tcp_nodelay true",
        "log_dest stderr",
        "connection_messages true",
    ]
    if run_as:
        # Started as root, Mosquitto would switch to the `mosquitto` user, which cannot write here.
        lines.append(f"user {run_as}")
    return "\n".join(lines) + "\n"


def portal_environment(place: BrokerPlace, logins: BrokerLogins) -> dict[str, str]:
    """The ``MQTT_*`` settings that make the portal use and manage this broker."""
    environment = {
        "MQTT_BROKER_URL": f"mqtt://{place.host}:{place.port}",
        "MQTT_USERNAME": logins.bridge_user,
        "MQTT_PASSWORD": logins.bridge_password,
        "MQTT_MANAGE_BROKER": "true",
        "MQTT_DYNSEC_USERNAME": logins.admin_user,
        "MQTT_DYNSEC_PASSWORD": logins.admin_password,
        "MQTT_BROKER_DATA_DIR": str(place.data_dir),
    }
    if place.websockets_port is not None:
        environment["MQTT_WEBSOCKETS_URL"] = f"ws://{place.host}:{place.websockets_port}"
    return environment


async def get_broker_accounts(request: Request) -> BrokerAccounts | None:
    accounts: BrokerAccounts | None = getattr(request.app.state, "broker_accounts", None)
    return accounts


BrokerSync = Annotated[BrokerAccounts | None, Depends(get_broker_accounts)]
"""The mirror of the managed broker, or None when the portal manages none."""
