import { ImageRefused, sniffImageType, stripImageMetadata } from './image-metadata';
import { GPS_MARKER, jpegWithGps, pngWithGps, webpWithGps } from './spec-images';

describe('image metadata stripping (pure JS)', () => {
  it('drops APP1 (EXIF/GPS), APP13 and COM from a JPEG and keeps JFIF, tables and the scan', () => {
    const src = jpegWithGps();
    expect(src.toString('latin1')).toContain(GPS_MARKER);
    const { type, bytes } = stripImageMetadata(src);
    expect(type).toBe('image/jpeg');
    expect(bytes.toString('latin1')).not.toContain(GPS_MARKER);
    expect(bytes.toString('latin1')).not.toContain('Exif');
    expect(bytes.toString('latin1')).toContain('JFIF');
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(bytes.includes(Buffer.alloc(64, 0x5a))).toBe(true);
    // Stripping is idempotent.
    expect(stripImageMetadata(bytes).bytes).toEqual(bytes);
  });

  it('drops eXIf, tEXt, iTXt and zTXt from a PNG and keeps IHDR, IDAT, IEND', () => {
    const { type, bytes } = stripImageMetadata(pngWithGps());
    expect(type).toBe('image/png');
    const text = bytes.toString('latin1');
    for (const gone of ['eXIf', 'tEXt', 'iTXt', 'zTXt', GPS_MARKER]) expect(text).not.toContain(gone);
    for (const kept of ['IHDR', 'IDAT', 'IEND']) expect(text).toContain(kept);
  });

  it('drops EXIF and XMP from a WebP, clears their VP8X flags and rewrites the RIFF size', () => {
    const { type, bytes } = stripImageMetadata(webpWithGps());
    expect(type).toBe('image/webp');
    const text = bytes.toString('latin1');
    expect(text).not.toContain(GPS_MARKER);
    expect(text).not.toContain('EXIF');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes[20]! & 0x0c).toBe(0);
    expect(text).toContain('VP8 ');
  });

  it('types by magic bytes only and refuses what is not a whole image', () => {
    expect(sniffImageType(Buffer.from('GIF89a'))).toBeNull();
    expect(() => stripImageMetadata(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toThrow(
      ImageRefused,
    );
    const cut = jpegWithGps().subarray(0, 30);
    expect(() => stripImageMetadata(cut)).toThrow(/malformed JPEG/);
    const png = pngWithGps();
    expect(() => stripImageMetadata(png.subarray(0, png.length - 12))).toThrow(/malformed PNG/);
  });
});
