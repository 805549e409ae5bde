"""The HTTP surface of the LLM library: one-shot chat and persistent chat sessions."""
