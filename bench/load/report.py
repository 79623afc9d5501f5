"""Print the load test's figures and write them into the README's "Load test" table."""

import argparse
import csv
import os
import platform
import re
import subprocess
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- load-test:begin -->", "<!-- load-test:end -->"


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()}, PostgreSQL {pg or '?'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stats", type=Path)
    parser.add_argument("--users", required=True)
    parser.add_argument("--duration", required=True)
    parser.add_argument("--workers", required=True)
    parser.add_argument("--customers", required=True)
    args = parser.parse_args()
    rows = list(csv.DictReader(args.stats.open()))
    lines = [
        "| request | requests | failures | p50 (ms) | p95 (ms) | p99 (ms) | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} `{row['Name']}`"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    summary = (
        f"{args.users} users for {args.duration} against gunicorn ({args.workers} workers) "
        f"with {args.customers} customers; {machine()}; {date.today().isoformat()}."
    )
    table = "\n".join([summary, "", *lines])
    print(table)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = re.sub(
            re.escape(BEGIN) + r".*?" + re.escape(END),
            f"{BEGIN}\n{table}\n{END}",
            text,
            flags=re.S,
        )
        readme.write_text(text, encoding="utf-8")
        print("README.md updated.")


if __name__ == "__main__":
    main()
