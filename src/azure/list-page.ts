/**
 * One List Blobs page, requested through a container client's own pipeline (its SAS or credential, proxy
 * agent and retry policy) and read with a streaming XML parser that keeps only the fields we use. The SDK's
 * listing turns each page into an XML tree, then into typed BlobItem objects: about 40 % of verify's CPU
 * and most of its garbage at a million blobs (docs/measurements.md).
 */
import type { Readable } from 'node:stream';
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { createHttpHeaders, createPipelineRequest, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { SaxesParser } from 'saxes';

/** What a listing keeps of a blob. */
export interface ListedItem {
  name: string;
  size: number;
  /** Base64 Content-MD5 as listed; undefined when the blob has none. */
  md5?: string;
  etag: string;
  contentType?: string;
  /** With details: the source ETag a server-side copy recorded in the blob's metadata (SOURCE_ETAG_KEY). */
  sourceEtag?: string;
  /** With details: the blob's copy status (pending, success, aborted, failed) when it was the target of a copy. */
  copyStatus?: string;
}

export interface PageRequest {
  prefix?: string;
  maxPageSize: number;
  marker?: string;
  /** List one folder level: blobs directly under the prefix, and its subfolders as `prefixes`. */
  delimiter?: string;
  /** Also metadata and copy status. */
  details: boolean;
  /** The metadata key whose value becomes `sourceEtag`. */
  sourceEtagKey: string;
  signal: AbortSignal;
}

export interface ListedPage {
  items: ListedItem[];
  /** With a delimiter: the subfolders of this level (each ending in the delimiter). */
  prefixes: string[];
  next: string | undefined;
}

interface RequestSender {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
  version?: string;
}

/**
 * The container client's request sender. The SDK keeps it protected; it is the one way to send our own
 * request with everything the client was built with (credential, agent, policies).
 */
export function senderOf(container: ContainerClient): RequestSender {
  const context = (container as unknown as { storageClientContext?: Partial<RequestSender> }).storageClientContext;
  if (typeof context?.sendRequest !== 'function') throw new Error('@azure/storage-blob changed: a ContainerClient no longer has storageClientContext.sendRequest');
  return context as RequestSender;
}

/** Requests one page and parses it as it arrives; any failure (request, status, a body cut short) throws. */
export async function requestPage(container: ContainerClient, page: PageRequest): Promise<ListedPage> {
  const sender = senderOf(container);
  const query = [`restype=container`, `comp=list`, `maxresults=${page.maxPageSize}`];
  if (page.prefix) query.push(`prefix=${encodeURIComponent(page.prefix)}`);
  if (page.marker) query.push(`marker=${encodeURIComponent(page.marker)}`);
  if (page.delimiter) query.push(`delimiter=${encodeURIComponent(page.delimiter)}`);
  if (page.details) query.push(`include=${encodeURIComponent('metadata,copy')}`);
  // Appended as text: re-serialising the SAS query (URLSearchParams) could change how its values are encoded.
  const url = `${container.url}${container.url.includes('?') ? '&' : '?'}${query.join('&')}`;
  const request = createPipelineRequest({
    url,
    method: 'GET',
    abortSignal: page.signal,
    // The client itself talks to this URL (plain http to Azurite or the stand-in): so may its listing.
    allowInsecureConnection: url.startsWith('http:'),
    headers: createHttpHeaders({ 'x-ms-version': sender.version ?? '2025-01-05', accept: 'application/xml' }),
    // The body comes as a stream: the pipeline's own XML parsing is skipped for a page (errors are still parsed).
    streamResponseStatusCodes: new Set([200]),
  });
  const response = await sender.sendRequest(request);
  if (response.status !== 200 || !response.readableStreamBody) throw failure(response, request);
  return parseListing(response.readableStreamBody, page);
}

/** The SDK's error shape (src/azure/errors.ts reads the status and the service's error code). */
function failure(response: PipelineResponse, request: PipelineRequest): RestError {
  const code = response.headers.get('x-ms-error-code');
  const error = new RestError(`List Blobs answered HTTP ${response.status}${code ? ` ${code}` : ''}`, { statusCode: response.status, code, request, response });
  (error as RestError & { details?: { errorCode?: string } }).details = { errorCode: code };
  return error;
}

/** Which element the parser is in, as far as the listing cares. */
const enum At {
  Other,
  Name,
  Size,
  Md5,
  Etag,
  ContentType,
  CopyStatus,
  SourceEtag,
  NextMarker,
  PrefixName,
}

const PROPERTY: Record<string, At> = {
  'Content-Length': At.Size,
  'Content-MD5': At.Md5,
  Etag: At.Etag,
  'Content-Type': At.ContentType,
  CopyStatus: At.CopyStatus,
};

async function parseListing(body: NodeJS.ReadableStream, page: PageRequest): Promise<ListedPage> {
  const parser = new SaxesParser();
  const items: ListedItem[] = [];
  const prefixes: string[] = [];
  let blob: ListedItem | undefined;
  let inPrefix = false;
  let inProperties = false;
  let inMetadata = false;
  let encodedName = false;
  let at = At.Other;
  let text = '';
  let next: string | undefined;
  parser.on('opentag', (tag) => {
    text = '';
    const name = tag.name;
    if (name === 'Blob') {
      blob = { name: '', size: 0, etag: '' };
      at = At.Other;
    } else if (name === 'BlobPrefix') inPrefix = true;
    else if (inPrefix && name === 'Name') {
      at = At.PrefixName;
      encodedName = (tag.attributes as Record<string, string>).Encoded === 'true';
    } else if (!blob) at = name === 'NextMarker' ? At.NextMarker : At.Other;
    else if (name === 'Properties') inProperties = true;
    else if (name === 'Metadata') inMetadata = true;
    else if (inProperties) at = PROPERTY[name] ?? At.Other;
    else if (inMetadata) at = name.toLowerCase() === page.sourceEtagKey ? At.SourceEtag : At.Other;
    else if (name === 'Name') {
      at = At.Name;
      // A name with characters XML cannot carry comes percent-encoded.
      encodedName = (tag.attributes as Record<string, string>).Encoded === 'true';
    } else at = At.Other;
  });
  parser.on('text', (chunk) => {
    if (at !== At.Other) text += chunk;
  });
  parser.on('closetag', (tag) => {
    const name = tag.name;
    if (blob) {
      if (name === 'Blob') {
        items.push(blob);
        blob = undefined;
      } else if (name === 'Properties') inProperties = false;
      else if (name === 'Metadata') inMetadata = false;
      else store(blob, at, text);
    } else if (name === 'BlobPrefix') inPrefix = false;
    else if (at === At.PrefixName && name === 'Name') prefixes.push(encodedName ? decodeURIComponent(text) : text);
    else if (at === At.NextMarker && name === 'NextMarker') next = text || undefined;
    at = At.Other;
    text = '';
  });
  const store = (item: ListedItem, field: At, value: string) => {
    if (field === At.Name) item.name = encodedName ? decodeURIComponent(value) : value;
    else if (field === At.Size) item.size = Number(value);
    else if (field === At.Md5 && value) item.md5 = value;
    else if (field === At.Etag) item.etag = value;
    else if (field === At.ContentType && value) item.contentType = value;
    else if (field === At.CopyStatus && value) item.copyStatus = value;
    else if (field === At.SourceEtag && value) item.sourceEtag = value;
  };
  const stream = body as Readable;
  const abort = () => stream.destroy(page.signal.reason instanceof Error ? page.signal.reason : new Error('aborted'));
  page.signal.addEventListener('abort', abort, { once: true });
  try {
    stream.setEncoding('utf8');
    for await (const chunk of stream) parser.write(chunk as string);
    parser.close();
  } finally {
    page.signal.removeEventListener('abort', abort);
  }
  return { items, prefixes, next };
}
