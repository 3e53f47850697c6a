// The Submit page (/submit): one form per job type. Files are read in Web Workers (a SHA-256 of
// a file with progress, an image's thumbnail, a CSV's preview), so the page never freezes; each
// form posts JSON to POST /api/jobs, shows the API's problems next to the inputs they name, and
// follows the job it made (SSE, or polling when the stream is unavailable) to show its result.
//
// Test switch: /submit?mainThread=1 hashes files with the same code on the page's main thread
// instead of a worker, to measure what the worker buys. Every hash run's figures are kept in
// window.forkyardSubmit.hashRuns ({mode, bytes, startedAt, endedAt, ms, hex}, times from
// performance.now()).
import { ApiError, FINAL, el, problemElement, request, statusBadge } from '/static/app.js';
import { hashBlob, toHex } from '/static/workers/sha256.js';
import { bytesToBase64 } from '/static/workers/base64.js';

const MAIN_THREAD = new URLSearchParams(location.search).get('mainThread') === '1';
const BROWSER_CHAIN_MAX_ROUNDS = 1_000_000;
const hashRuns = [];
window.forkyardSubmit = { hashRuns, mainThread: MAIN_THREAD };

// ---------------------------------------------------------------------------------------------
// Tabs: one section per job type; the URL keeps the choice (?type=...).

function selectTab(type) {
  for (const section of document.querySelectorAll('section.submit-form')) {
    section.hidden = section.dataset.form !== type;
  }
  for (const link of document.querySelectorAll('nav.tabs a[data-type]')) {
    if (link.dataset.type === type) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const url = new URL(location.href);
  url.searchParams.set('type', type);
  history.replaceState(null, '', url);
}

for (const link of document.querySelectorAll('nav.tabs a[data-type]')) {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    selectTab(link.dataset.type);
    const heading = document.querySelector(`section[data-form="${CSS.escape(link.dataset.type)}"] h2`);
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Fields, problems and the submission.

/** Clears every field error of a form and its summary. */
function clearProblems(form) {
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const summary = form.querySelector('.problem-summary');
  if (summary) summary.remove();
}

/** The element of a form that shows a field's error: the closest data-field match, by prefix. */
function fieldFor(form, field) {
  let name = field;
  while (name) {
    const found = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (found) return found;
    const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('['));
    if (cut <= 0) break;
    name = name.slice(0, cut);
  }
  return null;
}

/** Shows a message next to the input of a field (or in the form's summary when none matches). */
function showFieldError(form, field, message) {
  const holder = fieldFor(form, field);
  const slot = holder && holder.querySelector('.field-error');
  if (!slot) return false;
  slot.textContent = slot.textContent ? slot.textContent + ' ' + message : message;
  const input = holder.querySelector('input:not([type="radio"]), textarea, select');
  if (input) input.setAttribute('aria-invalid', 'true');
  const folded = holder.closest('details');
  if (folded) folded.open = true; // a problem is never hidden in a closed part of the form
  return true;
}

/** Shows an API failure: a summary above the button and each named field next to its input. */
function showProblem(form, error) {
  const problem = error instanceof ApiError ? error.problem : null;
  for (const e of (problem && problem.errors) || []) {
    const named = e.field === 'input' ? e.message : `${e.field} ${e.message}`;
    showFieldError(form, e.field, named);
  }
  const summary = problemElement(error);
  summary.classList.add('problem-summary');
  form.querySelector('button[type="submit"]').closest('.row').before(summary);
}

/** A number input's value as the API should see it: a number, null when empty, else the text. */
function numberOrText(value) {
  const text = String(value).trim();
  if (text === '') return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** The common fields of a submission (queue, attempts, timeout) from the form's advanced part. */
function commonFields(form) {
  const body = {};
  const queue = form.elements.queue && form.elements.queue.value.trim();
  if (queue) body.queue = queue;
  for (const name of ['maxAttempts', 'timeoutSeconds']) {
    const value = form.elements[name] ? numberOrText(form.elements[name].value) : null;
    if (value !== null) body[name] = value;
  }
  return body;
}

/**
 * Posts a job and follows it in the form's outcome area; render(job, area) adds the type's
 * result when the job has finished. Answers the job's id, or null when the API refused it.
 */
async function submitJob(form, type, input, { render, before } = {}) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const { data: job } = await request('/api/jobs', { method: 'POST', body: { type, input, ...commonFields(form) } });
    const area = document.querySelector(`[data-outcome="${CSS.escape(form.closest('section').dataset.form)}"]`);
    follow(job, area, { render, before });
    return job.id;
  } catch (error) {
    showProblem(form, error);
    return null;
  } finally {
    button.disabled = false;
  }
}

