import type { ResourceTypeName } from "../scim/schemas.js";
import type { Projection, Related, WireResource } from "../scim/resource.js";
import { parseResource, project, toScimResource, wantsAttribute } from "../scim/resource.js";
import { cursorListResponse, listResponse, type ListParams } from "../scim/list.js";
import { decodeCursor, encodeCursor, queryBinding, type CursorPosition } from "../scim/cursor.js";
import { applyPatch, parsePatchRequest, type MemberDelta } from "../scim/patch.js";
import { validateResource } from "../scim/validate.js";
import { ScimError, badRequest } from "../scim/errors.js";
import { MANAGER_PATH, managerIdOf, withCanonicalManager, withManagerRef } from "../scim/manager.js";
import { resourceNames } from "../scim/changes.js";
import { linkExternalId, newProductUser, type ProductUser } from "../product/identity.js";
import { deletedUserTtlSeconds, type TenantSettings } from "../product/settings.js";
import { checkIfMatch, metaOf, type ResourceDoc, type StoredProduct, type WriteOptions } from "../store/resources.js";
import type { OperationContext } from "./context.js";
import { logged, type AuditTrail } from "./audit-trail.js";
import { assertMembers, changeMembership, type MemberChange } from "./memberships.js";
import { bindArrivedGroup, flagLastAdmin, mapsRoles, recomputeGroup, recomputeRoles, roleMatchChanged } from "./roles.js";
import { deleteJobId, kickOff, newJob, requireQueue } from "./jobs.js";
import { NotFoundError, PreconditionFailedError } from "../store/errors.js";
import { tenantSettings } from "./settings.js";
import { endUserSessions } from "../auth/browser-sessions.js";
import { groupFacts } from "./views.js";
import type { GroupFacts } from "../product/groups.js";

/**
 * The six operations of RFC 7644 §3 for Users and Groups, whoever calls them (the SCIM functions,
 * the admin CLI). Inputs come parsed by the adapter: the projection, list parameters, If-Match;
 * a write's body is read inside the operation, so that a body the operation cannot use is logged
 * as a failed write like any other. Group members live outside the group document, so reading
 * them is skipped whenever the projection leaves them out (Entra's excludedAttributes=members).
 */

/** What a SCIM operation answers: the status RFC 7644 gives it, a body, and the version and location of the resource. */
export interface ScimOutcome {
  status: number;
  body?: unknown;
  version?: string;
  location?: string;
}

export interface WriteInput {
  /** The request body (parsed JSON); 400/413 from reading it are failures of this operation. */
  body: () => Promise<unknown>;
  ifMatch?: string;
  projection: Projection;
  /** The Tenant URL carried Entra's `aadOptscim062020` flag (its RFC 7644 PATCH dialect). */
  rfcPatchFlag?: boolean;
}

/**
 * The PATCH dialect of a request, recorded on its log event: "rfc" when the Tenant URL carries
 * `aadOptscim062020`, or every op is spelled in lower case and no value is the string "True"/"False";
 * a path-less value with dotted keys (`name.givenName`) is RFC too. Otherwise Entra's default.
 */
export function patchDialectOf(body: unknown, rfcFlag = false): "default" | "rfc" {
  if (rfcFlag) return "rfc";
  const ops = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(ops) || ops.length === 0) return "default";
  const op = (o: unknown) => (o && typeof o === "object" ? (o as Record<string, unknown>) : {});
  if (
    ops.some((o) => {
      const v = op(o).value;
      return !op(o).path && v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).some((k) => k.includes(".") && !k.startsWith("urn:"));
    })
  )
    return "rfc";
  const lower = ops.every((o) => typeof op(o).op === "string" && op(o).op === (op(o).op as string).toLowerCase());
  const stringBooleans = JSON.stringify(ops).match(/"(True|False)"/);
  return lower && !stringBooleans ? "rfc" : "default";
}

function render(ctx: OperationContext, type: ResourceTypeName, doc: ResourceDoc, projection: Projection, related?: Related[]): WireResource {
  const resource = type === "User" ? withManagerRef(doc.resource, ctx.baseUrl) : doc.resource;
  return project(toScimResource(resource, metaOf(doc), type, ctx.baseUrl, related), projection);
}

/**
 * 400 invalidValue unless a User's new manager (RFC 7643 §4.3 `manager.value`) is the id of a User
 * of the tenant: one point read, before anything is written, the way group members are checked
 * (assertMembers). A manager the write leaves as it was is not read again.
 */
