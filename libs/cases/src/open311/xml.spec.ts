import { parseXml, toXml } from './xml';

describe('Open311 XML', () => {
  it('writes lists with item elements named after their parent, nulls empty, text escaped', () => {
    const xml = toXml('services', [
      { service_code: 'A&B', metadata: true, keywords: null, attributes: [{ values: [{ key: '<1>' }] }] },
    ]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="utf-8"?><services><service><service_code>A&amp;B</service_code>' +
        '<metadata>true</metadata><keywords/><attributes><attribute><values><value><key>&lt;1&gt;</key>' +
        '</value></values></attribute></attributes></service></services>',
    );
  });

  it('reads back what it writes, and refuses what is malformed', () => {
    const root = parseXml(toXml('errors', [{ code: 400, description: '"a" & \'b\' 中文' }]));
    expect(root.name).toBe('errors');
    expect(root.children.map((c) => c.name)).toEqual(['error']);
    const [code, description] = root.children[0]?.children ?? [];
    expect(code).toMatchObject({ name: 'code', text: '400' });
    expect(description).toMatchObject({ name: 'description', text: '"a" & \'b\' 中文' });
    expect(() => parseXml('<a><b></a>')).toThrow(/does not close/);
    expect(() => parseXml('<a x="1"></a>')).toThrow(/attributes/);
    expect(() => parseXml('<a>&bogus;</a>')).toThrow(/unknown entity/);
    expect(() => parseXml('<a></a><b/>')).toThrow(/after the root/);
    expect(() => parseXml('<a>text<b/></a>')).toThrow(/mixed content/);
  });

  it('drops characters XML cannot carry', () => {
    expect(parseXml(toXml('a', 'x\u0001y')).text).toBe('xy');
  });
});
