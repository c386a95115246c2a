"""Repositories: one per aggregate, built on a unit of work; they never commit."""
