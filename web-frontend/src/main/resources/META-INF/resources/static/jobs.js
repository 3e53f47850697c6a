// The Jobs page: the listing from GET /api/jobs (filters and cursor from the URL), live updates
// from GET /api/events, and bulk retry/cancel through POST /api/jobs/bulk.
import {
  api, el, follow, problemElement, showProblem, statusBadge, progressElement, setProgress,
  timeElement, between, toast, FINAL,
} from './app.js';

const FILTERS = ['status', 'type', 'queue', 'q'];
const url = new URL(location.href);
const filter = Object.fromEntries(FILTERS.map((name) => [name, url.searchParams.get(name) || '']).filter(([, v]) => v));
const cursor = url.searchParams.get('cursor') || '';
// The cursors of the pages before this one ('' is the newest page), so "Newer" can go back.
const trail = url.searchParams.has('prev') ? url.searchParams.get('prev').split('.') : [];
const limit = url.searchParams.get('limit') || '50';

const rows = document.getElementById('rows');
const problem = document.getElementById('problem');
const outcome = document.getElementById('outcome');
const selectAll = document.getElementById('select-all');
const selectionCount = document.getElementById('selection-count');
const changes = document.getElementById('changes');
const byId = new Map(); // job id -> {row, job}
let changedElsewhere = 0;
let lastPage = { items: [], nextCursor: null };

function pageUrl(nextCursor, nextTrail) {
  const target = new URL('/jobs', location.origin);
  for (const [name, value] of Object.entries(filter)) target.searchParams.set(name, value);
  if (url.searchParams.has('limit')) target.searchParams.set('limit', limit);
  if (nextCursor) target.searchParams.set('cursor', nextCursor);
  if (nextTrail.length > 0) target.searchParams.set('prev', nextTrail.join('.'));
  return target.pathname + target.search;
}

function jobRow(job, { fresh = false } = {}) {
  const box = el('input', {
    type: 'checkbox', class: 'select', value: job.id, 'aria-label': `Select job ${job.id}`, onchange: updateSelection,
  });
  const progress = progressElement(job.progress, { label: `Progress of job ${job.id.slice(0, 8)}`, status: job.status });
  const row = el('tr', { 'data-id': job.id, class: fresh ? 'fresh' : null },
    el('td', {}, box),
    el('td', {}, el('a', { href: `/jobs/${job.id}`, class: 'mono', title: job.id }, job.id.slice(0, 8))),
    el('td', {}, job.type),
    el('td', { class: 'hide-narrow' }, job.queue),
    el('td', { class: 'cell-status' }, statusBadge(job.status)),
    el('td', { class: 'cell-progress' }, progress),
    el('td', { class: 'num hide-narrow cell-attempt' }, job.attempt != null ? `${job.attempt} / ${job.maxAttempts}` : '–'),
    el('td', { class: 'nowrap' }, timeElement(job.createdAt, { short: true })),
    el('td', { class: 'nowrap hide-narrow cell-took' }, job.startedAt && job.finishedAt ? between(job.startedAt, job.finishedAt) : ''));
  byId.set(job.id, { row, job });
  return row;
}

function render(page) {
  lastPage = page;
  byId.clear();
  if (page.items.length === 0) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 9, class: 'muted' },
      Object.keys(filter).length ? 'No job matches this filter.' : 'No jobs yet. Submit one.')));
  } else {
    rows.replaceChildren(...page.items.map((job) => jobRow(job)));
  }
  const first = document.getElementById('page-first');
  const prev = document.getElementById('page-prev');
  const next = document.getElementById('page-next');
  first.hidden = !cursor;
  first.href = pageUrl('', []);
  prev.hidden = !cursor;
  if (cursor) prev.href = pageUrl(trail[trail.length - 1] || '', trail.slice(0, -1));
  next.hidden = !page.nextCursor;
  if (page.nextCursor) next.href = pageUrl(page.nextCursor, [...trail, cursor]);
  document.getElementById('page-info').textContent =
    `Page ${trail.length + 1}${page.items.length ? `, ${page.items.length} jobs` : ''}`;
  selectAll.checked = false;
  updateSelection();
}

async function load() {
  const query = new URLSearchParams({ ...filter, limit });
  if (cursor) query.set('cursor', cursor);
  try {
    const page = await api('/api/jobs?' + query);
    problem.replaceChildren();
    changedElsewhere = 0;
    changes.hidden = true;
    render(page);
  } catch (error) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: 9, class: 'muted' }, 'The jobs could not be loaded.')));
    showProblem(problem, error);
  }
}

function selectedIds() {
  return [...rows.querySelectorAll('input.select:checked')].map((box) => box.value);
}

function updateSelection() {
  const n = selectedIds().length;
  selectionCount.textContent = n === 0 ? 'None selected' : `${n} selected`;
  for (const button of document.querySelectorAll('button[data-scope="ids"]')) button.disabled = n === 0;
  const all = rows.querySelectorAll('input.select').length;
  selectAll.indeterminate = n > 0 && n < all;
  selectAll.checked = all > 0 && n === all;
}

