/**
 * A small, offline evaluator for compiled ARM templates (the JSON `bicep build` writes), so
 * tests can assert on what a deployment would send rather than on expression strings.
 *
 * Everything that can be known before deployment is evaluated: parameters (given or
 * default), variables, literals, copy loops, module parameters and module outputs, and the
 * pure template functions. Anything that needs Azure (resourceGroup(), uniqueString(),
 * resourceId(), reference() to a real resource, ...) becomes a {@link Symbolic} value whose
 * text shows the call, e.g. `reference(Microsoft.Web/sites/func-…).defaultHostName`.
 */
import { readFileSync } from "node:fs";

/** A value only Azure can compute; `text` renders the expression that produces it. */
export class Symbolic {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Value = unknown;

export type ArmTemplate = {
  languageVersion?: string;
  parameters?: Record<string, { type?: string; defaultValue?: Json; nullable?: boolean; [k: string]: unknown }>;
  variables?: Record<string, Json>;
  resources: Record<string, ArmResource> | ArmResource[];
  outputs?: Record<string, { type?: string; value?: Json; copy?: { count: Json; input: Json }; [k: string]: unknown }>;
  [k: string]: unknown;
};

export type ArmResource = {
  type: string;
  apiVersion?: string;
  name: Json;
  existing?: boolean;
  condition?: Json;
  copy?: { name: string; count: Json };
  properties?: { [k: string]: Json } | string;
  [k: string]: unknown;
};

/** The inlined template of a module (a nested deployment), if the resource is one. */
function moduleTemplate(resource: ArmResource): ArmTemplate | undefined {
  if (resource.type !== "Microsoft.Resources/deployments" || typeof resource.properties !== "object") return undefined;
  return resource.properties["template"] as unknown as ArmTemplate | undefined;
}

/** One resource instance as the deployment would send it (loops expanded). */
export type EvaluatedResource = {
  /** Symbolic names from the root template down to this resource, e.g. ["cosmos", "containers[1]"]. */
  path: string[];
  type: string;
  apiVersion?: string;
  name: Value;
  existing: boolean;
  condition: Value;
  properties: Record<string, Value>;
  /** Every other top-level field (identity, sku, kind, scope, location, tags, ...), evaluated. */
  fields: Record<string, Value>;
};

export function readTemplate(path: string): ArmTemplate {
  return JSON.parse(readFileSync(path, "utf8")) as ArmTemplate;
}

/** Parameter values from a compiled parameters file (`bicep build-params`). */
export function readParameterValues(path: string): Record<string, Value> {
  const file = JSON.parse(readFileSync(path, "utf8")) as { parameters: Record<string, { value: Value }> };
  return Object.fromEntries(Object.entries(file.parameters).map(([k, p]) => [k, p.value]));
}

// ------------------------------------------------------------------------------------------
// Expression parsing
// ------------------------------------------------------------------------------------------

type Node =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "property"; target: Node; name: string }
  | { kind: "index"; target: Node; index: Node };

/** True when an ARM string value is an expression (`[...]`, but not the `[[` escape). */
function isExpression(text: string): boolean {
  return text.startsWith("[") && text.endsWith("]") && !text.startsWith("[[");
}

export function parseExpression(source: string): Node {
  let pos = 0;
  const peek = () => source[pos];
  const skipSpace = () => {
    while (pos < source.length && /\s/.test(source[pos]!)) pos++;
  };
  const expect = (ch: string) => {
    skipSpace();
    if (source[pos] !== ch) throw new Error(`expected '${ch}' at ${pos} in ${source}`);
    pos++;
  };
  const identifier = (dotted = false) => {
    skipSpace();
    const match = (dotted ? /^[A-Za-z_$][A-Za-z0-9_$.]*/ : /^[A-Za-z_$][A-Za-z0-9_$]*/).exec(source.slice(pos));
    if (!match) throw new Error(`expected a name at ${pos} in ${source}`);
    pos += match[0].length;
    return match[0];
  };
  const primary = (): Node => {
    skipSpace();
    const ch = peek();
    if (ch === "'") {
      pos++;
      let value = "";
      for (;;) {
        if (pos >= source.length) throw new Error(`unterminated string in ${source}`);
        const c = source[pos++]!;
        if (c === "'") {
          if (source[pos] === "'") {
            value += "'";
            pos++;
          } else break;
        } else value += c;
      }
      return { kind: "string", value };
    }
    const number = /^-?\d+/.exec(source.slice(pos));
    if (number) {
      pos += number[0].length;
      return { kind: "number", value: Number(number[0]) };
    }
    const name = identifier(true);
    expect("(");
    const args: Node[] = [];
    skipSpace();
    if (peek() === ")") pos++;
    else {
      for (;;) {
        args.push(expression());
        skipSpace();
        if (peek() === ",") {
          pos++;
          continue;
        }
        expect(")");
        break;
      }
    }
    return { kind: "call", name, args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      skipSpace();
      if (peek() === ".") {
        pos++;
        node = { kind: "property", target: node, name: identifier() };
      } else if (peek() === "[") {
        pos++;
        const index = expression();
        expect("]");
        node = { kind: "index", target: node, index };
      } else return node;
    }
  };
  const node = expression();
  skipSpace();
  if (pos !== source.length) throw new Error(`unexpected '${source.slice(pos)}' in ${source}`);
  return node;
}

