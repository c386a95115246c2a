"""CLI layer: thin Typer commands that call jobs and map errors to exit codes."""