selectAll.addEventListener('change', () => {
  for (const box of rows.querySelectorAll('input.select')) box.checked = selectAll.checked;
  updateSelection();
});

/** The event of a job on this page updates its row; a new job on the newest page is added on top. */
function onJob(event) {
  const known = byId.get(event.jobId);
  if (known) {
    const job = { ...known.job, status: event.status, progress: event.progress || known.job.progress };
    known.job = job;
    known.row.querySelector('.cell-status').replaceChildren(statusBadge(event.status));
    setProgress(known.row.querySelector('.cell-progress .progress'), job.progress, event.status);
    if (filter.status && filter.status !== event.status) known.row.classList.add('muted');
    return;
  }
  const matches = !filter.status || filter.status === event.status;
  if (!cursor && event.seq === 1 && matches) {
    const job = {
      id: event.jobId, type: event.type, queue: event.queue, status: event.status,
      progress: event.progress, createdAt: event.at, attempt: null,
    };
    const empty = rows.querySelector('td[colspan]');
    if (empty) rows.replaceChildren();
    rows.prepend(jobRow(job, { fresh: true }));
    updateSelection();
  } else if (matches) {
    changedElsewhere += 1;
    document.getElementById('changes-text').textContent =
      `${changedElsewhere} ${changedElsewhere === 1 ? 'job' : 'jobs'} not shown here changed.`;
    changes.hidden = false;
  }
}

document.getElementById('changes-reload').addEventListener('click', load);

function describeFilter() {
  const parts = Object.entries(filter).map(([name, value]) => name === 'q' ? `id starting with "${value}"` : `${name} = ${value}`);
  return parts.length ? parts.join(', ') : 'no filter: every job of your tenant';
}

const VERB = { retry: 'Retry', cancel: 'Cancel' };
const APPLIES = {
  retry: 'Only FAILED and CANCELLED jobs are retried; others stay as they are.',
  cancel: 'QUEUED jobs are cancelled at once, RUNNING jobs are stopped by their worker; finished jobs stay as they are.',
};

function confirm(title, text, okLabel) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').replaceChildren(...text);
  document.getElementById('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function bulk(action, scope) {
  const ids = selectedIds();
  const body = scope === 'ids' ? { action, ids } : { action, filter };
  const what = scope === 'ids'
    ? `${ids.length} selected ${ids.length === 1 ? 'job' : 'jobs'}`
    : 'every job matching the filter, on every page';
  // How many match: exact when the whole list fits this page, else at least what the pages show.
  const shown = lastPage.items.length;
  const count = !cursor && !lastPage.nextCursor
    ? `${shown} ${shown === 1 ? 'job matches' : 'jobs match'} it now.`
    : `More than ${shown} jobs match it: the list has more pages.`;
  const text = scope === 'ids'
    ? [el('strong', {}, ids.slice(0, 10).map((id) => id.slice(0, 8)).join(', ')),
      ids.length > 10 ? ` and ${ids.length - 10} more` : '', '. ', APPLIES[action]]
    : ['Filter: ', el('strong', {}, describeFilter()), '. ', count, ' ', APPLIES[action]];
  if (!(await confirm(`${VERB[action]} ${what}?`, text, `${VERB[action]} ${scope === 'ids' ? ids.length : 'all matching'}`))) {
    return;
  }
  outcome.replaceChildren(el('p', { class: 'muted' }, 'Working…'));
  try {
    const result = await api('/api/jobs/bulk', { method: 'POST', body });
    const done = action === 'retry' ? 'retried' : 'cancelled or asked to stop';
    const lines = [el('strong', {}, `${result.changed} of ${result.matched} matching ${result.matched === 1 ? 'job' : 'jobs'} ${done}.`)];
    if (result.unchanged && result.unchanged.length > 0) {
      lines.push(' Unchanged (their status does not allow it):',
        el('ul', {}, result.unchanged.map((u) => el('li', {},
          el('a', { href: `/jobs/${u.id}`, class: 'mono' }, u.id.slice(0, 8)), ' ', statusBadge(u.status)))));
      if (result.matched - result.changed > result.unchanged.length) {
        lines.push(el('p', {}, `(the first ${result.unchanged.length} of ${result.matched - result.changed} shown)`));
      }
    }
    outcome.replaceChildren(el('div', { class: 'alert alert-ok', role: 'status' }, lines));
    toast(`${VERB[action]}: ${result.changed} of ${result.matched} changed`);
    load();
  } catch (error) {
    outcome.replaceChildren(problemElement(error));
  }
}

for (const button of document.querySelectorAll('button[data-action]')) {
  button.addEventListener('click', () => bulk(button.dataset.action, button.dataset.scope));
}

// Live: every event of the tenant's jobs of this type/queue/id prefix. The status filter is applied
// here, not by the server, so a listed job that leaves the filtered status still shows its change.
const live = new URLSearchParams(Object.entries(filter).filter(([name]) => name !== 'status'));
follow('/api/events' + (live.toString() ? '?' + live : ''), {
  onJob,
  onReconnect: load, // events sent while the stream was down are gone: read the list again
  indicator: document.getElementById('live'),
});
load();
