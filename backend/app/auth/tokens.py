"""The access token of a sign-in: a short-lived JWT that names the sign-in it belongs to.

Besides who (`sub`) and which password generation (`ver`, bumped by a password change), the
token carries its sign-in's id (`sid`) and start (`sit`, Unix seconds). Refresh issues a new
token for the same `sid`, so logout (which deletes the sign-in) retires the token and every
renewal of it at once, and no renewal can stretch a sign-in past its maximum age.

Signature, algorithm pinning and expiry are checked by `app.security.decode_access_token`;
this module only adds and reads the sign-in claims. A token without them (issued before
sign-ins were tracked) is not valid.
"""

from dataclasses import dataclass
from datetime import datetime

from jose import jwt

from app import security

MAX_ID = 2**63 - 1  # the largest primary key the databases store
MAX_SIGN_IN_ID = 64


@dataclass(frozen=True)
class SignInClaims:
    user_id: int
    version: int
    sign_in_id: str
    started_at: int
    # Unix time after which the token is refused; caches must not outlive it.
    expires_at: float | None


def create_access_token(
    *,
    user_id: int,
    version: int,
    sign_in_id: str,
    started_at: datetime,
    issued_at: datetime,
    expires_at: datetime,
    secret: str,
) -> str:
    claims = {
        "sub": str(user_id),
        "iat": issued_at,
        "exp": expires_at,
        "typ": "access",
        "ver": version,
        "sid": sign_in_id,
        "sit": int(started_at.timestamp()),
    }
    return str(jwt.encode(claims, secret, algorithm=security.JWT_ALGORITHM))


def read_access_token(token: str, *, secret: str) -> SignInClaims:
    """The claims of a valid sign-in access token; anything else is `security.InvalidToken`."""
    claims = security.decode_access_token(token, secret=secret)
    # Verified just above: reading the same token's other claims needs no second check.
    extra = jwt.get_unverified_claims(token)
    sign_in_id, started_at = extra.get("sid"), extra.get("sit")
    subject = claims.subject
    if not (subject.isascii() and subject.isdigit()) or int(subject) > MAX_ID:
        raise security.InvalidToken("subject is not an account id")
    if not isinstance(sign_in_id, str) or not 0 < len(sign_in_id) <= MAX_SIGN_IN_ID:
        raise security.InvalidToken("no sign-in: issued before sign-ins were tracked")
    if type(started_at) is not int:
        raise security.InvalidToken("no sign-in start")
    return SignInClaims(
        user_id=int(subject),
        version=claims.version,
        sign_in_id=sign_in_id,
        started_at=started_at,
        expires_at=claims.expires_at,
    )
