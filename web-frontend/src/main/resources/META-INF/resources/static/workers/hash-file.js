// Web Worker (module) of the Submit page's sha256 form: hashes a Blob (a File, or a text as UTF-8)
// a chunk at a time with the incremental SHA-256, posting progress, so the page's main thread stays
// free however large the file. When asked, it also encodes the bytes as base64 for the job's input
// (only small files: the sha256 job takes at most 1,000,000 base64 characters), or continues a
// digest into the job's chain of rounds.
//
// In:  {file: Blob, base64: boolean}
// Out: {kind: 'progress', done, total} ... then {kind: 'done', hex, ms, base64?}
// In:  {chainOf: hex of a first digest, rounds}
// Out: {kind: 'chain', hex}
// Any failure: {kind: 'error', message}
import { continueChain, hashBlob, toHex } from './sha256.js';
import { bytesToBase64 } from './base64.js';

function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

self.onmessage = async (event) => {
  const { file, base64 = false, chainOf, rounds = 1 } = event.data;
  try {
    if (chainOf) {
      self.postMessage({ kind: 'chain', hex: toHex(continueChain(fromHex(chainOf), rounds)) });
      return;
    }
    const started = performance.now();
    let lastPost = 0;
    const digest = await hashBlob(file, (done, total) => {
      const now = performance.now();
      if (now - lastPost > 50 || done === total) {
        lastPost = now;
        self.postMessage({ kind: 'progress', done, total });
      }
    });
    const reply = { kind: 'done', hex: toHex(digest), ms: performance.now() - started };
    if (base64) reply.base64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
    self.postMessage(reply);
  } catch (e) {
    self.postMessage({ kind: 'error', message: String(e && e.message ? e.message : e) });
  }
};
