import { randomUUID } from "node:crypto";
import type { ResourceTypeName } from "../scim/schemas.js";
import type { ParsedResource, Projection, Related, WireResource } from "../scim/resource.js";
import { project, toScimResource, wantsAttribute } from "../scim/resource.js";
import { cursorListResponse, listResponse, type ListParams } from "../scim/list.js";
import { decodeCursor, encodeCursor, queryBinding, type CursorPosition } from "../scim/cursor.js";
import { applyPatch, type MemberDelta, type PatchOp } from "../scim/patch.js";
import { ScimError, badRequest } from "../scim/errors.js";
import { managerIdOf, withManagerRef } from "../scim/manager.js";
import { checkManager, checkMembers } from "../scim/references.js";
import { ifMatchHolds } from "../scim/versions.js";
import { resourceNames } from "../scim/changes.js";
import { deletedUserTtlSeconds, pendingMatches, type TenantSettings } from "../product/settings.js";
import { StaleWriteError, metaOf, versionOf, type ResourceDoc, type StoredProduct } from "../store/resources.js";
import { actorFields, type OperationContext } from "./context.js";
import type { AuditTrail } from "./audit-trail.js";
import { changeMembership, type MemberChange } from "./memberships.js";
import { bindArrivedGroup, flagLastAdmin, recomputeGroup, recomputeRoles } from "./roles.js";
import { mapsRoles, roleMatchChanged } from "../product/roles.js";
import { deleteJobId, kickOff, newJob, requireQueue } from "./jobs.js";
import { NotFoundError, PreconditionFailedError } from "../store/errors.js";
import { tenantSettings } from "./settings.js";
import { endUserSessions } from "../auth/browser-sessions.js";
import { groupFacts } from "./views.js";
import type { GroupFacts } from "../product/groups.js";
import { DeleteHeldError, guardUserDelete } from "./safety-net.js";
import { changeEvents, planCreate, planDelete, planPatch, planReplace } from "./plans.js";
import { withRetry } from "./retry.js";

/**
 * The six operations of RFC 7644 §3 for Users and Groups, whoever calls them (the SCIM functions,
 * the admin CLI). Inputs come parsed by the adapter (the resource or PATCH operations, If-Match,
 * the projection); the adapter also runs the provisioning-log trail around a write, so a body it
 * cannot parse is logged as a failed write like any other. A write loads what it needs once, asks
 * the pure plans (plans.ts) for the documents to write, and hands them to the store with their
 * ETags; a lost race reruns load → plan → write (retry.ts). It answers a domain result; the
 * status, headers and body are the adapter's. Group members live outside the group document, so
 * reading them is skipped whenever the projection leaves them out (Entra's excludedAttributes=members).
 */

/** What a list or search answers: a ListResponse (RFC 7644 §3.4.2), with `nextCursor` for cursor paging (RFC 9865). */
type ListPage = ReturnType<typeof listResponse> | ReturnType<typeof cursorListResponse>;

/**
 * What the adapter wants of a write: the client's If-Match, the status it answers a success with
 * (the log event records it), and the projection when it answers with the resource.
 */
export interface WriteRequest {
  ifMatch?: string;
  status: number;
  projection?: Projection;
}

/** What a write did, with the resource as served (when a projection asked for it) and its version. */
export interface Written {
  kind: "created" | "changed" | "unchanged";
  id: string;
  version: string;
  resource?: WireResource;
}

export type WriteResult = Written | { kind: "deleted" };

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
      return (
        !op(o).path &&
        v &&
        typeof v === "object" &&
        !Array.isArray(v) &&
        Object.keys(v).some((k) => k.includes(".") && !k.startsWith("urn:"))
      );
    })
  )
    return "rfc";
  const lower = ops.every((o) => typeof op(o).op === "string" && op(o).op === (op(o).op as string).toLowerCase());
  const stringBooleans = JSON.stringify(ops).match(/"(True|False)"/);
  return lower && !stringBooleans ? "rfc" : "default";
}

