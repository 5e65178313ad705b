import { createHash, randomBytes } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { ConflictError, NotFoundError, call, cosmosStatus, fromCosmos } from "./errors.js";
import { read } from "./retry.js";

/** A token record. The secret itself is never stored: `id` is its SHA-256. */
interface TokenDoc {
  id: string;
  tokenId: string;
  tenantId: string;
  name: string;
  createdAt: string;
  /** Set on every token issued now (default: a year after creation); absent only on older records. */
  expiresAt?: string;
  /** The Tenant URL the token is for; absent: any Tenant URL of this service accepts it. */
  audience?: string;
  /** When the token last authenticated a request; written at most once a minute. */
  lastUsedAt?: string;
  revokedAt?: string;
  _etag?: string;
}

/** A token as stored, without the secret or its hash (its status is a product rule: product/tokens.ts). */
export interface TokenRecord {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  /** When the token last authenticated a request (to the minute); null if never. */
  lastUsedAt: string | null;
  /** The only Tenant URL that accepts the token; null when any Tenant URL of this service does. */
  audience: string | null;
  revokedAt: string | null;
}

/** An active token whose expiry falls in the range the daily expiry check asks about. */
export interface ExpiringTokenRecord {
  tenantId: string;
  tokenId: string;
  name: string;
  expiresAt: string;
}

/** Every token starts with this, so it is recognisable (and findable by secret scanners). */
export const TOKEN_PREFIX = "scimf_";

/**
 * A new Secret Token: the prefix and 256 random bits, never beginning like an OAuth access token
 * (`scimf_at_`) or client secret (`scimf_cs_`), which are told apart by those prefixes.
 */
function newTokenSecret(): string {
  for (;;) {
    const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    if (!/^scimf_(at|cs)_/.test(secret)) return secret;
  }
}

/** `lastUsedAt` is written at most this often per token. */
const LAST_USED_INTERVAL_MS = 60_000;

const DAY_MS = 24 * 3600 * 1000;

/** SHA-256 of the secret. Tokens are 256 random bits, so an unsalted hash is safe to store. */
export const hashToken = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

const toRecord = (doc: TokenDoc): TokenRecord => ({
  id: doc.tokenId,
  tenantId: doc.tenantId,
  name: doc.name,
  createdAt: doc.createdAt,
  expiresAt: doc.expiresAt ?? null,
  lastUsedAt: doc.lastUsedAt ?? null,
  audience: doc.audience ?? null,
  revokedAt: doc.revokedAt ?? null,
});