async function assertManager(ctx: OperationContext, type: ResourceTypeName, next: WireResource, before?: WireResource): Promise<void> {
  const id = type === "User" ? managerIdOf(next) : undefined;
  if (id === undefined || (before && managerIdOf(before) === id)) return;
  const doc = (await ctx.services.resources.readMany(ctx.tenantId, [id])).get(id);
  if (doc?.kind === "User") return;
  throw badRequest(
    "invalidValue",
    doc?.kind === "Group"
      ? `'${MANAGER_PATH}' names '${id}', which is a Group; a manager must be the id of a User.`
      : `No User with id '${id}' exists in this tenant; '${MANAGER_PATH}' must be the id of a provisioned User.`,
  );
}

/**
 * Memberships to serve with resources, read only when the projection asks for them: a Group's
 * `members` (one query for the whole page), a User's `groups` (returned only on request).
 */
async function relatedOf(
  ctx: OperationContext,
  type: ResourceTypeName,
  docs: ResourceDoc[],
  projection: Projection,
): Promise<Map<string, Related[]> | undefined> {
  const { resources, memberships } = ctx.services;
  if (type === "Group") {
    if (!wantsAttribute(projection, ["members"], type)) return undefined;
    const members = await memberships.membersOf(
      ctx.tenantId,
      docs.map((d) => d.id),
    );
    return new Map([...members].map(([id, users]) => [id, users.map((u) => ({ id: u }))]));
  }
  if (!wantsAttribute(projection, ["groups"], type)) return undefined;
  const out = new Map<string, Related[]>();
  for (const doc of docs) {
    const groups = await resources.getMany(ctx.tenantId, "Group", await memberships.groupsOf(ctx.tenantId, doc.id));
    out.set(
      doc.id,
      groups.map((g) => ({ id: g.id, display: String(g.resource.displayName) })),
    );
  }
  return out;
}

/** Serves one resource; `known` members (a create) save reading them back. */
async function respond(
  ctx: OperationContext,
  type: ResourceTypeName,
  doc: ResourceDoc,
  status: number,
  projection: Projection,
  known?: string[],
): Promise<ScimOutcome> {
  const related = known ? known.map((id) => ({ id })) : (await relatedOf(ctx, type, [doc], projection))?.get(doc.id);
  const body = render(ctx, type, doc, projection, related);
  return { status, body, version: metaOf(doc).version, ...(status === 201 ? { location: (body.meta as { location: string }).location } : {}) };
}

/**
 * The product state a SCIM write of a User stores: a new or changed externalId (the Entra object
 * ID) links the user; a write that leaves externalId alone leaves the link alone, so an object ID
 * an admin set by hand stays until Entra sends one.
 */
function linkedProduct(settings: TenantSettings) {
  return (resource: WireResource, current: StoredProduct | undefined, before: WireResource | undefined): StoredProduct => {
    const product = current as ProductUser | undefined;
    const next = product && before?.externalId === resource.externalId ? product : linkExternalId(product ?? newProductUser(settings), resource.externalId);
    return next as unknown as StoredProduct;
  };
}

/** Store options of a write: its provisioning-log event (in the same batch) and, for Users, identity linking. */
async function writeOptions(ctx: OperationContext, trail: AuditTrail, type: ResourceTypeName, status: number, logInBatch = true): Promise<WriteOptions> {
  const settings = (trail.settings ??= await tenantSettings(ctx));
  return {
    now: ctx.now,
    ...(logInBatch ? { audit: await trail.draft(status) } : {}),
    ...(type === "User" ? { product: linkedProduct(settings) } : {}),
  };
}

/** Membership changes and what follows from them (roles); the log records the counts. */
async function changeMembers(ctx: OperationContext, trail: AuditTrail, group: ResourceDoc, change: MemberChange) {
  const { settings, ...counts } = await changeMembership(ctx, group, change);
  trail.members = counts;
  trail.settings = settings;
}

const sameFacts = (a: GroupFacts, b: GroupFacts) => a.id === b.id && a.displayName === b.displayName && a.externalId === b.externalId;

/**
 * A group's new externalId (object ID) can make role mappings start or stop matching it (a new
 * displayName never does: mappings keep the group's id): after such a write the settings are read
 * fresh (a mapping saved meanwhile is seen). A write that leaves both as they were (a member
 * change) cannot change which mappings match, whatever the settings say, so nothing is read.
 */
