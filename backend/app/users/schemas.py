"""Shapes of user data on the wire (never a password field)."""

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.schemas import UtcDatetime
from app.text import require_storable

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def check_password_strength(password: str) -> str:
    """At least 8 characters mixing letters with digits or symbols; at most 128."""
    has_letter = any(char.isalpha() for char in password)
    has_other = any(not char.isalpha() for char in password)
    if not (has_letter and has_other):
        raise ValueError("must mix letters with digits or symbols")
    return password


class UserCreate(BaseModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    display_name: str | None = Field(default=None, min_length=1, max_length=100)

    _strong = field_validator("password")(check_password_strength)
    _storable = field_validator("display_name")(require_storable)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str | None
    role: str
    is_active: bool
    must_change_password: bool = Field(
        description="The account signed in with a temporary password: until it sets its own "
        "(PATCH /api/auth/me), other routes answer 403 `password_change_required`"
    )
    created_at: UtcDatetime


class UserUpdate(BaseModel):
    """What a user may change about themselves; a new password needs the current one."""

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    current_password: str | None = Field(default=None, max_length=PASSWORD_MAX)
    new_password: str | None = Field(default=None, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)

    _storable = field_validator("display_name")(require_storable)

    @field_validator("new_password")
    @classmethod
    def new_password_strong(cls, value: str | None) -> str | None:
        return None if value is None else check_password_strength(value)


class UserAdminUpdate(BaseModel):
    """What an admin may change about any account."""

    is_active: bool | None = None
    role: str | None = Field(default=None, pattern="^(admin|user)$")


class TemporaryPasswordRead(BaseModel):
    """The only response that ever carries the temporary password."""

    temporary_password: str
