"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live
server. Playwright's sync API runs an event loop in this thread, which Django's async
safety check would refuse; it is allowed here, and only while these tests run.

Every page a journey reaches is audited (`AuditedPage`): after each navigation axe-core
runs in the page, and through the whole test every Content-Security-Policy violation and
console error is collected. A test fails on any CSP violation, any console error, and
any serious or critical axe finding; its screenshot is then kept in test-artifacts/e2e/.
"""

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module; the event loop it needs ends with the module, so the
    rest of the suite runs with Django's async safety check intact."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (make test does)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
# Collected in the page before any of its own code runs (an init script is not subject to
# the page's CSP; neither is Playwright's evaluate, which injects axe-core).
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3)
      .map((n) => n.target.join(' ')).join('; ')})`);
}"""
# The browser logs a page that answers 403/404 as a failed load; the journey asserts the
# status itself, so that message is expected when the page is the error page we opened.
FAILED_DOCUMENT = re.compile(r"Failed to load resource: the server responded with a status of 4")


class AuditedPage:
    """A Playwright page whose every navigation is audited; anything else is the page's."""

    def __init__(self, page: Any) -> None:
        self._page = page
        self.problems: list[str] = []
        self._documents: set[str] = set()
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "response",
            lambda r: self._documents.add(r.url) if r.request.resource_type == "document" else None,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._page, name)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        location = (message.location or {}).get("url", "")
        if FAILED_DOCUMENT.search(message.text) and location in self._documents:
            return
        self.problems.append(f"console error on {location}: {message.text}")

    def audit(self) -> None:
        """axe-core on the page as it is now, and the CSP violations it has seen."""
        page = self._page
        if page.url.startswith("about:") or not page.url.startswith("http"):
            return
        with contextlib.suppress(Exception):
            page.wait_for_load_state()
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        for finding in page.evaluate(AXE_RUN):
            self.problems.append(f"axe on {page.url}: {finding}")
        for violation in page.evaluate("() => window.__cspViolations || []"):
            self.problems.append(f"CSP on {page.url}: {violation}")
        page.evaluate("() => { window.__cspViolations = []; }")

    def goto(self, *args: Any, **kwargs: Any) -> Any:
        response = self._page.goto(*args, **kwargs)
        self.audit()
        return response

    @contextlib.contextmanager
    def expect_navigation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with self._page.expect_navigation(*args, **kwargs) as info:
            yield info
        self.audit()

    def wait_for_load_state(self, *args: Any, **kwargs: Any) -> None:
        self._page.wait_for_load_state(*args, **kwargs)
        self.audit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, live_server, request) -> Iterator[AuditedPage]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/ensure_axe.sh (make test does)")
    context = browser.new_context(locale="fi-FI", base_url=live_server.url)
    audited = AuditedPage(context.new_page())
    audited.set_default_timeout(10_000)
    yield audited
    failed = getattr(request.node, "report_call", None)
    if audited.problems or (failed is not None and failed.failed):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            audited.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert audited.problems == [], "\n".join(audited.problems)
