import { tokenEndpointFunction } from "../shared/http/oauth.js";

/** POST /oauth2/token: the OAuth 2.0 token endpoint Entra provisioning calls (client credentials, workload identity federation). */
export const issueToken = tokenEndpointFunction("oauth-token");
