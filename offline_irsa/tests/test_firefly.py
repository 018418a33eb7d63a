"""The Firefly stand-in, driven by the real firefly_client, records what it was asked to show."""

from __future__ import annotations

import json

import pytest
import requests
from firefly_client import FireflyClient
from firefly_client.env import Env

IMAGE = "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/980827n/s007/image/hi0070256.fits.gz"


@pytest.fixture
def received(server):
    server.received.clear()
    yield server.received
    server.received.clear()


@pytest.fixture
def no_browser(monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or False)
    return opened


@pytest.mark.parametrize("viewer", ["firefly", "irsaviewer"])
def test_make_client_and_show_fits_image_are_recorded(server, received, no_browser, viewer):
    url = server.firefly if viewer == "firefly" else server.irsaviewer
    fc = FireflyClient.make_client(url=url, channel_override="chan-1")
    assert no_browser == [f"{url}/?__wsch=chan-1"]  # it tried to open the viewer page, once
    assert fc.show_fits_image(file_input=IMAGE, plot_id="h", Title="H image") == {"success": True}
    actions = received.actions(channel="chan-1", type="ImagePlotCntlr.PlotImage")
    assert len(actions) == 1 and actions[0].viewer == f"/{viewer}"
    assert actions[0].payload["wpRequest"]["url"] == IMAGE
    assert actions[0].payload["wpRequest"]["plotId"] == "h" and actions[0].payload["viewerId"]
    assert received.shown_image_urls("chan-1") == [IMAGE]
    over_http = requests.get(server.firefly_record, params={"channel": "chan-1"}).json()
    assert [a["payload"]["wpRequest"]["url"] for a in over_http if a["type"].endswith("PlotImage")] == [IMAGE]


def test_lab_client_starts_a_lab_tab_then_shows_the_image(server, received, monkeypatch):
    monkeypatch.setattr(Env, "firefly_lab_extension", True)
    monkeypatch.setattr(Env, "firefly_url_lab", server.firefly)
    monkeypatch.setattr(Env, "firefly_channel_lab", "lab-chan")
    fc = FireflyClient.make_lab_client()
    fc.show_fits_image(file_input=IMAGE)
    assert [a.type for a in received.actions("lab-chan")] == ["StartLabWindow", "ImagePlotCntlr.PlotImage"]


def test_upload_returns_a_server_file_reference(server, received, tmp_path):
    path = tmp_path / "tiny.fits"
    path.write_bytes(b"SIMPLE  =                    T" + b" " * 2850)
    fc = FireflyClient(server.firefly, "up-chan")
    reference = fc.upload_file(str(path))
    assert reference.startswith("${upload-dir}/") and reference.endswith("tiny.fits")
    fc.show_fits_image(file_input=str(path))
    uploads = received.actions("up-chan", "upload")
    assert len(uploads) == 2 and uploads[0].payload["bytes"] == 2880
    shown = received.actions("up-chan", "ImagePlotCntlr.PlotImage")[0].payload["wpRequest"]
    assert shown["file"].startswith("${upload-dir}/")  # WebPlotRequest names an upload 'file'


@pytest.mark.parametrize("path", ["sticky/CmdSrv", "CmdSrv/sync"])
def test_version_and_alive_check(server, path):
    version = requests.get(f"{server.firefly}/{path}", params={"cmd": "CmdVersion"}).json()
    assert version["success"] is True and version["data"]["Firefly Version"] >= "2025.4"
    alive = requests.get(f"{server.irsaviewer}/{path}", params={"cmd": "pushAliveCheck", "ipAddress": "1"}).json()
    assert alive == [{"active": False}]
    assert requests.get(f"{server.irsaviewer}/healthz").status_code == 200


@pytest.mark.parametrize("data", [
    {"cmd": "pushAction", "channelID": "c", "action": "not json"},
    {"cmd": "pushAction", "channelID": "c", "action": json.dumps({"payload": {}})},
    {"cmd": "teleport"},
    {"cmd": "upload"},
])
def test_bad_commands_are_refused(server, received, data):
    response = requests.post(f"{server.firefly}/sticky/CmdSrv", data=data)
    assert response.status_code == 400 and response.json()[0]["success"] is False
    assert received.actions() == []


def test_record_can_be_cleared_over_http(server, received):
    requests.post(f"{server.firefly}/CmdSrv/sync",
                  data={"cmd": "pushAction", "channelID": "c", "action": json.dumps({"type": "X"})})
    assert len(requests.get(server.firefly_record).json()) == 1
    assert requests.delete(server.firefly_record).json() == {"cleared": True}
    assert received.actions() == []


def test_viewer_page_loads_the_viewer_and_lists_what_it_cannot_draw(server, received):
    requests.post(f"{server.firefly}/CmdSrv/sync",
                  data={"cmd": "pushAction", "channelID": "page", "action": json.dumps({"type": "ShowThing"})})
    page = requests.get(f"{server.firefly}/", params={"__wsch": "page"})
    assert page.status_code == 200 and "stand-in" in page.text
    assert '<script src="/firefly/firefly_loader.js">' in page.text
    loader = requests.get(f"{server.firefly}/firefly_loader.js")
    assert loader.status_code == 200 and "onFireflyLoaded" in loader.text
    state = requests.get(f"{server.firefly}/_offline/state", params={"channel": "page"}).json()
    assert [(n["type"], n["reason"]) for n in state["notShown"]] == [("ShowThing", "not drawn by the offline stand-in")]
