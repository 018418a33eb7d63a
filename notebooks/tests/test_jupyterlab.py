"""JupyterLab, as a person uses it: open the tutorial's .md as a notebook, run every cell.

The workshop command, ``python -m offline_irsa lab``, runs JupyterLab headless on
loopback with the offline IRSA in place, on a copy of the notebook in a scratch folder
with autosave off, so the repository's files are never rewritten.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest
import requests

from offline_irsa.harness import live_requested
from offline_irsa.harness.processes import TAG_ENV_VAR, describe, tagged

from .browser import ROOT, Browser, image_has_content, screenshot
from .firefly_view import check_lab_tab, wait_for_plot
from .lab_process import TOKEN, start_lab

pytestmark = pytest.mark.browser
NOTEBOOK = ROOT / "notebooks" / "2mass-sia-v1.md"
# The test's own user settings: nothing saved, every cell rendered. Opening .md as a
# notebook is not set here: ``offline_irsa lab`` must do that itself.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``python -m offline_irsa lab`` on a scratch copy of the notebook: (lab URL, stand-in URL)."""
    if live_requested():
        pytest.skip("the JupyterLab test runs offline")
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    shutil.copy(ROOT / "jupytext.toml", root / "jupytext.toml")
    settings = tmp_path_factory.mktemp("lab-settings")
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    private = tmp_path_factory.mktemp("jupyter")
    tag = uuid.uuid4().hex  # every process the command starts inherits it: the leftover check looks for it
    env = {**os.environ, TAG_ENV_VAR: tag, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(private / "workspaces"),
           "JUPYTER_CONFIG_DIR": str(private / "config"), "JUPYTER_RUNTIME_DIR": str(private / "runtime")}
    process, base, stand_in = start_lab(root, env, "--LabApp.extension_manager=readonly")
    yield base, stand_in
    process.terminate()
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
    left = tagged(tag)
    assert not left, f"still running after offline_irsa lab was stopped:\n{describe(left)}"
    with pytest.raises(requests.ConnectionError):
        requests.get(stand_in, timeout=5)


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def test_tutorial_runs_in_jupyterlab_offline(lab, tmp_path):
    base, stand_in = lab
    browser = Browser(tmp_path / "profile")
    started = time.perf_counter()
    try:
        page = browser.context.new_page()
        console = []
        page.on("console", lambda m: m.type in ("error", "warning") and console.append(f"{m.type}: {m.text}"))
        page.goto(f"{base}/lab/tree/{NOTEBOOK.name}?token={TOKEN}")
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=90_000)
        # The kernel is ready when the status bar says so (the toolbar reads "idle" earlier).
        page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\|\s*Idle")).first.wait_for(timeout=90_000)
        # not ':visible': the Firefly tab the tutorial opens comes to the front while cells run
        prompts = page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt")
        run_all(page)
        deadline, retried = time.monotonic() + 120, False
        while time.monotonic() < deadline:
            texts = [t.strip() for t in prompts.all_inner_texts()]
            if texts and all(re.fullmatch(r"\[\d+\]:", t) for t in texts):
                break
            if not retried and time.monotonic() > deadline - 100 and all(t == "[ ]:" for t in texts):
                run_all(page)  # nothing started in 20 s: the first request went nowhere
                retried = True
            time.sleep(0.5)
        else:
            screenshot(page, "jupyterlab-failure.png")
            pytest.fail(f"cells did not all run: {texts} (see _build/screenshots/jupyterlab-failure.png)")
        ran_for = time.perf_counter() - started
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=NOTEBOOK.name).click()
        outputs = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output")
        stderr = "[data-mime-type='application/vnd.jupyter.stderr']"
        errors = page.locator(f".jp-NotebookPanel:visible .jp-OutputArea-output{stderr}")
        assert errors.count() == 0, errors.all_inner_texts()
        text = "\n".join(outputs.all_inner_texts())
        assert "Firefly opens in a JupyterLab tab." in text
        assert "Cutout shape (rows, columns): (60, 60)" in text
        image_url = re.search(r"^Image: (https://\S+)", text, re.MULTILINE).group(1)
        sent = requests.get(f"{stand_in}/_offline/firefly/actions", timeout=10).json()
        shown = [a["payload"]["wpRequest"]["url"] for a in sent if a["type"] == "ImagePlotCntlr.PlotImage"]
        assert shown == [image_url]  # by the lab client, on the channel the extension gave the kernel
        assert "StartLabWindow" in [a["type"] for a in sent]
        figure = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output img").last
        figure.scroll_into_view_if_needed()
        assert figure.evaluate("img => img.naturalWidth") > 300
        assert image_has_content(figure.screenshot()) > 0.05
        screenshot(page, "jupyterlab.png")
        print(f"JupyterLab: opened and ran the tutorial in {ran_for:.1f} s")
        check_firefly(page, browser, stand_in, sent, console)
    finally:
        browser.close()
    # the repository's notebook is untouched and no .ipynb appeared beside it
    assert not list((ROOT / "notebooks").glob("*.ipynb"))


def check_firefly(page, browser, stand_in: str, sent: list[dict], console: list[str]) -> None:
    """The Firefly tab shows the image the kernel sent (see firefly_view); make_client's page shows the same."""
    from firefly_client import FireflyClient

    errors = [m for m in console if m.startswith("error")]
    shown = check_lab_tab(page, browser, stand_in, sent)
    screenshot(page, "firefly-lab.png")
    channel = next(a["channel"] for a in sent if a["type"] == "ImagePlotCntlr.PlotImage")
    other = browser.context.new_page()
    other.goto(FireflyClient(f"{stand_in}/firefly", channel).get_firefly_url())
    same = wait_for_plot(other, "#app", shown["title"])
    assert (same["plotId"], same["version"], same["stretch"]) == (shown["plotId"], shown["version"], shown["stretch"])
    assert errors == [] and browser.outside == [], (errors, browser.outside)
