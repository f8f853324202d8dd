#!/usr/bin/env python
"""Run the benchmarks (`make bench`): each script in SCRIPTS, in turn, with this script's
arguments (e.g. --database-url postgres://...). Each prints its own Markdown tables."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = [
    "regions.py",  # load the whole country; region pages at scale
    "households.py",  # 300,000 households: seeding, the household list at depth
    "qr.py",  # 导出二维码信息: 100 / 1,000 / 3,000 households, against the QR-only floor
    "assessment.py",  # 脱贫 of 1,000 households in one batch; the exit list page
    "units.py",  # assigning households to a cadre; the yearly reset of a county
]


def main() -> int:
    failed = []
    for script in SCRIPTS:
        print(f"\n## bench/{script}\n", flush=True)
        if subprocess.call([sys.executable, str(BENCH / script), *sys.argv[1:]]) != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
