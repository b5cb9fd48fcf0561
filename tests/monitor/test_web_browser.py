"""The web monitor in a real headless Chromium (Playwright) over a real workspace: the
jobs of experiments run in subprocesses, a job that ends while the page is open, the log
page, killing a running job, the token, logs outside the job folders.

With XPM_DOC_SCREENSHOTS=1, the screenshots of the documentation are written to
docs/images/. Without Chromium (/usr/bin/chromium) or Playwright the tests are skipped,
except in CI (CI=true), where they fail."""

import os
from pathlib import Path

import pytest

from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.watch import ModelWatcher
from experimaestro.monitor.web import WebMonitor

from .projects import ROOT
from .web_fixtures import (job_folder, kill_jobs, run_done_experiment,
                           start_live_experiment, stop_process, write_tasks)

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # (the [dev] extra brings it)
    sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
IMAGES = ROOT / "docs" / "images"
#: milliseconds to wait for what the page shows (a change goes file event -> model ->
#: event stream -> page)
WAIT = 15000


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def screenshot(page, name: str):
    if os.environ.get("XPM_DOC_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / name), full_page=True)


@pytest.fixture(scope="module")
def browser():
    problem = None
    if sync_playwright is None:
        problem = "Playwright is not installed (pip install playwright)"
    elif not CHROMIUM.exists():
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if problem:
        if in_ci():
            pytest.fail(f"the browser tests need a browser in CI: {problem}")
        pytest.skip(problem)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Site:
    """A workspace (experiment "xp" ended, experiment "live" running a Gate and a Sleep
    job) and its web monitor."""

    def __init__(self, root: Path):
        self.code = write_tasks(root / "code")
        self.ws, self.gate = root / "ws", root / "gate"
        run_done_experiment(self.code, self.ws)
        self.live = start_live_experiment(self.code, self.ws, self.gate)
        self.model = MonitorModel(self.ws)
        self.model.load()
        self.watcher = ModelWatcher(self.model)
        self.watcher.start()
        self.monitor = WebMonitor(self.model).start()
        self.url = self.monitor.url
        self.base = self.url.split("?")[0].rstrip("/")

    def key(self, task: str, text: str = "") -> str:
        folder = job_folder(self.ws, task, text)
        return f"{folder.parent.name}/{folder.name}"

    def close(self):
        self.monitor.stop()
        self.watcher.stop()
        self.model.close()
        stop_process(self.live)
        kill_jobs(self.ws)


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    site = Site(tmp_path_factory.mktemp("webui"))
    yield site
    site.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 760})
    page = context.new_page()
    yield page
    context.close()


def open_page(page, site, route: str):
    page.goto(f"{site.url}{route}")


def test_refused_without_the_token(browser, site):
    context = browser.new_context()
    page = context.new_page()
    for path in ("/", "/static/app.js", "/api/jobs"):
        response = page.goto(site.base + path)
        assert response.status == 401, path
        assert "URL printed by the monitor" in page.inner_text("body")
    response = page.goto(f"{site.base}/?token=not-{site.monitor.token}")
    assert response.status == 401
    context.close()


def test_jobs_page(page, site):
    open_page(page, site, "#/jobs")
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(7, timeout=WAIT)
    # the token has left the address bar (the cookie holds it)
    assert "token=" not in page.url
    echo = page.locator(f'tr[data-key="{site.key("Echo", chr(34) + "x" + chr(34) + ": 1")}"]')
    expect(echo.locator("td.state")).to_have_text("done")
    expect(echo.locator("td.tags")).to_have_text("x=1")
    fail = page.locator(f'tr[data-key="{site.key("Fail")}"]')
    expect(fail.locator("td.state")).to_have_text("failed")
    sleep = page.locator(f'tr[data-key="{site.key("Sleep")}"]')
    expect(sleep.locator("td.state")).to_have_text("running")
    expect(sleep.locator("td.tags")).to_have_text("role=sleep")
    gate = page.locator(f'tr[data-key="{site.key("Gate")}"]')
    expect(gate.locator("td.state")).to_have_text("running 50%")  # its progress
    expect(page.locator(".toolbar .muted")).to_have_text("1–7 of 7 jobs")
    screenshot(page, "monitor-web-jobs.png")


