"""The daily features (the dbt model ``int_etf_features_daily``): each fund's momentum,
volatility, drawdown and liquidity over trailing windows of its own clean price rows.

The rules, all here. A window of N rows is the fund's last N rows up to and including the
current one (rows, not calendar days; the windows are the vars ``window_1m`` 21, ``window_3m``
63, ``window_6m`` 126 and ``window_12m`` 252 rows, and ``trading_days_per_year`` 252
annualises). Every value uses only rows dated on or before its own.

- **momentum** over 1, 3, 6 and 12 months: ``adj_close / adj_close N rows back - 1``; the
  12-1 month skip-month momentum: ``adj_close 1m back / adj_close 12m back - 1`` (it leaves out
  the short-term reversal of the last month). Null until the fund has N earlier rows.
- **realised volatility** over 1, 3 and 12 months: the sample standard deviation of the daily
  log returns, times ``sqrt(trading_days_per_year)``; the **3-month downside deviation**: the
  root mean square of ``min(log return, 0)``, annualised alike. Null unless all N log returns
  of the window are there.
- **drawdown**: ``adj_close / running peak - 1`` (0 at a new high, negative below it), the
  peak since the fund's first row; **max_drawdown_12m**: the deepest drawdown of the last 12
  months' rows (over the rows there are, at the start of a fund's history).
- **liquidity** over 1 and 3 months: mean daily volume in units (``adv_*_units``), mean daily
  traded value ``close * volume`` in the price currency (``traded_value_*``, split-proof);
  ``amihud_illiquidity_3m``: mean of ``min(|daily return| / traded value * 1e6, 1e6)`` over the
  days that traded (the price move per million traded); ``volume_trend``: ``ln(1-month / 6-month
  mean traded value)``; ``zero_volume_share_3m`` and ``stale_share_3m``: the share of days
  without volume, and of stale days (no trade, unchanged close). Means ignore missing values;
  null until the fund has N rows (6 months for the trend).
- **trend_200d**: ``adj_close`` over the mean ``adj_close`` of the fund's last 200 rows, minus
  1 (the 200-day trend, a yardstick the signal diagnostics compare with); null until the fund
  has 200 rows. The mean's sum adds the window's values in one fixed (pairwise) order, so it
  depends on those 200 values alone (SQL's windowed ``avg`` of doubles added them in an order
  that changed with the table's layout: last-bit differences).

**Exact sums.** Every mean and sum of squares is taken over fixed-point integers,
``round(x * scale)`` (log returns to 1e-12, volume to 1e-3 units, traded value to the cent,
the Amihud ratio to 1e-9; ``round`` halves away from zero), summed exactly and converted to a
double once, so a value depends only on its window's rows, bit for bit, whatever rows surround
them (the point-in-time rule: a live refresh equals a full build). The variance's numerator
``n * sum(q^2) - sum(q)^2`` needs up to ~106 bits: it is assembled exactly from 64-bit integer
parts and rounded to the nearest double. These are the values the SQL views this replaced
computed (DuckDB's windows over the same fixed-point integers, 128-bit sums): the tests check
them against that SQL, bit for bit.

Rows come in sorted by (ticker, price_date), whole funds at a time. In a 3,000-fund build the
SQL this replaced (four views, each sorting the prices for its windows, joined back) took
38.8 s and 74.9 CPU-seconds, the model 13.8 s and 26.3 (benchmarks/scale.md, "2026-12-07,
night").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etf_warehouse.frames import arrow_floats, whole_groups

# fixed-point scales (the SQL this replaced: macros/helpers/fixed_point.sql)
LOG_RETURN_SCALE = 1e12
VOLUME_SCALE = 1e3
TRADED_VALUE_SCALE = 1e2
AMIHUD_SCALE = 1e9
AMIHUD_CAP = 1e6  # a day's Amihud ratio, per million traded, at most this
TREND_WINDOW = 200  # rows of the 200-day trend's mean
# |q| below 2**45 (|log return| below 35) keeps every 64-bit part of the sums of squares exact
_SQUARES_EXACT_BELOW = 2**45

# the columns read from int_prices_adjusted, in (ticker, price_date) order
INPUT_COLUMNS = [
    "ticker",
    "price_date",
    "obs_index",
    "close",
    "adj_close",
    "daily_return",
    "log_return",
    "volume",
    "is_zero_volume",
    "is_stale",
    "has_detected_action",
    "sessions_missing_before",
]
BLOCK_ROWS = 1_000_000  # rows computed at a time (whole funds)

FEATURES = [
    "momentum_1m",
    "momentum_3m",
    "momentum_6m",
    "momentum_12m",
    "momentum_12_1",
    "realized_vol_1m_ann",
    "realized_vol_3m_ann",
    "realized_vol_12m_ann",
    "downside_vol_3m_ann",
    "drawdown",
    "max_drawdown_12m",
    "adv_1m_units",
    "adv_3m_units",
    "traded_value_1m",
    "traded_value_3m",
    "amihud_illiquidity_3m",
    "volume_ratio",  # volume_trend = ln(volume_ratio), taken by DuckDB (its ln, as the SQL's)
    "zero_volume_share_3m",
    "stale_share_3m",
    "trend_200d",
]
OUTPUT_SCHEMA = pa.schema(
    [
        ("ticker", pa.string()),
        ("price_date", pa.date32()),
        ("obs_index", pa.int64()),
        ("close", pa.float64()),
        ("adj_close", pa.float64()),
        ("daily_return", pa.float64()),
        ("log_return", pa.float64()),
        *[(feature, pa.float64()) for feature in FEATURES],
        ("is_stale", pa.bool_()),
        ("has_detected_action", pa.bool_()),
        ("sessions_missing_before", pa.int64()),
    ]
)


def output_columns() -> str:
    """The model's columns, in the table's order, as a DuckDB projection of ``OUTPUT_SCHEMA``:
    the volume trend is DuckDB's ``ln`` of the ratio (numpy's log may differ by an ulp)."""
    return ", ".join(
        "ln(volume_ratio) as volume_trend" if f.name == "volume_ratio" else f.name
        for f in OUTPUT_SCHEMA
    )


@dataclass(frozen=True)
class FeatureWindows:
    """The trailing windows, in rows (dbt vars of the same names)."""

    window_1m: int = 21
    window_3m: int = 63
    window_6m: int = 126
    window_12m: int = 252
    trading_days_per_year: int = 252

    @property
    def history_rows(self) -> int:
        """Rows of history the longest window needs (a live refresh reads this many before
        the new prices)."""
        return max(self.window_1m, self.window_3m, self.window_6m, self.window_12m, TREND_WINDOW)

    def __post_init__(self) -> None:
        for name in ("window_1m", "window_3m", "window_6m", "window_12m"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 row, got {getattr(self, name)}")


def fixed_point(values: np.ndarray, valid: np.ndarray, scale: float, what: str) -> np.ndarray:
    """``round(values * scale)`` as int64 where ``valid`` (0 elsewhere): rounded half away from
    zero, as SQL's ``round``. A value that is not finite or does not fit raises ValueError
    naming ``what`` (DuckDB's cast to BIGINT would fail on it too)."""
    scaled = np.where(valid, values, 0.0) * scale
    if not np.all(np.isfinite(scaled)) or np.any(np.abs(scaled) >= 2.0**63):
        bad = np.flatnonzero(~np.isfinite(scaled) | (np.abs(scaled) >= 2.0**63))[0]
        raise ValueError(
            f"{what} = {values[bad]!r} cannot be summed as a fixed-point integer "
            f"(x {scale:g} must be finite and below 2**63)"
        )
    whole = np.trunc(scaled)
    whole += np.where(np.abs(scaled - whole) >= 0.5, np.sign(scaled), 0.0)
    return whole.astype(np.int64)


def positions(fund: np.ndarray) -> np.ndarray:
    """Each row's position among its fund's rows (0 = the fund's first row here), for rows
    sorted by fund."""
    n = len(fund)
    new = np.ones(n, dtype=bool)
    new[1:] = fund[1:] != fund[:-1]
    starts = np.flatnonzero(new)
    return np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))


