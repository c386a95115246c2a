"""Web layer: the FastAPI app (JSON API now, server-rendered UI later).

Routes are thin: they read through repositories and start workflows through jobs.
HTTP statuses for error classes are decided in `errors.py`, never in the domain.
"""
