"""Mosquitto's dynamic-security plugin, seen from the portal: password material, the
configuration file, and the control topic.

Game clients log in to the broker with an API key (username = key id, password = the whole
key). The broker checks the password against a PBKDF2-HMAC-SHA512 hash, stored in
``dynamic-security.json`` as base64 ``password`` (64 bytes), base64 ``salt`` (12 bytes — Mosquitto
2.0 refuses any other length) and ``iterations``. The portal keeps that same material for each key,
so it can write the file from its own database before the broker starts: a lost broker file
locks nobody out. While the broker runs, accounts change through its control topic
(``$CONTROL/dynamic-security/v1``), which only takes plaintext passwords — hence the hash is made
once, when the key is created, the only moment the portal knows the secret.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import aiomqtt

from app.mqtt.settings import GAME_PROJECTS

logger = logging.getLogger(__name__)

ITERATIONS = 101
"""What Mosquitto 2.0 uses for the passwords it hashes itself. The keys are 256-bit random
secrets, so more rounds would add connect latency and no protection."""
SALT_BYTES = 12
HASH_BYTES = 64
CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
ADMIN_ROLE = "dynsec-admin"
BRIDGE_ROLE = "portal-bridge"
GAME_ROLE = "game-client"
CLIENT_NOT_FOUND = "Client not found"

# What a game client may publish (requests) and subscribe to (answers), per project P, as
# docs/mqtt.md lists the topics. Request topics are not readable by players: a request may
# carry its sender's API key in the payload.
GAME_PUBLISH = (
    "user_input",
    "state",
    "template/#",
    "clear_history/#",
    "delete_session/#",
    "result/#",
)
GAME_SUBSCRIBE = ("assistant_response/#", "hint/#", "status")


class PasswordHash(NamedTuple):
    """A password as ``dynamic-security.json`` stores it (base64 hash and salt)."""

    hash: str
    salt: str
    iterations: int


def hash_password(
    password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS
) -> PasswordHash:
    """Hash ``password`` exactly as the broker does when it checks a login."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    if len(salt) != SALT_BYTES or iterations < 1:
        raise ValueError(f"Mosquitto needs a {SALT_BYTES}-byte salt and at least one iteration")
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    return PasswordHash(_b64(digest), _b64(salt), iterations)


def verify_password(password: str, stored: PasswordHash) -> bool:
    """Whether ``password`` matches ``stored`` (what the broker decides at login)."""
    salt = base64.b64decode(stored.salt)
    fresh = hash_password(password, salt=salt, iterations=stored.iterations)
    return hmac.compare_digest(fresh.hash, stored.hash)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class ClientAccount:
    """One broker login of a game client; a disabled one exists but is refused."""

    username: str
    password: PasswordHash
    disabled: bool = False
    text_name: str | None = None


def _acl(acltype: str, topic: str, *, allow: bool = True, priority: int = 0) -> dict[str, Any]:
    return {"acltype": acltype, "topic": topic, "allow": allow, "priority": priority}


def admin_role() -> dict[str, Any]:
    """Administers dynamic security only: no game traffic."""
    topic = "$CONTROL/dynamic-security/#"
    acls = [_acl(kind, topic) for kind in ("publishClientSend", "publishClientReceive")]
    return {"rolename": ADMIN_ROLE, "acls": [*acls, _acl("subscribePattern", topic)]}


def bridge_role(projects: Sequence[str]) -> dict[str, Any]:
    """The portal's bridge: every topic of the served projects, shared subscriptions too."""
    acls: list[dict[str, Any]] = []
    for project in projects:
        acls += [
            _acl("publishClientSend", f"{project}/#"),
            _acl("publishClientReceive", f"{project}/#"),
            _acl("subscribePattern", f"{project}/#"),
            _acl("subscribePattern", f"$share/+/{project}/#"),
        ]
    return {"rolename": BRIDGE_ROLE, "acls": acls}


def game_role(projects: Sequence[str]) -> dict[str, Any]:
    """A player's key: send requests, read answers; never ``$CONTROL``, never others' requests."""
    acls: list[dict[str, Any]] = []
    for project in projects:
        acls += [_acl("publishClientSend", f"{project}/{topic}") for topic in GAME_PUBLISH]
        acls += [_acl("subscribePattern", f"{project}/{topic}") for topic in GAME_SUBSCRIBE]
        acls += [_acl("publishClientReceive", f"{project}/{topic}") for topic in GAME_SUBSCRIBE]
    return {"rolename": GAME_ROLE, "acls": acls}


def _client(account: ClientAccount, role: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "username": account.username,
        "password": account.password.hash,
        "salt": account.password.salt,
        "iterations": account.password.iterations,
        "roles": [{"rolename": role}],
    }
    if account.text_name:
        entry["textName"] = account.text_name
    if account.disabled:
        entry["disabled"] = True
    return entry


