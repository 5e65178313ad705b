/**
 * SCIM filters (RFC 7644 §3.4.2.2): parser, schema resolution and in-memory evaluation.
 *
 * Hand-written recursive descent rather than a library such as scim2-parse-filter: errors must be
 * SCIM 400 invalidFilter carrying the position of the mistake, and Microsoft's clients send two
 * forms outside the RFC grammar: `emails[type eq "work"].value eq "..."` (Entra's matching
 * filters) and unquoted values (`externalId eq 8f0c...`, `userName sw O`), read by the
 * attribute's type when the filter is resolved (see `operand`).
 */
import { badRequest } from "./errors.js";
import {
  extensionsDefining,
  resolveAttribute,
  resolveSubAttribute,
  type AttributeDef,
  type ResolvedAttribute,
  type ResourceTypeName,
} from "./schemas.js";

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type FilterValue = string | number | boolean | null;
export type Filter =
  /**
   * `raw` is the value as written when it was not double-quoted: a JSON literal of the RFC grammar
   * (`42`, `true`, `null`) or a bare token (`jyoung`, `2015-10-10T14:38:21-07:00`). `value` is its
   * JSON reading (the token's text when it is no JSON literal); resolution reads `raw` by the
   * attribute's type instead (see `operand`).
   */
  | { kind: "compare"; attrPath: string; op: CompareOp; value: FilterValue; raw?: string }
  | { kind: "present"; attrPath: string }
  | { kind: "and" | "or"; left: Filter; right: Filter }
  | { kind: "not"; filter: Filter }
  /** `emails[type eq "work" and value co "@x"]`: inner attrPaths are sub-attribute names relative to attrPath. */
  | { kind: "valuePath"; attrPath: string; filter: Filter };

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const OPERATOR_LIST = "eq, ne, co, sw, ew, gt, ge, lt, le or pr";
/**
 * Bounds on one filter, so every list request is cheap to parse and to run. Entra sends
 * `attr eq "v"` joined by `and`, with at most one value filter (`emails[type eq "work"].value eq
 * "x"`); the limits leave room for hand-written filters while keeping query compilation fast on
 * the embedded store, whose SQL parser is exponential in parenthesis nesting. Measured with
 * `local/tools/hostile.ts` on the shared 2-core machine: the worst filters these limits allow take
 * 3-7 s there (a value filter alone about 1 s); before, depth 8 took 14 s and depth 10 and 12
 * more than 30 s each, blocking every other request of the host.
 */
export const FILTER_LIMITS = {
  /** Characters in the filter text. */
  maxLength: 2_000,
  /** Nesting of "(...)", "not (...)" and "[...]". */
  maxDepth: 3,
  /** Comparisons (`attr op value` and `attr pr`), value-filter terms included. */
  maxClauses: 20,
  /** Value filters "[...]": each becomes a subquery, the costliest part of a query. */
  maxValueFilters: 1,
  /**
   * Levels of "(" or "not (" around a value filter: 0, a value filter stands at the top level
   * (`emails[type eq "work"].value eq "x" and userName eq "y"`). A subquery inside parentheses is
   * what makes the embedded store's parser take tens of seconds.
   */
  maxValueFilterDepth: 0,
} as const;

