// Web Worker (module) of the Submit page's csv-stats form: reads the picked file as text, parses
// all of it (to count the records and find an unclosed quote) and returns the header, the first
// rows and a guess of each column's kind, with the text itself for the job's input.
//
// In:  {file: File, rows: number}
// Out: {kind: 'done', header, rows, records, columns: [{name, kind}], chars, text, error}
//      or {kind: 'error', message}
import { columnKind, parseCsv } from './csv.js';

self.onmessage = async (event) => {
  const { file, rows = 10 } = event.data;
  try {
    const text = await file.text();
    const parsed = parseCsv(text, rows + 1);
    const header = parsed.records[0] || [];
    const body = parsed.records.slice(1);
    const columns = header.map((name, i) => ({ name, kind: columnKind(body.map((r) => r[i] ?? '')) }));
    self.postMessage({
      kind: 'done',
      header,
      rows: body,
      records: Math.max(0, parsed.count - 1),
      columns,
      chars: text.length,
      text,
      error: parsed.error,
    });
  } catch (e) {
    self.postMessage({ kind: 'error', message: String(e && e.message ? e.message : e) });
  }
};
