"""What a game message means: whose session it is, which prompt applies, what goes back.

The bridge (transport) hands every incoming message to :meth:`GameHandler.accept`, which
reads it at once (:mod:`app.mqtt.intake`), and runs the jobs it returns with
:meth:`GameHandler.run`. Running a job:

1. decides its owner (:class:`OwnerPolicy`): the user of the API key it carries, or the
   project for keyless clients, or a refusal (:class:`NotServed`). The session is
   ``SessionKey(owner, project, session id)``, so a user's session is only ever reached
   with that user's key, and two players never share one;
2. picks the system prompt (:mod:`app.mqtt.prompts`): the request's own (which then stays
   the session's), a portal template it names (rendered by a
   :class:`~app.mqtt.prompts.TemplateResolver`), else the session's template, else what its
   stored history was started with, else the project's default;
3. runs the turn through the same :class:`~app.llm.SessionManager` as the HTTP API, in the
   gate's ``game`` lane, and publishes the answer (text or JSON, streamed or whole), the
   hint, or an error reply. Failures never go silent and are never stored as an answer:
   the session keeps only what the model really said.

Every step is also reported to an :class:`~app.mqtt.messages.EventSink` (the monitor page).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from app.llm.errors import LLMError
from app.llm.results import TextDelta
from app.llm.sessions import SessionManager, TurnResult
from app.llm.store import SessionKey
from app.mqtt import replies
from app.mqtt.contract import ResultReport, StateRequest, TemplateRequest, UserInputRequest
from app.mqtt.intake import UNVERIFIED_OWNER, Intake, api_key_of
from app.mqtt.maze import HintError, StuckDetector
from app.mqtt.messages import (
    EventKind,
    EventSink,
    GameEvent,
    Incoming,
    Job,
    Outgoing,
    Publisher,
    ReplyUndeliverable,
)
from app.mqtt.owners import (
    KeylessOwners,
    NotServed,
    OwnerPolicy,
    ResultSink,
    keyless_owner,
    slot_holder,
)
from app.mqtt.projects import PromptSource
from app.mqtt.prompts import NoPortalTemplates, Refused, SessionPrompts, TemplateResolver
from app.mqtt.replies import ReplyTarget
from app.mqtt.settings import MqttSettings
from app.mqtt.states import read_action, state_message

__all__ = [
    "GameHandler",
    "KeylessOwners",
    "NotServed",
    "OwnerPolicy",
    "ResultSink",
    "TemplateResolver",
    "state_message",
]

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Something went wrong on the server while answering — try again"
OWNER_UNKNOWN = "The server could not check the API key just now — try again in a minute"


class GameHandler:
    """Message meaning for every served project; no network code (the bridge has that)."""

    def __init__(
        self,
        *,
        sessions: SessionManager,
        prompts: PromptSource,
        owners: OwnerPolicy,
        settings: MqttSettings,
        results: ResultSink | None = None,
        events: EventSink | None = None,
        templates: TemplateResolver | None = None,
    ) -> None:
        self._sessions = sessions
        self._prompts = SessionPrompts(sessions, prompts, templates or NoPortalTemplates())
        self._owners = owners
        self._settings = settings
        self._results = results
        self._events = events
        known = set(prompts.projects())
        self._projects = [p for p in settings.projects if p in known]
        if missing := [p for p in settings.projects if p not in known]:
            logger.warning("not serving %s: no default prompt for them", ", ".join(missing))
        self._intake = Intake(settings, self._projects, events)
        self._stuck = StuckDetector()

    @property
    def projects(self) -> list[str]:
        """The projects served: those of the settings that have a prompt."""
        return list(self._projects)

    def subscriptions(self) -> list[str]:
        """Topic filters for the served projects (the bridge adds its ``$share`` prefix)."""
        filters: list[str] = []
        for p in self._projects:
            filters += [f"{p}/user_input", f"{p}/state", f"{p}/template/+", f"{p}/template"]
            filters += [f"{p}/clear_history/+", f"{p}/clear_history"]
            filters += [f"{p}/delete_session/+", f"{p}/delete_session", f"{p}/result/+"]
        return filters

    def accept(self, message: Incoming) -> Job | Outgoing | None:
        """Read a message: a job to run, an error reply to publish now, or ``None`` (logged)."""
        return self._intake.accept(message)

    async def run(self, job: Job, publisher: Publisher) -> None:
        """Do the job as the owner its API key (or project) gives; never raises for game
        or LLM failures, which become error replies."""
        api_key = api_key_of(job.message, {"apiKey": job.request.api_key})
        try:
            owner = await self._owners.owner_of(job.project, api_key)
        except NotServed as exc:
            owner = UNVERIFIED_OWNER if api_key else keyless_owner(job.project)
            await self._fail(job, owner, publisher, exc.code, exc.message)
            return
        except Exception:  # the key store is down: say so rather than leave the game waiting
            logger.exception("could not decide the owner of %s", job.message.topic)
            owner = UNVERIFIED_OWNER if api_key else keyless_owner(job.project)
            await self._fail(job, owner, publisher, "unavailable", OWNER_UNKNOWN)
            return
        await self.run_as(job, owner, publisher)

    async def run_as(self, job: Job, owner: str, publisher: Publisher) -> None:
        """Do the job as ``owner`` (already decided: the monitor's test publish)."""
        key = SessionKey(owner=owner, project=job.project, session_id=job.session_id)
        try:
            await self._do(job, key, publisher)
        except Refused as exc:
            await self._fail(job, owner, publisher, exc.code, exc.message)
        except LLMError as exc:
            logger.warning("%s for session %s: %s", job.kind, job.session_id, exc.log_message)
            await self._fail(job, owner, publisher, replies.llm_error_code(exc), exc.message)
        except ReplyUndeliverable as exc:  # no broker to send an error reply to either
            logger.warning("%s for session %s stopped: %s", job.kind, job.session_id, exc)
        except Exception:
            logger.exception("%s on %s failed", job.kind, job.message.topic)
            await self._fail(job, owner, publisher, "internal_error", INTERNAL_ERROR)

    # ── kinds ────────────────────────────────────────────────────────────────────────────

    async def _do(self, job: Job, key: SessionKey, publisher: Publisher) -> None:
        if job.kind == "user_input":
            await self._user_input(job, key, publisher)
        elif job.kind == "state":
            await self._state(job, key, publisher)
        elif job.kind == "template":
            await self._template(job.request, key)
        elif job.kind == "clear_history":
            await self._clear(key)
        elif job.kind == "delete_session":
            await self._delete(key)
        else:
            await self._result(job.request, key)

    async def _user_input(self, job: Job, key: SessionKey, publisher: Publisher) -> None:
        request: UserInputRequest = job.request
        target = self._answer_target(job, request)
        system = await self._prompts.for_turn(
            key, request.explicit_prompt(), request.template, request.variables
        )
        self._emit("request", key, {"message": request.message, "requestId": request.request_id})
        events = self._sessions.stream_turn(
            key,
            request.message,
            system_prompt=system,
            params=request.params(),
            lane="game",
            holder=slot_holder(key.owner, key.session_id),
            new_session_prompt=self._prompts.new_session(key),
        )
        seq = 0
        result: TurnResult | None = None
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TextDelta) and target.stream and event.text:
                    await publisher.publish(replies.delta(target, event.text, seq))
                    seq += 1
                elif isinstance(event, TurnResult):
                    result = event
        if result is None:  # pragma: no cover - a turn always ends with its result
            raise Refused("internal_error", INTERNAL_ERROR)
        await publisher.publish(replies.answer(target, result.response, result.usage))
        usage = replies.usage_body(result.usage)
        reply = {"response": result.response, "requestId": request.request_id, "usage": usage}
        self._emit("reply", key, reply)

    async def _state(self, job: Job, key: SessionKey, publisher: Publisher) -> None:
        request: StateRequest = job.request
        target = self._hint_target(job)
        system = await self._prompts.for_turn(
            key, request.explicit_prompt(), request.prompt_template, request.variables
        )
        stuck = self._stuck.seen(_stuck_key(key), request.state)
        self._emit("state", key, {"state": request.state, "stuck": stuck})
        try:
            message = state_message(key.project, request.state, stuck=stuck)
        except ValueError as exc:
            raise Refused("invalid_state", f"The game state was refused — {exc}") from exc
        result = await self._sessions.turn(
            key,
            message,
            system_prompt=system,
            params=request.params(),
            lane="game",
            holder=slot_holder(key.owner, key.session_id),
            new_session_prompt=self._prompts.new_session(key),
        )
        try:
            action = read_action(key.project, result.response, request.state)
        except HintError as exc:
            logger.warning("unreadable hint for session %s: %s", key.session_id, exc.message)
            await self._publish_error(publisher, target, "invalid_hint", exc.message, exc.raw)
            self._emit("error", key, {"code": "invalid_hint", "error": exc.message, "raw": exc.raw})
            return
        await publisher.publish(replies.hint(target, action))
        self._emit("hint", key, {**action, "requestId": request.request_id})

    async def _template(self, request: TemplateRequest, key: SessionKey) -> None:
        chosen = await self._prompts.for_template_message(key, request)  # refused: no reset
        if request.reset:
            await self._sessions.delete(key)
            self._stuck.forget(_stuck_key(key))
        self._prompts.choose(key, chosen)
        about: dict[str, Any] = {"reset": request.reset, "chars": len(chosen.text)}
        asked = request.chosen()
        if chosen.template_id is not None:
            about |= {"template_id": chosen.template_id, "version": chosen.version}
        elif not isinstance(asked, str) and asked is not None:
            about |= {"title": asked.title, "version": asked.version}
        logger.info("template set for session %s (reset: %s)", key.session_id, request.reset)
        self._emit("template", key, about)

    async def _clear(self, key: SessionKey) -> None:
        deleted = await self._sessions.delete(key)
        self._stuck.forget(_stuck_key(key))
        self._emit("clear", key, {"had_history": deleted})

    async def _delete(self, key: SessionKey) -> None:
        deleted = await self._sessions.delete(key)
        self._prompts.forget(key)
        self._stuck.forget(_stuck_key(key))
        self._emit("delete", key, {"existed": deleted})

    async def _result(self, request: ResultReport, key: SessionKey) -> None:
        template = await self._prompts.in_use(key)
        if self._results is not None:
            await self._results.store(
                project=key.project,
                owner=key.owner,
                session_id=key.session_id,
                template=template.text,
                template_id=template.template_id,
                template_version=template.version,
                payload=request.payload,
            )
        self._emit("result", key, request.payload)

    # ── replies ──────────────────────────────────────────────────────────────────────────

    def _answer_target(self, job: Job, request: UserInputRequest) -> ReplyTarget:
        message = job.message
        asked = request.format
        if message.response_topic is not None:
            topic, asked = message.response_topic, asked or "json"
        else:
            topic = request.reply_topic or f"{job.project}/assistant_response/{job.session_id}"
        fmt = "json" if request.stream else (asked or self._settings.reply_format)
        return ReplyTarget(
            topic,
            job.session_id,
            request.request_id,
            message.correlation_data,
            fmt,
            request.stream,
        )

    def _hint_target(self, job: Job) -> ReplyTarget:
        topic = job.message.response_topic or f"{job.project}/hint/{job.session_id}"
        return ReplyTarget(
            topic, job.session_id, job.request.request_id, job.message.correlation_data, "json"
        )

    def refusal(self, job: Job, code: str, message: str) -> Outgoing:
        """The error reply to ``job`` when it is refused before it runs (the bridge is busy)."""
        return replies.error(self._error_target(job), code, message)

    def _error_target(self, job: Job) -> ReplyTarget:
        if job.kind == "user_input":
            return self._answer_target(job, job.request)
        if job.kind == "state":
            return self._hint_target(job)
        topic = job.message.response_topic
        topic = topic or f"{job.project}/assistant_response/{job.session_id}"
        request_id = job.request.request_id
        return ReplyTarget(topic, job.session_id, request_id, job.message.correlation_data)

    async def _fail(
        self, job: Job, owner: str, publisher: Publisher, code: str, message: str
    ) -> None:
        logger.warning(
            "%s on %s for session %s refused: %s — %s",
            job.kind,
            job.project,
            job.session_id,
            code,
            message,
        )
        await self._publish_error(publisher, self._error_target(job), code, message)
        key = SessionKey(owner=owner, project=job.project, session_id=job.session_id)
        self._emit("error", key, {"code": code, "error": message, "kind": job.kind})

    async def _publish_error(
        self,
        publisher: Publisher,
        target: ReplyTarget,
        code: str,
        message: str,
        raw: str | None = None,
    ) -> None:
        try:
            await publisher.publish(replies.error(target, code, message, raw=raw))
        except ReplyUndeliverable as exc:  # the broker is gone: the log line is all that is left
            logger.warning("the %s error reply was not sent: %s", code, exc)
        except Exception:
            logger.exception("could not publish the %s error reply to %s", code, target.topic)

    def _emit(self, kind: EventKind, key: SessionKey, payload: dict[str, Any]) -> None:
        if self._events is not None:
            self._events.emit(GameEvent(kind, key.project, key.session_id, key.owner, payload))


def _stuck_key(key: SessionKey) -> str:
    return f"{key.owner}\x1f{key.project}\x1f{key.session_id}"
