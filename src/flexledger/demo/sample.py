"""A seeded, made-up brokerage account, simulated day by day into Flex rows.

The account is scripted (what is bought and sold when) and seeded (prices, FX
rates, times of day, ids), so the same seed and end date give the same rows. It
holds US, euro and sterling shares in a USD account, and each month becomes one
Activity Flex statement of the shape IBKR writes (FLEX_FIELDS.md): executions with
their closed lots, dividends with withholding tax (one reversed and re-posted),
commissions and UK stamp duty, market-data fees, broker interest and borrow fees,
currency conversions (`CASH` trades), a 4-for-1 forward split, a stock merger,
month-end positions with IBKR's basis and marks, daily conversion rates and the
performance summaries.

IBKR's figures are computed as our ledger computes them (ledger/engine.py): a
buy's charges are in its lot's cost, a sell's come off its proceeds, a fill that
closes several lots spreads its charges by quantity, a partly closed lot gives up
cost in proportion, a split keeps each lot's cost. Every closing fill's
`fifoPnlRealized` therefore agrees with ours, and `fifoPnlRealized = netCash +
cost` holds as on real rows. The merger is the one deliberate difference: IBKR
moves the target's shares into the acquirer, which our ledger leaves to a manual
case (SPEC §10), so the acquirer's later positions disagree until a person acts.

All arithmetic is Decimal; the random walk draws integers (basis points).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

ACCOUNT_ID = "U9900017"
BASE_CURRENCY = "USD"
QUERY_NAME = "flexledger demo"
MONTHS = 30
DEFAULT_SEED = 20240607

_ZERO = Decimal(0)
_Q8 = Decimal("0.00000001")
_CENT = Decimal("0.01")
_RATE = Decimal("0.00001")
_BP = Decimal(10000)
_SATURDAY = 5
_US_OPEN = (9 * 3600 + 31 * 60, 15 * 3600 + 58 * 60)
# European sessions in New York time, the zone Flex timestamps are written in.
_EU_OPEN = (3 * 3600 + 5 * 60, 11 * 3600 + 25 * 60)

Row = tuple[str, dict[str, str]]


def q8(value: Decimal) -> Decimal:
    """Half-even to eight places, the ledger's stored scale."""
    return value.quantize(_Q8, rounding=ROUND_HALF_EVEN)


def cents(value: Decimal) -> Decimal:
    """Half-even to the cent."""
    return value.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def num(value: Decimal) -> str:
    """A decimal as IBKR writes it: plain digits, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def flex_date(day: dt.date) -> str:
    """`yyyyMMdd`, IBKR's default date format."""
    return day.strftime("%Y%m%d")


def flex_stamp(day: dt.date, seconds: int) -> str:
    """`yyyyMMdd;HHmmss`, IBKR's default date-time format (New York wall time)."""
    hours, rest = divmod(seconds, 3600)
    return f"{flex_date(day)};{hours:02d}{rest // 60:02d}{rest % 60:02d}"


# -- identifiers ------------------------------------------------------------------


def _luhn_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return (10 - total % 10) % 10


def isin_for(country: str, national: str) -> str:
    """An ISIN with its check digit (ISO 6166: letters as numbers, then Luhn)."""
    body = country + national
    digits = "".join(str(int(char, 36)) for char in body)
    return body + str(_luhn_digit(digits))


def cusip_for(base: str) -> str:
    """A CUSIP (8 characters) with its check digit."""
    total = 0
    for index, char in enumerate(base):
        value = int(char) if char.isdigit() else ord(char) - ord("A") + 10
        if index % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return base + str((10 - total % 10) % 10)


# -- the instruments ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Security:
    """One made-up listed security.

    Attributes:
        symbol: ticker.
        conid: IBKR contract id (invented).
        description: name as IBKR prints it.
        currency: trading currency.
        exchange: listing exchange.
        country: issuer country (ISIN prefix, withholding label).
        national: national number (a CUSIP for US shares).
        sub_category: ``COMMON`` or ``ETF``.
        price: price on the first day.
        drift_bp: mean daily move, in basis points.
        vol_bp: largest daily move either way, in basis points.
        dividend: dividend per share (zero: pays none).
        dividend_months: calendar months it pays in.
        withholding: withholding tax rate on its dividends.
    """

    symbol: str
    conid: str
    description: str
    currency: str
    exchange: str
    country: str
    national: str
    sub_category: str
    price: Decimal
    drift_bp: int
    vol_bp: int
    dividend: Decimal = _ZERO
    dividend_months: tuple[int, ...] = ()
    withholding: Decimal = _ZERO

    @property
    def isin(self) -> str:
        """The ISIN with its check digit."""
        return isin_for(self.country, self.national)

    @property
    def cusip(self) -> str:
        """The CUSIP of a US share, else empty (IBKR leaves it blank)."""
        return self.national if self.country == "US" else ""


