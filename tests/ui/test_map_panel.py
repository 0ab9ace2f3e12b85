"""The map panel: served over app://, draws the data, shows names as text, stays offline."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl

from app.services.dto import (
    DepotDTO,
    HazardDTO,
    IncidentDTO,
    MapData,
    ShelterDTO,
    TeamDTO,
    TownshipDTO,
)
from app.ui.map.payload import to_json, to_payload
from app.ui.map.scheme import LocalOnlyInterceptor, register_schemes, resolve_map_path
from app.ui.map.view import MapPanel

# tests/conftest.py does the same; both are harmless when repeated.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
register_schemes()

# Chromium and Qt RHI chatter on a machine without GPU, as the first web view starts.
pytestmark = pytest.mark.qt_log_ignore(
    "^QRhiGles2: Failed to create",
    "^Failed to create RHI for backend",
    "Vulkan",
    "^GBM is not supported",
)

EVIL_NAME = '<img src=x onerror="window.__xss=1">'
SCRIPT_NAME = "避难所</script><script>window.__xss=2</script>"
TIMEOUT_MS = 15000
JS_TIMEOUT_MS = 5000


def _id() -> uuid.UUID:
    return uuid.uuid4()


def _hazard(name: str, risk: str, lon: float, lat: float) -> HazardDTO:
    return HazardDTO(
        _id(), name, "chemical", risk, "龙城镇", lon, lat, None, None, None, None, None, None,
        True, 1,
    )  # fmt: skip


def sample_data() -> MapData:
    square = {
        "type": "Polygon",
        "coordinates": [
            [[116.6, 34.0], [117.1, 34.0], [117.1, 34.4], [116.6, 34.4], [116.6, 34.0]]
        ],
    }
    township = TownshipDTO(_id(), "001", "龙城镇", "town", 116.95, 34.18, True)
    shelter = ShelterDTO(
        _id(), SCRIPT_NAME, "indoor", 500, 120, True, "龙城镇", 116.9, 34.2, None, None, None,
        None, True, 1,
    )  # fmt: skip
    depot = DepotDTO(
        _id(), "县级储备库", "county", None, 116.8, 34.1, None, None, None, 12, 2, True, 1
    )
    team = TeamDTO(
        _id(), "消防救援大队", "fire", 40, 0, "standby", None, 116.7, 34.3, None, None, None,
        None, True, 1,
    )  # fmt: skip
    incident = IncidentDTO(
        _id(), "演练：城区内涝", "natural", "flood", "III", "received", True,
        datetime(2025, 7, 1, 8, 0, tzinfo=UTC), "phone", None, None, 117.0, 34.05, None,
        0, 0, 0, 0, True, 1,
    )  # fmt: skip
    unplaced = replace(_hazard("no coordinates", "red", 0.0, 0.0), lon=None, lat=None)
    return MapData(
        county=square,
        townships=(township,),
        hazards=(
            _hazard(EVIL_NAME, "red", 116.75, 34.25),
            _hazard("加油站", "blue", 117.05, 34.35),
            unplaced,
        ),
        shelters=(shelter,),
        depots=(depot,),
        teams=(team,),
        incidents=(incident,),
    )


def run_js(qtbot: Any, panel: MapPanel, script: str) -> Any:
    """Evaluate ``script`` (an expression giving JSON text) in the page; return it parsed."""
    results: list[Any] = []
    page = panel.page
    assert page is not None
    page.runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=JS_TIMEOUT_MS)
    return json.loads(results[0])


COUNT_JS = """JSON.stringify(Object.fromEntries(
    Object.entries(xcc.layers).map(([kind, group]) =>
        [kind, group.getLayers().filter((layer) => layer.feature).length])
    .concat([["county", xcc.county.getLayers().length]])))"""

TEXT_JS = """(() => {
    const find = (kind, name) =>
        xcc.layers[kind].getLayers().find((l) => l.feature.properties.name === name);
    const hazard = find("hazards", %(evil)s);
    hazard.openTooltip();
    const tooltip = hazard.getTooltip().getElement();
    const result = {tooltip: tooltip.textContent};
    result.tooltipImages = tooltip.querySelectorAll("img").length;
    hazard.closeTooltip();
    const shelter = find("shelters", %(script)s);
    shelter.openPopup();
    result.popup = shelter.getPopup().getElement().textContent;
    shelter.closePopup();
    result.xss = typeof window.__xss;
    result.scripts = document.scripts.length;
    return JSON.stringify(result);
})()"""


def _wait_ready(qtbot: Any, panel: MapPanel) -> None:
    if not panel.is_ready:
        with qtbot.waitSignal(panel.ready, timeout=TIMEOUT_MS):
            pass


@pytest.fixture
def panel(qtbot: Any) -> Iterator[MapPanel]:
    widget = MapPanel()
    qtbot.addWidget(widget, before_close_func=lambda w: w.close_view())
    widget.resize(800, 600)
    widget.show()
    yield widget
    widget.close_view()


def test_draws_data_and_keeps_names_as_text(
    qtbot: Any, panel: MapPanel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.ui.map")
    _wait_ready(qtbot, panel)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT_MS):
        panel.set_data(sample_data())

    counts = run_js(qtbot, panel, COUNT_JS)
    assert counts == {
        "county": 1,
        "townships": 0,  # labels and dots, not features
        "hazards": 2,  # the one without coordinates is left out
        "shelters": 1,
        "depots": 1,
        "teams": 1,
        "incidents": 1,
    }
    texts = run_js(
        qtbot, panel, TEXT_JS % {"evil": json.dumps(EVIL_NAME), "script": json.dumps(SCRIPT_NAME)}
    )
    assert texts["tooltip"] == EVIL_NAME
    assert texts["tooltipImages"] == 0
    assert SCRIPT_NAME in texts["popup"]
    assert texts["xss"] == "undefined"
    assert texts["scripts"] == 3  # qwebchannel.js, leaflet.js, map.js
    assert panel.interceptor.blocked == []
    assert [r.getMessage() for r in caplog.records] == []


def test_data_given_before_ready_is_drawn_on_ready(qtbot: Any, panel: MapPanel) -> None:
    assert not panel.is_ready
    with qtbot.waitSignals([panel.ready, panel.loaded], order="strict", timeout=TIMEOUT_MS):
        panel.set_data(sample_data())
    assert run_js(qtbot, panel, COUNT_JS)["hazards"] == 2

    empty = MapData(None, (), (), (), (), (), ())
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT_MS):
        panel.set_data(empty)
    counts = run_js(qtbot, panel, COUNT_JS)
    assert set(counts.values()) == {0}


def test_click_reports_layer_and_id(qtbot: Any, panel: MapPanel) -> None:
    data = sample_data()
    _wait_ready(qtbot, panel)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT_MS):
        panel.set_data(data)
    script = """(() => {
        const team = xcc.layers.teams.getLayers()[0];
        team.fire("click", {latlng: team.getLatLng()}, true);
        return "null";
    })()"""
    with qtbot.waitSignal(panel.feature_clicked, timeout=JS_TIMEOUT_MS) as blocker:
        run_js(qtbot, panel, script)
    assert blocker.args == ["teams", str(data.teams[0].id)]


PROBE_JS = """window.__probe = null;
Promise.all(%s.map((url) => fetch(url).then(
    (response) => response.ok ? "ok" : "refused " + response.status,
    () => "refused")))
