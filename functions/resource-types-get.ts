import { scimFunction } from "../shared/http/scim.js";
import { resourceTypes } from "../shared/scim/discovery.js";
import { notFound } from "../shared/scim/errors.js";

/** GET /scim/v2/ResourceTypes/{name} */
export const getResourceType = scimFunction("resource-types-get", { methods: ["GET"], route: "ResourceTypes/{name}" }, async (req) => {
  const found = resourceTypes(req.context.baseUrl).find((rt) => rt.id.toLowerCase() === req.params.name.toLowerCase());
  if (!found) throw notFound(`No resource type '${req.params.name}'; this service has User and Group.`);
  return { status: 200, body: found };
});
