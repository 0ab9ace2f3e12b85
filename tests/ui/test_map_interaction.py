"""The map keeps answering the mouse: clicks and hovers through our overlays,
township names that no click removes, one meaning per ring, and a legend that
never covers the layer toggles.

Clicks and hovers here are real mouse events sent to the web view's widget at
the marker's pixel, so they go through the browser's own hit testing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from app.services.dto import DepotDTO, MapData, TeamDTO, TownshipDTO
from app.ui.map.texts import page_texts as map_page_texts
from app.ui.map.view import MapPanel
from tests.ui.test_map_panel import (
    COUNTY_SQUARE,
    JS_TIMEOUT_MS,
    TIMEOUT_MS,
    _id,
    hazard,
    incident,
    load,
    make_panel,
    run_js,
    shelter,
)

pytestmark = pytest.mark.qt_log_ignore(
    "^QRhiGles2: Failed to create",
    "^Failed to create RHI for backend",
    "Vulkan",
    "^GBM is not supported",
)

TOWNSHIP_NAMES = ("龙城镇", "黄口镇", "圣泉镇", "白土镇")


def night_data() -> MapData:
    """A few features well apart, a depot that needs attention, and a newest
    incident of the highest severity (whose colour is red)."""
    townships = tuple(
        TownshipDTO(_id(), f"00{i}", name, "town", 116.65 + 0.12 * i, 34.36, True)
        for i, name in enumerate(TOWNSHIP_NAMES)
    )
    depot = DepotDTO(
        _id(), "县级储备库", "county", None, 116.8, 34.1, None, None, None, 12, 2, True, 1
    )
    team = TeamDTO(
        _id(), "消防救援大队", "fire", 40, 0, "standby", None, 116.7, 34.3, None, None, None,
        None, True, 1,
    )  # fmt: skip
    return MapData(
        county=COUNTY_SQUARE,
        townships=townships,
        hazards=(hazard("化工企业", "red", 116.75, 34.22),),
        shelters=(shelter("城南避难场所", 116.9, 34.2),),
        depots=(depot,),
        teams=(team,),
        incidents=(
            incident("较早事件", 116.95, 34.08, minutes=0, severity="II"),
            incident("最新事件", 117.02, 34.15, minutes=30, severity="I"),
        ),
    )


@pytest.fixture
def panel(qtbot: Any) -> Iterator[MapPanel]:
    widget = make_panel(qtbot)
    yield widget
    widget.close_view()


def mouse_target(panel: MapPanel) -> QWidget:
    """The widget that takes the view's mouse events (the map fills it from 0, 0)."""
    view = panel.findChild(QWebEngineView)
    assert view is not None
    target = view.focusProxy()
    assert target is not None
    return target


def marker_point(qtbot: Any, panel: MapPanel, layer: str, feature_id: object) -> QPoint:
    script = f"""(() => {{
        const m = xcc.marker({json.dumps(layer)}, {json.dumps(str(feature_id))});
        const p = xcc.map.latLngToContainerPoint(m.getLatLng());
        return JSON.stringify([Math.round(p.x), Math.round(p.y)]);
    }})()"""
    x, y = run_js(qtbot, panel, script)
    return QPoint(x, y)


def hover(qtbot: Any, panel: MapPanel, point: QPoint) -> None:
    """Move the mouse onto ``point``, as a hand does: a few moves, not one jump."""
    target = mouse_target(panel)
    for dx in (-3, -1, 0):
        qtbot.mouseMove(target, QPoint(point.x() + dx, point.y()))
        qtbot.wait(40)  # the canvas renderer looks for a hovered marker at most every 32 ms


def click(qtbot: Any, panel: MapPanel, point: QPoint) -> None:
    hover(qtbot, panel, point)
    qtbot.mouseClick(mouse_target(panel), Qt.MouseButton.LeftButton, pos=point)


def click_feature(qtbot: Any, panel: MapPanel, layer: str, feature_id: object) -> list[Any]:
    """Click a marker with the mouse; return what ``feature_clicked`` said."""
    point = marker_point(qtbot, panel, layer, feature_id)
    with qtbot.waitSignal(panel.feature_clicked, timeout=JS_TIMEOUT_MS) as blocker:
        click(qtbot, panel, point)
    return list(blocker.args)