.then((results) => { window.__probe = results; });
"null";"""


HIGHLIGHT_JS = """JSON.stringify({
    ring: xcc.map.hasLayer(xcc.layers.shelters.getLayers()[0]) && document
        .querySelector(".leaflet-highlight-pane canvas") !== null,
    tooltip: document.querySelector(".leaflet-tooltip-pane").textContent,
})"""


def test_highlight_marks_the_feature(qtbot: Any, panel: MapPanel) -> None:
    data = sample_data()
    shelter_id = str(data.shelters[0].id)
    panel.highlight("shelters", shelter_id)  # before the page is ready: kept for later
    panel.set_data(data)
    qtbot.waitUntil(lambda: panel.highlighted == ("shelters", shelter_id), timeout=TIMEOUT_MS)
    shown = run_js(qtbot, panel, HIGHLIGHT_JS)
    assert shown == {"ring": True, "tooltip": SCRIPT_NAME}

    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT_MS):
        panel.set_data(MapData(None, (), (), (), (), (), ()))
    qtbot.waitUntil(lambda: panel.highlighted is None, timeout=JS_TIMEOUT_MS)


ESCAPES = [
    "app://map/../../../../etc/passwd",
    "app://map/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "app://map/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "app://map/vendor/leaflet/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "app://map/vendor/..%2f..%2f..%2fpaths.py",
    "app://map/node_modules/leaflet/package.json",
    "app://other/index.html",
]


def test_page_cannot_read_outside_the_map_folder(qtbot: Any, panel: MapPanel) -> None:
    _wait_ready(qtbot, panel)
    page = panel.page
    assert page is not None
    page.runJavaScript(PROBE_JS % json.dumps([*ESCAPES, "app://map/map.css"]))
    results: list[Any] = []

    def probed() -> bool:
        page.runJavaScript("JSON.stringify(window.__probe)", 0, results.append)
        return bool(results) and results[-1] != "null"

    qtbot.waitUntil(probed, timeout=JS_TIMEOUT_MS)
    *escapes, css = json.loads(results[-1])
    assert css == "ok"
    # A failed job reaches fetch() as an HTTP error status. (Reading the body of
    # such a response never finishes in QtWebEngine 6.12: do not await it.)
    assert all(result.startswith("refused") for result in escapes), escapes


def test_page_stays_on_the_map(
    qtbot: Any, panel: MapPanel, caplog: pytest.LogCaptureFixture
) -> None:
    _wait_ready(qtbot, panel)
    page = panel.page
    assert page is not None
    page.runJavaScript('location.href = "https://example.com/";')
    qtbot.waitUntil(
        lambda: "navigate to https://example.com/" in caplog.text, timeout=JS_TIMEOUT_MS
    )
    assert page.url().toString() == "app://map/index.html"
    assert panel.is_ready


# ---- without a page ----


@pytest.fixture
def map_folder(tmp_path: Path) -> Path:
    root = tmp_path / "map"
    (root / "node_modules" / "leaflet" / "dist").mkdir(parents=True)
    (root / "node_modules" / "leaflet" / "dist" / "leaflet.js").write_text("//")
    (root / "map.js").write_text("//")
    (root / "notes.txt").write_text("not served")
    (tmp_path / "secret.js").write_text("//")
    (root / "escape.js").symlink_to(tmp_path / "secret.js")
    return root


@pytest.mark.parametrize(
    ("url_path", "expected"),
    [
        ("/map.js", "map.js"),
        ("/vendor/leaflet/dist/leaflet.js", "node_modules/leaflet/dist/leaflet.js"),
        ("/../secret.js", None),
        ("/vendor/../map.js", None),
        ("/vendor/leaflet/../../map.js", None),
        ("/node_modules/leaflet/dist/leaflet.js", None),
        ("/escape.js", None),
        ("/notes.txt", None),
        ("/", None),
        ("/vendor/leaflet", None),
        ("/C:\\secret.js", None),
    ],
)
def test_resolve_map_path(map_folder: Path, url_path: str, expected: str | None) -> None:
    resolved = resolve_map_path(map_folder, url_path)
    if expected is None:
        assert resolved is None
    else:
        assert resolved == (map_folder / expected).resolve()


class _FakeRequestInfo:
    def __init__(self, url: str) -> None:
        self._url = QUrl(url)
        self.blocked = False

    def requestUrl(self) -> QUrl:
        return self._url

    def block(self, value: bool) -> None:
        self.blocked = value


def test_interceptor_blocks_every_other_scheme(caplog: pytest.LogCaptureFixture) -> None:
    interceptor = LocalOnlyInterceptor()
    infos = [_FakeRequestInfo(u) for u in ("app://map/x.js", "https://a.example/", "file:///x")]
    with caplog.at_level(logging.CRITICAL, logger="app.ui.map"):
        for info in infos:
            interceptor.interceptRequest(info)  # type: ignore[arg-type]
    assert [info.blocked for info in infos] == [False, True, True]
    assert interceptor.blocked == ["https://a.example/", "file:///x"]


def test_payload_is_a_safe_script_literal() -> None:
    data = MapData(None, (), (_hazard("a</script>\u2028b&c", "red", 116.8, 34.2),), (), (), (), ())
    text = to_json(to_payload(data, generation=7))
    assert text.isascii()
    assert "</" not in text and "\u2028" not in text and "&" not in text
    parsed = json.loads(text)
    assert parsed["generation"] == 7
    assert parsed["layers"]["hazards"]["features"][0]["properties"]["name"] == "a</script>\u2028b&c"
