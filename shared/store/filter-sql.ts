/**
 * Translates SCIM filters (RFC 7644 §3.4.2.2) and sortBy (§3.4.2.3) into parameterised Cosmos DB SQL
 * over the stored layout `{ id, tenantId, kind, resource: {...wire resource without id/meta},
 * norm: {...the same with every string lower-cased}, meta: {created, lastModified} }`: a
 * case-insensitive test compares `norm` by equality (the index serves it, on Cosmos DB and the
 * embedded store alike) instead of `LOWER(resource...)`, which reads every document.
 *
 * Semantics are those of `evaluate` in shared/scim/filter.ts (both work from `resolveFilter`): `ne` and
 * `not` are true for absent attributes. Literals arrive typed by `resolveFilter`, an unquoted value
 * already read by the attribute's type (`employeeNumber eq 00123` is the string "00123",
 * `active eq False` the boolean, `meta.created gt 2015-10-10T14:38:21-07:00` an ISO timestamp),
 * and only ever travel as parameters. The SQL avoids what the embedded test server
 * (@vercel/cosmosdb-server) lacks: 3-argument CONTAINS/STARTSWITH/ENDSWITH, STRINGEQUALS, ORDER BY on
 * expressions; and it keeps nesting shallow, because that server's parser is exponential in it.
 */
import type { JSONValue } from "@azure/cosmos";
import { badRequest } from "../scim/errors.js";
import { foldUserName } from "../scim/names.js";
import { evaluate, foldsCase, resolveFilter, type Filter, type ResolvedFilter } from "../scim/filter.js";
import { resolveAttribute, type ResourceTypeName } from "../scim/schemas.js";

export interface SqlQueryParts {
  /**
   * A boolean expression over the document alias, safe to AND without parentheses: the caller adds
   * `SELECT ... FROM c WHERE c.tenantId = @tenantId AND c.kind = @kind AND <where>`.
   */
  where: string;
  /** Values for `@p0`, `@p1`, ...: every literal of the filter. */
  parameters: { name: string; value: JSONValue }[];
  /** `@mN` parameters the caller must bind to the array of ids of the groups whose membership documents name `userId`. */
  memberLookups: { param: string; userId: string }[];
}

interface Context {
  type: ResourceTypeName;
  alias: string;
  parameters: SqlQueryParts["parameters"];
  memberLookups: SqlQueryParts["memberLookups"];
  elements: number;
}

/**
 * Where a path is resolved: the document (`c`) or one element of an array (`c_e0`); `norm` when
 * that element comes from the document's normalised copy (every string lower-cased).
 */
type Scope = { element?: string; norm?: boolean };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SQL_OPERATOR = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" } as const;
const NEGATED_OPERATOR = { eq: "!=", gt: "<=", ge: "<", lt: ">=", le: ">" } as const;
const SQL_FUNCTION = { co: "CONTAINS", sw: "STARTSWITH", ew: "ENDSWITH" } as const;
const MEMBERS_ONLY_EQ =
  'only eq on members.value is supported for Group members (e.g. members.value eq "<user id>" or members[value eq "<user id>"])';

/**
 * Translates a filter (RFC 7644 §3.4.2.2) into a parameterised WHERE expression for resources of
 * `type`. Literals only ever travel as parameters; attribute names come from the schema definitions.
 * Throws ScimError 400 invalidFilter for unknown attributes or constructs the store cannot answer
 * (meta.location/meta.version, User groups, members other than `members.value eq`).
 */
export function filterToSql(filter: Filter, type: ResourceTypeName, alias = "c"): SqlQueryParts {
  if (!IDENTIFIER.test(alias)) throw new Error(`Invalid SQL alias ${JSON.stringify(alias)}`);
  const ctx: Context = { type, alias, parameters: [], memberLookups: [], elements: 0 };
  const sql = compile(resolveFilter(filter, type), false, {}, ctx);
  const where = sql.kind === "or" ? `(${print(sql)})` : print(sql);
  return { where, parameters: ctx.parameters, memberLookups: ctx.memberLookups };
}

/**
 * Resolves sortBy (RFC 7644 §3.4.2.3) to the document path the store sorts on, and whether values
 * compare case-insensitively. Singular attributes and sub-attributes of singular complex attributes
 * only; throws 400 invalidValue otherwise. (The store sorts in memory: the embedded store's ORDER BY
 * drops documents that lack the property, which would break exact paging.)
 */
export function resolveSortBy(sortBy: string, type: ResourceTypeName): { path: string[]; foldCase: boolean } {
  const resolved = resolveAttribute(type, sortBy.trim());
  if (!resolved) throw badRequest("invalidValue", `sortBy "${sortBy}" is not an attribute of ${type} resources`);
  if (resolved.attribute.multiValued) {
    throw badRequest("invalidValue", `sortBy "${sortBy}" is multi-valued; only singular attributes can be sorted on`);
  }
  if (resolved.leaf.type === "complex") {
    const example = `${sortBy.trim()}.${resolved.leaf.subAttributes?.[0]?.name ?? "value"}`;
    throw badRequest(
      "invalidValue",
      `sortBy "${sortBy}" is a complex attribute; sort on one of its sub-attributes, e.g. ${example}`,
    );
  }
  const [first, sub] = resolved.path;
  if (first === "meta" && sub === "resourceType") return { path: ["kind"], foldCase: false };
  if (first === "meta" && sub !== "created" && sub !== "lastModified") {
    throw badRequest("invalidValue", `sortBy "${sortBy}" is not supported: meta.${sub} is computed, not stored`);
  }
  const root = first === "id" || first === "meta" ? [] : ["resource"];
  return { path: [...root, ...resolved.path], foldCase: foldsCase(resolved.leaf) };
}

