/**
 * Sends malformed input to a running gateway and reports every answer that is a fault instead of
 * the client's error: for each mutation with a DateTime argument (found in the API schema), the bad
 * date-times issue 10 found (as a variable and inline in the query), a few other malformed variables
 * (wrong types, missing or null required values, unknown fields, bad enums), and malformed requests
 * (several operations without operationName, an unknown operationName). Nothing it sends is valid, so
 * nothing should be written.
 *
 *   npm start                                   # in one terminal
 *   npm run -s fuzz:inputs                      # in another: http://localhost:4000/graphql
 *   npm run -s fuzz:inputs -- --url http://host:4000/graphql [--token <jwt>] [--schema docs/schema/api.graphql]
 *
 * Without --token it signs an ADMIN token with the development key in <DATA_DIR>/keys, if there is
 * one, so that input reaches the deepest checks. Exit code 0: every answer was a typed client error;
 * 1: at least one problem (listed); 2: bad arguments or the gateway did not answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { loadDevSigningKey, TokenIssuer } from '@sc/auth';

/** The values that came back as INTERNAL_SERVER_ERROR with a stack trace (issue 10). */
export const BAD_DATE_TIMES: readonly unknown[] = [
  '',
  'not a date',
  '2025-13-45T99:99:99Z',
  1700000000,
  '2026-01-01',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00',
  ' 2026-01-01T00:00:00Z',
  true,
  { at: '2026-01-01T00:00:00Z' },
  ['2026-01-01T00:00:00Z'],
];

/** Codes that mean "the client's request was refused, and said why". */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
]);

export interface FuzzCase {
  name: string;
  body: { query: string; variables?: unknown; operationName?: string };
  /**
   * The mutation field the case targets: its answer must be a refusal of the input itself
   * (BAD_USER_INPUT, a validation error), never null for another reason, never data.
   */
  field?: string;
}

/**
 * `fault`: HTTP 5xx, INTERNAL_SERVER_ERROR or another code a client cannot act on, no JSON;
 * `stack trace`: file paths or a stack in the body; `accepted`: the mutation answered data;
 * `not refused`: the value passed the type checks and reached the service (which refused it for
 * another reason, e.g. NOT_FOUND).
 */
export type Verdict = 'ok' | 'fault' | 'stack trace' | 'accepted' | 'not refused';

const INPUT_REFUSALS = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);

export interface FuzzResult {
  case: FuzzCase;
  status: number;
  codes: string[];
  verdict: Verdict;
  excerpt: string;
}

export interface FuzzReport {
  sent: number;
  problems: FuzzResult[];
  /** `HTTP <status> <codes>` → how many answers looked like that. */
  outcomes: Map<string, number>;
  mutations: string[];
}

const ZERO_ID = '00000000-0000-4000-8000-000000000000';
const GOOD_DATE_TIME = '2026-01-01T00:00:00.000Z';

/** A value the type accepts; input objects get their required fields (and `also` paths). */
function sample(type: GraphQLInputType, also: ReadonlySet<string> = new Set(), at = ''): unknown {
  const t = getNullableType(type);
  if (isListType(t)) return [sample(t.ofType, also, at)];
  if (isEnumType(t)) return t.getValues()[0]?.value;
  if (isInputObjectType(t)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(t.getFields())) {
      const p = at ? `${at}.${f.name}` : f.name;
      const wanted = [...also].some((a) => a === p || a.startsWith(`${p}.`));
      if (isNonNullType(f.type) || wanted) out[f.name] = sample(f.type, also, p);
    }
    return out;
  }
  switch (isScalarType(t) ? t.name : '') {
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'ID':
      return ZERO_ID;
    case 'DateTime':
      return GOOD_DATE_TIME;
    default:
      return 'x';
  }
}

/** Paths (`input.heldAt`) of every DateTime inside an argument, through input objects and lists. */
function dateTimePaths(type: GraphQLInputType, at: string, seen = new Set<string>()): string[] {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'DateTime' ? [at] : [];
  if (!isInputObjectType(named) || seen.has(named.name)) return [];
  const next = new Set(seen).add(named.name);
  return Object.values(named.getFields()).flatMap((f) => dateTimePaths(f.type, `${at}.${f.name}`, next));
}

/** Values a leaf of this type refuses (null only where it is required). */
function wrongValues(type: GraphQLInputType): unknown[] {
  const named = getNamedType(type);
  const nullable = isNonNullType(type) ? [null] : [];
  if (isListType(getNullableType(type))) return [...nullable, [null], [{ nested: true }]];
  if (isEnumType(named)) return [...nullable, 'NOT_A_VALUE', 3];
  switch (isScalarType(named) ? named.name : '') {
    case 'Int':
      return [...nullable, 'abc', 2 ** 53, 1.5];
    case 'Float':
      return [...nullable, 'abc'];
    case 'Boolean':
      return [...nullable, 'yes'];
    case 'DateTime':
      return nullable; // the bad date-times have cases of their own
    default:
      return [...nullable, { nested: true }, ['x']];
  }
}