def select_row(qtbot: Any, panel: MapPanel, layer: str, feature_id: object) -> None:
    """What a list does when a row is selected."""
    panel.highlight(layer, str(feature_id))
    qtbot.waitUntil(lambda: panel.highlighted == (layer, str(feature_id)), timeout=JS_TIMEOUT_MS)


TOOLTIP_JS = """JSON.stringify(Array.from(document.querySelectorAll(
    ".leaflet-tooltip-pane .leaflet-tooltip")).map((node) => node.textContent))"""


# ---- clicks and hovers reach the features under our overlays ----


def test_after_a_row_is_selected_other_markers_still_answer_clicks(
    qtbot: Any, panel: MapPanel
) -> None:
    data = night_data()
    load(qtbot, panel, data)
    select_row(qtbot, panel, "shelters", data.shelters[0].id)

    assert click_feature(qtbot, panel, "teams", data.teams[0].id) == [
        "teams",
        str(data.teams[0].id),
    ]
    assert click_feature(qtbot, panel, "depots", data.depots[0].id) == [
        "depots",
        str(data.depots[0].id),
    ]
    # The selected marker itself, under its ring, too.
    assert click_feature(qtbot, panel, "shelters", data.shelters[0].id) == [
        "shelters",
        str(data.shelters[0].id),
    ]
    # The newest incident, over its pulsing ring.
    newest = data.incidents[1]
    assert click_feature(qtbot, panel, "incidents", newest.id) == ["incidents", str(newest.id)]


def test_after_a_row_is_selected_hover_still_shows_the_tooltip(qtbot: Any, panel: MapPanel) -> None:
    data = night_data()
    load(qtbot, panel, data)
    select_row(qtbot, panel, "shelters", data.shelters[0].id)
    run_js(qtbot, panel, "xcc.map.closeTooltip(xcc.layers.shelters.getTooltip()); '1'")

    hover(qtbot, panel, QPoint(20, 300))
    hover(qtbot, panel, marker_point(qtbot, panel, "teams", data.teams[0].id))
    qtbot.waitUntil(
        lambda: any(t.startswith("消防救援大队") for t in run_js(qtbot, panel, TOOLTIP_JS)),
        timeout=JS_TIMEOUT_MS,
    )
    # The hand cursor says "this can be clicked".
    cursor = run_js(
        qtbot, panel, "JSON.stringify(document.querySelector('.leaflet-overlay-pane canvas')"
        ".classList.contains('leaflet-interactive'))",
    )  # fmt: skip
    assert cursor is True


# Every pane and canvas of ours above the tiles lets the mouse through.
PANES_JS = """JSON.stringify(Array.from(
        document.querySelectorAll(".leaflet-map-pane > .leaflet-pane"))
    .filter((pane) =>
        !/leaflet-(tile|overlay|shadow|marker|tooltip|popup)-pane/.test(pane.className))
    .flatMap((pane) => [pane, ...pane.querySelectorAll("*")])
    .filter((node) => getComputedStyle(node).pointerEvents !== "none")
    .map((node) => node.className || node.tagName))"""


def test_our_panes_never_catch_the_mouse(qtbot: Any, panel: MapPanel) -> None:
    data = night_data()
    load(qtbot, panel, data)
    select_row(qtbot, panel, "depots", data.depots[0].id)
    assert run_js(qtbot, panel, PANES_JS) == []


# ---- township names stay ----

# The township names one can see: text with a size, not hidden or faded out
# (Leaflet fades a closing tooltip to opacity 0 before it takes it away).
LABELS_JS = """JSON.stringify(Array.from(document.querySelectorAll(
        ".leaflet-township-labels-pane *"))
    .filter((node) => node.childElementCount === 0 && node.textContent.trim())
    .filter((node) => {
        const r = node.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(node).visibility === "hidden") {
            return false;
        }
        for (let n = node; n && n !== document.body; n = n.parentElement) {
            if (Number(getComputedStyle(n).opacity) === 0) {
                return false;
            }
        }
        return true;
    })
    .map((node) => node.textContent).sort())"""