export type FilterLimits = { readonly [K in keyof typeof FILTER_LIMITS]: number };
const PATH_CHAR = /[A-Za-z0-9:._$-]/;
const NAME = "[A-Za-z$][A-Za-z0-9_$-]*";
const ATTR_PATH = new RegExp(`^${NAME}(?:\\.${NAME})?$`);
const ATTR_NAME = new RegExp(`^${NAME}$`);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** What ends an unquoted value: whitespace, the grammar's brackets, and quotes (which it may not contain). */
const BARE_END = /[\s()[\]"']/;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

/**
 * Parses a filter expression (RFC 7644 §3.4.2.2). Keywords and operators are case-insensitive;
 * precedence is not > and > or. Besides the RFC grammar it accepts `attr[valFilter].sub op value`
 * (Entra's matching filters), as a valuePath whose filter is `(valFilter) and (sub op value)`, and
 * an unquoted value that runs to the next space, ")" or "]" (`externalId eq 8f0c...`,
 * `meta.created gt 2015-10-10T14:38:21.8617979-07:00`), kept with its text in `raw`. An unquoted
 * value containing a quote, "(" or "[", or that is the word and, or or not, is rejected with a
 * detail that shows it double-quoted; so is a space inside one, where the next word cannot continue
 * the filter (`userName eq John Smith`).
 * Enforces `limits` (FILTER_LIMITS unless given). Throws ScimError 400 invalidFilter whose detail
 * gives the position and what was expected, or the limit and the value found.
 */
export function parseFilter(text: string, limits: FilterLimits = FILTER_LIMITS): Filter {
  if (text.length > limits.maxLength) {
    throw badRequest(
      "invalidFilter",
      `Invalid filter: it is ${text.length} characters long; the limit is ${limits.maxLength} characters.`,
    );
  }
  return new Parser(text, limits).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private terms = 0;
  private valueFilters = 0;
  /** The last unquoted value read, for the hint in errors right after it. */
  private lastBare?: { start: number; end: number; label: string; op: string };

  constructor(
    private readonly text: string,
    private readonly limits: FilterLimits,
  ) {}

  parse(): Filter {
    this.skipWs();
    if (this.atEnd()) this.fail(this.pos, "the filter is empty");
    const filter = this.parseOr(false);
    this.skipWs();
    if (!this.atEnd()) {
      const ch = this.text[this.pos];
      const hint = this.quoteHint(this.pos);
      if (ch === ")" || ch === "]")
        this.fail(this.pos, `unexpected "${ch}" without a matching "${ch === ")" ? "(" : "["}"${hint}`);
      this.fail(this.pos, `expected "and", "or" or the end of the filter, found ${this.describe(this.pos)}${hint}`);
    }
    return filter;
  }

  private parseOr(inValuePath: boolean): Filter {
    let left = this.parseAnd(inValuePath);
    while (this.keyword("or")) left = { kind: "or", left, right: this.parseAnd(inValuePath) };
    return left;
  }

  private parseAnd(inValuePath: boolean): Filter {
    let left = this.parseUnary(inValuePath);
    while (this.keyword("and")) left = { kind: "and", left, right: this.parseUnary(inValuePath) };
    return left;
  }

  private parseUnary(inValuePath: boolean): Filter {
    this.skipWs();
    const start = this.pos;
    if (this.text[start] === "(") return this.parseGroup(inValuePath);
    const word = this.peekWord();
    if (word?.toLowerCase() === "not") {
      this.pos += word.length;
      this.skipWs();
      if (this.text[this.pos] !== "(") {
        this.fail(this.pos, `expected "(" after "${word}" (write not (expression)), found ${this.describe(this.pos)}`);
      }
      return { kind: "not", filter: this.parseGroup(inValuePath) };
    }
    return this.parseAttrExp(inValuePath);
  }

  private parseGroup(inValuePath: boolean): Filter {
    const open = this.pos;
    this.pos++;
    this.enter(open);
    const inner = this.parseOr(inValuePath);
    this.skipWs();
    if (this.text[this.pos] !== ")") {
      this.fail(
        this.pos,
        `expected ")" to close the "(" at position ${open}, found ${this.describe(this.pos)}${this.quoteHint(this.pos)}`,
      );
    }
    this.pos++;
    this.depth--;
    return inner;
  }

  private parseAttrExp(inValuePath: boolean): Filter {
    this.skipWs();
    const start = this.pos;
    while (!this.atEnd() && PATH_CHAR.test(this.text.charAt(this.pos))) this.pos++;
    const attrPath = this.text.slice(start, this.pos);
    if (!attrPath) {
      this.fail(start, `expected an attribute path, "not" or "(", found ${this.describe(start)}`);
    }
    this.checkAttrPath(attrPath, start, inValuePath);
    this.skipWs();
    if (this.text[this.pos] !== "[") return this.parseComparison(attrPath);

    const open = this.pos;
    if (inValuePath)
      this.fail(open, `value filters cannot be nested: "[" inside the value filter of a complex attribute`);
    if (attrPath.slice(attrPath.lastIndexOf(":") + 1).includes(".")) {
      this.fail(open, `a value filter "[...]" must follow a complex attribute, not the sub-attribute "${attrPath}"`);
    }
    if (++this.valueFilters > this.limits.maxValueFilters) {
      this.fail(
        open,
        `value filter number ${this.valueFilters} exceeds the limit of ${this.limits.maxValueFilters} "[...]" per filter`,
      );
    }
    if (this.depth > this.limits.maxValueFilterDepth) {
      this.fail(
        open,
        `a value filter "[...]" inside ${this.depth} levels of "(" exceeds the limit of ${this.limits.maxValueFilterDepth}; move it out of the parentheses`,
      );
    }
    this.pos++;
    this.enter(open);
    this.skipWs();
    if (this.text[this.pos] === "]") this.fail(this.pos, `the value filter of "${attrPath}" is empty`);
    const inner = this.parseOr(true);
    this.skipWs();
    if (this.text[this.pos] !== "]") {
      this.fail(
        this.pos,
        `expected "]" to close the "[" at position ${open}, found ${this.describe(this.pos)}${this.quoteHint(this.pos)}`,
      );
    }
    this.pos++;
    this.depth--;
    if (this.text[this.pos] === ".") {
      const subStart = ++this.pos;
      while (!this.atEnd() && PATH_CHAR.test(this.text.charAt(this.pos))) this.pos++;
      const sub = this.text.slice(subStart, this.pos);
      if (!ATTR_NAME.test(sub)) {
        this.fail(
          subStart,
          `expected a sub-attribute name after "${attrPath}[...].", found ${this.describe(subStart)}`,
        );
      }
      return {
        kind: "valuePath",
        attrPath,
        filter: { kind: "and", left: inner, right: this.parseComparison(sub, `${attrPath}[...].${sub}`) },
      };
    }
    const after = this.peekWordAfterWs();
    if (after && (COMPARE_OPS.has(after.word.toLowerCase()) || after.word.toLowerCase() === "pr")) {
      this.fail(
        after.at,
        `"${attrPath}[...]" cannot be compared itself; compare one of its sub-attributes, e.g. ${attrPath}[...].value ${after.word} ...`,
      );
    }
    return { kind: "valuePath", attrPath, filter: inner };
  }

  private checkAttrPath(attrPath: string, start: number, inValuePath: boolean): void {
    const colon = attrPath.lastIndexOf(":");
    if (inValuePath && (colon >= 0 || attrPath.includes("."))) {
      this.fail(start, `inside "[...]" only sub-attribute names are allowed, found "${attrPath}"`);
    }
    if (colon >= 0 && !(/^urn:/i.test(attrPath) && colon > 4)) {
      this.fail(start, `"${attrPath}" is not a valid attribute path: a schema prefix must be a URN ("urn:...")`);
    }
    if (!ATTR_PATH.test(attrPath.slice(colon + 1))) {
      this.fail(start, `"${attrPath}" is not a valid attribute path`);
    }
  }

  private parseComparison(attrPath: string, label = attrPath): Filter {
    this.skipWs();
    const at = this.pos;
    const word = this.peekWord();
    const op = word?.toLowerCase();
    if (!op || (op !== "pr" && !COMPARE_OPS.has(op))) {
      this.fail(at, `expected a comparison operator (${OPERATOR_LIST}) after "${label}", found ${this.describe(at)}`);
    }
    this.pos += op.length;
    if (++this.terms > this.limits.maxClauses) {
      this.fail(
        at,
        `comparison number ${this.terms} exceeds the limit of ${this.limits.maxClauses} comparisons per filter`,
      );
    }
    if (op === "pr") return { kind: "present", attrPath };
    return { kind: "compare", attrPath, op: op as CompareOp, ...this.parseValue(word!, label) };
  }

  private parseValue(op: string, label: string): { value: FilterValue; raw?: string } {
    this.skipWs();
    const at = this.pos;
    if (this.text[at] === '"') return { value: this.parseString() };
    let end = at;
    while (end < this.text.length && !BARE_END.test(this.text.charAt(end))) end++;
    const raw = this.text.slice(at, end);
    const stop = this.text[end];
    if (stop === "'" && raw === "") {
      const close = this.text.indexOf("'", at + 1);
      const inner = close < 0 ? this.text.slice(at + 1) : this.text.slice(at + 1, close);
      this.fail(
        at,
        `values are quoted with double quotes, not single quotes: write ${label} ${op} ${JSON.stringify(inner)}`,
      );
    }
    if (stop === '"' || stop === "'" || ((stop === "(" || stop === "[") && raw !== "")) {
      const quote = stop === '"' || stop === "'";
      const [word = ""] = this.text.slice(at).split(/\s/);
      const span = balanced(word);
      this.fail(
        at,
        `the unquoted value ${JSON.stringify(span)} contains ${quote ? "a quote" : `"${stop}"`}; a value with spaces, parentheses, brackets or quotes must be in double quotes${quote ? ' (a " inside written as \\")' : ""}: ${label} ${op} ${JSON.stringify(span)}`,
      );
    }
    if (raw === "") {
      this.fail(
        at,
        `expected a value (a double-quoted string, a number, true, false, null or an unquoted word) after "${op}", found ${this.describe(at)}`,
      );
    }
    const lower = raw.toLowerCase();
    if (lower === "and" || lower === "or" || lower === "not") {
      this.fail(
        at,
        `expected a value after "${op}", found the keyword ${JSON.stringify(raw)}; to compare with the word itself, put it in double quotes: ${label} ${op} ${JSON.stringify(raw)}`,
      );
    }
    this.pos = end;
    this.lastBare = { start: at, end, label, op };
    if (lower === "true" || lower === "false") return { value: lower === "true", raw };
    if (lower === "null") return { value: null, raw };
    return { value: NUMBER.test(raw) ? Number(raw) : raw, raw };
  }

  /**
   * When a mistake sits right after an unquoted value, the likely cause is a value with a space or
   * a bracket in it: says how to quote it (up to the next "and"/"or").
   */
  private quoteHint(at: number): string {
    const bare = this.lastBare;
    if (!bare || this.text.slice(bare.end, at).trim() !== "") return "";
    const [value = ""] = this.text.slice(bare.start).split(/\s+(?:and|or)\s+/i);
    const span = balanced(value);
    return `; if ${JSON.stringify(span)} is one value, put it in double quotes: ${bare.label} ${bare.op} ${JSON.stringify(span)}`;
  }

  private parseString(): string {
    const start = this.pos;
    let i = start + 1;
    for (; i < this.text.length && this.text[i] !== '"'; i++) {
      const ch = this.text.charAt(i);
      if (ch < " ") this.fail(i, "control character in a string literal (escape it, e.g. \\n)");
      if (ch !== "\\") continue;
      const next = this.text[i + 1];
      if (next === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(i + 2, i + 6)))
          this.fail(i, 'invalid escape "\\u": expected four hex digits');
        i += 5;
      } else if (next !== undefined && ESCAPES.has(next)) {
        i++;
      } else {
        this.fail(i, `invalid escape "\\${next ?? ""}" in a string literal`);
      }
    }
    if (i >= this.text.length) {
      this.fail(
        start,
        'unterminated string literal: the value that starts here has no closing double quote; end it with " (a " inside a value is written \\")',
      );
    }
    this.pos = i + 1;
    return JSON.parse(this.text.slice(start, i + 1)) as string;
  }

  private keyword(word: "and" | "or"): boolean {
    const save = this.pos;
    this.skipWs();
    if (this.peekWord()?.toLowerCase() === word) {
      this.pos += word.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  private peekWord(): string | undefined {
    return /^[A-Za-z]+/.exec(this.text.slice(this.pos))?.[0];
  }

  private peekWordAfterWs(): { word: string; at: number } | undefined {
    const save = this.pos;
    this.skipWs();
    const at = this.pos;
    const word = this.peekWord();
    this.pos = save;
    return word ? { word, at } : undefined;
  }

  private enter(at: number): void {
    if (++this.depth > this.limits.maxDepth) {
      this.fail(
        at,
        `nesting depth ${this.depth} exceeds the limit of ${this.limits.maxDepth} levels of "(", "not (" or "["`,
      );
    }
  }

  private skipWs(): void {
    while (!this.atEnd() && /\s/.test(this.text.charAt(this.pos))) this.pos++;
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private describe(at: number): string {
    if (at >= this.text.length) return "the end of the filter";
    const token = /^(?:"(?:[^"\\]|\\.)*"?|[^\s()[\]"]+|.)/.exec(this.text.slice(at))![0];
    return JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}...` : token);
  }

  private fail(at: number, message: string): never {
    throw badRequest("invalidFilter", `Invalid filter at position ${at}: ${message}`);
  }
}

/** A span of filter text without the ")" and "]" at its end that close brackets opened before it. */
function balanced(text: string): string {
  let span = text.trimEnd();
  const count = (ch: string) => span.split(ch).length - 1;
  while ((span.endsWith(")") && count(")") > count("(")) || (span.endsWith("]") && count("]") > count("[")))
    span = span.slice(0, -1).trimEnd();
  return span;
}

/**
 * A filter resolved against the schema: canonical attribute names, `ne` and `eq null` rewritten as
 * `not`, multi-valued attributes made explicit as `some`. Paths are canonical wire names relative
 * to the scope: the resource (`["name", "givenName"]`, `[urn, "manager", "value"]`, `["meta", "created"]`)
 * or, inside `some`, one element of the array. Both the in-memory evaluator and the Cosmos SQL
 * translation work from this one form, so they cannot disagree on semantics.
 */
export type ResolvedFilter =
  | { kind: "and" | "or"; left: ResolvedFilter; right: ResolvedFilter }
  | { kind: "not"; filter: ResolvedFilter }
  | { kind: "present"; path: string[] }
  | {
      kind: "compare";
      path: string[];
      leaf: AttributeDef;
      op: Exclude<CompareOp, "ne">;
      value: string | number | boolean;
    }
  | { kind: "some"; path: string[]; attribute: AttributeDef; filter: ResolvedFilter };

const invalid = (detail: string) => badRequest("invalidFilter", detail);

/**
 * Resolves every attribute path of a filter against a resource type (RFC 7643 §2.1:
 * case-insensitive names) and checks that each comparison makes sense for the attribute's type
 * (RFC 7644 §3.4.2.2). Throws ScimError 400 invalidFilter naming the attribute otherwise.
 */
export function resolveFilter(filter: Filter, type: ResourceTypeName): ResolvedFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return { kind: filter.kind, left: resolveFilter(filter.left, type), right: resolveFilter(filter.right, type) };
    case "not":
      return { kind: "not", filter: resolveFilter(filter.filter, type) };
    case "valuePath": {
      const resolved = resolveOrFail(type, filter.attrPath);
      const { attribute } = resolved;
      if (resolved.subAttribute || attribute.type !== "complex") {
        throw invalid(
          `"${filter.attrPath}" is not a complex attribute of ${type} resources; "[...]" filters apply to complex attributes`,
        );
      }
      if (attribute.multiValued) {
        return {
          kind: "some",
          path: resolved.path,
          attribute,
          filter: resolveValueFilterAt(filter.filter, attribute, []),
        };
      }
      return resolveValueFilterAt(filter.filter, attribute, resolved.path);
    }
    case "present":
    case "compare": {
      const resolved = resolveOrFail(type, filter.attrPath);
      const { attribute, subAttribute } = resolved;
      const value = filter.kind === "compare" ? filter.value : undefined;
      const isPresence = filter.kind === "present" || value === null;
      if (attribute.multiValued) {
        if (!subAttribute && isPresence) return leaf(filter, resolved.path, attribute);
        const target = subAttribute ?? resolveSubAttribute(attribute, "value");
        if (!target)
          throw invalid(`"${filter.attrPath}" has no "value" sub-attribute to compare; name a sub-attribute`);
        const { negate, test } = leafTest(filter, [target.name], target, filter.attrPath);
        const arrayPath = subAttribute ? resolved.path.slice(0, -1) : resolved.path;
        const some: ResolvedFilter = { kind: "some", path: arrayPath, attribute, filter: test };
        return negate ? { kind: "not", filter: some } : some;
      }
      const target = subAttribute ?? attribute;
      if (target.type === "complex" && !isPresence) {
        throw invalid(
          `"${filter.attrPath}" is a complex attribute and cannot be compared; filter on one of its sub-attributes (e.g. ${filter.attrPath}.${target.subAttributes?.[0]?.name ?? "value"})`,
        );
      }
      return leaf(filter, resolved.path, target);
    }
  }
}

/**
 * Resolves a value filter (the part between "[" and "]", RFC 7644 §3.4.2.2 valFilter) against a
 * complex attribute: its attribute paths are sub-attribute names of `parent`.
 */
export function resolveValueFilter(filter: Filter, parent: AttributeDef): ResolvedFilter {
  if (parent.type !== "complex")
    throw invalid(`"${parent.name}" is not a complex attribute; "[...]" filters apply to complex attributes`);
  return resolveValueFilterAt(filter, parent, []);
}

function resolveValueFilterAt(filter: Filter, parent: AttributeDef, prefix: string[]): ResolvedFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return {
        kind: filter.kind,
        left: resolveValueFilterAt(filter.left, parent, prefix),
        right: resolveValueFilterAt(filter.right, parent, prefix),
      };
    case "not":
      return { kind: "not", filter: resolveValueFilterAt(filter.filter, parent, prefix) };
    case "valuePath":
      throw invalid(`value filters cannot be nested: "${filter.attrPath}[...]" inside a filter on "${parent.name}"`);
    case "present":
    case "compare": {
      const sub = resolveSubAttribute(parent, filter.attrPath);
      if (!sub) throw invalid(`"${filter.attrPath}" is not a sub-attribute of "${parent.name}"`);
      return leaf(filter, [...prefix, sub.name], sub, `${parent.name}.${sub.name}`);
    }
  }
}

function resolveOrFail(type: ResourceTypeName, attrPath: string): ResolvedAttribute {
  const resolved = resolveAttribute(type, attrPath);
  if (resolved) return resolved;
  const [name = ""] = attrPath.split(".");
  const defining = /^urn:/i.test(attrPath) ? [] : extensionsDefining(type, name);
  if (defining.length > 1) {
    throw invalid(
      `Attribute "${attrPath}" is defined by several extension schemas of ${type} (${defining.join(", ")}); qualify it with its schema URN`,
    );
  }
  throw invalid(`Unknown attribute "${attrPath}" in a filter on ${type} resources`);
}

/**
 * Qualifies unqualified extension attribute names (`employeeNumber eq "1"` becomes
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"`) where exactly
 * one extension schema of the type defines them and no core attribute has the name, so that every
 * later stage (the store's SQL translation included) sees fully-qualified paths. Other paths,
 * and the sub-attribute names inside "[...]", are left as written.
 */
export function qualifyFilter(filter: Filter, type: ResourceTypeName): Filter {
  switch (filter.kind) {
    case "and":
    case "or":
      return { ...filter, left: qualifyFilter(filter.left, type), right: qualifyFilter(filter.right, type) };
    case "not":
      return { kind: "not", filter: qualifyFilter(filter.filter, type) };
    default: {
      if (/^urn:/i.test(filter.attrPath)) return filter;
      const resolved = resolveAttribute(type, filter.attrPath);
      if (!resolved?.schema) return filter;
      return { ...filter, attrPath: `${resolved.schema}:${resolved.path.slice(1).join(".")}` };
    }
  }
}

function leaf(
  filter: Filter & { kind: "present" | "compare" },
  path: string[],
  def: AttributeDef,
  label = filter.attrPath,
): ResolvedFilter {
  const { negate, test } = leafTest(filter, path, def, label);
  return negate ? { kind: "not", filter: test } : test;
}

/** The positive test behind one comparison; `ne v` is `not (eq v)`, `eq null` is `not pr` (RFC 7644 §3.4.2.2). */
function leafTest(
  filter: Filter & { kind: "present" | "compare" },
  path: string[],
  def: AttributeDef,
  label: string,
): { negate: boolean; test: ResolvedFilter } {
  if (filter.kind === "present") return { negate: false, test: { kind: "present", path } };
  const { op } = filter;
  const value = operand(filter, def);
  if (value === null) {
    if (op !== "eq" && op !== "ne")
      throw invalid(`"${label} ${op} null" is not supported; only eq and ne compare with null`);
    return { negate: op === "eq", test: { kind: "present", path } };
  }
  checkOperand(def, op, value, label);
  const normalized = isMetaTimestamp(path) ? normalizeTimestamp(value as string, label) : value;
  return {
    negate: op === "ne",
    test: { kind: "compare", path, leaf: def, op: op === "ne" ? "eq" : op, value: normalized },
  };
}

/**
 * The value a comparison compares with. A double-quoted value is a string and a JSON literal is
 * what JSON says (RFC 7644 §3.4.2.2); both are then checked against the attribute's type as the
 * RFC requires. An unquoted token (`raw`) is outside the RFC grammar unless it is a JSON literal,
 * and is read by the attribute's type, because that is the only reading that can match anything:
 * - `null` (any case) keeps its RFC meaning, "absent", for every type: `title eq null` is the
 *   RFC's own way to ask for a missing attribute; the string "null" must be quoted.
 * - boolean attributes: `true`/`false` in any case (Entra writes `True`); anything else is refused.
 * - integer/decimal attributes: a JSON number; anything else is refused.
 * - string, reference, binary and dateTime attributes: the token's text exactly as written, even
 *   when it reads as a number or boolean (`employeeNumber eq 00123`, `externalId eq 1e3`,
 *   `userName eq true`). A string attribute never equals a JSON number or boolean, so refusing or
 *   comparing as a number would only fail the lookup; the text, not the number's canonical form,
 *   is what the client stored (`1e3` stays "1e3").
 */
function operand(filter: Filter & { kind: "compare" }, def: AttributeDef): FilterValue {
  const { raw, value } = filter;
  if (raw === undefined || value === null) return value;
  switch (def.type) {
    case "boolean":
    case "integer":
    case "decimal":
    case "complex":
      return value;
    default:
      return raw;
  }
}

function checkOperand(def: AttributeDef, op: CompareOp, value: string | number | boolean, label: string): void {
  switch (def.type) {
    case "boolean":
      if (op !== "eq" && op !== "ne") throw invalid(`"${label}" is a boolean; only eq and ne apply to it, not ${op}`);
      if (typeof value !== "boolean")
        throw invalid(`"${label}" is a boolean; compare it with true or false, not ${JSON.stringify(value)}`);
      return;
    case "integer":
    case "decimal":
      if (op === "co" || op === "sw" || op === "ew")
        throw invalid(`"${label}" is a number; ${op} applies to strings only`);
      if (typeof value !== "number")
        throw invalid(`"${label}" is a number; compare it with a number, not ${JSON.stringify(value)}`);
      return;
    case "complex":
      throw invalid(`"${label}" is a complex attribute and cannot be compared`);
    default:
      if (typeof value !== "string") {
        throw invalid(
          `"${label}" is a ${def.type}; compare it with a double-quoted string, not ${JSON.stringify(value)}`,
        );
      }
  }
}

const isMetaTimestamp = (path: string[]) =>
  path.length === 2 && path[0] === "meta" && (path[1] === "created" || path[1] === "lastModified");

/** meta timestamps are stored as `Date#toISOString()`; literals are brought to that form so string order is time order. */
function normalizeTimestamp(value: string, label: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw invalid(`"${label}" is a dateTime; ${JSON.stringify(value)} is not an xsd:dateTime value`);
  return new Date(ms).toISOString();
}

/** Whether an attribute's strings compare case-insensitively (RFC 7643 §2.2 caseExact). */
export function foldsCase(def: AttributeDef): boolean {
  return !def.caseExact && (def.type === "string" || def.type === "reference");
}

/** RFC 7644 §3.4.2.2 "pr": the attribute has a non-empty value (not absent, null, "" or []). */
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0);
}

