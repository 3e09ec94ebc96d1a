// Request bodies of the GraphQL endpoint, read with limits. yoga reads a multipart request (the
// GraphQL multipart request spec: `operations`, `map`, then the files) with request.formData(),
// which keeps every file in memory until the request ends, and it cuts every body off at 25 MB.
// Here a multipart request's files are written to temporary files as they stream in, each
// within the limit its operation allows (`fileMax`: an import takes far larger files than an
// attachment), and reach the resolvers as `File`s read from disk; the files are removed once
// the response is made. Other bodies (JSON, GraphQL strings, forms) keep yoga's 25 MB limit.
import { Busboy } from '@fastify/busboy';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, openAsBlob, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { Kind, parse } from 'graphql';

export type BodyLimits = {
  /** The largest body other than a multipart one, in bytes (yoga's default: 25,000,000). */
  bodyMax: number;
  /** The largest file a multipart request may send, in bytes, by its `operations` (parsed JSON, or undefined). */
  fileMax(operations: unknown): number;
  /** The most files, and the largest field (`operations`, `map`), of a multipart request. */
  files: number;
  fieldMax: number;
};

const tooLarge = (message: string) => createGraphQLError(message, { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
const badRequest = (message: string) =>
  createGraphQLError(`POST body sent invalid multipart data: ${message}`, { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });
/** As yoga words a multipart request whose fields are missing or not JSON. */
const badParams = (message: string) => createGraphQLError(message);

const isMultipart = (request: Request) =>
  request.method === 'POST' && (request.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');

/**
 * The plugin (yoga's own body limit off: `maxRequestBodySize: false`). A user plugin's parser is
 * set after yoga's built-in ones, so it replaces yoga's multipart parser.
 */
export function useBodyLimits(limits: BodyLimits): Plugin {
  const written = new WeakMap<Request, string[]>();
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (isMultipart(request)) {
        const paths: string[] = [];
        written.set(request, paths);
        setRequestParser((req) => parseMultipart(req, limits, paths));
        return;
      }
      const length = request.headers.get('content-length');
      if (length !== null && (!/^\d+$/.test(length) || Number(length) > limits.bodyMax)) throw tooLarge('Request body too large');
      if (!requestParser || !request.body) return;
      setRequestParser((req) => requestParser(limitedBody(req, limits.bodyMax, fetchAPI)));
    },
    onResponse({ request }) {
      const paths = written.get(request);
      if (paths?.length) void removeAll(paths);
    },
  };
}

/** The same request with a body that fails once it passes `max` bytes (a missing or false Content-Length). */
function limitedBody(request: Request, max: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  let read = 0;
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > max) controller.error(tooLarge('Request body too large'));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}

/** A file part as written: its field, name, type and where its bytes are. */
type Part = { field: string; name: string; type: string; path: string };

