/**
 * The workload identity (its object ID) the development OpenID provider (dev-oidc.ts) mints
 * assertions for unless told otherwise. A constant of its own, so that the admin CLI
 * (`oauth dev-assertion`) can name it without loading the provider.
 */
export const DEV_WORKLOAD_ID = "5a5a5a5a-0000-4000-8000-00000000a11d";
