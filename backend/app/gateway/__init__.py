"""The OpenAI-compatible gateway under `/v1`: models, chat completions, completions.

Code written for the `openai` SDK points its base URL here and works unchanged: a portal API
key (or a sign-in token) is the bearer token, errors come in OpenAI's JSON so the SDK raises
the right classes, and requests go through the same LLM stack as `/api/llm` (gate lanes,
per-user caps, cancellation). Extensions travel in the body, as the SDK's `extra_body` sends
them: `session_id` (a stored portal session), `template` and `variables`.
"""
