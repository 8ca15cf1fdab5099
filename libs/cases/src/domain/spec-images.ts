import zlib from 'node:zlib';

/** Test images with metadata that must go (GPS in EXIF, text chunks): built byte by byte. */

/** An EXIF block (TIFF header, one IFD pointing at a GPS IFD) with a recognisable GPS marker. */
export const GPS_MARKER = 'GPS-29.6N-106.3E';
const exifPayload = Buffer.concat([
  Buffer.from('Exif\0\0', 'latin1'),
  Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'), // big-endian TIFF, IFD0 at 8
  Buffer.from([0x00, 0x01, 0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a]), // GPSInfo tag
  Buffer.from([0, 0, 0, 0]),
  Buffer.from(GPS_MARKER, 'latin1'),
]);

const segment = (marker: number, body: Buffer) => {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
};

/** SOI, JFIF, EXIF (GPS), IPTC, a comment, DQT, SOS with scan data, EOI. */
export function jpegWithGps(scanBytes = 64): Buffer {
  const scan = Buffer.alloc(scanBytes, 0x5a);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, exifPayload),
    segment(0xed, Buffer.from(`Photoshop 3.0\0IPTC ${GPS_MARKER}`, 'latin1')),
    segment(0xfe, Buffer.from(`comment ${GPS_MARKER}`, 'latin1')),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xda, Buffer.from([0x01, 0x01, 0x00, 0x00, 0x3f, 0x00])),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

const pngChunk = (type: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
};

/** A real 1×1 PNG with eXIf (GPS), tEXt, iTXt and zTXt chunks. */
export function pngWithGps(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('eXIf', exifPayload.subarray(6)),
    pngChunk('tEXt', Buffer.from(`Comment\0${GPS_MARKER}`, 'latin1')),
    pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${GPS_MARKER}`, 'latin1')),
    pngChunk('zTXt', Buffer.concat([Buffer.from('Raw profile\0\0', 'latin1'), zlib.deflateSync(GPS_MARKER)])),
    pngChunk('IDAT', zlib.deflateSync(Buffer.from([0, 255, 0, 0]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const riffChunk = (fourcc: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
};

/** An extended WebP (VP8X with the EXIF and XMP flags) with EXIF (GPS) and XMP chunks. */
export function webpWithGps(): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08 | 0x04; // EXIF | XMP
  const body = Buffer.concat([
    riffChunk('VP8X', vp8x),
    riffChunk('VP8 ', Buffer.alloc(21, 0x2a)),
    riffChunk('EXIF', exifPayload.subarray(6)),
    riffChunk('XMP ', Buffer.from(`<x:xmpmeta>${GPS_MARKER}</x:xmpmeta>`, 'latin1')),
  ]);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + body.length, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}
