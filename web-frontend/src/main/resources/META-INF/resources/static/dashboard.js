// The Dashboard: GET /api/stats every few seconds, drawn as inline SVG (charts.js), each plot with a
// one-sentence summary and the data as a table.
import { api, el, problemElement, formatDuration, timeElement } from './app.js';
import { stackedBars, lines } from './charts.js';

const REFRESH_MS = 5000;
const OUTCOMES = [
  { key: 'succeeded', name: 'succeeded', color: '#166534' },
  { key: 'failed', name: 'failed', color: '#b91c1c' },
  { key: 'cancelled', name: 'cancelled', color: '#b45309' },
];
const LATENCIES = [
  { key: 'p50', name: 'median (p50)', color: '#1d4ed8' },
  { key: 'p95', name: 'p95', color: '#7c3aed', dash: '6 4' },
  { key: 'max', name: 'max', color: '#4b5563', dash: '2 3' },
];
const number = new Intl.NumberFormat();
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const minuteLabel = (iso) => clock.format(new Date(iso));

function legend(series) {
  return el('ul', { class: 'legend', 'aria-hidden': 'true' }, series.map((s) => el('li', {},
    el('span', { class: 'swatch', style: `background: ${s.color}${s.dash ? '; opacity: 0.8' : ''}` }), s.name)));
}

function drawThroughput(minutes) {
  const labels = minutes.map((m) => minuteLabel(m.minute));
  const totals = Object.fromEntries(OUTCOMES.map((o) => [o.key, minutes.reduce((sum, m) => sum + (m[o.key] || 0), 0)]));
  const all = totals.succeeded + totals.failed + totals.cancelled;
  const busiest = minutes.reduce((best, m) => {
    const n = (m.succeeded || 0) + (m.failed || 0) + (m.cancelled || 0);
    return n > best.n ? { n, minute: m.minute } : best;
  }, { n: 0, minute: null });
  const summary = all === 0
    ? 'No job finished in the last hour.'
    : `In the last hour ${number.format(all)} jobs finished: ${number.format(totals.succeeded)} succeeded, `
      + `${number.format(totals.failed)} failed, ${number.format(totals.cancelled)} cancelled. `
      + `The busiest minute was ${minuteLabel(busiest.minute)} with ${number.format(busiest.n)}.`;
  const chart = stackedBars({
    title: 'Jobs finished per minute, last hour', description: summary, labels,
    series: OUTCOMES.map((o) => ({ ...o, values: minutes.map((m) => m[o.key] || 0) })),
    formatY: (v) => number.format(v),
  });
  document.getElementById('throughput-chart').replaceChildren(chart, legend(OUTCOMES));
  document.getElementById('throughput-summary').textContent = summary;
}

function drawLatency(minutes) {
  const labels = minutes.map((m) => minuteLabel(m.minute));
  const value = (m, key) => (m.latencyMs && m.latencyMs[key] !== null && m.latencyMs[key] !== undefined ? m.latencyMs[key] : null);
  const withData = minutes.filter((m) => value(m, 'p50') !== null);
  let summary = 'No job finished in the last hour, so there is no latency to show.';
  if (withData.length > 0) {
    const last = withData[withData.length - 1];
    const worst = withData.reduce((a, m) => (value(m, 'max') > value(a, 'max') ? m : a));
    summary = `Latest minute with jobs (${minuteLabel(last.minute)}): median ${formatDuration(value(last, 'p50'))}, `
      + `p95 ${formatDuration(value(last, 'p95'))}. The slowest job of the hour took ${formatDuration(value(worst, 'max'))} `
      + `(${minuteLabel(worst.minute)}).`;
  }
  const chart = lines({
    title: 'Latency from submit to finish per minute, last hour', description: summary, labels,
    series: LATENCIES.map((l) => ({ ...l, values: minutes.map((m) => value(m, l.key)) })),
    formatY: (v) => formatDuration(v),
  });
  document.getElementById('latency-chart').replaceChildren(chart, legend(LATENCIES));
  document.getElementById('latency-summary').textContent = summary;
}

function drawMinutesTable(minutes) {
  const ms = (v) => (v === null || v === undefined ? '–' : formatDuration(v));
  const rows = minutes.slice().reverse().map((m) => el('tr', {},
    el('th', { scope: 'row' }, minuteLabel(m.minute)),
    el('td', { class: 'num' }, number.format(m.succeeded || 0)),
    el('td', { class: 'num' }, number.format(m.failed || 0)),
    el('td', { class: 'num' }, number.format(m.cancelled || 0)),
    el('td', { class: 'num' }, ms(m.latencyMs && m.latencyMs.p50)),
    el('td', { class: 'num' }, ms(m.latencyMs && m.latencyMs.p95)),
    el('td', { class: 'num' }, ms(m.latencyMs && m.latencyMs.max)),
    el('td', { class: 'num' }, ms(m.runMs && m.runMs.p50)),
    el('td', { class: 'num' }, ms(m.runMs && m.runMs.p95))));
  document.getElementById('minutes-table').replaceChildren(el('table', {},
    el('caption', { class: 'visually-hidden' }, 'Jobs finished and their latency per minute, newest first'),
    el('thead', {}, el('tr', {}, ['Minute', 'Succeeded', 'Failed', 'Cancelled', 'Latency p50', 'Latency p95',
      'Latency max', 'Run p50', 'Run p95'].map((h, i) => el('th', { scope: 'col', class: i ? 'num' : null }, h)))),
    el('tbody', {}, rows)));
}

