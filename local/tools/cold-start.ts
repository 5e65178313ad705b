import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Cold start as the Functions host sees it: a fresh Node process imports every module that
 * package.json `main` names, and the time to finish those imports is the module initialisation.
 * Measured beside the bare `@azure/functions` import (the floor any function app pays).
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The files package.json `main` names (a file, or a glob such as dist/functions/*.js). */
export function mainModules(): string[] {
  const main = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main: string }).main;
  if (!main.includes("*")) return [resolve(root, main)];
  const dir = resolve(root, dirname(main));
  const suffix = main.slice(main.lastIndexOf("*") + 1);
  return execFileSync("ls", [dir], { encoding: "utf8" })
    .split("\n")
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));
}

/** Milliseconds one fresh process spends importing `specifiers`, in order. */
function importTime(specifiers: string[]): number {
  const script = `const t = performance.now(); for (const s of ${JSON.stringify(specifiers)}) await import(s); process.stdout.write("\\ncold-start-ms " + (performance.now() - t));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  // Modules may print while they load (the Functions library does in test mode): read the marked line.
  return Number(/cold-start-ms (\S+)$/.exec(out.trim())?.[1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface ColdStart {
  app: number;
  bare: number;
  runs: number;
  modules: string[];
}

/** Medians over `runs` fresh processes, alternating the app and the bare import. */
export function measureColdStart(runs = 5): ColdStart {
  const modules = mainModules().map((f) => pathToFileURL(f).href);
  const app: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    app.push(importTime(modules));
    bare.push(importTime(["@azure/functions"]));
  }
  return { app: median(app), bare: median(bare), runs, modules };
}

export function printColdStart(result: ColdStart): void {
  console.log(`Cold start (module initialisation, median of ${result.runs} fresh processes, Node ${process.version}):`);
  console.log(
    `  package.json main (${result.modules.length} module${result.modules.length === 1 ? "" : "s"})  ${result.app.toFixed(0)} ms`,
  );
  console.log(`  bare @azure/functions import        ${result.bare.toFixed(0)} ms`);
}
