// The OpenID provider of the federation end-to-end tests: panva's oidc-provider (OpenID
// Certified) serving discovery, JWKS and a token endpoint over HTTPS with the test's private
// CA. Modes:
//   node idp.mjs keygen OUT.json            private JWKS: RSA (RS256), EC P-256, Ed25519 keys
//   node idp.mjs serve CONFIG.json          prints the issuer URL, then serves until killed
//   node idp.mjs token ISSUER CLIENT_ID     prints a client_credentials JWT access token
//   node idp.mjs forge CONFIG.json MODE HEADER_JSON CLAIMS_JSON
//                                           prints a token signed outside the provider:
//                                           MODE = rsa | pss | ec | ed | none | hmac-public | other-rsa
// CONFIG: {"cert","key" (PEM paths), "jwks" (path of the private JWKS), "audience",
//          "clients": [{"client_id", "extra": {claims}}], "ttl"}
import fs from 'node:fs';
import https from 'node:https';
import crypto from 'node:crypto';

const [, , mode, ...args] = process.argv;
const b64 = (b) => Buffer.from(b).toString('base64url');

if (mode === 'keygen') {
  const jwk = (pair, kid, alg) => ({ ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
  const keys = [
    jwk(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), 'rsa-1', 'RS256'),
    jwk(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }), 'pss-1', 'PS256'),
    jwk(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'ec-1', 'ES256'),
    jwk(crypto.generateKeyPairSync('ed25519'), 'ed-1', 'EdDSA'),
  ];
  fs.writeFileSync(args[0], JSON.stringify({ keys }));
} else if (mode === 'serve') {
  const { default: Provider } = await import('oidc-provider');
  const cfg = JSON.parse(fs.readFileSync(args[0]));
  const jwks = JSON.parse(fs.readFileSync(cfg.jwks));
  const server = https.createServer({ cert: fs.readFileSync(cfg.cert), key: fs.readFileSync(cfg.key) });
  server.listen(cfg.port || 0, '127.0.0.1', () => {
    const issuer = `https://localhost:${server.address().port}`;
    const provider = new Provider(issuer, {
      jwks,
      clients: cfg.clients.map((c) => ({
        client_id: c.client_id,
        client_secret: 'secret',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      })),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:rolegate:sts',
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'sts',
            audience: cfg.audience,
            accessTokenTTL: cfg.ttl || 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      extraTokenClaims: (ctx, token) => (cfg.clients.find((c) => c.client_id === token.clientId) || {}).extra,
    });
    server.on('request', (req) => {
      if (cfg.log) fs.appendFileSync(cfg.log, `${req.url}\n`);
    });
    server.on('request', provider.callback());
    console.log(issuer);
  });
} else if (mode === 'token') {
  const [issuer, clientId] = args;
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:secret`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'sts', resource: 'urn:rolegate:sts' }),
  });
  const body = await res.json();
  if (!body.access_token) {
    console.error(JSON.stringify(body));
    process.exit(1);
  }
  console.log(body.access_token);
} else if (mode === 'forge') {
  const [cfgPath, how, headerJson, claimsJson] = args;
  const cfg = JSON.parse(fs.readFileSync(cfgPath));
  const { keys } = JSON.parse(fs.readFileSync(cfg.jwks));
  const key = (kid) => crypto.createPrivateKey({ key: keys.find((k) => k.kid === kid), format: 'jwk' });
  const input = `${b64(headerJson)}.${b64(claimsJson)}`;
  let sig = '';
  if (how === 'rsa') sig = b64(crypto.sign('sha256', Buffer.from(input), key('rsa-1')));
  else if (how === 'pss') {
    sig = b64(crypto.sign('sha256', Buffer.from(input), {
      key: key('pss-1'), padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
    }));
  } else if (how === 'ec') sig = b64(crypto.sign('sha256', Buffer.from(input), { key: key('ec-1'), dsaEncoding: 'ieee-p1363' }));
  else if (how === 'ed') sig = b64(crypto.sign(null, Buffer.from(input), key('ed-1')));
  else if (how === 'hmac-public') {
    // The algorithm-confusion attack: HMAC keyed with the RSA public key as published.
    const pub = crypto.createPublicKey(key('rsa-1')).export({ type: 'spki', format: 'pem' });
    sig = b64(crypto.createHmac('sha256', pub).update(input).digest());
  } else if (how === 'other-rsa') {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    sig = b64(crypto.sign('sha256', Buffer.from(input), other.privateKey));
  } else if (how !== 'none') throw new Error(`unknown mode ${how}`);
  console.log(`${input}.${sig}`);
} else {
  console.error('usage: idp.mjs keygen|serve|token|forge ...');
  process.exit(2);
}