def build_config(
    *,
    admin: ClientAccount,
    bridge: ClientAccount,
    clients: Iterable[ClientAccount],
    projects: Sequence[str] = GAME_PROJECTS,
) -> dict[str, Any]:
    """The whole ``dynamic-security.json`` document."""
    return {
        "clients": [
            _client(admin, ADMIN_ROLE),
            _client(bridge, BRIDGE_ROLE),
            *(_client(account, GAME_ROLE) for account in clients),
        ],
        "groups": [],
        "roles": [admin_role(), bridge_role(projects), game_role(projects)],
        # The plugin's documented defaults: nothing is sent or subscribed without a role.
        "defaultACLAccess": {
            "publishClientSend": False,
            "publishClientReceive": True,
            "subscribe": False,
            "unsubscribe": True,
        },
    }


def write_config(
    path: Path,
    *,
    admin_user: str,
    admin_password: str,
    bridge_user: str,
    bridge_password: str,
    clients: Iterable[ClientAccount],
    projects: Sequence[str] = GAME_PROJECTS,
) -> None:
    """Write ``dynamic-security.json`` atomically, readable by its owner only (it holds hashes).

    Only while the broker is stopped: a running broker rewrites the file from memory.
    """
    document = build_config(
        admin=ClientAccount(admin_user, hash_password(admin_password), text_name="Portal admin"),
        bridge=ClientAccount(bridge_user, hash_password(bridge_password), text_name="Portal"),
        clients=clients,
        projects=projects,
    )
    write_private(path, json.dumps(document, indent=1) + "\n")


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a reader never sees half), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class DynsecError(Exception):
    """The broker refused a command or did not answer it."""


@dataclass(frozen=True)
class DynsecControl:
    """Sends commands to a running broker's dynamic security, as its admin.

    Each call is one short connection: account changes are rare (a key made or revoked), and a
    fresh connection needs no keeping alive across broker restarts.
    """

    hostname: str
    port: int
    username: str
    password: str
    timeout: float = 10.0

    async def create_client(
        self, username: str, password: str, *, role: str = GAME_ROLE, text_name: str | None = None
    ) -> None:
        command: dict[str, Any] = {
            "command": "createClient",
            "username": username,
            "password": password,
            "roles": [{"rolename": role}],
        }
        if text_name:
            command["textname"] = text_name
        await self.run([command])

    async def delete_client(self, username: str) -> None:
        """Remove a login (and disconnect it); one that is not there is already gone."""
        await self.run([{"command": "deleteClient", "username": username}], missing_ok=True)

    async def disable_client(self, username: str) -> None:
        """Refuse a login (and disconnect it) but keep it, so it can be enabled again."""
        await self.run([{"command": "disableClient", "username": username}], missing_ok=True)

    async def enable_client(self, username: str) -> None:
        await self.run([{"command": "enableClient", "username": username}], missing_ok=True)

    async def run(
        self, commands: list[dict[str, Any]], *, missing_ok: bool = False
    ) -> list[dict[str, Any]]:
        """Send ``commands`` in one message and return their responses, in order.

        Raises ``DynsecError`` when the broker cannot be reached, does not answer within
        ``timeout``, or refuses one (``Client not found`` is fine when ``missing_ok``).
        """
        tagged = [{**command, "correlationData": uuid.uuid4().hex} for command in commands]
        try:
            responses = await self._exchange(tagged)
        except (aiomqtt.MqttError, OSError, TimeoutError) as exc:
            raise DynsecError(f"broker at {self.hostname}:{self.port}: {exc}") from exc
        for response in responses:
            error = response.get("error")
            if error and not (missing_ok and error == CLIENT_NOT_FOUND):
                raise DynsecError(f"{response.get('command')}: {error}")
        return responses

    async def _exchange(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        waiting = {command["correlationData"]: index for index, command in enumerate(commands)}
        answers: list[dict[str, Any]] = [{} for _ in commands]
        async with aiomqtt.Client(
            self.hostname,
            self.port,
            username=self.username,
            password=self.password,
            identifier=f"portal-dynsec-{uuid.uuid4().hex[:12]}",
            timeout=self.timeout,
        ) as client:
            await client.subscribe(RESPONSE_TOPIC, qos=1)
            await client.publish(CONTROL_TOPIC, json.dumps({"commands": commands}), qos=1)
            async with asyncio.timeout(self.timeout):
                async for message in client.messages:
                    for response in _responses(message.payload):
                        index = waiting.pop(str(response.get("correlationData")), None)
                        if index is not None:
                            answers[index] = response
                    if not waiting:
                        break
        return answers


def _responses(payload: Any) -> list[dict[str, Any]]:
    """The ``responses`` of one control reply; anything else (not ours, garbled) is none."""
    try:
        document = json.loads(payload)
    except (TypeError, ValueError):
        return []
    responses = document.get("responses") if isinstance(document, dict) else None
    if not isinstance(responses, list):
        return []
    return [item for item in responses if isinstance(item, dict)]
