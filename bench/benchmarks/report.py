"""Results: one JSON file per database and size, and the README's table made from them
(between `<!-- bench:begin -->` and `<!-- bench:end -->`), with the machine they ran on."""

import json
import os
import platform
import re
import sqlite3
import subprocess
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks import env
from benchmarks.base import Context, Figure

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ENGINES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown CPU"


def _memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s+([0-9]+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 2**20 if match else None


def _database_version(ctx: Context) -> str:
    if not ctx.postgres:
        return f"SQLite {sqlite3.sqlite_version}"
    done = subprocess.run(  # noqa: S603 (psql, a fixed query)
        ["psql", ctx.main, "-X", "-At", "-c", "SHOW server_version"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return f"PostgreSQL {done.stdout.strip().split()[0]}"


def machine(ctx: Context) -> dict[str, object]:
    memory = _memory_gib()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(memory, 1) if memory else None,
        "os": f"{platform.system()} {platform.release()}",
        "database": _database_version(ctx),
        "python": platform.python_version(),
        "django": version("django"),
    }


def result_path(results_dir: Path, ctx: Context) -> Path:
    return results_dir / f"{ctx.engine}-{ctx.size}.json"


def save(
    results_dir: Path,
    ctx: Context,
    figures: dict[str, list[Figure]],
    generation: dict[str, dict],
    order: list[str],
) -> Path:
    """Write the run's figures by benchmark; a partial run (--only) keeps the figures of
    the other benchmarks from the earlier file."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = result_path(results_dir, ctx)
    merged = {name: [f.as_dict() for f in found] for name, found in figures.items()}
    if path.exists():
        earlier = json.loads(path.read_text()).get("benchmarks", {})
        merged = {**earlier, **merged}
    merged = {name: merged[name] for name in order if name in merged}
    document = {
        "engine": ctx.engine,
        "size": ctx.size,
        "databases": {
            "main": env.database_name(ctx.main),
            "small": env.database_name(ctx.small),
            "baseline": env.database_name(ctx.baseline),
        },
        "repetitions": ctx.repetitions,
        "page_repetitions": ctx.page_repetitions,
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(ctx),
        "generation": generation,
        "benchmarks": merged,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def _table(document: dict) -> str:
    m = document["machine"]
    generated = document["generation"].get(document["databases"]["main"], {})
    made = (
        f" Generating it took {generated['seconds']:.0f} s ({sum(generated['rows'].values()):,} rows)."
        if generated.get("seconds")
        else ""
    )
    events = generated.get("audit_events")
    lines = [
        f"**{ENGINES[document['engine']]}, {document['size']:,} customers**"
        + (f" ({events:,} audit events)" if events else "")
        + f", {document['finished_at'][:10]}: {m['database']}; {m['cores']} cores ({m['cpu']}), "
        f"{m['ram_gib']} GiB RAM, {m['os']}; Python {m['python']}, Django {m['django']}. "
        f"Medians (min–max) of {document['repetitions']} interleaved runs "
        f"({document['page_repetitions']} for pages).{made}",
        "",
        "| figure | measured | target | pass/fail |",
        "|---|---|---|---|",
    ]
    for figure in (f for found in document["benchmarks"].values() for f in found):
        verdict = {True: "pass", False: "**fail**", None: "–"}[figure["passed"]]
        lines.append(
            f"| {figure['figure']} | {figure['measured']} | {figure['target']} | {verdict} |"
        )
    return "\n".join(lines)


def render(results_dir: Path) -> str:
    """Every result file, PostgreSQL first, the largest register first."""
    documents = [json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json"))]
    documents.sort(key=lambda d: (d["engine"] != "postgres", -d["size"]))
    return "\n\n".join(_table(d) for d in documents)


def update_readme(readme: Path, results_dir: Path) -> None:
    """Replace what stands between the markers (appending them when missing)."""
    block = f"{BEGIN}\n{render(results_dir)}\n{END}"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    readme.write_text(text, encoding="utf-8")
