"""Request dependencies of the `/v1` routes."""

from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentUser
from app.chat.deps import Sessionmaker
from app.deps import LLM
from app.gateway.context import Gateway
from app.gateway.request_log import RequestLog
from app.gateway.route import get_request_log


async def get_gateway(
    user: CurrentUser,
    llm: LLM,
    sessionmaker: Sessionmaker,
    log: Annotated[RequestLog, Depends(get_request_log)],
) -> Gateway:
    """The signed-in caller (API key or sign-in token) with what its request works with."""
    log.user_id = user.id
    return Gateway(llm=llm, sessionmaker=sessionmaker, user=user, log=log)


GatewayContext = Annotated[Gateway, Depends(get_gateway)]
