"""A real Chorus on 127.0.0.1 for browser and load tests: gunicorn and a task consumer,
as `make demo` runs them, over a fresh SQLite database with the demo data.

These tests run with `make test-e2e` (CHORUS_E2E=1); the plain suite leaves this folder out.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """The running server: its address, its instance folder and its environment."""

    base_url: str
    instance: Path
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def flask(self, *args: str) -> str:
        """Run `flask --app wsgi ARGS` against this server's database; return its output."""
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def start(self, *command: str, log: str) -> subprocess.Popen:
        with open(self.instance / log, "ab") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in server.processes):
            break
        try:
            if requests.get(server.url("/healthz"), timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    logs = "\n".join(path.read_text() for path in server.instance.glob("*.log"))
    server.stop()
    raise RuntimeError(f"Chorus did not start on {server.base_url}:\n{logs[-4000:]}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("live-instance")
    port = free_port()
    env = {
        **os.environ,
        "CHORUS_INSTANCE_PATH": str(instance),
        "CHORUS_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{instance / 'chorus.db'}",
    }
    for name in ("REDIS_URL", "CHORUS_ENV", "CHORUS_TASKS_IMMEDIATE"):
        env.pop(name, None)
    server = LiveServer(f"http://127.0.0.1:{port}", instance, env)
    server.flask("db", "upgrade")
    server.flask("seed-demo")
    server.start(
        str(BIN / "gunicorn"),
        "wsgi:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "8",
        # Longer than a client's pause between requests: gunicorn's 2 s default closes idle
        # keep-alive connections just as a client reuses them ("connection reset by peer").
        "--keep-alive",
        "30",
        log="web.log",
    )
    server.start(
        str(BIN / "huey_consumer"), "advocacy.worker.huey", "--workers", "2", log="tasks.log"
    )
    wait_until_up(server)
    yield server
    server.stop()


# --- Browser journeys: Playwright driving Debian's Chromium (never a downloaded browser) ---

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = ROOT / "test-output" / "e2e"
PASSWORD = "chorus-demo"
TIMEOUT_MS = 20_000
FAILED_LOAD = "Failed to load resource: the server responded with a status of"
HTTP_STATUS_NAMES = {status.value: status.phrase.upper() for status in HTTPStatus}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM} (make browser installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Journey:
    """One test's browser sessions: each `as_user` page is its own signed-in context; every
    console error and uncaught exception is collected; screenshots are numbered in `folder`."""

    browser: Browser
    server: LiveServer
    folder: Path
    contexts: list[BrowserContext] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def new_page(self) -> Page:
        context = self.browser.new_context(
            base_url=self.server.base_url,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.watch(page)
        return page

    def watch(self, page: Page) -> None:
        """Collect console errors, uncaught exceptions and failed loads of a page's parts.
        A page itself may answer 4xx on purpose (a refused form is a 400), which Chromium
        logs as a console error too; journeys check what such a page says instead."""

        document_status = [200]

        def console(message: ConsoleMessage) -> None:
            if message.type != "error":
                return
            if message.text == f"{FAILED_LOAD} {document_status[0]} ({answer_name()})":
                return  # the page itself answered 4xx, on purpose (a refused form, a 403)
            self.errors.append(f"{page.url}: console error: {message.text}")

        def answer_name() -> str:
            return HTTP_STATUS_NAMES.get(document_status[0], "")

        def response(answer: Response) -> None:
            if answer.request.resource_type == "document" and answer.frame == page.main_frame:
                document_status[0] = answer.status
            elif answer.status >= 400:
                self.errors.append(f"{page.url}: {answer.status} for {answer.url}")

        def failed(request: Request) -> None:
            # ERR_ABORTED: the person moved on before the page had loaded all of it.
            if request.resource_type != "document" and request.failure != "net::ERR_ABORTED":
                self.errors.append(f"{page.url}: {request.failure} for {request.url}")

        page.on("console", console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("response", response)
        page.on("requestfailed", failed)

    def as_user(self, email: str) -> Page:
        page = self.new_page()
        login(page, email)
        return page

    def shot(self, page: Page, name: str, full_page: bool = True) -> Path:
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


def login(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def journey(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Journey]:
    """Screenshots go to test-output/e2e/<test name>/ (emptied first; gitignored). A journey
    fails when any page it opened logged a console error or threw."""
    folder = OUTPUT / re.sub(r"[^\w.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    expect.set_options(timeout=TIMEOUT_MS)
    current = Journey(browser, live_server, folder)
    yield current
    current.close()
    assert not current.errors, "\n".join(current.errors)
