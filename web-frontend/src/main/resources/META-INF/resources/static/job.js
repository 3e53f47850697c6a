// The Job page: follows GET /api/jobs/{id}/events (status and progress without reload), renders
// the result by type and the attempts, and sends retry/cancel through the API.
import {
  api, el, follow, problemElement, statusBadge, setProgress, timeElement, between, toast, FINAL,
} from './app.js';

const root = document.getElementById('job');
const id = root.dataset.id;
const problem = document.getElementById('problem');
let lastSeq = 0;
let lastStatus = root.dataset.status;
let closeStream = null;
// Failures whose message ends with the last lines the child wrote to stderr.
const STDERR_CODES = new Set(['CHILD_CRASHED', 'MEMORY_LIMIT', 'PROTOCOL_ERROR']);

for (const time of document.querySelectorAll('time[data-local]')) {
  time.replaceWith(timeElement(time.getAttribute('datetime')));
}

function setTime(ddId, iso) {
  document.getElementById(ddId).replaceChildren(iso ? timeElement(iso) : '–');
}

/** Everything on the page from a job view (GET /api/jobs/{id}). */
function renderJob(job) {
  lastStatus = job.status;
  root.dataset.status = job.status;
  document.getElementById('status').replaceChildren(statusBadge(job.status));
  document.getElementById('cancel-requested').hidden = !job.cancelRequested || FINAL.has(job.status);
  document.getElementById('attempt').textContent = `${job.attempt} of ${job.maxAttempts}`;
  setTime('started', job.startedAt);
  setTime('finished', job.finishedAt);
  renderProgress(job.status, job.progress);
  document.getElementById('retry-form').hidden = !(job.status === 'FAILED' || job.status === 'CANCELLED');
  document.getElementById('cancel-form').hidden = FINAL.has(job.status);
  const error = document.getElementById('error');
  error.hidden = !job.error;
  if (job.error) {
    document.getElementById('error-code').textContent = job.error.code;
    document.getElementById('error-message').textContent = job.error.message || '';
    document.getElementById('error-stderr-note').hidden = !STDERR_CODES.has(job.error.code);
  }
  renderResult(job);
}

function renderProgress(status, progress) {
  setProgress(document.getElementById('progress'), progress, status);
  document.getElementById('progress-message').textContent = (progress && progress.message) || '';
}

function renderResult(job) {
  const box = document.getElementById('result');
  if (job.status !== 'SUCCEEDED') {
    box.replaceChildren(el('p', { class: 'muted' }, `No result: the job is ${job.status}.`));
    return;
  }
  const result = job.result;
  const render = RENDERERS[job.type] || renderJson;
  try {
    box.replaceChildren(...[].concat(render(result, job)));
  } catch {
    box.replaceChildren(...[].concat(renderJson(result)));
  }
}

function renderJson(result) {
  return [el('p', { class: 'muted' }, 'The result, as JSON:'), el('pre', { id: 'result-json' }, JSON.stringify(result, null, 2))];
}

function output(name, result) {
  const text = result[name];
  const notes = [];
  if (result[`${name}Encoding`] === 'base64') notes.push('not UTF-8 text: shown as base64');
  if (result[`${name}Truncated`]) notes.push(`cut at the limit; the program wrote ${result[`${name}Bytes`]} bytes`);
  return [
    el('h3', {}, name, notes.length ? el('span', { class: 'muted' }, ` (${notes.join('; ')})`) : null),
    text ? el('pre', { id: `result-${name}` }, text) : el('p', { class: 'muted' }, 'Nothing.'),
  ];
}

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 });
const cell = (value, numeric = true) => el('td', { class: numeric ? 'num' : null },
  value === null || value === undefined ? '–' : (typeof value === 'number' ? number.format(value) : String(value)));

