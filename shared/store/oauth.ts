import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { NotFoundError, call, cosmosStatus, fromCosmos } from "./errors.js";
import { StaleWriteError } from "./resources.js";
import { read } from "./retry.js";

/**
 * OAuth 2.0 clients of Entra provisioning (RFC 6749 client credentials, RFC 7523 client
 * assertions), the opaque access tokens they are issued, and the `jti`s of assertions already
 * used. One container, `oauth`, partitioned by `id`: a client is read by its client ID, an access
 * token by the SHA-256 of its value (one point read each). Secrets and access tokens are stored
 * only as hashes; expired access tokens and `jti`s leave by TTL.
 */

/** Access tokens start with this (and so with the Secret Tokens' `scimf_`): SCIM routes take both. */
export const ACCESS_TOKEN_PREFIX = "scimf_at_";
/** Client secrets start with this, so one pasted as a Secret Token can be recognised and explained. */
export const CLIENT_SECRET_PREFIX = "scimf_cs_";

const DAY_MS = 24 * 3600_000;
/** `lastUsedAt` of a secret or federated credential is written at most this often. */
const LAST_USED_INTERVAL_MS = 60_000;

interface SecretRecord {
  id: string;
  /** SHA-256 (hex) of the secret: 256 random bits, so an unsalted hash is safe to store. */
  hash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

/** A trusted workload identity: an issuer, the identity (`sub`) and the audiences its assertions may carry. */
export interface FederatedRecord {
  id: string;
  /** The issuer as configured (normalised, no trailing slash unless it is part of the issuer). */
  issuer: string;
  /** Set when the issuer is an Entra one: its tenant id, which `tid` must equal; both issuer forms of it are accepted. */
  entraTenantId?: string;
  subject: string;
  audiences: string[];
  createdAt: string;
  lastUsedAt?: string;
}

export interface ClientDoc {
  id: string;
  type: "client";
  tenantId: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
  accessTokenLifetimeMinutes: number;
  secrets: SecretRecord[];
  federated: FederatedRecord[];
  _etag?: string;
}

interface AccessTokenDoc {
  id: string;
  type: "access";
  tenantId: string;
  clientId: string;
  /** The secret or federated credential the token was issued for: revoking it ends the token. */
  credentialId: string;
  /** The Tenant URL the token is for (as Secret Tokens created in the portal). */
  audience: string;
  createdAt: string;
  expiresAt: string;
  ttl: number;
}

/** A client as stored, without the hashes of its secrets (they never leave this module). */
export interface ClientRecord {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
  accessTokenLifetimeMinutes: number;
  secrets: Omit<SecretRecord, "hash">[];
  federated: FederatedRecord[];
}

/** A client looked up by the token endpoint: the record, and which of its secrets (if any) a presented value is. */
export interface ClientLookup {
  client: ClientRecord;
  /** The secret whose hash matches `secret` (whatever its status; the operation decides), or undefined. */
  findSecret(secret: string): Omit<SecretRecord, "hash"> | undefined;
}

/** What an access token authenticates: the tenant and the client (for the provisioning log). */
export interface AccessPrincipal {
  tenantId: string;
  clientId: string;
  clientName: string;
}

export type AccessRejection =
  | { reason: "unknown" }
  | { reason: "expired"; clientName: string; expiresAt: string }
  | { reason: "revoked"; clientName: string; what: "client" | "credential" }
  | { reason: "audience"; clientName: string; audience: string };

const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString("base64url")}`;

const withoutHash = ({ hash: _h, ...secret }: SecretRecord): Omit<SecretRecord, "hash"> => secret;

/** A client as the operations see it (no secret hashes). */
export const clientRecord = (doc: ClientDoc): ClientRecord => ({
  id: doc.id,
  tenantId: doc.tenantId,
  name: doc.name,
  createdAt: doc.createdAt,
  ...(doc.revokedAt ? { revokedAt: doc.revokedAt } : {}),
  accessTokenLifetimeMinutes: doc.accessTokenLifetimeMinutes,
  secrets: doc.secrets.map(withoutHash),
  federated: doc.federated,
});

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));

interface CachedAccess {
  principal: AccessPrincipal;
  audience: string;
  /** Used until then (at most `cacheMs`: how long a revocation takes to reach this instance). */
  until: number;
  expiresAt: number;
}

export class OAuthStore {
  private readonly cache = new Map<string, CachedAccess>();
  /** Access token hashes the store does not have, until when (one store read per `cacheMs` for a bad token). */
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly container: Container,
    private readonly cacheMs = 5000,
  ) {}

  /** Creates a client with its first secret; returns the secret, which is not stored and cannot be shown again. */
  async createClient(
    tenantId: string,
    input: { name: string; accessTokenLifetimeMinutes: number; secretExpiresAt: Date },
    now: Date,
  ): Promise<{ client: ClientRecord; secret: string; secretId: string }> {
    const { record, secret } = newSecret(input.secretExpiresAt, now);
    const doc: ClientDoc = {
      id: randomUUID(),
      type: "client",
      tenantId,
      name: input.name,
      createdAt: now.toISOString(),
      accessTokenLifetimeMinutes: input.accessTokenLifetimeMinutes,
      secrets: [record],
      federated: [],
    };
    await call(() => this.container.items.create(doc));
    return { client: clientRecord(doc), secret, secretId: record.id };
  }

  /** A tenant's clients, newest first. */
  async list(tenantId: string): Promise<ClientRecord[]> {
    const docs = await call(
      async () =>
        (
          await this.container.items
            .query<ClientDoc>(
              {
                query: "SELECT * FROM c WHERE c.type = 'client' AND c.tenantId = @tenantId",
                parameters: [{ name: "@tenantId", value: tenantId }],
              },
              { maxItemCount: 1000 },
            )
            .fetchAll()
        ).resources,
    );
    return docs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id)).map(clientRecord);
  }

  /**
   * Active secrets of active clients of every tenant that expire within `withinDays` of `now`,
   * soonest first (a cross-partition query over the clients: the daily expiry check runs it once).
   */
  async expiringSecrets(
    now: Date,
    withinDays: number,
  ): Promise<{ tenantId: string; clientId: string; clientName: string; secretId: string; expiresAt: string }[]> {
    const docs = await call(
      async () =>
        (
          await this.container.items
            .query<ClientDoc>(
              { query: "SELECT * FROM c WHERE c.type = 'client' AND NOT IS_DEFINED(c.revokedAt)" },
              { maxItemCount: 1000 },
            )
            .fetchAll()
        ).resources,
    );
    const until = now.getTime() + withinDays * DAY_MS;
    return docs
      .flatMap((doc) =>
        doc.secrets
          .filter((s) => !s.revokedAt && Date.parse(s.expiresAt) > now.getTime() && Date.parse(s.expiresAt) <= until)
          .map((s) => ({
            tenantId: doc.tenantId,
            clientId: doc.id,
            clientName: doc.name,
            secretId: s.id,
            expiresAt: s.expiresAt,
          })),
      )
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.secretId.localeCompare(b.secretId));
  }

  /** A client by its client ID (undefined when there is none; a store failure is an error, never "not there"). */
  async client(clientId: string): Promise<ClientLookup | undefined> {
    const doc = await this.readClient(clientId);
    if (!doc) return undefined;
    return {
      client: clientRecord(doc),
      findSecret(secret) {
        const hash = hashSecret(secret);
        const found = doc.secrets.find((s) => sameHash(s.hash, hash));
        return found && withoutHash(found);
      },
    };
  }

  /** A client of `tenantId` as stored, to plan a change on; NotFoundError when the tenant has no such client. */
  async loadClient(tenantId: string, clientId: string): Promise<ClientDoc> {
    const doc = await this.readClient(clientId);
    if (!doc || doc.tenantId !== tenantId) throw new NotFoundError(`OAuth client ${clientId}`);
    return doc;
  }

  /**
   * Writes `next` over a client as loaded (`before`), only if it is unchanged since (its ETag):
   * StaleWriteError else, and the caller loads and plans again (operations/retry.ts).
   */
  async writeClient(next: ClientDoc, before: ClientDoc): Promise<ClientRecord> {
    try {
      const { resource } = await this.container
        .item(before.id, before.id)
        .replace<ClientDoc>(next, { accessCondition: { type: "IfMatch", condition: before._etag! } });
      return clientRecord(resource ?? next);
    } catch (error) {
      if (cosmosStatus(error) === 412) throw new StaleWriteError(`OAuth client ${before.id}`);
      throw fromCosmos(error);
    }
  }

  /**
   * Records that a credential was used to obtain a token, at most once a minute per credential,
   * under the client's ETag. Returns false when it could not be written (the caller logs it; the
   * token is issued anyway).
   */
  async recordUse(clientId: string, credentialId: string, now: Date): Promise<boolean> {
    const doc = await this.readClient(clientId).catch(() => undefined);
    if (!doc) return false;
    const stamp = now.toISOString();
    const fresh = (t?: string) => t !== undefined && now.getTime() - Date.parse(t) < LAST_USED_INTERVAL_MS;
    const secret = doc.secrets.find((s) => s.id === credentialId);
    const federated = doc.federated.find((f) => f.id === credentialId);
    if (fresh(secret?.lastUsedAt ?? federated?.lastUsedAt)) return true;
    const next: ClientDoc = {
      ...doc,
      secrets: doc.secrets.map((s) => (s.id === credentialId ? { ...s, lastUsedAt: stamp } : s)),
      federated: doc.federated.map((f) => (f.id === credentialId ? { ...f, lastUsedAt: stamp } : f)),
    };
    try {
      await this.container
        .item(doc.id, doc.id)
        .replace(next, { accessCondition: { type: "IfMatch", condition: doc._etag! } });
      return true;
    } catch (error) {
      // 412: another instance wrote the client in between (perhaps this very stamp); the next use records it.
      return cosmosStatus(error) === 412;
    }
  }

  /**
   * Stores a `jti` until `expiresAt`; false when it is already there (a replayed assertion). The
   * store's uniqueness makes this hold across instances.
   */
  async rememberAssertion(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    const id = `jti_${hashSecret(`${issuer}\n${jti}`)}`;
    // At most a day and a bit: the verifier refuses assertions valid for longer (and Cosmos DB's ttl is an int32).
    const ttl = Math.min(2 * 86_400, Math.max(60, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000) + 300));
    try {
      await this.container.items.create({ id, type: "jti", expiresAt: expiresAt.toISOString(), ttl });
      return true;
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw fromCosmos(error);
      // Where TTL does not run (the embedded local store), an expired record no longer counts.
      const seen = await read(() => this.container.item(id, id).read<{ expiresAt: string; _etag?: string }>());
      if (!seen || Date.parse(seen.expiresAt) > now.getTime()) return false;
      try {
        // Only if no other instance took it over in between (one use, even then).
        await this.container
          .item(id, id)
          .replace(
            { id, type: "jti", expiresAt: expiresAt.toISOString(), ttl },
            { accessCondition: { type: "IfMatch", condition: seen._etag! } },
          );
        return true;
      } catch (replaceError) {
        if (cosmosStatus(replaceError) === 412) return false;
        throw fromCosmos(replaceError);
      }
    }
  }

  /** Issues an opaque access token; its value is returned once and stored only as a hash (with a TTL). */
  async issueAccessToken(
    principal: { tenantId: string; clientId: string; credentialId: string },
    audience: string,
    lifetimeSeconds: number,
    now: Date,
  ): Promise<{ token: string; expiresAt: string }> {
    const token = ACCESS_TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000).toISOString();
    const doc: AccessTokenDoc = {
      id: hashSecret(token),
      type: "access",
      ...principal,
      audience,
      createdAt: now.toISOString(),
      expiresAt,
      ttl: lifetimeSeconds + 3600,
    };
    await call(() => this.container.items.create(doc));
    return { token, expiresAt };
  }

  /**
   * Resolves an access token at a Tenant URL: the token (one point read) and its client (one more),
   * cached for at most `cacheMs`, so revoking the client or the credential it came from ends it
   * within that time on every instance.
   */
  async authenticate(
    token: string,
    now: Date,
    tenantUrl: string | undefined,
  ): Promise<{ principal: AccessPrincipal } | { rejected: AccessRejection }> {
    const hash = hashSecret(token);
    const t = now.getTime();
    const cached = this.cache.get(hash);
    if (cached && cached.until > t && cached.expiresAt > t) {
      return sameUrl(cached.audience, tenantUrl)
        ? { principal: cached.principal }
        : { rejected: { reason: "audience", clientName: cached.principal.clientName, audience: cached.audience } };
    }
    if ((this.unknown.get(hash) ?? 0) > t) return { rejected: { reason: "unknown" } };
    const doc = await read(() => this.container.item(hash, hash).read<AccessTokenDoc>());
    if (!doc || doc.type !== "access") {
      if (this.unknown.size > 10_000) this.unknown.clear();
      this.unknown.set(hash, t + this.cacheMs);
      return { rejected: { reason: "unknown" } };
    }
    const client = await this.readClient(doc.clientId);
    if (!client) return { rejected: { reason: "unknown" } };
    if (Date.parse(doc.expiresAt) <= t)
      return { rejected: { reason: "expired", clientName: client.name, expiresAt: doc.expiresAt } };
    if (client.revokedAt) return { rejected: { reason: "revoked", clientName: client.name, what: "client" } };
    const secret = client.secrets.find((s) => s.id === doc.credentialId);
    const federated = client.federated.some((f) => f.id === doc.credentialId);
    if ((secret && secret.revokedAt) || (!secret && !federated))
      return { rejected: { reason: "revoked", clientName: client.name, what: "credential" } };
    const principal: AccessPrincipal = { tenantId: doc.tenantId, clientId: client.id, clientName: client.name };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, {
      principal,
      audience: doc.audience,
      until: t + this.cacheMs,
      expiresAt: Date.parse(doc.expiresAt),
    });
    if (!sameUrl(doc.audience, tenantUrl))
      return { rejected: { reason: "audience", clientName: client.name, audience: doc.audience } };
    return { principal };
  }

  /** Forgets cached access tokens of a client (this instance sees a revocation at once; others within `cacheMs`). */
  forgetClient(clientId: string): void {
    for (const [hash, entry] of this.cache) if (entry.principal.clientId === clientId) this.cache.delete(hash);
  }

  private readClient(clientId: string): Promise<ClientDoc | undefined> {
    if (!/^[\w-]{1,64}$/.test(clientId)) return Promise.resolve(undefined);
    return read(() => this.container.item(clientId, clientId).read<ClientDoc>()).then((doc) =>
      doc?.type === "client" ? doc : undefined,
    );
  }
}

export function newSecret(expiresAt: Date, now: Date): { record: SecretRecord; secret: string } {
  const secret = CLIENT_SECRET_PREFIX + randomBytes(32).toString("base64url");
  return {
    secret,
    record: {
      id: newId("sec"),
      hash: hashSecret(secret),
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    },
  };
}

const trimUrl = (url: string) =>
  url
    .trim()
    .replace(/[?#].*$/s, "")
    .replace(/\/+$/, "")
    .toLowerCase();
const sameUrl = (audience: string, tenantUrl: string | undefined) =>
  tenantUrl !== undefined && trimUrl(audience) === trimUrl(tenantUrl);
