import type { Container, JSONObject, OperationInput, SqlParameter } from "@azure/cosmos";
import type { Filter } from "../scim/filter.js";
import type { ResourceTypeName } from "../scim/schemas.js";
import { resolveAttribute } from "../scim/schemas.js";
import type { ResourceMeta, WireResource } from "../scim/resource.js";
import { filterToSql, normalisedCopy, resolveSortBy } from "./filter-sql.js";
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  QueryTooLargeError,
  PageTooDeepError,
  call,
  callBatch,
  cosmosStatus,
  fromCosmos,
} from "./errors.js";
import { LOOKUPS, lookupDef, lookupId, lookupValue, lookupsOf, normalise, type LookupDoc } from "./lookups.js";
import type { AuditLogStore, OutboxDoc } from "./audit-log.js";
import type { EventDoc, EventSignal } from "./event-feed.js";
import { bulk, type MembershipStore } from "./memberships.js";
import { idempotent, read } from "./retry.js";
import { AnchorCache, anchorQueryKey } from "./paging.js";

/** The product's own fields of a user document; shared/product/identity.ts gives them meaning. */
export type StoredProduct = Record<string, unknown>;

/** A User or Group as stored: one document per resource in the tenant's partition. */
export interface ResourceDoc {
  id: string;
  tenantId: string;
  /** "DeletedUser": a user removed through SCIM, kept for the tenant's retention period, then purged by TTL. */
  kind: ResourceTypeName | "DeletedUser";
  resource: WireResource;
  meta: { created: string; lastModified: string };
  /** The product's own state of a user (login, role). */
  product?: StoredProduct;
  deletedAt?: string;
  /** Groups a deleted user was a member of. */
  formerGroups?: string[];
  ttl?: number;
  _etag?: string;
}

/**
 * One resource write: the next document and the document it replaces as it was read (its ETag is
 * the precondition; none for a create). `remove` deletes `before` instead. `event` is the log
 * event that lands in the same transactional batch (see audit-log.ts outboxDoc).
 */
export interface ResourceWrite {
  next: ResourceDoc;
  before?: ResourceDoc;
  remove?: boolean;
  event?: OutboxDoc;
  /** The provisioning events of the change (store/event-feed.ts), in the same batch. */
  events?: EventDoc[];
}

/** One write of a transactional batch (ResourceStore.writeBatch), with its precondition. */
export type DocWrite =
  /** A new document: fails if its id is taken. */
  | { create: { id: string; kind: string } }
  /** A document deleted by id: fails if it is gone. */
  | { delete: string }
  /** `replace` written over `before`: fails unless the document is unchanged since `before` was read. */
  | { replace: ResourceDoc; before: ResourceDoc };

/**
 * The document changed (or went, or its new id was taken) since it was read: the write did not
 * land. The caller loads again and plans again (operations/retry.ts); never shown to a client.
 */
export class StaleWriteError extends Error {
  override readonly name = "StaleWriteError";
  constructor(readonly what: string) {
    super(`${what} changed since it was read`);
  }
}

export interface ListQuery {
  filter?: Filter;
  sortBy?: string;
  descending?: boolean;
  /** 1-based (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
  /**
   * A cursor's position (RFC 9865): an unsorted list continues after the resource with this id, in
   * its order; `startIndex` then only says how many came before. Sorted lists page by `startIndex`.
   */
  after?: string;
}

/** What the admin portal's users list asks for (see ResourceStore.searchUsers). */
export interface UserSearch {
  kind: "User" | "DeletedUser";
  /** Case-folded (foldUserName), as the `norm` copy stores values. */
  text?: string;
  active?: boolean;
  /** `orUnset`: users stored without a product role have the default role. */
  role?: { role: string; orUnset: boolean };
  /** Only these users (a team's members). */
  ids?: string[];
  sortBy: "userName" | "created" | "lastModified";
  descending: boolean;
  skip: number;
  count: number;
}

/** One page of a list: the matches in all, the page, and whether more follow it. */
export interface ListPage {
  total: number;
  docs: ResourceDoc[];
  more: boolean;
}

/** Most matches a sortBy query sorts (in memory); more is QueryTooLargeError. */
const MAX_SORTED = 5000;
/**
 * Deepest startIndex served. A page that continues where a remembered page ended costs one page
 * query at any depth; a jump to an offset costs an ids-only read of the gap from the nearest
 * remembered page end below it (at most this many ids, SKIP_ITEMS per round trip).
 */
const MAX_START_INDEX = 1_000_000;
/** Documents per round trip of a query (the SDK's page size; fetchAll follows continuations). */
const PAGE_ITEMS = 1000;
/** Ids per round trip when a jump skips the matches before a page (ids only: about 40 bytes each). */
const SKIP_ITEMS = 10_000;

const TENANT_KIND = "c.tenantId = @tenantId AND c.kind = @kind";

function valueAt(doc: unknown, path: string[]): unknown {
  let v = doc;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

const cmp = (a: unknown, b: unknown) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0);

