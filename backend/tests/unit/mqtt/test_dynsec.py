"""Mosquitto dynamic-security material: the password hash as the broker stores and checks it,
and the roles written into ``dynamic-security.json``."""

import base64
from typing import Any

import pytest

from app.mqtt import dynsec

# Made by the real broker's tool (Mosquitto 2.0.11): `mosquitto_ctrl dynsec init FILE admin`
# with the password "secretpw"; these are the fields it wrote for that client.
BROKER_MADE = dynsec.PasswordHash(
    hash="N7uHLOoOPExfwQB1wWIYqU5KujzNM8y2VcO8W1pwOJt3eerfbSxj6HvBhzKggzMf/IRDbS4lpkQK9sSUHWSn1w==",
    salt="wYe6d/c9+LuRrXXS",
    iterations=101,
)


class TestHashPassword:
    def test_reproduces_a_hash_the_broker_made(self) -> None:
        salt = base64.b64decode(BROKER_MADE.salt)
        assert dynsec.hash_password("secretpw", salt=salt, iterations=101) == BROKER_MADE

    def test_a_new_hash_has_the_shape_the_broker_loads(self) -> None:
        made = dynsec.hash_password("pp_0123456789abcdef_secret")
        assert len(base64.b64decode(made.hash, validate=True)) == 64
        assert len(base64.b64decode(made.salt, validate=True)) == 12
        assert made.iterations == dynsec.ITERATIONS

    def test_every_hash_gets_its_own_salt(self) -> None:
        first, second = dynsec.hash_password("same"), dynsec.hash_password("same")
        assert first.salt != second.salt
        assert first.hash != second.hash

    @pytest.mark.parametrize(
        ("salt", "iterations"), [(b"short", 101), (b"x" * 13, 101), (b"x" * 12, 0)]
    )
    def test_refuses_material_the_broker_would_not_load(self, salt: bytes, iterations: int) -> None:
        with pytest.raises(ValueError, match="12-byte salt"):
            dynsec.hash_password("pw", salt=salt, iterations=iterations)


class TestVerifyPassword:
    def test_accepts_the_right_password(self) -> None:
        assert dynsec.verify_password("secretpw", BROKER_MADE)

    @pytest.mark.parametrize("password", ["secretpw ", "Secretpw", "", "secretp"])
    def test_refuses_any_other(self, password: str) -> None:
        assert not dynsec.verify_password(password, BROKER_MADE)


def _config(**clients: bool) -> dict[str, Any]:
    return dynsec.build_config(
        admin=dynsec.ClientAccount("admin", BROKER_MADE),
        bridge=dynsec.ClientAccount("bridge", BROKER_MADE),
        clients=[
            dynsec.ClientAccount(name, BROKER_MADE, disabled=disabled)
            for name, disabled in clients.items()
        ],
        projects=["maze", "racing"],
    )


def _role(config: dict[str, Any], name: str) -> list[dict[str, Any]]:
    roles = {role["rolename"]: role["acls"] for role in config["roles"]}
    acls: list[dict[str, Any]] = roles[name]
    return acls


def _topics(acls: list[dict[str, Any]], acltype: str) -> set[str]:
    return {acl["topic"] for acl in acls if acl["acltype"] == acltype and acl["allow"]}


class TestBuildConfig:
    def test_each_login_gets_its_role_and_password_fields(self) -> None:
        config = _config(k1=False)
        clients = {client["username"]: client for client in config["clients"]}
        assert [r["rolename"] for r in clients["admin"]["roles"]] == [dynsec.ADMIN_ROLE]
        assert [r["rolename"] for r in clients["bridge"]["roles"]] == [dynsec.BRIDGE_ROLE]
        assert [r["rolename"] for r in clients["k1"]["roles"]] == [dynsec.GAME_ROLE]
        assert clients["k1"]["password"] == BROKER_MADE.hash
        assert clients["k1"]["salt"] == BROKER_MADE.salt
        assert clients["k1"]["iterations"] == 101

    def test_a_disabled_login_is_kept_but_marked(self) -> None:
        clients = {client["username"]: client for client in _config(on=False, off=True)["clients"]}
        assert clients["off"]["disabled"] is True
        assert "disabled" not in clients["on"]

    def test_nothing_is_allowed_without_a_role(self) -> None:
        assert _config()["defaultACLAccess"] == {
            "publishClientSend": False,
            "publishClientReceive": True,
            "subscribe": False,
            "unsubscribe": True,
        }

    def test_only_the_admin_reaches_the_control_topics(self) -> None:
        config = _config()
        admin = _role(config, dynsec.ADMIN_ROLE)
        assert _topics(admin, "publishClientSend") == {"$CONTROL/dynamic-security/#"}
        assert _topics(admin, "subscribePattern") == {"$CONTROL/dynamic-security/#"}
        for role in (dynsec.BRIDGE_ROLE, dynsec.GAME_ROLE):
            assert not any(acl["topic"].startswith("$CONTROL") for acl in _role(config, role))

    def test_a_game_client_sends_requests_and_reads_answers_only(self) -> None:
        game = _role(_config(), dynsec.GAME_ROLE)
        sent = _topics(game, "publishClientSend")
        assert {"maze/user_input", "maze/state", "maze/template/#", "racing/result/#"} <= sent
        assert not any("assistant_response" in t or "hint" in t or "status" in t for t in sent)
        read = _topics(game, "subscribePattern")
        assert read == {
            f"{project}/{topic}"
            for project in ("maze", "racing")
            for topic in ("assistant_response/#", "hint/#", "status")
        }

    def test_the_bridge_serves_every_project_through_shared_subscriptions(self) -> None:
        bridge = _role(_config(), dynsec.BRIDGE_ROLE)
        assert _topics(bridge, "subscribePattern") == {
            "maze/#",
            "$share/+/maze/#",
            "racing/#",
            "$share/+/racing/#",
        }
        assert _topics(bridge, "publishClientSend") == {"maze/#", "racing/#"}