async function parseMultipart(request: Request, limits: BodyLimits, paths: string[]) {
  const fields = new Map<string, string>();
  const parts: Part[] = [];
  const writes: Promise<void>[] = [];
  const outs: WriteStream[] = [];
  let max: number | undefined;
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    bb.destroy();
    // A file cut off leaves its stream unended: its file is closed here.
    for (const out of outs) out.destroy();
  };
  let bb: ReturnType<typeof Busboy>;
  try {
    bb = Busboy({
      headers: { 'content-type': request.headers.get('content-type')! },
      limits: { files: limits.files, fields: 20, fieldSize: limits.fieldMax },
    });
  } catch (err) {
    // No boundary in the Content-Type.
    throw badRequest((err as Error).message);
  }
  bb.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) return fail(badRequest(`Field value size exceeded: ${limits.fieldMax} bytes`));
    fields.set(name, value);
  });
  bb.on('file', (field, stream, filename, _encoding, type) => {
    if (failure) return void stream.resume();
    // The spec sends `operations` first: its operation decides how large a file may be.
    max ??= limits.fileMax(operationsOf(fields.get('operations')));
    const path = join(tmpdir(), `crm-upload-${process.pid}-${randomUUID()}`);
    paths.push(path);
    parts.push({ field, name: filename, type, path });
    let bytes = 0;
    const cap = max;
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    outs.push(out);
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > cap) {
        fail(tooLarge(`File size limit exceeded: ${cap} bytes`));
        stream.unpipe(out);
        stream.resume();
      }
    });
    stream.on('error', (err: Error) => failure || fail(badRequest(err.message)));
    stream.pipe(out);
    writes.push(finished(out).catch((err: Error) => void (failure || fail(err))));
  });
  bb.on('filesLimit', () => fail(badRequest(`Files limit exceeded: ${limits.files}`)));
  bb.on('fieldsLimit', () => fail(badRequest('Fields limit exceeded: 20')));
  try {
    if (!request.body) throw badParams('Missing multipart form field "operations"');
    const parsed = new Promise<void>((resolve) => {
      bb.on('finish', resolve);
      bb.on('close', resolve);
      bb.on('error', (err: Error) => {
        if (!failure) fail(badRequest(err.message));
        resolve();
      });
    });
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      // The rest of a refused body is read and dropped (as Node does with a body no one read):
      // a client still sending hears the answer instead of a reset connection.
      if (failure) continue;
      if (!bb.write(chunk)) await Promise.race([once(bb, 'drain').catch(() => undefined), parsed]);
    }
    if (!failure) {
      bb.end();
      await parsed;
    }
    await Promise.all(writes);
    if (failure) throw failure;
    return await operationsWithFiles(fields, parts);
  } catch (err) {
    // Nothing of a refused (or broken off) request stays on disk: its files closed first, so
    // none is created after its removal.
    if (!failure) fail(err as Error);
    await Promise.all(writes);
    await removeAll(paths.splice(0));
    throw err;
  }
}

/** The `operations` field parsed, or undefined (its error is reported once the files are read). */
function operationsOf(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `operations` with each file set where `map` puts it, as yoga's own multipart parser does. */
async function operationsWithFiles(fields: Map<string, string>, parts: Part[]) {
  const text = fields.get('operations');
  if (text === undefined) throw badParams('Missing multipart form field "operations"');
  let operations: Record<string, unknown>;
  try {
    operations = JSON.parse(text);
  } catch {
    throw badParams('Multipart form field "operations" must be a valid JSON string');
  }
  const mapText = fields.get('map');
  if (mapText === undefined) return operations;
  let map: Record<string, string[]>;
  try {
    map = JSON.parse(mapText);
  } catch {
    throw badParams('Multipart form field "map" must be a valid JSON string');
  }
  for (const [field, keys] of Object.entries(map)) {
    const part = parts.find((p) => p.field === field);
    const file = part ? new File([await openAsBlob(part.path, { type: part.type })], part.name, { type: part.type }) : null;
    for (const key of Array.isArray(keys) ? keys : []) setPath(operations, String(key), file);
  }
  return operations;
}

function setPath(object: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let at = object;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    if (i === keys.length - 1) at[key] = value;
    else {
      if (!Object.hasOwn(at, key) || typeof at[key] !== 'object' || at[key] === null) at[key] = {};
      at = at[key] as Record<string, unknown>;
    }
  }
}

/**
 * The root fields a multipart request's operations select (a batch's too), read before its files
 * arrive to know how large they may be; `maxTokens` as the query limits' (a document that does
 * not parse selects nothing here, and yoga reports it).
 */
export function rootFields(operations: unknown, maxTokens: number): Set<string> {
  const out = new Set<string>();
  for (const op of Array.isArray(operations) ? operations : [operations]) {
    const query = (op as { query?: unknown } | null)?.query;
    if (typeof query !== 'string') continue;
    try {
      for (const d of parse(query, { noLocation: true, maxTokens }).definitions) {
        if (d.kind !== Kind.OPERATION_DEFINITION) continue;
        for (const s of d.selectionSet.selections) if (s.kind === Kind.FIELD) out.add(s.name.value);
      }
    } catch {
      // Not a document: no field, the smallest limit.
    }
  }
  return out;
}

/** Removes the files (one that cannot be removed is left to the system's temporary directory). */
async function removeAll(paths: string[]) {
  await Promise.all(paths.map((p) => rm(p, { force: true }).catch(() => undefined)));
}

/** A file's bytes as a Node stream (an upload is one of Node's own `File`s, read from disk). */
export function fileStream(file: Blob): Readable {
  return Readable.fromWeb(file.stream() as WebReadableStream<Uint8Array>);
}