async function afterGroupChange(ctx: OperationContext, before: ResourceDoc, after: ResourceDoc): Promise<void> {
  if (await bindArrivedGroup(ctx, before, true)) {
    await recomputeGroup(ctx, after, "role-map");
    return;
  }
  if (sameFacts(groupFacts(before), groupFacts(after))) return;
  const settings = await tenantSettings(ctx, { fresh: true });
  if (!roleMatchChanged(settings, before, after)) return;
  await recomputeGroup(ctx, after, "rename");
}

/**
 * A disconnect (active=false) or delete ends the user's portal sessions. The change has landed by
 * then: a failure here is reported, not answered (every API call re-checks the user anyway).
 */
async function endSessions(ctx: OperationContext, userId: string): Promise<void> {
  await endUserSessions(ctx.services.sessions, ctx.tenantId, userId).catch((e) => ctx.services.report("Could not end the sessions of a disconnected user", e));
}

/** A page of resources as served, with what the projection asks of their memberships. */
async function renderPage(ctx: OperationContext, type: ResourceTypeName, docs: ResourceDoc[], projection: Projection): Promise<WireResource[]> {
  const related = await relatedOf(ctx, type, docs, projection);
  return docs.map((doc) => render(ctx, type, doc, projection, related?.get(doc.id)));
}

/** Where a cursor request starts: the first page for an empty cursor, else the decoded cursor (400 when it is not valid here). */
const cursorStart = (ctx: OperationContext, params: ListParams, binding: string): CursorPosition =>
  params.cursor ? decodeCursor(params.cursor, binding, ctx.now) : { position: 0 };

/**
 * GET /Users, GET /Groups (RFC 7644 §3.4.2): index paging, or with `cursor` cursor paging (RFC
 * 9865), whose `nextCursor` says where the next page starts (after the last id, or for a sorted
 * list at a position) and is bound to this tenant and query.
 */
export async function listResources(ctx: OperationContext, type: ResourceTypeName, params: ListParams): Promise<ScimOutcome> {
  const store = ctx.services.resources;
  if (params.cursor === undefined) {
    const { total, docs } = await store.query(ctx.tenantId, type, params);
    return { status: 200, body: listResponse(await renderPage(ctx, type, docs, params.projection), total, params.startIndex) };
  }
  const binding = queryBinding(ctx.tenantId, type, params);
  const at = cursorStart(ctx, params, binding);
  const { total, docs, more } = await store.query(ctx.tenantId, type, {
    ...params,
    startIndex: at.position + 1,
    ...(params.sortBy ? {} : { after: at.after }),
  });
  const next = more && docs.length > 0 ? encodeCursor(binding, { position: at.position + docs.length, after: docs[docs.length - 1]!.id }, ctx.now) : undefined;
  return { status: 200, body: cursorListResponse(await renderPage(ctx, type, docs, params.projection), total, next) };
}

/**
 * POST /.search at the root (RFC 7644 §3.4.3): Users, then Groups, paged over both. A type whose
 * schema cannot answer the request (a filter on userName for Groups) contributes nothing; a
 * request neither type can answer is that error.
 */
export async function searchAll(ctx: OperationContext, paramsFor: (type: ResourceTypeName) => Promise<ListParams>): Promise<ScimOutcome> {
  const { resources } = ctx.services;
  const parts: { type: ResourceTypeName; params: ListParams; total: number }[] = [];
  let refusal: unknown;
  for (const type of ["User", "Group"] as const) {
    try {
      const params = await paramsFor(type);
      const { total } = await resources.query(ctx.tenantId, type, { ...params, count: 0 });
      parts.push({ type, params, total });
    } catch (error) {
      if (!(error instanceof ScimError) || error.status !== 400) throw error;
      refusal ??= error;
    }
  }
  if (parts.length === 0) throw refusal;
  if (parts[0]!.params.cursor !== undefined) return searchAllByCursor(ctx, parts);
  const { startIndex, count } = parts[0]!.params;
  const page: WireResource[] = [];
  let before = 0;
  for (const { type, params, total } of parts) {
    const from = Math.max(1, startIndex - before);
    const want = count - page.length;
    before += total;
    if (want <= 0 || from > total) continue;
    const { docs } = await resources.query(ctx.tenantId, type, { ...params, startIndex: from, count: want });
    const related = await relatedOf(ctx, type, docs, params.projection);
    page.push(...docs.map((doc) => render(ctx, type, doc, params.projection, related?.get(doc.id))));
  }
  return { status: 200, body: listResponse(page, before, startIndex) };
}

