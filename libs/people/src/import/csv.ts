import type { Readable } from 'node:stream';

/** One CSV record (a logical row, which may span several physical lines inside quotes). */
export interface CsvRecord {
  /** 1-based physical line number where the record starts (the header is line 1). */
  line: number;
  fields: string[];
  /** Set when the record is malformed (e.g. text after a closing quote); `fields` is then best effort. */
  error?: string;
}

/** A file that cannot be read as CSV at all (not UTF-8, runaway quote). Nothing after it is trustworthy. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
}

/** Upper bound of one record: an unbalanced quote would otherwise swallow the rest of the file into one field. */
const MAX_RECORD_CHARS = 1 << 20;

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Incremental RFC 4180 parser: quoted fields with embedded commas, doubled quotes and line breaks;
 * CRLF, LF or a lone CR end a record. Lenient where spreadsheets are sloppy (a quote inside an
 * unquoted field is kept as text), strict where data would be silently misread (text after a closing
 * quote marks the record as malformed).
 *
 * Push decoded text with {@link CsvParser.push}, then call {@link CsvParser.end}.
 */
export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** The current field was quoted and its closing quote has been seen. */
  private afterQuote = false;
  private recordError: string | undefined;
  private recordChars = 0;
  /** Physical line of the current position, and of the start of the current record. */
  private line = 1;
  private recordLine = 1;
  /** The previous chunk ended with CR: a LF at the start of the next chunk belongs to it. */
  private pendingCr = false;
  /** Nothing of the current record has been read yet (distinguishes an empty last line from a record). */
  private recordEmpty = true;
  /** Inside quotes, the text so far ended with CR: whether it was CRLF depends on what comes next. */
  private quotedCr = false;

  /** A quote seen as the last character of a chunk, resolved by the first character of the next one. */
  private carry = '';

  /** Parses a chunk of decoded text and returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    if (this.carry.length === 0) return this.parse(chunk);
    if (chunk.length === 0) return [];
    this.carry = '';
    if (chunk.charCodeAt(0) === QUOTE) {
      // A doubled quote split across chunks.
      this.field += '"';
      return this.parse(chunk.slice(1));
    }
    this.inQuotes = false;
    this.afterQuote = true;
    return this.parse(chunk);
  }

  private parse(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    const n = chunk.length;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (n > 0 && chunk.charCodeAt(0) === LF) i = 1;
    }
    while (i < n) {
      if (this.inQuotes) {
        // Fast path: copy everything up to the next quote at once.
        const q = chunk.indexOf('"', i);
        const end = q < 0 ? n : q;
        const text = chunk.slice(i, end);
        this.field += text;
        this.countLines(text, q >= 0);
        this.grow(end - i);
        if (q < 0) break;
        // A quote inside quotes: doubled (escaped) or closing. Look ahead, across the chunk boundary too.
        if (q + 1 >= n) {
          // Decide on the next chunk: remember by leaving the quote unconsumed.
          this.carry = '"';
          i = n;
          break;
        }
        if (chunk.charCodeAt(q + 1) === QUOTE) {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          this.afterQuote = true;
          i = q + 1;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === COMMA) {
        this.endField();
        this.recordEmpty = false;
        i++;
      } else if (c === LF || c === CR) {
        if (c === CR) {
          if (i + 1 < n) {
            if (chunk.charCodeAt(i + 1) === LF) i++;
          } else {
            this.pendingCr = true;
          }
        }
        i++;
        this.line++;
        if (this.recordEmpty && this.field.length === 0) {
          // A blank line is not a record.
          this.recordLine = this.line;
          continue;
        }
        out.push(this.endRecord());
      } else if (c === QUOTE && this.field.length === 0 && !this.afterQuote) {
        this.inQuotes = true;
        this.recordEmpty = false;
        i++;
      } else {
        // Plain text up to the next delimiter, in one slice.
        let j = i;
        while (j < n) {
          const d = chunk.charCodeAt(j);
          if (d === COMMA || d === LF || d === CR) break;
          j++;
        }
        if (this.afterQuote) this.recordError ??= 'text after a closing quote';
        this.field += chunk.slice(i, j);
        this.recordEmpty = false;
        this.grow(j - i);
        i = j;
      }
    }
    return out;
  }

  /** Flushes the last record (a file need not end with a line break). */
  end(): CsvRecord[] {
    if (this.carry.length > 0) {
      // The file ended right after a quote inside a quoted field: that quote closes it.
      this.carry = '';
      this.inQuotes = false;
      this.afterQuote = true;
    }
    if (this.inQuotes) {
      this.inQuotes = false;
      this.recordError ??= 'quoted field is not closed before the end of the file';
      return [this.endRecord()];
    }
    if (this.recordEmpty && this.field.length === 0) return [];
    return [this.endRecord()];
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }

  private endRecord(): CsvRecord {
    this.endField();
    const record: CsvRecord = { line: this.recordLine, fields: this.fields };
    if (this.recordError !== undefined) record.error = this.recordError;
    this.fields = [];
    this.recordError = undefined;
    this.recordChars = 0;
    this.recordEmpty = true;
    this.recordLine = this.line;
    return record;
  }

  /**
   * Line breaks inside quotes still advance the physical line number users see in their editor. CRLF
   * counts once, a lone CR (old Mac line end) too; a CR at the end of `text` waits for what follows,
   * which may be in the next chunk (`closed`: a quote follows, so the CR was alone).
   */
  private countLines(text: string, closed: boolean): void {
    if (this.quotedCr && text.length > 0) {
      this.quotedCr = false;
      if (text.charCodeAt(0) !== LF) this.line++;
    }
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) this.line++;
    for (let k = text.indexOf('\r'); k >= 0; k = text.indexOf('\r', k + 1)) {
      if (k === text.length - 1) this.quotedCr = true;
      else if (text.charCodeAt(k + 1) !== LF) this.line++;
    }
    if (closed && this.quotedCr) {
      this.quotedCr = false;
      this.line++;
    }
  }

  private grow(chars: number): void {
    this.recordChars += chars;
    if (this.recordChars > MAX_RECORD_CHARS) {
      throw new CsvFormatError(
        `the record starting on line ${this.recordLine} is longer than ${MAX_RECORD_CHARS} characters; ` +
          'probably a quote (") that is never closed',
      );
    }
  }
}

/** Progress of {@link readCsv}: records of one chunk and the bytes consumed so far. */
export interface CsvChunk {
  records: CsvRecord[];
  bytesRead: number;
}

/**
 * Reads a UTF-8 CSV stream (with or without BOM) and yields the records chunk by chunk (batching keeps
 * the per-record overhead of async iteration out of a million-row import).
 * @throws CsvFormatError when the bytes are not UTF-8 (e.g. a spreadsheet saved as GBK "CSV").
 */
export async function* readCsv(input: Readable): AsyncGenerator<CsvChunk> {
  // fatal: bytes from another encoding are an error, not U+FFFD silently stored as someone's name.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const parser = new CsvParser();
  let bytesRead = 0;
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
    } catch {
      throw new CsvFormatError(
        `the file is not UTF-8 text (near byte ${bytesRead}); save it as "CSV UTF-8" ` +
          '(Excel: 另存为 → CSV UTF-8(逗号分隔)) and try again',
      );
    }
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const text = decode(bytes);
    bytesRead += bytes.length;
    const records = parser.push(text);
    if (records.length > 0) yield { records, bytesRead };
  }
  const records = [...parser.push(decode()), ...parser.end()];
  if (records.length > 0) yield { records, bytesRead };
}
