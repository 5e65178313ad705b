import { scimFunction } from "../shared/http/scim.js";
import { serviceProviderConfig } from "../shared/scim/discovery.js";

/** GET /scim/v2/ServiceProviderConfig (RFC 7644 §4) */
export const getServiceProviderConfig = scimFunction("service-provider-config", { methods: ["GET"], route: "ServiceProviderConfig" }, async (req) => ({
  status: 200,
  body: serviceProviderConfig(req.context.baseUrl, req.config.maxResults),
}));
