"""How long is a build silent inside its Python models? (issue 19: progress at least every 30 s)

Runs ``dbt build`` on a generated sample market (``--n-etfs`` funds, ``--years`` years) into a
throw-away warehouse, stamps every line dbt and the models print with the time it arrived, and
for each Python model reports its wall time and the longest stretch without a line naming it
(its dbt START line, the progress lines of etf_warehouse.progress, its OK line).

    .venv/bin/python benchmarks/progress_gaps.py --n-etfs 1000 --workdir /tmp/progress1000

Exit status 1 when a model was silent longer than ``--max-gap`` seconds (default 30).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START = re.compile(r"START python (?:table|incremental) model main\.(\w+)")
END = re.compile(r"(?:OK created|ERROR creating) python (?:table|incremental) model main\.(\w+)")
PROGRESS = re.compile(r"\[etfw \d\d:\d\d:\d\d\] (\w+): ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-etfs", type=int, default=1000)
    parser.add_argument("--years", type=float, default=20.0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/progress_gaps"))
    parser.add_argument("--max-gap", type=float, default=30.0)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--vars",
        json.dumps({"sample_n_etfs": args.n_etfs, "sample_years": args.years}),
        "--target-path",
        str(args.workdir / "target"),
        "--log-path",
        str(args.workdir / "logs"),
    ]
    env = {**os.environ, "ETF_WAREHOUSE_PATH": str(args.workdir / "warehouse.duckdb")}
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[tuple[float, str]] = []
    assert proc.stdout is not None
    with (args.workdir / "build_output.txt").open("w") as log:
        for line in proc.stdout:
            stamp = time.monotonic() - started
            lines.append((stamp, line.rstrip("\n")))
            log.write(f"{stamp:8.1f} {line}")
    status = proc.wait()
    total = time.monotonic() - started

    seen: dict[str, list[float]] = {}
    for stamp, line in lines:
        for pattern in (START, END, PROGRESS):
            match = pattern.search(line)
            if match:
                seen.setdefault(match.group(1), []).append(stamp)
                break
    print(f"dbt build of {args.n_etfs} funds x {args.years:g} years: exit {status}, {total:.0f} s")
    print(f"{'python model':28s} {'wall s':>8s} {'lines':>6s} {'longest silence s':>18s}")
    worst = 0.0
    for model, stamps in sorted(seen.items(), key=lambda kv: kv[1][0]):
        if len(stamps) < 2:
            continue
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        wall = stamps[-1] - stamps[0]
        worst = max(worst, max(gaps))
        print(f"{model:28s} {wall:8.1f} {len(stamps):6d} {max(gaps):18.1f}")
    print(f"longest silence inside a Python model: {worst:.1f} s (limit {args.max_gap:g} s)")
    return 0 if status == 0 and worst <= args.max_gap else 1


if __name__ == "__main__":
    raise SystemExit(main())