const RENDERERS = {
  sha256: (result) => [
    el('p', { class: 'label' }, 'SHA-256 digest (hex)'),
    el('p', { class: 'digest', id: 'result-digest' }, result.hex),
  ],
  image: (result) => [
    el('p', {}, `${result.width} × ${result.height} pixels, ${result.contentType || 'image/png'}`,
      result.bytes ? `, ${number.format(result.bytes)} bytes` : '', ' · ',
      el('a', { href: `/api/jobs/${id}/result`, download: `${id}.png` }, 'Download')),
    el('img', {
      class: 'result', id: 'result-image', src: `/api/jobs/${id}/result`,
      alt: `The resulting image, ${result.width} by ${result.height} pixels`,
      width: result.width, height: result.height,
    }),
  ],
  'csv-stats': (result) => [
    el('p', {}, `${number.format(result.rows)} rows, ${result.columns.length} columns.`),
    el('div', { class: 'table-wrap' }, el('table', { id: 'result-stats' },
      el('caption', { class: 'visually-hidden' }, 'Statistics per column'),
      el('thead', {}, el('tr', {}, ['Column', 'Count', 'Nulls', 'Distinct', 'Min', 'Max', 'Mean', 'Std dev']
        .map((h, i) => el('th', { scope: 'col', class: i > 0 ? 'num' : null }, h)))),
      el('tbody', {}, result.columns.map((c) => el('tr', {},
        el('th', { scope: 'row' }, c.name), cell(c.count), cell(c.nulls), cell(c.distinct),
        cell(c.min), cell(c.max), cell(c.mean), cell(c.stddev)))))),
  ],
  exec: (result) => [
    el('p', {}, 'Exit code: ', el('strong', { id: 'result-exit-code' }, String(result.exitCode))),
    ...output('stdout', result),
    ...output('stderr', result),
  ],
};

/** The attempts as a timeline: who ran each, when it was claimed, started and ended, how it ended. */
async function loadAttempts() {
  const box = document.getElementById('attempts');
  try {
    const attempts = await api(`/api/jobs/${id}/attempts`);
    if (attempts.length === 0) {
      box.replaceChildren(el('p', { class: 'muted' }, 'No attempt yet: no worker has claimed the job.'));
      return;
    }
    box.replaceChildren(el('ol', { class: 'timeline', id: 'attempt-list' }, attempts.map((a) => el('li', {},
      el('strong', {}, `Attempt ${a.attempt}`), ' · ',
      a.outcome ? el('span', { class: 'mono' }, a.outcome) : el('span', {}, 'running'),
      a.staleWriteRejected ? el('span', { class: 'muted' }, ' · a late write of this attempt was refused') : null,
      el('dl', { class: 'facts' },
        el('dt', {}, 'Worker'), el('dd', { class: 'mono' }, a.worker || '–'),
        el('dt', {}, 'Claimed'), el('dd', {}, timeElement(a.claimedAt)),
        el('dt', {}, 'Started'), el('dd', {}, timeElement(a.startedAt),
          a.startedAt ? ` (waited ${between(a.claimedAt, a.startedAt)})` : ''),
        el('dt', {}, 'Ended'), el('dd', {}, timeElement(a.endedAt),
          a.endedAt ? ` (ran ${between(a.startedAt || a.claimedAt, a.endedAt)})` : ''))))));
  } catch (error) {
    box.replaceChildren(problemElement(error));
  }
}

async function refresh() {
  try {
    renderJob(await api(`/api/jobs/${id}`));
    problem.replaceChildren();
  } catch (error) {
    problem.replaceChildren(problemElement(error));
  }
  loadAttempts();
}

function onJob(event) {
  if (event.seq <= lastSeq) return; // a replay after reconnecting: already shown
  lastSeq = event.seq;
  const changed = event.status !== lastStatus;
  lastStatus = event.status;
  root.dataset.status = event.status;
  document.getElementById('status').replaceChildren(statusBadge(event.status));
  renderProgress(event.status, event.progress);
  if (changed) refresh();
}

function stream() {
  if (closeStream) closeStream();
  // A new stream replays the job's history from seq 1 (EventSource can't send Last-Event-ID on its
  // first request): a final status already shown (before a retry) must not end the new stream.
  const shownBefore = lastSeq;
  closeStream = follow(`/api/jobs/${id}/events`, {
    onJob,
    onReconnect: refresh,
    // the server ends the stream after a final status: don't let EventSource reconnect
    onEnd: (event) => event.seq > shownBefore,
    indicator: document.getElementById('live'),
  });
}

async function act(form, call, message) {
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    renderJob(await api(`/api/jobs/${id}${call.path}`, { method: call.method }));
    toast(message);
    document.getElementById('notice')?.remove();
    loadAttempts();
    stream(); // a retried job's stream had ended; a cancelled one ends again by itself
  } catch (error) {
    problem.replaceChildren(problemElement(error));
  } finally {
    button.disabled = false;
  }
}

document.getElementById('retry-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(event.currentTarget, { path: '/retry', method: 'POST' }, 'Queued again with fresh attempts.');
});
document.getElementById('cancel-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(event.currentTarget, { path: '', method: 'DELETE' }, 'Cancel requested.');
});

refresh();
stream();
