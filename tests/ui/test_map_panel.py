"""The map panel: served over app://, draws the data, shows names as text, stays offline.

Shared helpers for the other map tests (``test_map_*.py``) live here too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTranslator, QUrl
from PySide6.QtWidgets import QApplication

from app.domain.labels import Family, label
from app.domain.labels import labels as table_labels
from app.services.dto import (
    DepotDTO,
    HazardDTO,
    IncidentDTO,
    MapChanges,
    MapData,
    ShelterDTO,
    TeamDTO,
    TownshipDTO,
)
from app.ui import labels
from app.ui.i18n import install_translator
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

# Names that would run as script if they were ever parsed as HTML or as a template.
EVIL_NAME = "<img src=x onerror=window.__xss=1>"
SCRIPT_NAME = "避难所</script><script>window.__xss=2</script>"
TEMPLATE_NAME = "${alert(1)}储备库"
BACKTICK_NAME = "救援`队`${window.__xss=3}"
TOWNSHIP_NAME = "<b>龙城镇</b>`${alert(2)}`"
INCIDENT_NAME = "演练:内涝`${alert(3)}`</script><script>window.__xss=4</script>"
TIMEOUT_MS = 15000
JS_TIMEOUT_MS = 5000

COUNTY_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.6, 34.0], [117.1, 34.0], [117.1, 34.4], [116.6, 34.4], [116.6, 34.0]]],
}
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def _id() -> uuid.UUID:
    return uuid.uuid4()


def hazard(name: str, risk: str, lon: Any, lat: Any, hazard_type: str = "chemical") -> HazardDTO:
    return HazardDTO(
        _id(), name, hazard_type, risk, "龙城镇", lon, lat, None, None, None, None, None, None,
        True, 1,
    )  # fmt: skip


def shelter(name: str, lon: float, lat: float, occupancy: int = 120) -> ShelterDTO:
    return ShelterDTO(
        _id(), name, "indoor", 500, occupancy, True, "龙城镇", lon, lat, None, None, None,
        None, True, 1,
    )  # fmt: skip


def incident(
    title: str,
    lon: float,
    lat: float,
    *,
    minutes: int = 0,
    drill: bool = False,
    severity: str = "III",
) -> IncidentDTO:
    return IncidentDTO(
        _id(), title, "natural", "flood", severity, "received", drill,
        T0 + timedelta(minutes=minutes), "phone", None, None, lon, lat, None, 0, 0, 0, 0, True, 1,
    )  # fmt: skip


def sample_data() -> MapData:
    township = TownshipDTO(_id(), "001", TOWNSHIP_NAME, "town", 116.95, 34.18, True)
    depot = DepotDTO(
        _id(), TEMPLATE_NAME, "county", None, 116.8, 34.1, None, None, None, 12, 2, True, 1
    )
    team = TeamDTO(
        _id(), BACKTICK_NAME, "fire", 40, 0, "standby", None, 116.7, 34.3, None, None, None,
        None, True, 1,
    )  # fmt: skip
    unplaced = replace(hazard("no coordinates", "red", 0.0, 0.0), lon=None, lat=None)
    return MapData(
        county=COUNTY_SQUARE,
        townships=(township,),
        hazards=(
            hazard(EVIL_NAME, "red", 116.75, 34.25),
            hazard("加油站", "blue", 117.05, 34.35, "gas"),
            unplaced,
        ),
        shelters=(shelter(SCRIPT_NAME, 116.9, 34.2),),
        depots=(depot,),
        teams=(team,),
        incidents=(incident(INCIDENT_NAME, 117.0, 34.05, drill=True),),
    )


def run_js(qtbot: Any, panel: MapPanel, script: str) -> Any:
    """Evaluate ``script`` (an expression giving JSON text) in the page; return it parsed."""
    results: list[Any] = []
    page = panel.page
    assert page is not None
    page.runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=JS_TIMEOUT_MS)
    return json.loads(results[0])


def wait_ready(qtbot: Any, panel: MapPanel) -> None:
    if not panel.is_ready:
        with qtbot.waitSignal(panel.ready, timeout=TIMEOUT_MS):
            pass


def load(qtbot: Any, panel: MapPanel, data: MapData) -> None:
    wait_ready(qtbot, panel)
    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT_MS):
        panel.set_data(data)


def apply(qtbot: Any, panel: MapPanel, changes: MapChanges) -> int:
    """Apply a diff and wait until the page has drawn it."""
    with qtbot.waitSignal(panel.changes_applied, timeout=TIMEOUT_MS) as blocker:
        generation = panel.apply_changes(changes)
    assert blocker.args == [generation]
    return generation


def make_panel(qtbot: Any, width: int = 800, height: int = 600) -> MapPanel:
    widget = MapPanel()
    qtbot.addWidget(widget, before_close_func=lambda w: w.close_view())
    widget.resize(width, height)
    widget.show()
    return widget


COUNT_JS = """JSON.stringify(Object.fromEntries(
    Object.entries(xcc.layers).map(([kind, group]) =>
        [kind, group.getLayers().filter((layer) => layer.feature).length])
    .concat([["county", xcc.county.getLayers().length]])))"""

# Hover and click each feature the real way (events bubble to the layer's
# tooltip and popup); return what the page shows as text.
TEXTS_JS = """(() => {
    const out = {};
    for (const [kind, id] of %s) {
        const marker = xcc.marker(kind, id);
        const group = xcc.layers[kind];
        marker.fire("mouseover", {latlng: marker.getLatLng()}, true);
        const tooltip = group.getTooltip().getElement();
        const entry = {tooltip: tooltip.textContent};
        marker.fire("mouseout", {latlng: marker.getLatLng()}, true);
        marker.fire("click", {latlng: marker.getLatLng()}, true);
        entry.popup = group.getPopup().getElement().textContent;
        xcc.map.closePopup();
        out[kind] = entry;
    }
    out.townships = document.querySelector(".leaflet-township-labels-pane").textContent;
    out.elements = document.querySelectorAll("img, b, iframe").length;
    out.scripts = document.scripts.length;
    out.xss = typeof window.__xss;
    return JSON.stringify(out);
})()"""


def page_texts(qtbot: Any, panel: MapPanel, features: list[tuple[str, str]]) -> dict[str, Any]:
    return run_js(qtbot, panel, TEXTS_JS % json.dumps(features))  # type: ignore[no-any-return]


@pytest.fixture
def panel(qtbot: Any) -> Iterator[MapPanel]:
    widget = make_panel(qtbot)
    yield widget
    widget.close_view()


def test_draws_data_and_keeps_names_as_text(
    qtbot: Any, panel: MapPanel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.ui.map")
    data = sample_data()
    load(qtbot, panel, data)

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
    texts = page_texts(
        qtbot,
        panel,
        [
            ("hazards", str(data.hazards[0].id)),
            ("shelters", str(data.shelters[0].id)),
            ("depots", str(data.depots[0].id)),
            ("teams", str(data.teams[0].id)),
            ("incidents", str(data.incidents[0].id)),
        ],
    )
    assert texts["hazards"]["tooltip"] == EVIL_NAME
    assert texts["hazards"]["popup"].startswith(EVIL_NAME)
    assert texts["shelters"]["tooltip"].startswith(SCRIPT_NAME)
    assert "已安置 120 / 500 人" in texts["shelters"]["tooltip"]
    assert texts["depots"]["tooltip"].startswith(TEMPLATE_NAME)
    assert "物资需关注 2 项" in texts["depots"]["tooltip"]
    assert texts["teams"]["popup"].startswith(BACKTICK_NAME)
    assert texts["incidents"]["tooltip"].startswith(INCIDENT_NAME + "（演练）")
    assert texts["townships"] == TOWNSHIP_NAME
    assert texts["elements"] == 0
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
    load(qtbot, panel, data)
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
    assert shown["ring"] is True
    assert shown["tooltip"].startswith(SCRIPT_NAME)

    with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT_MS):
        panel.set_data(MapData(None, (), (), (), (), (), ()))
    qtbot.waitUntil(lambda: panel.highlighted is None, timeout=JS_TIMEOUT_MS)


# The page's words: legend, layer control, <html lang>, what HTML elements they made.
WORDS_JS = """JSON.stringify({
    legend: document.querySelector(".map-legend").textContent,
    layers: document.querySelector(".leaflet-control-layers").textContent,
    coordinates: document.querySelector(".map-coordinates").textContent,
    lang: document.documentElement.lang,
    title: document.title,
    markup: document.querySelectorAll(".leaflet-control b, .leaflet-control img").length,
})"""
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_page_shows_the_label_table(qtbot: Any, panel: MapPanel) -> None:
    """Popups, tooltips and legend write codes exactly as app.domain.labels does."""
    data = sample_data()
    load(qtbot, panel, data)
    texts = page_texts(
        qtbot,
        panel,
        [("hazards", str(data.hazards[0].id)), ("incidents", str(data.incidents[0].id))],
    )
    severity = label(Family.SEVERITY, "III", "zh_CN")
    assert severity == "Ⅲ级（较大）"
    assert severity in texts["incidents"]["tooltip"]
    assert f"自然灾害　{severity}" in texts["incidents"]["popup"]
    assert texts["incidents"]["popup"].startswith(INCIDENT_NAME + "【演练】")
    risk = label(Family.RISK_LEVEL, "red", "zh_CN")
    assert f"风险等级：{risk}" in texts["hazards"]["popup"]
    assert label(Family.HAZARD_TYPE, "chemical", "zh_CN") in texts["hazards"]["popup"]

    words = run_js(qtbot, panel, WORDS_JS)
    for family in (Family.SEVERITY, Family.RISK_LEVEL, Family.HAZARD_TYPE, Family.TEAM_STATUS):
        for text in table_labels(family, "zh_CN").values():
            assert text in words["legend"], (family, text)
    assert words["legend"].startswith("图例")
    assert "风险隐患点" in words["layers"] and "乡镇(街道)" in words["layers"]
    assert words["lang"] == "zh-CN" and words["title"] == "应急一张图"
    assert words["markup"] == 0


def test_page_words_are_never_markup(qtbot: Any, panel: MapPanel) -> None:
    """Even the words from Python (layer names, legend) are set as text."""
    wait_ready(qtbot, panel)
    evil = {"hazards": "<b>风险</b><img src=x onerror=window.__xss=5>"}
    message = {"lang": "zh-CN", "labels": {}, "layers": evil, "text": {"legend": "<b>图例</b>"}}
    run_js(qtbot, panel, f"xcc.setTexts({json.dumps(message)}); '1'")
    words = run_js(qtbot, panel, WORDS_JS)
    assert evil["hazards"] in words["layers"]
    assert words["legend"].startswith("<b>图例</b>")
    assert words["markup"] == 0
    assert run_js(qtbot, panel, "JSON.stringify(typeof window.__xss)") == "undefined"


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    """The UI in English for one test (the session runs in Chinese)."""
    chinese = qapp.findChildren(QTranslator)
    for translator in chinese:
        qapp.removeTranslator(translator)
    install_translator(qapp, "en")
    yield
    install_translator(qapp, "zh_CN")


def test_page_follows_the_english_language(qtbot: Any, english: None) -> None:
    widget = make_panel(qtbot)
    try:
        data = sample_data()
        load(qtbot, widget, data)
        words = run_js(qtbot, widget, WORDS_JS)
        assert words["lang"] == "en" and words["title"] == "Emergency map"
        assert words["legend"].startswith("Legend")
        for family in (Family.SEVERITY, Family.RISK_LEVEL, Family.HAZARD_TYPE):
            for text in table_labels(family, "en").values():
                assert text in words["legend"], (family, text)
        assert "Hazard" in words["layers"] and "Township" in words["layers"]
        assert words["coordinates"].startswith("Longitude")
        for part in ("legend", "layers", "coordinates", "title"):
            assert not CJK.search(words[part]), (part, words[part])
        texts = page_texts(qtbot, widget, [("incidents", str(data.incidents[0].id))])
        assert "Natural disaster · Level III (serious)" in texts["incidents"]["popup"]
        assert labels.severity("III") == "Level III (serious)"
    finally:
        widget.close_view()


def test_page_refuses_dialogs(
    qtbot: Any, panel: MapPanel, caplog: pytest.LogCaptureFixture
) -> None:
    """An alert() would block the GUI; the page refuses it and says so in the log."""
    wait_ready(qtbot, panel)
    assert run_js(qtbot, panel, 'alert("x"); JSON.stringify(confirm("y"))') is False
    assert "called alert('x')" in caplog.text
    assert "called confirm('y')" in caplog.text


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
    wait_ready(qtbot, panel)
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
    wait_ready(qtbot, panel)
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
    name = "a</script>\u2028b&c`${alert(1)}`"
    data = MapData(None, (), (hazard(name, "red", 116.8, 34.2),), (), (), (), ())
    text = to_json(to_payload(data, generation=7).message)
    assert text.isascii()
    assert "</" not in text and "\u2028" not in text and "&" not in text
    parsed = json.loads(text)
    assert parsed["generation"] == 7
    assert parsed["layers"]["hazards"]["features"][0]["properties"]["name"] == name
