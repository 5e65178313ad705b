import { createHash } from "node:crypto";

/**
 * Where served pages of unsorted lists ended, per query, so that the next index page (RFC 7644
 * §3.4.2.4: `startIndex` = the last one + the page size) continues with one keyset query
 * (`c.id > @after ORDER BY c.id`) instead of reading every match before it.
 *
 * Kept in the memory of one process: bounded (least recently used entries go first) and each entry
 * expires. Several Function App instances each have their own; a page whose anchor another
 * instance remembered is served from this instance's nearest anchor below it (see
 * ResourceStore.query), so it costs more, never answers differently.
 */
export class AnchorCache {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, { query: string; position: number; id: string; at: number }>();
  /** Each query's remembered positions (keys of `entries`), to find the nearest one below a page. */
  private readonly byQuery = new Map<string, Map<number, string>>();

  constructor(
    readonly maxEntries = 10_000,
    readonly ttlMs = 60 * 60 * 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Remembers that, in `query`'s order, the resource at 1-based `position` has `id`. */
  remember(query: string, position: number, id: string): void {
    const key = `${query}#${position}`;
    this.entries.delete(key);
    this.entries.set(key, { query, position, id, at: this.clock() });
    let positions = this.byQuery.get(query);
    if (!positions) this.byQuery.set(query, (positions = new Map()));
    positions.set(position, key);
    while (this.entries.size > this.maxEntries) this.drop(this.entries.keys().next().value!);
  }

  /** The remembered position nearest at or below `position` in `query`, with its id; expired ones are dropped. */
  nearest(query: string, position: number): { position: number; id: string } | undefined {
    const positions = this.byQuery.get(query);
    if (!positions) return undefined;
    const now = this.clock();
    let best: string | undefined;
    let bestPosition = -1;
    for (const [p, key] of positions) {
      const entry = this.entries.get(key)!;
      if (now - entry.at > this.ttlMs) this.drop(key);
      else if (p <= position && p > bestPosition) [best, bestPosition] = [key, p];
    }
    if (!best) return undefined;
    const entry = this.entries.get(best)!;
    this.entries.delete(best);
    this.entries.set(best, entry);
    return { position: entry.position, id: entry.id };
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const positions = this.byQuery.get(entry.query);
    positions?.delete(entry.position);
    if (positions?.size === 0) this.byQuery.delete(entry.query);
  }
}

/** The key of a query in the anchor cache: a hash of everything that decides its order and matches. */
export const anchorQueryKey = (...parts: unknown[]): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("base64url");