/** Shows a submitted job (link, status, progress) and keeps it current until it finishes. */
function follow(job, area, { render, before } = {}) {
  const status = el('span', { class: 'job-status' }, statusBadge(job.status));
  const bar = el('progress', { max: 100, 'aria-label': 'Job progress' });
  const barText = el('span', { class: 'nowrap progress-text' }, '–');
  const result = el('div', { class: 'job-result stack' });
  const card = el('article', { class: 'card outcome stack', 'data-job-id': job.id },
    el('p', {}, 'Submitted ', el('a', { href: `/jobs/${job.id}`, class: 'job-link mono' }, job.id), ' ', status),
    el('div', { class: 'progress' }, bar, barText),
    before || null,
    result);
  area.prepend(card);

  let finished = false;
  const update = (view) => {
    status.replaceChildren(statusBadge(view.status));
    const percent = view.progress && Number.isFinite(view.progress.percent) ? view.progress.percent : null;
    if (view.status === 'SUCCEEDED') {
      bar.value = 100;
      barText.textContent = '100 %';
    } else if (percent !== null) {
      bar.value = percent;
      barText.textContent = `${percent} %`;
    }
  };
  const finish = async () => {
    if (finished) return;
    finished = true;
    const { data: view } = await request(`/api/jobs/${job.id}`);
    update(view);
    card.dataset.status = view.status;
    if (view.status === 'SUCCEEDED') {
      if (render) render(view, result);
      else result.append(el('p', {}, 'Succeeded.'));
    } else if (view.status === 'FAILED') {
      result.append(el('div', { class: 'alert alert-error', role: 'alert' },
        el('strong', {}, view.error ? view.error.code : 'FAILED'), ': ', view.error ? view.error.message : ''));
    } else {
      result.append(el('p', {}, 'Cancelled.'));
    }
  };

  let timer = null;
  const poll = async () => {
    try {
      const { data: view } = await request(`/api/jobs/${job.id}`);
      update(view);
      if (FINAL.has(view.status)) return finish();
    } catch {
      // a dropped request: try again
    }
    timer = setTimeout(poll, 700);
  };
  if (typeof EventSource === 'function') {
    const source = new EventSource(`/api/jobs/${job.id}/events`, { withCredentials: true });
    source.addEventListener('job', (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      update(data);
      if (FINAL.has(data.status)) {
        source.close();
        finish();
      }
    });
    // No stream (an old web tier, a proxy that drops it): poll instead, until the job finishes.
    source.addEventListener('error', () => {
      if (finished || timer !== null) return;
      source.close();
      poll();
    });
  } else {
    poll();
  }
}

/** A digest line: label and hex, with the id tests and people can find. */
function digestLine(label, hex, id) {
  return el('div', { class: 'digest-line' }, el('span', { class: 'label' }, label),
    hex ? el('code', { class: 'digest', id }, hex) : el('span', { class: 'muted', id }, 'not computed in the browser (over '
      + BROWSER_CHAIN_MAX_ROUNDS.toLocaleString('en') + ' rounds)'));
}

// ---------------------------------------------------------------------------------------------
// Hashing in the browser: a Web Worker, or (test switch) the same code on the main thread.

/**
 * Hashes a Blob; onProgress(done, total). Answers {hex, ms, base64?}. One worker per run: picking
 * another file terminates the previous run's worker (cancel()).
 */
