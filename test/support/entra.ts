/**
 * A local stand-in for Microsoft Entra ID over TLS: the OpenID discovery document and the token endpoint that
 * MSAL (under @azure/identity's environment credential) asks for, answering client-credential requests with
 * a JWT that Azurite's `--oauth basic` accepts (audience storage, issuer sts.windows.net; it checks no signature).
 * Loopback only; the certificate is made at test time.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import selfsigned from 'selfsigned';

export interface TestCertificate {
  cert: string;
  key: string;
}

/** A certificate for 127.0.0.1 and localhost (trust it in a child with NODE_EXTRA_CA_CERTS). */
export async function loopbackCertificate(): Promise<TestCertificate> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

export interface LocalEntra {
  /** https://127.0.0.1:<port>: AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  tenantId: string;
  /** The object id of the service principal the tokens are for. */
  objectId: string;
  /** Token requests answered (form bodies, secrets and all: only the test sees them). */
  readonly tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

export async function startLocalEntra(certificate: TestCertificate): Promise<LocalEntra> {
  const tenantId = randomUUID();
  const objectId = randomUUID();
  const tokenRequests: URLSearchParams[] = [];
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    const url = new URL(request.url ?? '/', `https://${request.headers.host}`);
    const base = `https://${request.headers.host}/${tenantId}`;
    const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET' && url.pathname.endsWith('/.well-known/openid-configuration')) {
      return json(200, {
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
    }
    if (request.method === 'POST' && url.pathname.endsWith('/oauth2/v2.0/token')) {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        tokenRequests.push(new URLSearchParams(body));
        const now = Math.floor(Date.now() / 1000);
        const claims = { aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${tenantId}/`, iat: now - 60, nbf: now - 60, exp: now + 3600, oid: objectId, tid: tenantId, sub: objectId, ver: '1.0' };
        const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        json(200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('unsigned').toString('base64url')}` });
      });
      return;
    }
    json(404, { error: 'not_found', error_description: `${request.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    authorityHost: `https://127.0.0.1:${port}`,
    tenantId,
    objectId,
    tokenRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