function meter(part, whole, label) {
  const share = whole > 0 ? Math.min(100, (100 * part) / whole) : 0;
  return el('div', { class: 'meter', role: 'img', 'aria-label': label }, el('span', { style: `width: ${share}%` }));
}

function drawQueues(queues) {
  const box = document.getElementById('queues');
  if (queues.length === 0) {
    box.replaceChildren(el('p', { class: 'muted', style: 'margin: 0.5rem' }, 'No queued or running jobs.'));
    return;
  }
  const most = Math.max(1, ...queues.map((q) => q.queued + q.running));
  box.replaceChildren(el('table', { id: 'queue-table' },
    el('caption', { class: 'visually-hidden' }, 'Jobs waiting and running per queue'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Queue'), el('th', { scope: 'col', class: 'num' }, 'Queued'),
      el('th', { scope: 'col', class: 'num hide-narrow' }, 'of them scheduled'),
      el('th', { scope: 'col', class: 'num' }, 'Running'), el('th', { scope: 'col', class: 'hide-narrow' }, 'Depth'))),
    el('tbody', {}, queues.map((q) => el('tr', {},
      el('th', { scope: 'row' }, el('a', { href: `/jobs?queue=${encodeURIComponent(q.queue)}` }, q.queue)),
      el('td', { class: 'num' }, el('a', { href: `/jobs?queue=${encodeURIComponent(q.queue)}&status=QUEUED` }, number.format(q.queued))),
      el('td', { class: 'num hide-narrow' }, number.format(q.scheduled || 0)),
      el('td', { class: 'num' }, el('a', { href: `/jobs?queue=${encodeURIComponent(q.queue)}&status=RUNNING` }, number.format(q.running))),
      el('td', { class: 'hide-narrow' }, meter(q.queued + q.running, most,
        `${q.queued + q.running} jobs of the deepest queue's ${most}`)))))));
}

function drawWorkers(workers, generatedAt) {
  const box = document.getElementById('workers');
  if (workers.length === 0) {
    box.replaceChildren(el('p', { class: 'muted', style: 'margin: 0.5rem' }, 'No live worker: queued jobs wait until one starts.'));
    return;
  }
  const now = new Date(generatedAt || Date.now());
  box.replaceChildren(el('table', { id: 'worker-table' },
    el('caption', { class: 'visually-hidden' }, 'Live workers and their child-process pools'),
    el('thead', {}, el('tr', {}, ['Worker', 'Queues', 'Children busy / idle', 'Pool', 'Buffered', 'Heartbeat', 'Started']
      .map((h, i) => el('th', { scope: 'col', class: [2, 4].includes(i) ? 'num' : (i >= 5 ? 'hide-narrow' : null) }, h)))),
    el('tbody', {}, workers.map((w) => el('tr', {},
      el('th', { scope: 'row', class: 'mono' }, w.id),
      el('td', {}, Array.isArray(w.queues) ? w.queues.join(', ') : String(w.queues)),
      el('td', { class: 'num' }, `${w.busy} / ${w.idle}`, el('span', { class: 'muted' }, ` of ${w.slots}`)),
      el('td', {}, meter(w.busy, w.slots, `${w.busy} of ${w.slots} children busy`)),
      el('td', { class: 'num' }, number.format(w.buffered)),
      el('td', { class: 'hide-narrow' }, w.heartbeatAt ? `${formatDuration(Math.max(0, now - new Date(w.heartbeatAt)))} ago` : '–'),
      el('td', { class: 'hide-narrow' }, timeElement(w.startedAt, { short: true })))))));
}

const problem = document.getElementById('problem');
const updated = document.getElementById('updated');
let timer = null;

async function refresh() {
  clearTimeout(timer);
  try {
    const stats = await api('/api/stats');
    drawThroughput(stats.minutes);
    drawLatency(stats.minutes);
    drawMinutesTable(stats.minutes);
    drawQueues(stats.queues);
    drawWorkers(stats.workers, stats.generatedAt);
    problem.replaceChildren();
    updated.dataset.state = 'live';
    updated.textContent = `Updated ${new Date(stats.generatedAt || Date.now()).toLocaleTimeString()}, every ${REFRESH_MS / 1000} s`;
  } catch (error) {
    problem.replaceChildren(problemElement(error));
    updated.dataset.state = 'down';
    updated.textContent = 'Not updating: retrying';
  }
  if (!document.hidden) timer = setTimeout(refresh, REFRESH_MS);
}

// A hidden tab stops asking; it catches up as soon as it is shown again.
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refresh();
  else clearTimeout(timer);
});
refresh();
