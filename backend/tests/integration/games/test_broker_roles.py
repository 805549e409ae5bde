"""What each login may do on the managed broker, decided by the real dynamic-security plugin.

A game client (an API key) sends requests and reads answers; it cannot read other players'
requests (they may carry keys), pose as the portal, or administer the broker. The bridge
serves every project through a shared subscription. Only the admin reaches `$CONTROL`.
"""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from app.mqtt import dynsec
from tests.integration.games.broker_logins import (
    WAIT_S,
    ManagedBroker,
    connected,
    logs_in,
    start_managed_broker,
)

pytestmark = pytest.mark.integration
KEY = "pp_0123456789abcdef_secret-of-the-key"
KEY_ID = "0123456789abcdef"


@pytest.fixture
def managed(tmp_path: Path) -> Iterator[ManagedBroker]:
    player = dynsec.ClientAccount(KEY_ID, dynsec.hash_password(KEY))
    managed = start_managed_broker(tmp_path, [player])
    try:
        yield managed
    finally:
        managed.broker.close()


async def granted(client: aiomqtt.Client, topic: str) -> bool:
    reason_codes = await client.subscribe(topic, qos=1)
    return all(code.value < 0x80 for code in reason_codes)


async def next_topic(client: aiomqtt.Client) -> str:
    async with asyncio.timeout(WAIT_S):
        async for message in client.messages:
            return str(message.topic)
    raise AssertionError("no message")


class TestGameClient:
    @pytest.mark.parametrize(
        "topic", ["maze/hint/s1", "maze/assistant_response/s1/#", "racing/status", "maze/hint/+"]
    )
    async def test_may_subscribe_to_answers(self, managed: ManagedBroker, topic: str) -> None:
        async with connected(managed.broker, KEY_ID, KEY) as player:
            assert await granted(player, topic)

    @pytest.mark.parametrize(
        "topic",
        [
            "maze/user_input",
            "maze/#",
            "#",
            "maze/template/+",
            "$share/portal/maze/user_input",
            "$CONTROL/#",
            "$CONTROL/dynamic-security/v1/response",
            "$SYS/#",
            "unknown_project/hint/s1",
        ],
    )
    async def test_may_not_read_requests_or_control_topics(
        self, managed: ManagedBroker, topic: str
    ) -> None:
        async with connected(managed.broker, KEY_ID, KEY) as player:
            assert not await granted(player, topic)

    async def test_requests_reach_the_bridge_but_forged_answers_do_not(
        self, managed: ManagedBroker
    ) -> None:
        logins = managed.logins
        async with (
            connected(managed.broker, logins.bridge_user, logins.bridge_password) as bridge,
            connected(managed.broker, KEY_ID, KEY) as player,
        ):
            assert await granted(bridge, "$share/portal/maze/#")
            # One publisher's messages arrive in order: a forged one, had it passed, would be
            # the first the bridge sees.
            for topic in ("maze/hint/s1", "maze/status", "maze/assistant_response/s1"):
                await player.publish(topic, b"{}", qos=1)
            await player.publish("maze/user_input", b"{}", qos=1)
            assert await next_topic(bridge) == "maze/user_input"
            for topic in ("maze/template", "maze/clear_history/s1", "maze/result/s1"):
                await player.publish(topic, b"{}", qos=1)
                assert await next_topic(bridge) == topic

    async def test_cannot_administer_the_broker(self, managed: ManagedBroker) -> None:
        command = {"commands": [{"command": "createClient", "username": "x", "password": "y"}]}
        async with connected(managed.broker, KEY_ID, KEY) as player:
            await player.publish(dynsec.CONTROL_TOPIC, json.dumps(command), qos=1)
        assert not await logs_in(managed.broker, "x", "y")


class TestAdmin:
    async def test_administers_logins_but_reads_no_game_traffic(
        self, managed: ManagedBroker
    ) -> None:
        logins = managed.logins
        async with connected(managed.broker, logins.admin_user, logins.admin_password) as admin:
            assert await granted(admin, dynsec.RESPONSE_TOPIC)
            assert not await granted(admin, "maze/#")