def test_township_names_stay_after_clicks(qtbot: Any, panel: MapPanel) -> None:
    data = night_data()
    load(qtbot, panel, data)
    names = sorted(TOWNSHIP_NAMES)
    assert run_js(qtbot, panel, LABELS_JS) == names

    click_feature(qtbot, panel, "hazards", data.hazards[0].id)
    assert run_js(qtbot, panel, LABELS_JS) == names
    click(qtbot, panel, QPoint(60, 560))  # the empty map (closes the popup)
    qtbot.wait(100)
    assert run_js(qtbot, panel, LABELS_JS) == names
    select_row(qtbot, panel, "teams", data.teams[0].id)
    click_feature(qtbot, panel, "shelters", data.shelters[0].id)
    assert run_js(qtbot, panel, LABELS_JS) == names

    # The names are text, and the layer control still turns them off and on.
    markup = "JSON.stringify(document.querySelectorAll('.leaflet-township-labels-pane b').length)"
    assert run_js(qtbot, panel, markup) == 0
    toggle = """(() => {
        const group = xcc.layers.townships;
        xcc.map.removeLayer(group);
        const hidden = document.querySelector(".leaflet-township-labels-pane").textContent;
        xcc.map.addLayer(group);
        return JSON.stringify(hidden);
    })()"""
    assert run_js(qtbot, panel, toggle) == ""
    assert run_js(qtbot, panel, LABELS_JS) == names


def test_a_township_name_over_a_marker_does_not_take_its_click(qtbot: Any, panel: MapPanel) -> None:
    data = night_data()
    # A team right next to a township seat, under its name.
    seat = replace(data.townships[1], lon=116.77, lat=34.36)
    team = TeamDTO(
        _id(), "机动队", "fire", 12, 0, "standby", None, 116.782, 34.36, None, None, None,
        None, True, 1,
    )  # fmt: skip
    load(qtbot, panel, MapData(COUNTY_SQUARE, (seat,), (), (), (), (team,), ()))
    covered = """(() => {
        const m = xcc.marker("teams", TEAM_ID);
        const p = xcc.map.latLngToContainerPoint(m.getLatLng());
        const box = xcc.map.getContainer().getBoundingClientRect();
        const label = Array.from(document.querySelectorAll(".leaflet-township-labels-pane *"))
            .find((node) => node.childElementCount === 0 && node.textContent);
        const r = label.getBoundingClientRect();
        const x = box.left + p.x, y = box.top + p.y;
        return JSON.stringify(x >= r.left && x <= r.right && y >= r.top && y <= r.bottom);
    })()""".replace("TEAM_ID", json.dumps(str(team.id)))
    assert run_js(qtbot, panel, covered) is True
    assert click_feature(qtbot, panel, "teams", team.id) == ["teams", str(team.id)]


# ---- one meaning per ring ----

# The colours drawn in a ring (radii in CSS px) around a marker on a canvas:
# the most common opaque colour, as [r, g, b].
RING_COLOUR_JS = """(() => {
    const [selector, layer, id, inner, outer] = %s;
    const canvas = document.querySelector(selector);
    const m = xcc.marker(layer, id);
    const p = xcc.map.latLngToContainerPoint(m.getLatLng());
    const box = xcc.map.getContainer().getBoundingClientRect();
    const rect = canvas.getBoundingClientRect();
    const scale = canvas.width / rect.width;
    const cx = (box.left + p.x - rect.left) * scale, cy = (box.top + p.y - rect.top) * scale;
    const r = Math.ceil(outer * scale) + 1;
    const image = canvas.getContext("2d").getImageData(cx - r, cy - r, 2 * r, 2 * r);
    const counts = new Map();
    for (let y = 0; y < 2 * r; y++) {
        for (let x = 0; x < 2 * r; x++) {
            const d = Math.hypot(x - r, y - r) / scale;
            const i = 4 * (y * 2 * r + x);
            const [red, green, blue, alpha] = image.data.slice(i, i + 4);
            if (d < inner || d > outer || alpha < 250 || (red > 240 && green > 240 && blue > 240)) {
                continue;
            }
            const key = [red, green, blue].join(",");
            counts.set(key, (counts.get(key) || 0) + 1);
        }
    }
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    return JSON.stringify(best ? best[0].split(",").map(Number) : null);
})()"""

