import type { Container, SqlParameter } from "@azure/cosmos";
import { cosmosStatus, call, fromCosmos } from "./errors.js";
import { Retry, read, withRetries } from "./retry.js";
import { StaleWriteError } from "./resources.js";

/**
 * The deprovisioning safety net's documents, in the resources container (the tenant's partition):
 * one state document per tenant (`safety-net`: the hold, a release, when the net was re-armed) and
 * one document per held delete (`held.<holdId>.<userId>`: a document each, so the deletes Entra
 * sends at 25 a second never compete for one ETag). Plus the two counts the rule needs: the
 * removal events of the window (store/event-feed.ts) and the tenant's active users. Every query
 * names c.tenantId (the embedded store ignores partition keys).
 */

/** A removal in the window: a `user.deactivated` or `user.deleted` event (product/safety-net.ts counts them). */
interface Removal {
  resourceId: string;
  type: string;
  time: string;
}

/** A hold in force: deletes are held since `since`, for `cause`. */
export interface HoldRecord {
  /** Names the hold's held-delete documents (a new hold never sees an old one's). */
  id: string;
  since: string;
  cause: string;
  /** Who tripped it (the SCIM token's name). */
  by: string;
}

/** A release in force: every user delete goes through until `until`. */
interface ReleaseRecord {
  at: string;
  until: string;
  by: string;
  /** How many deletes were held when it was released. */
  held: number;
}

export interface SafetyNetDoc {
  id: typeof STATE_ID;
  tenantId: string;
  kind: "SafetyNet";
  /** Empty: the embedded store evaluates filter subqueries over every document. */
  resource: Record<string, never>;
  norm: Record<string, never>;
  hold?: HoldRecord;
  release?: ReleaseRecord;
  /** The window does not reach back before this (a discard, the end of a release: what came before was reviewed). */
  armedSince?: string;
  /**
   * Holds an admin discarded, while Entra may still retry their deletes (a week after the first
   * failure): those users' deletes stay refused until then, or until an admin releases.
   */
  discarded?: { holdId: string; until: string }[];
  _etag?: string;
}

/** One held delete: the user, when its delete was first held, and how often Entra has sent it since. */
export interface HeldDeleteDoc {
  id: string;
  tenantId: string;
  kind: "HeldDelete";
  resource: Record<string, never>;
  norm: Record<string, never>;
  holdId: string;
  userId: string;
  userName: string;
  firstHeldAt: string;
  lastHeldAt: string;
  attempts: number;
  /** Seconds kept: Entra stops retrying an operation a week after its first failure (168 h); a day more. */
  ttl: number;
}

const STATE_ID = "safety-net";
const HELD_TTL_SECONDS = 8 * 86_400;
/** How long a discarded hold keeps its users' deletes refused: as long as its held-delete records live. */
export const DISCARDED_MS = HELD_TTL_SECONDS * 1000;
/** How long a tenant's active-user count is reused (per process): counting 100,000 users on every delete is not free. */
const ACTIVE_COUNT_MS = 60_000;
/**
 * How far back an incremental read of the window's removals reaches before the last read: an
 * event carries its request's start time but lands when the write does, so one whose request took
 * longer than this is missed by a process that already read past it (the net is then one user
 * lower for that process; the count is a threshold, not a ledger).
 */
const REREAD_MS = 10_000;

const heldPrefix = (holdId: string) => `held.${holdId}.`;
/** The first id after every id with the prefix: "/" sorts right after ".". */
const heldEnd = (holdId: string) => `held.${holdId}/`;

/** A document as written: no system properties. */
function strip<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([k, v]) => !k.startsWith("_") && v !== undefined)) as T;
}

/** The fields of the state an operation plans (the store adds the document's identity). */
export type SafetyNetFields = Omit<SafetyNetDoc, "id" | "tenantId" | "kind" | "resource" | "norm">;

export class SafetyNetStore {
  private readonly activeCounts = new Map<string, { count: number; measuredAt: Date; until: number }>();
  /** Per tenant: the removals read so far (by event id), the window they cover from, and when they were read. */
  private readonly windows = new Map<string, { from: number; readAt: number; events: Map<string, Removal> }>();

  constructor(private readonly container: Container) {}

  /** The tenant's safety-net state; undefined when the net has never acted (armed, nothing held). */
  async state(tenantId: string): Promise<SafetyNetDoc | undefined> {
    const doc = await read(() => this.container.item(STATE_ID, tenantId).read<SafetyNetDoc>());
    return doc && doc.kind === "SafetyNet" && doc.tenantId === tenantId ? doc : undefined;
  }

