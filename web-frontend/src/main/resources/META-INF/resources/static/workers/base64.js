// Base64 of bytes without building one huge string of char codes: btoa over 48 KiB slices
// (a multiple of 3, so the pieces join into one valid encoding). Pure; used in workers.
export function bytesToBase64(bytes) {
  const SLICE = 3 * 16 * 1024;
  const parts = [];
  for (let i = 0; i < bytes.length; i += SLICE) {
    const piece = bytes.subarray(i, Math.min(i + SLICE, bytes.length));
    parts.push(btoa(String.fromCharCode.apply(null, piece)));
  }
  return parts.join('');
}