/** RFC 7644 §3.4.2.3: ascending puts resources without a value last; descending is the reverse. */
function sortDocs(
  docs: ResourceDoc[],
  sort: { path: string[]; foldCase: boolean },
  descending: boolean,
): ResourceDoc[] {
  const key = (d: ResourceDoc) => {
    const v = valueAt(d, sort.path);
    return typeof v === "string" && sort.foldCase ? v.toLowerCase() : v;
  };
  const sorted = docs
    .map((d) => ({ d, k: key(d) }))
    .sort((a, b) => {
      if (a.k === undefined || a.k === null) return b.k === undefined || b.k === null ? cmp(a.d.id, b.d.id) : 1;
      if (b.k === undefined || b.k === null) return -1;
      return cmp(a.k, b.k) || cmp(a.d.id, b.d.id);
    })
    .map((x) => x.d);
  return descending ? sorted.reverse() : sorted;
}

export const versionOf = (doc: { _etag?: string }) => `W/"${(doc._etag ?? "").replace(/"/g, "")}"`;

export function metaOf(doc: ResourceDoc): ResourceMeta {
  return { id: doc.id, created: doc.meta.created, lastModified: doc.meta.lastModified, version: versionOf(doc) };
}

export const strip = ({ id, tenantId, kind, resource, meta, product }: ResourceDoc): ResourceDoc => ({
  id,
  tenantId,
  kind,
  resource,
  meta,
  ...(product ? { product } : {}),
});

/** A document as read, without the store's system properties (_etag, _ts, _rid, ...). */
const withoutSystemFields = (doc: ResourceDoc): Record<string, unknown> =>
  Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith("_")));