  /**
   * Writes the state: `fields` over `current` as loaded (undefined: there was none yet), only if it
   * is unchanged since (a replace guarded by its ETag, or a create that fails if another got there
   * first): StaleWriteError else, and the caller loads and plans again (operations/retry.ts).
   * Discarded holds are kept unless `fields` names them. Returns the state as written.
   */
  async write(tenantId: string, current: SafetyNetDoc | undefined, fields: SafetyNetFields): Promise<SafetyNetDoc> {
    const next = strip({
      discarded: current?.discarded,
      ...fields,
      id: STATE_ID,
      tenantId,
      kind: "SafetyNet" as const,
      resource: {},
      norm: {},
      _etag: undefined,
    }) as SafetyNetDoc;
    try {
      const { resource } = current
        ? await this.container
            .item(STATE_ID, tenantId)
            .replace<SafetyNetDoc>(next, { accessCondition: { type: "IfMatch", condition: current._etag! } })
        : await this.container.items.create<SafetyNetDoc>(next);
      return resource ?? next;
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 412 || status === 409 || status === 404)
        throw new StaleWriteError(`the safety net of tenant ${tenantId}`);
      throw fromCosmos(error);
    }
  }

  /**
   * Records a held delete of `user`: its first time, or one more attempt (Entra's retry). Two
   * requests for the same user at once may count one attempt: the count is for people, not billing.
   */
  /** Whether the user's delete was held by one of these holds (a point read each). */
  async heldBy(tenantId: string, holdIds: string[], userId: string): Promise<boolean> {
    for (const holdId of holdIds)
      if (await read(() => this.container.item(`${heldPrefix(holdId)}${userId}`, tenantId).read<HeldDeleteDoc>()))
        return true;
    return false;
  }

  async recordHeld(
    tenantId: string,
    holdId: string,
    user: { id: string; userName: string },
    now: Date,
  ): Promise<HeldDeleteDoc> {
    const id = `${heldPrefix(holdId)}${user.id}`;
    const time = now.toISOString();
    return withRetries({ attempts: 3, what: `recording the held delete of user ${user.id}` }, async () => {
      const had = await read(() => this.container.item(id, tenantId).read<HeldDeleteDoc>());
      const doc: HeldDeleteDoc = {
        id,
        tenantId,
        kind: "HeldDelete",
        resource: {},
        norm: {},
        holdId,
        userId: user.id,
        userName: user.userName,
        firstHeldAt: had?.firstHeldAt ?? time,
        lastHeldAt: time,
        attempts: (had?.attempts ?? 0) + 1,
        ttl: HELD_TTL_SECONDS,
      };
      try {
        if (had) await this.container.item(id, tenantId).replace(doc);
        else await this.container.items.create(doc);
        return doc;
      } catch (error) {
        const status = cosmosStatus(error);
        if (status === 409 || status === 404) throw new Retry();
        throw fromCosmos(error);
      }
    });
  }

  /** The held deletes of a hold, first held first (at most `limit`), and how many there are. */
  async held(tenantId: string, holdId: string, limit: number): Promise<{ held: HeldDeleteDoc[]; total: number }> {
    const where = "c.tenantId = @tenantId AND c.kind = 'HeldDelete' AND c.id >= @from AND c.id < @to";
    const range: SqlParameter[] = [
      { name: "@from", value: heldPrefix(holdId) },
      { name: "@to", value: heldEnd(holdId) },
    ];
    const [held, total] = await Promise.all([
      this.select<HeldDeleteDoc>(tenantId, `SELECT TOP @top * FROM c WHERE ${where} ORDER BY c.id`, [
        ...range,
        { name: "@top", value: limit },
      ]),
      this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, range),
    ]);
    held.sort((a, b) => a.firstHeldAt.localeCompare(b.firstHeldAt) || a.userName.localeCompare(b.userName));
    return { held, total: total[0] ?? 0 };
  }

  /**
   * The users disconnected or deleted since `from`: the `user.deactivated` and `user.deleted`
   * events (their ids start with `ev.` and the time, so the id index bounds the range). Read
   * incrementally per process: the whole window on the first call for a tenant, then only what
   * was written since the last read (less REREAD_MS), merged by event id and pruned to `from`.
   * So a tenant's deletes at 25 a second do not each read the hour's thousands of removals again.
   */
  async removals(tenantId: string, from: Date, now: Date): Promise<Removal[]> {
    const cached = this.windows.get(tenantId);
    const reuse = cached !== undefined && cached.from <= from.getTime() && cached.readAt <= now.getTime();
    const since = reuse ? new Date(Math.max(from.getTime(), cached.readAt - REREAD_MS)) : from;
    const rows = await this.select<Removal & { id: string }>(
      tenantId,
      "SELECT c.id, c.resourceId, c.type, c.time FROM c WHERE c.tenantId = @tenantId AND c.kind = 'Event' " +
        "AND c.id >= @from AND c.id < 'ev/' AND c.time >= @fromTime " +
        "AND (c.type = 'user.deactivated' OR c.type = 'user.deleted')",
      [
        { name: "@from", value: `ev.${since.toISOString()}` },
        { name: "@fromTime", value: since.toISOString() },
      ],
    );
    // A copy: a concurrent call with another `from` must not prune this one's events.
    const events = new Map(reuse ? cached.events : []);
    for (const { id, ...removal } of rows) events.set(id, removal);
    const fromIso = from.toISOString();
    for (const [id, e] of events) if (e.time < fromIso) events.delete(id);
    this.windows.set(tenantId, { from: from.getTime(), readAt: now.getTime(), events });
    return [...events.values()];
  }

  /**
   * How many users of the tenant are active (`active` absent or not false), and when that was
   * measured: one COUNT over the index, reused for a minute per process. The rule adds back the
   * users the window removed before `measuredAt`, so a cached count does not count them twice.
   */
  async activeUsers(tenantId: string, now: Date): Promise<{ count: number; measuredAt: Date }> {
    const cached = this.activeCounts.get(tenantId);
    if (cached && cached.until > now.getTime() && cached.measuredAt.getTime() <= now.getTime())
      return { count: cached.count, measuredAt: cached.measuredAt };
    const rows = await this.select<number>(
      tenantId,
      "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenantId AND c.kind = 'User' " +
        "AND (NOT IS_DEFINED(c.resource.active) OR c.resource.active != false)",
      [],
    );
    const measured = { count: rows[0] ?? 0, measuredAt: now, until: now.getTime() + ACTIVE_COUNT_MS };
    this.activeCounts.set(tenantId, measured);
    return { count: measured.count, measuredAt: now };
  }

  private async select<T>(tenantId: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    return call(
      async () =>
        (
          await this.container.items
            .query<T>(
              { query, parameters: [{ name: "@tenantId", value: tenantId }, ...parameters] },
              { partitionKey: tenantId },
            )
            .fetchAll()
        ).resources,
    );
  }
}
