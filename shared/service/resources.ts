import type { ScimContext, ScimResult } from "../http/function.js";
import type { ResourceTypeName } from "../scim/schemas.js";
import type { Projection, WireResource } from "../scim/resource.js";
import { parseProjection, parseResource, project, toScimResource, wantsAttribute } from "../scim/resource.js";
import { listResponse, parseListParams } from "../scim/list.js";
import { applyPatch, parsePatchRequest, type MemberDelta } from "../scim/patch.js";
import { validateResource } from "../scim/validate.js";
import { checkIfMatch, metaOf, type ResourceDoc } from "../store/resources.js";

/**
 * The six operations of RFC 7644 §3 for Users and Groups. Function files call these; the store
 * does the persistence. Group members live outside the group document, so reading them is skipped
 * whenever the projection leaves them out (Entra's excludedAttributes=members).
 */

function render(ctx: ScimContext, type: ResourceTypeName, doc: ResourceDoc, projection: Projection, members?: string[]): WireResource {
  return project(toScimResource(doc.resource, metaOf(doc), type, ctx.baseUrl, members), projection);
}

const needsMembers = (type: ResourceTypeName, projection: Projection) => type === "Group" && wantsAttribute(projection, ["members"], type);

function projectionOf(ctx: ScimContext, type: ResourceTypeName): Projection {
  return parseProjection(ctx.query.get("attributes"), ctx.query.get("excludedAttributes"), type);
}

/** Serves one resource; `known` members (a create) save reading them back. */
async function respond(ctx: ScimContext, type: ResourceTypeName, doc: ResourceDoc, status: number, known?: string[]): Promise<ScimResult> {
  const projection = projectionOf(ctx, type);
  const members = !needsMembers(type, projection)
    ? undefined
    : (known ?? (await ctx.services.resources.membersOf(ctx.tenantId, [doc.id])).get(doc.id));
  const body = render(ctx, type, doc, projection, members);
  const headers: Record<string, string> = { ETag: metaOf(doc).version };
  if (status === 201) headers.Location = (body.meta as { location: string }).location;
  return { status, body, headers };
}

/** GET /Users, GET /Groups (RFC 7644 §3.4.2). */
export async function listResources(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const params = parseListParams(ctx.query, type, ctx.services.config.maxResults);
  const { total, docs } = await ctx.services.resources.query(ctx.tenantId, type, params);
  const members = needsMembers(type, params.projection)
    ? await ctx.services.resources.membersOf(ctx.tenantId, docs.map((d) => d.id))
    : undefined;
  const resources = docs.map((doc) => render(ctx, type, doc, params.projection, members?.get(doc.id)));
  return { status: 200, body: listResponse(resources, total, params.startIndex) };
}

/** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1). */
export async function getResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const doc = await ctx.services.resources.require(ctx.tenantId, type, ctx.params.id);
  return respond(ctx, type, doc, 200);
}

/** POST /Users, POST /Groups (RFC 7644 §3.3). */
export async function createResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const { resource, members } = parseResource(await ctx.json(), type);
  const store = ctx.services.resources;
  if (members?.length) await store.assertUsers(ctx.tenantId, members, "(new)");
  const doc = await store.create(ctx.tenantId, type, resource, ctx.now);
  if (members?.length) await store.changeMembers(ctx.tenantId, doc.id, { add: members, remove: [] }, ctx.now);
  return respond(ctx, type, doc, 201, type === "Group" ? (members ?? []) : undefined);
}

/** PUT /Users/{id}, PUT /Groups/{id} (RFC 7644 §3.5.1): replaces every writable attribute. */
export async function replaceResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const { resource, members } = parseResource(await ctx.json(), type);
  const store = ctx.services.resources;
  const current = await store.require(ctx.tenantId, type, ctx.params.id);
  if (members?.length) await store.assertUsers(ctx.tenantId, members, current.id);
  const doc = await store.update(ctx.tenantId, type, current.id, () => resource, {
    now: ctx.now,
    ifMatch: ctx.request.headers.get("if-match") ?? undefined,
    current,
  });
  if (type === "Group" && members !== undefined) {
    await store.changeMembers(ctx.tenantId, doc.id, { replace: members }, ctx.now);
  }
  return respond(ctx, type, doc, 200);
}

/**
 * PATCH /Users/{id}, PATCH /Groups/{id} (RFC 7644 §3.5.2), both Entra dialects. All operations
 * are checked before anything is written; a concurrent writer makes the store re-apply them to the
 * fresh document. Users answer 200 with the resource; Groups answer 204, as Entra prefers.
 */
export async function patchResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  const ops = parsePatchRequest(await ctx.json());
  const store = ctx.services.resources;
  const current = await store.require(ctx.tenantId, type, ctx.params.id);
  const trial = applyPatch(current.resource, ops, type);
  const delta: MemberDelta | undefined = trial.members;
  const adds = delta ? (delta.kind === "replace" ? delta.ids : delta.add) : [];
  if (adds.length) await store.assertUsers(ctx.tenantId, adds, current.id);
  const ifMatch = ctx.request.headers.get("if-match") ?? undefined;
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
      { now: ctx.now, ifMatch, current, touch: delta !== undefined },
    );
  } else {
    // Members only (or nothing): no version-checked rewrite, so concurrent member changes never collide.
    checkIfMatch(current, ifMatch);
    doc = delta ? await store.touch(ctx.tenantId, type, current.id, ctx.now) : current;
  }
  if (delta) {
    await store.changeMembers(
      ctx.tenantId,
      doc.id,
      delta.kind === "replace" ? { replace: delta.ids } : { add: delta.add, remove: delta.remove },
      ctx.now,
    );
  }
  if (type === "Group") return { status: 204, headers: { ETag: metaOf(doc).version } };
  return respond(ctx, type, doc, 200);
}

/** DELETE /Users/{id}, DELETE /Groups/{id} (RFC 7644 §3.6). */
export async function deleteResource(ctx: ScimContext, type: ResourceTypeName): Promise<ScimResult> {
  await ctx.services.resources.delete(ctx.tenantId, type, ctx.params.id, ctx.request.headers.get("if-match") ?? undefined);
  return { status: 204 };
}
