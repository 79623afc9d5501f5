"""`import_customers` of 100,000 new rows (and of 10,000, for flat memory) into a fresh
copy of the register each time, so every run imports into the same register and the
register measured elsewhere stays as generated."""

import csv
import random
from pathlib import Path

from benchmarks import env, finnish
from benchmarks.base import Context, Figure, flat
from benchmarks.measure import Run, interleaved, run_measured, summary

LARGE, SMALL = 100_000, 10_000
TARGET_ROWS_PER_S = 2_000
# The export's columns that an import of new customers takes (public_id empty: new rows).
HEADER = [
    "public_id", "kind", "name", "business_id", "email", "phone", "street_address",
    "postal_code", "city", "country", "language", "notes", "source", "obtained_at",
]  # fmt: skip


def write_csv(path: Path, rows: int, seed: int = 2026) -> None:
    """New, valid customers: Y-tunnus from a range the generator never uses (7000000 up),
    emails numbered past any register's size."""
    rng = random.Random(seed)  # noqa: S311 (repeatable data, no secrets)
    business_ids = finnish.business_ids(7_000_000, modulus=2_000_000)
    now = finnish.utc_now()
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            if rng.random() < 0.15:
                values = finnish.organization(rng, next(business_ids))
            else:
                values = finnish.person(rng, 50_000_000 + n)
            values["public_id"] = ""
            values["obtained_at"] = finnish.moment(rng, now, 1, 400).isoformat()
            writer.writerow([values[column] for column in HEADER])


def _import(ctx: Context, path: Path, rows: int) -> Run:
    copy = env.with_database(ctx.main, env.database_name(ctx.main) + "_import")
    env.create_database(copy, template=ctx.main)
    try:
        run = run_measured(
            [env.PYTHON, "manage.py", "import_customers", str(path)], ctx.env(copy), env.ROOT
        )
    finally:
        env.drop_database(copy)
    if f"{rows} new" not in run.stdout:
        raise RuntimeError(f"import_customers did not create {rows} rows: {run.stdout!r}")
    return run


def run(ctx: Context) -> list[Figure]:
    print(f"import_customers of {LARGE:,} and {SMALL:,} rows into a copy of {ctx.label(ctx.main)}")
    files = {rows: ctx.scratch / f"import-{rows}.csv" for rows in (LARGE, SMALL)}
    for rows, path in files.items():
        write_csv(path, rows)
    results = interleaved(
        {rows: (lambda r=rows: _import(ctx, files[r], r)) for rows in files}, ctx.repetitions
    )
    for path in files.values():
        path.unlink()
    rate = summary([LARGE / r.seconds for r in results[LARGE]])
    rate_small = summary([SMALL / r.seconds for r in results[SMALL]])
    peak = summary([r.peak_mb for r in results[LARGE]])
    peak_small = summary([r.peak_mb for r in results[SMALL]])
    return [
        Figure(
            f"import of {LARGE:,} rows",
            f"{rate.text('{:,.0f}', 'rows/s')} ({rate_small.text('{:,.0f}')} at {SMALL:,}); "
            f"peak {peak_small.text('{:.0f}')} MB at {SMALL:,} rows, {peak.text('{:.0f}')} MB "
            f"at {LARGE:,}",
            f"at least {TARGET_ROWS_PER_S:,} rows/s, peak memory flat",
            rate.median >= TARGET_ROWS_PER_S and flat(peak_small.median, peak.median),
            {
                "rows_per_s": rate.as_dict(),
                "rows_per_s_small": rate_small.as_dict(),
                "seconds": summary([r.seconds for r in results[LARGE]]).as_dict(),
                "peak_mb": peak.as_dict(),
                "peak_mb_small": peak_small.as_dict(),
            },
        )
    ]
