import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults, Result } from "axe-core";
import type { Page } from "playwright-core";

/**
 * The accessibility check of the browser tests: axe-core (the engine behind Lighthouse's and
 * Playwright's accessibility audits) run inside the page, failing on every violation whose impact
 * is serious or critical. Minor and moderate findings are not failures.
 */

const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** One line per failing node: rule id, impact, what to do, and where. */
function describeViolations(violations: Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.map(
        (n) =>
          `    at ${n.target.join(" ")} ${n.html.slice(0, 200)}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\s+/g, " ")}` : ""}`,
      );
      return `  ${v.id} (${v.impact}): ${v.help} (${v.helpUrl})\n${nodes.join("\n")}`;
    })
    .join("\n");
}

/** Runs axe-core on `page` as it is now (WCAG 2.x A/AA and best practices); the serious and critical violations. */
async function seriousViolations(page: Page): Promise<Result[]> {
  // Colours mid-transition (a dialog fading in) are not the page's: let animations finish first.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  // Evaluated, not added as a <script>: the pages' CSP (rightly) refuses inline script.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(`${source};void 0`);
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe.run(document, {
      resultTypes: ["violations"],
    }),
  )) as AxeResults;
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !tabsterSentinel(v.id, n.html)) }))
    .filter((v) => v.nodes.length > 0);
}

/**
 * Fluent UI's focus manager (tabster) puts `<i tabindex="0" aria-hidden="true" data-tabster-dummy>`
 * sentinels around dialogs and tab lists, which only pass focus on: a known false positive of
 * aria-hidden-focus (microsoft/tabster#288; Accessibility Insights suppresses it the same way).
 * Only that rule, only those elements.
 */
const tabsterSentinel = (rule: string, html: string) =>
  rule === "aria-hidden-focus" && /^<i\b[^>]*\sdata-tabster-dummy=/.test(html);

/** Fails, listing each violation (id, help, target nodes), when axe finds a serious or critical one on `page`. `context` names the screen in the message. */
export async function expectNoSeriousViolations(page: Page, context = page.url()): Promise<void> {
  const violations = await seriousViolations(page);
  if (violations.length > 0)
    throw new Error(
      `axe: ${violations.length} serious or critical violation(s) on ${context}:\n${describeViolations(violations)}`,
    );
}
