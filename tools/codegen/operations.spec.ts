import fs from 'node:fs';
import path from 'node:path';
import { checkOperations } from './operations';

const schema = fs.readFileSync(path.resolve(__dirname, '../../docs/schema/api.graphql'), 'utf8');

describe('example operations checked against the API schema', () => {
  it('accepts the committed examples', () => {
    const dir = path.resolve(__dirname, '../../docs/frontend/operations');
    const files = Object.fromEntries(
      fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
    );
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(4);
    expect(checkOperations(schema, files)).toEqual([]);
  });

  it('refuses an unknown field, a wrong argument, a deprecated field, a duplicate name and a parse error', () => {
    const problems = checkOperations(schema, {
      'a.graphql': 'query A { grids(first: 1) { nodes { nope } } }',
      'b.graphql': 'query B { grids(first: "x") { totalCount } }',
      'c.graphql': 'query C { me { id } }',
      'd.graphql': 'query A { viewer { subject } }',
      'e.graphql': 'query E {',
    });
    expect(problems.join('\n')).toMatch(/Cannot query field "nope"/);
    expect(problems.join('\n')).toMatch(/Int cannot represent/);
    expect(problems.join('\n')).toMatch(/me.*deprecated/);
    expect(problems.join('\n')).toMatch(/A is defined in a.graphql too/);
    expect(problems.join('\n')).toMatch(/e.graphql: Syntax Error/);
  });
});