class Windows:
    """Trailing-window sums of the rows of whole funds sorted by (fund, date)."""

    def __init__(self, position: np.ndarray) -> None:
        self.position = position
        self.row = np.arange(len(position))

    def first_row(self, n: int) -> np.ndarray:
        """The first row of each row's window of ``n`` rows (fewer at a fund's start)."""
        return self.row - np.minimum(self.position, n - 1)

    def full(self, n: int) -> np.ndarray:
        """Whether the fund has ``n`` rows up to each row."""
        return self.position >= n - 1

    def sum(self, values: np.ndarray, n: int) -> np.ndarray:
        """Each window's sum of int64 ``values``, exact while every window's true sum fits
        64 bits (the running sums may wrap: their differences are taken modulo 2**64)."""
        running = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(values, out=running[1:])
        return running[self.row + 1] - running[self.first_row(n)]

    def count(self, valid: np.ndarray, n: int) -> np.ndarray:
        return self.sum(valid.astype(np.int64), n)

    def running_count(self, valid: np.ndarray) -> np.ndarray:
        """How many of the fund's rows up to each row are ``valid`` (a window from its first)."""
        return self.count(valid, len(valid) + 1)

    def lag(self, values: np.ndarray, k: int) -> np.ndarray:
        """``values`` ``k`` rows back in the fund, NaN where the fund has no such row."""
        lagged = np.full(len(values), np.nan)
        if k < len(values):
            lagged[k:] = values[:-k] if k else values
        lagged[self.position < k] = np.nan
        return lagged

    def float_sum(self, values: np.ndarray, n: int) -> np.ndarray:
        """Each full window's sum of the doubles ``values``, added in one fixed order (numpy's
        pairwise sum of exactly those ``n`` values), so it depends on them alone; NaN where the
        fund has fewer than ``n`` rows."""
        sums = np.full(len(values), np.nan)
        if len(values) >= n:
            sums[n - 1 :] = np.lib.stride_tricks.sliding_window_view(values, n).sum(axis=1)
        sums[~self.full(n)] = np.nan
        return sums

    def min(self, values: np.ndarray, n: int) -> np.ndarray:
        """Each window's minimum of ``values`` (a sparse table of minima over power-of-two
        spans: two lookups a window)."""
        first = self.first_row(n)
        length = self.row - first + 1
        level = np.floor(np.log2(length)).astype(np.intp)
        result = np.empty(len(values))
        table = values.copy()
        span = 1
        for k in range(int(level.max()) + 1 if len(values) else 0):
            if k:
                shifted = np.full(len(values), np.inf)
                shifted[span:] = table[:-span]
                table = np.minimum(table, shifted)  # min of the 2**k rows ending at each row
                span *= 2
            at = np.flatnonzero(level == k)
            result[at] = np.minimum(table[self.row[at]], table[first[at] + span - 1])
        return result


