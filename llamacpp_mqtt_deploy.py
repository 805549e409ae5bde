#!/usr/bin/env python3
"""Answer game clients over MQTT with the portal's LLM stack (no web app, no database).

    python llamacpp_mqtt_deploy.py --projects "maze driving" --mqtt_broker 127.0.0.1

Unset flags keep their LLM_* / MQTT_* environment value; with no LLM server the embedded llama.cpp
starts as in `make run`. Projects served need no API key. Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

BACKEND = Path(__file__).resolve().parent / "backend"
if importlib.util.find_spec("app") is None:  # not installed: use the checkout (gguf-py pattern)
    sys.path.insert(0, str(BACKEND))

from app.llm.runtime import embedded_server  # noqa: E402
from app.llm.settings import LLMSettings  # noqa: E402
from app.llm.stack import open_llm  # noqa: E402
from app.mqtt.bridge import Bridge  # noqa: E402
from app.mqtt.handler import GameHandler, KeylessOwners  # noqa: E402
from app.mqtt.projects import ProjectPrompts, UnknownProject  # noqa: E402
from app.mqtt.settings import DEFAULT_MQTT_PORT, MqttSettings  # noqa: E402

logger = logging.getLogger("llamacpp_mqtt_deploy")


# flag → (settings field, type, help); unset flags keep the LLM_* / MQTT_* environment's value.
LLM_FLAGS: dict[str, tuple[str, Any, str]] = {
    "server_url": ("server_url", str, "OpenAI-compatible server; unset: start llama.cpp here"),
    "server_timeout": ("timeout", float, "deadline of one LLM request, seconds"),
    "temperature": ("temperature", float, "default sampling temperature"),
    "top_p": ("top_p", float, "default nucleus sampling"),
    "max_tokens": ("max_tokens", int, "default answer length cap, tokens"),
    "max_history_tokens": ("max_history_tokens", int, "history kept per session, tokens"),
    "max_concurrent_sessions": ("max_concurrency", int, "LLM calls at once (unset: server slots)"),
    "skip_thinking": ("skip_thinking", str, "ask the model not to think: true|false"),
}
MQTT_FLAGS: dict[str, tuple[str, Any, str]] = {
    "projects": ("projects", str, 'projects served, e.g. "maze driving"'),
    "mqtt_username": ("username", str, "broker login"),
    "mqtt_password": ("password", str, "broker password"),
    "num_workers": ("workers", int, "game messages handled at once"),
    "reply_format": ("reply_format", str, "reply payload when a request does not ask"),
}
EXTRA: dict[str, dict[str, Any]] = {
    "reply_format": {"choices": ["text", "json"]},
    "skip_thinking": {"nargs": "?", "const": "true", "metavar": "true|false"},  # pydantic parses
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    for table, model in ((LLM_FLAGS, LLMSettings), (MQTT_FLAGS, MqttSettings)):
        for flag, (name, kind, text) in table.items():
            default = model.model_fields[name].get_default(call_default_factory=True)
            shown = " ".join(default) if isinstance(default, list) else default
            shown = "" if default is None else f"; default {shown}"
            env = f"{model.model_config.get('env_prefix')}{name.upper()}"
            help_text = f"{text} (env {env}{shown})"
            parser.add_argument(f"--{flag}", type=kind, help=help_text, **EXTRA.get(flag, {}))
    parser.add_argument("--mqtt_broker", help="broker host (default: MQTT_BROKER_URL's, 127.0.0.1)")
    parser.add_argument("--mqtt_port", type=int, help=f"broker port (default {DEFAULT_MQTT_PORT})")
    parser.add_argument("--enable_debug_logging", action="store_true", help="log at DEBUG level")
    return parser


def build_settings(args: argparse.Namespace) -> tuple[LLMSettings, MqttSettings]:
    given = {flag: value for flag, value in vars(args).items() if value is not None}
    llm = {name: given[flag] for flag, (name, _, _) in LLM_FLAGS.items() if flag in given}
    mqtt = {name: given[flag] for flag, (name, _, _) in MQTT_FLAGS.items() if flag in given}
    env = MqttSettings()
    host, port = env.host_port() if env.broker_url else ("127.0.0.1", DEFAULT_MQTT_PORT)
    mqtt["broker_url"] = f"mqtt://{given.get('mqtt_broker', host)}:{given.get('mqtt_port', port)}"
    if "client_id" not in env.model_fields_set:  # not the portal bridge's: both may share a broker
        mqtt["client_id"] = "llamacpp-mqtt-deploy"
    if "share_group" not in env.model_fields_set:  # nor its share group: each answers its own
        mqtt["share_group"] = "llamacpp-deploy"
    mqtt["keyless_projects"] = ["*"]  # no portal database to check keys: serve keyless clients
    return LLMSettings(**llm), MqttSettings(**mqtt)


async def serve(llm_settings: LLMSettings, mqtt: MqttSettings, prompts: ProjectPrompts) -> None:
    """Run until cancelled (SIGINT/SIGTERM cancel this task, so every ``finally`` runs)."""
    task, loop = asyncio.current_task(), asyncio.get_running_loop()
    assert task is not None
    for stop in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop, task.cancel)
    async with contextlib.AsyncExitStack() as exits:
        if not llm_settings.server_url:
            url = await exits.enter_async_context(embedded_server())
            llm_settings = llm_settings.model_copy(update={"server_url": url})
        llm = await exits.enter_async_context(open_llm(llm_settings))
        owners = KeylessOwners(mqtt.projects)
        handler = GameHandler(sessions=llm.sessions, prompts=prompts, owners=owners, settings=mqtt)
        where = f"{mqtt.broker_url} with the LLM at {llm_settings.server_url}"
        logger.info("serving %s on %s (Ctrl-C stops)", " ".join(mqtt.projects), where)
        await Bridge(handler, mqtt).run()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.enable_debug_logging else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        llm_settings, mqtt_settings = build_settings(args)
        prompts = ProjectPrompts(mqtt_settings.projects)
    except (ValidationError, UnknownProject) as exc:  # say what is wrong, no traceback
        build_parser().error(str(exc))
    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(serve(llm_settings, mqtt_settings, prompts))
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    status = main()
    logging.shutdown()  # everything is closed: skip the interpreter's teardown of the imported
    os._exit(status)  # stack, which alone takes over a second on a busy machine
