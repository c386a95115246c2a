"""Backups and restore drills: SQLite by the new commands, PostgreSQL by pg_dump."""

from __future__ import annotations

import subprocess
from pathlib import Path

import typer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from flexledger.cli.maintenance import maintenance_commands
from flexledger.db.backup import postgres_commands
from flexledger.db.database import Database
from flexledger.jobs.maintenance import export_digest
from tests.fixtures.environment import clean_environ
from tests.maintenance.helpers import import_statements


def _cli() -> typer.Typer:
    # The group as commands.py will register it (see the report); built here so
    # these tests do not depend on that wiring.
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    app.add_typer(maintenance_commands(), name="maintenance")
    return app


def _invoke(database: Database, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        _cli(),
        ["maintenance", *args],
        env=clean_environ(DATABASE_URL=database.url, XDG_DATA_HOME=str(tmp_path)),
    )
    return result.exit_code, result.output


def test_restore_drill(
    database: Database, tmp_path: Path, blank_database_url: str
) -> None:
    import_statements(database, 2)
    tables, before = export_digest(database)
    assert {t.table for t in tables} >= {
        "alembic_version",
        "raw_record",
        "position_lot",
    }
    if database.dialect == "sqlite":
        _sqlite_drill(database, tmp_path, before)
    else:
        _postgres_drill(database, tmp_path, blank_database_url, before)


def _sqlite_drill(database: Database, tmp_path: Path, before: str) -> None:
    backup = tmp_path / "backups" / "flexledger-1.sqlite3"
    code, output = _invoke(database, tmp_path, "backup", "--to", str(backup))
    assert code == 0, output
    assert Path(f"{backup}.sha256").read_text().split() == [
        _sha256sum(backup),
        backup.name,
    ]
    # Change the live database after the backup, then restore.
    import_statements(database, 1)
    changed = export_digest(database)[1]
    assert changed != before
    code, output = _invoke(database, tmp_path, "restore", "--from", str(backup))
    assert code == 1
    assert "--yes" in output
    assert export_digest(database)[1] == changed
    code, output = _invoke(
        database, tmp_path, "restore", "--from", str(backup), "--yes"
    )
    assert code == 0, output
    database.dispose()  # pooled connections opened before the restore
    assert export_digest(database)[1] == before
    live = Path(str(make_url(database.url).database))
    (safety,) = [
        path
        for path in live.parent.glob(f"{live.name}.before-restore-*")
        if path.suffix != ".sha256"
    ]
    assert export_digest(Database(f"sqlite:///{safety}"))[1] == changed


def _postgres_drill(
    database: Database, tmp_path: Path, fresh_url: str, before: str
) -> None:
    # The commands `maintenance backup` prints for PostgreSQL, run as printed.
    dump = tmp_path / "flexledger.dump"
    code, output = _invoke(database, tmp_path, "backup", "--to", str(dump))
    assert code == 1
    backup_lines, restore_lines = postgres_commands(database.url, dump)
    for line in backup_lines:
        assert line in output
        _shell(line, tmp_path)
    assert _sha256sum(dump) == Path(f"{dump}.sha256").read_text().split()[0]
    # Restore into a fresh database: the printed check, then pg_restore into the
    # blank database the fixture made (dropped at session end).
    _shell(restore_lines[0], tmp_path)
    fresh = make_url(fresh_url).set(drivername="postgresql")
    _shell(
        "pg_restore --exit-on-error --no-owner "
        f"--dbname={fresh.render_as_string(hide_password=False)} {dump}",
        tmp_path,
    )
    restored = Database(fresh_url)
    try:
        assert export_digest(restored)[1] == before
    finally:
        restored.dispose()
    # The printed scratch-database commands work too.
    for line in restore_lines[1:3]:
        _shell(line, tmp_path)
    scratch_name = f"{make_url(database.url).database}_restore"
    scratch = Database(
        make_url(database.url)
        .set(database=scratch_name)
        .render_as_string(hide_password=False)
    )
    try:
        assert export_digest(scratch)[1] == before
    finally:
        scratch.dispose()
        _drop(database.url, scratch_name)


def test_restore_is_refused_while_a_run_is_active(
    database: Database, tmp_path: Path
) -> None:
    if database.dialect == "postgresql":
        code, output = _invoke(database, tmp_path, "restore", "--from", "x.dump")
        assert code == 1
        assert "pg_restore" in output
        return
    import_statements(database, 1)
    backup = tmp_path / "b.sqlite3"
    assert _invoke(database, tmp_path, "backup", "--to", str(backup))[0] == 0
    before = export_digest(database)[1]
    with database.run_lock():
        code, output = _invoke(
            database, tmp_path, "restore", "--from", str(backup), "--yes"
        )
    assert code == 1
    assert "RUN_ALREADY_ACTIVE" in output
    assert "stop the scheduler" in output
    assert export_digest(database)[1] == before


def test_restore_refuses_a_damaged_backup(
    sqlite_database: Database, tmp_path: Path
) -> None:
    database = sqlite_database
    import_statements(database, 1)
    backup = tmp_path / "b.sqlite3"
    assert _invoke(database, tmp_path, "backup", "--to", str(backup))[0] == 0
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    before = export_digest(database)[1]
    code, output = _invoke(
        database, tmp_path, "restore", "--from", str(backup), "--yes"
    )
    assert code == 1
    assert "BACKUP_INVALID" in output
    assert "does not match its checksum" in output
    assert export_digest(database)[1] == before
    # A backup never overwrites an existing file.
    code, output = _invoke(database, tmp_path, "backup", "--to", str(backup))
    assert (code, "BACKUP_TARGET_EXISTS" in output) == (1, True)


def test_backup_sees_committed_writes_still_in_the_wal(
    sqlite_database: Database, tmp_path: Path
) -> None:
    database = sqlite_database
    import_statements(database, 1)
    # Keep a reader open so the WAL cannot be checkpointed into the main file.
    with database.engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM ingestion_run")).scalar_one()
        import_statements(database, 1)
        backup = tmp_path / "online.sqlite3"
        code, output = _invoke(database, tmp_path, "backup", "--to", str(backup))
        assert code == 0, output
    copy = Database(f"sqlite:///{backup}")
    try:
        assert export_digest(copy)[1] == export_digest(database)[1]
    finally:
        copy.dispose()


def _shell(line: str, cwd: Path) -> None:
    result = subprocess.run(  # noqa: S602 - our own printed commands, on purpose
        line, shell=True, cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"


def _sha256sum(path: Path) -> str:
    result = subprocess.run(
        ["sha256sum", str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout.split()[0]


def _drop(url: str, name: str) -> None:
    engine = create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
