"""Liveness of the process and its database."""
