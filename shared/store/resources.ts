import { createHash, randomUUID } from "node:crypto";
import type { Container, JSONObject, OperationInput, SqlParameter } from "@azure/cosmos";
import type { Filter } from "../scim/filter.js";
import type { ResourceTypeName } from "../scim/schemas.js";
import { resolveAttribute } from "../scim/schemas.js";
import type { ResourceMeta, WireResource } from "../scim/resource.js";
import type { ProductUser } from "../product/provisioning.js";
import { ScimError, badRequest, conflict, notFound, preconditionFailed } from "../scim/errors.js";
import { filterToSql, resolveSortBy } from "./filter-sql.js";
import { isNotFound, isPreconditionFailed } from "./errors.js";

/** A User or Group as stored: one document per resource in the tenant's partition. */
export interface ResourceDoc {
  id: string;
  tenantId: string;
  /** "DeletedUser": a user removed through SCIM, kept for the tenant's retention period, then purged by TTL. */
  kind: ResourceTypeName | "DeletedUser";
  resource: WireResource;
  meta: { created: string; lastModified: string };
  /** The product's own state of a user (login, role); see shared/product/provisioning.ts. */
  product?: ProductUser;
  deletedAt?: string;
  /** Groups a deleted user was a member of. */
  formerGroups?: string[];
  ttl?: number;
  _etag?: string;
}

export type AuditOperation = "create" | "replace" | "patch" | "delete" | "role-conflict";

/** One provisioning-log event (never a secret: tokens appear by name and id only). */
export interface AuditEvent {
  id: string;
  time: string;
  tokenName: string;
  tokenId: string;
  operation: AuditOperation;
  resourceType: string;
  resourceId?: string;
  changedAttributes: string[];
  status: number;
  detail?: string;
  members?: { added: number; removed: number };
}

/** What a write needs to log itself: the store fills in resource, changed attributes and id. */
export interface AuditDraft {
  time: string;
  tokenName: string;
  tokenId: string;
  operation: AuditOperation;
  status: number;
  ttlSeconds: number;
}

export interface WriteOptions {
  now: Date;
  /** Logged in the same transactional batch as the write, so a change and its log entry land together. */
  audit?: AuditDraft;
  /** The product state to store with a User, from its new attributes (identity linking). */
  product?: (resource: WireResource, current: ProductUser | undefined, before: WireResource | undefined) => ProductUser;
}

/** One group membership: its own document, so changing members never rewrites a large group. */
interface MemberDoc {
  id: string;
  tenantId: string;
  kind: "Member";
  resource: Record<string, never>;
  groupId: string;
  userId: string;
  created: string;
}

/*
 * Member and Lookup documents carry an empty `resource`: the embedded store evaluates a filter's
 * EXISTS(... IN c.resource.emails) subquery on every document before the WHERE clause narrows by
 * kind, and fails on a document without `resource`.
 */

/**
 * A uniqueness/lookup record: maps a normalised userName, displayName or externalId to the
 * resource that holds it, so that Entra's matching lookups are two point reads at any tenant size.
 * A record whose target no longer holds the value is stale and is taken over (see `commit`).
 */
interface LookupDoc {
  id: string;
  tenantId: string;
  kind: "Lookup";
  resource: Record<string, never>;
  target: string;
  attribute: string;
  value: string;
}

export interface ListQuery {
  filter?: Filter;
  sortBy?: string;
  descending?: boolean;
  /** 1-based (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
}

/** Which attributes are unique per tenant, and how they compare. */
const LOOKUPS: Record<string, { attribute: string; caseExact: boolean }[]> = {
  User: [
    { attribute: "userName", caseExact: false },
    { attribute: "externalId", caseExact: true },
  ],
  Group: [
    { attribute: "displayName", caseExact: false },
    { attribute: "externalId", caseExact: true },
  ],
};

/** Attempts of a read-modify-write before giving up with 503; conflicts back off with jitter. */
const MAX_ATTEMPTS = 30;
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 5 * 2 ** attempt)));
const busy = () =>
  new ScimError(503, "The resource is being changed by many requests at once; retry shortly.", undefined, { "Retry-After": "1" });
/** Most matches a sortBy query sorts (in memory); more is 400 tooMany. */
const MAX_SORTED = 5000;

