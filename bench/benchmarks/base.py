"""What every benchmark gets (the databases, repetitions, a scratch directory) and gives
back (figures with their target)."""

from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import env


@dataclass
class Context:
    engine: str  # "postgres" or "sqlite"
    size: int
    main: str  # the register measured: bench_<size>
    small: str  # a tenth of it, for "flat in register size"
    baseline: str  # 1,000 customers, for "per-person work as at 1,000"
    repetitions: int  # of everything that runs as its own process
    page_repetitions: int  # of a page or an erasure, in process
    scratch: Path
    secret_key: str

    def env(self, url: str) -> dict[str, str]:
        return env.django_env(url, self.secret_key)

    def label(self, url: str) -> str:
        return env.database_name(url).removeprefix(env.PREFIX)

    @property
    def postgres(self) -> bool:
        return self.engine == "postgres"


@dataclass
class Figure:
    figure: str
    measured: str
    target: str
    passed: bool | None  # None: no target to pass (context only)
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "figure": self.figure,
            "measured": self.measured,
            "target": self.target,
            "passed": self.passed,
            "data": self.data,
        }


def flat(small: float, large: float, tolerance: float = 1.25) -> bool:
    """Memory is flat when ten times the data needs at most a quarter more of it."""
    return large <= small * tolerance
