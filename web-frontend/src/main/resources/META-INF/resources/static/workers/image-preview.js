// Web Worker (module) of the Submit page's image form: decodes the picked file with
// createImageBitmap, draws a thumbnail on an OffscreenCanvas and returns it as a PNG Blob, with
// the image's own size and the file as base64 for the job's input. Decoding and scaling a large
// photo takes long enough to freeze a page; here it doesn't.
//
// In:  {file: File, size: number}   (the thumbnail fits inside size x size)
// Out: {kind: 'done', width, height, thumbnail: Blob, base64} or {kind: 'error', message}
import { bytesToBase64 } from './base64.js';

self.onmessage = async (event) => {
  const { file, size = 160 } = event.data;
  try {
    const bitmap = await createImageBitmap(file);
    const { width, height } = bitmap;
    const scale = Math.min(1, size / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const context = canvas.getContext('2d');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, w, h);
    bitmap.close();
    const thumbnail = await canvas.convertToBlob({ type: 'image/png' });
    const base64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
    self.postMessage({ kind: 'done', width, height, thumbnailWidth: w, thumbnailHeight: h, thumbnail, base64 });
  } catch (e) {
    self.postMessage({ kind: 'error', message: 'not an image this browser can decode (' + (e && e.message ? e.message : e) + ')' });
  }
};
