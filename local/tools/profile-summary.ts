import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/**
 * `node dist/local/tools/profile-summary.js [--ops N] [--top 15] [--node-files] [--callers GROUP] A.cpuprofile [B.cpuprofile ...]`:
 * self time of one or more V8 CPU profiles (`node --cpu-prof`, or bench-local-store's --profile),
 * added together and grouped by where the code lives: a package (node_modules/<name>), a file of
 * this project (its path under dist/), "node:internal" (Node's own JavaScript), or, for native and
 * V8 entries without a file, the function's name ("(garbage collector)", "writev", ...). Prints each
 * group's share of the busy time (everything but "(idle)") and, with --ops, the busy ms per operation.
 * With --node-files, Node's own code is split by file (node:_http_server, node:internal/streams/...).
 * With --callers GROUP: where that group's time comes from, i.e. the nearest caller outside it
 * that is neither Node's own code nor native (function, file and line).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ops: { type: "string" },
    top: { type: "string", default: "15" },
    callers: { type: "string" },
    "node-files": { type: "boolean", default: false },
  },
});
if (positionals.length === 0) {
  console.error("usage: profile-summary [--ops N] [--top 15] [--node-files] [--callers GROUP] FILE.cpuprofile...");
  process.exit(2);
}

/** Where a call frame's code lives. */
function groupOf(frame: { functionName: string; url: string }): string {
  const url = frame.url;
  if (!url) return frame.functionName || "(anonymous native)";
  if (url.startsWith("node:")) return values["node-files"] ? url : "node:internal";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(.+)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, "");
}

const micros = new Map<string, number>();
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const groups = new Map(profile.nodes.map((n) => [n.id, groupOf(n.callFrame)]));
  const parents = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n] as const)));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  /** The nearest caller of `id` outside --callers' group, Node's own code and native frames. */
  const callerOf = (id: number): string => {
    for (let node = parents.get(id); node; node = parents.get(node.id)) {
      const group = groups.get(node.id)!;
      if (group !== values.callers && node.callFrame.url && !node.callFrame.url.startsWith("node:")) {
        return `${group}: ${node.callFrame.functionName || "(anonymous)"}:${node.callFrame.lineNumber + 1}`;
      }
    }
    return `(no caller in the project or a package; ${nodes.get(id)!.callFrame.functionName})`;
  };
  // timeDeltas[i] is the time before sample i: the time of sample i is the next delta (the last sample's is unknown, left out).
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    const sample = profile.samples[i]!;
    const own = groups.get(sample)!;
    const group =
      values.callers && own !== "(idle)" ? (own === values.callers ? callerOf(sample) : "(other groups)") : own;
    micros.set(group, (micros.get(group) ?? 0) + profile.timeDeltas[i + 1]!);
  }
}
const idle = micros.get("(idle)") ?? 0;
micros.delete("(idle)");
const busy = [...micros.values()].reduce((a, b) => a + b, 0);
const rows = [...micros].sort((a, b) => b[1] - a[1]);
const top = Number(values.top);
console.log(
  `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms${values.ops ? `; busy ${(busy / 1000 / Number(values.ops)).toFixed(2)} ms per operation (${values.ops})` : ""}`,
);
console.log("| where | % of busy | ms |");
console.log("|---|---|---|");
for (const [group, us] of rows.slice(0, top))
  console.log(`| ${group} | ${((100 * us) / busy).toFixed(1)} | ${(us / 1000).toFixed(0)} |`);
const rest = rows.slice(top).reduce((a, [, us]) => a + us, 0);
if (rest)
  console.log(`| (${rows.length - top} others) | ${((100 * rest) / busy).toFixed(1)} | ${(rest / 1000).toFixed(0)} |`);
