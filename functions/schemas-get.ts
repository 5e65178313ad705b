import { scimFunction } from "../shared/http/function.js";
import { schemaDocuments } from "../shared/scim/discovery.js";
import { notFound } from "../shared/scim/errors.js";

/** GET /scim/v2/Schemas/{urn} */
export const getSchema = scimFunction("schemas-get", { methods: ["GET"], route: "Schemas/{urn}" }, async (ctx) => {
  const found = schemaDocuments(ctx.baseUrl).find((s) => s.id.toLowerCase() === ctx.params.urn.toLowerCase());
  if (!found) throw notFound(`No schema '${ctx.params.urn}'; GET /Schemas lists the schemas this service has.`);
  return { status: 200, body: found };
});