/** Every required leaf path with its type (an optional argument is a leaf itself). */
function leafPaths(
  type: GraphQLInputType,
  at: string,
  depth = 0,
): { path: string; type: GraphQLInputType }[] {
  const t = getNullableType(type);
  if (isInputObjectType(t) && depth < 3) {
    return Object.values(t.getFields())
      .filter((f) => isNonNullType(f.type))
      .flatMap((f) => leafPaths(f.type, `${at}.${f.name}`, depth + 1));
  }
  return [{ path: at, type }];
}

function setPath(root: Record<string, unknown>, pathParts: string[], value: unknown): void {
  let obj: Record<string, unknown> = root;
  for (const part of pathParts.slice(0, -1)) {
    let next = obj[part];
    if (Array.isArray(next)) next = next[0];
    if (typeof next !== 'object' || next === null) {
      next = {};
      obj[part] = next;
    }
    obj = next as Record<string, unknown>;
  }
  const last = pathParts.at(-1);
  if (last !== undefined) obj[last] = value;
}

/** A GraphQL literal for a value; strings of an enum position print bare. */
function literal(value: unknown, type: GraphQLInputType | undefined): string {
  const t = type ? getNullableType(type) : undefined;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => literal(v, t && isListType(t) ? t.ofType : undefined)).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = t && isInputObjectType(t) ? t.getFields() : {};
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type)}`)
      .join(', ')} }`;
  }
  if (typeof value === 'string' && t && isEnumType(t) && t.getValue(value)) return value;
  return JSON.stringify(value);
}

