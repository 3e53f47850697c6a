// What every page's script shares: the API call (CSRF token, same-origin credentials, problem+json
// errors), a small DOM builder that never parses HTML, formatting, and live streams.

/** The page's CSRF token, from <meta name="csrf-token">; empty when authentication is off. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

/** A failed API call: the HTTP status and the problem document (RFC 9457) when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
    this.problem = problem && typeof problem === 'object' ? problem : null;
  }
}

function problemText(status, problem) {
  if (problem && typeof problem === 'object') {
    return [problem.title, problem.detail].filter(Boolean).join(': ') || `HTTP ${status}`;
  }
  return `HTTP ${status}${problem ? ': ' + String(problem).slice(0, 200) : ''}`;
}

/**
 * Calls the JSON API and answers {response, data}. A body that is an object is sent as JSON; a
 * state-changing request carries X-CSRF-Token. A 401 (the session ended) goes to the sign-in page;
 * any other failure throws an ApiError carrying the problem document.
 */
export async function request(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const sent = { Accept: 'application/json, application/problem+json', ...headers };
  if (method !== 'GET' && method !== 'HEAD') {
    sent['X-CSRF-Token'] = csrfToken();
  }
  let payload = body;
  if (body !== undefined && body !== null && typeof body === 'object'
      && !(body instanceof Blob) && !(body instanceof FormData) && !(body instanceof ArrayBuffer)) {
    sent['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers: sent, body: payload, credentials: 'same-origin', signal });
  const type = response.headers.get('Content-Type') || '';
  let data = null;
  if (response.status !== 204) {
    data = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  }
  if (response.status === 401) {
    location.assign('/signin?next=' + encodeURIComponent(location.pathname + location.search));
  }
  if (!response.ok) {
    throw new ApiError(response.status, data);
  }
  return { response, data };
}

/** Like request(), answering only the data. */
export async function api(path, options) {
  return (await request(path, options)).data;
}

/**
 * Builds an element: el('a', {href: '/x', class: 'y'}, 'text', child). Text is always text (never
 * parsed as HTML); attributes set to null, undefined or false are left out; on* functions become
 * listeners.
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** An SVG element (for charts). */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** A problem shown to people: title, detail, and each offending field. */
export function problemElement(error) {
  const problem = error instanceof ApiError ? error.problem : null;
  const box = el('div', { class: 'alert alert-error', role: 'alert' });
  if (problem) {
    box.append(el('strong', {}, problem.title || `Error ${error.status}`));
    if (problem.detail) box.append(': ', problem.detail);
    if (Array.isArray(problem.errors) && problem.errors.length > 0) {
      box.append(el('ul', {}, problem.errors.map((e) => el('li', {}, el('code', {}, e.field), ' ', e.message))));
    }
  } else {
    box.append(el('strong', {}, 'Something went wrong'), ': ', error && error.message ? error.message : String(error));
  }
  return box;
}

/** Shows a problem in a container, replacing what it held. */
export function showProblem(container, error) {
  container.replaceChildren(problemElement(error));
}

/** A short message in the page's live region (announced by screen readers), gone after a while. */
export function toast(message, millis = 6000) {
  const region = document.getElementById('toast');
  if (!region) return;
  const item = el('div', {}, message);
  region.append(item);
  setTimeout(() => item.remove(), millis);
}

export const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
export const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A status as a word in a coloured badge (the word carries the meaning, the colour helps). */
export function statusBadge(status) {
  return el('span', { class: `status status-${status}`, 'data-status': status }, status);
}

/**
 * A progress bar with its percentage as text. Without a percentage it is empty, except for a
 * RUNNING job, whose bar then moves to and fro (running, progress not reported).
 */
export function progressElement(progress, { large = false, label = 'Progress', status = null } = {}) {
  const bar = el('progress', { max: 100, 'aria-label': label });
  const text = el('span', { class: 'nowrap progress-text' });
  const element = el('div', { class: 'progress' + (large ? ' progress-lg' : '') }, bar, text);
  setProgress(element, progress, status);
  return element;
}

/** Sets a progress element (from progressElement) to a job's progress and status. */
export function setProgress(element, progress, status = null) {
  const bar = element.querySelector('progress');
  const text = element.querySelector('.progress-text');
  let percent = progress && Number.isFinite(progress.percent) ? progress.percent : null;
  if (status === 'SUCCEEDED') percent = 100;
  if (percent !== null) bar.value = percent;
  else if (status === 'RUNNING') bar.removeAttribute('value');
  else bar.value = 0;
  text.textContent = percent === null ? '–' : `${percent} %`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A <time> element for an ISO-8601 instant: local time shown, the exact instant in datetime/title. */
export function timeElement(iso, { short = false } = {}) {
  if (!iso) return el('span', { class: 'muted' }, '–');
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return el('time', { datetime: iso, title: iso }, short && today ? timeOnly.format(date) : dateTime.format(date));
}

/** A duration for people: 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min. */
export function formatDuration(millis) {
  if (millis === null || millis === undefined || !Number.isFinite(millis)) return '–';
  if (millis < 1000) return `${Math.round(millis)} ms`;
  if (millis < 60_000) return `${(millis / 1000).toFixed(millis < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(millis / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** The time between two ISO instants, formatted; '–' when either is missing. */
export function between(fromIso, toIso) {
  if (!fromIso || !toIso) return '–';
  return formatDuration(new Date(toIso) - new Date(fromIso));
}

/**
 * Follows a server-sent event stream: onJob(eventData, lastEventId) for every `job` event, and a
 * small live indicator (an element with data-state) showing whether the stream is connected.
 * onReconnect runs when the stream comes back after a drop (the page may have missed events).
 * Answers a function that closes the stream.
 */
export function follow(url, { onJob, onReconnect, onEnd, indicator } = {}) {
  const source = new EventSource(url, { withCredentials: true });
  let dropped = false;
  const mark = (state, text) => {
    if (indicator) {
      indicator.dataset.state = state;
      indicator.textContent = text;
    }
  };
  mark('connecting', 'Connecting…');
  source.addEventListener('open', () => {
    mark('live', 'Live');
    if (dropped && onReconnect) onReconnect();
    dropped = false;
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      mark('down', 'Not live: reload the page');
    } else {
      dropped = true;
      mark('down', 'Reconnecting…');
    }
  });
  source.addEventListener('job', (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    onJob(data, event.lastEventId);
    if (onEnd && FINAL.has(data.status) && onEnd(data)) {
      source.close();
      mark('ended', 'Finished');
    }
  });
  return () => source.close();
}
