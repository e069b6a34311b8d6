// A local fake Okta org for the SDK's auth tests.
//
// - A real OpenID provider (oidc-provider) answering at Okta's org authorization server paths
//   (/oauth2/v1/token, /oauth2/v1/authorize, /oauth2/v1/keys), configured as strictly as Okta:
//   private_key_jwt only (RS256 / ES256), `kid` required, `aud` must be the token endpoint URL,
//   assertions live at most one hour, `jti` single use, DPoP with a nonce always demanded.
// - A small resource server at /governance/api/v1/labels that accepts only this provider's
//   access tokens, checks DPoP proofs of DPoP-bound tokens (and demands its own nonce first),
//   and answers like Okta's listLabels.
// - Test hooks under /test/: request counters, token revocation.
//
// Keys are generated at start; the private ones are written to $OIG_OIDC_KEYS (JSON) for the
// tests. The listening port is written to stdout as `READY <port>`.

import { randomBytes, generateKeyPairSync, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.OIG_OIDC_PORT || 0);
const keysFile = process.env.OIG_OIDC_KEYS || 'keys.json';

function keyPair(kind, kid) {
  const { privateKey, publicKey } = kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid };
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: kind === 'rsa' ? 'RS256' : 'ES256', use: 'sig' };
  const pem = {
    pkcs8: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    ...(kind === 'rsa'
      ? { pkcs1: privateKey.export({ format: 'pem', type: 'pkcs1' }) }
      : { sec1: privateKey.export({ format: 'pem', type: 'sec1' }) }),
  };
  return { kid, privateJwk, publicJwk, pem };
}

const rsa = keyPair('rsa', 'rsa-1');
const ec = keyPair('ec', 'ec-1');
const stranger = keyPair('rsa', 'rsa-1'); // same kid, unregistered key
const dpopApp = keyPair('rsa', 'dpop-1');

const labelScopes = 'okta.governance.labels.read okta.governance.labels.manage';
const serviceClient = (client_id, key, extra = {}) => ({
  client_id,
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: key.publicJwk.alg,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: labelScopes,
  jwks: { keys: [key.publicJwk] },
  ...extra,
});

const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const actualPort = server.address().port;
const issuer = `http://127.0.0.1:${actualPort}`;
const tokenEndpoint = `${issuer}/oauth2/v1/token`;

// Token requests per client id (read from the assertion's iss), and the last token seen per client.
const stats = { token: {}, api: 0 };
const lastToken = {};

const provider = new Provider(issuer, {
  clients: [
    serviceClient('rsa-client', rsa),
    serviceClient('ec-client', ec),
    serviceClient('dpop-client', dpopApp, { dpop_bound_access_tokens: true }),
    serviceClient('flight-client', rsa),
    serviceClient('refresh-client', rsa),
    serviceClient('scope-client', rsa),
    {
      client_id: 'user-client',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: `openid offline_access ${labelScopes}`,
    },
    // The same, for an app that requires DPoP-bound tokens.
    {
      client_id: 'user-dpop-client',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      scope: `openid offline_access ${labelScopes}`,
      dpop_bound_access_tokens: true,
    },
  ],
  clientAuthMethods: ['private_key_jwt', 'none'],
  enabledJWA: {
    clientAuthSigningAlgValues: ['RS256', 'ES256'],
    dPoPSigningAlgValues: ['ES256', 'RS256'],
  },
  // okta.users.manage is known but granted to no client: asking for it must fail with invalid_scope.
  scopes: ['openid', 'offline_access', 'okta.governance.labels.read', 'okta.governance.labels.manage', 'okta.users.manage'],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: true },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    // Tokens are for the governance API (an opaque token carrying the OIG scopes), as Okta's
    // org authorization server issues them.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => `${issuer}/governance`,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: `${labelScopes} okta.users.manage`, accessTokenFormat: 'opaque', accessTokenTTL: 3600 }),
    },
  },
  pkce: { required: () => true },
  issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  routes: {
    token: '/oauth2/v1/token',
    authorization: '/oauth2/v1/authorize',
    jwks: '/oauth2/v1/keys',
    userinfo: '/oauth2/v1/userinfo',
  },
  clientBasedCORS: () => false,
  // Okta's rules for client assertions, stricter than the library's defaults.
  async assertJwtClientAuthClaimsAndHeader(ctx, claims, header) {
    const fail = (message) => { throw new errors.InvalidClientAuth(message); };
    if (!header.kid) fail('the client assertion must carry a kid header');
    if (claims.aud !== tokenEndpoint) fail('aud must be the token endpoint URL');
    if (claims.sub !== claims.iss) fail('sub must equal iss');
    if (typeof claims.iat !== 'number') fail('iat is required');
    if (claims.exp - claims.iat > 3600) fail('the client assertion may live at most one hour');
  },
  ttl: { ClientCredentials: 3600, AccessToken: 3600 },
});
provider.proxy = false;
if (process.env.OIG_OIDC_DEBUG) {
  for (const event of ['grant.error', 'server_error']) provider.on(event, (ctx, error) => console.error(event, error));
}

