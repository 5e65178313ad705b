/** Schema and message URNs, spelled exactly as RFC 7643/7644 spell them. */
export const URN = {
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  group: "urn:ietf:params:scim:schemas:core:2.0:Group",
  enterpriseUser: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  /** The product's own User extension (employment data Entra maps onto the product). */
  productUser: "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User",
  /** Non-standard schema URI Entra adds to Group creates; accepted and ignored. */
  entraGroup: "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
  listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
  patchOp: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
  searchRequest: "urn:ietf:params:scim:api:messages:2.0:SearchRequest",
  error: "urn:ietf:params:scim:api:messages:2.0:Error",
  serviceProviderConfig: "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
  resourceType: "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
  schema: "urn:ietf:params:scim:schemas:core:2.0:Schema",
} as const;
