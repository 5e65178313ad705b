import { describe, expect, it } from "vitest";
import { Deployment, Symbolic, parseExpression, type ArmTemplate } from "./arm.js";

// The evaluator the other infra tests stand on, checked on small hand-written templates.
const template = (t: Partial<ArmTemplate>): ArmTemplate => ({ resources: {}, ...t });

describe("ARM template evaluator", () => {
  it("parses strings with escaped quotes, numbers, calls and accessors", () => {
    expect(parseExpression("concat('it''s', 'x')[0].a")).toEqual({
      kind: "property",
      name: "a",
      target: {
        kind: "index",
        index: { kind: "number", value: 0 },
        target: {
          kind: "call",
          name: "concat",
          args: [
            { kind: "string", value: "it's" },
            { kind: "string", value: "x" },
          ],
        },
      },
    });
  });

  it("treats a leading [[ as an escaped literal, not an expression", () => {
    expect(new Deployment(template({})).evaluate("[[not an expression]")).toBe("[not an expression]");
  });

  it("uses given parameters, then defaults, then null for nullable ones", () => {
    const d = new Deployment(
      template({
        parameters: {
          a: { type: "string" },
          b: { type: "int", defaultValue: 3 },
          c: { type: "string", nullable: true },
        },
      }),
      { a: "x" },
    );
    expect(d.evaluate("[createArray(parameters('a'), parameters('b'), parameters('c'))]")).toEqual(["x", 3, null]);
  });

  it("keeps what only Azure knows symbolic, and formats around it", () => {
    const d = new Deployment(template({}));
    const value = d.evaluate("[format('st{0}', uniqueString(resourceGroup().id))]");
    expect(value).toBeInstanceOf(Symbolic);
    expect(String(value)).toBe("st{uniqueString(resourceGroup().id)}");
  });

  it("evaluates if, tryGet, union and lambdas", () => {
    const d = new Deployment(template({ variables: { o: { a: 1 } } }));
    expect(d.evaluate("[if(equals(1, 1), 'yes', 'no')]")).toBe("yes");
    expect(d.evaluate("[tryGet(variables('o'), 'b')]")).toBeNull();
    expect(d.evaluate("[union(variables('o'), createObject('b', 2))]")).toEqual({ a: 1, b: 2 });
    expect(
      d.evaluate(
        "[map(filter(range(0, 4), lambda('i', not(equals(lambdaVariables('i'), 2)))), lambda('i', mul(lambdaVariables('i'), 1)))]",
      ),
    ).toEqual([new Symbolic("mul(0, 1)"), new Symbolic("mul(1, 1)"), new Symbolic("mul(3, 1)")]);
  });

  it("expands copy loops and reads module outputs through reference()", () => {
    const module: ArmTemplate = {
      parameters: { names: { type: "array" } },
      resources: {
        items: {
          type: "Microsoft.Example/items",
          copy: { name: "items", count: "[length(parameters('names'))]" },
          name: "[parameters('names')[copyIndex()]]",
          properties: { index: "[copyIndex()]" },
        },
      },
      outputs: { first: { type: "string", value: "[parameters('names')[0]]" } },
    };
    const root = new Deployment(
      template({
        resources: {
          mod: {
            type: "Microsoft.Resources/deployments",
            name: "mod",
            properties: { template: module as never, parameters: { names: { value: "[createArray('a', 'b')]" } } },
          },
        },
        outputs: { first: { type: "string", value: "[reference('mod').outputs.first.value]" } },
      }),
    );
    const items = root.resources().filter((r) => r.type === "Microsoft.Example/items");
    expect(items.map((r) => [r.path.join("/"), r.name, r.properties["index"]])).toEqual([
      ["mod/items[0]", "a", 0],
      ["mod/items[1]", "b", 1],
    ]);
    expect(root.outputs()).toEqual({ first: "a" });
  });
});