function hashInBrowser(blob, { base64 = false, onProgress = () => {} } = {}) {
  const run = { mode: MAIN_THREAD ? 'main' : 'worker', bytes: blob.size, startedAt: performance.now() };
  const record = (answer) => {
    run.endedAt = performance.now();
    run.ms = run.endedAt - run.startedAt;
    run.hex = answer.hex;
    hashRuns.push(run);
    return answer;
  };
  if (MAIN_THREAD) {
    const promise = (async () => {
      const digest = await hashBlob(blob, onProgress);
      const answer = { hex: toHex(digest) };
      if (base64) answer.base64 = bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
      return record(answer);
    })();
    return { promise, cancel() {} };
  }
  const worker = new Worker('/static/workers/hash-file.js', { type: 'module' });
  let reject;
  const promise = new Promise((resolve, rejectWith) => {
    reject = rejectWith;
    worker.onmessage = (event) => {
      const m = event.data;
      if (m.kind === 'progress') onProgress(m.done, m.total);
      else if (m.kind === 'done') {
        worker.terminate();
        resolve(record(m));
      } else if (m.kind === 'error') {
        worker.terminate();
        rejectWith(new Error(m.message));
      }
    };
    worker.onerror = (event) => {
      worker.terminate();
      rejectWith(new Error(event.message || 'the hashing worker failed'));
    };
    worker.postMessage({ file: blob, base64 });
  });
  return { promise, cancel() { worker.terminate(); reject(new Error('cancelled')); } };
}

/** d(rounds) of the sha256 job's chain from d1 (hex), computed in a worker. */
function chainInWorker(firstHex, rounds) {
  if (rounds === 1) return Promise.resolve(firstHex);
  const worker = new Worker('/static/workers/hash-file.js', { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      worker.terminate();
      if (event.data.kind === 'chain') resolve(event.data.hex);
      else reject(new Error(event.data.message));
    };
    worker.postMessage({ chainOf: firstHex, rounds });
  });
}

// ---------------------------------------------------------------------------------------------
// sha256

