/**
 * Open311's XML: the JSON documents written as elements, an array as one element per item named
 * after its parent (`services` → `service`), null as an empty element. No attributes, no namespaces:
 * the spec's examples use none. `parseXml` reads that shape back (strictly: a malformed document
 * throws), for the conformance spec and clients' tests; no XML library is needed for either.
 */

/** Element names of the items of each Open311 list. */
export const XML_ITEMS: Readonly<Record<string, string>> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  service_requests: 'request',
  notes: 'note',
  errors: 'error',
  endpoints: 'endpoint',
  formats: 'format',
};

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
// Characters XML 1.0 does not allow at all (controls other than tab, LF, CR).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function element(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (Array.isArray(value)) {
    const item = XML_ITEMS[name] ?? 'item';
    return `<${name}>${value.map((v) => element(item, v)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => element(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** An Open311 document as XML, e.g. `toXml('services', [...])`. */
export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>${element(root, value)}`;
}

/** An element read back: its name, child elements in order, and its text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = ENTITIES[ref];
    if (named === undefined) throw new Error(`unknown entity ${whole}`);
    return named;
  });
}

/** Parses an attribute-free XML document (as Open311 answers); throws on anything malformed. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed XML at ${at}: ${why}`);
  };
  const skipSpace = () => {
    while (at < source.length && /\s/.test(source[at] ?? '')) at++;
  };
  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    at = end + 2;
  }
  const parseElement = (): XmlElement => {
    if (source[at] !== '<') fail('expected <');
    at++;
    const name = NAME.exec(source.slice(at))?.[0] ?? fail('expected an element name');
    at += name.length;
    skipSpace();
    if (source.startsWith('/>', at)) {
      at += 2;
      return { name, children: [], text: '' };
    }
    if (source[at] !== '>') fail(`attributes or junk in <${name}>`);
    at++;
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (at >= source.length) fail(`unclosed <${name}>`);
      if (source.startsWith('</', at)) {
        at += 2;
        if (!source.startsWith(name, at)) fail(`</…> does not close <${name}>`);
        at += name.length;
        skipSpace();
        if (source[at] !== '>') fail('expected >');
        at++;
        if (children.length > 0 && text.trim() !== '') fail(`mixed content in <${name}>`);
        return { name, children, text: unescape(text) };
      }
      if (source[at] === '<') children.push(parseElement());
      else {
        const next = source.indexOf('<', at);
        if (next < 0) fail(`unclosed <${name}>`);
        text += source.slice(at, next);
        at = next;
      }
    }
  };
  skipSpace();
  const root = parseElement();
  skipSpace();
  if (at !== source.length) fail('content after the root element');
  return root;
}
