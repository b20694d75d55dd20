"""Real Fama-French monthly factors, from the copy bundled inside the ``arch`` package.

``arch.data.frenchdata.load()`` mis-parses the file's ``YYYYMM`` index, so the bundled CSV is read
here directly and the month parsed with ``%Y%m``.
"""

from __future__ import annotations

from pathlib import Path

import arch.data.frenchdata
import pandas as pd

FRENCH_CSV = Path(arch.data.frenchdata.__file__).parent / "frenchdata.csv.gz"


def load_fama_french_monthly(path: Path = FRENCH_CSV) -> pd.DataFrame:
    """Monthly market excess return, SMB, HML and risk-free rate, as decimals.

    Returns one row per month with ``month_start`` and ``month_end`` (last calendar day). The
    Kenneth French library publishes a month's factors after it ends; ``month_end`` is the
    earliest date a model may use them.
    """
    raw = pd.read_csv(path, dtype={"Date": str})
    month = pd.to_datetime(raw["Date"].str.strip(), format="%Y%m")
    return pd.DataFrame(
        {
            "month_start": month,
            "month_end": month + pd.offsets.MonthEnd(0),
            "mkt_rf": raw["Mkt-RF"] / 100.0,
            "smb": raw["SMB"] / 100.0,
            "hml": raw["HML"] / 100.0,
            "rf": raw["RF"] / 100.0,
        }
    )