/**
 * Evaluates a value filter (the bracket part of `emails[type eq "work"]`, RFC 7644 §3.4.2.2)
 * against ONE element of a multi-valued complex attribute whose definition is `parent`.
 * Sub-attribute names resolve case-insensitively; caseExact is honoured per sub-attribute.
 * Throws ScimError 400 invalidFilter for a sub-attribute `parent` does not define.
 */
export function matchesElement(filter: Filter, element: unknown, parent: AttributeDef): boolean {
  return evaluate(resolveValueFilter(filter, parent), element);
}

/**
 * In-memory evaluation of a filter (RFC 7644 §3.4.2.2) against a wire-form resource of the given
 * type; the reference semantics for the Cosmos SQL translation.
 */
export function matchesResource(filter: Filter, resource: Record<string, unknown>, type: ResourceTypeName): boolean {
  return evaluate(resolveFilter(filter, type), resource);
}

/** Evaluates a resolved filter against a scope (a wire-form resource, or one element of a multi-valued attribute). */
export function evaluate(filter: ResolvedFilter, scope: unknown): boolean {
  switch (filter.kind) {
    case "and":
      return evaluate(filter.left, scope) && evaluate(filter.right, scope);
    case "or":
      return evaluate(filter.left, scope) || evaluate(filter.right, scope);
    case "not":
      return !evaluate(filter.filter, scope);
    case "present":
      return isPresent(valueAt(scope, filter.path));
    case "compare":
      return compareValue(valueAt(scope, filter.path), filter.op, filter.value, filter.leaf);
    case "some": {
      const items = valueAt(scope, filter.path);
      return Array.isArray(items) && items.some((item) => evaluate(filter.filter, item));
    }
  }
}

function valueAt(scope: unknown, path: string[]): unknown {
  let current = scope;
  for (const name of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    const record = current as Record<string, unknown>;
    if (name in record) {
      current = record[name];
      continue;
    }
    const lower = name.toLowerCase();
    const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
    current = key === undefined ? undefined : record[key];
  }
  return current;
}

function compareValue(
  actual: unknown,
  op: Exclude<CompareOp, "ne">,
  expected: string | number | boolean,
  def: AttributeDef,
): boolean {
  if (typeof expected === "boolean") return op === "eq" && actual === expected;
  if (typeof actual !== typeof expected) return false;
  let a = actual as string | number;
  let b = expected;
  if (typeof a === "string" && typeof b === "string" && foldsCase(def)) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  switch (op) {
    case "eq":
      return a === b;
    case "co":
      return String(a).includes(String(b));
    case "sw":
      return String(a).startsWith(String(b));
    case "ew":
      return String(a).endsWith(String(b));
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
  }
}
