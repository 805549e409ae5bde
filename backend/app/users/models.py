"""The `user` table."""

from enum import StrEnum

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"


class User(TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default=Role.USER.value)
    is_active: Mapped[bool] = mapped_column(default=True)
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set with a temporary password: until the person picks their own, only the routes that
    # let them do so answer (see `app.auth.deps`).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value
