import { errorCodes, gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

interface Viewed {
  viewer: { subject: string; roles: string[]; scopes: string[] } | null;
}

/**
 * The gateway merges identical in-flight subgraph queries of one caller (ADR 0035). Here many callers
 * send the very same operation at once through the real gateway to the real roster and people
 * subgraphs: every answer must be the one its own token gets, whatever was merged.
 */
describe('identical queries of many callers at once [starts: every subgraph on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Neither query needs a read model: no wait for them.
    stack = await startStack('gw_merge', {}, { readModels: false });
  }, 180_000);
  afterAll(async () => stack?.stop());

  it('answers each caller of the same `viewer` query with its own token, never another caller’s', async () => {
    const callers = [
      { subject: 'merge-admin', roles: ['ADMIN'] as const, scopes: [] },
      { subject: 'merge-staff', roles: ['COMMUNITY_STAFF'] as const, scopes: ['community:caichang'] },
      { subject: 'merge-county', roles: ['COUNTY_VIEWER'] as const, scopes: [] },
    ].map((c) => ({
      ...c,
      token: stack.tokens.mint([...c.roles], { subject: c.subject, scopes: c.scopes }),
    }));
    const query = '{ viewer { subject roles scopes } }';
    // 10 requests per caller, interleaved, all in flight together; plus anonymous ones.
    const sent = Array.from({ length: 10 }, () => [...callers, undefined]).flat();
    const answers = await Promise.all(
      sent.map((caller) => gqlRequest<Viewed>(stack.gatewayUrl, query, {}, caller?.token)),
    );
    answers.forEach((answer, i) => {
      const caller = sent[i];
      expect(answer.errors).toBeUndefined();
      if (!caller) {
        expect(answer.data?.viewer).toBeNull();
        return;
      }
      expect(answer.data?.viewer).toEqual({
        subject: caller.subject,
        roles: [...caller.roles],
        scopes: caller.scopes,
      });
    });
  });

  it('keeps personal data from a caller who may not see it while another caller’s identical query runs', async () => {
    const staff = stack.tokens.mint(['COMMUNITY_STAFF'], {
      subject: 'merge-staff',
      scopes: ['community:caichang'],
    });
    const county = stack.tokens.mint(['COUNTY_VIEWER'], { subject: 'merge-county' });
    const query = '{ residents(first: 2) { totalCount nodes { id idNumberMasked } } }';
    const sent = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? staff : county));
    const answers = await Promise.all(sent.map((token) => gqlRequest(stack.gatewayUrl, query, {}, token)));
    answers.forEach((answer, i) => {
      if (sent[i] === staff) {
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toMatchObject({ residents: { totalCount: expect.any(Number) } });
      } else {
        expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
        // Root fields are independent (nullable, ADR 0033): the refused one is null, and no resident
        // of the staff caller's answer reached this caller.
        expect(answer.data?.['residents'] ?? null).toBeNull();
        expect(JSON.stringify(answer)).not.toMatch(/idNumberMasked|totalCount/);
      }
    });
  });
});
