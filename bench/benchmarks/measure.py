"""Measuring: wall time and peak memory of a command, medians, interleaved repetitions.

Peak RSS comes from a small runner process (`python measure.py -- argv...`) that reads its
one child's rusage. A child forked straight from the harness would report at least the
harness's own RSS: Linux carries the parent's high-water mark into the child at fork.
This module imports only the standard library, so the runner stays small.
"""

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_mb: float  # peak resident set size, 10^6 bytes
    stdout: str
    stderr: str


class CommandFailed(RuntimeError):
    pass


def run_measured(
    argv: Sequence[str], env: dict[str, str], cwd: Path, stdout_path: Path | None = None
) -> Run:
    """Run `argv` under the runner; its standard output goes to `stdout_path` if given."""
    runner = [sys.executable, str(Path(__file__).resolve())]
    if stdout_path is not None:
        runner += ["--stdout", str(stdout_path)]
    done = subprocess.run(  # noqa: S603 (our own interpreter, the benchmark's commands)
        [*runner, "--", *argv], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    lines = done.stdout.rstrip("\n").rsplit("\n", 1)
    try:
        report = json.loads(lines[-1])
    except (json.JSONDecodeError, IndexError):
        raise CommandFailed(
            f"{argv[:4]}: the runner failed: {done.stderr.strip()[-500:]}"
        ) from None
    if report["returncode"] != 0:
        detail = done.stderr.strip().splitlines()[-3:] or ["no output"]
        raise CommandFailed(
            f"{' '.join(argv[:5])} exited {report['returncode']}: {' | '.join(detail)}"
        )
    return Run(
        seconds=report["seconds"],
        peak_mb=report["maxrss_kib"] * 1024 / 1e6,
        stdout=lines[0] if len(lines) > 1 else "",
        stderr=done.stderr,
    )


@dataclass
class Summary:
    median: float
    low: float
    high: float
    values: list[float]

    def text(self, fmt: str = "{:.2f}", unit: str = "") -> str:
        """`median (min-max) unit`, with an en dash, e.g. `2.31 (2.20-2.54) s`."""
        spread = f"{fmt.format(self.low)}–{fmt.format(self.high)}"
        return f"{fmt.format(self.median)} ({spread}){' ' + unit if unit else ''}"

    def as_dict(self) -> dict[str, object]:
        return {"median": self.median, "min": self.low, "max": self.high, "values": self.values}


def summary(values: Sequence[float]) -> Summary:
    return Summary(statistics.median(values), min(values), max(values), list(values))


def interleaved[T](sides: dict[str, Callable[[], T]], repetitions: int) -> dict[str, list[T]]:
    """Run every side once per repetition, alternating the order (A B, B A, ...), so a
    slow moment of the machine or a warm cache favours no side."""
    results: dict[str, list[T]] = {name: [] for name in sides}
    names = list(sides)
    for repetition in range(repetitions):
        order = names if repetition % 2 == 0 else names[::-1]
        for name in order:
            results[name].append(sides[name]())
    return results


def _runner(argv: list[str]) -> None:
    """Run the command, print its wall time, peak RSS (KiB) and exit status as JSON."""
    stdout = None
    if argv[:1] == ["--stdout"]:
        stdout, argv = argv[1], argv[2:]
    argv = argv[1:] if argv[:1] == ["--"] else argv
    started = time.perf_counter()
    if stdout:
        with open(stdout, "wb") as out:
            done = subprocess.run(argv, stdout=out, check=False)  # noqa: S603
        captured = ""
    else:
        done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
        captured = done.stdout.replace("\n", " ").strip()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(captured)
    print(json.dumps({"seconds": seconds, "maxrss_kib": peak, "returncode": done.returncode}))


if __name__ == "__main__":
    _runner(sys.argv[1:])