PULSE_COLOUR_JS = """JSON.stringify(Array.from(document.querySelectorAll(
    ".leaflet-pulse-pane .incident-pulse-steady, .leaflet-pulse-pane .incident-pulse-ring"))
    .map((node) => getComputedStyle(node).borderTopColor.match(/\\d+/g).slice(0, 3).map(Number)))"""


def ring_colour(
    qtbot: Any,
    panel: MapPanel,
    selector: str,
    layer: str,
    feature_id: object,
    radii: tuple[float, float],
) -> list[int]:
    """The ring's colour, once the canvas has painted it (on the next frame)."""
    script = RING_COLOUR_JS % json.dumps([selector, layer, str(feature_id), *radii])
    found: list[list[int]] = []

    def drawn() -> bool:
        colour = run_js(qtbot, panel, script)
        if colour is not None:
            found.append(colour)
        return bool(found)

    qtbot.waitUntil(drawn, timeout=JS_TIMEOUT_MS)
    return found[0]


def reddish(rgb: list[int]) -> bool:
    red, green, blue = rgb
    return red > 150 and green < 110 and blue < 110


def far_apart(a: list[int], b: list[int]) -> bool:
    return math.dist(a, b) > 120


def test_each_ring_means_one_thing(qtbot: Any, panel: MapPanel) -> None:
    data = night_data()
    load(qtbot, panel, data)
    depot = data.depots[0]
    # The red ring: supplies in this depot need attention.
    attention = ring_colour(
        qtbot, panel, ".leaflet-overlay-pane canvas", "depots", depot.id, (10, 12)
    )
    assert reddish(attention)

    # The selection ring is not red and does not look like the attention ring.
    select_row(qtbot, panel, "depots", depot.id)
    selected = ring_colour(
        qtbot, panel, ".leaflet-highlight-pane canvas", "depots", depot.id, (14, 22)
    )
    assert not reddish(selected) and far_apart(selected, attention), (selected, attention)

    # The newest report's pulse, even around a red (level I) star, is not red
    # and not the selection colour either.
    newest = data.incidents[1]
    assert run_js(qtbot, panel, "JSON.stringify(xcc.newestIncident())") == str(newest.id)
    pulse = run_js(qtbot, panel, PULSE_COLOUR_JS)
    assert len(pulse) == 2
    for colour in pulse:
        assert not reddish(colour), colour
        assert far_apart(colour, selected) and far_apart(colour, attention), (colour, selected)

    # The legend says what each ring means.
    words = map_page_texts({})["text"]
    legend = run_js(
        qtbot, panel, "JSON.stringify(document.querySelector('.map-legend').textContent)"
    )
    for key in ("legendDepotAttention", "legendSelected", "legendNewest"):
        assert words[key] in legend, key


# ---- legend and layer toggles on a small screen ----

LEGEND_JS = """JSON.stringify((() => {
    const legend = document.querySelector(".map-legend");
    const body = legend.querySelector(".map-legend-body");
    const layers = document.querySelector(".leaflet-control-layers").getBoundingClientRect();
    const box = legend.getBoundingClientRect();
    const toggle = legend.querySelector(".map-legend-toggle").getBoundingClientRect();
    return {
        mapHeight: xcc.map.getSize().y,
        collapsed: legend.classList.contains("collapsed"),
        bodyShown: body.getBoundingClientRect().height > 0,
        overlap: !(box.bottom <= layers.top || box.top >= layers.bottom
            || box.right <= layers.left || box.left >= layers.right),
        gap: box.top - layers.bottom,
        inside: box.top >= 0 && box.bottom <= xcc.map.getSize().y,
        scrolls: body.scrollHeight > body.clientHeight + 1,
        toggle: [Math.round(toggle.left + toggle.width / 2),
            Math.round(toggle.top + toggle.height / 2)],
    };
})())"""