/**
 * Root `/.search` with a cursor (RFC 9865 §3): Users, then Groups. The cursor names the type the
 * next page continues in and the position in it; a page that ends a type continues with the next.
 */
async function searchAllByCursor(ctx: OperationContext, parts: { type: ResourceTypeName; params: ListParams; total: number }[]): Promise<ScimOutcome> {
  const binding = queryBinding(ctx.tenantId, "root", parts[0]!.params);
  const at = cursorStart(ctx, parts[0]!.params, binding);
  const first = at.type === undefined ? 0 : parts.findIndex((p) => p.type === at.type);
  if (first < 0) throw badRequest("invalidCursor", `'cursor' continues in ${at.type}s, which this search does not list; start again with an empty cursor.`);
  const count = parts[0]!.params.count;
  const page: WireResource[] = [];
  let next: CursorPosition | undefined;
  for (let i = first; i < parts.length && !next && page.length < count; i++) {
    const { type, params } = parts[i]!;
    const from = i === first ? at : { position: 0 };
    const { docs, more } = await ctx.services.resources.query(ctx.tenantId, type, {
      ...params,
      count: count - page.length,
      startIndex: from.position + 1,
      ...(params.sortBy ? {} : { after: from.after }),
    });
    page.push(...(await renderPage(ctx, type, docs, params.projection)));
    if (more && docs.length > 0) next = { type, position: from.position + docs.length, after: docs[docs.length - 1]!.id };
    else if (page.length === count) {
      const rest = parts.slice(i + 1).find((p) => p.total > 0);
      if (rest) next = { type: rest.type, position: 0 };
    }
  }
  const total = parts.reduce((sum, p) => sum + p.total, 0);
  return { status: 200, body: cursorListResponse(page, total, next && encodeCursor(binding, next, ctx.now)) };
}

/** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1). */
export async function getResource(ctx: OperationContext, type: ResourceTypeName, id: string, projection: Projection): Promise<ScimOutcome> {
  const doc = await ctx.services.resources.require(ctx.tenantId, type, id);
  return respond(ctx, type, doc, 200, projection);
}

/** POST /Users, POST /Groups (RFC 7644 §3.3). */
export function createResource(
  ctx: OperationContext,
  type: ResourceTypeName,
  input: WriteInput,
  options: { product?: StoredProduct } = {},
): Promise<ScimOutcome> {
  return logged(
    ctx,
    { operation: "create", resourceType: type },
    async (trail) => {
      const body = await input.body();
      trail.name(body);
      const parsed = parseResource(withCanonicalManager(body, type), type);
      const { resource, members } = parsed;
      trail.ignoredAttributes = parsed.ignored;
      const store = ctx.services.resources;
      if (members?.length) await assertMembers(ctx, members, "(new)");
      await assertManager(ctx, type, resource);
      const write = await writeOptions(ctx, trail, type, 201, !members?.length);
      const doc = await store.create(ctx.tenantId, type, resource, options.product ? { ...write, product: () => options.product! } : write);
      trail.resourceId = doc.id;
      if (!members?.length) trail.landed();
      // Mappings made by this group's name or object ID before it existed now name it by id (before its members' roles are computed).
      if (type === "Group") await bindArrivedGroup(ctx, doc);
      if (members?.length) {
        trail.describe(undefined, resource);
        trail.changedAttributes.push("members");
        await changeMembers(ctx, trail, doc, { add: members, remove: [] });
      }
      return respond(ctx, type, doc, 201, input.projection, type === "Group" ? (members ?? []) : undefined);
    },
    (r) => r.status,
  );
}

