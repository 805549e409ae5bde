"""Game clients over MQTT, as the web app sees them: their results, the live monitor, the
bridge's status, and the broker accounts that mirror API keys."""
