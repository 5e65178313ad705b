import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Database } from "@azure/cosmos";

/**
 * The embedded store's data on disk, so that `npm start` keeps it across restarts. The store
 * itself lives in memory; this reads every document back through the Cosmos DB API and writes
 * one JSON file (temp file, then rename, so a crash never leaves half a file), and on the next
 * start upserts them again. What it holds is what the store holds: no token secrets, only their
 * SHA-256 hashes.
 */

interface Snapshot {
  version: 1;
  savedAt: string;
  containers: Record<string, Record<string, unknown>[]>;
}

/** Cosmos system properties: the store assigns its own on upsert. */
const SYSTEM = new Set(["_rid", "_self", "_etag", "_ts", "_attachments"]);

/** The containers the store has (the host created them from shared/store/containers.json). */
async function containerIds(database: Database): Promise<string[]> {
  const { resources } = await database.containers.readAll().fetchAll();
  return resources.map((c) => c.id).sort();
}

const strip = (doc: Record<string, unknown>) => Object.fromEntries(Object.entries(doc).filter(([k]) => !SYSTEM.has(k)));

/** Loads the file into the store; returns how many documents it held (0 when there is no file). */
export async function loadSnapshot(database: Database, file: string): Promise<number> {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw new Error(`cannot read the local store's data in ${file} (start with --fresh to discard it): ${(error as Error).message}`);
  }
  let count = 0;
  for (const id of await containerIds(database)) {
    const container = database.container(id);
    const docs = snapshot.containers[id] ?? [];
    for (let i = 0; i < docs.length; i += 32) {
      await Promise.all(docs.slice(i, i + 32).map((doc) => container.items.upsert(doc)));
    }
    count += docs.length;
  }
  return count;
}

/** Writes every document of every container to `file`, atomically. */
export async function saveSnapshot(database: Database, file: string, now: Date = new Date()): Promise<number> {
  const snapshot: Snapshot = { version: 1, savedAt: now.toISOString(), containers: {} };
  let count = 0;
  for (const id of await containerIds(database)) {
    const { resources } = await database.container(id).items.query<Record<string, unknown>>("SELECT * FROM c").fetchAll();
    snapshot.containers[id] = resources.map(strip).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    count += resources.length;
  }
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(snapshot));
  renameSync(temp, file);
  return count;
}

/** Saves at most once per `delayMs` after the store changes; `flush` saves what is pending and stops. */
export function debouncedSaver(save: () => Promise<unknown>, delayMs: number, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let dirty = false;
  let closed = false;
  const run = () => {
    timer = undefined;
    dirty = false;
    running = running.then(save).catch(onError);
    return running;
  };
  return {
    changed(): void {
      if (closed) return;
      dirty = true;
      timer ??= setTimeout(run, delayMs);
    },
    async flush(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      if (dirty) await run();
      else await running;
    },
  };
}