/** PUT /Users/{id}, PUT /Groups/{id} (RFC 7644 §3.5.1): replaces every writable attribute. */
export function replaceResource(ctx: OperationContext, type: ResourceTypeName, id: string, input: WriteInput): Promise<ScimOutcome> {
  return logged(
    ctx,
    { operation: "replace", resourceType: type, resourceId: id },
    async (trail) => {
      const parsed = parseResource(withCanonicalManager(await input.body(), type), type);
      const { resource, members } = parsed;
      trail.ignoredAttributes = parsed.ignored;
      const store = ctx.services.resources;
      const current = await store.require(ctx.tenantId, type, id);
      trail.name(current.resource);
      if (members?.length) await assertMembers(ctx, members, current.id);
      await assertManager(ctx, type, resource, current.resource);
      const withMembers = type === "Group" && members !== undefined;
      const doc = await store.update(ctx.tenantId, type, current.id, () => resource, {
        ...(await writeOptions(ctx, trail, type, 200, !withMembers)),
        ifMatch: input.ifMatch,
        current,
      });
      if (!withMembers) trail.landed();
      if (type === "Group") {
        trail.describe(current.resource, doc.resource);
        if (withMembers) await changeMembers(ctx, trail, doc, { replace: members });
        if (withMembers) trail.changedAttributes.push("members");
        await afterGroupChange(ctx, current, doc);
      } else if (doc.resource.active === false) {
        await flagLastAdmin(ctx, current, "disconnected");
        if (current.resource.active !== false) await endSessions(ctx, doc.id);
      }
      return respond(ctx, type, doc, 200, input.projection);
    },
    (r) => r.status,
  );
}

/**
 * PATCH /Users/{id}, PATCH /Groups/{id} (RFC 7644 §3.5.2), both Entra dialects. All operations
 * are checked before anything is written; a concurrent writer makes the store re-apply them to the
 * fresh document. Users answer 200 with the resource; Groups answer 204, as Entra prefers.
 */
export function patchResource(ctx: OperationContext, type: ResourceTypeName, id: string, input: WriteInput): Promise<ScimOutcome> {
  return logged(
    ctx,
    { operation: "patch", resourceType: type, resourceId: id },
    async (trail) => {
      const body = await input.body();
      trail.patchDialect = patchDialectOf(body, input.rfcPatchFlag);
      const ops = parsePatchRequest(body);
      const store = ctx.services.resources;
      const current = await store.require(ctx.tenantId, type, id);
      trail.name(current.resource);
      const trial = applyPatch(current.resource, ops, type);
      trail.ignoredAttributes = trial.ignored;
      const delta: MemberDelta | undefined = trial.members;
      const adds = delta ? (delta.kind === "replace" ? delta.ids : delta.add) : [];
      if (adds.length) await assertMembers(ctx, adds, current.id);
      await assertManager(ctx, type, trial.resource, current.resource);
      const status = type === "Group" ? 204 : 200;
      let doc: ResourceDoc;
      if (trial.changedAttributes.some((a) => a !== "members")) {
        doc = await store.update(
          ctx.tenantId,
          type,
          current.id,
          (fresh) => {
            const result = fresh === current ? trial : applyPatch(fresh.resource, ops, type);
            if (result.changedAttributes.filter((a) => a !== "members").length === 0) return undefined;
            validateResource(result.resource, type);
            return result.resource;
          },
          { ...(await writeOptions(ctx, trail, type, status, !delta)), ifMatch: input.ifMatch, current, touch: delta !== undefined },
        );
        if (!delta) trail.landed();
        trail.describe(current.resource, doc.resource);
      } else {
        // Members only (or nothing): no version-checked rewrite, so concurrent member changes never collide.
        checkIfMatch(current, input.ifMatch);
        doc = delta ? await store.touch(ctx.tenantId, type, current.id, ctx.now, input.ifMatch ? current : undefined) : current;
      }
      if (delta) {
        trail.changedAttributes.push("members");
        await changeMembers(ctx, trail, doc, delta.kind === "replace" ? { replace: delta.ids } : { add: delta.add, remove: delta.remove });
      }
      if (type === "Group") {
        await afterGroupChange(ctx, current, doc);
        return { status, version: metaOf(doc).version };
      }
      if (doc.resource.active === false) {
        await flagLastAdmin(ctx, current, "disconnected");
        if (current.resource.active !== false) await endSessions(ctx, doc.id);
      }
      return respond(ctx, type, doc, status, input.projection);
    },
    (r) => r.status,
  );
}

/**
 * DELETE /Users/{id}, DELETE /Groups/{id} (RFC 7644 §3.6). A user's record is kept as deleted for
 * the tenant's retention period (then purged by Cosmos DB TTL); SCIM no longer sees it. Its
 * memberships go before the record (and again after, for one added while the delete ran).
 */
