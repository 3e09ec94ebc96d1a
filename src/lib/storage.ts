// Where uploaded files' bytes live. The local folder (DATA_DIR/files) is the default; an
// S3-compatible store can implement the same interface.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

export interface FileStorage {
  put(key: string, data: Uint8Array): Promise<void>;
  /** Stores a stream without holding it in memory; answers the bytes written. */
  putStream(key: string, data: Readable): Promise<number>;
  open(key: string): Readable;
  remove(key: string): Promise<void>;
}

export class LocalStorage implements FileStorage {
  private readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string) {
    const p = resolve(join(this.root, key));
    // Keys are made by the server ("<workspace>/<id>"); refuse anything that would leave the root.
    if (!p.startsWith(this.root + sep)) throw new Error(`storage key outside the root: ${key}`);
    return p;
  }

  async put(key: string, data: Uint8Array) {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    // Written aside and renamed, so a reader never sees half a file.
    await writeFile(`${p}.part`, data);
    await rename(`${p}.part`, p);
  }

  async putStream(key: string, data: Readable) {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    let size = 0;
    await pipeline(
      data,
      async function* (source: AsyncIterable<Buffer | string>) {
        for await (const chunk of source) {
          size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
          yield chunk;
        }
      },
      createWriteStream(`${p}.part`),
    );
    await rename(`${p}.part`, p);
    return size;
  }

  open(key: string) {
    return createReadStream(this.path(key));
  }

  async remove(key: string) {
    await rm(this.path(key), { force: true });
  }
}
