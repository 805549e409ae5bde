"""The playground's pure parts: request limits, the messages a cell sends, its events."""

import json

import pytest
from pydantic import ValidationError

from app.playground.cells import CellJob
from app.playground.plan import messages_for
from app.playground.schemas import PlaygroundInput, PlaygroundRunRequest
from app.playground.service import outcome_event
from app.playground.store import CellOutcome


def request(versions: int, inputs: int) -> dict[str, object]:
    return {
        "versions": [{"template_id": 1}] * versions,
        "inputs": [{"variables": {"x": 1}}] * inputs,
    }


@pytest.mark.parametrize(("versions", "inputs"), [(6, 4), (4, 6), (1, 10), (6, 1), (3, 8)])
def test_up_to_24_cells_are_accepted(versions: int, inputs: int) -> None:
    assert len(PlaygroundRunRequest.model_validate(request(versions, inputs)).versions) == versions


@pytest.mark.parametrize(("versions", "inputs"), [(5, 5), (6, 5), (7, 1), (1, 11), (0, 1)])
def test_more_cells_or_none_are_refused(versions: int, inputs: int) -> None:
    with pytest.raises(ValidationError):
        PlaygroundRunRequest.model_validate(request(versions, inputs))


def test_a_version_is_named_by_number_or_label_not_both() -> None:
    body = {"versions": [{"template_id": 1, "version": 2, "label": "prod"}], "inputs": [{}]}
    with pytest.raises(ValidationError, match="not both"):
        PlaygroundRunRequest.model_validate(body)


def test_variable_values_keep_their_json_types() -> None:
    values = {"n": 3, "f": 2.5, "b": True, "s": "3"}
    assert PlaygroundInput.model_validate({"variables": values}).variables == values


def test_without_a_message_the_prompt_is_the_users_turn() -> None:
    assert messages_for("Say hi", PlaygroundInput()) == [{"role": "user", "content": "Say hi"}]


def test_with_a_message_the_prompt_is_the_system_prompt() -> None:
    assert messages_for("Be brief", PlaygroundInput(message="Why?")) == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Why?"},
    ]


def test_a_complete_cell_is_cell_done_and_a_failed_one_cell_error() -> None:
    done = CellOutcome(v=1, i=2, template_id=7, version=3, text="hi", ttft_ms=1.5, total_ms=9.0)
    event = outcome_event(done)
    assert event.event == "cell_done"
    assert json.loads(str(event.data)) == {
        "v": 1,
        "i": 2,
        "text": "hi",
        "usage": None,
        "ttft_ms": 1.5,
        "total_ms": 9.0,
        "cache_n": None,
    }
    failed = CellOutcome(v=0, i=0, template_id=7, version=3, status="failed")
    failed.error, failed.code = "The model failed", "llm_unavailable"
    assert outcome_event(failed).event == "cell_error"
    assert json.loads(str(outcome_event(failed).data))["code"] == "llm_unavailable"


def test_a_stopped_cell_keeps_the_text_it_had() -> None:
    job = CellJob(CellOutcome(v=0, i=0, template_id=1, version=1), messages=[])
    job.parts.extend(["Hel", "lo"])
    assert (job.stopped().status, job.outcome.text) == ("stopped", "Hello")
