"""Annotated dependencies for route signatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from flexledger.web.context import AppContext


def _context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(_context)]