def int128_to_double(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """The nearest double to each ``upper * 2**64 + lower`` (``upper`` >= 0 below 2**53,
    ``lower`` the unsigned low 64 bits), rounded half to even as DuckDB's HUGEINT -> DOUBLE
    cast: the top 64 bits with a sticky bit for the rest, rounded once, scaled back."""
    upper = upper.astype(np.uint64)
    lower = lower.view(np.uint64) if lower.dtype == np.int64 else lower.astype(np.uint64)
    result = lower.astype(np.float64)  # correctly rounded where upper is 0
    high = upper > 0
    if high.any():
        u, lo = upper[high], lower[high]
        _, bits = np.frexp(u.astype(np.float64))  # 2**(bits-1) <= u < 2**bits (u < 2**53)
        shift = bits.astype(np.uint64)
        top = (u << (np.uint64(64) - shift)) | (lo >> shift)
        rest = lo & ((np.uint64(1) << shift) - np.uint64(1))
        top |= (rest != 0).astype(np.uint64)  # sticky: breaks a tie the way the rest does
        result[high] = np.ldexp(top.astype(np.float64), bits)
    return result


def _assemble(
    sa: np.ndarray,
    sab: np.ndarray,
    sb: np.ndarray,
    count: np.ndarray | None = None,
    total: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(upper, lower) of ``S = sa * 2**42 + sab * 2**21 + sb``, or of ``count * S - total**2``:
    an integer known to be >= 0 and below 2**116, as its high 64 bits and its low 64 bits
    (unsigned, in an int64 array). The low bits are exact in wrapping unsigned arithmetic; the
    high ones are what the low ones leave of a double estimate, whose error (below 2**60 for
    these magnitudes) is far below 2**64."""
    u = np.uint64
    with np.errstate(over="ignore"):
        low = (sa.view(u) << u(42)) + (sab.view(u) << u(21)) + sb.view(u)
        estimate = sa * 2.0**42 + sab * 2.0**21 + sb.astype(np.float64)
        if count is not None and total is not None:
            low = count.view(u) * low - total.view(u) * total.view(u)
            estimate = count * estimate - total.astype(np.float64) ** 2
    upper = np.rint((estimate - low.astype(np.float64)) / 2.0**64)
    return np.maximum(upper, 0).astype(np.int64), low.view(np.int64)


def _square_parts(q: np.ndarray, windows: Windows, n: int):
    """Window sums of the three parts of q^2 (q = a * 2**21 + b, 0 <= b < 2**21: q^2 =
    a^2 * 2**42 + 2ab * 2**21 + b^2), each within 64 bits for |q| < 2**45."""
    if q.size and np.abs(q).max() >= _SQUARES_EXACT_BELOW:
        raise ValueError(
            f"a log return of {np.abs(q).max() / LOG_RETURN_SCALE:g} is beyond what the exact "
            "volatility sums hold (|log return| below 35)"
        )
    a, b = q >> 21, q & (2**21 - 1)
    return windows.sum(a * a, n), windows.sum(2 * a * b, n), windows.sum(b * b, n)


def exact_stddev(q: np.ndarray, windows: Windows, n: int) -> np.ndarray:
    """Each window's sample standard deviation of the fixed-point ``q`` (in q's units, every
    row valid): ``sqrt((n * sum(q^2) - sum(q)^2) / (n * (n - 1)))``, the numerator exact and
    rounded to a double once; NaN where ``n < 2``."""
    count = np.full(len(q), n, dtype=np.int64)
    numerator = int128_to_double(
        *_assemble(*_square_parts(q, windows, n), count, windows.sum(q, n))
    )
    if n < 2:
        return np.full(len(q), np.nan)
    return np.sqrt(numerator / float(n * (n - 1)))


def exact_square_mean(q: np.ndarray, windows: Windows, n: int) -> np.ndarray:
    """Each window's ``sum(q^2) / n`` (exact sum, one rounding to a double, then divided)."""
    return int128_to_double(*_assemble(*_square_parts(q, windows, n))) / n


def exact_mean(fixed: np.ndarray, valid: np.ndarray, windows: Windows, n: int, scale: float):
    """Each window's mean of the fixed-point ``fixed`` over its valid values, back in the
    value's units, ``sum / (count * scale)``, and whether it has one (a valid value)."""
    total = windows.sum(np.where(valid, fixed, 0), n)
    count = windows.count(valid, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return total.astype(np.float64) / (count * scale), count > 0


def _column(rows: pa.Table, name: str) -> pa.Array:
    column = rows.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def feature_batch(
    rows: pa.Table,
    windows: FeatureWindows,
    earlier_peak: dict[str, float] | None = None,
) -> pa.RecordBatch:
    """The features of ``rows``: whole funds of int_prices_adjusted (``INPUT_COLUMNS``) sorted
    by (ticker, price_date); the result keeps that order (``OUTPUT_SCHEMA``). A live refresh
    reads each fund's rows from a date on and passes ``earlier_peak``, each fund's highest
    adj_close before them (the running peak goes on from it)."""
    tickers = _column(rows, "ticker")
    encoded = pc.dictionary_encode(tickers)
    fund = encoded.indices.to_numpy(zero_copy_only=False)
    day = _column(rows, "price_date").cast(pa.int32()).to_numpy(zero_copy_only=False)
    new_fund = np.ones(len(fund), dtype=bool)
    new_fund[1:] = fund[1:] != fund[:-1]
    if np.count_nonzero(new_fund) != len(encoded.dictionary) or np.any(
        (day[1:] <= day[:-1]) & ~new_fund[1:]
    ):
        raise ValueError("int_prices_adjusted rows must come sorted by (ticker, price_date)")
    win = Windows(positions(fund))
    inputs = {
        name: arrow_floats(_column(rows, name))
        for name in ("close", "adj_close", "daily_return", "log_return", "volume")
    }
    for flag in ("is_zero_volume", "is_stale"):
        column = _column(rows, flag)
        inputs[flag] = (
            column.fill_null(False).to_numpy(zero_copy_only=False).astype(np.int64),
            np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool),
        )
    before = None
    if earlier_peak:
        funds = encoded.dictionary.to_pylist()
        before = (
            np.array([earlier_peak.get(t, np.nan) for t in funds])[fund],
            np.array([earlier_peak.get(t) is not None for t in funds])[fund],
        )
    out = {
        **_momentum(*inputs["adj_close"], win, windows),
        **_volatility(*inputs["log_return"], win, windows),
        **_drawdowns(*inputs["adj_close"], win, windows, before),
        **_liquidity(inputs, win, windows),
    }
    columns = [tickers.cast(pa.string())] + [
        _column(rows, name)
        for name in ("price_date", "obs_index", "close", "adj_close", "daily_return", "log_return")
    ]
    columns += [pa.array(out[f][0], type=pa.float64(), mask=~out[f][1]) for f in FEATURES]
    columns += [
        _column(rows, name)
        for name in ("is_stale", "has_detected_action", "sessions_missing_before")
    ]
    return pa.RecordBatch.from_arrays(
        [c.cast(t.type) for c, t in zip(columns, OUTPUT_SCHEMA, strict=True)], schema=OUTPUT_SCHEMA
    )


Feature = tuple[np.ndarray, np.ndarray]  # (values, whether each is there: False = null)


def _momentum(adj: np.ndarray, adj_ok: np.ndarray, win: Windows, windows: FeatureWindows):
    out: dict[str, Feature] = {}
    lags = {}
    for k in {windows.window_1m, windows.window_3m, windows.window_6m, windows.window_12m}:
        lagged_ok = win.lag(adj_ok.astype(np.float64), k) == 1.0
        lags[k] = (win.lag(adj, k), lagged_ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        for label, k in (
            ("1m", windows.window_1m),
            ("3m", windows.window_3m),
            ("6m", windows.window_6m),
            ("12m", windows.window_12m),
        ):
            lag, lag_ok = lags[k]
            out[f"momentum_{label}"] = (adj / lag - 1, adj_ok & lag_ok)
        (l1, ok1), (l12, ok12) = lags[windows.window_1m], lags[windows.window_12m]
        out["momentum_12_1"] = (l1 / l12 - 1, ok1 & ok12)
    return out


def _volatility(lr: np.ndarray, lr_ok: np.ndarray, win: Windows, windows: FeatureWindows):
    out: dict[str, Feature] = {}
    q = fixed_point(lr, lr_ok, LOG_RETURN_SCALE, "log_return")
    annual = math.sqrt(windows.trading_days_per_year)
    for label, n in (
        ("1m", windows.window_1m),
        ("3m", windows.window_3m),
        ("12m", windows.window_12m),
    ):
        full = win.count(lr_ok, n) == n
        out[f"realized_vol_{label}_ann"] = (
            exact_stddev(q, win, n) / LOG_RETURN_SCALE * annual,
            full & (n > 1),
        )
    n = windows.window_3m
    downside = fixed_point(
        np.minimum(np.where(lr_ok, lr, 0.0), 0.0),
        np.ones(len(lr), bool),
        LOG_RETURN_SCALE,
        "log_return",
    )
    out["downside_vol_3m_ann"] = (
        np.sqrt(exact_square_mean(downside, win, n) * windows.trading_days_per_year)
        / LOG_RETURN_SCALE,
        win.count(lr_ok, n) == n,
    )
    return out


def _drawdowns(adj, adj_ok, win: Windows, windows: FeatureWindows, before) -> dict[str, Feature]:
    """The drawdowns, and the 200-day trend (a ratio to a trailing mean of the same index)."""
    peak, peak_ok = running_peak(adj, adj_ok, win, before)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = adj / peak - 1
    drawdown_ok = adj_ok & peak_ok
    n = TREND_WINDOW
    count = win.count(adj_ok, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = adj / (win.float_sum(np.where(adj_ok, adj, 0.0), n) / count) - 1
    return {
        "drawdown": (drawdown, drawdown_ok),
        "max_drawdown_12m": window_min(drawdown, drawdown_ok, win, windows.window_12m),
        "trend_200d": (trend, adj_ok & win.full(n) & (count > 0)),
    }


def _liquidity(inputs: dict[str, Feature], win: Windows, windows: FeatureWindows):
    out: dict[str, Feature] = {}
    (close, close_ok), (volume, volume_ok) = inputs["close"], inputs["volume"]
    traded = close * volume
    traded_ok = close_ok & volume_ok
    volume_fp = fixed_point(volume, volume_ok, VOLUME_SCALE, "volume")
    traded_fp = fixed_point(traded, traded_ok, TRADED_VALUE_SCALE, "close * volume")
    dr, dr_ok = inputs["daily_return"]
    amihud_ok = traded_ok & (traded > 0) & dr_ok
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.fmin(np.abs(dr) / traded * 1e6, AMIHUD_CAP)  # NaN loses to the cap, as SQL
    amihud_fp = fixed_point(ratio, amihud_ok, AMIHUD_SCALE, "the Amihud ratio")
    means = {}
    for label, n in (
        ("1m", windows.window_1m),
        ("3m", windows.window_3m),
        ("6m", windows.window_6m),
    ):
        full = win.full(n)
        units, units_ok = exact_mean(volume_fp, volume_ok, win, n, VOLUME_SCALE)
        value, value_ok = exact_mean(traded_fp, traded_ok, win, n, TRADED_VALUE_SCALE)
        means[label] = (value, value_ok)
        if label != "6m":
            out[f"adv_{label}_units"] = (units, full & units_ok)
            out[f"traded_value_{label}"] = (value, full & value_ok)
    n = windows.window_3m
    amihud, amihud_mean_ok = exact_mean(amihud_fp, amihud_ok, win, n, AMIHUD_SCALE)
    out["amihud_illiquidity_3m"] = (amihud, win.full(n) & amihud_mean_ok)
    (short, short_ok), (long, long_ok) = means["1m"], means["6m"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["volume_ratio"] = (
            short / long,
            win.full(windows.window_6m) & short_ok & long_ok & (short != 0) & (long != 0),
        )
    for name, flag in (("zero_volume_share_3m", "is_zero_volume"), ("stale_share_3m", "is_stale")):
        share, share_ok = exact_mean(*inputs[flag], win, n, 1.0)
        out[name] = (share, win.full(n) & share_ok)
    return out


def running_peak(values, valid, windows: Windows, before=None) -> Feature:
    """Each row's running peak: the highest ``values`` of its fund up to it (nulls skipped, NaN
    above every number, as SQL's max), and ``before`` (each row's fund's peak before the rows
    read, with whether it has one: a live refresh's) taken into it; with whether there is
    one."""
    key = np.where(valid, values, -np.inf)
    peak = np.empty(len(values))
    starts = np.flatnonzero(windows.position == 0)
    for start, end in zip(starts, np.append(starts[1:], len(values)), strict=True):
        np.maximum.accumulate(key[start:end], out=peak[start:end])  # NaN carries on, as in SQL
    seen = windows.running_count(valid) > 0
    if before is None:
        return peak, seen
    before, before_ok = before
    both = seen & before_ok
    combined = np.where(seen, peak, before)
    combined[both] = np.maximum(peak[both], before[both])
    return combined, seen | before_ok


def window_min(values, valid, windows: Windows, n: int) -> Feature:
    """Each window's minimum of ``values`` (nulls skipped; NaN above every number, so the
    minimum only where the window has nothing else), with whether there is one."""
    number = valid & ~np.isnan(values)
    minimum = windows.min(np.where(number, values, np.inf), n)
    has_number = windows.count(number, n) > 0
    has_nan = windows.count(valid & np.isnan(values), n) > 0
    return np.where(has_number, minimum, np.nan), has_number | has_nan


def feature_batches(
    batches: Iterable[pa.RecordBatch],
    windows: FeatureWindows,
    *,
    earlier_peak: dict[str, float] | None = None,
    min_rows: int = BLOCK_ROWS,
    threads: int = 1,
) -> Iterator[pa.RecordBatch]:
    """The features of ``batches`` (int_prices_adjusted's ``INPUT_COLUMNS`` sorted by (ticker,
    price_date), cut anywhere), computed whole funds at a time (:func:`feature_batch`), at
    least ``min_rows`` rows a block, ``threads`` blocks at once; in the rows' order."""
    blocks = whole_groups(batches, "ticker", min_rows)
    if threads <= 1:
        for block in blocks:
            yield feature_batch(block, windows, earlier_peak)
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending = []
        for block in blocks:
            pending.append(pool.submit(feature_batch, block, windows, earlier_peak))
            if len(pending) > threads:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
