// Incremental SHA-256 (FIPS 180-4) for the browser: update() any number of times with bytes,
// then digest(). SubtleCrypto.digest() takes the whole input at once, so it can neither stream a
// large file nor report progress; this can, a chunk at a time, in a Web Worker or on the page.
// Pure: no DOM, no I/O. Checked against known vectors and Java's MessageDigest by the browser
// tests (SubmitPageIT).

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  constructor() {
    this.h = new Int32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    this.w = new Int32Array(64);
    this.block = new Uint8Array(64); // a partial block carried between updates
    this.blockLength = 0;
    this.length = 0; // bytes so far; exact up to 2^53
    this.finished = false;
  }

  /** Adds bytes (a Uint8Array, or an ArrayBuffer). Returns this. */
  update(data) {
    if (this.finished) throw new Error('digest() was already called');
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    this.length += bytes.length;
    let offset = 0;
    if (this.blockLength > 0) {
      const take = Math.min(64 - this.blockLength, bytes.length);
      this.block.set(bytes.subarray(0, take), this.blockLength);
      this.blockLength += take;
      offset = take;
      if (this.blockLength < 64) return this;
      this.compress(this.block, 0);
      this.blockLength = 0;
    }
    const whole = offset + Math.floor((bytes.length - offset) / 64) * 64;
    for (; offset < whole; offset += 64) this.compress(bytes, offset);
    if (offset < bytes.length) {
      this.block.set(bytes.subarray(offset), 0);
      this.blockLength = bytes.length - offset;
    }
    return this;
  }

  /** The 32-byte digest; the object can't be updated afterwards. */
  digest() {
    if (this.finished) throw new Error('digest() was already called');
    const bits = this.length * 8;
    const padding = new Uint8Array(this.blockLength < 56 ? 64 - this.blockLength : 128 - this.blockLength);
    padding[0] = 0x80;
    const view = new DataView(padding.buffer);
    view.setUint32(padding.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(padding.length - 4, bits >>> 0);
    this.update(padding);
    this.finished = true;
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.h[i]);
    return out;
  }

  compress(bytes, offset) {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    const h = this.h;
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (k + S1 + ch + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
  }
}

/** Lower-case hex of bytes. */
export function toHex(bytes) {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes[i].toString(16).padStart(2, '0');
  return hex;
}

/** The sha256 job's chain: d1 = SHA-256(bytes), d(i) = SHA-256(d(i-1)); answers d(rounds). */
export function sha256Chain(bytes, rounds = 1) {
  return continueChain(new Sha256().update(bytes).digest(), rounds);
}

/** Given d1 (the digest of the input), answers d(rounds) of the same chain. */
export function continueChain(firstDigest, rounds) {
  let d = firstDigest;
  for (let i = 1; i < rounds; i++) d = new Sha256().update(d).digest();
  return d;
}

/** Bytes read from a Blob (a File) at a time. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Hashes a Blob a chunk at a time (Blob.slice + arrayBuffer), calling onProgress(doneBytes,
 * totalBytes) after each chunk, and resolves to the digest's bytes. Used by the hashing worker,
 * and on the page itself only by the test switch that measures what the worker buys.
 */
export async function hashBlob(blob, onProgress = () => {}, chunkBytes = CHUNK_BYTES) {
  const sha = new Sha256();
  for (let offset = 0; offset < blob.size; offset += chunkBytes) {
    const chunk = await blob.slice(offset, Math.min(offset + chunkBytes, blob.size)).arrayBuffer();
    sha.update(new Uint8Array(chunk));
    onProgress(Math.min(offset + chunkBytes, blob.size), blob.size);
  }
  if (blob.size === 0) onProgress(0, 0);
  return sha.digest();
}
