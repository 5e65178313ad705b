/** Where the SCIM endpoints live: the path of the Tenant URL (host.json's routePrefix is empty). */
export const SCIM_PREFIX = "scim/v2";
