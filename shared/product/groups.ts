/** The facts of a group that role and team mappings match on. */
export interface GroupFacts {
  id: string;
  displayName?: string;
  externalId?: string;
}