/** Boolean SQL before printing: atoms, and flattened AND/OR lists (constant-folded). */
type Sql = { kind: "atom"; text: string } | { kind: "and" | "or"; items: Sql[] };

const atom = (text: string): Sql => ({ kind: "atom", text });
const TRUE = atom("true");
const FALSE = atom("false");

function junction(kind: "and" | "or", parts: Sql[]): Sql {
  const [absorbing, neutral] = kind === "and" ? [FALSE, TRUE] : [TRUE, FALSE];
  const items = parts.flatMap((p) => (p.kind === kind ? p.items : [p])).filter((p) => p !== neutral);
  if (items.includes(absorbing)) return absorbing;
  const [first, ...rest] = items;
  if (first === undefined) return neutral;
  return rest.length === 0 ? first : { kind, items };
}

/** Prints with only the parentheses precedence needs (OR inside AND); the embedded server's parser is exponential in nesting depth. */
function print(sql: Sql, parent: "and" | "top" = "top"): string {
  if (sql.kind === "atom") return sql.text;
  if (sql.kind === "and") return sql.items.map((item) => print(item, "and")).join(" AND ");
  const text = sql.items.map((item) => print(item)).join(" OR ");
  return parent === "and" ? `(${text})` : text;
}

/**
 * Compiles to negation normal form: `not` is pushed down to the atoms (De Morgan holds in Cosmos'
 * three-valued logic), and each atom is true exactly when the SCIM test holds, so a positive atom
 * may be undefined where a type does not match, while a negated atom is guarded to be true there.
 * EXISTS sits behind `IS_ARRAY(x) ? ... :` because the embedded server evaluates `FROM e IN
 * c["resource"]["emails"]` eagerly and crashes on documents without `resource` (membership documents).
 */
function compile(filter: ResolvedFilter, negated: boolean, scope: Scope, ctx: Context): Sql {
  switch (filter.kind) {
    case "and":
    case "or": {
      const kind = (filter.kind === "and") !== negated ? "and" : "or";
      return junction(kind, [compile(filter.left, negated, scope, ctx), compile(filter.right, negated, scope, ctx)]);
    }
    case "not":
      return compile(filter.filter, !negated, scope, ctx);
    case "present":
    case "compare": {
      if (!scope.element) {
        const constant = rootConstant(filter, ctx);
        if (constant !== undefined) return constant !== negated ? TRUE : FALSE;
      }
      if (filter.kind === "present") return presentSql(pathIn(scope, filter.path, ctx), negated);
      return compareSql(scope, filter, negated, ctx);
    }
    case "some": {
      if (!scope.element) {
        checkRootPath(filter.path, ctx);
        if (ctx.type === "Group" && filter.path[0] === "members") return membersSql(filter.filter, negated, ctx);
      }
      // Elements come from the normalised copy when every string test inside folds case (they
      // compare by equality there); otherwise from the resource, with LOWER() where one folds.
      const norm = scope.element ? scope.norm === true : foldsEverywhere(filter.filter);
      const element = `${ctx.alias}_e${ctx.elements++}`;
      const where = print(compile(filter.filter, false, { element, norm }, ctx));
      const items = scope.element ? pathIn(scope, filter.path, ctx) : documentPath(filter.path, ctx.alias, norm);
      const exists = `EXISTS(SELECT VALUE 1 FROM ${element} IN ${items} WHERE ${where})`;
      return atom(`(IS_ARRAY(${items}) ? ${negated ? "NOT " : ""}${exists} : ${negated})`);
    }
  }
}

/** meta.resourceType is the document kind, known up front: it folds to a constant. */
function rootConstant(filter: ResolvedFilter & { kind: "present" | "compare" }, ctx: Context): boolean | undefined {
  checkRootPath(filter.path, ctx);
  if (ctx.type === "Group" && filter.path[0] === "members") {
    throw badRequest("invalidFilter", `Unsupported filter on "members" ("pr" or null): ${MEMBERS_ONLY_EQ}`);
  }
  if (filter.path[0] !== "meta" || filter.path[1] !== "resourceType") return undefined;
  return evaluate(filter, { meta: { resourceType: ctx.type } });
}

function checkRootPath(path: string[], ctx: Context): void {
  const [first, sub] = path;
  if (first === "meta" && sub !== undefined && !["created", "lastModified", "resourceType"].includes(sub)) {
    throw badRequest(
      "invalidFilter",
      `meta.${sub} cannot be filtered on in ${ctx.type} filters: it is computed, not stored; use meta.created, meta.lastModified or meta.resourceType`,
    );
  }
  if (ctx.type === "User" && first === "groups") {
    throw badRequest(
      "invalidFilter",
      'User filters cannot use "groups": membership is not stored on users; filter /Groups with members.value eq "<user id>" instead',
    );
  }
}

