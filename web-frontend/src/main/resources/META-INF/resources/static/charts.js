// Small inline-SVG charts for the dashboard, no library. Each chart is an <svg role="img"> with a
// <title> and <desc>; the page puts a summary and a data table beside it for people who can't see it.
import { svg } from './app.js';

const WIDTH = 600;
const HEIGHT = 240;
const PAD = { top: 12, right: 12, bottom: 28, left: 52 };

/** A round upper bound for the axis, and its tick step: 0, step, 2·step … ≥ max. */
function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return { top: step * Math.ceil(max / step), step };
}

function frame(title, description, labels, scale, formatY) {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', preserveAspectRatio: 'xMidYMid meet' },
    svg('title', {}, title), svg('desc', {}, description));
  for (let v = 0; v <= scale.top + 1e-9; v += scale.step) {
    const y = PAD.top + plotH - (v / scale.top) * plotH;
    root.append(svg('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }));
    root.append(svg('text', { x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, formatY(v)));
  }
  const n = labels.length;
  for (let i = 0; i < n; i += 1) {
    if ((n - 1 - i) % 10 === 0) {
      const x = PAD.left + ((i + 0.5) / n) * plotW;
      root.append(svg('text', { x, y: HEIGHT - 8, 'text-anchor': i === n - 1 ? 'end' : 'middle' }, labels[i]));
    }
  }
  root.append(svg('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }));
  root.append(svg('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH }));
  return { root, plotW, plotH, n };
}

/**
 * Stacked bars, one per label: series = [{name, color, values}] stacked bottom-up. Each bar has a
 * <title> (a tooltip on hover) with its label and values.
 */
export function stackedBars({ title, description, labels, series, formatY = String }) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const scale = niceScale(Math.max(0, ...totals));
  const { root, plotW, plotH, n } = frame(title, description, labels, scale, formatY);
  const barW = (plotW / n) * 0.8;
  for (let i = 0; i < n; i += 1) {
    let base = 0;
    const x = PAD.left + (i / n) * plotW + (plotW / n) * 0.1;
    const group = svg('g', {}, svg('title', {}, `${labels[i]}: ${series.map((s) => `${s.values[i] || 0} ${s.name}`).join(', ')}`));
    for (const s of series) {
      const v = s.values[i] || 0;
      if (v > 0) {
        const h = (v / scale.top) * plotH;
        const y = PAD.top + plotH - ((base + v) / scale.top) * plotH;
        group.append(svg('rect', { x, y, width: barW, height: Math.max(h, 1), fill: s.color }));
        base += v;
      }
    }
    root.append(group);
  }
  return root;
}

/** Lines over the labels: series = [{name, color, dash, values}]; null values break the line. */
export function lines({ title, description, labels, series, formatY = String }) {
  const all = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  const scale = niceScale(Math.max(0, ...all));
  const { root, plotW, plotH, n } = frame(title, description, labels, scale, formatY);
  for (const s of series) {
    let path = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) {
        pen = false;
        return;
      }
      const x = PAD.left + ((i + 0.5) / n) * plotW;
      const y = PAD.top + plotH - (v / scale.top) * plotH;
      path += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
      pen = true;
    });
    root.append(svg('path', {
      d: path.trim() || 'M0,0', fill: 'none', stroke: s.color, 'stroke-width': 2,
      'stroke-dasharray': s.dash || null, 'stroke-linejoin': 'round',
    }));
    // single points (a minute between two empty ones) get a dot, or they would not show
    s.values.forEach((v, i) => {
      const before = s.values[i - 1];
      const after = s.values[i + 1];
      if (v !== null && v !== undefined && (before === null || before === undefined) && (after === null || after === undefined)) {
        root.append(svg('circle', {
          cx: PAD.left + ((i + 0.5) / n) * plotW, cy: PAD.top + plotH - (v / scale.top) * plotH, r: 2.5, fill: s.color,
        }));
      }
    });
  }
  return root;
}
