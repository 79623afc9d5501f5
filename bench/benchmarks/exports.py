"""`export_register customers` against the database's own COPY of the same columns, and
the export's peak memory at a tenth of the register and at all of it."""

from pathlib import Path

from benchmarks import env
from benchmarks.base import Context, Figure, flat
from benchmarks.measure import Run, interleaved, run_measured, summary

# CustomerResource.Meta.fields (customers/resources.py): the export's columns, in order.
COLUMNS = [
    "public_id", "kind", "name", "business_id", "email", "phone", "street_address",
    "postal_code", "city", "country", "language", "restricted", "notes", "source",
    "obtained_at", "created_at", "updated_at",
]  # fmt: skip
MEMORY_LIMIT_MB = 100


def _export(ctx: Context, url: str, output: Path) -> Run:
    argv = [env.PYTHON, "manage.py", "export_register", "customers", "--output", str(output)]
    return run_measured(argv, ctx.env(url), env.ROOT)


def _copy(ctx: Context, url: str, output: Path) -> Run:
    """The database's own CSV writer over the same columns: psql's \\copy (COPY ... TO
    STDOUT) on PostgreSQL, the sqlite3 shell's CSV mode on SQLite."""
    select = f"SELECT {', '.join(COLUMNS)} FROM customers_customer ORDER BY id"  # noqa: S608 (constants)
    if env.is_sqlite(url):
        argv = ["sqlite3", "-csv", "-header", str(env.sqlite_path(url)), select]
        return run_measured(argv, ctx.env(url), env.ROOT, stdout_path=output)
    copy = f"\\copy ({select}) TO '{output}' WITH (FORMAT csv, HEADER)"
    argv = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", copy]
    return run_measured(argv, ctx.env(url), env.ROOT)


def run(ctx: Context) -> list[Figure]:
    files = {name: ctx.scratch / f"{name}.csv" for name in ("export", "copy", "export-small")}
    sides = {
        "export": lambda: (_export(ctx, ctx.main, files["export"]), files["export"].stat().st_size),
        "copy": lambda: (_copy(ctx, ctx.main, files["copy"]), files["copy"].stat().st_size),
        "export-small": lambda: (_export(ctx, ctx.small, files["export-small"]), 0),
    }
    database = "COPY" if ctx.postgres else "sqlite3 -csv"
    print(f"export_register customers vs {database}")
    results = interleaved(sides, ctx.repetitions)
    header = files["export"].open(encoding="utf-8-sig").readline().strip().split(",")
    export_bytes, copy_bytes = results["export"][0][1], results["copy"][0][1]
    for path in files.values():
        path.unlink(missing_ok=True)

    export_s = summary([r.seconds for r, _ in results["export"]])
    copy_s = summary([r.seconds for r, _ in results["copy"]])
    export_rate = summary([export_bytes / 1e6 / r.seconds for r, _ in results["export"]])
    copy_rate = summary([copy_bytes / 1e6 / r.seconds for r, _ in results["copy"]])
    ratio = export_rate.median / copy_rate.median
    peak = summary([r.peak_mb for r, _ in results["export"]])
    peak_small = summary([r.peak_mb for r, _ in results["export-small"]])
    note = "" if header == COLUMNS else f" (export header differs: {header})"
    return [
        Figure(
            "`export_register customers` throughput",
            f"{export_rate.text('{:.1f}', 'MB/s')} in {export_s.text(unit='s')} vs {database} "
            f"{copy_rate.text('{:.1f}', 'MB/s')} in {copy_s.text(unit='s')}: "
            f"**{ratio:.2f}x** of {database}{note}",
            f"at least 0.5x of {database}",
            ratio >= 0.5,
            {
                "export_seconds": export_s.as_dict(),
                "copy_seconds": copy_s.as_dict(),
                "export_mb_per_s": export_rate.as_dict(),
                "copy_mb_per_s": copy_rate.as_dict(),
                "export_bytes": export_bytes,
                "copy_bytes": copy_bytes,
                "ratio": ratio,
            },
        ),
        Figure(
            "its peak memory (RSS)",
            f"{peak_small.text('{:.0f}', 'MB')} at {ctx.label(ctx.small)}, "
            f"{peak.text('{:.0f}', 'MB')} at {ctx.label(ctx.main)}",
            f"under {MEMORY_LIMIT_MB} MB, flat",
            peak.median < MEMORY_LIMIT_MB and flat(peak_small.median, peak.median),
            {"peak_mb": peak.as_dict(), "peak_mb_small": peak_small.as_dict()},
        ),
    ]
