/*
 * offline_irsa's stand-in for Firefly's JavaScript API (firefly_loader.js), framework-free.
 *
 * The loader contract, read from the clients' sources:
 * - firefly-api-access 0.0.4 (bundled in jupyter_firefly_extensions 4.5.1, initFirefly): the page
 *   sets window.firefly.wsch to its channel, adds <script src="{FIREFLY_URL}/firefly_loader.js">
 *   and waits for window.onFireflyLoaded(firefly) with firefly.initialized === true.
 * - jupyter_firefly_extensions 4.5.1, src/SlateCommandExt.js: util.addActionListener for
 *   'StartLabWindow' and 'StartBrowserTab', util.startAsAppFromApi(divId, props) returning
 *   {render, unrender}, action.dispatchApiToolsView, action.dispatchChangeActivePlotView,
 *   setViewerConfig(ViewerType.Grid), getViewer(channel).openViewer(), originalAppProps;
 *   src/FitsViewerExt.js: showImage(divId, request), action.dispatchDeletePlotView,
 *   util.fetchUrl, util.ServerParams; src/AnyFileViewerExt.js: action.dispatchExternalUpload.
 * Firefly's own client receives actions over a websocket; this one long-polls the stand-in.
 * Everything is drawn from the stand-in's replay of the channel (server side, astropy).
 */
