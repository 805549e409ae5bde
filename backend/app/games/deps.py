"""Request dependencies of the game routes."""

from typing import Annotated

from fastapi import Depends, Request

from app.games.runtime import GamesRuntime


async def get_games(request: Request) -> GamesRuntime:
    games: GamesRuntime = request.app.state.games
    return games


Games = Annotated[GamesRuntime, Depends(get_games)]
"""The bridge, the game handler and the monitor hub of this process."""