export function deleteResource(ctx: OperationContext, type: ResourceTypeName, id: string, input: { ifMatch?: string }): Promise<ScimOutcome> {
  return logged(
    ctx,
    { operation: "delete", resourceType: type, resourceId: id },
    async (trail) => {
      const { resources, memberships } = ctx.services;
      if (type === "Group") {
        const large = await deleteLargeGroup(ctx, trail, id, input.ifMatch);
        if (large) return large;
      }
      const related = await memberships.of(ctx.tenantId, type, id);
      const before = await resources.get(ctx.tenantId, type, id);
      if (before) trail.name(before.resource);
      if (!before) {
        await memberships.removeDocs(
          ctx.tenantId,
          related.map((r) => r.id),
        );
        await resources.require(ctx.tenantId, type, id);
        return { status: 204 };
      }
      checkIfMatch(before, input.ifMatch);
      // Read once, fresh, where the role recomputation used to read them: it and the log event use these.
      const settings = (trail.settings = await tenantSettings(ctx, { fresh: true }));
      const members = type === "Group" && mapsRoles(settings, before) ? related.map((r) => r.other) : [];
      // Roles first, as if the group were gone: a retried DELETE (the group still there) redoes them.
      await recomputeRoles(ctx, members, { withoutGroup: before.id, settings });
      await memberships.removeDocs(
        ctx.tenantId,
        related.map((r) => r.id),
      );
      await resources.delete(ctx.tenantId, type, id, {
        ...(await writeOptions(ctx, trail, type, 204)),
        ifMatch: input.ifMatch,
        current: before,
        formerGroups: type === "User" ? related.map((r) => r.other) : undefined,
        retentionSeconds: type === "User" ? deletedUserTtlSeconds(settings) : undefined,
      });
      trail.landed();
      await memberships.removeDocs(
        ctx.tenantId,
        (await memberships.of(ctx.tenantId, type, id)).map((r) => r.id),
      );
      if (type === "User") {
        await flagLastAdmin(ctx, before, "deleted");
        await endSessions(ctx, id);
      }
      return { status: 204 };
    },
    (r) => r.status,
  );
}

/**
 * DELETE of a group with more than `jobs.inlineMembers` members: a constant amount of work inside
 * the request. One transactional batch deletes the group and its lookup records (SCIM sees 404 at
 * once, its displayName is free) and stores the job that recomputes its members' roles without it
 * and removes its memberships in the background (operations/jobs.ts). Every role recomputation
 * already leaves the group out, since it no longer exists; a group created again with the same
 * name has a new id, so its memberships are never confused with the old ones. Undefined for a
 * small group (deleted inline as before). A group already gone whose memberships are many (a
 * retried DELETE) gets its job started again, and answers 404.
 */
async function deleteLargeGroup(ctx: OperationContext, trail: AuditTrail, id: string, ifMatch: string | undefined): Promise<ScimOutcome | undefined> {
  const { resources, jobs } = ctx.services;
  const limit = ctx.services.config.jobs.inlineMembers;
  for (let attempt = 1; ; attempt++) {
    const probe = await jobs.memberPage(ctx.tenantId, id, undefined, limit + 1);
    if (probe.length <= limit) return undefined;
    requireQueue(ctx.services);
    const group = await resources.get(ctx.tenantId, "Group", id);
    if (!group) {
      const gone: ResourceDoc = { id, tenantId: ctx.tenantId, kind: "Group", resource: {}, meta: { created: "", lastModified: "" } };
      const job = (await jobs.get(ctx.tenantId, deleteJobId(id))) ?? (await jobs.create(newJob(ctx, "delete-group", gone, "delete", true)));
      if (job.state === "queued" || job.state === "running") await kickOff(ctx, job);
      throw new NotFoundError(`Group ${id}`);
    }
    checkIfMatch(group, ifMatch);
    const settings = (trail.settings = await tenantSettings(ctx));
    const job = newJob(ctx, "delete-group", group, "delete", mapsRoles(settings, group));
    try {
      await jobs.deleteGroupWithJob(group, job, await trail.draft(204), {
        resourceType: "Group",
        resourceId: id,
        ...resourceNames("Group", group.resource),
        changedAttributes: [],
        detail: `More than ${limit} members: job ${job.id} ${job.recompute ? "recomputes their roles and " : ""}removes the memberships in the background.`,
      });
    } catch (error) {
      // The group changed (or went) between the read and the batch: read it again, unless the client's If-Match pinned a version.
      if ((error instanceof PreconditionFailedError || error instanceof NotFoundError) && !ifMatch && attempt < 5) continue;
      throw error;
    }
    trail.landed();
    await kickOff(ctx, job);
    return { status: 204 };
  }
}
