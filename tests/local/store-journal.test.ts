import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { OperationInput } from "@azure/cosmos";
import { createEmbeddedStore, embeddedDocuments, type EmbeddedDocuments } from "../../local/host/embedded-store.js";
import { openStoreFile, type StoreFile, type StoreFileOptions } from "../../local/host/store-file.js";
import { loadConfig } from "../../shared/config.js";
import { ensureContainers, openCosmos, type CosmosContainers } from "../../shared/store/cosmos.js";

/**
 * The store's file is a snapshot and journals of changes (local/host/store-file.ts): these tests write
 * through the Cosmos DB API, stop at chosen moments (a copy of the folder is what a crash at that
 * moment leaves on disk) and read it back into a new store.
 */

const root = mkdtempSync(join(tmpdir(), "scim-store-journal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = () => join(root, String(folders++));

interface Opened {
  cosmos: CosmosContainers;
  docs: EmbeddedDocuments;
  file: StoreFile;
  close(): Promise<void>;
}

async function open(dataFile: string, options: Partial<StoreFileOptions> = {}): Promise<Opened> {
  const server = createEmbeddedStore();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const config = loadConfig({
    COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    COSMOS_KEY: "a2V5",
  });
  const cosmos = openCosmos(config.cosmos);
  await ensureContainers(cosmos.client, config.cosmos.database);
  const docs = embeddedDocuments(server);
  const file = await openStoreFile(docs, dataFile, { database: config.cosmos.database, groupCommitMs: 5, ...options });
  return {
    cosmos,
    docs,
    file,
    close: async () => {
      await file.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Every document of the store, as its file keeps it (without the `_rid` and `_self` a restore assigns again). */
function contents(docs: EmbeddedDocuments) {
  return docs
    .collections()
    .flatMap((c) =>
      docs.documents(c).map(({ pk, doc }) => ({
        c,
        pk,
        doc: Object.fromEntries(Object.entries(doc).filter(([k]) => k !== "_rid" && k !== "_self")),
      })),
    )
    .sort((a, b) => (JSON.stringify([a.c, a.pk, a.doc.id]) < JSON.stringify([b.c, b.pk, b.doc.id]) ? -1 : 1));
}

const user = (tenantId: string, i: number, extra: Record<string, unknown> = {}) => ({
  id: `u${i}`,
  tenantId,
  kind: "User",
  resource: { userName: `user${i}@x`, active: true },
  norm: { userName: `user${i}@x` },
  ...extra,
});

/** Creates, replaces, deletes, a transactional batch and bulk writes, in two tenants. */
async function writeSome(store: Opened, from: number, count: number): Promise<void> {
  const items = store.cosmos.resources.items;
  for (let i = from; i < from + count; i++) await items.create(user(i % 2 ? "t1" : "t2", i));
  for (let i = from; i < from + count; i += 3)
    await items.upsert(user(i % 2 ? "t1" : "t2", i, { resource: { userName: `changed${i}@x` } }));
  for (let i = from + 1; i < from + count; i += 5)
    await store.cosmos.resources.item(`u${i}`, i % 2 ? "t1" : "t2").delete();
  await items.batch(
    [
      {
        operationType: "Create",
        partitionKey: "t1",
        resourceBody: { id: `b${from}`, tenantId: "t1", kind: "Lookup", target: "u1" },
      },
      {
        operationType: "Upsert",
        partitionKey: "t1",
        resourceBody: { id: `c${from}`, tenantId: "t1", kind: "Lookup", target: "u3" },
      },
    ] as OperationInput[],
    "t1",
  );
  await items.bulk(
    Array.from({ length: 10 }, (_, k) => ({
      operationType: "Create",
      partitionKey: "t2",
      resourceBody: { id: `m${from}-${k}`, tenantId: "t2", kind: "Member", groupId: "g", userId: `u${k}` },
    })) as OperationInput[],
  );
  await store.cosmos.tenants.items.upsert({ id: "t1", name: `Tenant ${from}` });
}

describe("the local store's journal", () => {
  it("reads back what was written, with each document's etag, after a clean close", async () => {
    const dataFile = join(folder(), "store.json");
    const first = await open(dataFile);
    await writeSome(first, 0, 30);
    const written = contents(first.docs);
    await first.close();
    const second = await open(dataFile);
    expect(contents(second.docs)).toEqual(written);
    expect(second.file.restored).toBe(written.length);
    // The store goes on from there, and so does its file.
    await writeSome(second, 100, 10);
    const more = contents(second.docs);
    await second.close();
    const third = await open(dataFile);
    expect(contents(third.docs)).toEqual(more);
    await third.close();
  });

  it("after a crash between writes, has everything written up to the last group commit", async () => {
    const dir = folder();
    const running = await open(join(dir, "store.json"));
    await writeSome(running, 0, 20);
    await running.file.flush();
    const flushed = contents(running.docs);
    // The crash: the folder as it is now; the running store goes on writing to its own.
    const crashed = folder();
    cpSync(dir, crashed, { recursive: true });
    await writeSome(running, 50, 5);
    await running.close();
    const restarted = await open(join(crashed, "store.json"));
    expect(contents(restarted.docs)).toEqual(flushed);
    await restarted.close();
  });

  it("ignores a last line cut short by a crash, and keeps every change before it", async () => {
    const dir = folder();
    const first = await open(join(dir, "store.json"));
    await writeSome(first, 0, 10);
    const written = contents(first.docs);
    const journal = first.file.stats().journal;
    await first.close();
    appendFileSync(journal, '[{"c":"scim/resources","k":"t1","put":{"id":"u999","tenantId":"t1","kin');
    const logged: string[] = [];
    const second = await open(join(dir, "store.json"), { log: (line) => logged.push(line) });
    expect(contents(second.docs)).toEqual(written);
    expect(logged).toEqual([expect.stringContaining("cut short by a crash")]);
    // It writes on in a new journal, never after the torn line.
    expect(second.file.stats().journal).not.toBe(journal);
    await second.cosmos.resources.items.create(user("t1", 999));
    const withMore = contents(second.docs);
    await second.close();
    const third = await open(join(dir, "store.json"));
    expect(contents(third.docs)).toEqual(withMore);
    await third.close();
  });

  it("refuses a journal damaged before its end instead of starting without part of it", async () => {
    const dir = folder();
    const first = await open(join(dir, "store.json"));
    await writeSome(first, 0, 5);
    const journal = first.file.stats().journal;
    await first.close();
    const lines = readFileSync(journal, "utf8").split("\n");
    lines.splice(1, 0, "{not json");
    writeFileSync(journal, lines.join("\n"));
    await expect(open(join(dir, "store.json"))).rejects.toThrow(/damaged before its end.*--fresh/);
  });

  it("compacts while writes go on: a snapshot, one journal after it, nothing lost", async () => {
    const dir = folder();
    const dataFile = join(dir, "store.json");
    const store = await open(dataFile, { compactBytes: 20_000 });
    const writes: Promise<void>[] = [];
    for (let round = 0; round < 6; round++) {
      writes.push(writeSome(store, round * 100, 25));
      if (round % 2 === 1) writes.push(store.file.compact());
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(writes);
    await store.file.flush();
    expect(store.file.stats().compactions).toBeGreaterThan(0);
    const written = contents(store.docs);
    const journal = store.file.stats().journal;
    await store.close();
    expect(readdirSync(dir).sort()).toEqual(["store.json", journal.slice(dir.length + 1)]);
    // A journal older than the snapshot (a crash after the rename, before it was deleted) is not read again.
    writeFileSync(
      join(dir, "store.json.journal.0"),
      `${JSON.stringify([{ c: "scim/resources", k: "t1", del: "u1" }])}\n`,
    );
    // So is a snapshot a crash interrupted before its rename; it is removed.
    writeFileSync(
      join(dir, "store.json.999.tmp"),
      '{"format":"scim-local-store","version":2,"next":99}\n{"c":"scim/resources","k":"t1","put":{"id":"ghost","tenantId":"t1"}}',
    );
    const reopened = await open(dataFile);
    expect(contents(reopened.docs)).toEqual(written);
    expect(readFileSync(dataFile, "utf8").split("\n")[0]).toMatch(/"format":"scim-local-store","version":2/);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    await reopened.close();
  });

  it("reads the earlier one-object file (version 1) and writes on in the journal", async () => {
    const dataFile = join(folder(), "store.json");
    const docs = [user("t1", 1), user("t1", 2)];
    mkdirSync(join(dataFile, ".."), { recursive: true });
    writeFileSync(
      dataFile,
      JSON.stringify({
        version: 1,
        savedAt: "2026-01-01T00:00:00.000Z",
        containers: { resources: docs, tenants: [{ id: "t1", name: "A" }] },
      }),
    );
    const store = await open(dataFile);
    expect(store.file.restored).toBe(3);
    const { resource } = await store.cosmos.resources.item("u2", "t1").read();
    expect(resource).toMatchObject({ ...docs[1], _etag: expect.any(String) });
    await store.close();
  });
});
