import type { ResourceTypeName } from "../../shared/scim/schemas.js";
import { parseResource } from "../../shared/scim/resource.js";
import { parsePatchRequest } from "../../shared/scim/patch.js";
import { withCanonicalManager } from "../../shared/scim/manager.js";
import type { OperationContext } from "../../shared/operations/context.js";
import { logged } from "../../shared/operations/audit-trail.js";
import { createResource, deleteResource, patchResource, type Written } from "../../shared/operations/resources.js";

/**
 * The SCIM write operations called the way the SCIM adapter (shared/http/scim.ts) calls them:
 * the body parsed inside the provisioning-log trail, then the operation with typed input.
 */

export const create = (ctx: OperationContext, type: ResourceTypeName, body: unknown): Promise<Written> =>
  logged(ctx, { operation: "create", resourceType: type }, (trail) =>
    createResource(ctx, trail, type, parseResource(withCanonicalManager(body, type), type), {
      status: 201,
      projection: {},
    }),
  );

export const patch = (ctx: OperationContext, type: ResourceTypeName, id: string, body: unknown): Promise<Written> =>
  logged(ctx, { operation: "patch", resourceType: type, resourceId: id }, (trail) =>
    patchResource(ctx, trail, type, id, parsePatchRequest(body), { status: type === "Group" ? 204 : 200 }),
  );

export const remove = (ctx: OperationContext, type: ResourceTypeName, id: string) =>
  logged(ctx, { operation: "delete", resourceType: type, resourceId: id }, (trail) =>
    deleteResource(ctx, trail, type, id, { status: 204 }),
  );
