"""The daily jobs at the full register and at a tenth of it: `verify_audit_log` (events a
second, constant memory), `purge_expired` and `expire_staff_access` (minutes at most,
bounded memory).

The generator leaves a day's work for the jobs: a few persons past the retention, a few
role grants just ended. The first run does it, the later ones find (next to) nothing, so
the spread shows both a working day and an idle one.
"""

import re

from benchmarks import env
from benchmarks.base import Context, Figure, flat
from benchmarks.measure import Run, interleaved, run_measured, summary

VERIFY_TARGET = 100_000  # events a second
JOB_LIMIT_S = 300


def _command(ctx: Context, url: str, *argv: str) -> Run:
    return run_measured([env.PYTHON, "manage.py", *argv], ctx.env(url), env.ROOT)


def _verified(run: Run) -> int:
    match = re.search(r"([0-9]+) events verified", run.stdout)
    if match is None:
        raise RuntimeError(f"verify_audit_log said {run.stdout!r}")
    return int(match.group(1))


def _sides(ctx: Context, *argv: str) -> dict[str, list[Run]]:
    sides = {
        "small": lambda: _command(ctx, ctx.small, *argv),
        "large": lambda: _command(ctx, ctx.main, *argv),
    }
    return interleaved(sides, ctx.repetitions)


def verify(ctx: Context) -> list[Figure]:
    print("verify_audit_log")
    runs = _sides(ctx, "verify_audit_log")
    events = _verified(runs["large"][-1])
    rate = summary([_verified(r) / r.seconds for r in runs["large"]])
    peak, peak_small = (summary([r.peak_mb for r in runs[k]]) for k in ("large", "small"))
    seconds = summary([r.seconds for r in runs["large"]])
    return [
        Figure(
            f"`verify_audit_log` over {events:,} events",
            f"{rate.text('{:,.0f}', 'events/s')} ({seconds.text('{:.1f}', 's')}); peak "
            f"{peak_small.text('{:.0f}')} MB at {ctx.label(ctx.small)}, {peak.text('{:.0f}')} MB "
            f"at {ctx.label(ctx.main)}",
            f"constant memory, at least {VERIFY_TARGET:,} events/s",
            rate.median >= VERIFY_TARGET and flat(peak_small.median, peak.median),
            {
                "events": events,
                "events_per_s": rate.as_dict(),
                "seconds": seconds.as_dict(),
                "peak_mb": peak.as_dict(),
                "peak_mb_small": peak_small.as_dict(),
            },
        )
    ]


def _job(ctx: Context, command: str, work: str) -> Figure:
    runs = _sides(ctx, command)
    seconds = summary([r.seconds for r in runs["large"]])
    peak, peak_small = (summary([r.peak_mb for r in runs[k]]) for k in ("large", "small"))
    first = runs["large"][0].stdout
    done = re.search(work, first)
    return Figure(
        f"`{command}`",
        f"{seconds.text('{:.1f}', 's')}; peak {peak_small.text('{:.0f}')} MB at "
        f"{ctx.label(ctx.small)}, {peak.text('{:.0f}')} MB at {ctx.label(ctx.main)}"
        + (f"; first run: {done.group(0)}" if done else ""),
        f"under {JOB_LIMIT_S // 60} minutes, bounded memory",
        seconds.high < JOB_LIMIT_S and flat(peak_small.median, peak.median),
        {
            "seconds": seconds.as_dict(),
            "peak_mb": peak.as_dict(),
            "peak_mb_small": peak_small.as_dict(),
            "first_run_output": first,
        },
    )


def jobs(ctx: Context) -> list[Figure]:
    print("purge_expired and expire_staff_access")
    return [
        _job(ctx, "purge_expired", r"[0-9]+ customer\(s\) were erased"),
        _job(ctx, "expire_staff_access", r"[0-9]+ expired grant\(s\) removed"),
    ]
