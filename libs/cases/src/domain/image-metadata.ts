/**
 * Evidence photos carry GPS positions and camera data in their metadata: it is stripped in pure JS
 * (no native addon) before anything is stored. The content type comes from the magic bytes, never
 * from the client's header.
 *
 * - JPEG: APP1 (EXIF, XMP), APP13 (IPTC / Photoshop) and COM segments are dropped up to the start of
 *   scan; APP0 (JFIF), APP2 (ICC colour profile), APP14 (Adobe) and the image data are kept as they are.
 * - PNG: eXIf, tEXt, iTXt and zTXt chunks are dropped; everything else is kept up to IEND.
 * - WebP: EXIF and XMP chunks are dropped and their flags cleared in VP8X; the RIFF size is rewritten.
 *
 * A file whose structure does not hold together is refused (`ImageRefused`), never stored half-read.
 */

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export class ImageRefused extends Error {
  constructor(
    message: string,
    readonly reason: 'NOT_AN_IMAGE' | 'MALFORMED',
  ) {
    super(message);
    this.name = 'ImageRefused';
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type by magic bytes, or null. */
export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return 'image/webp';
  }
  return null;
}

/** The image without its metadata, and its type; `ImageRefused` when it is not a supported image. */
export function stripImageMetadata(bytes: Buffer): { type: ImageType; bytes: Buffer } {
  const type = sniffImageType(bytes);
  switch (type) {
    case 'image/jpeg':
      return { type, bytes: stripJpeg(bytes) };
    case 'image/png':
      return { type, bytes: stripPng(bytes) };
    case 'image/webp':
      return { type, bytes: stripWebp(bytes) };
    case null:
      throw new ImageRefused('not a JPEG, PNG or WebP image', 'NOT_AN_IMAGE');
  }
}

const malformed = (what: string) => new ImageRefused(`malformed ${what}`, 'MALFORMED');

const JPEG_DROP = new Set([0xe1, 0xed, 0xfe]); // APP1, APP13, COM

function stripJpeg(src: Buffer): Buffer {
  const out: Buffer[] = [src.subarray(0, 2)]; // SOI
  let i = 2;
  for (;;) {
    if (i >= src.length) throw malformed('JPEG: no start of scan');
    if (src[i] !== 0xff) throw malformed('JPEG: marker expected');
    // Fill bytes: any number of 0xFF before a marker.
    let j = i;
    while (j < src.length && src[j] === 0xff) j++;
    if (j >= src.length) throw malformed('JPEG: truncated marker');
    const marker = src[j] as number;
    const start = j - 1;
    i = j + 1;
    if (marker === 0xd9) {
      out.push(src.subarray(start, i)); // EOI without a scan
      return Buffer.concat(out);
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.push(src.subarray(start, i)); // standalone markers
      continue;
    }
    if (i + 2 > src.length) throw malformed('JPEG: truncated segment length');
    const length = src.readUInt16BE(i);
    if (length < 2 || i + length > src.length) throw malformed('JPEG: segment length out of range');
    const end = i + length;
    if (marker === 0xda) {
      // Start of scan: the entropy-coded data and everything after it are kept verbatim (metadata
      // segments after the scan would be unusual; trailing APPn after EOI are cut below).
      out.push(src.subarray(start, end), cutAfterEoi(src.subarray(end)));
      return Buffer.concat(out);
    }
    if (!JPEG_DROP.has(marker)) out.push(src.subarray(start, end));
    i = end;
  }
}

/** The scan data up to and including the last EOI (anything appended after it is dropped). */
function cutAfterEoi(scan: Buffer): Buffer {
  for (let k = scan.length - 2; k >= 0; k--) {
    if (scan[k] === 0xff && scan[k + 1] === 0xd9) return scan.subarray(0, k + 2);
  }
  throw malformed('JPEG: no end of image');
}

const PNG_DROP = new Set(['eXIf', 'tEXt', 'iTXt', 'zTXt']);

function stripPng(src: Buffer): Buffer {
  const out: Buffer[] = [PNG_SIGNATURE];
  let i = 8;
  for (;;) {
    if (i + 12 > src.length) throw malformed('PNG: truncated chunk');
    const length = src.readUInt32BE(i);
    const type = src.toString('latin1', i + 4, i + 8);
    const end = i + 12 + length;
    if (length > 0x7fffffff || end > src.length) throw malformed('PNG: chunk length out of range');
    if (!/^[A-Za-z]{4}$/.test(type)) throw malformed('PNG: chunk type');
    if (!PNG_DROP.has(type)) out.push(src.subarray(i, end));
    i = end;
    if (type === 'IEND') return Buffer.concat(out);
  }
}

const WEBP_DROP = new Set(['EXIF', 'XMP ']);
const VP8X_XMP = 0x04;
const VP8X_EXIF = 0x08;

function stripWebp(src: Buffer): Buffer {
  const riffSize = src.readUInt32LE(4);
  const total = Math.min(src.length, 8 + riffSize);
  if (8 + riffSize > src.length) throw malformed('WebP: RIFF size beyond the file');
  const chunks: Buffer[] = [];
  let i = 12;
  while (i < total) {
    if (i + 8 > total) throw malformed('WebP: truncated chunk');
    const fourcc = src.toString('latin1', i, i + 4);
    const size = src.readUInt32LE(i + 4);
    const end = i + 8 + size + (size % 2);
    if (end > total) throw malformed('WebP: chunk size out of range');
    if (!WEBP_DROP.has(fourcc)) {
      let chunk = src.subarray(i, end);
      if (fourcc === 'VP8X') {
        if (size < 10) throw malformed('WebP: VP8X chunk');
        chunk = Buffer.from(chunk);
        chunk[8] = (chunk[8] as number) & ~(VP8X_EXIF | VP8X_XMP);
      }
      chunks.push(chunk);
    }
    i = end;
  }
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
