import { scimFunction } from "../shared/http/function.js";
import { serviceProviderConfig } from "../shared/scim/discovery.js";

/** GET /scim/v2/ServiceProviderConfig (RFC 7644 §4) */
export const getServiceProviderConfig = scimFunction(
  "service-provider-config",
  { methods: ["GET"], route: "ServiceProviderConfig" },
  async (ctx) => ({ status: 200, body: serviceProviderConfig(ctx.baseUrl, ctx.services.config.maxResults) }),
);
