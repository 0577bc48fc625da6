"""Real-browser journeys: Debian's Chromium driven by Playwright against the live server.

Run with `make test-browser` (the default `pytest` run deselects the `browser` marker).
Playwright's own browser download is not used: the Chromium binary comes from
CHROMIUM_PATH (set by the Makefile) or from `chromium` on the PATH. Without it the
tests fail; they never skip, so a missing browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect, sync_playwright

from secpla.core.audit import audit_context
from secpla.core.models import Agreement, Comuna, Organisation, Province, Region, Role
from secpla.core.reference import load_territory
from secpla.core.roles import ensure_roles
from secpla.testing import PASSWORD

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[4]
RESULTS_DIR = REPO_ROOT / "test-results"
DOCS_IMG_DIR = REPO_ROOT / "docs" / "img"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Chromium reports CSP violations on the console, but a listener makes them explicit
# whatever the wording. Init scripts are injected by the browser, not subject to CSP.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""

LOGIN_PATH = "/cuenta/ingresar/"


def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "No Chromium found: set CHROMIUM_PATH or install Debian's chromium package "
            "(`make test-browser` installs it with apt-get). Browser tests never skip.",
            pytrace=False,
        )
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"CHROMIUM_PATH={path!r} is not an executable file.", pytrace=False)
    return path


class Browser:
    """One Chromium page against the live server, started on first use.

    Starting inside the test (not in fixture setup) makes a missing Chromium a test
    failure rather than a setup error.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.console_errors: list[str] = []
        self._playwright = None
        self._chromium = None
        self._page: Page | None = None

    @property
    def page(self) -> Page:
        if self._page is None:
            self._start()
        return self._page

    def _start(self) -> None:
        executable = chromium_executable()
        self._playwright = sync_playwright().start()
        self._chromium = self._playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        context = self._chromium.new_context(
            base_url=self.base_url, locale="es-CL", viewport={"width": 1280, "height": 900}
        )
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))
        page.on("response", self.on_response)
        self._page = page

    def close(self) -> None:
        if self._chromium is not None:
            self._chromium.close()
        if self._playwright is not None:
            self._playwright.stop()

    def assert_clean_console(self) -> None:
        """No console error, uncaught exception or CSP violation so far."""
        assert self.console_errors == [], "Browser console errors:\n" + "\n".join(
            self.console_errors
        )

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        self.console_errors.append(f"{self.page.url}: {message.text} [{source}]")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.console_errors.append(
                f"HTTP {response.status} {response.request.method} {response.url}"
            )

    def login(self, user, password: str = PASSWORD) -> None:
        page = self.page
        page.goto("/")
        expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
        page.get_by_label("Nombre de usuario").fill(user.username)
        page.get_by_label("Contraseña").fill(password)
        page.get_by_role("button", name="Ingresar").click()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The live server needs committed data, hence transactional_db. Its flush after each
    test empties every table: the roles come back through post_migrate, the comunas of
    data migration 0002 do not, so both are restored here when missing."""
    if not Comuna.objects.filter(cut="16102").exists():
        load_territory(Region, Province, Comuna)
    if not Role.objects.filter(code="director_secpla").exists():
        ensure_roles()


@pytest.fixture
def organisation(reference_data) -> Organisation:
    with audit_context(source="test"):
        return Organisation.objects.create(
            name="Fundación Ñuble Solidario", kind=Organisation.Kind.NGO
        )


@pytest.fixture
def browser(reference_data, live_server, monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls
    # the test makes while the browser is open are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    session = Browser(live_server.url)
    try:
        yield session
    finally:
        session.close()


def test_director_logs_in_and_sees_home(browser, live_server, personas, municipality):
    page = browser.page
    browser.login(personas.director)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("municipality-name")).to_have_text(municipality.name)
    expect(page.get_by_test_id("user-role")).to_contain_text("Director(a) SECPLA")
    expect(page.get_by_test_id("user-directorate")).to_contain_text("SECPLA")
    expect(page.get_by_test_id("demo-banner")).to_be_visible()
    expect(page.locator("nav.navbar")).to_contain_text("Vinculación")

    page.evaluate("() => document.fonts.ready.then(() => true)")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    screenshot = RESULTS_DIR / "home.png"
    page.screenshot(path=str(screenshot), full_page=True)

    # Bootstrap's stylesheet and the icon font are really applied, not just linked.
    navbar_display = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display")
    assert navbar_display == "flex", "Bootstrap's CSS is not applied (see test-results/home.png)"
    icon_font = page.locator("nav.navbar .bi").first.evaluate(
        "el => getComputedStyle(el, '::before').fontFamily"
    )
    assert "bootstrap-icons" in icon_font, "The Bootstrap Icons font is not applied"
    icons_loaded = page.evaluate(
        """() => [...document.fonts].some(
            (font) => font.family.replace(/["']/g, "") === "bootstrap-icons"
                && font.status === "loaded")"""
    )
    assert icons_loaded, "The Bootstrap Icons font did not load"
    browser.assert_clean_console()

    # Only a screenshot of a clean page goes to the README, and only when asked
    # (`SECPLA_UPDATE_SCREENSHOT=1 make test-browser`), so a test run leaves the tree as is.
    if os.environ.get("SECPLA_UPDATE_SCREENSHOT") == "1":
        DOCS_IMG_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, DOCS_IMG_DIR / "home.png")


def test_enlace_creates_agreement_and_sees_its_history(browser, personas, organisation):
    page = browser.page
    browser.login(personas.enlace_dideco)
    expect(page.get_by_test_id("user-role")).to_contain_text("Enlace de Dirección")

    page.goto("/convenios/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Convenios")
    page.get_by_role("link", name="Agregar").click()
    expect(page).to_have_url(re.compile(r"/convenios/nuevo/$"))

    page.get_by_label("Organización").select_option(label=organisation.name)
    page.get_by_label("Nombre del convenio").fill("Convenio de apoyo a juntas de vecinos 2026")
    page.get_by_label("Tipo").select_option(label="Convenio de colaboración")
    page.get_by_label("Estado").select_option(label="Vigente")
    page.get_by_label("Dirección responsable").select_option(
        label="DIDECO — Dirección de Desarrollo Comunitario"
    )
    page.get_by_label("Fecha de inicio").fill("2026-03-01")
    page.get_by_label("Fecha de término").fill("2026-12-31")
    page.get_by_label("Monto ($)").fill("12500000")
    page.get_by_role("button", name="Guardar").click()

    expect(page).to_have_url(re.compile(r"/convenios/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Convenio de apoyo a juntas de vecinos 2026"
    )
    expect(page.locator("main")).to_contain_text("Fundación Ñuble Solidario")

    agreement = Agreement.objects.get(title="Convenio de apoyo a juntas de vecinos 2026")
    assert agreement.directorate.code == "DIDECO"
    assert agreement.organisation == organisation
    assert agreement.amount == 12_500_000
    assert str(agreement.start_date) == "2026-03-01"
    assert page.url.endswith(f"/convenios/{agreement.pk}/")

    page.get_by_test_id("tab-historial").click()
    expect(page).to_have_url(re.compile(r"\?tab=historial$"))
    entries = page.get_by_test_id("history").locator(".card")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Creación")

    browser.assert_clean_console()


def test_wrong_password_shows_spanish_error(browser, personas):
    page = browser.page
    browser.login(personas.director, password="no-es-la-clave")

    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
    alert = page.locator(".alert-danger")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(re.compile(r"usuario|contraseña", re.IGNORECASE))
    expect(page.get_by_label("Nombre de usuario")).to_have_value(personas.director.username)

    browser.assert_clean_console()


def test_logout_from_user_menu_returns_to_login(browser, personas):
    page = browser.page
    browser.login(personas.director)
    expect(page.get_by_test_id("municipality-name")).to_be_visible()

    page.get_by_test_id("user-menu").click()
    logout = page.get_by_role("button", name="Cerrar sesión")
    expect(logout).to_be_visible()
    logout.click()

    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH) + "$"))
    expect(page.get_by_role("heading", name="Ingresar a SECPLA")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)

    # The session is gone: the home page asks for a login again.
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))

    browser.assert_clean_console()