SECURITIES: tuple[Security, ...] = (
    Security(
        symbol="BRDM",
        conid="611542307",
        description="BROADMOOR TOTAL MARKET ETF",
        exchange="ARCA",
        national=cusip_for("11434D10"),
        currency="USD",
        country="US",
        sub_category="ETF",
        price=Decimal("218.40"),
        drift_bp=4,
        vol_bp=110,
        dividend=Decimal("0.88"),
        dividend_months=(3, 6, 9, 12),
        withholding=Decimal("0.15"),
    ),
    Security(
        symbol="HALC",
        conid="402917755",
        description="HALCYON HEALTH INC",
        exchange="NYSE",
        national=cusip_for("40621K10"),
        currency="USD",
        country="US",
        sub_category="COMMON",
        price=Decimal("61.20"),
        drift_bp=2,
        vol_bp=160,
        dividend=Decimal("0.42"),
        dividend_months=(2, 5, 8, 11),
        withholding=Decimal("0.15"),
    ),
    Security(
        symbol="NRTH",
        conid="577200418",
        description="NORTHWIND SEMICONDUCTOR CORP",
        exchange="NASDAQ",
        national=cusip_for("66702T10"),
        currency="USD",
        country="US",
        sub_category="COMMON",
        price=Decimal("412.00"),
        drift_bp=9,
        vol_bp=290,
    ),
    Security(
        symbol="KSTL",
        conid="265771904",
        description="KESTREL LOGISTICS CORP",
        exchange="NYSE",
        national=cusip_for("49254R10"),
        currency="USD",
        country="US",
        sub_category="COMMON",
        price=Decimal("84.10"),
        drift_bp=3,
        vol_bp=170,
        dividend=Decimal("0.31"),
        dividend_months=(1, 4, 7, 10),
        withholding=Decimal("0.15"),
    ),
    Security(
        symbol="ORBT",
        conid="498113206",
        description="ORBITAL FREIGHT INC",
        exchange="NASDAQ",
        national=cusip_for("68557P10"),
        currency="USD",
        country="US",
        sub_category="COMMON",
        price=Decimal("27.35"),
        drift_bp=4,
        vol_bp=240,
    ),
    Security(
        symbol="TRVX",
        conid="530286611",
        description="TREVEX SOFTWARE INC",
        exchange="NASDAQ",
        national=cusip_for("89532L10"),
        currency="USD",
        country="US",
        sub_category="COMMON",
        price=Decimal("143.80"),
        drift_bp=1,
        vol_bp=260,
    ),
    Security(
        symbol="PLSM",
        conid="689014452",
        description="PLASMID BIOTHERAPEUTICS INC",
        exchange="NASDAQ",
        national=cusip_for("72793W10"),
        currency="USD",
        country="US",
        sub_category="COMMON",
        price=Decimal("38.90"),
        drift_bp=-8,
        vol_bp=380,
    ),
    Security(
        symbol="VELD",
        conid="317455028",
        description="VELDHOVEN OPTICS NV",
        currency="EUR",
        exchange="AEB",
        country="NL",
        national="001284556",
        sub_category="COMMON",
        price=Decimal("96.40"),
        drift_bp=5,
        vol_bp=190,
        dividend=Decimal("1.05"),
        dividend_months=(5, 11),
        withholding=Decimal("0.15"),
    ),
    Security(
        symbol="RMKA",
        conid="339162785",
        description="RHEINMARK INDUSTRIE AG",
        currency="EUR",
        exchange="IBIS",
        country="DE",
        national="000RMK401",
        sub_category="COMMON",
        price=Decimal("54.10"),
        drift_bp=2,
        vol_bp=170,
        dividend=Decimal("2.10"),
        dividend_months=(5,),
        withholding=Decimal("0.26375"),
    ),
    Security(
        symbol="TBU",
        conid="291807336",
        description="THAMESBRIDGE UTILITIES PLC",
        currency="GBP",
        exchange="LSE",
        country="GB",
        national="00B7TBU46",
        sub_category="COMMON",
        price=Decimal("11.42"),
        drift_bp=1,
        vol_bp=120,
        dividend=Decimal("0.28"),
        dividend_months=(1, 7),
    ),
    Security(
        symbol="ALBM",
        conid="305661894",
        description="ALBION MINING PLC",
        currency="GBP",
        exchange="LSE",
        country="GB",
        national="00B0ALB92",
        sub_category="COMMON",
        price=Decimal("4.38"),
        drift_bp=3,
        vol_bp=230,
    ),
)
BY_SYMBOL = {security.symbol: security for security in SECURITIES}
# The real IBKR contract ids of the currency pairs (public identifiers).
FX_PAIRS = {"EUR": "12087792", "GBP": "12087797"}
FX_START = {"EUR": Decimal("1.08500"), "GBP": Decimal("1.26500")}

SPLIT_SYMBOL = "NRTH"
SPLIT_RATIO = (4, 1)
MERGER_TARGET = "ORBT"
MERGER_ACQUIRER = "KSTL"
# Acquirer shares per target share (45 FOR 100); the position is a multiple of 20.
MERGER_RATIO = (45, 100)
REVERSAL_SYMBOL = "HALC"
SHORT_SYMBOL = "PLSM"

# The script: (month index, business day of that month, what, signed quantity).
# A quantity is shares for a symbol and currency bought (sold if negative) for an
# FX pair; "DEPOSIT" is USD paid in.
_PLAN: tuple[tuple[int, int, str, Decimal], ...] = tuple(
    (month, day, what, Decimal(quantity))
    for month, day, what, quantity in (
        (0, 1, "DEPOSIT", "200000"),
        (0, 3, "BRDM", "200"),
        (0, 3, "HALC", "150"),
        (0, 4, "NRTH", "60"),
        (0, 6, "KSTL", "120"),
        (0, 8, "TRVX", "100"),
        (0, 10, "EUR", "30000"),
        (0, 10, "GBP", "20000"),
        (1, 2, "VELD", "40"),
        (1, 2, "RMKA", "120"),
        (1, 5, "TBU", "900"),
        (1, 5, "ALBM", "800"),
        (1, 9, "ORBT", "200"),
        (2, 4, "BRDM", "50"),
        (2, 12, "NRTH", "40"),
        (4, 7, "TRVX", "-40"),
        (5, 3, "PLSM", "-300"),
        (6, 11, "HALC", "50"),
        (7, 6, "ALBM", "-300"),
        (8, 14, "PLSM", "100"),
        (10, 5, "NRTH", "-260"),
        (11, 2, "DEPOSIT", "25000"),
        (11, 4, "BRDM", "60"),
        (12, 9, "TRVX", "-60"),
        (13, 3, "RMKA", "-50"),
        (13, 6, "EUR", "-5000"),
        (15, 8, "VELD", "20"),
        (16, 10, "PLSM", "100"),
        (18, 4, "HALC", "-100"),
        (20, 7, "GBP", "4000"),
        (20, 8, "ALBM", "400"),
        (21, 12, "TBU", "-400"),
        (22, 2, "DEPOSIT", "20000"),
        (22, 5, "BRDM", "40"),
        (24, 9, "VELD", "-30"),
        (26, 6, "BRDM", "-100"),
        (28, 3, "NRTH", "50"),
    )
)
_SPLIT_AT = (9, 8)  # month index, business day: report date of the split
_MERGER_AT = (14, 10)
_REVERSAL_MONTH = 1  # the HALC dividend after this many months is reversed
_DIVIDEND_DAY = 14
_INTEREST_DAY = 3
_FEE_DAY = 2