function operation(field: GraphQLField<unknown, unknown>, args: string): string {
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${field.name}${args}${selection}`;
}

/** Builds every case for the schema. */
export function fuzzCases(schema: GraphQLSchema): { cases: FuzzCase[]; mutations: string[] } {
  const cases: FuzzCase[] = [];
  const mutations: string[] = [];
  const fields = Object.values(schema.getMutationType()?.getFields() ?? {});
  for (const field of fields) {
    const dated = field.args.flatMap((a) => dateTimePaths(a.type, a.name));
    if (dated.length === 0) continue;
    mutations.push(`${field.name}(${dated.join(', ')})`);
    const declare = (a: GraphQLArgument) => `$${a.name}: ${a.type.toString()}`;
    const header = `mutation Fuzz(${field.args.map(declare).join(', ')})`;
    const query = `${header} { ${operation(field, `(${field.args.map((a) => `${a.name}: $${a.name}`).join(', ')})`)} }`;
    const base = (also: Set<string>) =>
      Object.fromEntries(field.args.map((a) => [a.name, sample(a.type, also, a.name)])) as Record<
        string,
        unknown
      >;
    const inline = (vars: Record<string, unknown>) =>
      `mutation Fuzz { ${operation(field, `(${field.args.map((a) => `${a.name}: ${literal(vars[a.name], a.type)}`).join(', ')})`)} }`;

    for (const at of dated) {
      for (const bad of BAD_DATE_TIMES) {
        const vars = base(new Set([at]));
        const parts = at.split('.');
        if (parts.length === 1) vars[at] = bad;
        else setPath(vars, parts, bad);
        const label = `${field.name} ${at}=${JSON.stringify(bad)}`;
        cases.push({ name: `${label} (variable)`, body: { query, variables: vars }, field: field.name });
        cases.push({ name: `${label} (inline)`, body: { query: inline(vars) }, field: field.name });
      }
    }
    // Other malformed variables: the whole argument, then each required leaf.
    for (const arg of field.args) {
      const required = isNonNullType(arg.type);
      const add = (name: string, vars: Record<string, unknown>) =>
        cases.push({ name: `${field.name} ${name}`, body: { query, variables: vars }, field: field.name });
      if (required) {
        const missing = base(new Set());
        delete missing[arg.name];
        add(`${arg.name} missing`, missing);
      }
      if (isInputObjectType(getNullableType(arg.type))) {
        const whole: [string, unknown][] = [
          ['a string', 'x'],
          ['a number', 42],
          ['an array of nulls', [null]],
          ...(required ? ([['null', null]] as [string, unknown][]) : []),
        ];
        for (const [what, value] of whole)
          add(`${arg.name} is ${what}`, { ...base(new Set()), [arg.name]: value });
        const extra = base(new Set());
        (extra[arg.name] as Record<string, unknown>)['notAField'] = 1;
        add(`${arg.name}.notAField`, extra);
      }
      for (const leaf of leafPaths(arg.type, arg.name)) {
        for (const value of wrongValues(leaf.type)) {
          const v = base(new Set());
          setPath(v, leaf.path.split('.'), value);
          add(`${leaf.path}=${JSON.stringify(value)}`, v);
        }
      }
    }
  }
  cases.push(
    {
      name: 'two operations, no operationName',
      body: { query: 'query A { __typename } query B { __typename }' },
    },
    { name: 'unknown operationName', body: { query: 'query A { __typename }', operationName: 'Nope' } },
    { name: 'variables not an object', body: { query: 'query A { __typename }', variables: [1] } },
    { name: 'query not a string', body: { query: 42 as unknown as string } },
  );
  return { cases, mutations };
}

const STACK = /stacktrace|node_modules|\bat \S+ \(|\.[cm]?[jt]s:\d+:\d+/;

/** Sends one case and judges the answer. */
export async function send(url: string, c: FuzzCase, token?: string): Promise<FuzzResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(c.body),
  });
  const text = await res.text();
  const excerpt = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  let body:
    { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: unknown } }[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const codes = (body?.errors ?? []).map((e) => String(e.extensions?.code ?? 'no code'));
  let verdict: Verdict = 'ok';
  if (STACK.test(text)) verdict = 'stack trace';
  else if (!body || res.status >= 500) verdict = 'fault';
  else if (c.field && body.data?.[c.field] != null) verdict = 'accepted';
  else if (codes.length === 0 || codes.some((code) => !CLIENT_CODES.has(code))) verdict = 'fault';
  else if (c.field && !codes.some((code) => INPUT_REFUSALS.has(code))) verdict = 'not refused';
  return { case: c, status: res.status, codes, verdict, excerpt };
}

export async function runFuzz(options: {
  url: string;
  schema: GraphQLSchema;
  token?: string;
  onResult?: (r: FuzzResult) => void;
}): Promise<FuzzReport> {
  const { cases, mutations } = fuzzCases(options.schema);
  const report: FuzzReport = { sent: 0, problems: [], outcomes: new Map(), mutations };
  for (const c of cases) {
    const r = await send(options.url, c, options.token);
    report.sent++;
    const key = `HTTP ${r.status} ${[...new Set(r.codes)].join('+') || '(no errors)'}`;
    report.outcomes.set(key, (report.outcomes.get(key) ?? 0) + 1);
    if (r.verdict !== 'ok') report.problems.push(r);
    options.onResult?.(r);
  }
  return report;
}

export function formatReport(report: FuzzReport, url: string): string {
  const lines = [
    `fuzz:inputs against ${url}`,
    `mutations with a DateTime argument: ${report.mutations.length}`,
    ...report.mutations.map((m) => `  ${m}`),
    `requests sent: ${report.sent}`,
    'answers:',
    ...[...report.outcomes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
  ];
  if (report.problems.length === 0) {
    lines.push('problems: none — every bad value was refused as bad input, with a code and no stack trace');
  } else {
    lines.push(`problems: ${report.problems.length}`);
    for (const p of report.problems.slice(0, 20)) {
      lines.push(
        `  [${p.verdict}] ${p.case.name}: HTTP ${p.status} ${p.codes.join(', ')}`,
        `      ${p.excerpt}`,
      );
    }
    if (report.problems.length > 20) lines.push(`  … and ${report.problems.length - 20} more`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: 'http://localhost:4000/graphql' },
        token: { type: 'string' },
        schema: { type: 'string', default: 'docs/schema/api.graphql' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`fuzz:inputs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(
      'usage: npm run -s fuzz:inputs -- [--url http://localhost:4000/graphql] [--token <jwt>] [--schema docs/schema/api.graphql]\n',
    );
    return;
  }
  const schema = buildSchema(fs.readFileSync(values.schema, 'utf8'));
  let token = values.token;
  if (!token) {
    const key = loadDevSigningKey(path.resolve(process.env['DATA_DIR'] || '.data'));
    if (key) {
      token = new TokenIssuer(key, {
        issuer: process.env['AUTH_ISSUER'] || 'street-chief/roster',
        audience: process.env['AUTH_AUDIENCE'] || 'street-chief',
        ttlSeconds: 3600,
      }).issue({ subject: 'fuzz-inputs', roles: ['ADMIN'], name: 'fuzz:inputs' }).token;
    }
  }
  let probe: Response;
  try {
    probe = await fetch(values.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    process.stderr.write(`fuzz:inputs: no gateway answers at ${values.url} (start one with npm start)\n`);
    process.exit(2);
  }
  if (probe.status === 401) {
    process.stderr.write(
      'fuzz:inputs: the gateway refuses the token (pass --token, or run with the DATA_DIR of the running system)\n',
    );
    process.exit(2);
  }
  if (!token)
    process.stderr.write('fuzz:inputs: no token (no dev key found): sending as an anonymous caller\n');
  const report = await runFuzz({ url: values.url, schema, token });
  process.stdout.write(formatReport(report, values.url));
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`fuzz:inputs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
