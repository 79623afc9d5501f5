"""Rows/s and peak memory of `import_customers` of new customers on PostgreSQL, at
several file sizes, each into a fresh copy of an empty, migrated register (not a test;
the figure of the README's table comes from `bench/run.py --only import`).

    .venv/bin/python bench/import_bench_helper.py [--sizes 20000 100000] [--runs 3]

Needs /usr/bin/time (GNU time) for the peak RSS, and a PostgreSQL server at
127.0.0.1:5432 (user postgres, trust auth). The databases it makes are
`herocon_import_bench` (the one imported into) and `herocon_import_bench_tpl` (the empty
register it is copied from), both dropped at the end.
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.imports import write_csv

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET, TEMPLATE = "herocon_import_bench", "herocon_import_bench_tpl"
PSQL = shutil.which("psql") or "/usr/bin/psql"


def psql(*statements: str) -> None:
    for statement in statements:
        subprocess.run(  # noqa: S603 (fixed statements, our own database names)
            [PSQL, f"{SERVER}/postgres", "-qc", statement], check=True, capture_output=True
        )


def environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{database}",
        "DEBUG": "false",  # no query log
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
    }


def prepare_template() -> None:
    """An empty register as the setup leaves it: migrated, roles, consent texts, notice."""
    psql(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
    for command in ("migrate", "setup_roles", "setup_consents", "setup_notice"):
        subprocess.run(  # noqa: S603 (our interpreter and manage.py)
            [sys.executable, "manage.py", command],
            cwd=ROOT,
            env=environment(TEMPLATE),
            check=True,
            capture_output=True,
        )


def measure(path: Path, rows: int) -> tuple[float, float, float]:
    """Seconds (wall), CPU seconds and peak RSS (MB) of one import into a fresh copy."""
    psql(f"DROP DATABASE IF EXISTS {TARGET}", f"CREATE DATABASE {TARGET} TEMPLATE {TEMPLATE}")
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (GNU time, our interpreter and manage.py)
        ["/usr/bin/time", "-v", sys.executable, "manage.py", "import_customers", str(path)],
        cwd=ROOT,
        env=environment(TARGET),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode or f"{rows} new" not in done.stdout:
        raise RuntimeError(f"import_customers failed: {done.stdout}{done.stderr[-2000:]}")
    field = dict(re.findall(r"^\s*([^:\n]+): (.+)$", done.stderr, re.MULTILINE))
    cpu = float(field["User time (seconds)"]) + float(field["System time (seconds)"])
    return seconds, cpu, int(field["Maximum resident set size (kbytes)"]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    prepare_template()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            files = {size: Path(scratch) / f"new-{size}.csv" for size in args.sizes}
            for size, path in files.items():
                write_csv(path, size)
            results: dict[int, list[tuple[float, float, float]]] = {s: [] for s in files}
            for _run in range(args.runs):  # interleaved, so load changes hit every size
                for size, path in files.items():
                    results[size].append(measure(path, size))
    finally:
        psql(f"DROP DATABASE IF EXISTS {TARGET}", f"DROP DATABASE IF EXISTS {TEMPLATE}")
    print(f"import_customers of new customers, {args.runs} runs each, median (min–max):")
    for size, runs in results.items():
        rates = [size / seconds for seconds, _cpu, _rss in runs]
        cpu_rates = [size / cpu for _seconds, cpu, _rss in runs]
        peaks = [rss for _seconds, _cpu, rss in runs]
        print(
            f"  {size:>7,} rows: {statistics.median(rates):,.0f} rows/s "
            f"({min(rates):,.0f}–{max(rates):,.0f}); per CPU second of the command "
            f"{statistics.median(cpu_rates):,.0f}; peak RSS {statistics.median(peaks):.0f} MB "
            f"({min(peaks):.0f}–{max(peaks):.0f})"
        )


if __name__ == "__main__":
    main()
