/** Where the local host's queue emulator listens, shared by the host and the admin CLI (which must not load the emulator). */

/** Azurite's well-known development account (public, documented; it is not a secret and works only against the emulator). */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
export const DEFAULT_LOCAL_QUEUE_PORT = 7082;

export const azuriteConnectionString = (port: number) =>
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};QueueEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