def test_experiments_page(page, site):
    open_page(page, site, "")
    expect(page.locator("table.experiments tbody tr")).to_have_count(2, timeout=WAIT)
    live = page.locator('tr[data-experiment="live"]')
    expect(live).to_contain_text("running")
    page.locator('a:text-is("xp")').click()
    expect(page.locator("table.jobs tbody tr")).to_have_count(5, timeout=WAIT)


def test_filter_and_sort(page, site):
    open_page(page, site, "#/jobs?xp=xp")
    rows = page.locator("table.jobs tbody tr")
    expect(rows).to_have_count(5, timeout=WAIT)
    box = page.locator(".toolbar input")
    box.fill('@state = "failed"')
    box.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.locator("td.task")).to_have_text("tasks.fail")
    box.fill("@state ==")
    box.press("Enter")
    expect(page.locator("#filter-error")).to_contain_text("at position 10")
    box.fill("echo")
    box.press("Enter")
    expect(rows).to_have_count(3)
    expect(page.locator("#filter-error")).to_be_empty()
    box.fill("")
    box.press("Enter")
    expect(rows).to_have_count(5)
    page.locator('th[data-sort="task"]').click()
    expect(rows.first.locator("td.task")).to_have_text("tasks.echo")
    page.locator('th[data-sort="task"]').click()
    expect(rows.first.locator("td.task")).to_have_text("tasks.twice")
    assert "sort=task" in page.url and "desc=1" in page.url


def test_a_job_turns_done_without_reloading(page, site):
    open_page(page, site, "#/jobs?xp=live")
    gate = page.locator(f'tr[data-key="{site.key("Gate")}"] td.state')
    expect(gate).to_contain_text("running", timeout=WAIT)
    page.evaluate("window.__notReloaded = true")
    site.gate.touch()  # the job ends: its .done marker appears
    expect(gate).to_have_text("done", timeout=WAIT)
    assert page.evaluate("window.__notReloaded") is True


def test_job_page_and_its_log(page, site):
    open_page(page, site, f"#/job/{site.key('Twice')}")
    expect(page.locator("h1 .state")).to_have_text("done", timeout=WAIT)
    echo = site.key("Echo", '"x": 1')
    link = page.locator(f'a[href="#/job/{echo}"]')
    expect(link).to_have_count(1)  # its dependency
    screenshot(page, "monitor-web-job.png")
    link.click()
    expect(page.locator("table.values")).to_contain_text("x")
    expect(page.locator(f'a[href="#/job/{site.key("Twice")}"]')).to_have_count(1)  # dependent
    page.locator('.tabs a:text-is("echo.out")').click()
    expect(page.locator("pre#log")).to_have_text("hello 1\n", timeout=WAIT)


def test_log_of_a_running_job_is_followed(page, site):
    open_page(page, site, f"#/log/{site.key('Gate')}/gate.out")
    expect(page.locator("pre#log")).to_have_text("gate opened\n", timeout=WAIT)


def test_kill_a_running_job(page, site):
    open_page(page, site, f"#/job/{site.key('Sleep')}")
    expect(page.locator("h1 .state")).to_have_text("running", timeout=WAIT)
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()
    page.on("dialog", answer)
    page.locator("#kill").click()
    expect(page.locator("h1 .state")).to_have_text("failed (cancelled)", timeout=WAIT)
    assert questions and "Kill the job" in questions[0]
    expect(page.locator("#kill")).to_be_disabled()


def test_log_outside_the_job_folders_refused(page, site):
    echo = site.key("Echo", '"x": 1')
    open_page(page, site, f"#/log/{echo}/..%2F..%2F..%2F..%2Fetc%2Fpasswd")
    expect(page.locator(".error")).to_contain_text("is not a file of the job folder",
                                                   timeout=WAIT)
    status = page.evaluate(
        """async (base) => (await fetch(base + "?name=" + encodeURIComponent("/etc/passwd"))).status""",
        f"/api/log/{echo}")
    assert status == 403


def test_graph(page, site):
    open_page(page, site, "#/graph/xp")
    nodes = page.locator(".graph g.node")
    expect(nodes).to_have_count(5, timeout=WAIT)
    expect(page.locator(".graph path.edge")).to_have_count(1)
    expect(page.locator(f'.graph g.node.failed[data-key="{site.key("Fail")}"]')).to_have_count(1)
    screenshot(page, "monitor-web-graph.png")
    page.locator(f'.graph g.node[data-key="{site.key("Twice")}"]').click()
    expect(page.locator("h1 .mono")).to_contain_text("tasks.twice/")
