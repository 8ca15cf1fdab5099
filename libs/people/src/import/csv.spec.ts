import { Readable } from 'node:stream';
import { CsvFormatError, CsvParser, type CsvRecord, readCsv } from './csv';

function parseAll(text: string, chunkSize = text.length || 1): CsvRecord[] {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += chunkSize) out.push(...p.push(text.slice(i, i + chunkSize)));
  out.push(...p.end());
  return out;
}

async function readAll(bytes: Buffer, chunkSize = 7): Promise<CsvRecord[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: CsvRecord[] = [];
  for await (const c of readCsv(Readable.from(chunks))) out.push(...c.records);
  return out;
}

const TRICKY =
  '姓名,备注\r\n' +
  '张三,"有逗号, 在里面"\r\n' +
  '"李""四""","多行\r\n备注\n第三行"\r\n' +
  '\r\n' +
  '王五,""\n' +
  '赵六,末行无换行';

describe('CsvParser (RFC 4180)', () => {
  const expected = [
    { line: 1, fields: ['姓名', '备注'] },
    { line: 2, fields: ['张三', '有逗号, 在里面'] },
    { line: 3, fields: ['李"四"', '多行\r\n备注\n第三行'] },
    { line: 7, fields: ['王五', ''] },
    { line: 8, fields: ['赵六', '末行无换行'] },
  ];

  it('handles quotes, embedded commas and line breaks, CRLF, blank lines and a missing final newline', () => {
    expect(parseAll(TRICKY)).toEqual(expected);
  });

  it('gives the same result whatever the chunk boundaries (quotes and CRLF split across chunks)', () => {
    for (const size of [1, 2, 3, 5, 11]) expect(parseAll(TRICKY, size)).toEqual(expected);
  });

  it('keeps empty fields and a trailing empty field', () => {
    expect(parseAll('a,,b,\n,,\n')).toEqual([
      { line: 1, fields: ['a', '', 'b', ''] },
      { line: 2, fields: ['', '', ''] },
    ]);
  });

  it('takes a lone CR as a line break', () => {
    expect(parseAll('a,b\rc,d\r')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
    ]);
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(parseAll('5"3,x\n')).toEqual([{ line: 1, fields: ['5"3', 'x'] }]);
  });

  it('marks text after a closing quote and an unclosed quote as malformed records', () => {
    expect(parseAll('"a"b,c\nd,e\n')).toEqual([
      { line: 1, fields: ['ab', 'c'], error: 'text after a closing quote' },
      { line: 2, fields: ['d', 'e'] },
    ]);
    expect(parseAll('x,"never closed\nmore')).toEqual([
      {
        line: 1,
        fields: ['x', 'never closed\nmore'],
        error: 'quoted field is not closed before the end of the file',
      },
    ]);
  });

  it('stops with a clear error when an unclosed quote swallows a huge part of the file', () => {
    const p = new CsvParser();
    p.push('a,"');
    expect(() => p.push('x'.repeat(1_100_000))).toThrow(CsvFormatError);
    expect(() => new CsvParser().push(`a,"${'y'.repeat(1_100_000)}`)).toThrow('starting on line 1');
  });
});

describe('readCsv', () => {
  it('decodes UTF-8 split inside multi-byte characters and strips a BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TRICKY, 'utf8')]);
    const records = await readAll(bytes, 1);
    expect(records[0]).toEqual({ line: 1, fields: ['姓名', '备注'] });
    expect(records).toHaveLength(5);
  });

  it('reports progress in bytes', async () => {
    const bytes = Buffer.from('a,b\nc,d\n');
    const seen: number[] = [];
    for await (const c of readCsv(Readable.from([bytes.subarray(0, 4), bytes.subarray(4)])))
      seen.push(c.bytesRead);
    expect(seen).toEqual([4, 8]);
  });

  it('refuses a file that is not UTF-8 (a GBK "CSV" from Excel) with advice', async () => {
    // "张三" in GBK.
    const gbk = Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0x2c, 0x31, 0x0a]);
    await expect(readAll(gbk)).rejects.toThrow(CsvFormatError);
    await expect(readAll(gbk)).rejects.toThrow('CSV UTF-8');
  });
});
