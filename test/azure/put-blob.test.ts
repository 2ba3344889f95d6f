import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { createPooledContainerClient } from '../../src/azure/client.js';
import { azureFailure, classifyAzureError } from '../../src/azure/errors.js';
import { blobWriterFor, type BlobWriter } from '../../src/azure/put-blob.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { startBusyFront, type BusyFront } from '../support/busy-front.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';

const md5Of = (data: Buffer) => createHash('md5').update(data).digest();

describe('lean Put Blob (put-blob.ts) against Azurite', () => {
  const remote = useProxiedAzurite('lean-put');
  let front: BusyFront;
  /** Requests whose URL matches are answered 500 InternalError by the front, without a body. */
  let refuse: RegExp | null = null;
  /** Answers to requests whose URL matches become 409 ContainerBeingDeleted, with the service's error XML. */
  let conflict: RegExp | null = null;
  beforeAll(async () => {
    front = await startBusyFront(
      remote.storage.azurite.port,
      (req) => (refuse?.test(req.url ?? '') ? { status: 500, headers: { 'x-ms-error-code': 'InternalError', 'x-ms-request-id': 'front' } } : null),
      (req, answer) =>
        conflict?.test(req.url ?? '')
          ? {
              status: 409,
              headers: { ...answer.headers, 'x-ms-error-code': 'ContainerBeingDeleted', 'content-type': 'application/xml' },
              body: Buffer.from(
                '<?xml version="1.0" encoding="utf-8"?><Error><Code>ContainerBeingDeleted</Code><Message>The specified container is being deleted &amp; cannot take writes.\nRequestId:front\nTime:2026-12-05T08:00:00.0000000Z</Message></Error>',
              ),
            }
          : answer,
    );
  });
  afterAll(async () => {
    await front.close();
  });

  const clientFor = (url: string) => createPooledContainerClient(parseContainerSasUrl(url, 'storage SAS URL'), { concurrency: 2 }).client;
  const writerFor = (url: string): { writer: BlobWriter; client: ReturnType<typeof clientFor> } => {
    const client = clientFor(url);
    const writer = blobWriterFor(client);
    if (!writer) throw new Error('a pooled client has a lean writer');
    return { writer, client };
  };

  it('stores the bytes, the Content-MD5 and the content type, under the exact name (spaces, %, #, ?, +, non-ASCII)', async () => {
    const { writer, client } = writerFor(await remote.containerUrl());
    const names = ['default/plain.txt', 'default/a b%20c#d?e+f/ü ž.jpg', 'default/100%/x&y=z;.png'];
    const bodies = names.map(() => randomBytes(700));
    const signal = new AbortController().signal;
    await Promise.all(names.map((blobName, i) => writer.putBlob({ blobName, body: bodies[i] as Buffer, md5: md5Of(bodies[i] as Buffer), contentType: i === 0 ? 'text/plain' : 'image/jpeg', signal })));
    const listed: string[] = [];
    for await (const blob of client.listBlobsFlat()) listed.push(blob.name);
    expect(listed.sort()).toEqual([...names].sort());
    for (const [i, blobName] of names.entries()) {
      const blob = client.getBlobClient(blobName);
      const properties = await blob.getProperties();
      expect(Buffer.from(properties.contentMD5 ?? []).equals(md5Of(bodies[i] as Buffer))).toBe(true);
      expect(properties.contentType).toBe(i === 0 ? 'text/plain' : 'image/jpeg');
      expect(properties.blobType).toBe('BlockBlob');
      expect((await blob.downloadToBuffer()).equals(bodies[i] as Buffer)).toBe(true);
    }
  });

  it('a body that does not match its MD5 is refused by the service, as through the SDK', async () => {
    const { writer, client } = writerFor(await remote.containerUrl());
    const body = randomBytes(100);
    const signal = new AbortController().signal;
    const thrown = await writer.putBlob({ blobName: 'default/damaged.bin', body, md5: Buffer.alloc(16), contentType: 'application/octet-stream', signal }).catch((error: unknown) => error);
    expect(classifyAzureError(thrown)).toMatchObject({ kind: 'retry', status: 400 });
    expect(await client.getBlobClient('default/damaged.bin').exists()).toBe(false);
  });

  /** The KxpError the pacer would make of a failed attempt, through the lean writer and through the SDK. */
  async function bothWays(url: string, blobName: string, prepare?: (client: ReturnType<typeof clientFor>) => Promise<void>) {
    const { writer, client } = writerFor(url);
    await prepare?.(client);
    const body = randomBytes(300);
    const md5 = md5Of(body);
    const signal = new AbortController().signal;
    const lean = await writer.putBlob({ blobName, body, md5, contentType: 'application/octet-stream', signal }).then(
      () => null,
      (error: unknown) => error,
    );
    const viaSdk = await client
      .getBlockBlobClient(blobName)
      .upload(body, body.length, { blobHTTPHeaders: { blobContentType: 'application/octet-stream', blobContentMD5: md5 }, transactionalContentMD5: md5 } as object)
      .then(
        () => null,
        (error: unknown) => error,
      );
    const seen = (thrown: unknown) => {
      const classified = classifyAzureError(thrown);
      const error = azureFailure(thrown, classified, blobName);
      return { kind: classified.kind, reason: classified.reason, status: classified.status, retryAfterMs: classified.retryAfterMs, code: error.code, message: error.message, hint: error.hint };
    };
    expect(lean).not.toBeNull();
    expect(viaSdk).not.toBeNull();
    return { lean: seen(lean), sdk: seen(viaSdk) };
  }

  it('403 (a SAS without write): SAS_PERMISSION with the same words as through the SDK', async () => {
    const url = await remote.containerUrl({ permissions: 'rl' });
    const { lean, sdk } = await bothWays(url, 'default/refused.txt');
    expect(lean).toEqual(sdk);
    expect(lean).toMatchObject({ status: 403, code: 'SAS_PERMISSION', reason: 'HTTP 403 AuthorizationPermissionMismatch' });
  });

  it('403 (signature no longer valid): ACCESS_DENIED, the same as through the SDK', async () => {
    const good = await remote.containerUrl();
    const url = good.replace(/sig=[^&]+/, `sig=${encodeURIComponent(randomBytes(32).toString('base64'))}`);
    const { lean, sdk } = await bothWays(url, 'default/expired.txt');
    expect(lean).toEqual(sdk);
    expect(lean).toMatchObject({ status: 403, code: 'ACCESS_DENIED' });
  });

  it('404 (the container is gone): the same TRANSFER_FAILED as through the SDK', async () => {
    const url = createContainerSasUrl(remote.storage.azurite, 'never-created', { baseUrl: remote.proxy.url('devstoreaccount1') });
    const { lean, sdk } = await bothWays(url, 'default/nowhere.txt');
    expect(lean).toEqual(sdk);
    expect(lean).toMatchObject({ status: 404, code: 'TRANSFER_FAILED', reason: 'HTTP 404 ContainerNotFound' });
  });

  it('412 (a leased blob, no lease given): the same fatal TRANSFER_FAILED and message as through the SDK', async () => {
    const { lean, sdk } = await bothWays(await remote.containerUrl(), 'default/leased.bin', async (client) => {
      const blob = client.getBlockBlobClient('default/leased.bin');
      await blob.upload('x', 1);
      await blob.getBlobLeaseClient().acquireLease(-1);
    });
    expect(lean).toEqual(sdk);
    expect(lean).toMatchObject({ status: 412, kind: 'fatal', code: 'TRANSFER_FAILED', message: expect.stringMatching(/^HTTP 412 LeaseIdMissing: .+/) });
  });

  it("409 with the service's error XML (from a faulting front): the same TRANSFER_FAILED and message as through the SDK", async () => {
    await remote.storage.containerSasUrl('lean-put-conflict');
    const url = createContainerSasUrl(remote.storage.azurite, 'lean-put-conflict', { baseUrl: `http://127.0.0.1:${front.port}/devstoreaccount1` });
    conflict = /conflict\.txt/;
    try {
      const { lean, sdk } = await bothWays(url, 'default/conflict.txt');
      expect(lean).toEqual(sdk);
      expect(lean).toMatchObject({ status: 409, kind: 'fatal', code: 'TRANSFER_FAILED', message: 'HTTP 409 ContainerBeingDeleted: The specified container is being deleted & cannot take writes.' });
    } finally {
      conflict = null;
    }
  });

  it('500 from a faulting front (no body): retried, with the same reason as through the SDK', async () => {
    await remote.storage.containerSasUrl('lean-put-busy');
    const url = createContainerSasUrl(remote.storage.azurite, 'lean-put-busy', { baseUrl: `http://127.0.0.1:${front.port}/devstoreaccount1` });
    refuse = /busy\.txt/;
    try {
      const { lean, sdk } = await bothWays(url, 'default/busy.txt');
      expect(lean).toEqual(sdk);
      expect(lean).toMatchObject({ status: 500, kind: 'retry', reason: 'HTTP 500 InternalError' });
    } finally {
      refuse = null;
    }
  });

  it('a connection reset before the answer: a network failure the pacer retries, as through the SDK', async () => {
    const url = await remote.containerUrl();
    remote.proxy.failRequest(/reset\.txt/, 1);
    const { writer } = writerFor(url);
    const body = randomBytes(300);
    const thrown = await writer.putBlob({ blobName: 'default/reset.txt', body, md5: md5Of(body), contentType: 'text/plain', signal: new AbortController().signal }).catch((error: unknown) => error);
    expect(thrown).toMatchObject({ name: 'RestError', code: 'ECONNRESET' });
    expect(classifyAzureError(thrown)).toMatchObject({ kind: 'retry', reason: 'ECONNRESET' });
  });

  it('an aborted request rejects with an AbortError (the pacer tells a timeout from a stop by it)', async () => {
    const { writer } = writerFor(await remote.containerUrl());
    const controller = new AbortController();
    controller.abort();
    const body = randomBytes(10);
    await expect(writer.putBlob({ blobName: 'default/aborted.txt', body, md5: md5Of(body), contentType: 'text/plain', signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
