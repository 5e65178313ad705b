import { scimFunction } from "../shared/http/scim.js";
import { schemaDocuments } from "../shared/scim/discovery.js";
import { listResponse } from "../shared/scim/list.js";

/** GET /scim/v2/Schemas (RFC 7644 §4) */
export const listSchemas = scimFunction("schemas-list", { methods: ["GET"], route: "Schemas" }, async (req) => {
  const all = schemaDocuments(req.context.baseUrl);
  return { status: 200, body: listResponse(all, all.length, 1) };
});
