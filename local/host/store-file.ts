import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { DocumentChange, EmbeddedDocuments } from "./embedded-store.js";

/**
 * The embedded store's data on disk, so that `npm start` keeps it across restarts, at a cost in
 * proportion to each change rather than to everything stored:
 *
 * - a snapshot, `file` (e.g. .data/local-store.json): a header line, then one document per line;
 * - beside it, journals `file.journal.N`: one line per store request (the documents one write,
 *   bulk request or transactional batch wrote or deleted, so a batch lands whole or not at all), appended
 *   and fsynced every `groupCommitMs` (0.5 s): a crash loses at most that last half second;
 * - on start, the snapshot is read and the journals it does not hold (N >= its `next`) replayed
 *   in order; a last line cut short by a crash is ignored; new changes go to a new journal;
 * - once the journals grow past the snapshot's size (at least `compactBytes`), a compaction
 *   switches new changes to the next journal, writes every document to a temp file in the
 *   background (fsync, rename over the snapshot, fsync the folder) and only then deletes the
 *   journals the new snapshot holds. A crash at any point leaves a snapshot and the journals
 *   after it, so nothing that was written is lost or half-read.
 *
 * What it holds is what the store holds: no token secrets, only their SHA-256 hashes. Documents
 * keep their `_etag` and `_ts` across a restart (`_rid` and `_self` are assigned again).
 */

export interface StoreFileOptions {
  /** The database whose containers a version 1 file (one JSON object, before journals) holds. */
  database: string;
  /** How often appended changes are written and fsynced; default 500 ms. */
  groupCommitMs?: number;
  /** Journal bytes before a compaction, at least; default 16 MB (or the snapshot's size when larger). */
  compactBytes?: number;
  onError?: (error: unknown) => void;
  log?: (line: string) => void;
}

export interface StoreFile {
  /** Documents restored from the files on start. */
  restored: number;
  /** Writes and fsyncs what was changed so far. */
  flush(): Promise<void>;
  /** Writes a new snapshot now (switching to a new journal) and deletes the journals it holds. */
  compact(): Promise<void>;
  /** Flushes, waits for a running compaction, stops watching the store and closes the journal. */
  close(): Promise<void>;
  /** For tests and the benchmark: the journal being written and its size so far. */
  stats(): { journal: string; journalBytes: number; compactions: number };
}

interface Header {
  format: "scim-local-store";
  version: 2;
  savedAt: string;
  /** The first journal number this snapshot does not hold. */
  next: number;
}

type Op = { c: string; k: unknown; put: Record<string, unknown> } | { c: string; k: unknown; del: string };

const DEFAULT_GROUP_COMMIT_MS = 500;
const DEFAULT_COMPACT_BYTES = 16 * 1024 * 1024;
/** Documents per write while a snapshot is written (the event loop runs between writes). */
const SNAPSHOT_CHUNK = 2000;

