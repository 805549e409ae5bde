"""Pure credential functions: JWT access tokens, Argon2id passwords, API-key secrets.

Password hashing is CPU-heavy, so callers run `hash_password`/`verify_password` in a worker
thread (see `app.auth.service`).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import JWTError, jwt

JWT_ALGORITHM = "HS256"
API_KEY_PREFIX = "pp"
_password_hasher = PasswordHasher()


class InvalidToken(Exception):
    """The bearer token is malformed, expired, tampered or signed another way."""


@dataclass(frozen=True)
class PasswordCheck:
    valid: bool
    new_hash: str | None = None


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password: str, password_hash: str) -> PasswordCheck:
    """Check a password; hand back a fresh hash when the stored parameters are outdated."""
    try:
        _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return PasswordCheck(valid=False)
    if _password_hasher.check_needs_rehash(password_hash):
        return PasswordCheck(valid=True, new_hash=_password_hasher.hash(password))
    return PasswordCheck(valid=True)


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    # The account's token version when the token was issued; a password change bumps it,
    # which retires every token issued before.
    version: int
    # Unix time after which the token is refused; caches must not outlive it.
    expires_at: float | None = None


def decode_access_token(token: str, *, secret: str) -> AccessClaims:
    """The claims of a valid HS256 access token; anything else is `InvalidToken`."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != JWT_ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        # A token without `exp` would never lapse: refuse it rather than trust it forever.
        claims = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require_exp": True}
        )
    except (JWTError, OverflowError) as exc:  # OverflowError: an `exp` beyond any date
        raise InvalidToken(str(exc)) from exc
    subject, version = claims.get("sub"), claims.get("ver", 0)
    if claims.get("typ") != "access" or not isinstance(subject, str) or type(version) is not int:
        raise InvalidToken("not an access token")
    expires_at = _expiry(claims.get("exp"))
    return AccessClaims(subject=subject, version=version, expires_at=expires_at)


def _expiry(value: object) -> float | None:
    """The `exp` claim as a float, or None when it is not a usable number."""
    try:
        return float(value) if isinstance(value, int | float) else None
    except OverflowError:  # an integer beyond float range: treat it as never-expiring data
        return None


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret_hash: str
    plaintext: str


def hash_api_secret(secret: str) -> str:
    """A high-entropy secret needs no slow hash: SHA-256 is enough and fast per request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    plaintext = f"{API_KEY_PREFIX}_{key_id}_{secret}"
    return NewApiKey(key_id=key_id, secret_hash=hash_api_secret(secret), plaintext=plaintext)


def split_api_key(token: str) -> tuple[str, str] | None:
    """`pp_<keyid>_<secret>` → (keyid, secret); None when the token is not an API key."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != API_KEY_PREFIX or not key_id or not secret:
        return None
    return key_id, secret


def api_secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_api_secret(secret), secret_hash)
