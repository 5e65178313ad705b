import type { ScimContext, ScimResult } from "../http/function.js";
import type { ResourceTypeName } from "../scim/schemas.js";
import type { Projection, Related, WireResource } from "../scim/resource.js";
import { parseProjection, parseResource, project, toScimResource, wantsAttribute } from "../scim/resource.js";
import { listResponse, parseListParams } from "../scim/list.js";
import { applyPatch, parsePatchRequest, type MemberDelta } from "../scim/patch.js";
import { validateResource } from "../scim/validate.js";
import { changedAttributes, checkIfMatch, metaOf, type ResourceDoc, type WriteOptions } from "../store/resources.js";
import { changeMembership, flagLastAdmin, groupFacts, linkedProduct, mapsRoles, recomputeRoles, roleMatchChanged } from "./provisioning.js";

/**
 * The six operations of RFC 7644 §3 for Users and Groups. Function files call these; the store
 * does the persistence. Group members live outside the group document, so reading them is skipped
 * whenever the projection leaves them out (Entra's excludedAttributes=members).
 */

function render(ctx: ScimContext, type: ResourceTypeName, doc: ResourceDoc, projection: Projection, related?: Related[]): WireResource {
  return project(toScimResource(doc.resource, metaOf(doc), type, ctx.baseUrl, related), projection);
}

function projectionOf(ctx: ScimContext, type: ResourceTypeName): Projection {
  return parseProjection(ctx.query.get("attributes"), ctx.query.get("excludedAttributes"), type);
}

/**
 * Memberships to serve with resources, read only when the projection asks for them: a Group's
 * `members` (one query for the whole page; Entra's excludedAttributes=members skips it), a User's
 * `groups` (returned only on request, RFC 7643 "returned": "request").
 */
async function relatedOf(ctx: ScimContext, type: ResourceTypeName, docs: ResourceDoc[], projection: Projection): Promise<Map<string, Related[]> | undefined> {
  const store = ctx.services.resources;
  if (type === "Group") {
    if (!wantsAttribute(projection, ["members"], type)) return undefined;
    const members = await store.membersOf(ctx.tenantId, docs.map((d) => d.id));
    return new Map([...members].map(([id, users]) => [id, users.map((u) => ({ id: u }))]));
  }
  if (!wantsAttribute(projection, ["groups"], type)) return undefined;
  const out = new Map<string, Related[]>();
  for (const doc of docs) {
    const groups = await store.getMany(ctx.tenantId, "Group", await store.groupsOf(ctx.tenantId, doc.id));
    out.set(doc.id, groups.map((g) => ({ id: g.id, display: String(g.resource.displayName) })));
  }
  return out;
}

/** Serves one resource; `known` members (a create) save reading them back. */
async function respond(ctx: ScimContext, type: ResourceTypeName, doc: ResourceDoc, status: number, known?: string[]): Promise<ScimResult> {
  const projection = projectionOf(ctx, type);
  const related = known ? known.map((id) => ({ id })) : (await relatedOf(ctx, type, [doc], projection))?.get(doc.id);
  const body = render(ctx, type, doc, projection, related);
  const headers: Record<string, string> = { ETag: metaOf(doc).version };
  if (status === 201) headers.Location = (body.meta as { location: string }).location;
  return { status, body, headers };
}

/** GET /Users, GET /Groups (RFC 7644 §3.4.2). */
export async function listResources(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const params = parseListParams(ctx.query, type, ctx.services.config.maxResults);
  const { total, docs } = await ctx.services.resources.query(ctx.tenantId, type, params);
  const related = await relatedOf(ctx, type, docs, params.projection);
  const resources = docs.map((doc) => render(ctx, type, doc, params.projection, related?.get(doc.id)));
  return { status: 200, body: listResponse(resources, total, params.startIndex) };
}

/** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1). */
export async function getResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const doc = await ctx.services.resources.require(ctx.tenantId, type, ctx.params.id);
  return respond(ctx, type, doc, 200);
}

/** Store options of a write: its provisioning-log event (in the same batch) and, for Users, identity linking. */
async function writeOptions(ctx: ScimContext, type: ResourceTypeName, status: number, logInBatch = true): Promise<WriteOptions> {
  const settings = await ctx.services.settings.get(ctx.tenantId, ctx.now);
  return {
    now: ctx.now,
    ...(logInBatch ? { audit: await ctx.audit.draft(status) } : {}),
    ...(type === "User" ? { product: linkedProduct(settings) } : {}),
  };
}

/** Membership changes and what follows from them (roles); the log records the counts. */
async function changeMembers(ctx: ScimContext, group: ResourceDoc, change: { add: string[]; remove: string[] } | { replace: string[] }) {
  ctx.audit.members = await changeMembership(ctx.services, ctx.tenantId, group, change, ctx.now, ctx.principal);
}

/** A group's new name or externalId can make role mappings start or stop matching it. */
async function afterGroupChange(ctx: ScimContext, before: ResourceDoc, after: ResourceDoc): Promise<void> {
  const settings = await ctx.services.settings.get(ctx.tenantId, ctx.now);
  if (!roleMatchChanged(settings, groupFacts(before), groupFacts(after))) return;
  const members = (await ctx.services.resources.membersOf(ctx.tenantId, [after.id])).get(after.id) ?? [];
  await recomputeRoles(ctx.services, ctx.tenantId, members, ctx.now, ctx.principal);
}

