import type { GroupFacts } from "../product/groups.js";
import { productOf, type ProductUser } from "../product/identity.js";
import type { TenantSettings } from "../product/settings.js";
import type { ResourceDoc } from "../store/resources.js";

/** What the product rules need of stored documents. */

export const groupFacts = (doc: ResourceDoc): GroupFacts => ({
  id: doc.id,
  displayName: typeof doc.resource.displayName === "string" ? doc.resource.displayName : undefined,
  externalId: typeof doc.resource.externalId === "string" ? doc.resource.externalId : undefined,
});

export const userProduct = (doc: ResourceDoc, settings: TenantSettings): ProductUser =>
  productOf(doc.product, doc.resource.externalId, settings);

export const isActive = (doc: ResourceDoc) => doc.resource.active !== false;
