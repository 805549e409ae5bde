"""The seven completion types: what each asks the model, and where each answer must stop.

The request carries no suffix, so every type is a continuation: a short instruction, a blank
line, then the user's text, sent as a raw prompt. The model's next tokens are the ghost text.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CompletionKind:
    name: str
    description: str
    instruction: str
    stop: tuple[str, ...]
    max_tokens_cap: int
    single_line: bool = False


KINDS: dict[str, CompletionKind] = {
    kind.name: kind
    for kind in (
        CompletionKind(
            "general",
            "General text completion",
            "Continue the following text naturally.",
            ("\n\n",),
            200,
        ),
        CompletionKind(
            "code",
            "Code snippet completion",
            "Continue the following source code. Output only code.",
            ("\n\n\n", "```"),
            256,
        ),
        CompletionKind(
            "prompt",
            "LLM prompt completion",
            "Continue writing the following instructions for an AI assistant.",
            ("\n\n",),
            200,
        ),
        CompletionKind(
            "message",
            "Chat message completion",
            "Finish the following chat message.",
            ("\n",),
            60,
            single_line=True,
        ),
        CompletionKind(
            "search",
            "Search query completion",
            "Complete the following search query.",
            ("\n", "?"),
            16,
            single_line=True,
        ),
        CompletionKind(
            "email",
            "Email text completion",
            "Continue the following email in the same tone.",
            ("\n\n\n",),
            200,
        ),
        CompletionKind(
            "description",
            "Description/documentation completion",
            "Continue the following description.",
            ("\n\n",),
            200,
        ),
    )
}


def build_prompt(kind: CompletionKind, text: str) -> str:
    """Instruction first so the prefix is shared by every request of a type (KV reuse)."""
    return f"{kind.instruction}\n\n{text}"