// --- the resource server -------------------------------------------------------------------
const resourceNonces = new Set();
function newResourceNonce() {
  const nonce = randomBytes(16).toString('base64url');
  resourceNonces.add(nonce);
  return nonce;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-okta-request-id': randomBytes(8).toString('hex'), ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

const unauthorized = (res, scheme, error, extra = {}) =>
  send(res, 401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorId: `oae${randomBytes(8).toString('hex')}`, errorCauses: [] }, {
    'www-authenticate': `${scheme} error="${error}"`,
    ...extra,
  });

async function checkDpop(req, token, accessToken) {
  const proof = req.headers.dpop;
  if (!proof) return 'missing DPoP proof';
  const header = jose.decodeProtectedHeader(proof);
  if (header.typ !== 'dpop+jwt' || !header.jwk) return 'bad proof header';
  const key = await jose.importJWK(header.jwk, header.alg);
  const { payload } = await jose.jwtVerify(proof, key, { typ: 'dpop+jwt' });
  const thumbprint = await jose.calculateJwkThumbprint(header.jwk);
  if (thumbprint !== accessToken.jkt) return 'proof key does not match the token';
  if (payload.htm !== req.method) return 'htm mismatch';
  if (payload.htu !== `${issuer}${req.url.split('?')[0]}`) return 'htu mismatch';
  if (payload.ath !== createHash('sha256').update(token).digest('base64url')) return 'ath mismatch';
  if (!payload.nonce || !resourceNonces.has(payload.nonce)) return 'use_dpop_nonce';
  return null;
}

async function resource(req, res) {
  stats.api += 1;
  const auth = req.headers.authorization || '';
  const [scheme, token] = auth.split(' ');
  if (!token || !['Bearer', 'DPoP'].includes(scheme)) return unauthorized(res, 'Bearer', 'invalid_request');
  const accessToken = (await provider.ClientCredentials.find(token)) || (await provider.AccessToken.find(token));
  if (!accessToken) return unauthorized(res, scheme, 'invalid_token');
  lastToken[accessToken.clientId] = accessToken;
  if (accessToken.jkt) {
    if (scheme !== 'DPoP') return unauthorized(res, 'DPoP', 'invalid_token');
    const problem = await checkDpop(req, token, accessToken);
    if (problem === 'use_dpop_nonce') return unauthorized(res, 'DPoP', 'use_dpop_nonce', { 'dpop-nonce': newResourceNonce() });
    if (problem) return unauthorized(res, 'DPoP', 'invalid_dpop_proof');
  } else if (scheme !== 'Bearer') {
    return unauthorized(res, 'Bearer', 'invalid_token');
  }
  if (!accessToken.scope?.split(' ').includes('okta.governance.labels.read')) {
    return send(res, 403, { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action', errorLink: 'E0000006', errorId: `oae${randomBytes(8).toString('hex')}`, errorCauses: [] }, {
      'www-authenticate': `${scheme} error="insufficient_scope", error_description="The access token provided does not contain the required scopes."`,
    });
  }
  return send(res, 200, {
    data: [{
      labelId: 'lbc11keklyNa6KhMi1d7',
      name: 'Crown Jewel',
      values: [{ labelValueId: 'lbl12h191hy4H2f711d7', name: 'Crown Jewel', metadata: { additionalProperties: { backgroundColor: 'green' } } }],
      _links: { self: { href: `${issuer}/governance/api/v1/labels/lbc11keklyNa6KhMi1d7` } },
    }],
    _links: { self: { href: `${issuer}/governance/api/v1/labels` } },
  });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    if (req.url.startsWith('/governance/')) return await resource(req, res);
    if (req.url === '/test/stats') return send(res, 200, stats);
    if (req.url.startsWith('/test/revoke') && req.method === 'POST') {
      const client = new URL(req.url, issuer).searchParams.get('client');
      if (lastToken[client]) await lastToken[client].destroy();
      return send(res, 204);
    }
    if (req.url.startsWith('/oauth2/v1/token')) {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString());
      let client = params.get('client_id') || 'unknown';
      try { client = jose.decodeJwt(params.get('client_assertion')).iss || client; } catch {}
      stats.token[client] = (stats.token[client] || 0) + 1;
      // Okta names the missing proof (oidc-provider answers a generic invalid_grant).
      if ((client === 'dpop-client' || client === 'user-dpop-client') && !req.headers.dpop) {
        return send(res, 400, { error: 'invalid_dpop_proof', error_description: 'The DPoP proof JWT header is missing.' });
      }
      // Hand the body back to the provider.
      const { Readable } = await import('node:stream');
      const replay = Readable.from([body]);
      Object.assign(replay, { headers: req.headers, method: req.method, url: req.url, httpVersion: req.httpVersion, socket: req.socket, connection: req.socket });
      return callback(replay, res);
    }
    return callback(req, res);
  } catch (error) {
    console.error(error);
    send(res, 500, { errorCode: 'E0000009', errorSummary: String(error), errorLink: 'E0000009', errorId: 'oae0', errorCauses: [] });
  }
});

writeFileSync(keysFile, JSON.stringify({ issuer, tokenEndpoint, rsa, ec, stranger, dpop: dpopApp }, null, 2));
console.log(`READY ${actualPort}`);