/** POST /Users, POST /Groups (RFC 7644 §3.3). */
export async function createResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  ctx.audit.begin("create", type);
  const { resource, members } = parseResource(await ctx.json(), type);
  const store = ctx.services.resources;
  if (members?.length) await store.assertUsers(ctx.tenantId, members, "(new)");
  const doc = await store.create(ctx.tenantId, type, resource, await writeOptions(ctx, type, 201, !members?.length));
  ctx.audit.resourceId = doc.id;
  if (!members?.length) ctx.audit.landed();
  else {
    ctx.audit.changedAttributes = changedAttributes(undefined, resource).concat("members");
    await changeMembers(ctx, doc, { add: members, remove: [] });
  }
  return respond(ctx, type, doc, 201, type === "Group" ? (members ?? []) : undefined);
}

/** PUT /Users/{id}, PUT /Groups/{id} (RFC 7644 §3.5.1): replaces every writable attribute. */
export async function replaceResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  ctx.audit.begin("replace", type, ctx.params.id);
  const { resource, members } = parseResource(await ctx.json(), type);
  const store = ctx.services.resources;
  const current = await store.require(ctx.tenantId, type, ctx.params.id);
  if (members?.length) await store.assertUsers(ctx.tenantId, members, current.id);
  const withMembers = type === "Group" && members !== undefined;
  const doc = await store.update(ctx.tenantId, type, current.id, () => resource, {
    ...(await writeOptions(ctx, type, 200, !withMembers)),
    ifMatch: ctx.request.headers.get("if-match") ?? undefined,
    current,
  });
  if (!withMembers) ctx.audit.landed();
  if (type === "Group") {
    ctx.audit.changedAttributes = changedAttributes(current.resource, doc.resource);
    if (withMembers) await changeMembers(ctx, doc, { replace: members });
    if (withMembers) ctx.audit.changedAttributes.push("members");
    await afterGroupChange(ctx, current, doc);
  } else if (doc.resource.active === false) {
    await flagLastAdmin(ctx.services, ctx.tenantId, current, "disconnected", ctx.now, ctx.principal);
  }
  return respond(ctx, type, doc, 200);
}

/**
 * PATCH /Users/{id}, PATCH /Groups/{id} (RFC 7644 §3.5.2), both Entra dialects. All operations
 * are checked before anything is written; a concurrent writer makes the store re-apply them to the
 * fresh document. Users answer 200 with the resource; Groups answer 204, as Entra prefers.
 */
export async function patchResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  ctx.audit.begin("patch", type, ctx.params.id);
  const ops = parsePatchRequest(await ctx.json());
  const store = ctx.services.resources;
  const current = await store.require(ctx.tenantId, type, ctx.params.id);
  const trial = applyPatch(current.resource, ops, type);
  const delta: MemberDelta | undefined = trial.members;
  const adds = delta ? (delta.kind === "replace" ? delta.ids : delta.add) : [];
  if (adds.length) await store.assertUsers(ctx.tenantId, adds, current.id);
  const ifMatch = ctx.request.headers.get("if-match") ?? undefined;
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
      { ...(await writeOptions(ctx, type, status, !delta)), ifMatch, current, touch: delta !== undefined },
    );
    if (!delta) ctx.audit.landed();
    ctx.audit.changedAttributes = changedAttributes(current.resource, doc.resource);
  } else {
    // Members only (or nothing): no version-checked rewrite, so concurrent member changes never collide.
    checkIfMatch(current, ifMatch);
    doc = delta ? await store.touch(ctx.tenantId, type, current.id, ctx.now, ifMatch ? current : undefined) : current;
  }
  if (delta) {
    ctx.audit.changedAttributes.push("members");
    await changeMembers(ctx, doc, delta.kind === "replace" ? { replace: delta.ids } : { add: delta.add, remove: delta.remove });
  }
  if (type === "Group") {
    await afterGroupChange(ctx, current, doc);
    return { status, headers: { ETag: metaOf(doc).version } };
  }
  if (doc.resource.active === false) await flagLastAdmin(ctx.services, ctx.tenantId, current, "disconnected", ctx.now, ctx.principal);
  return respond(ctx, type, doc, status);
}

/**
 * DELETE /Users/{id}, DELETE /Groups/{id} (RFC 7644 §3.6). A user's record is kept as deleted for
 * the tenant's retention period (then purged by Cosmos DB TTL); SCIM no longer sees it.
 */
export async function deleteResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  ctx.audit.begin("delete", type, ctx.params.id);
  const settings = await ctx.services.settings.get(ctx.tenantId, ctx.now);
  const before = await ctx.services.resources.require(ctx.tenantId, type, ctx.params.id);
  const members = type === "Group" && mapsRoles(settings, groupFacts(before)) ? ((await ctx.services.resources.membersOf(ctx.tenantId, [before.id])).get(before.id) ?? []) : [];
  // Roles first, as if the group were gone: a retried DELETE (the group still there) redoes them.
  await recomputeRoles(ctx.services, ctx.tenantId, members, ctx.now, ctx.principal, { withoutGroup: before.id });
  await ctx.services.resources.delete(ctx.tenantId, type, ctx.params.id, {
    ...(await writeOptions(ctx, type, 204)),
    ifMatch: ctx.request.headers.get("if-match") ?? undefined,
    retentionSeconds: type === "User" ? settings.deletedUserRetentionDays * 86400 : undefined,
  });
  ctx.audit.landed();
  if (type === "User") await flagLastAdmin(ctx.services, ctx.tenantId, before, "deleted", ctx.now, ctx.principal);
  return { status: 204 };
}
