"""Server time of pages, in process: the admin's customer list and its searches at the
full register, and a person's own pages and erasure at 1,000 customers against the full
register, turn about (one worker per database)."""

from urllib.parse import urlencode

from benchmarks import finnish
from benchmarks.base import Context, Figure
from benchmarks.measure import interleaved, summary
from benchmarks.worker import WorkerProcess

ADMIN_LIST = "/admin/customers/customer/"
PORTAL_HOME = "/portal/"
PORTAL_DOWNLOAD = "/portal/export/json/"
ADMIN_LIMIT_MS = 100
PER_PERSON_RATIO = 2.0
WARM_UP = 2


def _page(worker: WorkerProcess, client: str, path: str) -> float:
    return worker.call("get", client=client, path=path, download=path == PORTAL_DOWNLOAD)["ms"]


def _queries(worker: WorkerProcess, client: str, path: str) -> int:
    answer = worker.call(
        "get", client=client, path=path, count_queries=True, download=path == PORTAL_DOWNLOAD
    )
    return answer["queries"]


def admin(ctx: Context) -> list[Figure]:
    print("admin customer list and searches")
    figures = []
    with WorkerProcess(ctx.main, ctx.env(ctx.main)) as worker:
        rare = worker.call("info")["rare_email"]
        pages = {
            "admin customer list": ADMIN_LIST,
            f"a rare search (one email, `{rare}`)": f"{ADMIN_LIST}?{urlencode({'q': rare})}",
            f"a common search (`{finnish.COMMON_FIRST_NAME}`)": (
                f"{ADMIN_LIST}?{urlencode({'q': finnish.COMMON_FIRST_NAME})}"
            ),
        }
        for path in pages.values():
            for _ in range(WARM_UP):
                _page(worker, "admin", path)
        queries = {name: _queries(worker, "admin", path) for name, path in pages.items()}
        sides = {name: (lambda p=path: _page(worker, "admin", p)) for name, path in pages.items()}
        times = interleaved(sides, ctx.page_repetitions)
    for name, values in times.items():
        ms = summary(values)
        figures.append(
            Figure(
                f"{name}: server time",
                f"{ms.text('{:.0f}', 'ms')}, {queries[name]} queries",
                f"under {ADMIN_LIMIT_MS} ms median",
                ms.median < ADMIN_LIMIT_MS,
                {"ms": ms.as_dict(), "queries": queries[name], "path": pages[name]},
            )
        )
    return figures


def per_person(ctx: Context) -> list[Figure]:
    """The same person-sized work on two registers of very different size."""
    print(f"portal pages and one erasure at {ctx.label(ctx.baseline)} vs {ctx.label(ctx.main)}")
    works = {
        "portal all-my-data page": lambda w: _page(w, "portal", PORTAL_HOME),
        "personal download (JSON)": lambda w: _page(w, "portal", PORTAL_DOWNLOAD),
        "one erasure (`customer_erase`)": lambda w: w.call("erase")["ms"],
    }
    with (
        WorkerProcess(ctx.baseline, ctx.env(ctx.baseline)) as small,
        WorkerProcess(ctx.main, ctx.env(ctx.main)) as large,
    ):
        workers = {"small": small, "large": large}
        queries: dict[tuple[str, str], int] = {}
        for key, worker in workers.items():
            for path in (PORTAL_HOME, PORTAL_DOWNLOAD):
                for _ in range(WARM_UP):
                    _page(worker, "portal", path)
            worker.call("erase")  # warm-up
            queries[key, "portal all-my-data page"] = _queries(worker, "portal", PORTAL_HOME)
            queries[key, "personal download (JSON)"] = _queries(worker, "portal", PORTAL_DOWNLOAD)
            queries[key, "one erasure (`customer_erase`)"] = worker.call(
                "erase", count_queries=True
            )["queries"]
        sides = {
            (key, name): (lambda w=worker, work=work: work(w))
            for name, work in works.items()
            for key, worker in workers.items()
        }
        # Erasures consume a person each: as many as the process benchmarks' repetitions.
        repetitions = dict.fromkeys(works, ctx.page_repetitions)
        repetitions["one erasure (`customer_erase`)"] = max(3, ctx.repetitions)
        times: dict = {}
        for name in works:
            times.update(
                interleaved({k: v for k, v in sides.items() if k[1] == name}, repetitions[name])
            )
    figures = []
    for name in works:
        at_small, at_large = summary(times["small", name]), summary(times["large", name])
        ratio = at_large.median / at_small.median
        figures.append(
            Figure(
                name,
                f"{at_small.text('{:.0f}', 'ms')} at {ctx.label(ctx.baseline)}, "
                f"{at_large.text('{:.0f}', 'ms')} at {ctx.label(ctx.main)}: **{ratio:.2f}x**; "
                f"{queries['small', name]} / {queries['large', name]} queries",
                f"within {PER_PERSON_RATIO:.0f}x of {ctx.label(ctx.baseline)}",
                ratio <= PER_PERSON_RATIO,
                {
                    "ms_small": at_small.as_dict(),
                    "ms_large": at_large.as_dict(),
                    "ratio": ratio,
                    "queries_small": queries["small", name],
                    "queries_large": queries["large", name],
                },
            )
        )
    return figures