/** A Tenant URL without query, fragment or trailing slash. */
export const trimTenantUrl = (url: string) =>
  url
    .trim()
    .replace(/[?#].*$/s, "")
    .replace(/\/+$/, "");

interface CachedToken {
  doc: TokenDoc;
  /** The cache entry is used until then (at most `cacheMs`: the revocation delay). */
  until: number;
}

/** Bearer tokens of every tenant, partitioned by their hash (authentication is one point read). */
export class TokenStore {
  private readonly cache = new Map<string, CachedToken>();
  /** Hashes no token has, until when: an unknown token costs one store read per `cacheMs`, not one per request. */
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly tokens: Container,
    private readonly cacheMs = 5000,
    /** Where non-fatal problems go (never with a secret or hash); the Functions host collects console output. */
    private readonly warn: (line: string) => void = (line) => console.warn(line),
  ) {}

  /**
   * Stores a token for a tenant (the caller has checked the tenant and the inputs) and returns
   * its secret, which is not stored and cannot be shown again. `secret` may be given (the local
   * host's SCIM_DEV_TOKEN); a secret already in use is ConflictError.
   */
  async create(
    tenantId: string,
    name: string,
    now: Date,
    options: { expiresAt: Date; secret?: string; audience?: string },
  ): Promise<{ token: TokenRecord; secret: string }> {
    const secret = options.secret ?? newTokenSecret();
    const doc: TokenDoc = {
      id: hashToken(secret),
      tokenId: `tok_${randomBytes(9).toString("base64url")}`,
      tenantId,
      name,
      createdAt: now.toISOString(),
      expiresAt: options.expiresAt.toISOString(),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
    };
    try {
      await this.tokens.items.create(doc);
    } catch (error) {
      if (cosmosStatus(error) === 409) throw new ConflictError("Token", "secret", "(hidden)", "another token", true);
      throw fromCosmos(error);
    }
    this.unknown.delete(doc.id);
    return { token: toRecord(doc), secret };
  }

  /** A tenant's tokens, oldest first. */
  async list(tenantId: string): Promise<TokenRecord[]> {
    return (await this.tenantTokens(tenantId)).map(toRecord);
  }

  /**
   * Revokes a tenant's token (again: keeps the first revocation time). Requests with it are
   * refused at once in this process and within `cacheMs` (at most 5 s) everywhere else.
   * NotFoundError when the tenant has no token with that id.
   */
  async revoke(tenantId: string, tokenId: string, now: Date): Promise<TokenRecord> {
    const found = (await this.tenantTokens(tenantId)).find((doc) => doc.tokenId === tokenId);
    if (!found) throw new NotFoundError(`token ${tokenId}`);
    let doc = found;
    if (!doc.revokedAt) {
      try {
        const { resource } = await this.tokens.item(doc.id, doc.id).patch<TokenDoc>({
          condition: "FROM c WHERE NOT IS_DEFINED(c.revokedAt)",
          operations: [{ op: "set", path: "/revokedAt", value: now.toISOString() }],
        });
        doc = resource ?? { ...doc, revokedAt: now.toISOString() };
      } catch (error) {
        if (cosmosStatus(error) !== 412) throw fromCosmos(error);
        doc = (await this.readToken(doc.id)) ?? doc;
      }
    }
    this.cache.delete(doc.id);
    return toRecord(doc);
  }

  /**
   * Unrevoked tokens of every tenant that expire after `now` and within `withinDays` of it, soonest
   * first (a cross-partition query: the daily expiry check runs it once).
   */
  async expiring(now: Date, withinDays: number): Promise<ExpiringTokenRecord[]> {
    const docs = await call(
      async () =>
        (
          await this.tokens.items
            .query<TokenDoc>(
              {
                query:
                  "SELECT c.tenantId, c.tokenId, c.name, c.expiresAt, c.revokedAt FROM c WHERE c.expiresAt > @now AND c.expiresAt <= @until",
                parameters: [
                  { name: "@now", value: now.toISOString() },
                  { name: "@until", value: new Date(now.getTime() + withinDays * DAY_MS).toISOString() },
                ],
              },
              { maxItemCount: 1000 },
            )
            .fetchAll()
        ).resources,
    );
    return docs
      .filter((doc) => !doc.revokedAt && doc.expiresAt)
      .map((doc) => ({
        tenantId: doc.tenantId,
        tokenId: doc.tokenId,
        name: doc.name,
        expiresAt: doc.expiresAt!,
      }))
      .sort(
        (a, b) =>
          a.expiresAt.localeCompare(b.expiresAt) ||
          a.tenantId.localeCompare(b.tenantId) ||
          a.tokenId.localeCompare(b.tokenId),
      );
  }

  /**
   * The token a bearer secret belongs to, whatever its status (operations/tokens.ts decides
   * whether it authenticates): one point read, cached for at most `cacheMs` so that a revocation
   * takes effect within that time, and read again once its recorded use is a minute old.
   * Undefined when no token has that secret (also remembered for `cacheMs`).
   */
  async find(secret: string, now: Date): Promise<TokenRecord | undefined> {
    const hash = hashToken(secret);
    const t = now.getTime();
    const cached = this.cache.get(hash);
    if (cached && cached.until > t && t - usedAt(cached.doc) < LAST_USED_INTERVAL_MS) return toRecord(cached.doc);
    if ((this.unknown.get(hash) ?? 0) > t) return undefined;
    const doc = await this.readToken(hash);
    if (!doc) {
      if (this.unknown.size > 10_000) this.unknown.clear();
      this.unknown.set(hash, t + this.cacheMs);
      return undefined;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { doc, until: t + this.cacheMs });
    return toRecord(doc);
  }

  /**
   * Records that the token with this secret authenticated a request: writes `lastUsedAt` unless
   * the stored one is less than a minute old. Only that field is written, and only if the record
   * is unchanged since `find` read it (another instance may just have written it). A failure is
   * logged and the request goes on.
   */
  async recordUse(secret: string, now: Date): Promise<void> {
    const hash = hashToken(secret);
    const entry =
      this.cache.get(hash) ??
      (await this.readToken(hash).then((doc) => (doc ? { doc, until: now.getTime() + this.cacheMs } : undefined)));
    if (!entry) return;
    const doc = entry.doc;
    if (now.getTime() - usedAt(doc) < LAST_USED_INTERVAL_MS) return;
    try {
      await this.tokens
        .item(doc.id, doc.id)
        .patch(
          [{ op: "set", path: "/lastUsedAt", value: now.toISOString() }],
          doc._etag ? { accessCondition: { type: "IfMatch", condition: doc._etag } } : {},
        );
    } catch (error) {
      if (cosmosStatus(error) !== 412) {
        this.warn(
          `Could not record the last use of token ${doc.tokenId} of tenant ${doc.tenantId} (the store answered ${cosmosStatus(error) ?? "with an error"}); the request goes on.`,
        );
      }
    }
    this.cache.set(hash, { ...entry, doc: { ...doc, lastUsedAt: now.toISOString() } });
  }

  private readToken(hash: string): Promise<TokenDoc | undefined> {
    return read(() => this.tokens.item(hash, hash).read<TokenDoc>());
  }

  /** A tenant's token records, oldest first (the tenant condition is in the query: tokens are partitioned by hash). */
  private async tenantTokens(tenantId: string): Promise<TokenDoc[]> {
    const docs = await call(
      async () =>
        (
          await this.tokens.items
            .query<TokenDoc>(
              {
                query: "SELECT * FROM c WHERE c.tenantId = @tenantId",
                parameters: [{ name: "@tenantId", value: tenantId }],
              },
              { maxItemCount: 1000 },
            )
            .fetchAll()
        ).resources,
    );
    return docs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId));
  }
}

/** When the token's use was last recorded (0: never). */
const usedAt = (doc: TokenDoc) => (doc.lastUsedAt ? Date.parse(doc.lastUsedAt) : 0);
