"""ConversionRates rows → daily FX rates into the base currency (SPEC §7, D-2).

The rows have no id, and their index-based `source_row_ref` shifts between payloads,
so the key is synthetic: `CR:{reportDate}:{from}:{to}`. The date is written in ISO
form whatever the statement's date format, so a changed Flex setting cannot make
the same day's rate a second event.
"""

from __future__ import annotations

from flexledger.domain.canonical import FxRate, Provenance, SourceRow, event_id_for
from flexledger.domain.events import EventKind, FxSource
from flexledger.domain.money import FX_RATE, rate_or_none
from flexledger.mapping.fields import FieldReader
from flexledger.mapping.registry import (
    MappingContext,
    Outcome,
    RouteKey,
    RowResult,
    unmapped,
)

FX_RATE_MISSING = "FX_RATE_MISSING_ALL_SOURCES"


class ConversionRateMapper:
    """`ConversionRates` rows."""

    handles: tuple[RouteKey, ...] = (("ConversionRates", None),)

    def map_row(self, row: SourceRow, context: MappingContext) -> RowResult:
        """One rate per row; a row without a rate is kept, provisional."""
        if row.row_tag != "ConversionRate":
            return unmapped(row, f"ConversionRates row <{row.row_tag}> is not a rate")
        fields = FieldReader(row, "ConversionRate")
        report_date = fields.date("reportDate", required=True)
        currency = fields.text("fromCurrency", required=True)
        functional = fields.text("toCurrency", required=True)
        rate = fields.decimal("rate", scale=FX_RATE)
        if (
            not fields.ok
            or report_date is None
            or currency is None
            or functional is None
        ):
            return fields.contract_violation()
        usable = rate is not None and rate > 0
        transaction_id = f"CR:{report_date.isoformat()}:{currency}:{functional}"
        key = (row.account_id, transaction_id, currency, functional)
        event = FxRate(
            event_id=event_id_for(EventKind.FX, key),
            account_id=row.account_id,
            transaction_id=transaction_id,
            report_date_local=report_date,
            currency=currency,
            functional_currency=functional,
            fx_rate=rate_or_none(rate) if usable else None,
            fx_source=FxSource.CONVERSION_RATES.value,
            provisional=not usable,
            diagnostic_code=None if usable else FX_RATE_MISSING,
            source=Provenance.of(row),
        )
        return RowResult(Outcome.MAPPED, events=[event])
