"""TAB completion: short continuations of what the user is typing (ghost text)."""