def legend_state(qtbot: Any, panel: MapPanel) -> dict[str, Any]:
    return run_js(qtbot, panel, LEGEND_JS)  # type: ignore[no-any-return]


def toggle_legend(qtbot: Any, panel: MapPanel) -> dict[str, Any]:
    before = legend_state(qtbot, panel)
    x, y = before["toggle"]
    click(qtbot, panel, QPoint(x, y))
    qtbot.waitUntil(
        lambda: legend_state(qtbot, panel)["collapsed"] != before["collapsed"],
        timeout=JS_TIMEOUT_MS,
    )
    return legend_state(qtbot, panel)


# The map dock's size in the main window at 1366x768, and a little taller.
@pytest.mark.parametrize("size", [(840, 470), (840, 600)])
def test_on_a_short_map_the_legend_starts_folded_and_never_covers_the_layers(
    qtbot: Any, size: tuple[int, int]
) -> None:
    panel = make_panel(qtbot, *size)
    try:
        load(qtbot, panel, night_data())
        state = legend_state(qtbot, panel)
        assert state["mapHeight"] < 620
        assert state["collapsed"] and not state["bodyShown"]
        assert not state["overlap"] and state["inside"]

        # Opened by the user, it fits between the toggles and the bottom and scrolls.
        state = toggle_legend(qtbot, panel)
        assert not state["collapsed"] and state["bodyShown"]
        assert not state["overlap"], state
        assert state["inside"] and state["scrolls"]

        # A taller map: it stays open (the user chose), with room to spare.
        panel.resize(size[0], 1000)
        qtbot.waitUntil(lambda: legend_state(qtbot, panel)["mapHeight"] > 900, timeout=TIMEOUT_MS)
        state = legend_state(qtbot, panel)
        assert not state["collapsed"] and not state["overlap"] and not state["scrolls"]

        # Shorter again: still open as the user left it, still clear of the toggles.
        panel.resize(*size)
        qtbot.waitUntil(lambda: legend_state(qtbot, panel)["mapHeight"] < 620, timeout=TIMEOUT_MS)
        state = legend_state(qtbot, panel)
        assert not state["collapsed"] and not state["overlap"] and state["inside"]

        # And the user can fold it away again.
        state = toggle_legend(qtbot, panel)
        assert state["collapsed"] and not state["bodyShown"] and not state["overlap"]
    finally:
        panel.close_view()


def test_on_a_tall_map_the_legend_starts_open(qtbot: Any) -> None:
    panel = make_panel(qtbot, 1300, 980)
    try:
        load(qtbot, panel, night_data())
        state = legend_state(qtbot, panel)
        assert not state["collapsed"] and state["bodyShown"]
        assert not state["overlap"] and not state["scrolls"] and state["inside"]
    finally:
        panel.close_view()


def test_the_legend_follows_the_map_size_until_the_user_chooses(qtbot: Any) -> None:
    panel = make_panel(qtbot, 840, 470)
    try:
        load(qtbot, panel, night_data())
        assert legend_state(qtbot, panel)["collapsed"]
        panel.resize(840, 1000)  # e.g. the window is maximised
        qtbot.waitUntil(lambda: not legend_state(qtbot, panel)["collapsed"], timeout=TIMEOUT_MS)
        assert not legend_state(qtbot, panel)["overlap"]
        panel.resize(840, 470)
        qtbot.waitUntil(lambda: legend_state(qtbot, panel)["collapsed"], timeout=TIMEOUT_MS)
        # The user's choice holds, also over a new language (the controls are rebuilt).
        toggle_legend(qtbot, panel)
        run_js(qtbot, panel, f"xcc.setTexts({json.dumps(map_page_texts({}))}); '1'")
        state = legend_state(qtbot, panel)
        assert not state["collapsed"] and not state["overlap"]
    finally:
        panel.close_view()
