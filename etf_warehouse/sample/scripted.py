"""The scripted special cases of the sample market: which slot gets which event, and when.

Slots are 0-based. A slot beyond ``n_etfs`` simply does not exist in a smaller universe, so a
12-fund test universe still carries the cases of its first 12 slots. Positions are fractions of
the fund's life (listing to delisting), turned into a session by :func:`position`.
"""

UNDECLARED_ACTIONS = {6: (0.55, 0.1), 10: (0.70, 3.0)}  # slot: (position in life, ratio)
DECLARED_ACTIONS = {14: (0.35, 2.0), 16: (0.60, 4.0), 17: (0.50, 0.2)}
BAD_TICKS = {4: (0.45, 1.6), 13: (0.73, 0.45)}  # slot: (position, close multiplier)
ZERO_PRICE = {8: 0.30}
OUTAGE = {9: (0.52, 8)}  # slot: (position, sessions missing)
STALE_RUN = {10: (0.25, 12)}  # slot: (position, sessions with no trade)
CONFLICTING_DUPLICATE = {3: 0.20}
FORCED_DELISTING = {11: 0.80}
MISSING_METADATA_SLOTS = (18, 28)


def position(listing: int, end: int, frac: float) -> int:
    """Session at fraction ``frac`` of the way from ``listing`` to ``end``."""
    return listing + int(frac * (end - listing))