# -- results -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """One month's Activity statement as rows, section by section.

    Attributes:
        from_date: first business day covered.
        to_date: last business day covered (the snapshot date).
        period: IBKR's period name.
        generated: `whenGenerated`.
        sections: (section name, rows) in document order; a row is (tag, attrs).
    """

    from_date: dt.date
    to_date: dt.date
    period: str
    generated: str
    sections: tuple[tuple[str, tuple[Row, ...]], ...]


@dataclass(frozen=True, slots=True)
class Highlights:
    """Ids of the rows the demo annotates (event notes need them).

    Attributes:
        reversal_dividend_id: transactionID of the reversing dividend row.
        split_action_id: actionID of the split; split_transaction_id its leg.
        merger_action_id: actionID of the merger.
    """

    reversal_dividend_id: str
    split_action_id: str
    split_transaction_id: str
    merger_action_id: str


@dataclass(frozen=True, slots=True)
class SampleAccount:
    """The simulated account: statements plus what tests and notes look for.

    Attributes:
        statements: one per month, oldest first.
        highlights: ids of annotated rows.
        counts: rows by kind (fills, dividends, …) over all statements.
    """

    statements: tuple[Statement, ...]
    highlights: Highlights
    counts: dict[str, int]


# -- calendar ----------------------------------------------------------------------


def business_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Weekdays from `first` to `last` (holidays are not modelled)."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < _SATURDAY:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def last_business_day(on_or_before: dt.date) -> dt.date:
    """The latest weekday not after `on_or_before`."""
    day = on_or_before
    while day.weekday() >= _SATURDAY:
        day -= dt.timedelta(days=1)
    return day


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return _add_months(first, 1) - dt.timedelta(days=1)


# -- the simulation --------------------------------------------------------------


@dataclass(slots=True)
class _Lot:
    open_txn: str
    opened: str  # flex date-time of the opening execution
    open_day: dt.date
    quantity: Decimal  # signed: negative for a short
    cost: Decimal  # signed basis: negative for a short
    price: Decimal
    fx: Decimal  # the opening day's rate to base: the lot's base basis uses it


@dataclass(slots=True)
class _Month:
    first: dt.date
    last: dt.date
    trades: list[Row] = field(default_factory=list)
    cash: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    realized: dict[str, list[tuple[Decimal, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    charges_base: dict[str, Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    traded: dict[str, list[tuple[Decimal, Decimal, Decimal]]] = field(
        default_factory=lambda: defaultdict(list)
    )


class _Simulation:
    """The account's state as IBKR sees it, advanced one business day at a time."""

    def __init__(self, seed: int, end: dt.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up demo data, not security
        self.end = last_business_day(end)
        first_month = _add_months(self.end.replace(day=1), -(MONTHS - 1))
        self.months = [
            _Month(
                first=business_days(start, _month_end(start))[0],
                last=min(last_business_day(_month_end(start)), self.end),
            )
            for start in (_add_months(first_month, n) for n in range(MONTHS))
        ]
        self.start = self.months[0].first
        self.days = business_days(self.start, self.end)
        self.prices = self._walk_prices()
        self.rates = self._walk_rates()
        self.lots: dict[str, list[_Lot]] = defaultdict(list)
        self.cash: dict[str, Decimal] = defaultdict(Decimal)
        self.positions: dict[dt.date, dict[str, tuple[Decimal, Decimal, Decimal]]] = {}
        self.next_id = 2_114_870_000 + self.rng.randrange(90_000)
        self.counts: dict[str, int] = defaultdict(int)
        self.reversal_id = ""
        self.split_ids = ("", "")
        self.merger_id = ""
        self.gone: set[str] = set()

    # ids and prices ---------------------------------------------------------------

    def new_id(self) -> str:
        self.next_id += self.rng.randint(3, 4_000)
        return str(self.next_id)

    def _walk_prices(self) -> dict[str, dict[dt.date, Decimal]]:
        prices: dict[str, dict[dt.date, Decimal]] = {}
        for security in SECURITIES:
            price = security.price
            series = {}
            for day in self.days:
                move = self.rng.randint(-security.vol_bp, security.vol_bp)
                price = max(
                    cents(price * (1 + Decimal(move + security.drift_bp) / _BP)), _CENT
                )
                series[day] = price
            prices[security.symbol] = series
        return prices

    def _walk_rates(self) -> dict[str, dict[dt.date, Decimal]]:
        rates: dict[str, dict[dt.date, Decimal]] = {}
        for currency, start in FX_START.items():
            rate = start
            series = {}
            day = self.start
            while day <= self.end:
                if day.weekday() < _SATURDAY:
                    move = self.rng.randint(-45, 45)
                    rate = (rate * (1 + Decimal(move) / _BP)).quantize(_RATE)
                series[day] = rate
                day += dt.timedelta(days=1)
            rates[currency] = series
        rates[BASE_CURRENCY] = dict.fromkeys(rates["EUR"], Decimal(1))
        return rates

    def price(self, symbol: str, day: dt.date) -> Decimal:
        return self.prices[symbol][day]

    def rate(self, currency: str, day: dt.date) -> Decimal:
        return self.rates[currency][day]

    def month_of(self, day: dt.date) -> _Month:
        return next(month for month in self.months if month.first <= day <= month.last)

    def day_in(self, month_index: int, business_day: int) -> dt.date | None:
        if month_index >= len(self.months):
            return None
        month = self.months[month_index]
        days = business_days(month.first, month.last)
        return days[min(business_day, len(days)) - 1]

    def seconds(self, security: Security | None) -> int:
        low, high = (
            _US_OPEN if security is None or security.currency == "USD" else _EU_OPEN
        )
        return self.rng.randint(low, high)

    def position(self, symbol: str) -> Decimal:
        return sum((lot.quantity for lot in self.lots[symbol]), _ZERO)

    # the run ----------------------------------------------------------------------

    def run(self) -> SampleAccount:
        plan: dict[dt.date, list[tuple[str, Decimal]]] = defaultdict(list)
        for month_index, business_day, what, quantity in _PLAN:
            day = self.day_in(month_index, business_day)
            if day is not None:
                plan[day].append((what, quantity))
        split_day = self.day_in(*_SPLIT_AT)
        merger_day = self.day_in(*_MERGER_AT)
        for day in self.days:
            if day == split_day:
                self.split(day)
            if day == merger_day:
                self.merge(day)
            for what, quantity in plan.get(day, []):
                if what == "DEPOSIT":
                    self.deposit(day, quantity)
                elif what in FX_PAIRS:
                    self.convert(day, what, quantity)
                else:
                    self.trade(day, BY_SYMBOL[what], quantity)
            self.pay_dividends(day)
            month = self.month_of(day)
            if day == month.last:
                self.close_month(month)
        return SampleAccount(
            statements=tuple(
                self.statement(index) for index in range(len(self.months))
            ),
            highlights=Highlights(
                reversal_dividend_id=self.reversal_id,
                split_action_id=self.split_ids[0],
                split_transaction_id=self.split_ids[1],
                merger_action_id=self.merger_id,
            ),
            counts=dict(sorted(self.counts.items())),
        )

    # trades -----------------------------------------------------------------------

    def trade(self, day: dt.date, security: Security, quantity: Decimal) -> None:
        symbol = security.symbol
        close = self.price(symbol, day)
        fx = self.rate(security.currency, day)
        slip = Decimal(self.rng.randint(-35, 35)) / _BP
        price = max(cents(close * (1 + slip)), _CENT)
        value = q8(abs(quantity) * price)
        commission, taxes = _charges(security, quantity, value)
        charges = commission + taxes
        stamp = flex_stamp(day, self.seconds(security))
        txn = self.new_id()
        pieces = self._close_lots(symbol, quantity, price, charges)
        closed = sum((take for _, take, _, _ in pieces), _ZERO)
        realized = sum((gain for _, _, _, gain in pieces), _ZERO)
        relieved = sum((basis for _, _, basis, _ in pieces), _ZERO)
        rest = abs(quantity) - closed
        trade_money = quantity * price
        net_cash = -trade_money + commission + taxes
        if rest > 0:
            opening_charge = charges - sum(
                (_share(charges, take, abs(quantity)) for _, take, _, _ in pieces),
                _ZERO,
            )
            sign = 1 if quantity > 0 else -1
            basis = sign * q8(rest * price) - opening_charge
            self.lots[symbol].append(
                _Lot(txn, stamp, day, sign * rest, basis, price, fx)
            )
            cost = -relieved + basis
        else:
            cost = -relieved
        month = self.month_of(day)
        month.touched.add(symbol)
        month.charges_base[symbol] += charges * fx
        month.traded[symbol].append((quantity, price, fx))
        if pieces:
            for lot, _take, relieved_piece, gain in pieces:
                # In base as our ledger converts: what the close brought at today's
                # rate, the basis it relieved at the lot's opening rate.
                basis_base = q8(abs(relieved_piece) * lot.fx)
                other = (
                    abs(relieved_piece) + gain
                    if lot.quantity > 0
                    else (abs(relieved_piece) - gain)
                )
                other_base = q8(other * fx)
                gain_base = (
                    other_base - basis_base
                    if lot.quantity > 0
                    else basis_base - other_base
                )
                month.realized[symbol].append(
                    (gain_base, (day - lot.open_day).days > 365)
                )
        self.cash[security.currency] += net_cash
        side = "BUY" if quantity > 0 else "SELL"
        opens = "O" if not pieces else ("C" if rest == 0 else "C;O")
        notes = "P" if self.rng.randint(0, 9) == 0 else ""
        attrs = {
            **_instrument(security, fx),
            "tradeID": self.new_id(),
            "reportDate": flex_date(day),
            "dateTime": stamp,
            "tradeDate": flex_date(day),
            "settleDateTarget": flex_date(_settle(day)),
            "transactionType": "ExchTrade",
            "exchange": _venue(security, self.rng),
            "quantity": num(quantity),
            "tradePrice": num(price),
            "tradeMoney": num(trade_money),
            "proceeds": num(-trade_money),
            "taxes": num(taxes),
            "ibCommission": num(commission),
            "ibCommissionCurrency": security.currency,
            "netCash": num(net_cash),
            "closePrice": num(close),
            "openCloseIndicator": opens,
            "notes": notes,
            "cost": num(cost),
            "fifoPnlRealized": num(realized),
            "fxPnl": "0",
            "mtmPnl": num(cents(quantity * (close - price))),
            "origTradePrice": "0",
            "origTradeDate": "",
            "origTradeID": "",
            "origOrderID": "0",
            "clearingFirmID": "",
            "transactionID": txn,
            "buySell": side,
            "ibOrderID": self.new_id(),
            "ibExecID": _exec_id(self.rng),
            "brokerageOrderID": "",
            "orderReference": "",
            "volatilityOrderLink": "",
            "exchOrderId": "N/A",
            "extExecID": f"{self.rng.randrange(16**8):08x}".upper(),
            "orderTime": stamp,
            "openDateTime": "",
            "holdingPeriodDateTime": "",
            "whenRealized": "",
            "whenReopened": "",
            "levelOfDetail": "EXECUTION",
            "changeInPrice": "0",
            "changeInQuantity": "0",
            "orderType": self.rng.choice(("LMT", "LMT", "MKT")),
            "traderID": "",
            "isAPIOrder": "N",
            "accruedInt": "0",
        }
        month.trades.append(("Trade", attrs))
        self.counts["trade_fills"] += 1
        if pieces:
            self.counts["closing_fills"] += 1
        # Closed Lots option: one row per lot the execution closed (FLEX_FIELDS §4).
        for lot, take, basis, gain in pieces:
            lot_attrs = {
                **attrs,
                "tradeID": "",
                "transactionType": "",
                "quantity": num(take if lot.quantity > 0 else -take),
                "tradePrice": num(lot.price),
                "tradeMoney": "",
                "proceeds": "",
                "taxes": "",
                "ibCommission": "",
                "ibCommissionCurrency": "",
                "netCash": "",
                "closePrice": "",
                "openCloseIndicator": "C",
                "notes": "LT" if (day - lot.open_day).days > 365 else "ST",
                "cost": num(basis),
                "fifoPnlRealized": num(gain),
                "mtmPnl": "",
                "transactionID": lot.open_txn,
                "ibOrderID": "",
                "ibExecID": "",
                "extExecID": "",
                "orderTime": "",
                "openDateTime": lot.opened,
                "holdingPeriodDateTime": lot.opened,
                "levelOfDetail": "CLOSED_LOT",
                "orderType": "",
            }
            month.trades.append(("Lot", lot_attrs))
        self.lots[symbol] = [lot for lot in self.lots[symbol] if lot.quantity != 0]

    def _close_lots(
        self, symbol: str, quantity: Decimal, price: Decimal, charges: Decimal
    ) -> list[tuple[_Lot, Decimal, Decimal, Decimal]]:
        """FIFO relief as our ledger does it: (lot, quantity, basis, realized)."""
        closing_long = quantity < 0
        total = abs(quantity)
        left = total
        pieces: list[tuple[_Lot, Decimal, Decimal, Decimal]] = []
        takes: list[tuple[_Lot, Decimal]] = []
        for lot in self.lots[symbol]:
            if left <= 0 or (lot.quantity > 0) != closing_long:
                break
            take = min(abs(lot.quantity), left)
            takes.append((lot, take))
            left -= take
        shares = _spread(charges, [take for _, take in takes], left, total)
        for (lot, take), charge in zip(takes, shares, strict=False):
            held = abs(lot.quantity)
            relieved = lot.cost if take == held else q8(lot.cost * take / held)
            value = q8(take * price)
            if closing_long:
                gain = value + charge - relieved
            else:
                gain = -relieved - (value - charge)
            lot.quantity += take if lot.quantity < 0 else -take
            lot.cost -= relieved
            pieces.append((lot, take, relieved, gain))
        return pieces

    def convert(self, day: dt.date, currency: str, quantity: Decimal) -> None:
        """A currency conversion: a `CASH` trade of the pair against USD."""
        pair = f"{currency}.USD"
        rate = (
            self.rate(currency, day) * (1 + Decimal(self.rng.randint(-4, 4)) / _BP)
        ).quantize(_RATE)
        money = quantity * rate
        commission = Decimal("-2")
        self.cash[currency] += quantity
        self.cash["USD"] += -money + commission
        stamp = flex_stamp(day, self.seconds(None))
        month = self.month_of(day)
        month.trades.append(
            (
                "Trade",
                {
                    "accountId": ACCOUNT_ID,
                    "acctAlias": "",
                    "model": "",
                    "currency": "USD",
                    "fxRateToBase": "1",
                    "assetCategory": "CASH",
                    "subCategory": "",
                    "symbol": pair,
                    "description": pair,
                    "conid": FX_PAIRS[currency],
                    "securityID": "",
                    "securityIDType": "",
                    "cusip": "",
                    "isin": "",
                    "figi": "",
                    "listingExchange": "",
                    "multiplier": "1",
                    "tradeID": self.new_id(),
                    "reportDate": flex_date(day),
                    "dateTime": stamp,
                    "tradeDate": flex_date(day),
                    "settleDateTarget": flex_date(_settle(day)),
                    "transactionType": "ExchTrade",
                    "exchange": "IDEALFX",
                    "quantity": num(quantity),
                    "tradePrice": num(rate),
                    "tradeMoney": num(money),
                    "proceeds": num(-money),
                    "taxes": "0",
                    "ibCommission": num(commission),
                    "ibCommissionCurrency": "USD",
                    # As on real CASH rows: no net cash, basis or FIFO figure.
                    "netCash": "0",
                    "closePrice": "0",
                    "openCloseIndicator": "",
                    "notes": "",
                    "cost": "0",
                    "fifoPnlRealized": "0",
                    "fxPnl": "0",
                    "mtmPnl": "0",
                    "buySell": "BUY" if quantity > 0 else "SELL",
                    "transactionID": self.new_id(),
                    "ibOrderID": self.new_id(),
                    "ibExecID": _exec_id(self.rng),
                    "orderTime": stamp,
                    "levelOfDetail": "EXECUTION",
                    "orderType": "LMT",
                    "isAPIOrder": "N",
                },
            )
        )
        self.counts["fx_conversions"] += 1

    # cash -------------------------------------------------------------------------

    def _cash_row(  # noqa: PLR0913 - one keyword per attribute a cash row varies in
        self,
        day: dt.date,
        kind: str,
        amount: Decimal,
        currency: str,
        description: str,
        *,
        security: Security | None = None,
        stamp: str | None = None,
        action_id: str = "",
        code: str = "",
        report_day: dt.date | None = None,
    ) -> str:
        txn = self.new_id()
        posted = report_day or day
        instrument = (
            _instrument(security, self.rate(currency, day), with_fx=False)
            if security
            else _blank_instrument()
        )
        attrs = {
            "accountId": ACCOUNT_ID,
            "acctAlias": "",
            "model": "",
            "currency": currency,
            "fxRateToBase": num(self.rate(currency, day)),
            **instrument,
            "description": description,
            "dateTime": stamp or flex_date(day),
            "settleDate": flex_date(day),
            "amount": num(amount),
            "type": kind,
            "tradeID": "",
            "code": code,
            "transactionID": txn,
            "reportDate": flex_date(posted),
            "clientReference": "",
            "actionID": action_id,
            "levelOfDetail": "DETAIL",
        }
        month = self.month_of(posted)
        month.cash.append(("CashTransaction", attrs))
        if security is not None:
            month.touched.add(security.symbol)
        self.cash[currency] += amount
        return txn

    def deposit(self, day: dt.date, amount: Decimal) -> None:
        self._cash_row(
            day,
            "Deposits/Withdrawals",
            amount,
            "USD",
            "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS",
        )
        self.counts["deposits"] += 1

    def pay_dividends(self, day: dt.date) -> None:
        month = self.month_of(day)
        if day != self.day_in(self.months.index(month), _DIVIDEND_DAY):
            return
        for security in SECURITIES:
            if (
                day.month not in security.dividend_months
                or security.symbol in self.gone
            ):
                continue
            held = self.position(security.symbol)
            if held <= 0:
                continue
            self._dividend(day, security, held)

    def _dividend(self, day: dt.date, security: Security, held: Decimal) -> None:
        per_share = security.dividend
        gross = cents(held * per_share)
        tax = cents(gross * security.withholding)
        action = self.new_id()
        stamp = f"{flex_date(day)};202000"
        text = (
            f"{security.symbol}({security.isin}) CASH DIVIDEND "
            f"{security.currency} {num(per_share)} PER SHARE"
        )
        self._cash_row(
            day,
            "Dividends",
            gross,
            security.currency,
            f"{text} (Ordinary Dividend)",
            security=security,
            stamp=stamp,
            action_id=action,
        )
        self.counts["dividends"] += 1
        if tax:
            self._cash_row(
                day,
                "Withholding Tax",
                -tax,
                security.currency,
                f"{text} - {security.country} TAX",
                security=security,
                stamp=stamp,
                action_id=action,
            )
            self.counts["withholding"] += 1
        month_index = self.months.index(self.month_of(day))
        if (
            security.symbol != REVERSAL_SYMBOL
            or self.reversal_id
            or month_index < 6
            or month_index + 1 >= len(self.months)
        ):
            return
        # IBKR re-characterised this dividend: the payment and its withholding are
        # reversed (code Re) and posted again at the corrected rate, weeks later,
        # under the original action and posting date.
        later = self.day_in(month_index + _REVERSAL_MONTH, 4)
        if later is None:
            return
        self.reversal_id = self._cash_row(
            day,
            "Dividends",
            -gross,
            security.currency,
            f"{text} (Ordinary Dividend)",
            security=security,
            stamp=stamp,
            action_id=action,
            code="Re",
            report_day=later,
        )
        self._cash_row(
            day,
            "Withholding Tax",
            tax,
            security.currency,
            f"{text} - {security.country} TAX",
            security=security,
            stamp=stamp,
            action_id=action,
            code="Re",
            report_day=later,
        )
        corrected = per_share - Decimal("0.02")
        fixed_gross = cents(held * corrected)
        fixed_text = (
            f"{security.symbol}({security.isin}) CASH DIVIDEND "
            f"{security.currency} {num(corrected)} PER SHARE"
        )
        self._cash_row(
            day,
            "Dividends",
            fixed_gross,
            security.currency,
            f"{fixed_text} (Ordinary Dividend)",
            security=security,
            stamp=stamp,
            action_id=action,
            report_day=later,
        )
        self._cash_row(
            day,
            "Withholding Tax",
            -cents(fixed_gross * security.withholding),
            security.currency,
            f"{fixed_text} - {security.country} TAX",
            security=security,
            stamp=stamp,
            action_id=action,
            report_day=later,
        )
        self.counts["dividend_reversals"] += 1
        self.counts["dividends"] += 1
        self.counts["withholding"] += 1

    def close_month(self, month: _Month) -> None:
        """Month-end: positions as IBKR reports them, then next month's postings."""
        self.positions[month.last] = {
            symbol: (
                self.position(symbol),
                sum((lot.cost for lot in lots), _ZERO),
                sum((lot.cost * lot.fx for lot in lots), _ZERO),
            )
            for symbol, lots in self.lots.items()
            if self.position(symbol) != 0
        }
        index = self.months.index(month)
        if index + 1 >= len(self.months):
            return
        label = month.last.strftime("%b %Y").upper()
        fee_day = self.day_in(index + 1, _FEE_DAY)
        interest_day = self.day_in(index + 1, _INTEREST_DAY)
        if fee_day is None or interest_day is None:
            return
        for feed in ("NYSE (NETWORK A/CTA)", "NASDAQ (NETWORK C/UTP)"):
            self._cash_row(
                fee_day,
                "Other Fees",
                Decimal("-1.50"),
                "USD",
                f"{feed} NON-PRO FOR {label}",
            )
            self.counts["other_fees"] += 1
        balance = self.cash["USD"]
        if balance > 10_000:
            # IBKR pays interest on USD balances above the first 10,000.
            interest = cents((balance - 10_000) * Decimal("0.0433") / 12)
            self._cash_row(
                interest_day,
                "Broker Interest Received",
                interest,
                "USD",
                f"USD CREDIT INT FOR {month.last.strftime('%b-%Y').upper()}",
            )
            self.counts["interest"] += 1
        short = self.position(SHORT_SYMBOL)
        if short < 0:
            value = -short * self.price(SHORT_SYMBOL, month.last)
            self._cash_row(
                interest_day,
                "Broker Interest Paid",
                -cents(value * Decimal("0.0125") / 12),
                "USD",
                f"USD BORROW FEES FOR {month.last.strftime('%b-%Y')}",
            )
            self.counts["borrow_fees"] += 1

    # corporate actions ------------------------------------------------------------

    def _action_row(
        self,
        day: dt.date,
        security: Security,
        code: str,
        text: str,
        quantity: Decimal,
        action_id: str,
        value: Decimal,
    ) -> str:
        txn = self.new_id()
        posted = day - dt.timedelta(days=1)
        while posted.weekday() >= _SATURDAY:
            posted -= dt.timedelta(days=1)
        attrs = {
            **_instrument(security, self.rate(security.currency, day)),
            "reportDate": flex_date(day),
            "dateTime": f"{flex_date(posted)};202500",
            "actionDescription": text,
            "description": text,
            "amount": "0",
            "proceeds": "0",
            "value": num(value),
            "quantity": num(quantity),
            "fifoPnlRealized": "0",
            "mtmPnl": "0",
            "code": "",
            "type": code,
            "transactionID": txn,
            "actionID": action_id,
            "levelOfDetail": "DETAIL",
        }
        month = self.month_of(day)
        month.actions.append(("CorporateAction", attrs))
        month.touched.add(security.symbol)
        self.counts["corporate_action_legs"] += 1
        return txn

    def split(self, day: dt.date) -> None:
        """4-for-1: each lot's quantity times four, its cost unchanged."""
        security = BY_SYMBOL[SPLIT_SYMBOL]
        new, old = SPLIT_RATIO
        held = self.position(security.symbol)
        added = held * new / old - held
        for lot in self.lots[security.symbol]:
            lot.quantity = lot.quantity * new / old
            lot.price = q8(lot.price * old / new)
        # The price series is the pre-split one: from today it trades at a quarter.
        for later in self.days:
            if later >= day:
                self.prices[security.symbol][later] = cents(
                    self.prices[security.symbol][later] * old / new
                )
        action = self.new_id()
        text = (
            f"{security.symbol}({security.isin}) SPLIT {new} FOR {old} "
            f"({security.symbol}, {security.description}, {security.isin})"
        )
        txn = self._action_row(day, security, "FS", text, added, action, _ZERO)
        self.split_ids = (action, txn)

    def merge(self, day: dt.date) -> None:
        """The target's shares become acquirer shares; IBKR carries the basis over."""
        target = BY_SYMBOL[MERGER_TARGET]
        acquirer = BY_SYMBOL[MERGER_ACQUIRER]
        held = self.position(target.symbol)
        basis = sum((lot.cost for lot in self.lots[target.symbol]), _ZERO)
        received = held * MERGER_RATIO[0] / MERGER_RATIO[1]
        action = self.new_id()
        text = (
            f"{target.symbol}({target.isin}) MERGED(Acquisition) WITH "
            f"{acquirer.isin} {MERGER_RATIO[0]} FOR {MERGER_RATIO[1]} "
            f"({{symbol}}, {{name}}, {{isin}})"
        )
        close = self.price(acquirer.symbol, day)
        self._action_row(
            day,
            target,
            "TC",
            text.format(
                symbol=target.symbol, name=target.description, isin=target.isin
            ),
            -held,
            action,
            -cents(received * close),
        )
        self._action_row(
            day,
            acquirer,
            "TC",
            text.format(
                symbol=acquirer.symbol, name=acquirer.description, isin=acquirer.isin
            ),
            received,
            action,
            cents(received * close),
        )
        stamp = f"{flex_date(day)};202500"
        self.lots[target.symbol] = []
        self.lots[acquirer.symbol].append(
            _Lot(action, stamp, day, received, basis, q8(basis / received), Decimal(1))
        )
        self.gone.add(target.symbol)
        self.merger_id = action

    # statements ---------------------------------------------------------------------

    def statement(self, index: int) -> Statement:
        month = self.months[index]
        held = self.positions.get(month.last, {})
        symbols = sorted(set(held) | month.touched)
        securities = [BY_SYMBOL[symbol] for symbol in symbols]
        period = (
            "LastMonth"
            if month.last == last_business_day(_month_end(month.first.replace(day=1)))
            else "MonthToDate"
        )
        generated_day = month.last + dt.timedelta(days=1)
        sections: list[tuple[str, tuple[Row, ...]]] = [
            (
                "AccountInformation",
                (("AccountInformation", _account_information(self.start)),),
            ),
            (
                "FIFOPerformanceSummaryInBase",
                tuple(self._fifo_summary(month, securities, held)),
            ),
            (
                "MTMPerformanceSummaryInBase",
                tuple(self._mtm_summary(index, securities, held)),
            ),
            ("OpenPositions", tuple(self._open_positions(month, held))),
            ("Trades", tuple(month.trades)),
            ("CorporateActions", tuple(month.actions)),
            ("CashTransactions", tuple(month.cash)),
            ("ConversionRates", tuple(self._conversion_rates(month))),
            (
                "SecuritiesInfo",
                tuple(("SecurityInfo", _security_info(s)) for s in securities),
            ),
        ]
        return Statement(
            from_date=month.first,
            to_date=month.last,
            period=period,
            generated=flex_stamp(generated_day, 5 * 3600 + self.rng.randint(0, 3599)),
            sections=tuple(sections),
        )

    def _open_positions(
        self, month: _Month, held: dict[str, tuple[Decimal, Decimal, Decimal]]
    ) -> list[Row]:
        day = month.last
        values = {
            symbol: quantity
            * self.price(symbol, day)
            * self.rate(BY_SYMBOL[symbol].currency, day)
            for symbol, (quantity, _, _) in held.items()
        }
        nav = sum(values.values(), _ZERO) + sum(
            (
                amount * self.rate(currency, day)
                for currency, amount in self.cash.items()
            ),
            _ZERO,
        )
        rows: list[Row] = []
        for symbol in sorted(held):
            security = BY_SYMBOL[symbol]
            quantity, basis, _ = held[symbol]
            mark = self.price(symbol, day)
            value = quantity * mark
            rows.append(
                (
                    "OpenPosition",
                    {
                        **_instrument(security, self.rate(security.currency, day)),
                        "reportDate": flex_date(day),
                        "position": num(quantity),
                        "markPrice": num(mark),
                        "positionValue": num(value),
                        "openPrice": num(q8(basis / quantity)),
                        "costBasisPrice": num(q8(basis / quantity)),
                        "costBasisMoney": num(q8(basis)),
                        "percentOfNAV": num(cents(100 * values[symbol] / nav))
                        if nav
                        else "0",
                        "fifoPnlUnrealized": num(q8(value - basis)),
                        "side": "Long" if quantity > 0 else "Short",
                        "levelOfDetail": "SUMMARY",
                        "openDateTime": "",
                        "holdingPeriodDateTime": "",
                        "vestingDate": "",
                        "code": "",
                        "originatingOrderID": "",
                        "originatingTransactionID": "",
                        "accruedInt": "",
                    },
                )
            )
        return rows

    def _fifo_summary(
        self,
        month: _Month,
        securities: list[Security],
        held: dict[str, tuple[Decimal, Decimal, Decimal]],
    ) -> list[Row]:
        day = month.last
        rows: list[Row] = []
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for security in securities:
            figures: dict[str, Decimal] = defaultdict(Decimal)
            for gain, long_term in month.realized.get(security.symbol, []):
                term = "LT" if long_term else "ST"
                kind = "Profit" if gain >= 0 else "Loss"
                figures[f"realized{term}{kind}"] += gain
            quantity, _, basis_base = held.get(security.symbol, (_ZERO,) * 3)
            unrealized = _ZERO
            if quantity:
                fx = self.rate(security.currency, day)
                value = quantity * self.price(security.symbol, day) * fx
                unrealized = q8(value - basis_base)
            realized = sum(figures.values(), _ZERO)
            kind = "Profit" if unrealized >= 0 else "Loss"
            figures[f"unrealized{kind}"] = unrealized
            attrs = {
                **_instrument(security, None),
                "reportDate": flex_date(day),
                "costAdj": "0",
                **{
                    name: num(figures[name])
                    for name in (
                        "realizedSTProfit",
                        "realizedSTLoss",
                        "realizedLTProfit",
                        "realizedLTLoss",
                    )
                },
                "totalRealizedPnl": num(realized),
                "unrealizedProfit": num(figures["unrealizedProfit"]),
                "unrealizedLoss": num(figures["unrealizedLoss"]),
                "totalUnrealizedPnl": num(unrealized),
                "totalFifoPnl": num(realized + unrealized),
                "transferredPnl": "0",
                "code": "",
            }
            totals["totalRealizedPnl"] += realized
            totals["totalUnrealizedPnl"] += unrealized
            rows.append(("FIFOPerformanceSummaryUnderlying", attrs))
        rows.append(
            (
                "FIFOPerformanceSummaryUnderlying",
                {
                    "accountId": ACCOUNT_ID,
                    "assetCategory": "",
                    "symbol": "",
                    "description": "Total (All Assets)",
                    "conid": "",
                    "reportDate": flex_date(day),
                    "totalRealizedPnl": num(totals["totalRealizedPnl"]),
                    "totalUnrealizedPnl": num(totals["totalUnrealizedPnl"]),
                    "totalFifoPnl": num(
                        totals["totalRealizedPnl"] + totals["totalUnrealizedPnl"]
                    ),
                },
            )
        )
        return rows

    def _mtm_summary(
        self,
        index: int,
        securities: list[Security],
        held: dict[str, tuple[Decimal, Decimal, Decimal]],
    ) -> list[Row]:
        month = self.months[index]
        previous = self.positions.get(self.months[index - 1].last, {}) if index else {}
        before = business_days(month.first - dt.timedelta(days=7), month.first)
        prior_day = before[-2] if len(before) > 1 and index else month.first
        rows: list[Row] = []
        grand = _ZERO
        for security in securities:
            symbol = security.symbol
            fx = self.rate(security.currency, month.last)
            close = self.price(symbol, month.last)
            prev_quantity = previous.get(symbol, (_ZERO,) * 3)[0]
            prev_close = self.price(symbol, prior_day)
            transaction = sum(
                (q * (close - price) * rate for q, price, rate in month.traded[symbol]),
                _ZERO,
            )
            prior = prev_quantity * (close - prev_close) * fx
            commissions = month.charges_base.get(symbol, _ZERO)
            total = cents(transaction + prior + commissions)
            grand += total
            rows.append(
                (
                    "MTMPerformanceSummaryUnderlying",
                    {
                        **_instrument(security, None),
                        "reportDate": flex_date(month.last),
                        "prevCloseQuantity": num(prev_quantity),
                        "prevClosePrice": num(prev_close),
                        "closeQuantity": num(held.get(symbol, (_ZERO,) * 3)[0]),
                        "closePrice": num(close),
                        "transactionMtm": num(cents(transaction)),
                        "priorOpenMtm": num(cents(prior)),
                        "commissions": num(cents(commissions)),
                        "other": "0",
                        "otherWithAccruals": "0",
                        "total": num(total),
                        "totalWithAccruals": num(total),
                        "code": "",
                    },
                )
            )
        rows.append(
            (
                "MTMPerformanceSummaryUnderlying",
                {
                    "accountId": ACCOUNT_ID,
                    "assetCategory": "",
                    "symbol": "",
                    "description": "Total P/L",
                    "conid": "",
                    "reportDate": "",
                    "total": num(grand),
                    "totalWithAccruals": num(grand),
                },
            )
        )
        return rows

    def _conversion_rates(self, month: _Month) -> list[Row]:
        rows: list[Row] = []
        day = month.first
        while day <= month.last:
            for currency in ("EUR", "GBP"):
                rows.append(
                    (
                        "ConversionRate",
                        {
                            "reportDate": flex_date(day),
                            "fromCurrency": currency,
                            "toCurrency": BASE_CURRENCY,
                            "rate": num(self.rate(currency, day)),
                        },
                    )
                )
            day += dt.timedelta(days=1)
        return rows


# -- row pieces ----------------------------------------------------------------------


def _charges(
    security: Security, quantity: Decimal, value: Decimal
) -> tuple[Decimal, Decimal]:
    """(commission, taxes), both negative: IBKR's fixed pricing, UK stamp duty."""
    if security.currency == "USD":
        commission = min(
            max(Decimal("1.00"), abs(quantity) * Decimal("0.005")), value / 100
        )
        return -commission.quantize(Decimal("0.0001")), _ZERO
    commission = cents(max(Decimal("3.00"), value * Decimal("0.0005")))
    stamp_duty = (
        cents(value * Decimal("0.005"))
        if security.currency == "GBP" and quantity > 0
        else _ZERO
    )
    return -commission, -stamp_duty


def _share(charges: Decimal, take: Decimal, total: Decimal) -> Decimal:
    return q8(charges * take / total)


def _spread(
    charges: Decimal, takes: list[Decimal], rest: Decimal, total: Decimal
) -> list[Decimal]:
    """Charges per piece by quantity; the last piece takes the remainder (as ours)."""
    parts = [*takes, rest] if rest > 0 else list(takes)
    if not parts:
        return []
    shares = [_share(charges, part, total) for part in parts[:-1]]
    shares.append(charges - sum(shares, _ZERO))
    return shares


def _settle(day: dt.date) -> dt.date:
    settle = day
    for _ in range(2):
        settle += dt.timedelta(days=1)
        while settle.weekday() >= _SATURDAY:
            settle += dt.timedelta(days=1)
    return settle


def _venue(security: Security, rng: random.Random) -> str:
    if security.currency == "USD":
        return rng.choice(("ISLAND", "ARCA", "NYSE", "IBKRATS", "DARK", "BATS"))
    return {
        "EUR": rng.choice(("IBIS2", "AEB", "CHIXEN")),
        "GBP": rng.choice(("LSE", "CHIXUK")),
    }[security.currency]


def _exec_id(rng: random.Random) -> str:
    return f"0000{rng.randrange(16**4):04x}.{rng.randrange(16**8):08x}.01.01"


def _instrument(
    security: Security, fx: Decimal | None, *, with_fx: bool = True
) -> dict[str, str]:
    attrs = {"accountId": ACCOUNT_ID, "acctAlias": "", "model": ""}
    if with_fx:
        attrs["currency"] = security.currency
        if fx is not None:
            attrs["fxRateToBase"] = num(fx)
    attrs.update(
        {
            "assetCategory": "STK",
            "subCategory": security.sub_category,
            "symbol": security.symbol,
            "description": security.description,
            "conid": security.conid,
            "securityID": security.isin,
            "securityIDType": "ISIN",
            "cusip": security.cusip,
            "isin": security.isin,
            "figi": "",
            "listingExchange": security.exchange,
            "underlyingConid": "",
            "underlyingSymbol": "",
            "underlyingSecurityID": "",
            "underlyingListingExchange": "",
            "issuer": "",
            "issuerCountryCode": security.country,
            "multiplier": "1",
            "strike": "",
            "expiry": "",
            "putCall": "",
            "principalAdjustFactor": "",
        }
    )
    if not with_fx:
        for name in ("accountId", "acctAlias", "model"):
            attrs.pop(name)
    return attrs


def _blank_instrument() -> dict[str, str]:
    return {
        "assetCategory": "",
        "subCategory": "",
        "symbol": "",
        "conid": "",
        "securityID": "",
        "securityIDType": "",
        "cusip": "",
        "isin": "",
        "figi": "",
        "listingExchange": "",
        "multiplier": "0",
    }


def _security_info(security: Security) -> dict[str, str]:
    return {
        "currency": security.currency,
        "assetCategory": "STK",
        "subCategory": security.sub_category,
        "symbol": security.symbol,
        "description": security.description,
        "conid": security.conid,
        "securityID": security.isin,
        "securityIDType": "ISIN",
        "cusip": security.cusip,
        "isin": security.isin,
        "figi": "",
        "listingExchange": security.exchange,
        "issuer": "",
        "issuerCountryCode": security.country,
        "multiplier": "1",
        "type": security.sub_category,
        "maturity": "",
        "issueDate": "",
        "principalAdjustFactor": "",
    }


def _account_information(opened: dt.date) -> dict[str, str]:
    return {
        "accountId": ACCOUNT_ID,
        "acctAlias": "Demo portfolio",
        "model": "",
        "currency": BASE_CURRENCY,
        "name": "Demo Investor",
        "accountType": "Individual",
        "customerType": "Individual",
        "accountCapabilities": "Margin",
        "tradingPermissions": "Stocks,Forex",
        "dateOpened": flex_date(opened - dt.timedelta(days=12)),
        "dateFunded": flex_date(opened),
        "dateClosed": "",
        "lastTradedDate": "",
        "masterName": "",
        "ibEntity": "IBLLC-US",
        "primaryEmail": "demo@example.invalid",
    }


def simulate(seed: int = DEFAULT_SEED, end: dt.date | None = None) -> SampleAccount:
    """Simulate the sample account over the `MONTHS` months ending `end`.

    Args:
        seed: the random seed; with the same `end`, the same seed gives the same rows.
        end: the last day of the history (its last business day is used);
            yesterday when None.

    Returns:
        The statements, the highlighted ids and counts by row kind.
    """
    # IBKR publishes a day's statement the next morning: the history ends yesterday.
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    return _Simulation(seed, end or yesterday).run()
