// RFC 4180 CSV parsing for the Submit page's preview (pure; used in the csv-preview worker).
// Fields are separated by commas, records by CRLF or LF; a quoted field may hold commas, line
// breaks and doubled quotes. The server parses the CSV again for the job: this is only a preview.

/**
 * Parses text and returns {records: the first `keep` records (arrays of strings), count: the
 * number of records in the whole text, error: null or a message naming the record}.
 */
export function parseCsv(text, keep = 11) {
  const records = [];
  let count = 0;
  let record = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    record.push(field);
    if (!(record.length === 1 && record[0] === '' && !fieldStarted)) {
      if (records.length < keep) records.push(record);
      count++;
    }
    record = [];
    field = '';
    fieldStarted = false;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (i + 1 < n && text.charCodeAt(i + 1) === 34) { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      const next = text.indexOf('"', i);
      const end = next < 0 ? n : next;
      field += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === 34 && field === '') { quoted = true; fieldStarted = true; i++; continue; }
    if (c === 44) { record.push(field); field = ''; fieldStarted = true; i++; continue; }
    if (c === 13 && i + 1 < n && text.charCodeAt(i + 1) === 10) { endRecord(); i += 2; continue; }
    if (c === 10) { endRecord(); i++; continue; }
    field += text[i];
    fieldStarted = true;
    i++;
  }
  if (quoted) return { records, count, error: 'record ' + (count + 1) + ': a quoted field is not closed' };
  if (field !== '' || record.length > 0 || fieldStarted) endRecord();
  return { records, count, error: null };
}

/** 'number' when every non-empty value is a finite number, 'text' otherwise, 'empty' if none. */
export function columnKind(values) {
  let seen = false;
  for (const v of values) {
    const t = v.trim();
    if (t === '') continue;
    seen = true;
    if (!Number.isFinite(Number(t))) return 'text';
  }
  return seen ? 'number' : 'empty';
}
