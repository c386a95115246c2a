"""Response shapes of the API (pydantic; `…Out` for responses, `…In` for bodies)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SchemaOut(BaseModel):
    """Where the database schema stands against this release."""

    current: str | None
    head: str
    at_head: bool


class HealthOut(BaseModel):
    """`GET /health`: ``ok`` only when the database answers and is at head."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]
    # `schema` would shadow a BaseModel attribute; the JSON key is still `schema`.
    db_schema: SchemaOut | None = Field(default=None, serialization_alias="schema")
    reason: str | None = None
