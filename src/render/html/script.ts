/**
 * The page's script, inlined and allowed by its hash in the page's Content-Security-Policy (page.ts). It reads the
 * chart's rows from the JSON data block and only ever puts text into the page through textContent and
 * setAttribute of numbers: no innerHTML, no HTML parsing of anything from the capture (test/render/html.test.ts
 * checks the source for the APIs that would).
 *
 * - fleet chart: hovering shows the connection under the pointer (among rows that share a pixel, the most severe
 *   one whose bar covers that time), clicking opens its timeline section;
 * - swimlanes: zoom and pan by rewriting the plot's viewBox (buttons, Ctrl+wheel, drag), moving the labels and
 *   rebuilding the axis; clicking a row of the event table centres the swimlane on it.
 */
export const SCRIPT = `(function () {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var dataEl = document.getElementById('amqpscope-data');
  var data = dataEl ? JSON.parse(dataEl.textContent) : null;
  var SEV = { info: 0, warning: 1, error: 2 };

  function fleetChart() {
    var svg = document.querySelector('svg.fleet');
    if (!svg || !data) return;
    var tip = svg.parentNode.querySelector('.tooltip');
    var hl = svg.querySelector('.hover-row');
    var rows = data.rows, g = data.chart, n = rows.length;
    var current = -1;
    // The plot's rectangle on screen, from the chart's geometry: the nested svg's own getBoundingClientRect is its
    // content's box in Chromium (zero high for horizontal lines).
    function plotRect() {
      var o = svg.getBoundingClientRect(), k = o.width / svg.viewBox.baseVal.width;
      var left = o.left + g.gutter * k, top = o.top + g.top * k;
      return { left: left, top: top, width: g.plotWidth * k, height: g.plotHeight * k, right: left + g.plotWidth * k, bottom: top + g.plotHeight * k };
    }
    function pick(ev) {
      var r = plotRect();
      if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top - 3 || ev.clientY > r.bottom + 3) return -1;
      var perRow = r.height / Math.max(1, n);
      var t = g.t0 + (ev.clientX - r.left) / r.width * (g.t1 - g.t0);
      var at = (ev.clientY - r.top) / perRow;
      var reach = Math.max(0.5, 4 / perRow);
      var lo = Math.max(0, Math.floor(at - reach)), hi = Math.min(n - 1, Math.floor(at + reach));
      var best = -1, bestScore = -1;
      for (var i = lo; i <= hi; i++) {
        var row = rows[i];
        var covers = t >= row[2] - (g.t1 - g.t0) * 0.004 && t <= row[3] + (g.t1 - g.t0) * 0.004;
        var score = (covers ? 100 : 0) + SEV[row[6]] * 10 - Math.abs(i + 0.5 - at) / (reach + 1);
        if (score > bestScore) { bestScore = score; best = i; }
      }
      return best;
    }
    function show(ev, i) {
      var row = rows[i];
      var lines = [row[0], row[1]];
      if (row[8]) lines.push('capture ' + row[8]);
      lines.push(row[4] + (row[5] ? ' (' + row[5] + ')' : '') + ', ' + row[6]);
      lines.push(row[2].toFixed(3) + ' s to ' + row[3].toFixed(3) + ' s' + (row[4] === 'open' ? ' (open)' : ''));
      lines.push(row[7] ? 'click: its timeline' : 'no timeline in this report (healthy; --all shows every one)');
      tip.textContent = lines.join('\\n');
      tip.hidden = false;
      var box = svg.parentNode.getBoundingClientRect();
      var x = ev.clientX - box.left + 14, y = ev.clientY - box.top + 14;
      if (x + tip.offsetWidth > box.width) x = Math.max(0, ev.clientX - box.left - tip.offsetWidth - 14);
      if (y + tip.offsetHeight > box.height) y = Math.max(0, ev.clientY - box.top - tip.offsetHeight - 14);
      tip.style.left = x + 'px';
      tip.style.top = y + 'px';
      var unit = svg.viewBox.baseVal.width / svg.getBoundingClientRect().width;
      var h = Math.max(g.rowPx, 3 * unit);
      hl.setAttribute('y', String(g.top + (i + 0.5) * g.rowPx - h / 2));
      hl.setAttribute('height', String(h));
    }
    svg.addEventListener('mousemove', function (ev) {
      current = pick(ev);
      if (current < 0) { tip.hidden = true; hl.setAttribute('height', '0'); svg.style.cursor = ''; return; }
      svg.style.cursor = rows[current][7] ? 'pointer' : 'crosshair';
      show(ev, current);
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; hl.setAttribute('height', '0'); current = -1; });
    svg.addEventListener('click', function (ev) {
      var i = pick(ev);
      if (i >= 0 && rows[i][7]) location.hash = '#' + rows[i][7];
    });
  }

  function niceStep(span, target) {
    var raw = span / Math.max(1, target), p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }

  var BUTTONS = [['in', '+', 'zoom in'], ['out', '\u2212', 'zoom out'], ['left', '\u25c0', 'earlier'], ['right', '\u25b6', 'later'],
    ['end', 'end', "the end: from the client's last frame"], ['all', 'all', 'the whole connection']];

  function controls(wrap) {
    var bar = document.createElement('div');
    bar.className = 'zoom';
    BUTTONS.forEach(function (b) {
      var el = document.createElement('button');
      el.type = 'button';
      el.setAttribute('data-zoom', b[0]);
      el.title = b[2];
      el.textContent = b[1];
      bar.appendChild(el);
    });
    var hint = document.createElement('span');
    hint.className = 'hint';
    hint.textContent = 'Ctrl+wheel zooms, drag pans';
    var readout = document.createElement('span');
    readout.className = 'readout';
    bar.appendChild(hint);
    bar.appendChild(readout);
    wrap.insertBefore(bar, wrap.firstChild);
    return bar;
  }

  function swimlane(wrap) {
    var bar = controls(wrap);
    var svg = wrap.querySelector('svg.swimlane');
    var plot = svg.querySelector('svg.plot');
    var span = svg.getAttribute('data-span').split(' ').map(Number);
    var geo = svg.getAttribute('data-plot').split(' ').map(Number);
    var focus = (svg.getAttribute('data-focus') || '').split(' ').map(Number);
    var G = geo[0], W = geo[1], H = geo[2];
    var v0 = span[0], v1 = span[1];
    var labels = svg.querySelectorAll('g.labels [data-t]');
    var axis = svg.querySelector('g.axis');
    var cursor = plot.querySelector('.cursor');
    var readout = bar.querySelector('.readout');
    var minWidth = Math.max((span[1] - span[0]) / 1e5, 1e-6);
    function xOf(t) { return G + (t - v0) / (v1 - v0) * W; }
    function update() {
      plot.setAttribute('viewBox', v0 + ' 0 ' + (v1 - v0) + ' ' + H);
      for (var i = 0; i < labels.length; i++) {
        var t = Number(labels[i].getAttribute('data-t'));
        var x = xOf(t);
        labels[i].setAttribute('x', String(x));
        labels[i].setAttribute('text-anchor', x > G + W / 2 ? 'end' : 'start');
        labels[i].style.display = x < G - 1 || x > G + W + 1 ? 'none' : '';
      }
      while (axis.firstChild) axis.removeChild(axis.firstChild);
      var step = niceStep(v1 - v0, 8);
      var decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
      for (var k = Math.ceil(v0 / step); k * step <= v1; k++) {
        var tt = k * step, el = document.createElementNS(SVGNS, 'text');
        el.setAttribute('x', String(xOf(tt)));
        el.setAttribute('y', String(H + 16));
        el.setAttribute('data-t', String(tt));
        el.textContent = tt.toFixed(decimals) + ' s';
        axis.appendChild(el);
      }
    }
    function set(a, b) {
      var w = Math.max(minWidth, Math.min(b - a, span[1] - span[0]));
      a = Math.max(span[0], Math.min(a, span[1] - w));
      v0 = a; v1 = a + w;
      update();
    }
    function zoomAt(t, factor) { set(t - (t - v0) * factor, t + (v1 - t) * factor); }
    bar.addEventListener('click', function (ev) {
      var what = ev.target && ev.target.getAttribute && ev.target.getAttribute('data-zoom');
      var w = v1 - v0;
      if (what === 'in') zoomAt((v0 + v1) / 2, 0.5);
      else if (what === 'out') zoomAt((v0 + v1) / 2, 2);
      else if (what === 'left') set(v0 - w * 0.4, v1 - w * 0.4);
      else if (what === 'right') set(v0 + w * 0.4, v1 + w * 0.4);
      else if (what === 'all') set(span[0], span[1]);
      else if (what === 'end' && focus.length === 2) set(focus[0], focus[1]);
    });
    function timeAt(ev) {
      var r = svg.getBoundingClientRect();
      var x = (ev.clientX - r.left) * svg.viewBox.baseVal.width / r.width;
      return v0 + (x - G) / W * (v1 - v0);
    }
    svg.addEventListener('wheel', function (ev) {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      zoomAt(timeAt(ev), ev.deltaY > 0 ? 1.25 : 0.8);
    }, { passive: false });
    var drag = null;
    svg.addEventListener('mousedown', function (ev) { drag = { t: timeAt(ev), v0: v0, v1: v1 }; svg.style.cursor = 'grabbing'; });
    window.addEventListener('mouseup', function () { drag = null; svg.style.cursor = ''; });
    svg.addEventListener('mousemove', function (ev) {
      var t = timeAt(ev);
      if (readout) readout.textContent = t >= v0 && t <= v1 ? t.toFixed(3) + ' s' : '';
      if (!drag) return;
      var shift = drag.t - (drag.v0 + (t - v0) / (v1 - v0) * (drag.v1 - drag.v0));
      set(drag.v0 + shift, drag.v1 + shift);
    });
    var table = wrap.parentNode.querySelector('table.events');
    if (table) table.addEventListener('click', function (ev) {
      var tr = ev.target.closest ? ev.target.closest('tr[data-t]') : null;
      if (!tr) return;
      var t = Number(tr.getAttribute('data-t')), w = v1 - v0;
      set(t - w / 2, t + w / 2);
      cursor.setAttribute('x', String(t - (v1 - v0) * 0.002));
      cursor.setAttribute('width', String((v1 - v0) * 0.004));
      svg.scrollIntoView({ block: 'nearest' });
    });
    update();
  }

  fleetChart();
  var lanes = document.querySelectorAll('.swimlane-wrap');
  for (var i = 0; i < lanes.length; i++) swimlane(lanes[i]);
})();`;
