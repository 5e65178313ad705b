import { SCIM_PREFIX, scimFunction } from "../shared/http/scim.js";
import { oauthEndpoints } from "../shared/operations/oauth.js";
import { serviceProviderConfig } from "../shared/scim/discovery.js";
import { SET_EVENT_URIS } from "../shared/product/event-formats.js";

/** GET /scim/v2/ServiceProviderConfig (RFC 7644 §4), with the event feed's SET event URIs (RFC 9967 §4). */
export const getServiceProviderConfig = scimFunction(
  "service-provider-config",
  { methods: ["GET"], route: "ServiceProviderConfig" },
  async (req) => {
    const origin = req.context.baseUrl.slice(0, -`/${SCIM_PREFIX}`.length);
    return {
      status: 200,
      body: serviceProviderConfig(
        req.context.baseUrl,
        req.config.maxResults,
        oauthEndpoints(origin).tokenEndpoint,
        SET_EVENT_URIS,
      ),
    };
  },
);
