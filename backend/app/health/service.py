"""Is the process able to serve: can it reach its database?"""

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.health.schemas import HealthRead

logger = logging.getLogger(__name__)
VERSION = "0.1.0"


async def check_health(*, engine: AsyncEngine) -> HealthRead:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("database health check failed: %s", exc)
        return HealthRead(status="degraded", database="unavailable", version=VERSION)
    return HealthRead(status="ok", database="ok", version=VERSION)
