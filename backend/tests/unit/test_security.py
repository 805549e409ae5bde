"""Credential functions: token round trip, algorithm pinning, API-key format, rehash."""

import pytest
from argon2 import PasswordHasher
from jose import jwt

from app import security


def signed(secret: str = "k" * 32) -> str:
    claims = {"sub": "42", "typ": "access", "ver": 0, "exp": 9_999_999_999}
    return str(jwt.encode(claims, secret, algorithm="HS256"))


class TestAccessTokens:
    def test_round_trip(self) -> None:
        token = signed()
        claims = security.decode_access_token(token, secret="k" * 32)
        assert (claims.subject, claims.version) == ("42", 0)

    def test_wrong_secret_is_invalid(self) -> None:
        with pytest.raises(security.InvalidToken):
            security.decode_access_token(signed(), secret="x" * 32)

    def test_token_without_expiry_is_invalid(self) -> None:
        token = jwt.encode({"sub": "42", "typ": "access", "ver": 0}, "k" * 32, algorithm="HS256")
        with pytest.raises(security.InvalidToken, match="exp"):
            security.decode_access_token(token, secret="k" * 32)

    @pytest.mark.parametrize("expiry", [float("inf"), "never"])
    def test_unreadable_expiry_is_invalid(self, expiry: object) -> None:
        claims = {"sub": "42", "typ": "access", "ver": 0, "exp": expiry}
        token = jwt.encode(claims, "k" * 32, algorithm="HS256")
        with pytest.raises(security.InvalidToken):
            security.decode_access_token(token, secret="k" * 32)

    def test_another_algorithm_is_invalid(self) -> None:
        claims = {"sub": "42", "typ": "access", "ver": 0, "exp": 9_999_999_999}
        token = jwt.encode(claims, "k" * 32, algorithm="HS512")
        with pytest.raises(security.InvalidToken, match="algorithm"):
            security.decode_access_token(token, secret="k" * 32)


class TestApiKeys:
    def test_generated_key_splits_back_and_matches(self) -> None:
        new_key = security.generate_api_key()
        parts = security.split_api_key(new_key.plaintext)
        assert parts is not None
        assert parts[0] == new_key.key_id
        assert security.api_secret_matches(parts[1], new_key.secret_hash)

    @pytest.mark.parametrize("token", ["eyJhbGciOi.x.y", "pp_", "pp_abc", "sk_abc_def"])
    def test_non_keys_are_not_split(self, token: str) -> None:
        assert security.split_api_key(token) is None


class TestPasswords:
    def test_outdated_parameters_give_a_new_hash(self) -> None:
        weak_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("pw pw 123")
        check = security.verify_password("pw pw 123", weak_hash)
        assert check.valid
        assert check.new_hash is not None
        assert security.verify_password("pw pw 123", check.new_hash) == security.PasswordCheck(
            valid=True
        )

    def test_wrong_password_is_invalid(self) -> None:
        assert not security.verify_password("nope", security.hash_password("right 123")).valid