/** The system properties the store assigns again on restore. */
const stored = (doc: Record<string, unknown>) => {
  const { _rid, _self, _attachments, ...rest } = doc;
  void _rid;
  void _self;
  void _attachments;
  return rest;
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const journalPattern = (file: string) => new RegExp(`^${escape(basename(file))}\\.journal\\.(\\d+)$`);

function journals(file: string): { n: number; path: string }[] {
  const pattern = journalPattern(file);
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((x) => x.match)
    .map((x) => ({ n: Number(x.match![1]), path: join(dirname(file), x.name) }))
    .sort((a, b) => a.n - b.n);
}

/**
 * The complete lines of a file. A last line without its newline was cut short by a crash and is
 * dropped (`torn`); so is a line that does not parse when nothing after it does.
 */
function* lines(buffer: Buffer, path: string, torn: () => void): Generator<unknown> {
  let start = 0;
  let bad: Error | undefined;
  while (start < buffer.length) {
    const end = buffer.indexOf(10, start);
    if (end < 0) {
      torn();
      return;
    }
    const text = buffer.toString("utf8", start, end);
    start = end + 1;
    if (text.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      bad ??= error as Error;
      continue;
    }
    if (bad) throw new Error(`${path} is damaged before its end (${bad.message}): start with --fresh to discard it`);
    yield value;
  }
  if (bad) torn();
}

/**
 * Restores the snapshot into the store and replays the journals after it; returns the next
 * journal number and how many documents the store holds from them.
 */
function restore(
  store: EmbeddedDocuments,
  file: string,
  database: string,
  log: (line: string) => void,
): { next: number; restored: number } {
  const known = new Set(store.collections());
  const unknown = new Map<string, number>();
  const usable = (c: string) => known.has(c) || (unknown.set(c, (unknown.get(c) ?? 0) + 1), false);
  const withEtag = (doc: Record<string, unknown>) =>
    doc._etag ? doc : { ...doc, _etag: randomUUID(), _ts: Math.floor(Date.now() / 1000) };
  let next = 0;
  let buffer: Buffer | undefined;
  try {
    buffer = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (buffer && buffer.length > 0) {
    const firstLine = buffer.indexOf(10);
    const head = JSON.parse(buffer.toString("utf8", 0, firstLine < 0 ? buffer.length : firstLine)) as {
      format?: string;
      version?: number;
      next?: number;
      containers?: Record<string, Record<string, unknown>[]>;
    };
    if (head.version === 1 && head.containers) {
      // The earlier format: one JSON object of every container's documents (no journal).
      for (const [id, docs] of Object.entries(head.containers))
        if (usable(`${database}/${id}`)) store.restore(`${database}/${id}`, docs.map(withEtag));
    } else {
      if (head.format !== "scim-local-store" || head.version !== 2)
        throw new Error(`${file} is not a local store file of a known version`);
      next = head.next ?? 0;
      let first = true;
      // A snapshot holds each document once, in a store still empty: no replacing to look for.
      for (const op of lines(buffer, file, () => {
        throw new Error(`${file} is incomplete`);
      })) {
        if (first) first = false;
        else if (usable((op as Op).c))
          store.restore((op as Op).c, [(op as { put: Record<string, unknown> }).put], false);
      }
    }
  }
  buffer = undefined;
  for (const journal of journals(file)) {
    if (journal.n < next) continue;
    for (const group of lines(readFileSync(journal.path), journal.path, () =>
      log(`local store: ignored the last change of ${journal.path}, cut short by a crash`),
    )) {
      for (const op of group as Op[]) {
        if (!usable(op.c)) continue;
        if ("put" in op) store.restore(op.c, [op.put]);
        else store.remove(op.c, op.k, op.del);
      }
    }
  }
  for (const [c, n] of unknown)
    log(`local store: ${n} changes of ${c}, a container the store no longer has, are left out`);
  return { next, restored: store.collections().reduce((n, c) => n + store.documents(c).length, 0) };
}

/** Opens the store's files: restores what they hold into the store, then journals every change. */
export async function openStoreFile(
  store: EmbeddedDocuments,
  file: string,
  options: StoreFileOptions,
): Promise<StoreFile> {
  const log = options.log ?? (() => {});
  const onError = options.onError ?? ((error: unknown) => console.error("local store: cannot save:", error));
  const groupCommitMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
  mkdirSync(dirname(file), { recursive: true });
  let loaded: ReturnType<typeof restore>;
  try {
    loaded = restore(store, file, options.database, log);
  } catch (error) {
    throw new Error(
      `cannot read the local store's data in ${file} (start with --fresh to discard it): ${(error as Error).message}`,
    );
  }
  const restored = loaded.restored;
  let snapshotBytes = existsSync(file) ? statSync(file).size : 0;
  const compactFloor = options.compactBytes ?? DEFAULT_COMPACT_BYTES;
  // A snapshot a crash interrupted before its rename: the snapshot and journals still hold it all.
  const leftover = new RegExp(`^${escape(basename(file))}\\.\\d+\\.tmp$`);
  for (const name of readdirSync(dirname(file)))
    if (leftover.test(name)) await unlink(join(dirname(file), name)).catch(() => undefined);
  const existing = journals(file);
  let journalNumber = Math.max(loaded.next, ...existing.map((j) => j.n + 1));
  let journalBytes = existing.filter((j) => j.n >= loaded.next).reduce((n, j) => n + statSync(j.path).size, 0);
  let journalPath = `${file}.journal.${journalNumber}`;
  let handle: FileHandle = await open(journalPath, "a");
  syncFolder(file);

  /** Changes of the current synchronous run: one line, so a batch or a replace lands whole. */
  let group: Map<string, Op> | undefined;
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let compacting: Promise<void> | undefined;
  let compactions = 0;
  let closed = false;

  const seal = () => {
    if (!group || group.size === 0) return;
    pending.push(`${JSON.stringify([...group.values()])}\n`);
    group = undefined;
    timer ??= setTimeout(() => void flush(), groupCommitMs);
  };
  store.watch((change: DocumentChange) => {
    if (!group) {
      group = new Map();
      queueMicrotask(seal);
    }
    const id = "put" in change ? (change.put.id as string) : change.del;
    // Within one run the last change of a document is the one that counts (a replace is a delete and a write).
    const key = JSON.stringify([change.collection, change.pk, id]);
    group.delete(key);
    group.set(
      key,
      "put" in change
        ? { c: change.collection, k: change.pk, put: stored(change.put) }
        : { c: change.collection, k: change.pk, del: id },
    );
  });

  /** Appends what is pending to the journal being written, in order, then fsyncs it. */
  function enqueue(): Promise<void> {
    seal();
    if (timer) clearTimeout(timer);
    timer = undefined;
    const data = pending.join("");
    pending = [];
    if (data.length > 0) {
      writing = writing.then(async () => {
        try {
          // appendFile writes all of it (write may write part of a buffer).
          await handle.appendFile(data);
          await handle.datasync();
          journalBytes += Buffer.byteLength(data);
        } catch (error) {
          onError(error);
        }
      });
    }
    return writing;
  }

  function flush(): Promise<void> {
    const done = enqueue();
    if (!closed && !compacting && journalBytes > Math.max(compactFloor, snapshotBytes)) void compact();
    return done;
  }

  function compact(): Promise<void> {
    if (compacting) return compacting;
    // The switch: what was changed until now goes to the old journal (and is in the snapshot),
    // what comes next to the new one (the writer switches once the old one has all of its part).
    enqueue();
    const next = journalNumber + 1;
    const docs = store.collections().map((c) => [c, store.documents(c)] as const);
    journalNumber = next;
    journalPath = `${file}.journal.${next}`;
    const path = journalPath;
    writing = writing.then(async () => {
      await handle.close();
      handle = await open(path, "a");
      journalBytes = 0;
    });
    compacting = (async () => {
      await writing;
      syncFolder(file);
      const temp = `${file}.${process.pid}.tmp`;
      const out = await open(temp, "w");
      let bytes = 0;
      try {
        const header: Header = { format: "scim-local-store", version: 2, savedAt: new Date().toISOString(), next };
        let chunk = `${JSON.stringify(header)}\n`;
        let inChunk = 0;
        for (const [c, list] of docs) {
          for (const { pk, doc } of list) {
            chunk += `${JSON.stringify({ c, k: pk, put: stored(doc) })}\n`;
            if (++inChunk === SNAPSHOT_CHUNK) {
              await out.writeFile(chunk);
              bytes += Buffer.byteLength(chunk);
              chunk = "";
              inChunk = 0;
            }
          }
        }
        await out.writeFile(chunk);
        bytes += Buffer.byteLength(chunk);
        await out.datasync();
      } finally {
        await out.close();
      }
      await rename(temp, file);
      syncFolder(file);
      snapshotBytes = bytes;
      compactions++;
      for (const journal of journals(file)) if (journal.n < next) await unlink(journal.path).catch(() => undefined);
    })()
      .catch(onError)
      .finally(() => (compacting = undefined));
    return compacting;
  }

  return {
    restored,
    flush,
    compact,
    async close() {
      closed = true;
      await compacting;
      store.watch(undefined);
      await enqueue();
      await handle.close();
    },
    stats: () => ({ journal: journalPath, journalBytes, compactions }),
  };
}

/** Makes a rename or a new file in the folder durable. */
function syncFolder(file: string): void {
  try {
    const fd = openSync(dirname(file), "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic.
  }
}
