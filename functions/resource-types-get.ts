import { scimFunction } from "../shared/http/function.js";
import { resourceTypes } from "../shared/scim/discovery.js";
import { notFound } from "../shared/scim/errors.js";

/** GET /scim/v2/ResourceTypes/{name} */
export const getResourceType = scimFunction("resource-types-get", { methods: ["GET"], route: "ResourceTypes/{name}" }, async (ctx) => {
  const found = resourceTypes(ctx.baseUrl).find((rt) => rt.id.toLowerCase() === ctx.params.name.toLowerCase());
  if (!found) throw notFound(`No resource type '${ctx.params.name}'; this service has User and Group.`);
  return { status: 200, body: found };
});
