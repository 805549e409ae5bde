"""Sign-in access tokens: the sign-in claims round-trip; tokens without them are refused."""

from datetime import UTC, datetime, timedelta

import pytest
from jose import jwt

from app import security
from app.auth import tokens

SECRET = "k" * 32


def make_token(**overrides: object) -> str:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "user_id": 42,
        "version": 3,
        "sign_in_id": "ab" * 16,
        "started_at": now - timedelta(hours=1),
        "issued_at": now,
        "expires_at": now + timedelta(minutes=5),
        "secret": SECRET,
    }
    values.update(overrides)
    return tokens.create_access_token(**values)  # type: ignore[arg-type]


def test_round_trip() -> None:
    started = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    claims = tokens.read_access_token(make_token(started_at=started), secret=SECRET)
    assert (claims.user_id, claims.version, claims.sign_in_id) == (42, 3, "ab" * 16)
    assert claims.started_at == int(started.timestamp())
    assert claims.expires_at is not None


def test_expired_token_is_invalid() -> None:
    past = datetime.now(UTC) - timedelta(seconds=5)
    with pytest.raises(security.InvalidToken):
        tokens.read_access_token(make_token(expires_at=past), secret=SECRET)


def test_wrong_secret_is_invalid() -> None:
    with pytest.raises(security.InvalidToken):
        tokens.read_access_token(make_token(), secret="x" * 32)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sid", None), ("sid", ""), ("sid", 7), ("sid", "x" * 65), ("sit", None), ("sit", "1")],
)
def test_missing_or_odd_sign_in_claims_are_invalid(claim: str, value: object) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "sub": "42",
        "typ": "access",
        "ver": 0,
        "iat": now,
        "exp": now + 300,
        "sid": "ab" * 16,
        "sit": now,
    }
    if value is None:
        del claims[claim]
    else:
        claims[claim] = value
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(security.InvalidToken):
        tokens.read_access_token(token, secret=SECRET)


@pytest.mark.parametrize("subject", ["abc", "-1", "²", str(2**63)])
def test_subject_that_is_not_an_account_id_is_invalid(subject: str) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": subject, "typ": "access", "ver": 0, "exp": now + 300, "sid": "s", "sit": now}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(security.InvalidToken):
        tokens.read_access_token(token, secret=SECRET)
