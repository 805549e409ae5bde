"""The playground: template versions x inputs run side by side, streamed and stored."""
