"""`GET /health`: is the app able to serve right now?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from flexledger.domain.errors import DatabaseUnavailableError
from flexledger.web.api.schemas import HealthOut, SchemaOut
from flexledger.web.deps import ContextDep
from flexledger.web.errors import error_responses

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={
        **error_responses(500),
        # Degraded is an answer, not an error: the same body as 200.
        503: {
            "model": HealthOut,
            "description": "Degraded: the database is unreachable or not at head.",
        },
    },
)
def health(context: ContextDep) -> JSONResponse:
    """200 when the database answers a real query and is at head, else 503."""
    try:
        context.database.ping()
        state = context.database.schema_state()
    except DatabaseUnavailableError as exc:
        body = HealthOut(
            status="degraded",
            version=context.version,
            database="unreachable",
            reason=exc.message,
        )
        return _respond(body, 503)
    schema = SchemaOut(current=state.current, head=state.head, at_head=state.is_current)
    if not state.is_current:
        applied = state.current or "none"
        body = HealthOut(
            status="degraded",
            version=context.version,
            database="ok",
            db_schema=schema,
            reason=(
                f"database schema is at revision {applied}, this release needs "
                f"{state.head}: run `flexledger db upgrade`"
            ),
        )
        return _respond(body, 503)
    body = HealthOut(
        status="ok", version=context.version, database="ok", db_schema=schema
    )
    return _respond(body, 200)


def _respond(body: HealthOut, status_code: int) -> JSONResponse:
    return JSONResponse(
        body.model_dump(mode="json", by_alias=True),
        status_code=status_code,
    )
