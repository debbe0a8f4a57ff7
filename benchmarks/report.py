"""Writes one benchmark's results into its own section of docs/benchmarks.md.

Each benchmark owns a section between HTML-comment markers, so scripts can be rerun one at
a time without clobbering the others' figures.
"""

from __future__ import annotations

import fcntl
import json
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results"
HEADER = (
    "# Benchmarks\n\n"
    "Measured by the scripts in `benchmarks/` (each section names its script). Timings are\n"
    "from the machine named in each section; compare ratios, not absolute seconds.\n"
)


def machine_describe() -> str:
    """One line naming the machine a figure was measured on."""
    import os

    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def section_write(name: str, markdown: str, data: dict | None = None) -> None:
    """Replace (or append) the section `name` in docs/benchmarks.md; save `data` as JSON."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    footer = f"_Measured {stamp} on {machine_describe()}._"
    body = f"<!-- {name}:start -->\n{markdown.rstrip()}\n\n{footer}\n<!-- {name}:end -->"
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    # Benchmarks often run side by side: the read-modify-write holds a lock, or one run's section
    # could overwrite the other's.
    with open(REPORT.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = REPORT.read_text() if REPORT.exists() else HEADER
        text = pattern.sub(lambda _m: body, text) if pattern.search(text) else text.rstrip() + "\n\n" + body + "\n"
        REPORT.write_text(text)
    if data is not None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, default=float) + "\n")
