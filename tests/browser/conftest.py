"""End-to-end tests in Debian's Chromium through pytest-playwright and live_server."""

import functools
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_DIR = Path(__file__).resolve().parent


def _is_browser_test(item) -> bool:
    return BROWSER_DIR in Path(item.fspath).parents


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)
            # live_server runs in another thread: it only sees committed data.
            item.add_marker(pytest.mark.django_db(transaction=True))
    # Browser tests run last (trylast: after any shuffling plugin), so that the
    # environment variable below never reaches the rest of the suite, e.g. a
    # subprocess running `manage.py check --deploy` (async.E001).
    items.sort(key=_is_browser_test)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Playwright's sync API keeps an event loop running in this thread from the first
    # browser test to the end of the session, which trips Django's async-unsafe guard
    # on every ORM call made by fixtures (flush, users) and at test-database teardown.
    if _is_browser_test(item):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A citizen's browser in Vietnam. Chromium otherwise sends Accept-Language: en-US,
    # which LocaleMiddleware would honour before LANGUAGE_CODE.
    return {**browser_context_args, "locale": "vi-VN"}


@functools.cache
def _axe_source() -> str:
    return AXE_PATH.read_text()


@pytest.fixture
def axe_check():
    """Run axe-core on a page; fail on serious or critical violations, readably."""

    def check(page, label: str) -> None:
        assert AXE_PATH.exists(), f"{AXE_PATH} is missing: run `npm install`"
        # Evaluated through the DevTools protocol, not as a <script> in the page: the
        # site's Content-Security-Policy rightly refuses inline scripts. Once per
        # document: compiling axe again for a second check of the same page is wasted.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(_axe_source())
        results = page.evaluate("async () => await axe.run(document)")
        bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        lines = []
        for violation in bad:
            lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.append(f"    {violation['helpUrl']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    - {', '.join(map(str, node['target']))}")
                lines.append(f"      {node.get('failureSummary', '').replace(chr(10), ' ')}")
        assert not bad, f"axe found {len(bad)} serious/critical violation(s) on {label}:\n" + (
            "\n".join(lines)
        )

    return check


@pytest.fixture
def new_page(page):
    """Pages in separate browser contexts (own cookies), one per person, closed at
    teardown even when the test fails, so no request is left running against the
    test database."""
    contexts = []

    def make():
        contexts.append(page.context.browser.new_context(locale="vi-VN"))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()
