import { findRoute, type RouteHandler } from './http';

describe('findRoute: extra routes by method and path', () => {
  const jwks: RouteHandler = () => undefined;
  const upload: RouteHandler = () => undefined;
  const photo: RouteHandler = () => undefined;
  const routes = { '/.well-known/jwks.json': jwks, 'POST /evidence': upload, 'GET /evidence/*': photo };

  it('serves a bare path to GET only, a method and path to that method, a /* prefix below it', () => {
    expect(findRoute(routes, 'GET', '/.well-known/jwks.json')).toBe(jwks);
    expect(findRoute(routes, 'POST', '/.well-known/jwks.json')).toBeUndefined();
    expect(findRoute(routes, 'POST', '/evidence')).toBe(upload);
    expect(findRoute(routes, 'GET', '/evidence')).toBeUndefined();
    expect(findRoute(routes, 'GET', '/evidence/')).toBeUndefined();
    expect(findRoute(routes, 'GET', '/evidence/abc')).toBe(photo);
    expect(findRoute(routes, 'DELETE', '/evidence/abc')).toBeUndefined();
    expect(findRoute(routes, 'GET', '/evidenceX/abc')).toBeUndefined();
    expect(findRoute(undefined, 'GET', '/x')).toBeUndefined();
  });
});