/** Cosmos DB ids are at most 255 characters and cannot contain / \\ ? or #. */
const storableId = (id: string) => id.length > 0 && id.length <= 200 && !/[/\\?#]/.test(id) && id.trim() === id;

/** Users and Groups of every tenant with their lookup records, in one container partitioned by tenant. */
export class ResourceStore {
  /** Where served index pages ended, per query (this process only): see keysetPage. */
  readonly anchors = new AnchorCache();

  constructor(
    private readonly container: Container,
    private readonly memberships: MembershipStore,
    /** Where the outbox events of writes are delivered (see audit-log.ts). */
    private readonly auditLog?: AuditLogStore,
    /** Told when a write landed with provisioning events (event-feed.ts). */
    private readonly signal?: EventSignal,
  ) {}

  /** One point read. An id the store could not hold (ours are UUIDs) is simply not found. */
  async get(tenantId: string, type: ResourceTypeName, id: string): Promise<ResourceDoc | undefined> {
    if (!storableId(id)) return undefined;
    const doc = await read(() => this.container.item(id, tenantId).read<ResourceDoc>());
    return doc && doc.kind === type && doc.tenantId === tenantId ? doc : undefined;
  }

  /** Like `get`, but a missing resource is NotFoundError. */
  async require(tenantId: string, type: ResourceTypeName, id: string): Promise<ResourceDoc> {
    const doc = await this.get(tenantId, type, id);
    if (!doc) throw new NotFoundError(`${type} ${id}`);
    return doc;
  }

  /** Finds the resource holding a unique value (userName, displayName, externalId): two point reads. */
  async findBy(
    tenantId: string,
    type: ResourceTypeName,
    attribute: string,
    value: string,
  ): Promise<ResourceDoc | undefined> {
    const def = lookupDef(type, attribute);
    if (!def) throw new Error(`${attribute} is not a lookup attribute of ${type}`);
    const normalised = normalise(value, def.caseExact);
    const lookup = await read(() =>
      this.container.item(lookupId(type, attribute, normalised), tenantId).read<LookupDoc>(),
    );
    if (!lookup || lookup.tenantId !== tenantId) return undefined;
    const doc = await this.get(tenantId, type, lookup.target);
    return doc && lookupValue(doc.resource, attribute, def.caseExact) === normalised ? doc : undefined;
  }

  /**
   * Filtered, sorted, paged query (RFC 7644 §3.4.2). Entra's matching lookups (`userName eq`,
   * `externalId eq`, `displayName eq`, `id eq`) are answered from lookup records; anything else is
   * one parameterised count query plus one page query.
   */
  async query(tenantId: string, type: ResourceTypeName, q: ListQuery): Promise<ListPage> {
    const direct = q.filter ? directLookup(q.filter, type) : undefined;
    if (direct) {
      const doc =
        direct.attribute === "id"
          ? await this.get(tenantId, type, direct.value)
          : await this.findBy(tenantId, type, direct.attribute, direct.value);
      const docs = doc ? [doc] : [];
      return {
        total: docs.length,
        docs: docs.slice(q.startIndex - 1, q.startIndex - 1 + q.count),
        more: q.startIndex - 1 + q.count < docs.length,
      };
    }
    const parameters: SqlParameter[] = [
      { name: "@tenantId", value: tenantId },
      { name: "@kind", value: type },
    ];
    let where = TENANT_KIND;
    if (q.filter) {
      const sql = filterToSql(q.filter, type);
      where += ` AND ${sql.where}`;
      parameters.push(...(sql.parameters as SqlParameter[]));
      for (const lookup of sql.memberLookups) {
        parameters.push({ name: lookup.param, value: await this.memberships.groupsOf(tenantId, lookup.userId) });
      }
    }
    const sort = q.sortBy ? resolveSortBy(q.sortBy, type) : undefined;
    if (q.after === undefined && q.startIndex > MAX_START_INDEX)
      throw new PageTooDeepError(q.startIndex, MAX_START_INDEX);
    const count = async () =>
      (await this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters))[0] ?? 0;
    if (!sort) return this.keysetPage(tenantId, type, where, parameters, q, count);
    // Sorted in memory: read at most one match more than can be sorted, and count them on the way.
    const all = await this.select<ResourceDoc>(tenantId, `SELECT TOP @top * FROM c WHERE ${where}`, [
      ...parameters,
      { name: "@top", value: MAX_SORTED + 1 },
    ]);
    if (all.length > MAX_SORTED) throw new QueryTooLargeError(await count(), MAX_SORTED);
    const sorted = sortDocs(all, sort, q.descending === true);
    const from = q.startIndex - 1;
    return { total: all.length, docs: sorted.slice(from, from + q.count), more: from + q.count < all.length };
  }

  /**
   * A page of an unsorted list, in id order, by keyset: `c.id > @after ORDER BY c.id` (descending:
   * `<` and DESC), so its cost does not grow with its depth. A cursor names `after`. An index page
   * continues where this process remembers a page of the same query ending at startIndex - 1 (one
   * page query); otherwise it starts from the nearest remembered end below (or the start) and skips
   * the rest of the gap reading ids only. One match more than the page tells whether more follow.
   * The count query runs unless the page read every match from the first one.
   */
  private async keysetPage(
    tenantId: string,
    type: ResourceTypeName,
    where: string,
    parameters: SqlParameter[],
    q: ListQuery,
    count: () => Promise<number>,
  ): Promise<ListPage> {
    const skip = q.startIndex - 1;
    if (q.count === 0) {
      const total = await count();
      return { total, docs: [], more: skip < total };
    }
    const order = q.descending ? "DESC" : "ASC";
    const from = (after: string | undefined) =>
      after === undefined ? `WHERE ${where}` : `WHERE ${where} AND c.id ${q.descending ? "<" : ">"} @pageAfter`;
    const bind = (after: string | undefined, top: number): SqlParameter[] => [
      ...parameters,
      { name: "@pageTop", value: top },
      ...(after === undefined ? [] : [{ name: "@pageAfter", value: after }]),
    ];
    const key = anchorQueryKey(tenantId, type, where, parameters, order);
    let after = q.after;
    if (after === undefined && skip > 0) {
      const anchor = this.anchors.nearest(key, skip);
      after = anchor?.id;
      const gap = skip - (anchor?.position ?? 0);
      if (gap > 0) {
        const ids = await this.select<string>(
          tenantId,
          `SELECT TOP @pageTop VALUE c.id FROM c ${from(after)} ORDER BY c.id ${order}`,
          bind(after, gap),
          SKIP_ITEMS,
        );
        if (ids.length < gap) return { total: await count(), docs: [], more: false };
        after = ids[gap - 1]!;
        this.anchors.remember(key, skip, after);
      }
    }
    const fetched = await this.select<ResourceDoc>(
      tenantId,
      `SELECT TOP @pageTop * FROM c ${from(after)} ORDER BY c.id ${order}`,
      bind(after, q.count + 1),
    );
    const more = fetched.length > q.count;
    const docs = more ? fetched.slice(0, q.count) : fetched;
    if (q.after === undefined && docs.length > 0)
      this.anchors.remember(key, skip + docs.length, docs[docs.length - 1]!.id);
    const total = !more && after === undefined ? docs.length : await count();
    return { total, docs, more };
  }

  /**
   * Writes one resource document with its lookup records and its log event in one transactional
   * batch: a create, a replace guarded by the ETag of `before`, or (`remove`) a delete guarded the
   * same way. StaleWriteError when the document changed meanwhile; ConflictError when a unique
   * value is taken. Returns the document as written (with its new ETag).
   */
  async write(w: ResourceWrite): Promise<ResourceDoc> {
    return this.commit(w.next, w.before, !w.before ? "create" : w.remove ? "delete" : "replace", w.event, w.events);
  }

  /**
   * Marks a resource as modified (new lastModified and version) without a version check: used when
   * only a group's members change, so concurrent member changes do not compete for the group document.
   */
  async touch(
    tenantId: string,
    type: ResourceTypeName,
    id: string,
    now: Date,
    ifMatch?: ResourceDoc,
  ): Promise<ResourceDoc> {
    try {
      const { resource } = await this.container
        .item(id, tenantId)
        .patch<ResourceDoc>(
          [{ op: "set", path: "/meta/lastModified", value: now.toISOString() }],
          ifMatch ? { accessCondition: { type: "IfMatch", condition: ifMatch._etag! } } : undefined,
        );
      if (resource?.kind === type) return resource;
    } catch (error) {
      if (cosmosStatus(error) === 412) throw new PreconditionFailedError(`${type} ${id}`);
      if (cosmosStatus(error) !== 404) throw fromCosmos(error);
    }
    throw new NotFoundError(`${type} ${id}`);
  }

  /** Several resources by id, in one bulk read per 100 (missing ids are left out; a failed read is an error). */
  async getMany(tenantId: string, type: ResourceTypeName, ids: string[]): Promise<ResourceDoc[]> {
    const kinds = await this.readMany(tenantId, ids);
    return [...kinds.values()].filter((d): d is ResourceDoc => d !== undefined && d.kind === type);
  }

  /** Each id's document (undefined: genuinely not there), by bulk point reads. Any other failure throws. */
  async readMany(tenantId: string, ids: string[]): Promise<Map<string, ResourceDoc | undefined>> {
    const unique = [...new Set(ids)];
    const storable = unique.filter(storableId);
    const results = await bulk(
      this.container,
      storable.map((id) => ({ operationType: "Read", id, partitionKey: tenantId }) as OperationInput),
    );
    const out = new Map<string, ResourceDoc | undefined>(unique.map((id) => [id, undefined]));
    results.forEach((r, i) => {
      if (r.statusCode === 404) return;
      if (r.statusCode !== 200)
        throw fromCosmos({ code: r.statusCode, substatus: r.substatus, retryAfterInMs: r.retryAfterMs });
      const doc = r.resourceBody as unknown as ResourceDoc;
      if (doc.tenantId === tenantId) out.set(storable[i]!, doc);
    });
    return out;
  }

  /**
   * Sets fields of a user's product state (a role, an object ID set by hand), touching nothing
   * else: no SCIM attribute and no other product field, so concurrent writers keep theirs. With
   * `ifMatch`, only if the user is unchanged since `user` was read (PreconditionFailedError else).
   * With `event` (a role change: operations/plans.ts roleEvent) the user and its event are written
   * in one transactional batch instead of a patch.
   */
  async setProductFields(
    tenantId: string,
    user: ResourceDoc,
    fields: StoredProduct,
    options: { ifMatch?: boolean; event?: EventDoc } = {},
  ): Promise<void> {
    if (options.event) return this.setProductWithEvent(tenantId, user, fields, !!options.ifMatch, options.event);
    const ops = user.product
      ? Object.entries(fields).map(([k, value]) =>
          value === undefined
            ? { op: "remove" as const, path: `/product/${k}` }
            : { op: "set" as const, path: `/product/${k}`, value: value as JSONObject },
        )
      : [
          {
            op: "set" as const,
            path: "/product",
            value: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as JSONObject,
          },
        ];
    const present = user.product
      ? ops.filter((o) => o.op === "set" || (user.product as StoredProduct)[o.path.slice(9)] !== undefined)
      : ops;
    if (present.length === 0) return;
    try {
      await this.container
        .item(user.id, tenantId)
        .patch(
          present,
          options.ifMatch && user._etag ? { accessCondition: { type: "IfMatch", condition: user._etag } } : undefined,
        );
    } catch (error) {
      if (cosmosStatus(error) === 412) throw new PreconditionFailedError(`User ${user.id}`);
      throw fromCosmos(error);
    }
  }

  /**
   * The user with `fields` merged into its product state, replaced together with its event in one
   * transactional batch. Without `ifMatch` a user changed since it was read is read again and the
   * fields merged into the new version (a patch would do the same), up to 5 times.
   */
  private async setProductWithEvent(
    tenantId: string,
    user: ResourceDoc,
    fields: StoredProduct,
    ifMatch: boolean,
    event: EventDoc,
  ): Promise<void> {
    let doc: ResourceDoc | undefined = user;
    for (let attempt = 1; doc; attempt++) {
      const merged = Object.fromEntries(
        Object.entries({ ...(doc.product ?? {}), ...fields }).filter(([, v]) => v !== undefined),
      );
      const ops: OperationInput[] = [
        {
          operationType: "Replace",
          id: doc.id,
          partitionKey: tenantId,
          ...(doc._etag ? { ifMatch: doc._etag } : {}),
          resourceBody: { ...withoutSystemFields(doc), product: merged } as JSONObject,
        },
        { operationType: "Create", partitionKey: tenantId, resourceBody: event as unknown as JSONObject },
      ];
      const status = await this.sendBatch(tenantId, ops);
      if (status === undefined) return this.signal?.written(tenantId);
      if (status !== 412) throw status === 404 ? new NotFoundError(`User ${user.id}`) : fromCosmos({ code: status });
      if (ifMatch || attempt >= 5) throw new PreconditionFailedError(`User ${user.id}`);
      doc = await this.get(tenantId, "User", user.id);
    }
    throw new NotFoundError(`User ${user.id}`);
  }

  /**
   * Writes documents of one tenant's partition in one transactional batch (at most 100): all land
   * or none does. Each write carries its precondition: a create fails if the id is taken, a delete
   * if the document is gone, a replace unless the document is unchanged since `before` was read
   * (its ETag). A failed precondition is StaleWriteError, and the caller loads and plans again
   * (operations/retry.ts); any other failure is its typed error, never read as "done".
   */
  async writeBatch(tenantId: string, writes: DocWrite[]): Promise<void> {
    if (writes.length === 0) return;
    if (writes.length > 100) throw new Error(`A transactional batch takes 100 writes, not ${writes.length}.`);
    const ops = writes.map((w): OperationInput =>
      "create" in w
        ? { operationType: "Create", partitionKey: tenantId, resourceBody: w.create as unknown as JSONObject }
        : "delete" in w
          ? { operationType: "Delete", id: w.delete, partitionKey: tenantId }
          : {
              operationType: "Replace",
              id: w.before.id,
              partitionKey: tenantId,
              ...(w.before._etag ? { ifMatch: w.before._etag } : {}),
              resourceBody: withoutSystemFields(w.replace) as JSONObject,
            },
    );
    const at = { index: -1 };
    const status = await this.sendBatch(tenantId, ops, at);
    if (status === undefined) {
      if (writes.some((w) => "create" in w && w.create.kind === "Event")) await this.signal?.written(tenantId);
      return;
    }
    const failed = writes[at.index];
    if (failed && (status === 409 || status === 404 || status === 412))
      throw new StaleWriteError(
        "create" in failed ? String(failed.create.id) : "delete" in failed ? failed.delete : failed.before.id,
      );
    throw fromCosmos({ code: status });
  }

  /** Sends one transactional batch: undefined when it landed, else the status of the operation that failed it. */
  private async sendBatch(
    tenantId: string,
    ops: OperationInput[],
    failedAt?: { index: number },
  ): Promise<number | undefined> {
    const response = await callBatch(() => this.container.items.batch(ops, tenantId));
    const results = response.result ?? [];
    const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
    if (failed < 0 && results.length === ops.length) return undefined;
    if (failedAt) failedAt.index = failed;
    return failed >= 0 ? results[failed]!.statusCode : (response.code ?? 503);
  }

  /**
   * Sets the product state of many users in bulk (100 per round trip), each write guarded by the
   * user's ETag: the whole document as read, with `product` replaced, only if it is unchanged
   * since. Returns the ids of users that changed meanwhile (412; the caller reads them again); a
   * user gone meanwhile (404) has nothing to set. Any other failure throws. Users whose role
   * changes carry their `role.changed` event: those are written in transactional batches of 50
   * users and their 50 events, so each event lands with its user's write.
   */
  async setProductMany(
    tenantId: string,
    changes: { user: ResourceDoc; product: StoredProduct; event?: EventDoc }[],
  ): Promise<string[]> {
    const changed = await this.setProductManyWithEvents(
      tenantId,
      changes.filter((c) => c.event),
    );
    const ops = changes
      .filter((c) => !c.event)
      .map(
        ({ user, product }) =>
          ({
            operationType: "Replace",
            id: user.id,
            partitionKey: tenantId,
            ifMatch: user._etag,
            resourceBody: { ...withoutSystemFields(user), product } as JSONObject,
          }) as OperationInput,
      );
    const plain = changes.filter((c) => !c.event);
    (await bulk(this.container, ops)).forEach((r, i) => {
      if (r.statusCode === 412) changed.push(plain[i]!.user.id);
      else if (r.statusCode >= 300 && r.statusCode !== 404)
        throw fromCosmos({ code: r.statusCode, substatus: r.substatus, retryAfterInMs: r.retryAfterMs });
    });
    return changed;
  }

  /** setProductMany's users with events: batches of 50 users and their events; a user changed (412) or gone (404) is left out of the batch, which is sent again. */
  private async setProductManyWithEvents(
    tenantId: string,
    changes: { user: ResourceDoc; product: StoredProduct; event?: EventDoc }[],
  ): Promise<string[]> {
    const changed: string[] = [];
    for (let i = 0; i < changes.length; i += 50) {
      let chunk = changes.slice(i, i + 50);
      while (chunk.length) {
        const ops = chunk.flatMap(({ user, product, event }): OperationInput[] => [
          {
            operationType: "Replace",
            id: user.id,
            partitionKey: tenantId,
            ifMatch: user._etag,
            resourceBody: { ...withoutSystemFields(user), product } as JSONObject,
          },
          { operationType: "Create", partitionKey: tenantId, resourceBody: event as unknown as JSONObject },
        ]);
        const at = { index: -1 };
        const status = await this.sendBatch(tenantId, ops, at);
        if (status === undefined) break;
        if ((status !== 412 && status !== 404) || at.index < 0 || at.index % 2 === 1)
          throw fromCosmos({ code: status });
        const user = chunk[at.index / 2]!.user;
        if (status === 412) changed.push(user.id);
        chunk = chunk.filter((c) => c.user !== user);
      }
    }
    if (changes.length) await this.signal?.written(tenantId);
    return changed;
  }

  /** How many users of the tenant hold a role (the last-Admin rule); `activeOnly` leaves out disconnected users. */
  async countRole(tenantId: string, role: string, activeOnly = false): Promise<number> {
    const active = activeOnly ? " AND (NOT IS_DEFINED(c.resource.active) OR c.resource.active = true)" : "";
    const rows = await this.select<number>(
      tenantId,
      `SELECT VALUE COUNT(1) FROM c WHERE ${TENANT_KIND} AND c.product.role = @role${active}`,
      [
        { name: "@tenantId", value: tenantId },
        { name: "@kind", value: "User" },
        { name: "@role", value: role },
      ],
    );
    return rows[0] ?? 0;
  }

  /**
   * How many active users of the tenant have a password, an Entra object ID, and both (what
   * switching a login type off affects). Users stored before the product state existed are not
   * counted (they have neither until they are next written).
   */
  async countLoginMethods(tenantId: string): Promise<{ password: number; entra: number; both: number }> {
    const active = "(NOT IS_DEFINED(c.resource.active) OR c.resource.active = true)";
    const count = async (condition: string) =>
      (
        await this.select<number>(
          tenantId,
          `SELECT VALUE COUNT(1) FROM c WHERE ${TENANT_KIND} AND ${active} AND ${condition}`,
          [
            { name: "@tenantId", value: tenantId },
            { name: "@kind", value: "User" },
          ],
        )
      )[0] ?? 0;
    const password = "c.product.password = true";
    const entra = "IS_STRING(c.product.objectId)";
    const [p, e, both] = await Promise.all([count(password), count(entra), count(`${password} AND ${entra}`)]);
    return { password: p, entra: e, both };
  }

  /** Users of the tenant holding a role (the Admins page), at most `limit`, by id. */
  async usersWithRole(tenantId: string, role: string, limit = 1000): Promise<ResourceDoc[]> {
    return this.select<ResourceDoc>(
      tenantId,
      `SELECT TOP @top * FROM c WHERE ${TENANT_KIND} AND c.product.role = @role ORDER BY c.id`,
      [
        { name: "@tenantId", value: tenantId },
        { name: "@kind", value: "User" },
        { name: "@role", value: role },
        { name: "@top", value: limit },
      ],
    );
  }

  /** Users (or, with `kind` "DeletedUser", deleted users still kept) whose product state carries an Entra object ID (at most `limit`). */
  async usersWithObjectId(
    tenantId: string,
    objectId: string,
    limit = 10,
    kind: "User" | "DeletedUser" = "User",
  ): Promise<ResourceDoc[]> {
    return this.select<ResourceDoc>(
      tenantId,
      `SELECT TOP @top * FROM c WHERE ${TENANT_KIND} AND c.product.objectId = @oid`,
      [
        { name: "@tenantId", value: tenantId },
        { name: "@kind", value: kind },
        { name: "@oid", value: objectId },
        { name: "@top", value: limit },
      ],
    );
  }

  /**
   * Object IDs that more than one user of the tenant carries (sign-in refuses those users), with
   * the users' ids; at most `limit` object IDs. One projected query over the tenant's users.
   */
  async objectIdConflicts(tenantId: string, limit = 50): Promise<{ objectId: string; userIds: string[] }[]> {
    const rows = await this.select<{ id: string; objectId: string }>(
      tenantId,
      `SELECT c.id, c.product.objectId AS objectId FROM c WHERE ${TENANT_KIND} AND IS_DEFINED(c.product.objectId)`,
      [
        { name: "@tenantId", value: tenantId },
        { name: "@kind", value: "User" },
      ],
    );
    const byOid = new Map<string, string[]>();
    for (const row of rows)
      if (typeof row.objectId === "string")
        byOid.set(row.objectId.toLowerCase(), [...(byOid.get(row.objectId.toLowerCase()) ?? []), row.id]);
    return [...byOid]
      .filter(([, ids]) => ids.length > 1)
      .slice(0, limit)
      .map(([objectId, userIds]) => ({ objectId, userIds: userIds.sort() }));
  }

  /**
   * The admin portal's users list (or deleted users): a page of matches in a fixed sort order and
   * the count of all matches. `text` (already case-folded) is a substring of the lower-cased copies
   * of userName, displayName, name parts and externalId, of the Object ID, or of the id: CONTAINS,
   * which no index seeks, so both queries scan the index of the tenant's users (never other
   * tenants'). The page reads ids only, `skip + count` of them in order, then the page's documents.
   */
  async searchUsers(tenantId: string, q: UserSearch): Promise<{ total: number; docs: ResourceDoc[] }> {
    const parameters: SqlParameter[] = [
      { name: "@tenantId", value: tenantId },
      { name: "@kind", value: q.kind },
    ];
    let where = TENANT_KIND;
    if (q.text) {
      parameters.push({ name: "@text", value: q.text });
      const fields = [
        "c.norm.userName",
        "c.norm.displayName",
        "c.norm.name.formatted",
        "c.norm.name.givenName",
        "c.norm.name.familyName",
      ];
      where += ` AND (${[...fields, "c.norm.externalId", "c.product.objectId", "c.id"].map((f) => `CONTAINS(${f}, @text)`).join(" OR ")})`;
    }
    if (q.active === true) where += " AND (NOT IS_DEFINED(c.resource.active) OR c.resource.active = true)";
    if (q.active === false) where += " AND c.resource.active = false";
    if (q.role) {
      parameters.push({ name: "@role", value: q.role.role });
      where += q.role.orUnset
        ? " AND (c.product.role = @role OR NOT IS_DEFINED(c.product.role))"
        : " AND c.product.role = @role";
    }
    if (q.ids) {
      parameters.push({ name: "@ids", value: q.ids });
      where += " AND ARRAY_CONTAINS(@ids, c.id)";
    }
    const path = { userName: "c.norm.userName", created: "c.meta.created", lastModified: "c.meta.lastModified" }[
      q.sortBy
    ];
    const [total, ids] = await Promise.all([
      this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters).then(
        (rows) => rows[0] ?? 0,
      ),
      this.select<string>(
        tenantId,
        `SELECT TOP @top VALUE c.id FROM c WHERE ${where} ORDER BY ${path} ${q.descending ? "DESC" : "ASC"}`,
        [...parameters, { name: "@top", value: q.skip + q.count }],
      ),
    ]);
    const page = ids.slice(q.skip);
    const docs = await this.readMany(tenantId, page);
    return {
      total,
      docs: page.map((id) => docs.get(id)).filter((d): d is ResourceDoc => d !== undefined && d.kind === q.kind),
    };
  }

  /** One query inside the tenant's partition. The WHERE clause always names the tenant as well:
   * the embedded store ignores the partition key option of queries. */
  private async select<T>(
    tenantId: string,
    query: string,
    parameters: SqlParameter[],
    maxItemCount = PAGE_ITEMS,
  ): Promise<T[]> {
    return idempotent(() =>
      call(
        async () =>
          (
            await this.container.items
              .query<T>({ query, parameters }, { partitionKey: tenantId, maxItemCount })
              .fetchAll()
          ).resources,
      ),
    );
  }

  /**
   * Writes a resource document together with its lookup records in one transactional batch:
   * new lookups first (Create: a taken value fails the batch), then the document (guarded by its
   * ETag), then the lookups of values it no longer holds, then the log event. A lost race on the
   * document is StaleWriteError. A lookup in the way is a fact to learn (a stale record to take
   * over, one already gone), after which the batch is sent again; each such fact is learnt once.
   */
  private async commit(
    doc: ResourceDoc,
    before: ResourceDoc | undefined,
    mode: "create" | "replace" | "delete",
    event?: OutboxDoc,
    events: EventDoc[] = [],
  ): Promise<ResourceDoc> {
    const tenantId = doc.tenantId;
    const oldKeys = before
      ? lookupsOf(before.kind, before.resource)
      : new Map<string, { attribute: string; value: string }>();
    const newKeys =
      mode === "delete" ? new Map<string, { attribute: string; value: string }>() : lookupsOf(doc.kind, doc.resource);
    const takeovers = new Map<string, string>();
    const skipDeletes = new Set<string>();
    const learnt = new Set<string>();
    for (;;) {
      const entries = this.batchOf(doc, before, mode, newKeys, oldKeys, takeovers, skipDeletes, event, events);
      const response = await callBatch(() =>
        this.container.items.batch(
          entries.map((e) => e.op),
          tenantId,
        ),
      );
      const results = response.result ?? [];
      const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
      if (failed < 0) {
        if (results.length < entries.length) throw fromCosmos({ code: response.code ?? 503 });
        // The change and its event have landed together; moving the event to the log may fail
        // without harm: the log reads the outbox too, and the audit-outbox timer delivers it.
        if (event) await this.auditLog?.deliver(tenantId, [event]).catch(() => undefined);
        if (events.length) await this.signal?.written(tenantId);
        const written = results[entries.findIndex((e) => e.role === "doc")];
        return mode === "delete"
          ? doc
          : { ...doc, _etag: written?.eTag ?? (written?.resourceBody?._etag as string | undefined) };
      }
      const status = results[failed]!.statusCode;
      const { role, key } = entries[failed]!;
      if (status !== 404 && status !== 409 && status !== 412) throw fromCosmos({ code: status });
      if (role === "doc") throw new StaleWriteError(`${doc.kind} ${doc.id}`);
      if (role === "event" || (role === "unlookup" && status !== 404)) throw fromCosmos({ code: status });
      // The same lookup in the way twice: another writer is moving it; read everything again.
      if (learnt.has(`${role}:${key}:${status}`)) throw new StaleWriteError(`${doc.kind} ${doc.id}`);
      learnt.add(`${role}:${key}:${status}`);
      if (role === "unlookup") skipDeletes.add(key!);
      else await this.resolveTakenLookup(doc, key!, newKeys.get(key!)!, takeovers);
    }
  }

  /** The operations of one commit attempt, each with what it writes (to tell which one failed). */
  private batchOf(
    doc: ResourceDoc,
    before: ResourceDoc | undefined,
    mode: "create" | "replace" | "delete",
    newKeys: Map<string, { attribute: string; value: string }>,
    oldKeys: Map<string, { attribute: string; value: string }>,
    takeovers: Map<string, string>,
    skipDeletes: Set<string>,
    event: OutboxDoc | undefined,
    events: EventDoc[],
  ): { op: OperationInput; role: "lookup" | "doc" | "unlookup" | "event"; key?: string }[] {
    const tenantId = doc.tenantId;
    const entries: { op: OperationInput; role: "lookup" | "doc" | "unlookup" | "event"; key?: string }[] = [];
    for (const [key, { attribute, value }] of newKeys) {
      if (oldKeys.has(key)) continue;
      const body: LookupDoc = {
        id: key,
        tenantId,
        kind: "Lookup",
        resource: {},
        norm: {},
        target: doc.id,
        attribute,
        value,
      };
      const etag = takeovers.get(key);
      const op: OperationInput = etag
        ? { operationType: "Replace", id: key, partitionKey: tenantId, resourceBody: { ...body }, ifMatch: etag }
        : { operationType: "Create", partitionKey: tenantId, resourceBody: { ...body } };
      entries.push({ op, role: "lookup", key });
    }
    // The normalised copy that case-insensitive filters compare (filter-sql.ts), rewritten with every write.
    const body = { ...doc, norm: normalisedCopy(doc.resource) } as unknown as JSONObject;
    const op: OperationInput =
      mode === "create"
        ? { operationType: "Create", partitionKey: tenantId, resourceBody: body }
        : mode === "replace"
          ? { operationType: "Replace", id: doc.id, partitionKey: tenantId, resourceBody: body, ifMatch: before!._etag }
          : // The SDK passes ifMatch through on Delete too; its type just does not declare it.
            ({ operationType: "Delete", id: doc.id, partitionKey: tenantId, ifMatch: before!._etag } as OperationInput);
    entries.push({ op, role: "doc" });
    for (const key of oldKeys.keys()) {
      if (newKeys.has(key) || skipDeletes.has(key)) continue;
      entries.push({ op: { operationType: "Delete", id: key, partitionKey: tenantId }, role: "unlookup", key });
    }
    if (event)
      entries.push({
        op: { operationType: "Create", partitionKey: tenantId, resourceBody: event as unknown as JSONObject },
        role: "event",
      });
    for (const e of events)
      entries.push({
        op: { operationType: "Create", partitionKey: tenantId, resourceBody: e as unknown as JSONObject },
        role: "event",
      });
    return entries;
  }

  /** A lookup record exists for a value this write claims: ConflictError if its holder still has it, else take it over. */
  private async resolveTakenLookup(
    doc: ResourceDoc,
    key: string,
    claim: { attribute: string; value: string },
    takeovers: Map<string, string>,
  ): Promise<void> {
    let lookup: LookupDoc | undefined;
    let etag: string | undefined;
    try {
      ({ resource: lookup, etag } = await this.container.item(key, doc.tenantId).read<LookupDoc>());
    } catch (error) {
      if (cosmosStatus(error) !== 404) throw fromCosmos(error);
    }
    if (!lookup) {
      takeovers.delete(key);
      return;
    }
    if (lookup.target !== doc.id) {
      const holder = await this.get(doc.tenantId, doc.kind as ResourceTypeName, lookup.target);
      const caseExact = LOOKUPS[doc.kind]!.find((l) => l.attribute === claim.attribute)!.caseExact;
      if (holder && lookupValue(holder.resource, claim.attribute, caseExact) === claim.value) {
        throw new ConflictError(doc.kind, claim.attribute, String(doc.resource[claim.attribute]), holder.id, caseExact);
      }
    }
    takeovers.set(key, etag!);
  }
}

function directLookup(filter: Filter, type: ResourceTypeName): { attribute: string; value: string } | undefined {
  if (filter.kind !== "compare" || filter.op !== "eq" || typeof filter.value !== "string") return undefined;
  const resolved = resolveAttribute(type, filter.attrPath);
  if (!resolved || resolved.subAttribute || resolved.schema !== "") return undefined;
  const name = resolved.attribute.name;
  if (name === "id" || LOOKUPS[type]!.some((l) => l.attribute === name))
    return { attribute: name, value: filter.value };
  return undefined;
}
