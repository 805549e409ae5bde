"""Settings refuse unsafe production values and parse the environment the documented way."""

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET, Settings

STRONG_SECRET = "s" * 48


class TestProductionChecks:
    def test_default_secret_is_refused_in_production(self) -> None:
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(
                environment="production",
                secret_key=DEVELOPMENT_SECRET,
                cors_origins=["https://a.example"],
            )

    def test_open_cors_is_refused_in_production(self) -> None:
        with pytest.raises(ValidationError, match="CORS_ORIGINS"):
            Settings(environment="production", secret_key=STRONG_SECRET, cors_origins=["*"])

    def test_safe_production_settings_are_accepted(self) -> None:
        settings = Settings(
            environment="production", secret_key=STRONG_SECRET, cors_origins=["https://a.example"]
        )
        assert settings.environment == "production"

    def test_development_allows_the_default_secret(self) -> None:
        assert (
            Settings(environment="development").secret_key.get_secret_value() == DEVELOPMENT_SECRET
        )


class TestEnvironmentParsing:
    def test_cors_origins_accept_a_comma_list(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CORS_ORIGINS", "http://a.example, http://b.example")
        assert Settings().cors_origins == ["http://a.example", "http://b.example"]

    def test_llm_settings_are_composed_with_their_prefix(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("LLM_MAX_TOKENS", "77")
        assert Settings().llm.max_tokens == 77
