"""The LLM library shared by the HTTP routes, the MQTT bridge and the deploy script.

It imports no web framework, ORM or other ``app`` package, so each of them can use it
alone. Start with :class:`LLMClient` (one per process) and :class:`SessionManager`.
"""

from .client import LLMClient
from .errors import (
    LLMBadResponse,
    LLMBusy,
    LLMError,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
    LLMUserLimit,
)
from .limits import ConcurrencyGate, GateStats, Lane, LaneStats
from .redis_store import RedisCachedStore, RedisLocks
from .results import (
    ChatMessage,
    ChatResult,
    CompletionEvent,
    CompletionResult,
    Generation,
    GenerationParams,
    HealthReport,
    HealthStatus,
    StreamEvent,
    TextDelta,
    Usage,
)
from .sessions import (
    SessionManager,
    TurnEvent,
    TurnResult,
    TurnStarted,
)
from .settings import LLMSettings
from .stack import LLMStack, get_session_manager, open_llm, set_session_manager
from .store import (
    MemoryLocks,
    MemoryStore,
    MessageStatus,
    SessionKey,
    SessionLocks,
    SessionRecord,
    SessionStore,
    SessionSummary,
    StoredMessage,
)
from .thinking import ThinkingStripper, strip_thinking
from .tokens import TokenCounter, estimate_tokens
from .trimming import history_budget, trim_history

__all__ = [
    "ChatMessage",
    "ChatResult",
    "CompletionEvent",
    "CompletionResult",
    "ConcurrencyGate",
    "GateStats",
    "Generation",
    "GenerationParams",
    "HealthReport",
    "HealthStatus",
    "LLMBadResponse",
    "LLMBusy",
    "LLMClient",
    "LLMError",
    "LLMRejected",
    "LLMSettings",
    "LLMStack",
    "LLMTimeout",
    "LLMUnavailable",
    "LLMUserLimit",
    "Lane",
    "LaneStats",
    "MemoryLocks",
    "MemoryStore",
    "MessageStatus",
    "RedisCachedStore",
    "RedisLocks",
    "SessionKey",
    "SessionLocks",
    "SessionManager",
    "SessionRecord",
    "SessionStore",
    "SessionSummary",
    "StoredMessage",
    "StreamEvent",
    "TextDelta",
    "ThinkingStripper",
    "TokenCounter",
    "TurnEvent",
    "TurnResult",
    "TurnStarted",
    "Usage",
    "estimate_tokens",
    "get_session_manager",
    "history_budget",
    "open_llm",
    "set_session_manager",
    "strip_thinking",
    "trim_history",
]
