"""Prompt templates: typed variables, immutable versions, labels, rendering."""