const shaForm = document.getElementById('form-sha256');
if (shaForm) {
  const maxFileBytes = Number(shaForm.dataset.maxFileBytes);
  const fileInput = document.getElementById('sha256-file');
  const progress = shaForm.querySelector('.hash-progress');
  const bar = document.getElementById('sha256-progress');
  const barText = document.getElementById('sha256-progress-text');
  const local = document.getElementById('sha256-local');
  let current = null; // {file, run, answer?}

  const source = () => shaForm.elements.source.value;
  for (const radio of shaForm.querySelectorAll('input[name="source"]')) {
    radio.addEventListener('change', () => {
      for (const part of shaForm.querySelectorAll('[data-source]')) part.hidden = part.dataset.source !== source();
    });
  }

  fileInput.addEventListener('change', () => {
    clearProblems(shaForm);
    if (current) current.run.cancel();
    current = null;
    local.replaceChildren();
    const file = fileInput.files[0];
    if (!file) {
      progress.hidden = true;
      return;
    }
    progress.hidden = false;
    bar.value = 0;
    barText.textContent = '0 %';
    const sendable = file.size <= maxFileBytes;
    const run = hashInBrowser(file, {
      base64: sendable,
      onProgress: (done, total) => {
        const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
        bar.value = percent;
        barText.textContent = `${percent} %`;
      },
    });
    const mine = { file, run };
    current = mine;
    local.textContent = `Hashing ${file.size.toLocaleString('en')} bytes ${MAIN_THREAD ? 'on the page (test switch)' : 'in a Web Worker'}…`;
    run.promise.then((answer) => {
      if (current !== mine) return;
      mine.answer = answer;
      bar.value = 100;
      barText.textContent = '100 %';
      local.replaceChildren(
        digestLine('Your browser:', answer.hex, 'sha256-file-digest'),
        el('span', { class: 'muted' }, ` ${file.size.toLocaleString('en')} bytes in ${(answer.ms ?? 0) >= 0 ? Math.round(hashRuns[hashRuns.length - 1].ms) : '?'} ms`
          + (MAIN_THREAD ? ', on the main thread (test switch).' : ', in a Web Worker.')));
      if (!sendable) {
        showFieldError(shaForm, 'input.base64', `This file is larger than ${maxFileBytes.toLocaleString('en')} bytes: `
          + 'it was hashed in your browser only; the server\'s sha256 job can\'t take it.');
      }
    }, (error) => {
      if (current === mine && error.message !== 'cancelled') showFieldError(shaForm, 'input.base64', `Could not read the file: ${error.message}`);
    });
  });

  shaForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(shaForm);
    const rounds = numberOrText(shaForm.elements.rounds.value);
    let input;
    let first; // hex of d1 computed in the browser
    if (source() === 'text') {
      const text = shaForm.elements.text.value;
      input = { text, rounds };
      first = (await hashInBrowser(new Blob([text])).promise).hex;
    } else {
      if (!current) {
        showFieldError(shaForm, 'input.base64', 'Pick a file.');
        return;
      }
      const answer = current.answer || await current.run.promise.catch(() => null);
      if (!answer) return;
      if (answer.base64 === undefined) {
        showFieldError(shaForm, 'input.base64', `Only files up to ${maxFileBytes.toLocaleString('en')} bytes can be sent to the server.`);
        return;
      }
      input = { base64: answer.base64, rounds };
      first = answer.hex;
    }
    const chained = Number.isInteger(rounds) && rounds >= 1 && rounds <= BROWSER_CHAIN_MAX_ROUNDS
      ? await chainInWorker(first, rounds) : null;
    const mark = el('p', { class: 'match', id: 'sha256-match', 'aria-live': 'polite' }, 'Waiting for the server…');
    const browserLine = digestLine('Your browser:', chained, 'sha256-browser-digest');
    const serverLine = el('div', { class: 'digest-line' }, el('span', { class: 'label' }, 'Server:'),
      el('span', { class: 'muted', id: 'sha256-server-digest' }, 'not finished yet'));
    const compare = el('div', { class: 'digests stack' }, el('p', { class: 'muted' }, `rounds: ${rounds}`), browserLine, serverLine, mark);
    await submitJob(shaForm, 'sha256', input, {
      before: compare,
      render(view) {
        const server = view.result && view.result.hex;
        serverLine.replaceChildren(el('span', { class: 'label' }, 'Server:'), el('code', { class: 'digest', id: 'sha256-server-digest' }, server));
        if (!chained) {
          mark.textContent = 'Not compared: the browser did not compute this many rounds.';
          mark.dataset.match = 'unknown';
        } else if (chained === server) {
          mark.textContent = '✓ The digests match.';
          mark.dataset.match = 'true';
        } else {
          mark.textContent = '✗ The digests differ.';
          mark.dataset.match = 'false';
        }
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// image

const imageForm = document.getElementById('form-image');
if (imageForm) {
  const maxBytes = Number(imageForm.dataset.maxBytes);
  const maxOperations = Number(imageForm.dataset.maxOperations);
  const fileInput = document.getElementById('image-file');
  const figure = imageForm.querySelector('figure.thumb');
  const thumb = document.getElementById('image-thumb');
  const facts = document.getElementById('image-facts');
  const list = document.getElementById('image-operations');
  let picked = null; // {base64, width, height} once the worker answered
  let worker = null;

  const PARAMS = { grayscale: [], thumbnail: [['size', 'Size (px)', 128]], resize: [['width', 'Width (px)', 320], ['height', 'Height (px)', 200]], blur: [['radius', 'Radius (px)', 2]] };
  const LABELS = { grayscale: 'Grayscale', thumbnail: 'Thumbnail', resize: 'Resize', blur: 'Blur' };

  const renumber = () => {
    [...list.children].forEach((item, i) => {
      item.dataset.field = `input.operations[${i}]`;
      for (const param of item.querySelectorAll('[data-param]')) param.dataset.field = `input.operations[${i}].${param.dataset.param}`;
      item.querySelector('.op-index').textContent = `${i + 1}.`;
    });
  };
  const addOperation = (op) => {
    if (list.children.length >= maxOperations) {
      showFieldError(imageForm, 'input.operations', `At most ${maxOperations} operations.`);
      return;
    }
    const item = el('li', { class: 'operation row', 'data-op': op },
      el('span', { class: 'op-index' }), el('strong', { class: 'op-name' }, LABELS[op]),
      PARAMS[op].map(([name, label, value]) => {
        const id = `op-${Math.random().toString(36).slice(2)}-${name}`;
        return el('div', { class: 'field', 'data-param': name },
          el('label', { for: id }, label),
          el('input', { id, type: 'number', min: 1, value, name: `op-${name}`, 'data-name': name }),
          el('p', { class: 'field-error' }));
      }),
      el('button', { type: 'button', class: 'button-quiet', 'aria-label': `Remove ${LABELS[op]}`, onclick: () => { item.remove(); renumber(); } }, 'Remove'),
      el('p', { class: 'field-error' }));
    list.append(item);
    renumber();
  };
  document.getElementById('image-add').addEventListener('click', () => addOperation(document.getElementById('image-add-op').value));

  fileInput.addEventListener('change', () => {
    clearProblems(imageForm);
    picked = null;
    figure.hidden = true;
    if (worker) worker.terminate();
    const file = fileInput.files[0];
    if (!file) return;
    if (file.size > maxBytes) {
      showFieldError(imageForm, 'input.base64', `This file has ${file.size.toLocaleString('en')} bytes; the image job takes at most ${maxBytes.toLocaleString('en')}.`);
      return;
    }
    facts.textContent = 'Making the preview in a Web Worker…';
    worker = new Worker('/static/workers/image-preview.js', { type: 'module' });
    const mine = worker;
    worker.onmessage = (event) => {
      mine.terminate();
      if (mine !== worker) return;
      const m = event.data;
      if (m.kind === 'error') {
        showFieldError(imageForm, 'input.base64', m.message);
        return;
      }
      picked = m;
      if (thumb.src) URL.revokeObjectURL(thumb.src);
      thumb.src = URL.createObjectURL(m.thumbnail);
      thumb.width = m.thumbnailWidth;
      thumb.height = m.thumbnailHeight;
      facts.textContent = `${file.name}: ${m.width} × ${m.height} px, ${file.size.toLocaleString('en')} bytes`;
      figure.hidden = false;
    };
    worker.postMessage({ file, size: 160 });
  });

  imageForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(imageForm);
    if (!picked) {
      showFieldError(imageForm, 'input.base64', fileInput.files[0] ? 'Wait for the preview, or pick a PNG or JPEG this browser can read.' : 'Pick an image.');
      return;
    }
    const operations = [...list.children].map((item) => {
      const op = { op: item.dataset.op };
      for (const input of item.querySelectorAll('input[data-name]')) op[input.dataset.name] = numberOrText(input.value);
      return op;
    });
    await submitJob(imageForm, 'image', { base64: picked.base64, operations }, {
      render(view, area) {
        const r = view.result || {};
        area.append(
          el('p', {}, `Result: ${r.width} × ${r.height} px, ${r.contentType}, ${Number(r.bytes).toLocaleString('en')} bytes`),
          el('img', { class: 'result', id: 'image-result', src: `/api/jobs/${view.id}/result`, alt: `The job's result, ${r.width} × ${r.height} pixels`, width: r.width, height: r.height }));
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// csv-stats

const csvForm = document.getElementById('form-csv-stats');
if (csvForm) {
  const maxChars = Number(csvForm.dataset.maxChars);
  const fileInput = document.getElementById('csv-file');
  const preview = document.getElementById('csv-preview');
  let parsed = null;
  let worker = null;

  fileInput.addEventListener('change', () => {
    clearProblems(csvForm);
    parsed = null;
    preview.replaceChildren();
    if (worker) worker.terminate();
    const file = fileInput.files[0];
    if (!file) return;
    preview.append(el('p', { class: 'muted' }, 'Parsing in a Web Worker…'));
    worker = new Worker('/static/workers/csv-preview.js', { type: 'module' });
    const mine = worker;
    worker.onmessage = (event) => {
      mine.terminate();
      if (mine !== worker) return;
      const m = event.data;
      preview.replaceChildren();
      if (m.kind === 'error') {
        showFieldError(csvForm, 'input.csv', `Could not read the file: ${m.message}`);
        return;
      }
      if (m.chars > maxChars) {
        showFieldError(csvForm, 'input.csv', `This file has ${m.chars.toLocaleString('en')} characters; the csv-stats job takes at most ${maxChars.toLocaleString('en')}.`);
        return;
      }
      parsed = m;
      if (m.error) showFieldError(csvForm, 'input.csv', `${m.error}; the job will fail on it.`);
      preview.append(
        el('p', { id: 'csv-summary' }, `${m.records.toLocaleString('en')} records after the header, ${m.columns.length} columns, ${m.chars.toLocaleString('en')} characters.`),
        el('ul', { class: 'columns', id: 'csv-columns' }, m.columns.map((c) => el('li', { 'data-kind': c.kind }, el('strong', {}, c.name || '(no name)'), ` ${c.kind}`))),
        el('div', { class: 'table-wrap' }, el('table', { id: 'csv-preview-table' },
          el('caption', { class: 'visually-hidden' }, `The first ${m.rows.length} records`),
          el('thead', {}, el('tr', {}, m.header.map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, m.rows.map((row) => el('tr', {}, m.header.map((_, i) => el('td', { class: m.columns[i].kind === 'number' ? 'num' : null }, row[i] ?? '')))))),
        ),
        el('p', { class: 'hint' }, `Shown: the first ${m.rows.length} records. Kinds are a guess from those rows; the job decides from all of them.`));
    };
    worker.postMessage({ file, rows: 10 });
  });

  csvForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(csvForm);
    if (!parsed) {
      showFieldError(csvForm, 'input.csv', fileInput.files[0] ? 'Wait for the preview.' : 'Pick a CSV file.');
      return;
    }
    await submitJob(csvForm, 'csv-stats', { csv: parsed.text }, {
      render(view, area) {
        const r = view.result || { columns: [] };
        const cell = (v) => el('td', { class: 'num' }, v === null || v === undefined ? '–' : typeof v === 'number' ? v.toLocaleString('en', { maximumFractionDigits: 6 }) : String(v));
        area.append(
          el('p', {}, `${Number(r.rows).toLocaleString('en')} rows`),
          el('div', { class: 'table-wrap' }, el('table', { id: 'csv-result' },
            el('thead', {}, el('tr', {}, ['column', 'count', 'nulls', 'min', 'max', 'mean', 'stddev', 'distinct'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, r.columns.map((c) => el('tr', {}, el('th', { scope: 'row' }, c.name),
              cell(c.count), cell(c.nulls), cell(c.min), cell(c.max), cell(c.mean), cell(c.stddev), cell(c.distinct)))))));
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// sleep, noop, exec, and the operator's own types

function simpleForm(id, type, input, render) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form);
    const value = input(form);
    if (value === undefined) return;
    await submitJob(form, type, value, { render });
  });
}

simpleForm('form-sleep', 'sleep', (form) => ({ millis: numberOrText(form.elements.millis.value) }));
simpleForm('form-noop', 'noop', () => ({}));
simpleForm('form-exec', 'exec', (form) => ({
  program: form.elements.program.value,
  args: form.elements.args.value === '' ? [] : form.elements.args.value.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n'),
}), (view, area) => {
  const r = view.result || {};
  area.append(el('p', {}, `Exit code ${r.exitCode}`), el('h3', {}, 'Output'), el('pre', { id: 'exec-stdout' }, r.stdout || ''));
  if (r.stderr) area.append(el('h3', {}, 'Errors'), el('pre', { id: 'exec-stderr' }, r.stderr));
});
for (const form of document.querySelectorAll('form[data-external]')) {
  const type = form.closest('section').dataset.form;
  simpleForm(form.id, type, (f) => {
    try {
      return JSON.parse(f.elements.input.value);
    } catch (e) {
      showFieldError(f, 'input', `is not valid JSON (${e.message})`);
      return undefined;
    }
  }, (view, area) => area.append(el('pre', {}, JSON.stringify(view.result, null, 2))));
}
