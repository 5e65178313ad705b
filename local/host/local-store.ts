/** Where the local host's embedded store listens, shared by the host and the admin CLI (which must not load the host). */

/** The key the embedded store is opened with (it accepts any key; this one is not a secret). */
export const LOCAL_STORE_KEY = "bG9jYWwtc3RvcmUta2V5LW5vdC1hLXNlY3JldA==";
export const DEFAULT_LOCAL_STORE_PORT = 7081;
