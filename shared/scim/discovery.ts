import type { AttributeDef, SchemaDef } from "./schemas.js";
import { RESOURCE_TYPES, SCHEMAS } from "./schemas.js";
import { URN } from "./urns.js";
import { CURSOR_TIMEOUT_SECONDS } from "./cursor.js";

/**
 * Discovery documents (RFC 7644 §4, RFC 7643 §5-7). ServiceProviderConfig advertises exactly what
 * this server does: PATCH, filter (with maxResults), sort and ETags; no bulk, no password change;
 * index and cursor paging (RFC 9865 §4), index by default, as RFC 9865 requires of a request that
 * names neither. With `eventUris`, the event feed (RFC 9967 §4 `securityEvents`): the SET event
 * URIs it delivers; asynchronous SCIM requests are not offered (`asyncRequest: "none"`).
 */
export function serviceProviderConfig(
  baseUrl: string,
  maxResults: number,
  tokenEndpoint: string,
  eventUris?: readonly string[],
) {
  return {
    schemas: [URN.serviceProviderConfig],
    documentationUri:
      "https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: "index",
      defaultPageSize: maxResults,
      maxPageSize: maxResults,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    authenticationSchemes: [
      {
        type: "oauth2",
        name: "OAuth 2.0 client credentials",
        description: `Access tokens from the token endpoint ${tokenEndpoint} (scope scim), for a tenant's OAuth client: its client secret (client_secret_basic or client_secret_post) or a workload identity's token as client assertion (RFC 7523). Sent as 'Authorization: Bearer <access token>'.`,
        specUri: "https://www.rfc-editor.org/rfc/rfc6749",
        primary: true,
      },
      {
        type: "oauthbearertoken",
        name: "Secret Token (legacy)",
        description:
          "A long-lived SCIM token issued per tenant in the admin portal or CLI, sent as 'Authorization: Bearer <token>'; for existing connections.",
        specUri: "https://www.rfc-editor.org/rfc/rfc6750",
        primary: false,
      },
    ],
    ...(eventUris ? { securityEvents: { asyncRequest: "none", eventUris: [...eventUris] } } : {}),
    meta: {
      resourceType: "ServiceProviderConfig",
      location: `${baseUrl}/ServiceProviderConfig`,
    },
  };
}

export function resourceTypes(baseUrl: string) {
  return Object.values(RESOURCE_TYPES).map((rt) => ({
    schemas: [URN.resourceType],
    id: rt.id,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema,
    ...(rt.schemaExtensions.length ? { schemaExtensions: rt.schemaExtensions } : {}),
    meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/${rt.id}` },
  }));
}

/** An attribute as /Schemas serves it: camel-cased values, no nulls, sub-attributes nested. */
function attributeDocument(attr: AttributeDef): Record<string, unknown> {
  const { subAttributes, ...rest } = attr;
  return { ...rest, ...(subAttributes ? { subAttributes: subAttributes.map(attributeDocument) } : {}) };
}

export function schemaDocuments(baseUrl: string) {
  return SCHEMAS.map((s: SchemaDef) => ({
    schemas: [URN.schema],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(attributeDocument),
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${s.id}` },
  }));
}
