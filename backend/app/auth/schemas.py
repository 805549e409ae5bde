"""Shapes of login, token and API-key data on the wire."""

from pydantic import AliasChoices, BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.schemas import UtcDatetime
from app.text import require_storable


class LoginRequest(BaseModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)

    _storable = field_validator("name")(require_storable)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    last_used_at: UtcDatetime | None
    # Read from a key row as "has broker password material": keys made before the portal
    # served MQTT have none.
    mqtt: bool = Field(
        validation_alias=AliasChoices("mqtt", "mqtt_password_hash"),
        description="Whether game clients can log in to the MQTT broker with this key; keys "
        "made before the portal served MQTT cannot: re-issue them",
    )

    @field_validator("mqtt", mode="before")
    @classmethod
    def _has_mqtt_password(cls, value: object) -> bool:
        return bool(value)


class ApiKeyCreated(ApiKeyRead):
    """The only response that ever carries the full key."""

    key: str
