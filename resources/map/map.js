/*
 * The emergency map page (应急一张图).
 *
 * Python drives the page (see app/ui/map/payload.py, texts.py and view.py):
 *   window.xcc.setTexts({lang, labels, layers, text})    the page's words, in the UI's
 *                                                         language; (re)builds the controls
 *   window.xcc.setData({generation, county, layers})     replace everything
 *   window.xcc.applyChanges({generation, upsert, remove}) add/replace/remove features by id;
 *                                                         never moves the user's view
 *   window.xcc.highlight(layer, id, center)               ring one feature ('' clears)
 *   window.xcc.panTo(lon, lat)                            centre a place (search)
 *   window.xcc.fitCounty()                                show the whole county
 *   window.xcc.setBasemap(info | null)                    offline raster tiles over tiles://
 * and, for tests and diagnostics: xcc.map, xcc.county, xcc.layers (one group per
 * layer), xcc.marker(layer, id), xcc.featureProperties(layer, id),
 * xcc.newestIncident() and xcc.basemap().
 * The page answers over QWebChannel (bridge.*): pageReady() once the map is
 * built, dataApplied(generation) once setData/applyChanges has been painted,
 * featureHighlighted(layer, id), featureClicked(layer, id) and
 * contextMenuRequested(lon, lat) on a right click.
 *
 * The page has no words of its own: labels of codes, layer names, legend and
 * popup lines come from Python (setTexts). Every string is shown as text
 * (textContent and DOM nodes), never parsed as HTML.
 */
