/*
 * The emergency map page (应急一张图).
 *
 * Python sends data with window.xcc.setData(payload) (see app/ui/map/payload.py);
 * the page answers over QWebChannel: bridge.pageReady() once the map is built,
 * bridge.dataApplied(generation) once that data is drawn,
 * bridge.featureHighlighted(layer, id) after window.xcc.highlight(layer, id), and
 * bridge.featureClicked(layer, id) on clicks.
 *
 * Every string that comes with the data is shown as text (textContent and DOM
 * nodes), never parsed as HTML.
 */
(function () {
  'use strict';

  const INITIAL_CENTER = [34.21, 116.84]; // 萧县
  const INITIAL_ZOOM = 10;
  const FIT_PADDING = [16, 16];
  const RING_GAP = 4; // px between a marker and its warning ring
  const PAINT_FALLBACK_MS = 250;

  const FEATURE_KINDS = ['hazards', 'shelters', 'depots', 'teams', 'incidents'];

  const LAYER_TITLES = {
    hazards: '风险隐患点',
    shelters: '避难场所',
    depots: '物资储备库',
    teams: '救援队伍',
    incidents: '突发事件',
    townships: '乡镇',
  };

  // Risk levels and incident severities share the national four-colour scale.
  const LEVEL_COLORS = { red: '#d7191c', orange: '#fd8d3c', yellow: '#f2c500', blue: '#2b83ba' };
  const SEVERITY_COLORS = { I: LEVEL_COLORS.red, II: LEVEL_COLORS.orange, III: LEVEL_COLORS.yellow, IV: LEVEL_COLORS.blue };
  const UNKNOWN_COLOR = '#888888';

  const LABELS = {
    risk: { red: '重大风险（红）', orange: '较大风险（橙）', yellow: '一般风险（黄）', blue: '低风险（蓝）' },
    hazardType: {
      chemical: '危险化学品企业', mine: '非煤矿山', gas: '燃气', dust: '粉尘涉爆',
      waterlogging: '易涝点', geological: '地质灾害隐患点', crowded: '人员密集场所',
    },
    depotLevel: { county: '县级储备库', township: '乡镇储备点', agreement: '协议储备' },
    teamType: { fire: '消防救援', volunteer: '社会救援力量', professional: '专业救援队', township: '乡镇应急队' },
    teamStatus: { standby: '待命', deployed: '出动', resting: '休整' },
    severity: { I: 'Ⅰ级（特别重大）', II: 'Ⅱ级（重大）', III: 'Ⅲ级（较大）', IV: 'Ⅳ级（一般）' },
    incidentStatus: {
      received: '接报', verified: '核实', reported: '上报', responding: '响应', handling: '处置', closed: '结束',
    },
  };

  // ---- styles: one function per layer, shared by the markers and the legend ----

  function hazardStyle(p) {
    return {
      shape: 'circle', radius: 6, color: '#ffffff', weight: 1,
      fillColor: LEVEL_COLORS[p.risk] || UNKNOWN_COLOR, fillOpacity: 0.95,
    };
  }

  function shelterStyle(p) {
    return p.open
      ? { shape: 'square', radius: 6, color: '#ffffff', weight: 1, fillColor: '#1a9641', fillOpacity: 0.95 }
      : { shape: 'square', radius: 6, color: '#1a9641', weight: 2, fillColor: '#c8c8c8', fillOpacity: 0.95 };
  }

  function depotStyle(p) {
    return {
      shape: 'diamond', radius: 7, color: '#ffffff', weight: 1, fillColor: '#8c510a', fillOpacity: 0.95,
      ring: p.attention > 0 ? '#e31a1c' : null,
    };
  }

  const TEAM_COLORS = { standby: '#2c5aa0', deployed: '#7b3294', resting: '#8e9cc4' };

  function teamStyle(p) {
    return {
      shape: 'triangle', radius: 7, color: '#ffffff', weight: 1,
      fillColor: TEAM_COLORS[p.status] || TEAM_COLORS.standby, fillOpacity: 0.95,
    };
  }

  function incidentStyle(p) {
    const fillColor = SEVERITY_COLORS[p.severity] || UNKNOWN_COLOR;
    return p.drill
      ? { shape: 'star', radius: 9, color: '#444444', weight: 1.5, dashArray: '3,2', fillColor, fillOpacity: 0.4 }
      : { shape: 'star', radius: 9, color: '#222222', weight: 1.5, fillColor, fillOpacity: 1 };
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
    ctx.fill();
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
    options: { shape: 'circle', ring: null },

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

    // Make the canvas repaint the ring too, not only the marker.
    _updateBounds: function () {
      L.CircleMarker.prototype._updateBounds.call(this);
      if (this.options.ring && this._pxBounds) {
        const pad = L.point(RING_GAP + 2, RING_GAP + 2);
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

  function label(table, code) {
    if (code === undefined || code === null) {
      return '';
    }
    return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : String(code);
  }

  function tooltipContent(layer) {
    const p = layer.feature.properties;
    const node = element('span', null, p.name);
    if (p.drill) {
      node.appendChild(element('span', 'map-tooltip-drill', '（演练）'));
    }
    return node;
  }

  function popupLines(kind, p) {
    switch (kind) {
      case 'hazards':
        return [label(LABELS.hazardType, p.type), '风险等级：' + label(LABELS.risk, p.risk)];
      case 'shelters':
        return [(p.open ? '开放' : '关闭') + '　已安置 ' + p.occupancy + ' / 容纳 ' + p.capacity + ' 人'];
      case 'depots':
        return [label(LABELS.depotLevel, p.level), '物资 ' + p.items + ' 种' + (p.attention > 0 ? '，需关注 ' + p.attention + ' 项' : '')];
      case 'teams':
        return [label(LABELS.teamType, p.type) + '　' + p.members + ' 人', '状态：' + label(LABELS.teamStatus, p.status)];
      case 'incidents':
        return [
          (p.drill ? '【演练】' : '') + label(LABELS.severity, p.severity),
          '状态：' + label(LABELS.incidentStatus, p.status),
        ];
      default:
        return [];
    }
  }

  function popupContent(kind, layer) {
    const p = layer.feature.properties;
    const node = element('div', 'map-popup');
    node.appendChild(element('div', 'map-popup-title', p.name));
    const lines = popupLines(kind, p);
    if (p.township) {
      lines.push('乡镇：' + p.township);
    }
    for (const line of lines) {
      node.appendChild(element('div', 'map-popup-line', line));
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

  map.createPane('boundary').style.zIndex = 350;
  map.createPane('township-labels').style.zIndex = 380;
  map.createPane('highlight').style.zIndex = 450; // above the markers (400)

  const county = L.geoJSON(null, {
    pane: 'boundary',
    renderer: L.canvas({ pane: 'boundary' }),
    interactive: false,
    style: { color: '#34495e', weight: 3, opacity: 0.9, fillColor: '#ffffff', fillOpacity: 0.45 },
  }).addTo(map);

  const groups = { townships: L.layerGroup().addTo(map) };
  const index = {}; // kind -> Map(id -> marker)
  for (const kind of FEATURE_KINDS) {
    groups[kind] = L.featureGroup().addTo(map);
    groups[kind].on('click', (event) => onFeatureClick(kind, event));
    index[kind] = new Map();
  }

  const highlightRing = L.circleMarker([0, 0], {
    pane: 'highlight',
    renderer: L.canvas({ pane: 'highlight' }),
    radius: 15,
    color: '#00a2c7',
    weight: 3,
    fill: false,
    interactive: false,
  });

  let bridge = null;
  let fitted = false;
  let highlighted = null; // { kind, id } asked for by Python

  function onFeatureClick(kind, event) {
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
    return Number.isFinite(lon) && Number.isFinite(lat) ? L.latLng(lat, lon) : null;
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
      const text = L.tooltip(latlng, {
        pane: 'township-labels', className: 'township-label', direction: 'right', offset: [3, 0],
        interactive: false,
      });
      text.setContent(element('span', null, feature.properties.name));
      group.addLayer(text);
    }
  }

  function setFeatures(kind, collection) {
    const group = groups[kind];
    group.clearLayers();
    index[kind].clear();
    for (const feature of featuresOf(collection)) {
      const latlng = pointOf(feature);
      if (!latlng || !feature.properties) {
        console.warn('skipped a ' + kind + ' feature without a valid point');
        continue;
      }
      const style = STYLES[kind](feature.properties);
      const marker = style.shape === 'circle' && !style.ring ? L.circleMarker(latlng, style) : new ShapeMarker(latlng, style);
      marker.feature = feature;
      marker.bindTooltip(tooltipContent, { direction: 'top', offset: [0, -style.radius] });
      marker.bindPopup((layer) => popupContent(kind, layer), { minWidth: 120 });
      group.addLayer(marker);
      index[kind].set(String(feature.id), marker);
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

  // Fit to the county once, on the first data; later data keeps the user's view.
  function fitOnce() {
    if (fitted) {
      return;
    }
    const bounds = dataBounds();
    if (!bounds.isValid()) {
      return;
    }
    fitted = true;
    const fit = () => map.fitBounds(bounds, { padding: FIT_PADDING, animate: false });
    const size = map.getSize();
    if (size.x > 0 && size.y > 0) {
      fit();
    } else {
      map.once('resize', fit);
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

  // Ring the highlighted feature; with bringIntoView, also pan to it and name it.
  function showHighlight(bringIntoView) {
    const marker = highlighted && Object.hasOwn(index, highlighted.kind)
      ? index[highlighted.kind].get(highlighted.id)
      : undefined;
    if (!marker) {
      highlightRing.remove();
      report('featureHighlighted', '', '');
      return;
    }
    const latlng = marker.getLatLng();
    highlightRing.setLatLng(latlng).addTo(map);
    if (bringIntoView) {
      map.panInside(latlng, { padding: [60, 60] });
      marker.openTooltip();
    }
    report('featureHighlighted', highlighted.kind, highlighted.id);
  }

  function highlight(kind, id) {
    highlighted = kind && id ? { kind: String(kind), id: String(id) } : null;
    showHighlight(true);
  }

  function report(slot, ...args) {
    if (bridge) {
      bridge[slot](...args);
    }
  }

  function setData(payload) {
    const layers = payload.layers || {};
    setCounty(payload.county);
    setTownships(layers.townships);
    for (const kind of FEATURE_KINDS) {
      setFeatures(kind, layers[kind]);
    }
    fitOnce();
    if (highlighted) {
      showHighlight(false);
    }
    afterPaint(() => report('dataApplied', payload.generation));
  }

  // ---- controls ----

  function addLayerControl() {
    const overlays = {};
    for (const kind of FEATURE_KINDS.concat(['townships'])) {
      overlays[LAYER_TITLES[kind]] = groups[kind];
    }
    L.control.layers(null, overlays, { collapsed: false, position: 'topright' }).addTo(map);
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
    const radius = style.ring ? 4 : Math.min(style.radius, 7);
    // White outlines vanish on the white legend: outline in grey there.
    const outline = style.color === '#ffffff' ? '#666666' : style.color;
    drawShape(ctx, size / 2, size / 2, radius, Object.assign({}, style, { color: outline }));
    return canvas;
  }

  function legendRow(items) {
    const row = element('div', 'map-legend-row');
    for (const [style, text] of items) {
      row.appendChild(swatch(style));
      row.appendChild(element('span', null, text));
    }
    return row;
  }

  function buildLegend() {
    const box = element('div', 'map-panel map-legend');
    box.appendChild(element('div', 'map-legend-title', '图例'));
    box.appendChild(legendRow([
      [hazardStyle({ risk: 'red' }), '红'], [hazardStyle({ risk: 'orange' }), '橙'],
      [hazardStyle({ risk: 'yellow' }), '黄'], [hazardStyle({ risk: 'blue' }), '蓝　风险隐患点'],
    ]));
    box.appendChild(legendRow([[shelterStyle({ open: true }), '开放'], [shelterStyle({ open: false }), '关闭　避难场所']]));
    box.appendChild(legendRow([[depotStyle({ attention: 0 }), '储备库'], [depotStyle({ attention: 1 }), '物资需关注']]));
    box.appendChild(legendRow([[teamStyle({ status: 'standby' }), '待命'], [teamStyle({ status: 'deployed' }), '出动　救援队伍']]));
    box.appendChild(legendRow([[incidentStyle({ severity: 'I' }), '突发事件'], [incidentStyle({ severity: 'I', drill: true }), '演练']]));
    return box;
  }

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
    new Legend().addTo(map);
  }

  function addCoordinates() {
    const Coordinates = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: (target) => {
        const box = element('div', 'map-panel map-coordinates', '经度 —　纬度 —');
        target.on('mousemove', (event) => {
          const { lng, lat } = event.latlng;
          box.textContent = '经度 ' + lng.toFixed(5) + '　纬度 ' + lat.toFixed(5);
        });
        target.on('mouseout', () => {
          box.textContent = '经度 —　纬度 —';
        });
        return box;
      },
    });
    new Coordinates().addTo(map);
  }

  function addControls() {
    addLayerControl();
    L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map);
    addCoordinates(); // bottom corners stack upwards: the legend goes above
    addLegend();
  }

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

  addControls();
  window.xcc = Object.freeze({ map, county, layers: groups, setData, highlight });
  connectBridge();
})();
