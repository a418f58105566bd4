/* Vigil backtest report: draws the chart from the JSON embedded in the page with uPlot. No request leaves the page. */
(() => {
  'use strict';
  const host = document.getElementById('chart');
  const dataElement = document.getElementById('report-data');
  if (!host || !dataElement || typeof uPlot === 'undefined') {
    return;
  }
  const data = JSON.parse(dataElement.textContent);
  if (data.x.length === 0) {
    return;
  }
  const axis = data.axis;
  const HEIGHT = 440;
  // Room above the plot for two rows of marks: model labels, then alerts. Keeps them off the data.
  const MODEL_ROW = 2;
  const ALERT_ROW = 22;
  const TOP = 40;

  const utc = ts => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');
  const formatTime = uPlot.fmtDate('{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}');
  const timeText = ms => formatTime(utc(ms / 1e3)) + ' UTC';

  // Scores run from thousandths to billions: four significant digits, an exponent from a million up.
  const num = v => {
    if (v == null || !isFinite(v)) {
      return '–';
    }
    const abs = Math.abs(v);
    if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) {
      return v.toExponential(2).replace('e+', 'e');
    }
    return String(Number(v.toPrecision(4)));
  };
  const pct = share => share == null ? '–' : Math.round(share * 100) + '%';
  // Axis ticks are round numbers; k, M, G keep the widest ones short. uPlot passes null for a tick it
  // thinned out for lack of room.
  const tick = v => {
    if (v == null) {
      return null;
    }
    const abs = Math.abs(v);
    for (const [size, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
      if (abs >= size) {
        return String(Number((v / size).toPrecision(3))) + suffix;
      }
    }
    return String(Number(v.toPrecision(3)));
  };

  // Values beyond the axis (see ScoreAxis) are drawn on its edge; the legend shows the true ones.
  const clip = v => v == null ? null : Math.min(axis.max, Math.max(axis.min, v));
  const xs = data.x.map(ms => ms / 1e3);
  const score = data.score.map(clip);
  const threshold = data.threshold.map(clip);
  const anomaly = data.score.map((v, i) => data.anomaly[i] ? clip(v) : null);

  // The range in asinh space, padded a little, with round ends where the ticks start (uPlot's asinh
  // ticks begin at the range's end once it lies beyond the linear part).
  const roundTowardZero = v => {
    const abs = Math.abs(v);
    if (abs <= axis.linear) {
      return v;
    }
    const step = Math.pow(10, Math.floor(Math.log10(abs)));
    return Math.sign(v) * Math.floor(abs / step) * step;
  };
  const yRange = (() => {
    const f = v => Math.asinh(v / axis.linear);
    const g = y => Math.sinh(y) * axis.linear;
    let lo = f(axis.min);
    let hi = f(axis.max);
    if (hi - lo < 1e-9) {
      lo -= 1;
      hi += 1;
    }
    const pad = (hi - lo) * 0.04;
    const min = g(lo - pad);
    const max = g(hi + pad);
    return [min > 0 ? roundTowardZero(min) : min, max < 0 ? roundTowardZero(max) : max];
  })();

  // Ticks at 0 and at 1, 2 and 5 times each power of ten from the linear part's edge out, both ways; the
  // 2s and 5s only where they leave room, so the grid stays light at any height.
  const ySplits = u => {
    const [min, max] = yRange;
    const room = 26;
    const kept = [];
    const fits = v => v >= min && v <= max;
    const farEnough = v => kept.every(k => Math.abs(u.valToPos(v, 'y') - u.valToPos(k, 'y')) >= room);
    const reach = Math.max(Math.abs(min), Math.abs(max));
    const decades = [];
    for (let d = axis.linear; d <= reach; d *= 10) {
      decades.push(d);
    }
    for (const v of [0, ...decades.flatMap(d => [d, -d])]) {
      if (fits(v) && farEnough(v)) {
        kept.push(v);
      }
    }
    for (const v of decades.flatMap(d => [5 * d, -5 * d, 2 * d, -2 * d])) {
      if (fits(v) && farEnough(v)) {
        kept.push(v);
      }
    }
    return kept.sort((a, b) => a - b);
  };

  // Time ticks in 24-hour UTC, the date under the first tick of each day.
  const NEW_DAY = '\n{YYYY}-{MM}-{DD}';
  const timeTicks = [
    [3600 * 24 * 365, '{YYYY}', null, null, null, null, null, null, 1],
    [3600 * 24 * 28, '{YYYY}-{MM}', null, null, null, null, null, null, 1],
    [3600 * 24, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
    [3600, '{HH}:{mm}', NEW_DAY, null, NEW_DAY, null, null, null, 1],
    [60, '{HH}:{mm}', NEW_DAY, null, NEW_DAY, null, null, null, 1],
    [1, '{HH}:{mm}:{ss}', NEW_DAY, null, NEW_DAY, null, null, null, 1],
    [0.001, '{HH}:{mm}:{ss}.{fff}', NEW_DAY, null, NEW_DAY, null, null, null, 1],
  ];

  const rawValue = column => (u, v, si, i) => i == null ? '–' : num(column[i]);

  const effective = data.models.filter(m => m.tookEffect);
  const ALERT_COLOURS = {anomaly: '#d62728', silent: '#7f7f7f', resolved: '#2ca02c'};

  // Model lines, over the grid (which would hide a line on a round hour): dashed for a new model,
  // dotted for a calibration update.
  const drawModelLines = u => {
    const ctx = u.ctx;
    const {left, top, width, height} = u.bbox;
    ctx.save();
    ctx.lineWidth = 1.5 * uPlot.pxRatio;
    for (const m of effective) {
      const x = Math.round(u.valToPos(m.t / 1e3, 'x', true));
      if (x < left || x > left + width) {
        continue;
      }
      ctx.strokeStyle = m.result === 'drift' ? 'rgba(43, 87, 151, 0.5)' : 'rgba(43, 87, 151, 0.85)';
      ctx.setLineDash((m.result === 'drift' ? [2, 4] : [8, 4]).map(d => d * uPlot.pxRatio));
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    ctx.restore();
  };

  // On top of the series: a ring around each alert's record, a triangle over each clipped anomaly.
  const drawMarks = u => {
    const ctx = u.ctx;
    const pr = uPlot.pxRatio;
    const {left, top, width} = u.bbox;
    ctx.save();
    ctx.lineWidth = 1.5 * pr;
    for (const a of data.alerts) {
      if (a.score == null) {
        continue;
      }
      const x = u.valToPos(a.t / 1e3, 'x', true);
      if (x < left || x > left + width) {
        continue;
      }
      ctx.strokeStyle = ALERT_COLOURS[a.kind] || '#333';
      ctx.beginPath();
      ctx.arc(x, u.valToPos(clip(a.score), 'y', true), 7 * pr, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.fillStyle = '#d62728';
    for (let i = 0; i < xs.length; i++) {
      if (!data.anomaly[i] || data.score[i] == null || data.score[i] <= axis.max) {
        continue;
      }
      const x = u.valToPos(xs[i], 'x', true);
      if (x < left || x > left + width) {
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(x, top - 1 * pr);
      ctx.lineTo(x - 4 * pr, top + 6 * pr);
      ctx.lineTo(x + 4 * pr, top + 6 * pr);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  };

  // Marks in the strip above the plot, as elements so that they carry tooltips (text only: data never
  // becomes markup). Built once, moved on every redraw (zoom, resize).
  const marks = document.createElement('div');
  marks.className = 'vg-marks';
  const modelMarks = data.models.map(m => {
    const el = document.createElement('span');
    if (m.tookEffect) {
      el.className = 'vg-model-label' + (m.result === 'drift' ? ' vg-drift' : '');
      el.textContent = 'v' + m.version;
    } else {
      el.className = 'vg-run vg-run-' + (m.result === 'failed' ? 'failed' : 'rejected');
      el.textContent = '✕';
    }
    el.title = timeText(m.t) + '\n' + (m.version > 0 ? 'v' + m.version + ' ' : '') + m.result
        + (m.reason ? ': ' + m.reason : '');
    el.style.top = MODEL_ROW + 'px';
    marks.appendChild(el);
    return {t: m.t, el};
  });
  const alertMarks = data.alerts.map((a, i) => {
    const el = document.createElement('span');
    el.className = 'vg-alert vg-alert-' + (ALERT_COLOURS[a.kind] ? a.kind : 'other');
    el.textContent = '▼';
    el.title = [timeText(a.t) + '  ' + a.kind + (a.entity != null ? '  ' + a.entity : ''),
      'score ' + num(a.score) + ', threshold ' + num(a.threshold) + (a.severity ? ', ' + a.severity : ''),
      ...a.features.map(f => '  ' + f.name + ' ' + pct(f.share) + (f.words ? ' (' + f.words + ')' : ''))].join('\n');
    el.style.top = ALERT_ROW + 'px';
    // A click shows the alert's row in the table.
    el.addEventListener('click', () => {
      const row = document.getElementById('alert-' + i);
      if (row) {
        row.scrollIntoView({block: 'center'});
        row.classList.add('picked');
        setTimeout(() => row.classList.remove('picked'), 1500);
      }
    });
    marks.appendChild(el);
    return {t: a.t, el};
  });

  const placeMarks = u => {
    const left = u.bbox.left / uPlot.pxRatio;
    const width = u.bbox.width / uPlot.pxRatio;
    const place = ({t, el}) => {
      const x = u.valToPos(t / 1e3, 'x');
      const inside = x >= 0 && x <= width;
      el.style.display = inside ? '' : 'none';
      el.style.left = (left + x) + 'px';
      return inside ? x : null;
    };
    alertMarks.forEach(place);
    // Model labels that would overlap the one before them are hidden (the models table lists them all),
    // the line stays.
    let end = -Infinity;
    for (const mark of modelMarks) {
      const x = place(mark);
      if (x == null) {
        continue;
      }
      const half = mark.el.offsetWidth / 2;
      const free = x - half >= end + 2;
      mark.el.classList.toggle('vg-crowded', !free);
      if (free) {
        end = x + half;
      }
    }
  };

  const chartWidth = () => Math.max(480, host.clientWidth);
  const options = {
    width: chartWidth(),
    height: HEIGHT,
    tzDate: utc,
    padding: [TOP, 20, 0, 0],
    cursor: {drag: {x: true, y: false}, points: {size: 7}},
    scales: {
      x: {time: true},
      y: {distr: 4, asinh: axis.linear, range: () => yRange},
    },
    axes: [
      {stroke: '#333', grid: {stroke: '#ececec'}, ticks: {stroke: '#ccc'}, values: timeTicks, size: 56},
      {stroke: '#333', grid: {stroke: '#ececec'}, ticks: {stroke: '#ccc'}, size: 64, splits: ySplits, filter: (u, splits) => splits,
        values: (u, splits) => splits.map(tick),
        label: 'score (nats, arcsinh scale)', labelSize: 22},
    ],
    series: [
      {label: 'event time', value: (u, ts, si, i) => i == null ? '–'
          : timeText(data.x[i]) + (data.model[i] > 0 ? ' · model v' + data.model[i] : ' · no model yet')},
      {label: 'score', stroke: '#3b6fb6', width: 1, points: {show: false}, value: rawValue(data.score)},
      {label: 'threshold', stroke: '#e07b00', width: 1.5, dash: [6, 4], points: {show: false},
        paths: uPlot.paths.stepped({align: 1}), value: rawValue(data.threshold)},
      {label: 'anomaly', stroke: '#d62728', fill: '#d62728', width: 0, paths: () => null,
        points: {show: true, size: 6, width: 1, stroke: '#d62728', fill: '#d62728'},
        value: (u, v, si, i) => i != null && data.anomaly[i] ? num(data.score[i]) : '–'},
    ],
    hooks: {
      draw: [drawModelLines, drawMarks, placeMarks],
    },
  };
  const plot = new uPlot(options, [xs, score, threshold, anomaly], host);
  plot.over.parentNode.appendChild(marks);
  placeMarks(plot);
  window.addEventListener('resize', () => plot.setSize({width: chartWidth(), height: HEIGHT}));
})();
