// Checkpoints in a page: the same file bytes as in Node, offered as a download or kept in IndexedDB. An
// IndexedDB write is one transaction, so a tab closed mid-write keeps the previous checkpoint whole.
// Nothing here runs at import: a runtime without IndexedDB or a document (Node) fails only when used.
import { checkpoint, type Callback, type CheckpointOptions } from './callbacks.js';
import { CheckpointError } from './errors.js';
import { checkpointFromBytes, checkpointToBytes } from './serialize.js';
import type { TrainingState } from './state.js';

/** The checkpoint file of `state` as a Blob (for a download link or an upload). */
export function checkpointBlob(state: TrainingState): Blob {
  return new Blob([checkpointToBytes(state) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
}

/**
 * Saves the checkpoint file of `state` through the browser's download (a page only). Load it back with
 * `checkpointFromBytes(await file.arrayBuffer(), file.name)` or, in Node, `loadCheckpoint(path)`.
 */
export function downloadCheckpoint(state: TrainingState, filename = 'checkpoint.safetensors'): void {
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined) throw new CheckpointError('store', 'downloadCheckpoint needs a page (document); in Node use saveCheckpoint from @tensile/train/node');
  const url = URL.createObjectURL(checkpointBlob(state));
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Options of `IndexedDBCheckpointStore`. */
export interface IndexedDBStoreOptions {
  /** The database name (default `"tensile-checkpoints"`). */
  database?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory;
}

const STORE = 'checkpoints';

/**
 * Training checkpoints in IndexedDB, by key. Each is the checkpoint file's bytes, written in one
 * transaction (durability "strict" where the browser supports it) and checked in full when read.
 * @example
 * const store = new IndexedDBCheckpointStore();
 * await fit({ …, resume: await store.load('mnist'), callbacks: [store.callback('mnist', { everySteps: 100 })] });
 */
export class IndexedDBCheckpointStore {
  readonly database: string;
  private readonly factory: IDBFactory | undefined;
  private db: Promise<IDBDatabase> | null = null;

  constructor(opts: IndexedDBStoreOptions = {}) {
    this.database = opts.database ?? 'tensile-checkpoints';
    this.factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  /** Whether this runtime has IndexedDB. */
  get available(): boolean {
    return this.factory !== undefined;
  }

  private open(): Promise<IDBDatabase> {
    const factory = this.factory;
    if (factory === undefined) {
      return Promise.reject(new CheckpointError('store', 'IndexedDB is not available in this runtime; in Node use saveCheckpoint / loadCheckpoint from @tensile/train/node'));
    }
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(this.database, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new CheckpointError('store', `cannot open the IndexedDB database "${this.database}": ${req.error?.message}`));
    });
    return this.db;
  }

  private async request<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode, { durability: 'strict' });
      const req = f(tx.objectStore(STORE));
      // Resolve on the transaction's completion: only then is a write committed.
      tx.oncomplete = () => resolve(req.result);
      tx.onabort = tx.onerror = () => reject(new CheckpointError('store', `IndexedDB "${this.database}": ${tx.error?.message ?? 'the transaction was aborted'}`));
    });
  }

  /** Stores `state` (or a checkpoint file's bytes) under `key`, replacing what was there. */
  async save(key: string, state: TrainingState | Uint8Array): Promise<void> {
    const bytes = state instanceof Uint8Array ? state : checkpointToBytes(state);
    // Its own ArrayBuffer: a view into a larger buffer would store the whole buffer.
    const copy = bytes.slice().buffer;
    await this.request('readwrite', (s) => s.put(copy, key));
  }

  /** The checkpoint file bytes under `key`, or null. */
  async loadBytes(key: string): Promise<Uint8Array | null> {
    const v = await this.request<unknown>('readonly', (s) => s.get(key));
    if (v === undefined) return null;
    if (!(v instanceof ArrayBuffer)) throw new CheckpointError('store', `IndexedDB "${this.database}": the record "${key}" is not a checkpoint file`);
    return new Uint8Array(v);
  }

  /** The checkpoint under `key` (checked as `checkpointFromBytes` does), or null when there is none. */
  async load(key: string): Promise<TrainingState | null> {
    const bytes = await this.loadBytes(key);
    return bytes === null ? null : checkpointFromBytes(bytes, `the IndexedDB checkpoint "${key}"`);
  }

  async delete(key: string): Promise<void> {
    await this.request('readwrite', (s) => s.delete(key));
  }

  /** The keys stored. */
  async keys(): Promise<string[]> {
    return (await this.request('readonly', (s) => s.getAllKeys())).map(String);
  }

  /** A `checkpoint` callback that saves under `key`. */
  callback(key: string, opts: Omit<CheckpointOptions, 'save'> = {}): Callback {
    return checkpoint({ ...opts, save: (state) => this.save(key, state) });
  }

  /** Closes the database connection. */
  async close(): Promise<void> {
    if (this.db) (await this.db).close();
    this.db = null;
  }
}
