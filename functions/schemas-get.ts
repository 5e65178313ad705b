import { scimFunction } from "../shared/http/scim.js";
import { schemaDocuments } from "../shared/scim/discovery.js";
import { notFound } from "../shared/scim/errors.js";

/** GET /scim/v2/Schemas/{urn} */
export const getSchema = scimFunction("schemas-get", { methods: ["GET"], route: "Schemas/{urn}" }, async (req) => {
  const urn = req.params.urn ?? "";
  const found = schemaDocuments(req.context.baseUrl).find((s) => s.id.toLowerCase() === urn.toLowerCase());
  if (!found) throw notFound(`No schema '${urn}'; GET /Schemas lists the schemas this service has.`);
  return { status: 200, body: found };
});