(function () {
  'use strict';
  const script = document.currentScript;
  const base = script ? script.src.replace(/\/firefly_loader\.js(\?.*)?$/, '') : '';
  const api = base + '/_offline';
  const listeners = new Set();
  const views = new Set();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const channel = () => (window.firefly && window.firefly.wsch) ||
    new URLSearchParams(window.location.search).get('__wsch') || 'default';

  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = api + '/static/viewer.css';
  document.head.appendChild(css);

  async function getJSON(path, params) {
    const reply = await fetch(`${api}/${path}?${new URLSearchParams(params)}`, {cache: 'no-store'});
    if (!reply.ok) throw new Error(`${path}: HTTP ${reply.status}`);
    return reply.json();
  }

  async function pushAction(type, payload) {
    const body = new URLSearchParams({cmd: 'pushAction', channelID: channel(), action: JSON.stringify({type, payload})});
    await fetch(`${base}/sticky/CmdSrv`, {method: 'POST', body});
  }

  async function follow() {
    let after = null;
    for (;;) {
      try {
        const got = await getJSON('events', after === null ? {channel: channel()} : {channel: channel(), after});
        if (after !== null) got.actions.forEach((action) => listeners.forEach((l) => l.types.has(action.type) && l.callback(action)));
        after = got.seq;
        if (got.actions.length) views.forEach((view) => view.refresh());
      } catch (error) {
        await sleep(2000); // the stand-in stopped or restarted: try again, quietly
      }
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
    return node;
  }

  // A point's marker keeps its size on screen (DS9 and Firefly give it in screen pixels): its path is
  // redrawn for the zoom, h being half its size in image pixels.
  const MARKERS = {
    cross: (x, y, h) => `M${x - h},${y}h${2 * h}M${x},${y - h}v${2 * h}`,
    x: (x, y, h) => `M${x - h},${y - h}l${2 * h},${2 * h}M${x - h},${y + h}l${2 * h},${-2 * h}`,
    box: (x, y, h) => `M${x - h},${y - h}h${2 * h}v${2 * h}h${-2 * h}z`,
    diamond: (x, y, h) => `M${x},${y - h}L${x + h},${y}L${x},${y + h}L${x - h},${y}z`,
    circle: (x, y, h) => `M${x - h},${y}a${h},${h} 0 1 0 ${2 * h},0a${h},${h} 0 1 0 ${-2 * h},0`,
    arrow: (x, y, h) => `M${x - h},${y + h}L${x},${y}M${x - 0.6 * h},${y}L${x},${y}L${x},${y + 0.6 * h}`,
  };
  MARKERS.boxcircle = (x, y, h) => MARKERS.box(x, y, h) + MARKERS.circle(x, y, 0.7 * h);
  const EMPTY_TITLE = 'No image yet: send one from Python (show_fits_image).';
  const LABEL_PX = 13; // the overlay's font size on screen; a region's own font is scaled from it

  function pointPath(shape, scale) {
    return (MARKERS[shape.marker] || MARKERS.cross)(shape.cx, shape.cy, shape.size / 2 / scale);
  }

  function fontAttributes(shape) {
    const font = shape.font || {};
    const out = {};
    if (font.size) out['font-size'] = `${font.size / LABEL_PX}em`;
    if (font.weight) out['font-weight'] = font.weight;
    if (font.style === 'italic') out['font-style'] = 'italic';
    if (font.name) out['font-family'] = `${font.name}, ${/times|roman/i.test(font.name) ? 'serif' : 'sans-serif'}`;
    return out;
  }

  function drawShape(group, shape) {
    const stroke = {stroke: shape.color, fill: 'none', 'vector-effect': 'non-scaling-stroke', 'stroke-width': shape.width || 2};
    if (shape.dash) stroke['stroke-dasharray'] = '8 3'; // Firefly's default dash list
    const nodes = [];
    if (shape.shape === 'circle') nodes.push(svg('circle', {cx: shape.cx, cy: shape.cy, r: shape.r, ...stroke}));
    else if (shape.shape === 'annulus') shape.radii.forEach((r) => nodes.push(svg('circle', {cx: shape.cx, cy: shape.cy, r, ...stroke})));
    else if (shape.shape === 'ellipse') {
      nodes.push(svg('ellipse', {cx: shape.cx, cy: shape.cy, rx: shape.rx, ry: shape.ry, ...stroke,
        transform: `rotate(${shape.angle} ${shape.cx} ${shape.cy})`}));
    } else if (shape.shape === 'polygon' || shape.shape === 'line') {
      nodes.push(svg(shape.shape === 'line' ? 'polyline' : 'polygon', {points: shape.points.map((p) => p.join(',')).join(' '), ...stroke}));
    } else if (shape.shape === 'point') {
      const node = svg('path', {d: pointPath(shape, 1), class: 'ffo-point', 'data-marker': shape.marker, ...stroke});
      node.ffoShape = shape;
      nodes.push(node);
    } else if (shape.shape === 'text') {
      // DS9 angles turn counter-clockwise; the picture's y axis points down
      const text = svg('text', {x: shape.cx, y: shape.cy, fill: shape.color, class: 'ffo-label ffo-text',
        'text-anchor': 'middle', 'dominant-baseline': 'central', transform: `rotate(${-(shape.angle || 0)} ${shape.cx} ${shape.cy})`,
        ...fontAttributes(shape)});
      text.textContent = shape.text;
      nodes.push(text);
    }
    nodes.forEach((node) => {
      node.classList.add('ffo-region');
      node.dataset.shape = shape.shape;
      group.appendChild(node);
    });
    if (shape.label) {
      const [x, y] = shape.points ? shape.points[0] : [shape.cx, shape.cy - (shape.r || 0)];
      const above = shape.shape === 'point' ? shape.size / 2 / LABEL_PX + 0.3 : 0.3; // clear of the marker
      const text = svg('text', {x, y, dy: `-${above}em`, fill: shape.color, class: 'ffo-label', 'text-anchor': 'middle',
        ...fontAttributes(shape)});
      text.textContent = shape.label;
      group.appendChild(text);
    }
  }

  /** One viewer in a div: tabs of plots, the active plot's pixels and regions, readout, what was not shown. */
  function mountViewer(div, options) {
    const root = el('div', 'ffo');
    const banner = el('div', 'ffo-banner');
    banner.append(el('strong', '', 'Firefly'), el('span', 'ffo-standin',
      ' · offline_irsa stand-in: synthetic data, a simple viewer'), el('span', 'ffo-channel', `channel ${channel()}`));
    const tabs = el('div', 'ffo-tabs');
    tabs.setAttribute('role', 'tablist');
    const title = el('h2', 'ffo-title', EMPTY_TITLE);
    const tools = el('div', 'ffo-tools');
    const zoomText = el('span', 'ffo-zoom');
    const stretchText = el('span', 'ffo-stretch');
    const buttons = [['Fit', 'fit'], ['−', 'out'], ['+', 'in'], ['1:1', 'one']].map(([label, op]) => {
      const button = el('button', 'ffo-button', label);
      button.type = 'button';
      button.setAttribute('aria-label', {fit: 'Zoom to fit', out: 'Zoom out', in: 'Zoom in', one: 'Zoom 1:1'}[op]);
      button.addEventListener('click', () => { view.zoomOp(op); });
      return button;
    });
    tools.append(...buttons, zoomText, stretchText);
    const viewport = el('div', 'ffo-view');
    const stage = el('div', 'ffo-stage');
    const image = el('img', 'ffo-image');
    image.alt = '';
    const overlay = svg('svg', {class: 'ffo-overlay', preserveAspectRatio: 'none'});
    stage.append(image, overlay);
    viewport.append(stage);
    const readout = el('div', 'ffo-readout', 'Move the cursor over the image for RA, Dec and the pixel value.');
    readout.setAttribute('aria-live', 'polite');
    const notes = el('ul', 'ffo-notes');
    root.append(banner, tabs, title, tools, viewport, readout, notes);
    div.replaceChildren(root);

    const view = {state: null, active: options.plotId || null, userZoom: null, pending: null};
    const plot = () => view.state && view.state.plots.find((p) => p.plotId === view.active);
    const scale = (p) => view.userZoom || p.zoom ||
      Math.min(viewport.clientWidth / p.width, viewport.clientHeight / p.height) || 1;

    view.layout = () => {
      const p = plot();
      stage.hidden = !p || !p.width;
      if (stage.hidden) return;
      const s = scale(p);
      const [cx, cy] = p.center || [p.width / 2, p.height / 2];
      Object.assign(stage.style, {width: `${p.width * s}px`, height: `${p.height * s}px`,
        left: `${viewport.clientWidth / 2 - cx * s}px`, top: `${viewport.clientHeight / 2 - cy * s}px`});
      overlay.style.fontSize = `${LABEL_PX / s}px`; // labels stay 13 px on screen at any zoom
      overlay.querySelectorAll('.ffo-point').forEach((node) => node.setAttribute('d', pointPath(node.ffoShape, s)));
      image.classList.toggle('ffo-magnified', s >= 1); // crisp pixels when enlarged, smooth when shrunk
      zoomText.textContent = `zoom ${s.toFixed(s < 1 ? 2 : 1)}×${view.userZoom || p.zoom ? '' : ' (fit)'}`;
    };

    view.zoomOp = (op) => {
      const p = plot();
      if (!p) return;
      const s = scale(p);
      view.userZoom = op === 'fit' ? null : op === 'one' ? 1 : op === 'in' ? s * 2 : s / 2;
      view.layout();
    };

    view.show = () => {
      const p = plot();
      tabs.replaceChildren(...view.state.plots.map((q) => {
        const tab = el('button', 'ffo-tab', q.title);
        tab.type = 'button';
        tab.setAttribute('role', 'tab');
        tab.setAttribute('aria-selected', String(q.plotId === view.active));
        tab.addEventListener('click', () => { view.active = q.plotId; view.userZoom = null; view.show(); });
        return tab;
      }));
      notes.replaceChildren();
      const note = (text, className) => notes.append(el('li', className || '', text));
      if (view.state.dropped) note(`${view.state.dropped} older actions were dropped: the stand-in keeps the newest ${view.state.kept} per channel.`);
      view.state.notShown.forEach((n) => note(`Not shown: ${n.type}: ${n.reason}`, 'ffo-not-shown'));
      (view.state.notes || []).forEach((n) => note(`${n.type}: ${n.note}`, 'ffo-said'));
      if (!p) { // nothing plotted, or reinit_viewer cleared it: show nothing of an earlier plot
        title.textContent = EMPTY_TITLE;
        zoomText.textContent = stretchText.textContent = '';
        image.removeAttribute('src');
        image.alt = '';
        overlay.replaceChildren();
        view.layout();
        return;
      }
      title.textContent = p.title;
      stretchText.textContent = `stretch: ${p.stretch}`;
      p.errors.forEach((e) => note(`Cannot show ${e}`, 'ffo-error'));
      p.notes.forEach((n) => note(n));
      p.layers.forEach((layer) => layer.problems.forEach((problem) => note(`${layer.title}: ${problem}`, 'ffo-not-shown')));
      if (p.width) {
        const src = `${api}/render.png?${new URLSearchParams({channel: channel(), plot: p.plotId, v: p.version})}`;
        if (image.getAttribute('src') !== src) image.src = src;
        image.alt = `${p.title}, ${p.threeColor ? '3-colour' : 'one band'}, ${p.width}×${p.height} pixels, stretch ${p.stretch}`;
        image.dataset.plotId = p.plotId;
        image.dataset.version = p.version;
        overlay.setAttribute('viewBox', `0 0 ${p.width} ${p.height}`);
        overlay.replaceChildren(...p.layers.map((layer) => {
          const group = svg('g', {'data-layer': layer.id});
          layer.shapes.forEach((shape) => drawShape(group, shape));
          return group;
        }));
      }
      view.layout();
    };

    view.refresh = async () => {
      try {
        view.state = await getJSON('state', {channel: channel()});
      } catch (error) {
        title.textContent = `The offline stand-in did not answer (${error.message}).`;
        return;
      }
      const ids = view.state.plots.map((p) => p.plotId);
      if (!options.plotId || !ids.includes(view.active)) view.active = view.state.active;
      view.userZoom = null;
      view.show();
    };

    viewport.addEventListener('mousemove', (event) => {
      const p = plot();
      if (!p || !p.width) return;
      const box = stage.getBoundingClientRect();
      const s = box.width / p.width;
      view.pending = {u: (event.clientX - box.left) / s, v: (event.clientY - box.top) / s, plot: p.plotId};
      if (view.reading) return;
      view.reading = true;
      (async () => {
        while (view.pending) {
          const ask = view.pending;
          view.pending = null;
          try {
            const r = await getJSON('readout', {channel: channel(), plot: ask.plot, u: ask.u, v: ask.v});
            const values = r.values.map((v) => (v === null ? '–' : Number(v).toPrecision(6))).join(', ');
            readout.replaceChildren(
              el('span', 'ffo-ra', r.ra === null ? 'no WCS' : `RA ${r.ra.toFixed(6)}°`),
              el('span', 'ffo-dec', r.dec === null ? '' : `Dec ${r.dec >= 0 ? '+' : ''}${r.dec.toFixed(6)}°`),
              el('span', 'ffo-sexagesimal', r.sexagesimal),
              el('span', 'ffo-pixel', `pixel (${r.x.toFixed(1)}, ${r.y.toFixed(1)})`),
              el('span', 'ffo-value', r.inside ? `value ${values}` : 'outside the image'));
          } catch (error) {
            readout.textContent = `Readout unavailable (${error.message}).`;
          }
        }
        view.reading = false;
      })();
    });
    if (window.ResizeObserver) new ResizeObserver(() => view.layout()).observe(viewport);
    views.add(view);
    view.refresh();
    return {render: () => {}, unrender: () => { views.delete(view); div.replaceChildren(); }};
  }

  function startAsAppFromApi(divId, props) {
    let mounted = null;
    const control = {
      render: () => {
        const div = document.getElementById(divId);
        if (div && !mounted) mounted = mountViewer(div, props || {});
      },
      unrender: () => { if (mounted) mounted.unrender(); mounted = null; },
    };
    control.render();
    return control;
  }

  const firefly = {
    initialized: true,
    version: 'offline_irsa stand-in',
    originalAppProps: undefined,
    ViewerType: {TriView: 'TriView', Grid: 'Grid'},
    setViewerConfig: () => {},
    getViewer: (forChannel) => ({
      openViewer: () => window.open(`${base}/?__wsch=${encodeURIComponent((forChannel || channel()) + '__viewer')}`),
    }),
    showImage: (divId, request) => {
      const plotId = request.plotId || `image-${Date.now()}`;
      pushAction('ImagePlotCntlr.PlotImage', {wpRequest: {file: request.FILE || request.file, url: request.URL || request.url,
        plotId, Title: request.title || request.Title}}).then(() => {
        const div = document.getElementById(divId);
        if (div) mountViewer(div, {plotId});
      });
    },
    action: {
      dispatchApiToolsView: () => {},
      dispatchChangeActivePlotView: (plotId) => views.forEach((view) => {
        if (plotId && view.state && view.state.plots.some((p) => p.plotId === plotId)) { view.active = plotId; view.show(); }
      }),
      dispatchDeletePlotView: ({plotId}) => pushAction('ImagePlotCntlr.deletePlotView', {plotId}),
      dispatchExternalUpload: (payload) => pushAction('app_data.externalUpload', payload),
    },
    util: {
      ServerParams: {COMMAND: 'cmd', UPLOAD: 'upload'},
      addActionListener: (types, callback) => {
        const listener = {types: new Set([].concat(types)), callback};
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      startAsAppFromApi,
      fetchUrl: (url, options = {}) => {
        if (options.method !== 'multipart') return fetch(url, options);
        const form = new FormData();
        Object.entries(options.params || {}).forEach(([key, value]) => form.append(key, value));
        return fetch(url, {method: 'POST', body: form});
      },
    },
  };

  window.firefly = Object.assign(window.firefly || {}, firefly);
  follow();
  if (typeof window.onFireflyLoaded === 'function') window.onFireflyLoaded(window.firefly);
})();
