"""A scripted typing session: which text exists when, and where the typist pauses.

Human speed with a fixed seed: 80-200 ms between keys; after a word, sometimes a pause and
sometimes a short hesitation (long enough for a debounced request to start, too short for it
to finish); always a pause after a sentence. The same script drives every client, so they see the
same keystrokes at the same moments.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PARAGRAPH = (
    "Thank you for your order. Your package will arrive on Monday, and you can track it "
    "from your account page. If anything is missing, please reply to this email and we will "
    "send a replacement right away. We hope you enjoy your new headphones and have a great week."
)
SEED = 20261123
KEY_GAP_MS = (80, 200)
WORD_PAUSE_CHANCE = 0.35
WORD_PAUSE_MS = (400, 1000)
HESITATION_CHANCE = 0.30
HESITATION_MS = (100, 300)
SENTENCE_PAUSE_MS = (1200, 2000)
FINAL_PAUSE_MS = 2500
PAUSE_THRESHOLD_MS = 400


@dataclass(frozen=True)
class Keystroke:
    index: int
    at_s: float
    text: str
    gap_after_s: float

    @property
    def is_pause(self) -> bool:
        return self.gap_after_s * 1000 >= PAUSE_THRESHOLD_MS


def _gap_ms(rng: random.Random, typed: str, last: bool) -> float:
    if last:
        return FINAL_PAUSE_MS
    gap = rng.uniform(*KEY_GAP_MS)
    if typed.endswith((". ", "! ", "? ")):
        gap += rng.uniform(*SENTENCE_PAUSE_MS)
    elif typed.endswith(" "):
        gap += _after_word_ms(rng)
    return gap


def _after_word_ms(rng: random.Random) -> float:
    draw = rng.random()
    if draw < WORD_PAUSE_CHANCE:
        return rng.uniform(*WORD_PAUSE_MS)
    if draw < WORD_PAUSE_CHANCE + HESITATION_CHANCE:
        return rng.uniform(*HESITATION_MS)
    return 0.0


def script(keystrokes: int) -> list[Keystroke]:
    """The first `keystrokes` characters of PARAGRAPH, one key at a time."""
    rng = random.Random(SEED)
    count = min(keystrokes, len(PARAGRAPH))
    keys: list[Keystroke] = []
    at = 0.0
    for index in range(count):
        typed = PARAGRAPH[: index + 1]
        gap = _gap_ms(rng, typed, last=index == count - 1) / 1000
        keys.append(Keystroke(index, at, typed, gap))
        at += gap
    return keys
