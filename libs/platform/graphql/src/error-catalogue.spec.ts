import { buildASTSchema, isEnumType, parse } from 'graphql';
import { USER_ERROR_CODES } from './errors';
import { CLIENT_ERROR_CODES } from './format-error';
import { PLATFORM_SDL } from './sdl';

/** The shared SDL with the federation directive it uses declared, so that graphql-js can build it. */
function errorCodeValues(): string[] {
  const schema = buildASTSchema(parse(`directive @shareable on OBJECT | FIELD_DEFINITION\n${PLATFORM_SDL}`));
  const type = schema.getType('ErrorCode');
  if (!isEnumType(type)) throw new Error('no ErrorCode enum in the platform SDL');
  return type.getValues().map((v) => v.name);
}

describe('the ErrorCode enum of the schema (issue 15 §2)', () => {
  it('lists every code the platform can answer, and nothing it cannot', () => {
    const emitted = new Set<string>([...USER_ERROR_CODES, ...CLIENT_ERROR_CODES, 'INTERNAL_SERVER_ERROR']);
    expect(new Set(errorCodeValues())).toEqual(emitted);
  });

  it('describes every code (the keys a client reads come with it)', () => {
    const schema = buildASTSchema(
      parse(`directive @shareable on OBJECT | FIELD_DEFINITION\n${PLATFORM_SDL}`),
    );
    const type = schema.getType('ErrorCode');
    if (!isEnumType(type)) throw new Error('no ErrorCode enum');
    for (const v of type.getValues()) expect(v.description?.length ?? 0).toBeGreaterThan(10);
  });
});
