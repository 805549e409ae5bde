"""`/api/health`: public liveness of the process and its database."""

from fastapi import APIRouter, Request

from app.health.schemas import HealthRead
from app.health.service import DatabaseWatch

router = APIRouter(prefix="/api/health", tags=["health"])


@router.get("")
async def read_health(request: Request) -> HealthRead:
    watch: DatabaseWatch = request.app.state.database_watch
    return watch.report()