// ------------------------------------------------------------------------------------------
// Evaluation
// ------------------------------------------------------------------------------------------

type Lambda = { lambda: true; params: string[]; body: Node; scope: Scope };
type Scope = { loops: Map<string | undefined, number>; lambdaVars: Map<string, Value> };
const emptyScope = (): Scope => ({ loops: new Map(), lambdaVars: new Map() });

const isObject = (v: Value): v is Record<string, Value> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Symbolic);

function render(value: Value): string {
  if (value instanceof Symbolic) return value.text;
  if (typeof value === "string") return `'${value}'`;
  return JSON.stringify(value);
}

function symbolicCall(name: string, args: Value[]): Symbolic {
  return new Symbolic(`${name}(${args.map(render).join(", ")})`);
}

function deepMerge(a: Value, b: Value): Value {
  if (isObject(a) && isObject(b)) {
    const out: Record<string, Value> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  return b;
}

function equalValues(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One deployment: a template with its parameter values, able to evaluate its expressions. */
export class Deployment {
  private readonly variableCache = new Map<string, Value>();
  private readonly moduleCache = new Map<string, Deployment>();

  constructor(
    readonly template: ArmTemplate,
    readonly parameterValues: Record<string, Value> = {},
    readonly path: string[] = [],
  ) {}

  /** The template's resources keyed by symbolic name (array templates get their index). */
  get resourceEntries(): [string, ArmResource][] {
    const resources = this.template.resources;
    return Array.isArray(resources) ? resources.map((r, i) => [String(i), r]) : Object.entries(resources);
  }

  parameter(name: string): Value {
    if (name in this.parameterValues) return this.parameterValues[name];
    const definition = this.template.parameters?.[name];
    if (!definition) throw new Error(`unknown parameter '${name}' in ${this.path.join("/") || "main"}`);
    if ("defaultValue" in definition) return this.evaluate(definition.defaultValue as Json);
    if (definition.nullable) return null;
    throw new Error(`parameter '${name}' has no value and no default`);
  }

  variable(name: string): Value {
    if (!this.variableCache.has(name)) {
      const variables = this.template.variables ?? {};
      if (!(name in variables)) throw new Error(`unknown variable '${name}'`);
      this.variableCache.set(name, this.evaluate(variables[name]!));
    }
    return this.variableCache.get(name);
  }

  /** The nested deployment a module resource creates, with its parameters evaluated here. */
  module(symbolicName: string, scope: Scope = emptyScope()): Deployment {
    const key = `${symbolicName}#${[...scope.loops.values()].join(",")}`;
    const cached = this.moduleCache.get(key);
    if (cached) return cached;
    const resource = this.resourceEntries.find(([name]) => name === symbolicName)?.[1];
    if (!resource || !moduleTemplate(resource)) throw new Error(`'${symbolicName}' is not a module`);
    const props = resource.properties as unknown as {
      template: ArmTemplate;
      parameters?: Record<string, { value: Json }>;
    };
    const values: Record<string, Value> = {};
    for (const [name, param] of Object.entries(props.parameters ?? {})) {
      values[name] = this.evaluate(param.value, scope);
    }
    const index = scope.loops.size ? `[${[...scope.loops.values()].join(",")}]` : "";
    const module = new Deployment(props.template, values, [...this.path, symbolicName + index]);
    this.moduleCache.set(key, module);
    return module;
  }

  /** Evaluated outputs of this deployment (copy outputs expanded). */
  outputs(): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const [name, output] of Object.entries(this.template.outputs ?? {})) {
      if (output.copy) {
        const count = this.evaluate(output.copy.count);
        out[name] =
          typeof count === "number"
            ? Array.from({ length: count }, (_, i) =>
                this.evaluate(output.copy!.input, { loops: new Map([[undefined, i]]), lambdaVars: new Map() }),
              )
            : new Symbolic(`copy(${render(count)})`);
      } else out[name] = this.evaluate(output.value as Json);
    }
    return out;
  }

  /** Every resource instance in this deployment and the modules below it. */
  resources(): EvaluatedResource[] {
    const all: EvaluatedResource[] = [];
    for (const [symbolicName, resource] of this.resourceEntries) {
      const copies: Scope[] = [];
      if (resource.copy) {
        const count = this.evaluate(resource.copy.count);
        if (typeof count !== "number")
          throw new Error(`cannot expand copy of '${symbolicName}': count ${render(count)}`);
        for (let i = 0; i < count; i++) {
          copies.push({
            loops: new Map([
              [resource.copy.name, i],
              [undefined, i],
            ]),
            lambdaVars: new Map(),
          });
        }
      } else copies.push(emptyScope());

      copies.forEach((scope, i) => {
        const label = resource.copy ? `${symbolicName}[${i}]` : symbolicName;
        const isModule = moduleTemplate(resource) !== undefined;
        const { type, apiVersion, name, existing, condition, copy, properties, dependsOn, ...rest } = resource;
        void copy;
        void dependsOn;
        let evaluatedProperties: Record<string, Value> = {};
        if (typeof properties === "string") {
          // The whole properties object is one expression, e.g. [union(...)].
          const value = this.evaluate(properties, scope);
          evaluatedProperties = isObject(value) ? value : { $value: value };
        } else {
          for (const [k, v] of Object.entries(properties ?? {})) {
            if (isModule && (k === "template" || k === "parameters")) continue;
            evaluatedProperties[k] = this.evaluate(v, scope);
          }
        }
        const fields: Record<string, Value> = {};
        for (const [k, v] of Object.entries(rest)) fields[k] = this.evaluate(v as Json, scope);
        all.push({
          path: [...this.path, label],
          type,
          apiVersion,
          name: this.evaluate(name, scope),
          existing: existing === true,
          condition: condition === undefined ? true : this.evaluate(condition, scope),
          properties: evaluatedProperties,
          fields,
        });
        if (isModule) all.push(...this.module(symbolicName, scope).resources());
      });
    }
    return all;
  }

  /** Evaluates a template value: expressions in strings (and object keys), recursively. */
  evaluate(value: Json, scope: Scope = emptyScope()): Value {
    if (typeof value === "string") {
      if (isExpression(value)) return this.evaluateNode(parseExpression(value.slice(1, -1)), scope);
      return value.startsWith("[[") ? value.slice(1) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v, scope));
    if (value !== null && typeof value === "object") {
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(value)) out[String(this.evaluate(k, scope))] = this.evaluate(v, scope);
      return out;
    }
    return value;
  }

  private evaluateNode(node: Node, scope: Scope): Value {
    switch (node.kind) {
      case "string":
      case "number":
        return node.value;
      case "property": {
        const target = this.evaluateNode(node.target, scope);
        if (target instanceof Symbolic) return new Symbolic(`${target.text}.${node.name}`);
        if (isObject(target)) {
          const key = Object.keys(target).find((k) => k.toLowerCase() === node.name.toLowerCase());
          if (key === undefined) throw new Error(`no property '${node.name}' in ${render(target)}`);
          return target[key];
        }
        throw new Error(`cannot read '${node.name}' of ${render(target)}`);
      }
      case "index": {
        const target = this.evaluateNode(node.target, scope);
        const index = this.evaluateNode(node.index, scope);
        if (target instanceof Symbolic || index instanceof Symbolic) {
          return new Symbolic(`${render(target)}[${render(index)}]`);
        }
        if (Array.isArray(target) && typeof index === "number") return target[index];
        if (isObject(target) && typeof index === "string") return target[index];
        throw new Error(`cannot index ${render(target)} with ${render(index)}`);
      }
      case "call":
        return this.call(node, scope);
    }
  }

  private call(node: Extract<Node, { kind: "call" }>, scope: Scope): Value {
    const name = node.name.toLowerCase();
    const arg = (i: number) => this.evaluateNode(node.args[i]!, scope);

    // Lazy or scope-aware functions first.
    switch (name) {
      case "if": {
        const condition = arg(0);
        if (typeof condition !== "boolean") return symbolicCall("if", [condition, arg(1), arg(2)]);
        return condition ? arg(1) : arg(2);
      }
      case "lambda": {
        const params = node.args.slice(0, -1).map((a) => {
          if (a.kind !== "string") throw new Error("lambda parameter names must be strings");
          return a.value;
        });
        return { lambda: true, params, body: node.args[node.args.length - 1]!, scope } satisfies Lambda;
      }
      case "lambdavariables": {
        const variable = String(arg(0));
        if (!scope.lambdaVars.has(variable)) throw new Error(`unknown lambda variable '${variable}'`);
        return scope.lambdaVars.get(variable);
      }
      case "copyindex": {
        const args = node.args.map((a) => this.evaluateNode(a, scope));
        const loopName = typeof args[0] === "string" ? args[0] : undefined;
        const offset = typeof args[0] === "number" ? args[0] : typeof args[1] === "number" ? args[1] : 0;
        const index = scope.loops.get(loopName);
        if (index === undefined) throw new Error(`copyIndex(${loopName ?? ""}) outside a loop`);
        return index + offset;
      }
      case "reference":
        return this.reference(node, scope);
    }

    const args = node.args.map((a) => this.evaluateNode(a, scope));
    const anySymbolic = args.some((a) => a instanceof Symbolic);

    switch (name) {
      case "parameters":
        return this.parameter(String(args[0]));
      case "variables":
        return this.variable(String(args[0]));
      case "null":
        return null;
      case "true":
        return true;
      case "false":
        return false;
      case "createarray":
        return args;
      case "createobject": {
        const out: Record<string, Value> = {};
        for (let i = 0; i < args.length; i += 2) out[String(args[i])] = args[i + 1];
        return out;
      }
      case "coalesce": {
        for (const a of args) {
          if (a instanceof Symbolic) return symbolicCall("coalesce", args);
          if (a !== null && a !== undefined) return a;
        }
        return null;
      }
      case "tryget": {
        const [target, ...keys] = args;
        let current: Value = target;
        for (const key of keys) {
          if (current instanceof Symbolic || key instanceof Symbolic) return symbolicCall("tryGet", args);
          if (current === null || current === undefined) return null;
          if (Array.isArray(current) && typeof key === "number") current = current[key] ?? null;
          else if (isObject(current) && typeof key === "string") current = key in current ? current[key] : null;
          else return null;
        }
        return current;
      }
      case "concat":
        if (args.every((a) => Array.isArray(a))) return (args as Value[][]).flat();
        if (anySymbolic) return symbolicCall("concat", args);
        return args.map((a) => String(a)).join("");
      case "union":
        if (anySymbolic) return symbolicCall("union", args);
        if (args.every((a) => Array.isArray(a))) {
          const out: Value[] = [];
          for (const a of args as Value[][]) for (const v of a) if (!out.some((o) => equalValues(o, v))) out.push(v);
          return out;
        }
        return args.reduce((acc, a) => deepMerge(acc, a), {});
      case "items":
        if (anySymbolic) return symbolicCall("items", args);
        return Object.keys(args[0] as object)
          .sort()
          .map((key) => ({ key, value: (args[0] as Record<string, Value>)[key] }));
      case "map":
      case "filter":
      case "toobject":
      case "reduce":
        return this.higherOrder(name, args);
    }

    if (anySymbolic) {
      if (name === "format") return this.format(args);
      return symbolicCall(node.name, args);
    }

    switch (name) {
      case "format":
        return this.format(args);
      case "tolower":
        return String(args[0]).toLowerCase();
      case "toupper":
        return String(args[0]).toUpperCase();
      case "string":
        return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
      case "int":
        return Number.parseInt(String(args[0]), 10);
      case "bool":
        return typeof args[0] === "boolean" ? args[0] : String(args[0]).toLowerCase() === "true";
      case "json":
        return JSON.parse(String(args[0]));
      case "equals":
        return equalValues(args[0], args[1]);
      case "not":
        return !args[0];
      case "and":
        return args.every(Boolean);
      case "or":
        return args.some(Boolean);
      case "empty": {
        const v = args[0];
        if (v === null || v === undefined) return true;
        if (typeof v === "string" || Array.isArray(v)) return v.length === 0;
        if (isObject(v)) return Object.keys(v).length === 0;
        return false;
      }
      case "length": {
        const v = args[0];
        if (typeof v === "string" || Array.isArray(v)) return v.length;
        if (isObject(v)) return Object.keys(v).length;
        throw new Error(`length of ${render(v)}`);
      }
      case "contains": {
        const [container, item] = args;
        if (typeof container === "string") return container.toLowerCase().includes(String(item).toLowerCase());
        if (Array.isArray(container)) return container.some((v) => equalValues(v, item));
        if (isObject(container))
          return Object.keys(container).some((k) => k.toLowerCase() === String(item).toLowerCase());
        return false;
      }
      case "take":
      case "skip": {
        const [v, n] = args as [string | Value[], number];
        return name === "take" ? v.slice(0, n) : v.slice(n);
      }
      case "first":
        return (args[0] as string | Value[])[0] ?? null;
      case "last": {
        const v = args[0] as string | Value[];
        return v[v.length - 1] ?? null;
      }
      case "range":
        return Array.from({ length: Number(args[1]) }, (_, i) => Number(args[0]) + i);
      case "replace":
        return String(args[0]).split(String(args[1])).join(String(args[2]));
      case "startswith":
        return String(args[0]).toLowerCase().startsWith(String(args[1]).toLowerCase());
      case "endswith":
        return String(args[0]).toLowerCase().endsWith(String(args[1]).toLowerCase());
      case "objectkeys":
        return Object.keys(args[0] as object);
      case "join":
        return (args[0] as Value[]).map(String).join(String(args[1]));
      case "split":
        return String(args[0]).split(String(args[1]));
      case "trim":
        return String(args[0]).trim();
      case "min":
        return Math.min(...(args.flat() as number[]));
      case "max":
        return Math.max(...(args.flat() as number[]));
    }

    // resourceGroup(), subscription(), uniqueString(), resourceId(), guid(), environment(), ...
    return symbolicCall(node.name, args);
  }

  private format(args: Value[]): Value {
    const [template, ...values] = args;
    if (typeof template !== "string") return symbolicCall("format", args);
    const text = template.replace(/\{(\d+)(:[^}]*)?\}/g, (_, i: string) => {
      const v = values[Number(i)];
      return v instanceof Symbolic ? `{${v.text}}` : typeof v === "string" ? v : JSON.stringify(v);
    });
    return values.some((v) => v instanceof Symbolic) ? new Symbolic(text) : text;
  }

  private higherOrder(name: string, args: Value[]): Value {
    const [input, ...fns] = args;
    const apply = (fn: Value, ...values: Value[]): Value => {
      const lambda = fn as Lambda;
      if (!lambda || lambda.lambda !== true) throw new Error(`${name} expects a lambda`);
      const lambdaVars = new Map(lambda.scope.lambdaVars);
      lambda.params.forEach((p, i) => lambdaVars.set(p, values[i]));
      return this.evaluateNode(lambda.body, { loops: lambda.scope.loops, lambdaVars });
    };
    if (input instanceof Symbolic) return symbolicCall(name, [input]);
    const list = input as Value[];
    switch (name) {
      case "map":
        return list.map((v, i) => apply(fns[0], v, i));
      case "filter":
        return list.filter((v, i) => apply(fns[0], v, i) === true);
      case "reduce":
        return list.reduce((acc, v, i) => apply(fns[1], acc, v, i), fns[0]);
      case "toobject": {
        const out: Record<string, Value> = {};
        for (const v of list) out[String(apply(fns[0], v))] = fns[1] === undefined ? v : apply(fns[1], v);
        return out;
      }
    }
    throw new Error(`unsupported ${name}`);
  }

  /** reference(): a module's outputs are evaluated; a real resource's state is symbolic. */
  private reference(node: Extract<Node, { kind: "call" }>, scope: Scope): Value {
    const args = node.args.map((a) => this.evaluateNode(a, scope));
    const target = args[0];
    if (typeof target === "string") {
      const entry = this.resourceEntries.find(([name]) => name === target);
      if (entry) {
        const [symbolicName, resource] = entry;
        if (moduleTemplate(resource)) {
          const outputs = this.module(symbolicName, scope).outputs();
          return { outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])) };
        }
        const resourceName = this.evaluate(resource.name, scope);
        const full = args.includes("full") ? ", 'full'" : "";
        return new Symbolic(`reference(${resource.type}/${render(resourceName).replace(/^'|'$/g, "")}${full})`);
      }
    }
    return symbolicCall("reference", args);
  }
}
