"""`/api/health`: public liveness of the process and its database."""

from fastapi import APIRouter, Request

from app.health import service
from app.health.schemas import HealthRead

router = APIRouter(prefix="/api/health", tags=["health"])


@router.get("")
async def read_health(request: Request) -> HealthRead:
    return await service.check_health(engine=request.app.state.health_engine)