(function () {
  'use strict';

  const INITIAL_CENTER = [34.21, 116.84]; // 萧县
  const INITIAL_ZOOM = 10;
  const FIT_PADDING = [16, 16];
  const RING_GAP = 4; // px between a marker and its warning ring
  const HIGHLIGHT_RADIUS = 20; // px; outside the newest incident's steady ring (17)
  const PAINT_FALLBACK_MS = 250;
  const PLACE_ZOOM = 12; // at least this close when search goes to a township
  const FEATURE_ZOOM = 14; // ... or to a feature
  const LEGEND_MIN_MAP_HEIGHT = 600; // px; below this the legend starts folded
  const CONTROL_GAP = 10; // px kept free between the legend and the layer toggles

  const FEATURE_KINDS = ['hazards', 'shelters', 'depots', 'teams', 'incidents'];

  // Risk levels and incident severities share the national four-colour scale.
  const LEVEL_COLORS = { red: '#d7191c', orange: '#fd8d3c', yellow: '#f2c500', blue: '#2b83ba' };
  const SEVERITY_COLORS = { I: LEVEL_COLORS.red, II: LEVEL_COLORS.orange, III: LEVEL_COLORS.yellow, IV: LEVEL_COLORS.blue };
  const UNKNOWN_COLOR = '#888888';
  const TYPE_SWATCH_COLOR = '#6b6b6b'; // hazard shapes in the legend: shape only, no risk colour

  // One shape per hazard type; the colour says the risk level.
  const HAZARD_SHAPES = {
    chemical: 'hexagon', mine: 'cross', gas: 'circle', dust: 'pentagon',
    waterlogging: 'drop', geological: 'triangle-down', crowded: 'ring',
  };

  const SHELTER_GREEN = '#1a9641';
  const SHELTER_FULL = '#e66101';
  const TEAM_COLORS = {
    standby: '#2c5aa0', dispatched: '#7b3294', on_scene: '#c51b7d', returning: '#9e6ebd', resting: '#8e9cc4',
  };
  // Each ring means one thing: red = supplies need attention (depots), this
  // blue on a white edge = selected, the dark pulse (.incident-pulse in map.css)
  // = the newest report.
  const ATTENTION_COLOR = '#e31a1c';
  const HIGHLIGHT_COLOR = '#00a2c7';
  const HIGHLIGHT_EDGE = '#ffffff';

  // The page's words, from Python (setTexts): family -> code -> label, layer ->
  // title, key -> string or %1.. template.
  let LABELS = {};
  let LAYER_TITLES = {};
  let TEXT = {};

  // ---- styles: one function per layer, shared by the markers and the legend ----

  function hazardStyle(p) {
    return {
      shape: HAZARD_SHAPES[p.hazard_type] || 'circle', radius: 7, color: '#ffffff', weight: 1,
      fillColor: LEVEL_COLORS[p.risk_level] || UNKNOWN_COLOR, fillOpacity: 0.95,
    };
  }

  function shelterLoad(p) {
    const capacity = Number(p.capacity) || 0;
    const occupancy = Number(p.occupancy) || 0;
    return capacity > 0 ? Math.min(Math.max(occupancy / capacity, 0), 1) : 0;
  }

  // open / full / closed as Python decided it (one rule for the map, lists and details).
  function shelterStatus(p) {
    return p.state === 'closed' || p.state === 'full' ? p.state : 'open';
  }

  function shelterStyle(p) {
    if (shelterStatus(p) === 'closed') {
      return { shape: 'square', radius: 6, color: SHELTER_GREEN, weight: 2, fillColor: '#c8c8c8', fillOpacity: 0.95 };
    }
    if (shelterStatus(p) === 'full') {
      return { shape: 'square', radius: 6, color: '#ffffff', weight: 1, fillColor: SHELTER_FULL, fillOpacity: 0.95 };
    }
    // Light square, filled from the bottom as far as it is occupied.
    return {
      shape: 'square', radius: 6, color: SHELTER_GREEN, weight: 1.5, fillColor: '#d9f0d3', fillOpacity: 0.95,
      level: shelterLoad(p), levelColor: SHELTER_GREEN,
    };
  }

  function depotStyle(p) {
    return {
      shape: 'diamond', radius: 7, color: '#ffffff', weight: 1, fillColor: '#8c510a', fillOpacity: 0.95,
      ring: p.attention_count > 0 ? ATTENTION_COLOR : null,
    };
  }

  function teamStyle(p) {
    return {
      shape: 'triangle', radius: 7, color: '#ffffff', weight: 1,
      fillColor: TEAM_COLORS[p.status] || TEAM_COLORS.standby, fillOpacity: 0.95,
    };
  }

  function incidentStyle(p, newest) {
    const fillColor = SEVERITY_COLORS[p.severity] || UNKNOWN_COLOR;
    const radius = newest ? 13 : 9;
    return p.is_drill
      ? { shape: 'star', radius, color: '#444444', weight: 1.5, dashArray: '3,2', fillColor, fillOpacity: 0.4 }
      : { shape: 'star', radius, color: '#222222', weight: 1.5, fillColor, fillOpacity: 1 };
  }

  const STYLES = {
    hazards: hazardStyle, shelters: shelterStyle, depots: depotStyle, teams: teamStyle, incidents: incidentStyle,
  };

  // ---- drawing shapes on a canvas (the map's canvas renderer and the legend) ----

  function traceShape(ctx, shape, x, y, r) {
    switch (shape) {
      case 'square': {
        const h = r * 0.85;
        ctx.rect(x - h, y - h, 2 * h, 2 * h);
        return;
      }
      case 'diamond':
        polygon(ctx, [[x, y - r], [x + r, y], [x, y + r], [x - r, y]]);
        return;
      case 'triangle':
        polygon(ctx, [[x, y - r], [x + r * 0.95, y + r * 0.75], [x - r * 0.95, y + r * 0.75]]);
        return;
      case 'triangle-down':
        polygon(ctx, [[x, y + r], [x + r * 0.95, y - r * 0.75], [x - r * 0.95, y - r * 0.75]]);
        return;
      case 'hexagon':
        polygon(ctx, regular(x, y, r, 6));
        return;
      case 'pentagon':
        polygon(ctx, regular(x, y, r, 5));
        return;
      case 'cross': {
        const w = r * 0.38;
        polygon(ctx, [
          [x - w, y - r], [x + w, y - r], [x + w, y - w], [x + r, y - w], [x + r, y + w], [x + w, y + w],
          [x + w, y + r], [x - w, y + r], [x - w, y + w], [x - r, y + w], [x - r, y - w], [x - w, y - w],
        ]);
        return;
      }
      case 'drop':
        ctx.moveTo(x, y - r * 1.15);
        ctx.bezierCurveTo(x + r * 0.95, y - r * 0.1, x + r * 0.8, y + r, x, y + r);
        ctx.bezierCurveTo(x - r * 0.8, y + r, x - r * 0.95, y - r * 0.1, x, y - r * 1.15);
        ctx.closePath();
        return;
      case 'ring': // filled with the even-odd rule: the inner circle is a hole
        ctx.arc(x, y, r, 0, Math.PI * 2, false);
        ctx.moveTo(x + r * 0.45, y);
        ctx.arc(x, y, r * 0.45, 0, Math.PI * 2, true);
        return;
      case 'star': {
        const points = [];
        for (let i = 0; i < 10; i++) {
          const radius = i % 2 === 0 ? r : r * 0.45;
          const angle = -Math.PI / 2 + (i * Math.PI) / 5;
          points.push([x + radius * Math.cos(angle), y + radius * Math.sin(angle)]);
        }
        polygon(ctx, points);
        return;
      }
      default:
        ctx.arc(x, y, r, 0, Math.PI * 2, false);
    }
  }

  function regular(x, y, r, sides) {
    const points = [];
    for (let i = 0; i < sides; i++) {
      const angle = -Math.PI / 2 + (i * 2 * Math.PI) / sides;
      points.push([x + r * Math.cos(angle), y + r * Math.sin(angle)]);
    }
    return points;
  }

  function polygon(ctx, points) {
    ctx.moveTo(points[0][0], points[0][1]);
    for (let i = 1; i < points.length; i++) {
      ctx.lineTo(points[i][0], points[i][1]);
    }
    ctx.closePath();
  }

  function drawShape(ctx, x, y, r, style) {
    ctx.beginPath();
    traceShape(ctx, style.shape, x, y, r);
    ctx.globalAlpha = style.fillOpacity;
    ctx.fillStyle = style.fillColor;
    ctx.fill('evenodd');
    if (style.level > 0) {
      // The occupied part, from the bottom up, clipped to the shape.
      ctx.save();
      ctx.clip('evenodd');
      ctx.fillStyle = style.levelColor;
      ctx.fillRect(x - r, y + r - 2 * r * style.level, 2 * r, 2 * r * style.level);
      ctx.restore();
    }
    if (style.weight) {
      ctx.setLineDash(style.dashArray ? String(style.dashArray).split(',').map(Number) : []);
      ctx.globalAlpha = 1;
      ctx.lineWidth = style.weight;
      ctx.lineJoin = 'round';
      ctx.strokeStyle = style.color;
      ctx.stroke();
    }
    if (style.ring) {
      ctx.beginPath();
      ctx.arc(x, y, r + RING_GAP, 0, Math.PI * 2, false);
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      ctx.lineWidth = 2;
      ctx.strokeStyle = style.ring;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
  }

  // A circle marker drawn as another shape. Draws on Leaflet 1.9's canvas
  // renderer (_ctx, _drawing are its internals; the version is pinned).
  const ShapeMarker = L.CircleMarker.extend({
    options: { shape: 'circle', ring: null, level: 0, levelColor: null },

    _updatePath: function () {
      const renderer = this._renderer;
      if (!(renderer instanceof L.Canvas)) {
        L.CircleMarker.prototype._updatePath.call(this);
        return;
      }
      if (!renderer._drawing || this._empty()) {
        return;
      }
      const radius = Math.max(Math.round(this._radius), 1);
      drawShape(renderer._ctx, this._point.x, this._point.y, radius, this.options);
    },

    // Make the canvas repaint the ring and the drop's tip too, not only the circle.
    _updateBounds: function () {
      L.CircleMarker.prototype._updateBounds.call(this);
      if (this._pxBounds) {
        const extra = (this.options.ring ? RING_GAP + 2 : 0) + Math.ceil(this._radius * 0.2);
        const pad = L.point(extra, extra);
        this._pxBounds = L.bounds(this._pxBounds.min.subtract(pad), this._pxBounds.max.add(pad));
      }
    },
  });

  // ---- text content: DOM nodes built from data, never HTML ----

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  // The label of a code; an unknown code is shown as it is.
  function label(family, code) {
    if (code === undefined || code === null) {
      return '';
    }
    const table = Object.hasOwn(LABELS, family) ? LABELS[family] : {};
    return Object.hasOwn(table, code) ? String(table[code]) : String(code);
  }

  // A page string with %1, %2.. filled in, in one pass (an argument is never
  // read as a template).
  function text(key, ...args) {
    const template = Object.hasOwn(TEXT, key) ? String(TEXT[key]) : key;
    return template.replace(/%(\d)/g, (match, n) => (n >= 1 && n <= args.length ? String(args[n - 1]) : match));
  }

  function shelterSummary(p) {
    const status = label('shelter_status', shelterStatus(p));
    if (shelterStatus(p) === 'closed') {
      return text('shelterClosed', status, p.capacity);
    }
    return text('shelterOpen', status, p.occupancy, p.capacity);
  }

  // A short second line in the tooltip, where one helps.
  function tooltipLine(kind, p) {
    switch (kind) {
      case 'shelters':
        return shelterSummary(p);
      case 'depots':
        return p.attention_count > 0 ? text('depotAttention', p.attention_count) : '';
      case 'incidents': {
        const severity = label('severity', p.severity);
        return p.received_local ? text('pair', severity, p.received_local) : severity;
      }
      default:
        return '';
    }
  }

  function tooltipContent(kind, layer) {
    const p = (layer.feature && layer.feature.properties) || {};
    const node = element('div', null);
    const title = node.appendChild(element('div', 'map-tooltip-title', p.name));
    if (p.is_drill) {
      title.appendChild(element('span', 'map-tooltip-drill', text('drill')));
    }
    if (layer === newest) {
      title.appendChild(element('span', 'map-tooltip-newest', text('newest')));
    }
    const line = tooltipLine(kind, p);
    if (line) {
      node.appendChild(element('div', 'map-tooltip-line', line));
    }
    return node;
  }

  function popupLines(kind, p) {
    switch (kind) {
      case 'hazards':
        return [label('hazard_type', p.hazard_type), text('riskLine', label('risk_level', p.risk_level))];
      case 'shelters':
        return [text('shelterKind', label('shelter_type', p.shelter_type)), shelterSummary(p)];
      case 'depots':
        return [
          label('depot_level', p.level),
          p.attention_count > 0
            ? text('depotItemsAttention', p.item_count, p.attention_count)
            : text('depotItems', p.item_count),
        ];
      case 'teams':
        return [
          text('teamMembers', label('team_type', p.team_type), p.members),
          text('statusLine', label('team_status', p.status)),
        ];
      case 'incidents':
        return [
          (p.is_drill ? text('drillPrefix') : '') +
            text('pair', label('incident_category', p.category), label('severity', p.severity)),
          text('statusLine', label('incident_status', p.status)),
          p.received_local ? text('receivedLine', p.received_local) : '',
        ];
      default:
        return [];
    }
  }

  function popupContent(kind, layer) {
    const p = (layer.feature && layer.feature.properties) || {};
    const node = element('div', 'map-popup');
    node.appendChild(element('div', 'map-popup-title', p.name));
    const lines = popupLines(kind, p);
    if (p.township) {
      lines.push(text('townshipLine', p.township));
    }
    for (const line of lines) {
      if (line) {
        node.appendChild(element('div', 'map-popup-line', line));
      }
    }
    return node;
  }

  // ---- the map ----

  const map = L.map('map', {
    crs: L.CRS.EPSG3857,
    preferCanvas: true,
    maxZoom: 18,
    minZoom: 5,
    zoomSnap: 0.5,
    attributionControl: false,
  }).setView(INITIAL_CENTER, INITIAL_ZOOM);

  // Tiles (tilePane, 200) < county (350) < township labels (380) < pulse (390)
  // < markers (overlayPane, 400) < highlight ring (450).
  // Our panes only show things: a pane (or a canvas renderer in it) above the
  // markers' canvas would take every click and hover meant for the markers.
  function drawingPane(name, zIndex) {
    const pane = map.createPane(name);
    pane.style.zIndex = zIndex;
    pane.style.pointerEvents = 'none';
    pane.classList.add('xcc-drawing-pane'); // map.css keeps everything inside it out of the way too
    return pane;
  }
  drawingPane('boundary', 350);
  drawingPane('township-labels', 380);
  drawingPane('pulse', 390);
  drawingPane('highlight', 450);

  function countyStyle(overTiles) {
    return {
      color: '#34495e', weight: 3, opacity: 0.9, fillColor: '#ffffff', fillOpacity: overTiles ? 0.08 : 0.45,
    };
  }

  const county = L.geoJSON(null, {
    pane: 'boundary',
    renderer: L.canvas({ pane: 'boundary' }),
    interactive: false,
    style: countyStyle(false),
  }).addTo(map);

  const groups = { townships: L.layerGroup().addTo(map) };
  const index = {}; // kind -> Map(id -> marker)
  for (const kind of FEATURE_KINDS) {
    const group = L.featureGroup().addTo(map);
    // One tooltip and one popup per layer (not per marker): cheaper with 10,000 markers.
    group.bindTooltip((layer) => tooltipContent(kind, layer), { direction: 'top', offset: [0, -8] });
    group.bindPopup((layer) => popupContent(kind, layer), { minWidth: 140 });
    group.on('click', (event) => onFeatureClick(kind, event));
    groups[kind] = group;
    index[kind] = new Map();
  }

  // The selection: a blue ring on a white edge, unlike the thin red attention
  // ring and the dark pulse, and visible on any basemap.
  const highlightRenderer = L.canvas({ pane: 'highlight' });
  const highlightRing = L.layerGroup([
    L.circleMarker([0, 0], {
      pane: 'highlight', renderer: highlightRenderer, radius: HIGHLIGHT_RADIUS,
      color: HIGHLIGHT_EDGE, opacity: 0.9, weight: 8, fill: false, interactive: false,
    }),
    L.circleMarker([0, 0], {
      pane: 'highlight', renderer: highlightRenderer, radius: HIGHLIGHT_RADIUS,
      color: HIGHLIGHT_COLOR, weight: 4, fill: false, interactive: false,
    }),
  ]);

  // The newest incident: a CSS-animated ring under its (larger) star. The ring
  // is dark whatever the severity: the star's colour already says that, and a
  // red or blue ring would read as "needs attention" or "selected".
  const pulseBody = element('div', 'incident-pulse-body');
  pulseBody.appendChild(element('div', 'incident-pulse-steady'));
  pulseBody.appendChild(element('div', 'incident-pulse-ring'));
  const pulse = L.marker([0, 0], {
    icon: L.divIcon({ className: 'incident-pulse', iconSize: [48, 48], html: pulseBody }),
    pane: 'pulse',
    interactive: false,
    keyboard: false,
  });

  let bridge = null;
  let fitted = false;
  let highlighted = null; // { kind, id } asked for by Python
  let newest = null; // the marker of the newest incident
  let basemap = null;
  let picking = false; // pick mode: the next click is a point for a form

  // ---- pick mode: one click returns a point to Python; Esc cancels ----
  function setPicking(on) {
    picking = Boolean(on);
    map.getContainer().classList.toggle('xcc-picking', picking);
  }

  function startPick() {
    setPicking(true);
    map.getContainer().focus();
  }

  function cancelPick() {
    setPicking(false);
  }

  function pickAt(latlng) {
    const { lng, lat } = latlng.wrap();
    setPicking(false);
    report('pointPicked', lng, lat);
  }

  function onFeatureClick(kind, event) {
    if (picking) {
      pickAt(event.latlng);
      return;
    }
    const feature = event.propagatedFrom && event.propagatedFrom.feature;
    if (feature) {
      report('featureClicked', kind, String(feature.id));
    }
  }

  function pointOf(feature) {
    const geometry = feature && feature.geometry;
    if (!geometry || geometry.type !== 'Point' || !Array.isArray(geometry.coordinates)) {
      return null;
    }
    const [lon, lat] = geometry.coordinates;
    return Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
      ? L.latLng(lat, lon)
      : null;
  }

  function featuresOf(collection) {
    return (collection && Array.isArray(collection.features)) ? collection.features : [];
  }

  function setCounty(geometry) {
    county.clearLayers();
    if (!geometry) {
      return;
    }
    try {
      county.addData(geometry);
    } catch (error) {
      console.error('county boundary not drawn: ' + error);
    }
  }

  function setTownships(collection) {
    const group = groups.townships;
    group.clearLayers();
    for (const feature of featuresOf(collection)) {
      const latlng = pointOf(feature);
      if (!latlng || !feature.properties) {
        continue;
      }
      group.addLayer(L.circleMarker(latlng, {
        radius: 2.5, color: '#5d6d7e', weight: 1, fillColor: '#ffffff', fillOpacity: 1, interactive: false,
      }));
      // A marker, not a tooltip: Leaflet closes tooltips on any click, and the
      // place names must stay. The name is a text node, never HTML.
      group.addLayer(L.marker(latlng, {
        pane: 'township-labels',
        icon: L.divIcon({
          className: 'township-label', html: element('span', 'township-label-text', feature.properties.name),
          iconSize: null, iconAnchor: [-5, 0],
        }),
        interactive: false,
        keyboard: false,
      }));
    }
  }

  // ---- features by id ----

  function addFeature(kind, feature, latlng) {
    const marker = new ShapeMarker(latlng, STYLES[kind](feature.properties, false));
    marker.feature = feature;
    groups[kind].addLayer(marker);
    index[kind].set(String(feature.id), marker);
  }

  // Replace a feature in place: an open tooltip or popup stays open, with the new text.
  function updateFeature(kind, marker, feature, latlng) {
    marker.feature = feature;
    marker.setLatLng(latlng);
    marker.setStyle(STYLES[kind](feature.properties, marker === newest));
    for (const overlay of [groups[kind].getTooltip(), groups[kind].getPopup()]) {
      if (overlay && overlay._source === marker && overlay.isOpen()) {
        overlay.setLatLng(latlng);
        overlay.update();
      }
    }
  }

  function removeFeature(kind, id) {
    const marker = index[kind].get(id);
    if (marker) {
      groups[kind].removeLayer(marker);
      index[kind].delete(id);
    }
  }

  function upsertFeature(kind, feature) {
    const id = String(feature.id);
    const latlng = pointOf(feature);
    if (!latlng || !feature.properties) {
      console.warn('skipped a ' + kind + ' feature without a valid point');
      removeFeature(kind, id);
      return;
    }
    const marker = index[kind].get(id);
    if (marker) {
      updateFeature(kind, marker, feature, latlng);
    } else {
      addFeature(kind, feature, latlng);
    }
  }

  function setFeatures(kind, collection) {
    groups[kind].clearLayers();
    index[kind].clear();
    for (const feature of featuresOf(collection)) {
      const latlng = pointOf(feature);
      if (!latlng || !feature.properties) {
        console.warn('skipped a ' + kind + ' feature without a valid point');
        continue;
      }
      const id = String(feature.id);
      if (index[kind].has(id)) {
        updateFeature(kind, index[kind].get(id), feature, latlng); // duplicate id: the last wins
      } else {
        addFeature(kind, feature, latlng);
      }
    }
  }

  // The newest incident by received_ts is drawn larger, over a pulsing ring.
  function updateNewest() {
    let best = null;
    let bestTs = -Infinity;
    for (const marker of index.incidents.values()) {
      const ts = Number(marker.feature.properties.received_ts);
      if (Number.isFinite(ts) && ts > bestTs) {
        best = marker;
        bestTs = ts;
      }
    }
    const previous = newest;
    newest = best;
    if (previous && previous !== best && index.incidents.get(String(previous.feature.id)) === previous) {
      previous.setStyle(incidentStyle(previous.feature.properties, false));
    }
    const group = groups.incidents;
    if (!best) {
      group.removeLayer(pulse);
      return;
    }
    const p = best.feature.properties;
    best.setStyle(incidentStyle(p, true));
    best.bringToFront(); // drawn over its neighbours
    pulse.setLatLng(best.getLatLng());
    pulseBody.classList.toggle('incident-pulse-drill', Boolean(p.is_drill));
    if (!group.hasLayer(pulse)) {
      group.addLayer(pulse);
    }
  }

  function dataBounds() {
    const bounds = county.getBounds();
    if (bounds.isValid()) {
      return bounds;
    }
    const all = L.latLngBounds([]);
    for (const kind of FEATURE_KINDS) {
      const groupBounds = groups[kind].getBounds();
      if (groupBounds.isValid()) {
        all.extend(groupBounds);
      }
    }
    return all;
  }

  function fitCounty() {
    const bounds = dataBounds();
    if (!bounds.isValid()) {
      return false;
    }
    const fit = () => map.fitBounds(bounds, { padding: FIT_PADDING, animate: false });
    const size = map.getSize();
    if (size.x > 0 && size.y > 0) {
      fit();
    } else {
      map.once('resize', fit);
    }
    return true;
  }

  // Fit to the county once, on the first data; later data keeps the user's view.
  function fitOnce() {
    if (!fitted) {
      fitted = fitCounty();
    }
  }

  // Call back once the canvas has painted (the renderer redraws on the next
  // animation frame). Hidden pages get no frames, so a timer stands in.
  function afterPaint(callback) {
    let done = false;
    const once = () => {
      if (!done) {
        done = true;
        callback();
      }
    };
    requestAnimationFrame(() => setTimeout(once, 0));
    setTimeout(once, document.visibilityState === 'hidden' ? 0 : PAINT_FALLBACK_MS);
  }

  function openTooltipOf(kind, marker) {
    const group = groups[kind];
    const tooltip = group.getTooltip();
    if (tooltip) {
      tooltip._source = marker; // as Leaflet's own hover handler does for group tooltips
      group.openTooltip(marker.getLatLng());
    }
  }

  // Ring the highlighted feature. bringIntoView: pan to it and name it;
  // center: centre it and zoom in (search).
  function showHighlight(bringIntoView, center) {
    const marker = highlighted && Object.hasOwn(index, highlighted.kind)
      ? index[highlighted.kind].get(highlighted.id)
      : undefined;
    if (!marker) {
      highlightRing.remove();
      report('featureHighlighted', '', '');
      return;
    }
    const latlng = marker.getLatLng();
    highlightRing.eachLayer((ring) => ring.setLatLng(latlng));
    highlightRing.addTo(map);
    if (center) {
      map.setView(latlng, Math.max(map.getZoom(), FEATURE_ZOOM), { animate: false });
    } else if (bringIntoView) {
      map.panInside(latlng, { padding: [60, 60] });
    }
    if (bringIntoView || center) {
      openTooltipOf(highlighted.kind, marker);
    }
    report('featureHighlighted', highlighted.kind, highlighted.id);
  }

  function highlight(kind, id, center) {
    highlighted = kind && id ? { kind: String(kind), id: String(id) } : null;
    showHighlight(true, Boolean(center));
  }

  function panTo(lon, lat) {
    if (Number.isFinite(lon) && Number.isFinite(lat)) {
      map.setView([lat, lon], Math.max(map.getZoom(), PLACE_ZOOM), { animate: false });
    }
  }

  function markerOf(kind, id) {
    return Object.hasOwn(index, kind) ? index[kind].get(String(id)) || null : null;
  }

  function report(slot, ...args) {
    if (bridge) {
      bridge[slot](...args);
    }
  }

  function setData(payload) {
    const layers = payload.layers || {};
    newest = null;
    setCounty(payload.county);
    setTownships(layers.townships);
    for (const kind of FEATURE_KINDS) {
      setFeatures(kind, layers[kind]);
    }
    updateNewest();
    fitOnce();
    if (highlighted) {
      showHighlight(false, false);
    }
    afterPaint(() => report('dataApplied', payload.generation));
  }

  // Add, replace and remove features by id. Other layers and the view stay as they are.
  function applyChanges(diff) {
    const remove = diff.remove || {};
    const upsert = diff.upsert || {};
    let incidentsChanged = false;
    for (const kind of FEATURE_KINDS) {
      const ids = Array.isArray(remove[kind]) ? remove[kind] : [];
      for (const id of ids) {
        removeFeature(kind, String(id));
      }
      const features = featuresOf(upsert[kind]);
      for (const feature of features) {
        upsertFeature(kind, feature);
      }
      if (kind === 'incidents' && (ids.length > 0 || features.length > 0)) {
        incidentsChanged = true;
      }
    }
    if (incidentsChanged) {
      updateNewest();
    }
    if (highlighted) {
      showHighlight(false, false);
    }
    afterPaint(() => report('dataApplied', diff.generation));
  }

  // ---- the offline basemap ----

  function setBasemap(info) {
    if (basemap) {
      basemap.remove();
      basemap = null;
    }
    const on = Boolean(info && info.url);
    county.setStyle(countyStyle(on));
    if (!on) {
      return;
    }
    const number = (value, fallback) => (Number.isFinite(value) ? value : fallback);
    const b = info.bounds; // [west, south, east, north] or null
    basemap = L.tileLayer(info.url, {
      // The URL carries the file's version, so tiles of a previous file are never reused.
      minZoom: number(info.minZoom, map.getMinZoom()),
      // Past the file's deepest level Leaflet enlarges its last tiles.
      maxNativeZoom: number(info.maxZoom, map.getMaxZoom()),
      maxZoom: map.getMaxZoom(),
      bounds: Array.isArray(b) && b.length === 4 ? L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]) : undefined,
      tms: false, // XYZ URLs; the handler flips rows to the file's TMS order
      attribution: '', // the file's attribution is plain text: never hand it to Leaflet (innerHTML)
    }).addTo(map); // the tile pane lies below every vector pane
  }

  // ---- controls ----

  // Leaflet 1.9 writes a layer's name as HTML (_addItem, an internal; the
  // version is pinned): let it write nothing, then set the name as text.
  const TextLayers = L.Control.Layers.extend({
    _addItem: function (obj) {
      const item = L.Control.Layers.prototype._addItem.call(this, Object.assign({}, obj, { name: '' }));
      item.firstChild.lastChild.textContent = ' ' + obj.name;
      return item;
    },
  });

  function addLayerControl() {
    const control = new TextLayers(null, null, { collapsed: false, position: 'topright' });
    for (const kind of FEATURE_KINDS.concat(['townships'])) {
      control.addOverlay(groups[kind], Object.hasOwn(LAYER_TITLES, kind) ? String(LAYER_TITLES[kind]) : kind);
    }
    return control.addTo(map);
  }

  function swatch(style) {
    const size = 18;
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement('canvas');
    canvas.width = size * ratio;
    canvas.height = size * ratio;
    canvas.style.width = size + 'px';
    canvas.style.height = size + 'px';
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    if (style.line) {
      ctx.beginPath();
      ctx.moveTo(1, size / 2);
      ctx.lineTo(size - 1, size / 2);
      ctx.lineWidth = style.weight;
      ctx.strokeStyle = style.color;
      ctx.stroke();
      return canvas;
    }
    const radius = style.ring ? 4 : Math.min(style.radius, 7);
    // White outlines vanish on the white legend: outline in grey there.
    const outline = style.color === '#ffffff' ? '#666666' : style.color;
    drawShape(ctx, size / 2, size / 2, radius, Object.assign({}, style, { color: outline }));
    return canvas;
  }

  function pulseSwatch() {
    const box = element('span', 'map-legend-pulse');
    box.appendChild(element('span', 'map-legend-pulse-ring'));
    return box;
  }

  function legendItem(symbol, words) {
    const item = element('span', 'map-legend-item');
    item.appendChild(symbol.nodeType ? symbol : swatch(symbol));
    item.appendChild(element('span', null, words));
    return item;
  }

  function legendSection(title, items) {
    const section = element('div', 'map-legend-section');
    section.appendChild(element('div', 'map-legend-heading', title));
    const row = section.appendChild(element('div', 'map-legend-items'));
    for (const [symbol, words] of items) {
      row.appendChild(legendItem(symbol, words));
    }
    return section;
  }

  function buildLegend() {
    const box = element('div', 'map-panel map-legend');
    const header = box.appendChild(element('div', 'map-legend-title'));
    header.appendChild(element('span', null, text('legend')));
    const toggle = header.appendChild(element('button', 'map-legend-toggle', text('legendHide')));
    toggle.type = 'button';
    const body = box.appendChild(element('div', 'map-legend-body'));
    toggle.addEventListener('click', () => {
      legendFolded = !box.classList.contains('collapsed');
      fitLegend();
    });
    const typeStyle = (type) => Object.assign(hazardStyle({ hazard_type: type }), { fillColor: TYPE_SWATCH_COLOR });
    const layerTitle = (kind) => (Object.hasOwn(LAYER_TITLES, kind) ? String(LAYER_TITLES[kind]) : kind);
    body.appendChild(legendSection(text('legendHazardColour'),
      ['red', 'orange', 'yellow', 'blue'].map((level) => [hazardStyle({ risk_level: level }), label('risk_level', level)])));
    body.appendChild(legendSection(text('legendHazardShape'),
      Object.keys(HAZARD_SHAPES).map((type) => [typeStyle(type), label('hazard_type', type)])));
    body.appendChild(legendSection(layerTitle('shelters'), [
      [shelterStyle({ state: 'open', capacity: 2, occupancy: 1 }), text('legendShelterOpen')],
      [shelterStyle({ state: 'full', capacity: 1, occupancy: 1 }), label('shelter_status', 'full')],
      [shelterStyle({ state: 'closed' }), label('shelter_status', 'closed')],
    ]));
    body.appendChild(legendSection(layerTitle('depots'), [
      [depotStyle({ attention_count: 0 }), text('legendDepot')],
      [depotStyle({ attention_count: 1 }), text('legendDepotAttention')],
    ]));
    body.appendChild(legendSection(layerTitle('teams'),
      Object.keys(TEAM_COLORS).map((status) => [teamStyle({ status }), label('team_status', status)])));
    body.appendChild(legendSection(text('legendIncidents'),
      Object.keys(SEVERITY_COLORS).map((severity) => [incidentStyle({ severity }), label('severity', severity)]).concat([
        [incidentStyle({ severity: 'III', is_drill: true }), text('legendDrill')], [pulseSwatch(), text('legendNewest')],
      ])));
    body.appendChild(legendSection(text('legendOther'), [
      [{ line: true, color: '#34495e', weight: 3 }, text('legendCounty')],
      [{ shape: 'circle', radius: 3, color: '#5d6d7e', weight: 1, fillColor: '#ffffff', fillOpacity: 1 }, text('legendTownshipSeat')],
      [{ shape: 'circle', radius: 6, color: HIGHLIGHT_COLOR, weight: 3, fillColor: '#ffffff', fillOpacity: 0 }, text('legendSelected')],
    ]));
    return box;
  }

  let legend = null; // the legend's box, once built
  let layerControl = null;
  let legendFolded = null; // the user's choice (true: folded), kept over setTexts; null: none yet

  function addLegend() {
    const Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: () => {
        const box = buildLegend();
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });
    const control = new Legend().addTo(map);
    legend = control.getContainer();
    return control;
  }

  // Height the legend may take: from its bottom (the bottom-right corner stacks
  // upwards from the coordinates) up to just under the layer toggles.
  function legendRoom() {
    const bottom = legend.getBoundingClientRect().bottom;
    const toggles = layerControl && layerControl.getContainer();
    const top = toggles && toggles.isConnected
      ? toggles.getBoundingClientRect().bottom
      : map.getContainer().getBoundingClientRect().top;
    return bottom - top - CONTROL_GAP;
  }

  // Fold or open the legend, and keep it off the layer toggles (both sit on the
  // right). Until the user chooses, it is folded on a short map or where it
  // would not fit whole; open, its body scrolls in the room there is.
  function fitLegend() {
    if (!legend || !legend.isConnected) {
      return;
    }
    const body = legend.querySelector('.map-legend-body');
    const toggle = legend.querySelector('.map-legend-toggle');
    body.style.maxHeight = '';
    legend.classList.remove('collapsed');
    const room = legendRoom();
    const fits = legend.offsetHeight <= room;
    const folded = legendFolded !== null ? legendFolded : map.getSize().y < LEGEND_MIN_MAP_HEIGHT || !fits;
    legend.classList.toggle('collapsed', folded);
    toggle.textContent = folded ? text('legendShow') : text('legendHide');
    if (!folded && !fits) {
      body.style.maxHeight = Math.max(Math.floor(room - (legend.offsetHeight - body.offsetHeight)), 0) + 'px';
    }
  }

  map.on('resize', fitLegend);

  function addCoordinates() {
    const Coordinates = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function (target) {
        const box = element('div', 'map-panel map-coordinates', text('coordinates', '—', '—'));
        this._move = (event) => {
          const { lng, lat } = event.latlng;
          box.textContent = text('coordinates', lng.toFixed(5), lat.toFixed(5));
        };
        this._out = () => {
          box.textContent = text('coordinates', '—', '—');
        };
        target.on({ mousemove: this._move, mouseout: this._out });
        return box;
      },
      // setTexts rebuilds the controls: the old box must stop listening.
      onRemove: function (target) {
        target.off({ mousemove: this._move, mouseout: this._out });
      },
    });
    return new Coordinates().addTo(map);
  }

  let controls = [];

  function addControls() {
    for (const control of controls) {
      control.remove();
    }
    layerControl = addLayerControl();
    controls = [
      layerControl,
      L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map),
      addCoordinates(), // bottom corners stack upwards: the legend goes above
      addLegend(),
    ];
    // A right click on a control is not a right click on the map.
    for (const box of map.getContainer().querySelectorAll('.leaflet-control')) {
      L.DomEvent.on(box, 'contextmenu', L.DomEvent.stop);
    }
    fitLegend();
  }

  map.on('click', (event) => {
    if (picking) {
      pickAt(event.latlng);
    }
  });
  document.addEventListener('keydown', (event) => {
    if (picking && event.key === 'Escape') {
      setPicking(false);
      report('pickCancelled');
    }
  });

  // Right click: Python offers "record an incident here".
  map.on('contextmenu', (event) => {
    const { lng, lat } = event.latlng.wrap();
    report('contextMenuRequested', lng, lat);
  });

  // ---- the bridge to Python ----

  function connectBridge() {
    if (typeof QWebChannel === 'undefined' || !window.qt || !window.qt.webChannelTransport) {
      console.warn('no Qt WebChannel: the page runs outside the application');
      return;
    }
    new QWebChannel(window.qt.webChannelTransport, (channel) => {
      bridge = channel.objects.bridge;
      bridge.pageReady();
    });
  }

  // The page's words (see texts.py); the controls are built from them.
  function setTexts(texts) {
    const t = texts || {};
    LABELS = t.labels || {};
    LAYER_TITLES = t.layers || {};
    TEXT = t.text || {};
    document.documentElement.lang = String(t.lang || '');
    document.title = text('title');
    map.getContainer().setAttribute('aria-label', text('title'));
    addControls();
  }

  window.xcc = Object.freeze({
    map,
    county,
    layers: groups,
    setTexts,
    setData,
    applyChanges,
    highlight,
    panTo,
    fitCounty,
    setBasemap,
    startPick,
    cancelPick,
    // For tests and diagnostics.
    marker: markerOf,
    featureProperties: (kind, id) => {
      const found = markerOf(kind, id);
      return found ? found.feature.properties : null;
    },
    newestIncident: () => (newest ? String(newest.feature.id) : null),
    basemap: () => basemap,
    picking: () => picking,
  });
  connectBridge();
})();
