import { errorCodes, gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

describe('errors a frontend can handle in one place, through the gateway [starts: roster + people on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('frontend_errors', { people: { PEOPLE_SEED_DEMO: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('StreetChief.resident is null without an error on a public page (anonymous caller)', async () => {
    const res = await gqlRequest<{ chiefs: { nodes: { name: string; resident: { id: string } | null }[] } }>(
      stack.gatewayUrl,
      '{ chiefs(first: 5) { nodes { name resident { id name } } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
    const nodes = res.data!.chiefs.nodes;
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => n.resident === null)).toBe(true);
  });

  it('StreetChief.resident is resolved for staff who may see residents', async () => {
    const staff = stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
    const res = await gqlRequest<{ chiefs: { nodes: { resident: { id: string } | null }[] } }>(
      stack.gatewayUrl,
      '{ chiefs(first: 5) { nodes { resident { id name } } } }',
      {},
      staff,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.chiefs.nodes.some((n) => n.resident !== null)).toBe(true);
  });

  it('an empty or blank namePrefix is no filter, not BAD_USER_INPUT', async () => {
    const staff = stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'] });
    const q = 'query($f: ResidentFilter) { residents(first: 1, filter: $f) { totalCount } }';
    const all = await gqlRequest<{ residents: { totalCount: number } }>(stack.gatewayUrl, q, {}, staff);
    expect(all.errors).toBeUndefined();
    expect(all.data!.residents.totalCount).toBeGreaterThan(0);
    for (const namePrefix of ['', '   ']) {
      const res = await gqlRequest<{ residents: { totalCount: number } }>(
        stack.gatewayUrl,
        q,
        { f: { namePrefix } },
        staff,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.residents.totalCount).toBe(all.data!.residents.totalCount);
    }
    // A real prefix still filters, and one over 20 characters is still refused, naming the field.
    const long = await gqlRequest(stack.gatewayUrl, q, { f: { namePrefix: '张'.repeat(21) } }, staff);
    expect(errorCodes(long)).toEqual(['BAD_USER_INPUT']);
  });
});
