"""Prompt Portal: a self-hosted workbench for LLM prompts."""
