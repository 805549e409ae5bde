"""The `api_key` and `sign_in` tables.

Keys are found by key id and checked against a SHA-256 of the secret. A sign-in is one login:
its access tokens name it (`sid`), refresh renews them while it lasts, and logout deletes it.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ApiKey(Base):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # Mosquitto's dynamic-security form of the whole key (PBKDF2-SHA512), kept so the broker's
    # accounts can be rebuilt from this database; None for keys made before MQTT was served.
    mqtt_password_hash: Mapped[str | None] = mapped_column(String(128))
    mqtt_salt: Mapped[str | None] = mapped_column(String(64))
    mqtt_iterations: Mapped[int | None]

    @property
    def prefix(self) -> str:
        """The public part of the key, safe to show in lists."""
        return f"pp_{self.key_id}"


class SignIn(Base):
    """One login, alive until logout, a password change, disabling, or `SIGN_IN_MAX_HOURS`.

    The id is random rather than a counter, so a token can never name a sign-in made later
    in a database that was emptied and reused.
    """

    __tablename__ = "sign_in"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def started(self) -> datetime:
        """`started_at` in UTC (SQLite hands back naive datetimes; they were stored as UTC)."""
        started = self.started_at
        return started if started.tzinfo else started.replace(tzinfo=UTC)

    def ends_at(self, max_hours: float) -> datetime:
        """When this sign-in lapses, however often its token was renewed."""
        return self.started + timedelta(hours=max_hours)