const TENANT_KIND = "c.tenantId = @tenantId AND c.kind = @kind";
const memberParams = (tenantId: string): SqlParameter[] => [
  { name: "@tenantId", value: tenantId },
  { name: "@kind", value: "Member" },
];

function valueAt(doc: unknown, path: string[]): unknown {
  let v = doc;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** RFC 7644 §3.4.2.3: ascending puts resources without a value last; descending is the reverse. */
function sortDocs(docs: ResourceDoc[], sort: { path: string[]; foldCase: boolean }, descending: boolean): ResourceDoc[] {
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

const cmp = (a: unknown, b: unknown) => (a! < b! ? -1 : a! > b! ? 1 : 0);

function lookupValue(resource: WireResource | undefined, attribute: string, caseExact: boolean): string | undefined {
  const value = resource?.[attribute];
  if (typeof value !== "string" || value === "") return undefined;
  return caseExact ? value : value.toLowerCase();
}

function lookupId(type: ResourceTypeName, attribute: string, value: string): string {
  return `lk.${type}.${attribute}.${createHash("sha256").update(value, "utf8").digest("base64url")}`;
}

function lookupsOf(kind: ResourceDoc["kind"], resource: WireResource | undefined): Map<string, { attribute: string; value: string }> {
  const out = new Map<string, { attribute: string; value: string }>();
  for (const { attribute, caseExact } of LOOKUPS[kind] ?? []) {
    const value = lookupValue(resource, attribute, caseExact);
    if (value !== undefined) out.set(lookupId(kind as ResourceTypeName, attribute, value), { attribute, value });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Attributes that differ: top-level names, one level down into singular complex and extension objects. */
export function changedAttributes(before: WireResource | undefined, after: WireResource | undefined): string[] {
  const out: string[] = [];
  const a = before ?? {};
  const b = after ?? {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === "schemas" || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    if (isObject(a[key]) || isObject(b[key])) {
      const x = (isObject(a[key]) ? a[key] : {}) as Record<string, unknown>;
      const y = (isObject(b[key]) ? b[key] : {}) as Record<string, unknown>;
      const sep = key.startsWith("urn:") ? ":" : ".";
      for (const sub of new Set([...Object.keys(x), ...Object.keys(y)])) {
        if (JSON.stringify(x[sub]) !== JSON.stringify(y[sub])) out.push(`${key}${sep}${sub}`);
      }
    } else out.push(key);
  }
  return out.sort();
}

export const versionOf = (doc: { _etag?: string }) => `W/"${(doc._etag ?? "").replace(/"/g, "")}"`;

export function metaOf(doc: ResourceDoc): ResourceMeta {
  return { id: doc.id, created: doc.meta.created, lastModified: doc.meta.lastModified, version: versionOf(doc) };
}

const strip = ({ id, tenantId, kind, resource, meta, product }: ResourceDoc): ResourceDoc => ({
  id,
  tenantId,
  kind,
  resource,
  meta,
  ...(product ? { product } : {}),
});

/** A write the store could not finish because another writer got there first; the caller retries. */
class RetryableConflict extends Error {}

/** Users, Groups, memberships and lookup records of every tenant, in one container partitioned by tenant. */
export class ResourceStore {
  constructor(private readonly container: Container) {}

  /** One point read. An id the store could not hold (ours are UUIDs) is simply not found. */
  async get(tenantId: string, type: ResourceTypeName, id: string): Promise<ResourceDoc | undefined> {
    if (!storableId(id)) return undefined;
    const { resource } = await this.container.item(id, tenantId).read<ResourceDoc>();
    return resource && resource.kind === type && resource.tenantId === tenantId ? resource : undefined;
  }

  async require(tenantId: string, type: ResourceTypeName, id: string): Promise<ResourceDoc> {
    const doc = await this.get(tenantId, type, id);
    if (!doc) throw notFound(`${type} ${id} not found.`);
    return doc;
  }

  /** Finds the resource holding a unique value (userName, displayName, externalId): two point reads. */
  async findBy(tenantId: string, type: ResourceTypeName, attribute: string, value: string): Promise<ResourceDoc | undefined> {
    const def = LOOKUPS[type].find((l) => l.attribute === attribute);
    if (!def) throw new Error(`${attribute} is not a lookup attribute of ${type}`);
    const normalised = def.caseExact ? value : value.toLowerCase();
    const { resource: lookup } = await this.container.item(lookupId(type, attribute, normalised), tenantId).read<LookupDoc>();
    if (!lookup || lookup.tenantId !== tenantId) return undefined;
    const doc = await this.get(tenantId, type, lookup.target);
    return doc && lookupValue(doc.resource, attribute, def.caseExact) === normalised ? doc : undefined;
  }

  /**
   * Filtered, sorted, paged query (RFC 7644 §3.4.2). Entra's matching lookups (`userName eq`,
   * `externalId eq`, `displayName eq`, `id eq`) are answered from lookup records; anything else is
   * one parameterised count query plus one page query.
   */
  async query(tenantId: string, type: ResourceTypeName, q: ListQuery): Promise<{ total: number; docs: ResourceDoc[] }> {
    const direct = q.filter ? this.directLookup(q.filter, type) : undefined;
    if (direct) {
      const doc =
        direct.attribute === "id"
          ? await this.get(tenantId, type, direct.value)
          : await this.findBy(tenantId, type, direct.attribute, direct.value);
      const docs = doc ? [doc] : [];
      return { total: docs.length, docs: docs.slice(q.startIndex - 1, q.startIndex - 1 + q.count) };
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
        parameters.push({ name: lookup.param, value: await this.groupsOf(tenantId, lookup.userId) });
      }
    }
    const sort = q.sortBy ? resolveSortBy(q.sortBy, type) : undefined;
    const total = (await this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters))[0] ?? 0;
    if (total < q.startIndex || q.count === 0) return { total, docs: [] };
    if (!sort) {
      const top = Math.min(q.startIndex - 1 + q.count, total);
      const docs = await this.select<ResourceDoc>(tenantId, `SELECT TOP @top * FROM c WHERE ${where} ORDER BY c.id ${q.descending ? "DESC" : "ASC"}`, [
        ...parameters,
        { name: "@top", value: top },
      ]);
      return { total, docs: docs.slice(q.startIndex - 1) };
    }
    if (total > MAX_SORTED) {
      throw badRequest("tooMany", `sortBy over ${total} matching resources is not supported (at most ${MAX_SORTED}); narrow the filter or leave out sortBy.`);
    }
    const all = await this.select<ResourceDoc>(tenantId, `SELECT * FROM c WHERE ${where}`, parameters);
    const sorted = sortDocs(all, sort, q.descending === true);
    return { total, docs: sorted.slice(q.startIndex - 1, q.startIndex - 1 + q.count) };
  }

  /** One query inside the tenant's partition. The WHERE clause always names the tenant as well:
   * the embedded store ignores the partition key option of queries. */
  private async select<T>(tenantId: string, query: string, parameters: SqlParameter[]): Promise<T[]> {
    const { resources } = await this.container.items.query<T>({ query, parameters }, { partitionKey: tenantId }).fetchAll();
    return resources;
  }

  private directLookup(filter: Filter, type: ResourceTypeName): { attribute: string; value: string } | undefined {
    if (filter.kind !== "compare" || filter.op !== "eq" || typeof filter.value !== "string") return undefined;
    const resolved = resolveAttribute(type, filter.attrPath);
    if (!resolved || resolved.subAttribute || resolved.schema !== "") return undefined;
    const name = resolved.attribute.name;
    if (name === "id" || LOOKUPS[type].some((l) => l.attribute === name)) return { attribute: name, value: filter.value };
    return undefined;
  }

  /** Creates a resource; 409 uniqueness when a unique value is taken. One batch on the happy path. */
  async create(tenantId: string, type: ResourceTypeName, resource: WireResource, options: WriteOptions): Promise<ResourceDoc> {
    const at = options.now.toISOString();
    const doc: ResourceDoc = {
      id: randomUUID(),
      tenantId,
      kind: type,
      resource,
      meta: { created: at, lastModified: at },
      ...(options.product ? { product: options.product(resource, undefined, undefined) } : {}),
    };
    return this.commit(doc, undefined, "create", options.audit);
  }

  /**
   * Read-modify-write with optimistic concurrency: `change` gets the current document and returns
   * the new attributes (or undefined for "nothing changed"). A concurrent writer makes the store
   * re-read and re-apply, so no update is lost. `ifMatch` is the client's If-Match (412 on mismatch).
   */
  async update(
    tenantId: string,
    type: ResourceTypeName,
    id: string,
    change: (current: ResourceDoc) => WireResource | undefined,
    options: WriteOptions & { ifMatch?: string; touch?: boolean; current?: ResourceDoc },
  ): Promise<ResourceDoc> {
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 && options.current ? options.current : await this.require(tenantId, type, id);
      checkIfMatch(current, options.ifMatch);
      const next = change(current);
      if (next === undefined && !options.touch) return current;
      const resource = next ?? current.resource;
      const doc: ResourceDoc = {
        ...strip(current),
        resource,
        meta: { ...current.meta, lastModified: options.now.toISOString() },
        ...(options.product ? { product: options.product(resource, current.product, current.resource) } : {}),
      };
      try {
        return await this.commit(doc, current, "replace", options.audit);
      } catch (error) {
        if (!(error instanceof RetryableConflict) || attempt >= MAX_ATTEMPTS) throw unwrap(error);
        await backoff(attempt);
      }
    }
  }

  /**
   * Marks a resource as modified (new lastModified and version) without a version check: used when
   * only a group's members change, so concurrent member changes do not compete for the group document.
   */
  async touch(tenantId: string, type: ResourceTypeName, id: string, now: Date, ifMatch?: ResourceDoc): Promise<ResourceDoc> {
    try {
      const { resource } = await this.container
        .item(id, tenantId)
        .patch<ResourceDoc>(
          [{ op: "set", path: "/meta/lastModified", value: now.toISOString() }],
          ifMatch ? { accessCondition: { type: "IfMatch", condition: ifMatch._etag! } } : undefined,
        );
      if (resource?.kind === type) return resource;
    } catch (error) {
      if (isPreconditionFailed(error)) throw preconditionFailed(`${type} ${id} changed while the request ran; read it again and retry.`);
      if (!isNotFound(error)) throw error;
    }
    throw notFound(`${type} ${id} not found.`);
  }

  /**
   * Deletes a resource, its lookup records and its memberships. With `retentionSeconds`, a User is
   * kept as a "DeletedUser" record (invisible to SCIM, its userName free again) that Cosmos DB
   * purges after that time. Returns the ids of the groups it was a member of (for a User) or of its
   * members (for a Group).
   */
  async delete(
    tenantId: string,
    type: ResourceTypeName,
    id: string,
    options: WriteOptions & { ifMatch?: string; retentionSeconds?: number },
  ): Promise<string[]> {
    const related = await this.membershipsOf(tenantId, type, id);
    const current = await this.get(tenantId, type, id);
    if (!current) {
      await this.removeMemberships(tenantId, related);
      throw notFound(`${type} ${id} not found.`);
    }
    checkIfMatch(current, options.ifMatch);
    await this.removeMemberships(tenantId, related);
    for (let attempt = 1; ; attempt++) {
      const doc = attempt === 1 ? current : await this.require(tenantId, type, id);
      checkIfMatch(doc, options.ifMatch);
      try {
        if (type === "User" && options.retentionSeconds) {
          const kept: ResourceDoc = {
            ...strip(doc),
            kind: "DeletedUser",
            deletedAt: options.now.toISOString(),
            formerGroups: related.map((r) => r.other),
            ttl: options.retentionSeconds,
          };
          await this.commit(kept, doc, "replace", options.audit);
        } else {
          await this.commit(strip(doc), doc, "delete", options.audit);
        }
        break;
      } catch (error) {
        if (!(error instanceof RetryableConflict) || attempt >= MAX_ATTEMPTS) throw unwrap(error);
        await backoff(attempt);
      }
    }
    // A membership added while the delete ran (its check saw the resource still there).
    await this.removeMemberships(tenantId, await this.membershipsOf(tenantId, type, id));
    return related.map((r) => r.other);
  }

  /** Memberships naming a user (or a group): their document ids and the other side's id. */
  private membershipsOf(tenantId: string, type: ResourceTypeName, id: string): Promise<{ id: string; other: string }[]> {
    const field = type === "User" ? "userId" : "groupId";
    const other = type === "User" ? "groupId" : "userId";
    return this.select<{ id: string; other: string }>(
      tenantId,
      `SELECT c.id, c.${other} AS other FROM c WHERE ${TENANT_KIND} AND c.${field} = @id`,
      [...memberParams(tenantId), { name: "@id", value: id }],
    );
  }

  private async removeMemberships(tenantId: string, memberships: { id: string }[]): Promise<void> {
    await this.bulk(memberships.map((m) => ({ operationType: "Delete", id: m.id, partitionKey: tenantId }) as OperationInput));
  }

  /**
   * Writes a resource document together with its lookup records in one transactional batch:
   * new lookups first (Create: a taken value fails the batch), then the document (guarded by its
   * ETag), then the lookups of values it no longer holds.
   */
  private async commit(
    doc: ResourceDoc,
    before: ResourceDoc | undefined,
    mode: "create" | "replace" | "delete",
    audit?: AuditDraft,
  ): Promise<ResourceDoc> {
    const tenantId = doc.tenantId;
    const oldKeys = before ? lookupsOf(before.kind, before.resource) : new Map();
    const newKeys = mode === "delete" ? new Map() : lookupsOf(doc.kind, doc.resource);
    const takeovers = new Map<string, string>();
    const skipDeletes = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const ops: OperationInput[] = [];
      const roles: { kind: "lookup" | "doc" | "unlookup" | "audit"; key?: string }[] = [];
      for (const [key, { attribute, value }] of newKeys) {
        if (oldKeys.has(key)) continue;
        const body: LookupDoc = { id: key, tenantId, kind: "Lookup", resource: {}, target: doc.id, attribute, value };
        const etag = takeovers.get(key);
        ops.push(
          etag
            ? { operationType: "Replace", id: key, partitionKey: tenantId, resourceBody: { ...body }, ifMatch: etag }
            : { operationType: "Create", partitionKey: tenantId, resourceBody: { ...body } },
        );
        roles.push({ kind: "lookup", key });
      }
      const body = { ...doc } as unknown as JSONObject;
      if (mode === "create") ops.push({ operationType: "Create", partitionKey: tenantId, resourceBody: body });
      else if (mode === "replace")
        ops.push({ operationType: "Replace", id: doc.id, partitionKey: tenantId, resourceBody: body, ifMatch: before!._etag });
      // The SDK passes ifMatch through on Delete too; its type just does not declare it.
      else ops.push({ operationType: "Delete", id: doc.id, partitionKey: tenantId, ifMatch: before!._etag } as OperationInput);
      roles.push({ kind: "doc" });
      for (const key of oldKeys.keys()) {
        if (newKeys.has(key) || skipDeletes.has(key)) continue;
        ops.push({ operationType: "Delete", id: key, partitionKey: tenantId });
        roles.push({ kind: "unlookup", key });
      }
      if (audit) {
        const deleted = mode === "delete" || doc.kind === "DeletedUser";
        const event = auditDoc(tenantId, audit, {
          resourceType: before?.kind ?? doc.kind,
          resourceId: doc.id,
          changedAttributes: deleted ? [] : changedAttributes(before?.resource, doc.resource),
        });
        ops.push({ operationType: "Create", partitionKey: tenantId, resourceBody: event as unknown as JSONObject });
        roles.push({ kind: "audit" });
      }

      const response = await this.container.items.batch(ops, tenantId);
      const results = response.result ?? [];
      const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
      if (failed < 0) {
        const written = results[roles.findIndex((r) => r.kind === "doc")];
        return mode === "delete" ? doc : { ...doc, _etag: written?.eTag ?? (written?.resourceBody?._etag as string | undefined) };
      }
      const status = results[failed].statusCode;
      const role = roles[failed];
      if (attempt >= MAX_ATTEMPTS) throw busy();
      if (role.kind === "doc") {
        if (status === 412 || status === 404) throw new RetryableConflict();
        throw new Error(`Unexpected status ${status} writing ${doc.kind} ${doc.id}`);
      }
      if (role.kind === "audit") throw new Error(`Unexpected status ${status} writing the provisioning log of ${doc.kind} ${doc.id}`);
      if (role.kind === "unlookup") {
        if (status === 404) skipDeletes.add(role.key!);
        else throw new Error(`Unexpected status ${status} deleting lookup of ${doc.kind} ${doc.id}`);
        continue;
      }
      if (status === 409 || status === 412 || status === 404) {
        await this.resolveTakenLookup(doc, role.key!, newKeys.get(role.key!)!, takeovers);
        continue;
      }
      throw new Error(`Unexpected status ${status} writing lookup of ${doc.kind} ${doc.id}`);
    }
  }

  /** A lookup record exists for a value this write claims: 409 if its holder still has it, else take it over. */
  private async resolveTakenLookup(
    doc: ResourceDoc,
    key: string,
    claim: { attribute: string; value: string },
    takeovers: Map<string, string>,
  ): Promise<void> {
    const { resource: lookup, etag } = await this.container.item(key, doc.tenantId).read<LookupDoc>();
    if (!lookup) {
      takeovers.delete(key);
      return;
    }
    if (lookup.target !== doc.id) {
      const holder = await this.get(doc.tenantId, doc.kind as ResourceTypeName, lookup.target);
      const caseExact = LOOKUPS[doc.kind].find((l) => l.attribute === claim.attribute)!.caseExact;
      if (holder && lookupValue(holder.resource, claim.attribute, caseExact) === claim.value) {
        const shown = String(doc.resource[claim.attribute]);
        const how = caseExact ? "" : " (compared case-insensitively)";
        throw conflict(`${doc.kind} ${claim.attribute} '${shown}' is already used by ${doc.kind} ${holder.id}; ${claim.attribute} must be unique within the tenant${how}.`);
      }
    }
    takeovers.set(key, etag!);
  }

  /** Writes one provisioning-log event on its own (failed writes, member-only changes, conflicts). */
  async recordAudit(
    tenantId: string,
    draft: AuditDraft,
    about: { resourceType: string; resourceId?: string; changedAttributes: string[]; detail?: string; members?: AuditEvent["members"] },
  ): Promise<void> {
    await this.container.items.create(auditDoc(tenantId, draft, about));
  }

  /** The provisioning log, newest first, paged (1-based page of `limit` events). */
  async listAudit(
    tenantId: string,
    query: { resourceId?: string; operation?: string; limit: number; page: number },
  ): Promise<{ total: number; events: AuditEvent[] }> {
    const parameters: SqlParameter[] = [
      { name: "@tenantId", value: tenantId },
      { name: "@kind", value: "Audit" },
    ];
    let where = TENANT_KIND;
    if (query.resourceId) {
      where += " AND c.resourceId = @resourceId";
      parameters.push({ name: "@resourceId", value: query.resourceId });
    }
    if (query.operation) {
      where += " AND c.operation = @operation";
      parameters.push({ name: "@operation", value: query.operation });
    }
    const total = (await this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters))[0] ?? 0;
    const skip = (query.page - 1) * query.limit;
    if (skip >= total) return { total, events: [] };
    const docs = await this.select<AuditEvent & { tenantId?: string; kind?: string; resource?: unknown; ttl?: number; _etag?: string }>(
      tenantId,
      `SELECT TOP @top * FROM c WHERE ${where} ORDER BY c.id DESC`,
      [...parameters, { name: "@top", value: skip + query.limit }],
    );
    const events = docs.slice(skip).map(({ id, time, tokenName, tokenId, operation, resourceType, resourceId, changedAttributes, status, detail, members }) => ({
      id,
      time,
      tokenName,
      tokenId,
      operation,
      resourceType,
      ...(resourceId ? { resourceId } : {}),
      changedAttributes,
      status,
      ...(detail ? { detail } : {}),
      ...(members ? { members } : {}),
    }));
    return { total, events };
  }

  /** Several resources by id, in one bulk read per 100 (missing ids are left out). */
  async getMany(tenantId: string, type: ResourceTypeName, ids: string[]): Promise<ResourceDoc[]> {
    const found = await this.run(ids.filter(storableId).map((id) => ({ operationType: "Read", id, partitionKey: tenantId }) as OperationInput));
    return found
      .filter((r) => r.statusCode === 200)
      .map((r) => r.resourceBody as unknown as ResourceDoc)
      .filter((d) => d.kind === type && d.tenantId === tenantId);
  }

  /**
   * Sets fields of a user's product state (a role, an object ID set by hand), touching nothing
   * else: no SCIM attribute and no other product field, so concurrent writers keep theirs.
   */
  async setProductFields(tenantId: string, user: ResourceDoc, product: ProductUser, keys: (keyof ProductUser)[]): Promise<void> {
    const ops = user.product
      ? keys.map((k) => ({ op: "set" as const, path: `/product/${k}`, value: product[k] as unknown as JSONObject }))
      : [{ op: "set" as const, path: "/product", value: product as unknown as JSONObject }];
    await this.container.item(user.id, tenantId).patch(ops);
  }

  /** How many users of the tenant hold a role (the last-Admin rule); `activeOnly` leaves out disconnected users. */
  async countRole(tenantId: string, role: string, activeOnly = false): Promise<number> {
    const active = activeOnly ? " AND (NOT IS_DEFINED(c.resource.active) OR c.resource.active = true)" : "";
    const rows = await this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${TENANT_KIND} AND c.product.role = @role${active}`, [
      { name: "@tenantId", value: tenantId },
      { name: "@kind", value: "User" },
      { name: "@role", value: role },
    ]);
    return rows[0] ?? 0;
  }

  /** Member user ids of each group (one query). */
  async membersOf(tenantId: string, groupIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return out;
    const resources = await this.select<{ groupId: string; userId: string }>(
      tenantId,
      `SELECT c.groupId, c.userId FROM c WHERE ${TENANT_KIND} AND ARRAY_CONTAINS(@ids, c.groupId)`,
      [...memberParams(tenantId), { name: "@ids", value: groupIds }],
    );
    for (const m of resources) out.get(m.groupId)?.push(m.userId);
    return out;
  }

  /** Ids of the groups a user is a direct member of (one query). */
  async groupsOf(tenantId: string, userId: string): Promise<string[]> {
    return this.select<string>(tenantId, `SELECT VALUE c.groupId FROM c WHERE ${TENANT_KIND} AND c.userId = @id`, [
      ...memberParams(tenantId),
      { name: "@id", value: userId },
    ]);
  }

  /** Which members a change adds and removes (a replace reads the current members once). */
  async planMembers(
    tenantId: string,
    groupId: string,
    change: { add: string[]; remove: string[] } | { replace: string[] },
  ): Promise<{ add: string[]; remove: string[] }> {
    if ("replace" in change) {
      const current = new Set((await this.membersOf(tenantId, [groupId])).get(groupId));
      const wanted = new Set(change.replace);
      return { add: [...wanted].filter((id) => !current.has(id)), remove: [...current].filter((id) => !wanted.has(id)) };
    }
    const add = [...new Set(change.add)];
    return { add, remove: [...new Set(change.remove)].filter((id) => !add.includes(id)) };
  }

  /**
   * Writes a membership plan (callers check added ids with `assertUsers` first). Store work is
   * proportional to the members changed: one document per membership, in bulk requests of up to
   * 100. Adding an existing member and removing a non-member are no-ops. Afterwards it checks that
   * the group and the added users still exist, and takes back memberships a concurrent delete missed.
   */
  async applyMembers(
    tenantId: string,
    groupId: string,
    plan: { add: string[]; remove: string[] },
    now: Date,
  ): Promise<{ added: number; removed: number }> {
    const created = now.toISOString();
    const results = await this.bulk([
      ...plan.add.map(
        (userId) =>
          ({
            operationType: "Create",
            partitionKey: tenantId,
            resourceBody: { id: memberId(groupId, userId), tenantId, kind: "Member", resource: {}, groupId, userId, created } satisfies MemberDoc,
          }) as OperationInput,
      ),
      ...plan.remove.map((userId) => ({ operationType: "Delete", id: memberId(groupId, userId), partitionKey: tenantId }) as OperationInput),
    ]);
    if (plan.add.length > 0) {
      const group = await this.get(tenantId, "Group", groupId);
      const users = new Set((await this.getMany(tenantId, "User", plan.add)).map((u) => u.id));
      const gone = group ? plan.add.filter((id) => !users.has(id)) : plan.add;
      await this.removeMemberships(tenantId, gone.map((userId) => ({ id: memberId(groupId, userId) })));
      if (!group) throw notFound(`Group ${groupId} was deleted while its members were being changed.`);
    }
    return {
      added: results.slice(0, plan.add.length).filter((r) => r === 201).length,
      removed: results.slice(plan.add.length).filter((r) => r === 204).length,
    };
  }

  /** 400 unless every id is a User of the tenant (bulk point reads; checked before any write). */
  async assertUsers(tenantId: string, ids: string[], groupId: string): Promise<void> {
    if (ids.length === 0) return;
    const found = await this.run(ids.map((id) => ({ operationType: "Read", id: storableId(id) ? id : "-", partitionKey: tenantId }) as OperationInput));
    const unknown: string[] = [];
    const groups: string[] = [];
    found.forEach((r, i) => {
      const kind = (r.resourceBody as { kind?: string } | undefined)?.kind;
      if (r.statusCode === 200 && kind === "User") return;
      if (r.statusCode === 200 && kind === "Group") groups.push(ids[i]);
      else if (r.statusCode === 404 || r.statusCode === 200) unknown.push(ids[i]);
      else throw new Error(`Unexpected status ${r.statusCode} reading user ${ids[i]}`);
    });
    if (groups.length > 0) {
      throw badRequest("invalidValue", `Nested groups are not supported: ${list(groups)} ${groups.length === 1 ? "is a Group" : "are Groups"}; members of group ${groupId} must be Users.`);
    }
    if (unknown.length > 0) {
      throw badRequest("invalidValue", `No User with id ${list(unknown)} exists in this tenant; members of group ${groupId} must be ids of provisioned Users.`);
    }
  }

  /** Runs independent operations in bulk; returns each one's status (404 on delete and 409 on create are no-ops). */
  private async bulk(ops: OperationInput[]): Promise<number[]> {
    const results = await this.run(ops);
    return results.map(({ statusCode: status }, i) => {
      const kind = ops[i].operationType;
      if (status < 400 || (kind === "Delete" && status === 404) || (kind === "Create" && status === 409)) return status;
      throw Object.assign(new Error(`Bulk ${kind} failed with status ${status}`), { code: status });
    });
  }

  /** Non-transactional bulk requests of up to 100 operations each (one round trip per 100). */
  private async run(ops: OperationInput[]): Promise<{ statusCode: number; resourceBody?: unknown }[]> {
    const out: { statusCode: number; resourceBody?: unknown }[] = [];
    for (let i = 0; i < ops.length; i += 100) {
      out.push(...(await this.container.items.bulk(ops.slice(i, i + 100), { continueOnError: true })));
    }
    return out;
  }
}

const memberId = (groupId: string, userId: string) => `mb.${groupId}.${userId}`;

/** Cosmos DB ids are at most 255 characters and cannot contain / \\ ? or #. */
const storableId = (id: string) => id.length > 0 && id.length <= 200 && !/[/\\?#]/.test(id) && id.trim() === id;

let auditSequence = 0;

/** Audit ids sort by time, then by the order this process wrote them: "newest first" is ORDER BY id DESC. */
const auditId = (time: string) => `${time}~${(auditSequence++ % 2 ** 40).toString(36).padStart(8, "0")}~${randomUUID().slice(0, 8)}`;

function auditDoc(
  tenantId: string,
  draft: AuditDraft,
  about: { resourceType: string; resourceId?: string; changedAttributes: string[]; detail?: string; members?: AuditEvent["members"] },
) {
  const { ttlSeconds, ...rest } = draft;
  return {
    id: auditId(draft.time),
    tenantId,
    kind: "Audit",
    resource: {},
    ...rest,
    ...about,
    ttl: ttlSeconds,
  };
}

function list(ids: string[]): string {
  const shown = ids.slice(0, 10).map((id) => `'${id}'`).join(", ");
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

/** 412 unless If-Match (RFC 7232) names the current version; "*" or no header always passes. */
export function checkIfMatch(current: ResourceDoc, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch.trim() === "*") return;
  const wanted = ifMatch.split(",").map((v) => v.trim().replace(/^W\//, "").replace(/"/g, ""));
  const have = versionOf(current).replace(/^W\//, "").replace(/"/g, "");
  if (!wanted.includes(have)) {
    throw preconditionFailed(`If-Match ${ifMatch} does not match the current version ${versionOf(current)} of ${current.kind} ${current.id}; read it again and retry.`);
  }
}

function unwrap(error: unknown): unknown {
  if (error instanceof RetryableConflict) return busy();
  if (isNotFound(error)) return notFound("The resource was deleted while it was being changed.");
  return error;
}