function render(
  ctx: OperationContext,
  type: ResourceTypeName,
  doc: ResourceDoc,
  projection: Projection,
  related?: Related[],
): WireResource {
  const resource = type === "User" ? withManagerRef(doc.resource, ctx.baseUrl) : doc.resource;
  return project(toScimResource(resource, metaOf(doc), type, ctx.baseUrl, related), projection);
}

/** 412 unless the client's If-Match (RFC 7232) names the version of the document as loaded. */
function checkVersion(doc: ResourceDoc, ifMatch: string | undefined): void {
  if (!ifMatchHolds(ifMatch, versionOf(doc)))
    throw new PreconditionFailedError(`${doc.kind} ${doc.id}`, ifMatch, versionOf(doc));
}

/** A User's manager that a write sets anew (RFC 7643 §4.3); one it leaves as it was is not read again. */
function newManager(type: ResourceTypeName, next: WireResource, before?: WireResource): string | undefined {
  const id = type === "User" ? managerIdOf(next) : undefined;
  return id === undefined || (before && managerIdOf(before) === id) ? undefined : id;
}

/**
 * Loads the members a write adds and the manager it sets, in one bulk read, and checks them
 * (scim/references.ts) before anything is written. A failed read is an error, never "unknown".
 */
async function checkReferences(
  ctx: OperationContext,
  groupId: string,
  members: string[],
  manager: string | undefined,
): Promise<void> {
  const ids = [...members, ...(manager === undefined ? [] : [manager])];
  if (ids.length === 0) return;
  const found = await ctx.services.resources.readMany(ctx.tenantId, ids);
  const kindOf = (id: string) => found.get(id)?.kind;
  if (members.length) checkMembers(members, kindOf, groupId);
  if (manager !== undefined) checkManager(manager, kindOf);
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

/** The result of a write, with the resource rendered when the adapter asks for it; `known` members (a create) save reading them back. */
async function resultOf(
  ctx: OperationContext,
  kind: "created" | "changed" | "unchanged",
  doc: ResourceDoc,
  request: WriteRequest,
  known?: string[],
): Promise<Written> {
  const out = { kind, id: doc.id, version: metaOf(doc).version };
  if (!request.projection) return out;
  const type = doc.kind as ResourceTypeName;
  const related = known
    ? known.map((id) => ({ id }))
    : (await relatedOf(ctx, type, [doc], request.projection))?.get(doc.id);
  return { ...out, resource: render(ctx, type, doc, request.projection, related) };
}

/** Membership changes and what follows from them (roles); the log records the counts. `settings`: read fresh by the caller's load. */
async function changeMembers(
  ctx: OperationContext,
  trail: AuditTrail,
  group: ResourceDoc,
  change: MemberChange,
  settings?: TenantSettings,
) {
  const { settings: latest, ...counts } = await changeMembership(ctx, group, change, settings);
  trail.members = counts;
  trail.settings = latest;
}

const sameFacts = (a: GroupFacts, b: GroupFacts) =>
  a.id === b.id && a.displayName === b.displayName && a.externalId === b.externalId;

/**
 * After a write to a group: a pending mapping that already named the group before the write is
 * bound now (its create did not: see bindPendingLate), judged on the settings the write loaded.
 * A group's new externalId (object ID) can make role mappings start or stop matching it (a new
 * displayName never does: mappings keep the group's id): after such a write the settings are read
 * fresh (a mapping saved meanwhile is seen). A write that leaves both as they were (a member
 * change) cannot change which mappings match, whatever the settings say, so nothing is read.
 */
async function afterGroupChange(
  ctx: OperationContext,
  before: ResourceDoc,
  after: ResourceDoc,
  loaded: TenantSettings,
): Promise<void> {
  const facts = groupFacts(before);
  const waiting = [...loaded.roleMappings, ...loaded.teamMappings].some((m) => pendingMatches(m.group, facts));
  if (waiting && (await bindArrivedGroup(ctx, before))) {
    await recomputeGroup(ctx, after, "role-map");
    return;
  }
  if (sameFacts(groupFacts(before), groupFacts(after))) return;
  const settings = await tenantSettings(ctx, { fresh: true });
  if (!roleMatchChanged(settings, groupFacts(before), groupFacts(after))) return;
  await recomputeGroup(ctx, after, "rename");
}

/**
 * A user whose delete the safety net holds still loses access at once: it is disconnected (with
 * its `user.deactivated` event) and its sessions end; its data and memberships stay until the
 * hold is released. A user disconnected already is left as it is.
 */
async function disconnectHeldUser(ctx: OperationContext, id: string): Promise<void> {
  const { resources } = ctx.services;
  const settings = await tenantSettings(ctx);
  await withRetry(
    `disconnecting User ${id}`,
    () => resources.require(ctx.tenantId, "User", id),
    (loaded) =>
      loaded.resource.active === false
        ? undefined
        : planReplace(
            loaded,
            { ...loaded.resource, active: false },
            ctx.now,
            settings,
            actorFields(ctx.actor).tokenName,
          ),
    (write) => (write ? resources.write(write) : Promise.resolve(undefined)),
  );
  await endSessions(ctx, id);
}

/**
 * A disconnect (active=false) or delete ends the user's portal sessions. The change has landed by
 * then: a failure here is reported, not answered (every API call re-checks the user anyway).
 */
async function endSessions(ctx: OperationContext, userId: string): Promise<void> {
  await endUserSessions(ctx.services.sessions, ctx.tenantId, userId).catch((e) =>
    ctx.services.report("Could not end the sessions of a disconnected user", e),
  );
}

/** A page of resources as served, with what the projection asks of their memberships. */
async function renderPage(
  ctx: OperationContext,
  type: ResourceTypeName,
  docs: ResourceDoc[],
  projection: Projection,
): Promise<WireResource[]> {
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
export async function listResources(
  ctx: OperationContext,
  type: ResourceTypeName,
  params: ListParams,
): Promise<ListPage> {
  const store = ctx.services.resources;
  if (params.cursor === undefined) {
    const { total, docs } = await store.query(ctx.tenantId, type, params);
    return listResponse(await renderPage(ctx, type, docs, params.projection), total, params.startIndex);
  }
  const binding = queryBinding(ctx.tenantId, type, params);
  const at = cursorStart(ctx, params, binding);
  const { total, docs, more } = await store.query(ctx.tenantId, type, {
    ...params,
    startIndex: at.position + 1,
    ...(params.sortBy ? {} : { after: at.after }),
  });
  const next =
    more && docs.length > 0
      ? encodeCursor(binding, { position: at.position + docs.length, after: docs[docs.length - 1]!.id }, ctx.now)
      : undefined;
  return cursorListResponse(await renderPage(ctx, type, docs, params.projection), total, next);
}

/**
 * POST /.search at the root (RFC 7644 §3.4.3): Users, then Groups, paged over both. A type whose
 * schema cannot answer the request (a filter on userName for Groups) contributes nothing; a
 * request neither type can answer is that error.
 */
export async function searchAll(
  ctx: OperationContext,
  paramsFor: (type: ResourceTypeName) => Promise<ListParams>,
): Promise<ListPage> {
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
  return listResponse(page, before, startIndex);
}

/**
 * Root `/.search` with a cursor (RFC 9865 §3): Users, then Groups. The cursor names the type the
 * next page continues in and the position in it; a page that ends a type continues with the next.
 */
async function searchAllByCursor(
  ctx: OperationContext,
  parts: { type: ResourceTypeName; params: ListParams; total: number }[],
): Promise<ListPage> {
  const binding = queryBinding(ctx.tenantId, "root", parts[0]!.params);
  const at = cursorStart(ctx, parts[0]!.params, binding);
  const first = at.type === undefined ? 0 : parts.findIndex((p) => p.type === at.type);
  if (first < 0)
    throw badRequest(
      "invalidCursor",
      `'cursor' continues in ${at.type}s, which this search does not list; start again with an empty cursor.`,
    );
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
    if (more && docs.length > 0)
      next = { type, position: from.position + docs.length, after: docs[docs.length - 1]!.id };
    else if (page.length === count) {
      const rest = parts.slice(i + 1).find((p) => p.total > 0);
      if (rest) next = { type: rest.type, position: 0 };
    }
  }
  const total = parts.reduce((sum, p) => sum + p.total, 0);
  return cursorListResponse(page, total, next && encodeCursor(binding, next, ctx.now));
}

/** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1): the resource as served, and its version. */
export async function getResource(
  ctx: OperationContext,
  type: ResourceTypeName,
  id: string,
  projection: Projection,
): Promise<{ body: WireResource; version: string }> {
  const doc = await ctx.services.resources.require(ctx.tenantId, type, id);
  const related = (await relatedOf(ctx, type, [doc], projection))?.get(doc.id);
  return { body: render(ctx, type, doc, projection, related), version: metaOf(doc).version };
}

/**
 * POST /Users, POST /Groups (RFC 7644 §3.3). A User gets its product state from identity linking,
 * or `product` as an admin gives it (the CLI). The document, its lookups and its log event land in
 * one batch; a Group created with members logs once its members are written.
 */
export async function createResource(
  ctx: OperationContext,
  trail: AuditTrail,
  type: ResourceTypeName,
  input: ParsedResource,
  request: WriteRequest,
  options: { product?: StoredProduct } = {},
): Promise<Written> {
  const { resource, members = [] } = input;
  trail.ignoredAttributes = input.ignored;
  const settings = (trail.settings ??= await tenantSettings(ctx));
  await checkReferences(ctx, "(new)", members, newManager(type, resource));
  const draft = members.length ? undefined : trail.draftWith(request.status, settings);
  const doc = await withRetry(
    `creating a ${type}`,
    async () => undefined,
    () =>
      planCreate({
        tenantId: ctx.tenantId,
        id: randomUUID(),
        now: ctx.now,
        type,
        resource,
        settings,
        product: options.product,
        actor: actorFields(ctx.actor).tokenName,
        draft,
      }),
    (write) => ctx.services.resources.write(write),
  );
  trail.resourceId = doc.id;
  if (draft) trail.landed();
  // Mappings made by this group's name or object ID before it existed now name it by id (before its members' roles are computed).
  if (type === "Group") await bindArrivedGroup(ctx, doc);
  if (members.length) {
    trail.describe(undefined, resource);
    trail.changedAttributes.push("members");
    await changeMembers(ctx, trail, doc, { add: members, remove: [] });
  }
  return resultOf(ctx, "created", doc, request, type === "Group" ? members : undefined);
}

/** PUT /Users/{id}, PUT /Groups/{id} (RFC 7644 §3.5.1): replaces every writable attribute. */
export async function replaceResource(
  ctx: OperationContext,
  trail: AuditTrail,
  type: ResourceTypeName,
  id: string,
  input: ParsedResource,
  request: WriteRequest,
): Promise<Written> {
  const { resource, members } = input;
  trail.ignoredAttributes = input.ignored;
  const store = ctx.services.resources;
  const load = () => store.require(ctx.tenantId, type, id);
  const current = await load();
  trail.name(current.resource);
  const settings = (trail.settings ??= await tenantSettings(ctx));
  await checkReferences(ctx, current.id, members ?? [], newManager(type, resource, current.resource));
  const withMembers = type === "Group" && members !== undefined;
  const draft = withMembers ? undefined : trail.draftWith(request.status, settings);
  const doc = await withRetry(
    `updating ${type} ${id}`,
    load,
    (loaded) => {
      checkVersion(loaded, request.ifMatch);
      return planReplace(loaded, resource, ctx.now, settings, actorFields(ctx.actor).tokenName, draft);
    },
    (write) => store.write(write),
    current,
  );
  if (draft) trail.landed();
  if (type === "Group") {
    trail.describe(current.resource, doc.resource);
    if (withMembers) await changeMembers(ctx, trail, doc, { replace: members });
    if (withMembers) trail.changedAttributes.push("members");
    await afterGroupChange(ctx, current, doc, trail.settings ?? settings);
  } else if (doc.resource.active === false) {
    await flagLastAdmin(ctx, current, "disconnected");
    if (current.resource.active !== false) await endSessions(ctx, doc.id);
  }
  return resultOf(ctx, "changed", doc, request);
}

/**
 * PATCH /Users/{id}, PATCH /Groups/{id} (RFC 7644 §3.5.2), both Entra dialects. All operations
 * are checked before anything is written; a concurrent writer makes them apply again to the fresh
 * document. A change of a group's members only rewrites no document (only its lastModified), so
 * concurrent member changes never collide; their settings are read fresh once here, for the
 * membership change's decisions.
 */
export async function patchResource(
  ctx: OperationContext,
  trail: AuditTrail,
  type: ResourceTypeName,
  id: string,
  ops: PatchOp[],
  request: WriteRequest,
): Promise<Written> {
  const store = ctx.services.resources;
  const load = () => store.require(ctx.tenantId, type, id);
  const current = await load();
  trail.name(current.resource);
  const trial = applyPatch(current.resource, ops, type);
  trail.ignoredAttributes = trial.ignored;
  const delta: MemberDelta | undefined = trial.members;
  const settings = (trail.settings = await tenantSettings(ctx, { fresh: delta !== undefined }));
  const adds = delta ? (delta.kind === "replace" ? delta.ids : delta.add) : [];
  await checkReferences(ctx, current.id, adds, newManager(type, trial.resource, current.resource));
  const draft = delta ? undefined : trail.draftWith(request.status, settings);
  let doc = current;
  let wrote = false;
  if (trial.changedAttributes.some((a) => a !== "members")) {
    doc = await withRetry(
      `updating ${type} ${id}`,
      load,
      (loaded) => {
        checkVersion(loaded, request.ifMatch);
        return planPatch(loaded, ops, ctx.now, settings, actorFields(ctx.actor).tokenName, draft);
      },
      async ({ write }, loaded) => {
        if (!write) return loaded;
        const written = await store.write(write);
        wrote = true;
        return written;
      },
      current,
    );
    if (wrote && draft) trail.landed();
    trail.describe(current.resource, doc.resource);
  } else checkVersion(current, request.ifMatch);
  if (delta && !wrote)
    doc = await store.touch(ctx.tenantId, type, current.id, ctx.now, request.ifMatch ? current : undefined);
  if (delta) {
    trail.changedAttributes.push("members");
    await changeMembers(
      ctx,
      trail,
      doc,
      delta.kind === "replace" ? { replace: delta.ids } : { add: delta.add, remove: delta.remove },
      settings,
    );
  }
  if (type === "Group") await afterGroupChange(ctx, current, doc, trail.settings ?? settings);
  else if (doc.resource.active === false) {
    await flagLastAdmin(ctx, current, "disconnected");
    if (current.resource.active !== false) await endSessions(ctx, doc.id);
  }
  return resultOf(ctx, wrote || delta ? "changed" : "unchanged", doc, request);
}

/**
 * DELETE /Users/{id}, DELETE /Groups/{id} (RFC 7644 §3.6). A user's record is kept as deleted for
 * the tenant's retention period (then purged by Cosmos DB TTL); SCIM no longer sees it. Its
 * memberships go before the record (and again after, for one added while the delete ran).
 */
export async function deleteResource(
  ctx: OperationContext,
  trail: AuditTrail,
  type: ResourceTypeName,
  id: string,
  request: WriteRequest,
): Promise<WriteResult> {
  const { resources, memberships } = ctx.services;
  if (type === "Group") {
    const large = await deleteLargeGroup(ctx, trail, id, request);
    if (large) return large;
  }
  const related = await memberships.of(ctx.tenantId, type, id);
  const load = () => resources.require(ctx.tenantId, type, id);
  const before = await resources.get(ctx.tenantId, type, id);
  if (!before) {
    await memberships.removeDocs(
      ctx.tenantId,
      related.map((r) => r.id),
    );
    await load();
    return { kind: "deleted" };
  }
  trail.name(before.resource);
  checkVersion(before, request.ifMatch);
  // The deprovisioning safety net, before anything changes (its memberships go first below).
  if (type === "User")
    await guardUserDelete(ctx, before).catch(async (error: unknown) => {
      if (error instanceof DeleteHeldError) await disconnectHeldUser(ctx, id);
      throw error;
    });
  // Read once, fresh, where the role recomputation used to read them: it and the log event use these.
  const settings = (trail.settings = await tenantSettings(ctx, { fresh: true }));
  const members = type === "Group" && mapsRoles(settings, groupFacts(before)) ? related.map((r) => r.other) : [];
  // Roles first, as if the group were gone: a retried DELETE (the group still there) redoes them.
  await recomputeRoles(ctx, members, { withoutGroup: before.id, settings });
  await memberships.removeDocs(
    ctx.tenantId,
    related.map((r) => r.id),
  );
  const draft = trail.draftWith(request.status, settings);
  const retention =
    type === "User"
      ? { retentionSeconds: deletedUserTtlSeconds(settings), formerGroups: related.map((r) => r.other) }
      : {};
  await withRetry(
    `deleting ${type} ${id}`,
    load,
    (loaded) => {
      checkVersion(loaded, request.ifMatch);
      return planDelete(loaded, ctx.now, actorFields(ctx.actor).tokenName, draft, retention);
    },
    (write) => resources.write(write),
    before,
  );
  trail.landed();
  await memberships.removeDocs(
    ctx.tenantId,
    (await memberships.of(ctx.tenantId, type, id)).map((r) => r.id),
  );
  if (type === "User") {
    await flagLastAdmin(ctx, before, "deleted");
    await endSessions(ctx, id);
  }
  return { kind: "deleted" };
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
async function deleteLargeGroup(
  ctx: OperationContext,
  trail: AuditTrail,
  id: string,
  request: WriteRequest,
): Promise<WriteResult | undefined> {
  const { ifMatch } = request;
  const { resources, jobs } = ctx.services;
  const limit = ctx.services.config.jobs.inlineMembers;
  const load = async () => {
    const probe = await jobs.memberPage(ctx.tenantId, id, undefined, limit + 1);
    if (probe.length <= limit) return undefined;
    requireQueue(ctx.services);
    const group = await resources.get(ctx.tenantId, "Group", id);
    if (!group) {
      const gone: ResourceDoc = {
        id,
        tenantId: ctx.tenantId,
        kind: "Group",
        resource: {},
        meta: { created: "", lastModified: "" },
      };
      const job =
        (await jobs.get(ctx.tenantId, deleteJobId(id))) ??
        (await jobs.create(newJob(ctx, "delete-group", gone, "delete", true)));
      if (job.state === "queued" || job.state === "running") await kickOff(ctx, job);
      throw new NotFoundError(`Group ${id}`);
    }
    return { group, settings: (trail.settings = await tenantSettings(ctx)) };
  };
  const job = await withRetry(
    `deleting Group ${id}`,
    load,
    (loaded) => {
      if (!loaded) return undefined;
      checkVersion(loaded.group, ifMatch);
      return newJob(ctx, "delete-group", loaded.group, "delete", mapsRoles(loaded.settings, groupFacts(loaded.group)));
    },
    async (job, loaded) => {
      if (!job || !loaded) return undefined;
      try {
        await jobs.deleteGroupWithJob(
          loaded.group,
          job,
          trail.draftWith(request.status, loaded.settings),
          {
            resourceType: "Group",
            resourceId: id,
            ...resourceNames("Group", loaded.group.resource),
            changedAttributes: [],
            detail: `More than ${limit} members: job ${job.id} ${job.recompute ? "recomputes their roles and " : ""}removes the memberships in the background.`,
          },
          changeEvents(actorFields(ctx.actor).tokenName, ctx.now.toISOString(), loaded.group, loaded.group, true),
        );
      } catch (error) {
        // The group changed (or went) between the read and the batch: load it again, unless the client's If-Match pinned a version.
        if ((error instanceof PreconditionFailedError || error instanceof NotFoundError) && !ifMatch)
          throw new StaleWriteError(`Group ${id}`);
        throw error;
      }
      return job;
    },
    undefined,
    5,
  );
  if (!job) return undefined;
  trail.landed();
  await kickOff(ctx, job);
  return { kind: "deleted" };
}
