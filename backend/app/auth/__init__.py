"""Login, access tokens and API keys."""
