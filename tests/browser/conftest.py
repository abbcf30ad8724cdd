"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test gets a fresh (transactional) database that the live server, running in this process, shares. The
``ui`` fixture drives one page: it signs in through the real form (django-axes needs a real request), submits
forms, switches the language, and ``ui.check`` runs axe-core, checks reflow at 320 px and takes screenshots.
"""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import base64
import time
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# pytest-playwright empties test-results/ at the start of every pytest session (its --output folder), so a parallel
# run elsewhere in the checkout can remove the screenshots; CUS_SCREENSHOT_DIR puts them somewhere else.
SCREENSHOTS = Path(
    os.environ.get("CUS_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
)
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

_axe = Axe()
# "page label [lang]" -> ["rule (impact): n nodes", ...]; filled by Ui.check, printed at the end of the run.
AXE_LOG: dict[str, list[str]] = {}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium'); browser tests cannot run."
        if os.environ.get("CUS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CUS_REQUIRE_BROWSER=1: {message}", pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """Relative URLs in ``page.goto`` go to the live server (replaces pytest-playwright's own fixture)."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A Polish browser: LocaleMiddleware reads Accept-Language, and the default UI language is Polish.
    return {**browser_context_args, "locale": "pl-PL", "timezone_id": "Europe/Warsaw", "viewport": DESKTOP}


# Elements sticking out to the right, leaving out those inside a container that scrolls or clips them itself
# (positioned elements escape such a container unless it is positioned too, so they are always listed).
_WIDEST = """(limit) => [...document.querySelectorAll('body *')].filter((el) => {
    if (el.getBoundingClientRect().right <= limit + 0.5) return false;
    if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return true;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') return false;
    }
    return true;
}).slice(-5).map((el) => el.outerHTML.slice(0, 160))"""


def _describe(violation: dict[str, Any]) -> str:
    nodes = "\n".join(
        f"    - {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}"
        for node in violation["nodes"]
    )
    return f"  {violation['id']} ({violation['impact']}): {violation['help']}\n{nodes}"


class Ui:
    """One browser page on the live server, used the way a person would use it."""

    def __init__(self, page: Any, live_server: Any) -> None:
        self.page = page
        self.base = live_server.url

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def sign_in(self, email: str, password: str | None = None) -> None:
        """Sign in through the real form; the caller checks where the browser lands."""
        from cus.accounts.tests.factories import PASSWORD

        self.page.goto("/accounts/login/")
        form = self.page.locator("main form[method=post]")
        form.locator("input[name=username]").fill(email)
        form.locator("input[name=password]").fill(PASSWORD if password is None else password)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()

    def sign_out(self) -> None:
        """The sign-out button is a POST form in the header."""
        with self.page.expect_navigation():
            self.page.locator("header form[action='/accounts/logout/'] button[type=submit]").click()

    def submit(self, form: str = "main form[method=post]") -> None:
        with self.page.expect_navigation():
            self.page.locator(f"{form} button[type=submit]").first.click()

    def follow(self, link: Any) -> None:
        """Click a link and wait for the page it leads to, so checks never run on the page being left."""
        with self.page.expect_navigation():
            link.click()

    def switch_language(self, code: str) -> None:
        """The language form in the header: a <select> and a submit button."""
        self.page.locator("#language-select").select_option(code)
        with self.page.expect_navigation():
            self.page.locator("form:has(#language-select) button[type=submit]").click()

    def visit(self, path: str, label: str, *, status: int = 200, **check: Any) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        self.check(label, **check)

    def check(self, label: str, *, shot: str | None = None, narrow_shot: bool = False) -> None:
        """axe-core (serious and critical violations fail), no sideways scrolling at 320 px, optional screenshots."""
        self.page.wait_for_load_state()
        lang = self.page.evaluate("document.documentElement.lang")
        key = f"{label} [{lang}]"
        violations = _axe.run(self.page).response["violations"]
        AXE_LOG[key] = [f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes" for v in violations]
        if shot:
            self.screenshot(shot)
            if narrow_shot:
                self.screenshot(f"{shot}-320", narrow=True)
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe on {key} ({self.page.url}):\n" + "\n".join(_describe(v) for v in blocking)
        self.check_reflow(label)

    def check_reflow(self, label: str) -> None:
        """At 320 px (WCAG 1.4.10) the document must not scroll sideways."""
        self.page.set_viewport_size(NARROW)
        try:
            width = self.page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW["width"]:
                culprits = self.page.evaluate(_WIDEST, NARROW["width"])
                path = self.screenshot(f"overflow-{label}".replace(" ", "-"))
                pytest.fail(f"{label} ({self.page.url}): scrollWidth {width} px at 320 px; see {path}; {culprits}")
        finally:
            self._restore_width()

    def _restore_width(self) -> None:
        self.page.set_viewport_size(DESKTOP)
        # Two animation frames: the page is laid out again at the desktop width before the next click, which would
        # otherwise aim at where an element stood at 320 px.
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")

    def screenshot(self, name: str, *, narrow: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if narrow:
            self.page.set_viewport_size(NARROW)
        try:
            self.page.screenshot(path=path, full_page=True)
        finally:
            if narrow:
                self._restore_width()
        return path


@pytest.fixture
def ui(page: Any, live_server: Any) -> Ui:
    page.set_default_timeout(15_000)
    return Ui(page, live_server)


class Otp:
    """TOTP codes as the phone app would compute them."""

    @staticmethod
    def code_from_secret(secret: str, step_seconds: int = 30, digits: int = 6) -> str:
        """The current code, computed only from the key shown on the set-up page."""
        from django_otp.oath import totp

        raw = secret.replace(" ", "").upper()
        key = base64.b32decode(raw + "=" * (-len(raw) % 8))
        return f"{totp(key, step=step_seconds, digits=digits):0{digits}d}"

    @staticmethod
    def code_for(device: Any, *, after: int | None = None) -> str:
        """The code for now, or for the next step when ``after`` (the device's ``last_t``) is still current.

        django-otp accepts one step either side of now (tolerance 1) but never a step up to ``last_t`` again.
        """
        from django_otp.oath import TOTP, hotp

        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        step = totp.t()
        if after is not None and step <= after:
            step = after + 1
        return f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"

    @staticmethod
    def wrong_code(device: Any) -> str:
        """A code that no step near now accepts."""
        from django_otp.oath import TOTP, hotp

        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        valid = {f"{hotp(device.bin_key, t, device.digits):06d}" for t in range(now - 2, now + 3)}
        return next(c for c in ("000000", "111111", "222222", "123456") if c not in valid)

    @staticmethod
    def wait_until_allowed(device: Any, timeout: float = 10.0) -> None:
        """After a wrong code django-otp throttles the device (1 s, 2 s, 4 s ...): wait it out, don't guess."""
        deadline = time.monotonic() + timeout
        while True:
            device.refresh_from_db()
            allowed, _info = device.verify_is_allowed()
            if allowed:
                return
            if time.monotonic() > deadline:
                pytest.fail("the TOTP device stayed throttled")
            time.sleep(0.1)


@pytest.fixture
def otp() -> type[Otp]:
    return Otp


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not AXE_LOG:
        return
    terminalreporter.section("axe-core")
    clean = sum(1 for found in AXE_LOG.values() if not found)
    terminalreporter.write_line(
        f"{len(AXE_LOG)} page states checked, {clean} without any violation "
        f"(serious and critical ones fail the test; others are listed here)"
    )
    for key, found in sorted(AXE_LOG.items()):
        if found:
            terminalreporter.write_line(f"  {key}: {'; '.join(found)}")
