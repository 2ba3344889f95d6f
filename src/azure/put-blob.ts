/**
 * Put Blob of a small file, sent as one plain HTTP request on the container client's own agent (its keep-alive
 * pool, or its proxy tunnel) to the client's own URL (the SAS in its query). Through the SDK, one Put Blob of a
 * small file cost about 210 µs of CPU (serializer, request pipeline, URL parsing, response deserializer),
 * against about 70 µs here, at thousands of files a second (docs/measurements.md). The pacer owns retries,
 * so the SDK's single-try pipeline adds nothing for it; failures come out as the SDK's RestError (status,
 * service code, headers, the service's message), so src/azure/errors.ts reads them as it always did.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { agentOf } from './client.js';
import { senderOf } from './list-page.js';
import { redactUrl } from './sas.js';

export interface PutBlobRequest {
  blobName: string;
  body: Buffer;
  /** The body's MD5: sent as the transactional Content-MD5 and stored as the blob's Content-MD5. */
  md5: Buffer;
  contentType: string;
  signal: AbortSignal;
}

/** Sends Put Blob requests to one container. */
export interface BlobWriter {
  putBlob(request: PutBlobRequest): Promise<void>;
}

/** An error answer's body is read up to this size (the service's error XML is a few hundred bytes). */
const ERROR_BODY_LIMIT = 64 * 1024;
const USER_AGENT = `kxp-restore Node/${process.versions.node} (${process.platform}; ${process.arch})`;

const writers = new WeakMap<ContainerClient, BlobWriter | null>();

/**
 * The lean writer of a client made by createPooledContainerClient (it knows the client's agent); undefined
 * for any other client, whose callers then go through the SDK.
 */
export function blobWriterFor(container: ContainerClient): BlobWriter | undefined {
  let writer = writers.get(container);
  if (writer === undefined) writers.set(container, (writer = makeWriter(container) ?? null));
  return writer ?? undefined;
}

function makeWriter(container: ContainerClient): BlobWriter | undefined {
  const agent = agentOf(container);
  if (!agent) return undefined;
  const version = senderOf(container).version ?? '2025-01-05';
  const [base = '', query] = container.url.split('?', 2);
  const suffix = query === undefined ? '' : `?${query}`;
  const send = base.startsWith('https:') ? https.request : http.request;
  // Host, port and the container's path parsed once, not per request.
  const parsed = new URL(base);
  const { protocol, hostname, port } = urlToHttpOptions(parsed);
  const { pathname } = parsed;
  return {
    putBlob: (request) => {
      // As the SDK names a blob in the path: each segment percent-encoded, the slashes kept.
      const path = `${pathname}/${request.blobName.split('/').map(encodeURIComponent).join('/')}${suffix}`;
      const url = `${base}${path.slice(pathname.length)}`;
      const md5 = request.md5.toString('base64');
      return new Promise<void>((resolve, reject) => {
        const outgoing = send(
          {
            protocol,
            hostname,
            port,
            path,
            method: 'PUT',
            agent,
            signal: request.signal,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': request.body.length,
              'content-md5': md5,
              'x-ms-blob-content-md5': md5,
              'x-ms-blob-content-type': request.contentType,
              'x-ms-blob-type': 'BlockBlob',
              'x-ms-version': version,
              'x-ms-client-request-id': randomUUID(),
              accept: 'application/xml',
              'user-agent': USER_AGENT,
            },
          },
          (response) => {
            const status = response.statusCode ?? 0;
            const chunks: Buffer[] = [];
            let length = 0;
            response.on('data', (chunk: Buffer) => {
              if (status === 201 || length >= ERROR_BODY_LIMIT) return;
              chunks.push(chunk);
              length += chunk.length;
            });
            response.on('end', () => (status === 201 ? resolve() : reject(failure(status, response.headers, Buffer.concat(chunks).toString('utf8'), url))));
            // A connection lost mid-answer: a network failure for the pacer to retry.
            response.on('error', (error) => reject(networkFailure(error, url)));
          },
        );
        outgoing.on('error', (error) => reject(networkFailure(error, url)));
        outgoing.end(request.body);
      });
    },
  };
}

/** The request as an error names it: the method, and the URL without its signature. */
function requestOf(url: string) {
  return createPipelineRequest({ url: redactUrl(url), method: 'PUT' });
}

/** As the SDK's HTTP client reports it: a RestError with the socket's code; an abort stays an AbortError. */
function networkFailure(error: Error & { code?: string }, url: string): Error {
  if (error.name === 'AbortError') return error;
  return new RestError(error.message, { code: error.code ?? RestError.REQUEST_SEND_ERROR, request: requestOf(url) });
}

/** The SDK's error for a service's answer: status, the service's code and message, the answer's headers. */
function failure(status: number, headers: http.IncomingHttpHeaders, body: string, url: string): RestError {
  const fields = errorFields(body);
  const errorCode = headerText(headers['x-ms-error-code']) ?? fields.code;
  const request = requestOf(url);
  const answerHeaders = createHttpHeaders(Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, headerText(value) ?? '']]))));
  const response: PipelineResponse = { status, headers: answerHeaders, request, bodyAsText: body };
  const error = new RestError(fields.message ?? '', { statusCode: status, code: fields.code ?? errorCode, request, response });
  (error as RestError & { details?: object }).details = { errorCode, ...answerHeaders.toJSON(), ...(fields.message === undefined ? {} : { message: fields.message, code: fields.code }) };
  return error;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The Code and Message of the service's error XML (`<Error><Code>…</Code><Message>…</Message></Error>`). */
function errorFields(body: string): { code?: string; message?: string } {
  if (!body.includes('<Error')) return {};
  const field = (name: string) => {
    const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
    return match ? decodeXmlText(match[1] ?? '') : undefined;
  };
  return { code: field('Code'), message: field('Message') };
}

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (entity: string, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? entity;
  });
}
