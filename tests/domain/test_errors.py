from __future__ import annotations

from flexledger.domain.errors import (
    ConfigError,
    DatabaseUnavailableError,
    FlexLedgerError,
    SchemaNotCurrentError,
)


def test_message_defaults_to_the_class_docstring() -> None:
    error = DatabaseUnavailableError()
    assert error.message == "The database cannot be reached."
    assert error.code == "DATABASE_UNAVAILABLE"
    assert "DATABASE_URL" in error.hint


def test_explicit_message_and_hint_win() -> None:
    error = ConfigError("BASE_CURRENCY is wrong", hint="Set BASE_CURRENCY=EUR")
    assert str(error) == "BASE_CURRENCY is wrong\nHint: Set BASE_CURRENCY=EUR"


def test_codes_are_unique_across_the_tree() -> None:
    def walk(cls: type[FlexLedgerError]) -> list[type[FlexLedgerError]]:
        return [cls, *(sub for child in cls.__subclasses__() for sub in walk(child))]

    codes = [cls.code for cls in walk(FlexLedgerError)]
    assert len(codes) == len(set(codes))
    assert SchemaNotCurrentError.code in codes
