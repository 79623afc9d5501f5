"""Peak memory and time of exporting the customer register (`make bench`; not a test).

DESIGN.md promises that `export_register` streams, so its memory stays flat however large
the register, while django-import-export's `Resource.export()` builds the whole file in
memory. This fills a throwaway SQLite database with N customers and measures both, each in
its own process, next to a baseline process that only starts Django.

Peak RSS is read by a small runner process (`--child measure`) from its one child's
rusage: a process forked straight from this one would report at least this process's own
RSS (Linux carries the parent's high-water mark into the child at fork and exec), and this
process holds the whole generated register.

    .venv/bin/python bench/export_memory.py [--sizes 10000 100000]
"""

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measurement:
    rows: int
    method: str
    seconds: float
    peak_rss_mib: float
    output_mib: float


def _django_env(data_dir: Path) -> dict[str, str]:
    """A production-like environment (DEBUG off, so no query log grows) on a temp database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DATA_DIR": str(data_dir),
            "DEBUG": "false",
            "SECRET_KEY": env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": "herocon_registry.settings",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _setup_django(data_dir: Path) -> None:
    os.environ.update(_django_env(data_dir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fill(target: int) -> None:
    """Grow the register to `target` customers with realistic, valid values (fast path:
    bulk_create, since every value here is already canonical)."""
    from customers.models import Customer, DataSource

    have = Customer.objects.count()
    batch: list[Customer] = []
    for n in range(have, target):
        batch.append(
            Customer(
                kind=Customer.Kind.PERSON,
                name=f"Henkilö {n} Meikäläinen",
                email=f"henkilo{n}@example.com",
                phone=f"+35840{n:07d}",
                street_address=f"Mannerheimintie {n % 200 + 1} A {n % 50 + 1}",
                postal_code="00100",
                city="Helsinki",
                notes="Soitti asiakaspalveluun ja kysyi laskusta." if n % 3 == 0 else "",
                source=DataSource.IMPORT,
            )
        )
        if len(batch) == 5000:
            Customer.objects.bulk_create(batch)
            batch.clear()
    if batch:
        Customer.objects.bulk_create(batch)


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process, measured by a small runner."""
    runner = [sys.executable, str(Path(__file__).resolve()), "--child", "measure", "--", *argv]
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        runner, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {detail[0]}")
    seconds, peak_kib = done.stdout.split()
    return float(seconds), float(peak_kib) / 1024


def _child_measure(argv: list[str]) -> None:
    """Run `argv` and print its wall seconds and peak RSS in KiB (Linux units). Imports
    nothing heavy, so the child's high-water mark starts from this small process."""
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.returncode)
    print(f"{seconds:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")


def _child_in_memory(output: Path) -> None:
    """What the admin's export does: the whole dataset and file built in memory."""
    from customers.resources import CustomerResource, RegisterCSV

    dataset = CustomerResource().export()
    output.write_text(RegisterCSV().export_data(dataset), encoding="utf-8")


def _child_baseline() -> None:
    from customers.models import Customer

    Customer.objects.exists()


def measure(sizes: list[int]) -> list[Measurement]:
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="herocon-bench-") as tmp:
        data_dir = Path(tmp)
        env = _django_env(data_dir)
        _setup_django(data_dir)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        script = str(Path(__file__).resolve())
        for size in sorted(sizes):
            _fill(size)
            output = data_dir / f"customers-{size}.csv"
            runs = {
                "baseline (django.setup only)": [sys.executable, script, "--child", "baseline"],
                "export_register (streaming)": [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "export_register",
                    "customers",
                    "--output",
                    str(output),
                ],
                "CustomerResource().export() (in memory)": [
                    sys.executable,
                    script,
                    "--child",
                    "in-memory",
                    "--output",
                    str(output) + ".inmem",
                ],
            }
            for method, argv in runs.items():
                seconds, peak = _run(argv, env)
                written = Path(argv[-1]) if argv[-2] == "--output" else None
                size_mib = written.stat().st_size / 2**20 if written else 0.0
                results.append(Measurement(size, method, seconds, peak, size_mib))
    return results


def table(results: list[Measurement]) -> str:
    lines = [
        "| customers | method | wall time (s) | peak RSS (MiB) | CSV size (MiB) |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in results:
        csv_size = f"{r.output_mib:.1f}" if r.output_mib else "–"
        lines.append(
            f"| {r.rows:,} | {r.method} | {r.seconds:.2f} | {r.peak_rss_mib:.0f} | {csv_size} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--child", choices=["measure", "in-memory", "baseline"], help=argparse.SUPPRESS
    )
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "measure":
        _child_measure(args.command)
        return
    if args.child:
        # Runs inside a measured child: the environment was set by the parent.
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        if args.child == "in-memory":
            _child_in_memory(args.output)
        else:
            _child_baseline()
        return

    print(table(measure(args.sizes)))


if __name__ == "__main__":
    main()