function membersSql(filter: ResolvedFilter, negated: boolean, ctx: Context): Sql {
  if (filter.kind === "or")
    return junction(negated ? "and" : "or", [
      membersSql(filter.left, negated, ctx),
      membersSql(filter.right, negated, ctx),
    ]);
  if (
    filter.kind === "compare" &&
    filter.op === "eq" &&
    filter.path.length === 1 &&
    filter.path[0] === "value" &&
    typeof filter.value === "string"
  ) {
    const param = `@m${ctx.memberLookups.length}`;
    ctx.memberLookups.push({ param, userId: filter.value });
    return atom(`${negated ? "NOT " : ""}ARRAY_CONTAINS(${param}, ${ctx.alias}["id"])`);
  }
  const what =
    filter.kind === "compare"
      ? `"${filter.op}" on members.${filter.path.join(".")}`
      : filter.kind === "present"
        ? '"pr"'
        : `"${filter.kind}" inside members[...]`;
  throw badRequest("invalidFilter", `Unsupported filter on "members" (${what}): ${MEMBERS_ONLY_EQ}`);
}

/** RFC 7644 "pr": defined, not null, not "", not []. */
function presentSql(x: string, negated: boolean): Sql {
  if (negated) {
    return junction("or", [
      atom(`NOT IS_DEFINED(${x})`),
      atom(`IS_NULL(${x})`),
      atom(`LENGTH(${x}) = 0`),
      atom(`ARRAY_LENGTH(${x}) = 0`),
    ]);
  }
  return junction("or", [
    atom(`IS_BOOL(${x})`),
    atom(`IS_NUMBER(${x})`),
    atom(`IS_OBJECT(${x})`),
    atom(`LENGTH(${x}) > 0`),
    atom(`ARRAY_LENGTH(${x}) > 0`),
  ]);
}

/**
 * A case-insensitive string test compares the stored normalised value (`c.norm...`, lower-cased
 * when the resource was written) by equality with the lower-cased literal, which the index serves;
 * only inside an element read from the resource (a mixed element filter) does it need LOWER().
 */
function compareSql(scope: Scope, filter: ResolvedFilter & { kind: "compare" }, negated: boolean, ctx: Context): Sql {
  const { op, value, leaf } = filter;
  const fold = typeof value === "string" && foldsCase(leaf);
  const p = param(fold ? foldUserName(value as string) : value, ctx);
  const normalised = fold && (scope.element ? scope.norm === true : true);
  const x = normalised && !scope.element ? documentPath(filter.path, ctx.alias, true) : pathIn(scope, filter.path, ctx);
  const lhs = fold && !normalised ? `LOWER(${x})` : x;
  const test =
    op === "co" || op === "sw" || op === "ew"
      ? `${negated ? "NOT " : ""}${SQL_FUNCTION[op]}(${lhs}, ${p})`
      : `${lhs} ${(negated ? NEGATED_OPERATOR : SQL_OPERATOR)[op]} ${p}`;
  if (!negated) return atom(test);
  const guard = typeof value === "boolean" ? "IS_BOOL" : typeof value === "number" ? "IS_NUMBER" : "IS_STRING";
  return junction("or", [atom(`NOT ${guard}(${x})`), atom(test)]);
}

/** Whether every string comparison of a filter folds case (so it can run on the normalised copy). */
function foldsEverywhere(filter: ResolvedFilter): boolean {
  switch (filter.kind) {
    case "and":
    case "or":
      return foldsEverywhere(filter.left) && foldsEverywhere(filter.right);
    case "not":
      return foldsEverywhere(filter.filter);
    case "present":
      return true;
    case "compare":
      return typeof filter.value !== "string" || foldsCase(filter.leaf);
    case "some":
      return foldsEverywhere(filter.filter);
  }
}

function param(value: JSONValue, ctx: Context): string {
  const name = `@p${ctx.parameters.length}`;
  ctx.parameters.push({ name, value });
  return name;
}

function pathIn(scope: Scope, path: string[], ctx: Context): string {
  return scope.element ? scope.element + path.map(segment).join("") : documentPath(path, ctx.alias);
}

/** Wire path to document path: id and meta sit beside `resource`, everything else inside it (or inside `norm`, its normalised copy). */
function documentPath(path: string[], alias: string, norm = false): string {
  const root = path[0] === "id" || path[0] === "meta" ? [] : [norm ? "norm" : "resource"];
  return alias + [...root, ...path].map(segment).join("");
}

const segment = (name: string) => `[${JSON.stringify(name)}]`;

/** The normalised copy stored with a resource (`norm`): the resource with every string case-folded (foldUserName: NFKC + full case folding). */
export function normalisedCopy<T>(value: T): T {
  if (typeof value === "string") return foldUserName(value) as T;
  if (Array.isArray(value)) return value.map(normalisedCopy) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalisedCopy(v)])) as T;
  return value;
}
