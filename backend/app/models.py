"""Every table, imported in one place for Alembic and relationship resolution."""

from app.auth.models import ApiKey, SignIn
from app.chat.models import ChatMessage, ChatSession
from app.db import Base
from app.games.models import GameResult
from app.playground.models import PlaygroundCell, PlaygroundRun
from app.templates.models import PromptTemplate, TemplateLabel, TemplateTag, TemplateVersion
from app.users.models import User

__all__ = [
    "ApiKey",
    "Base",
    "ChatMessage",
    "ChatSession",
    "GameResult",
    "PlaygroundCell",
    "PlaygroundRun",
    "PromptTemplate",
    "SignIn",
    "TemplateLabel",
    "TemplateTag",
    "TemplateVersion",
    "User",
]
