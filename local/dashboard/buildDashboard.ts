import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { readLocalCatalog } from "../query/catalogViews.ts";
import { withLake } from "../query/lakeConnection.ts";
import { DASHBOARD_VIEWS } from "./dashboardViews.ts";

const require = createRequire(import.meta.url);

/** A package's folder, found as Node finds packages (their `exports` hide the browser builds from `require.resolve`). */
function packageDir(name: string): string {
  const dir = (require.resolve.paths(name) ?? []).map((p) => join(p, name)).find((d) => existsSync(join(d, "package.json")));
  if (!dir) throw new Error(`${name} is not installed (npm ci)`);
  return dir;
}

/** The browser builds of vega, vega-lite and vega-embed, read from node_modules: the page needs no network. */
function scripts(): string {
  return [["vega", "build/vega.min.js"], ["vega-lite", "build/vega-lite.min.js"], ["vega-embed", "build/vega-embed.min.js"]]
    .map(([name, file]) => `<script>${readFileSync(join(packageDir(name), file), "utf8").replaceAll("</script", "<\\/script")}</script>`)
    .join("\n");
}

/** JSON safe inside a `<script>`: no `</script>` or `<!--` can end it early, whatever the data holds. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c").replaceAll("\u2028", "\\u2028").replaceAll("\u2029", "\\u2029");
}

/** The spec schema of the Vega-Lite that is inlined (a mismatch makes it warn in the console). */
function schemaUrl(): string {
  const { version } = JSON.parse(readFileSync(join(packageDir("vega-lite"), "package.json"), "utf8")) as { version: string };
  return `https://vega.github.io/schema/vega-lite/v${version.split(".")[0]}.json`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A self-contained HTML page with the four views over the local lake (state directory), each
 * computed by SQL through the same views as `etl query`. A view whose table is not in the
 * catalog says so instead of a chart. Returns undefined when the state dir has no catalog.
 */
export async function buildDashboard(stateDir: string): Promise<string | undefined> {
  const tables = readLocalCatalog(stateDir);
  if (!tables) return undefined;
  const names = new Set(tables.map((t) => t.name));
  const views = await withLake(tables, async (connection) => {
    const out = [];
    for (const view of DASHBOARD_VIEWS) {
      const missing = view.tables.filter((t) => !names.has(t));
      const rows = missing.length ? [] : (await connection.runAndReadAll(view.sql)).getRowObjectsJson();
      out.push({ id: view.id, title: view.title, missing, spec: { $schema: schemaUrl(), data: { values: rows }, ...view.spec } });
    }
    return out;
  });
  const sections = views
    .map((v) => `<section><h2>${escapeHtml(v.title)}</h2><div id="${v.id}">${v.missing.length ? `<p class="empty">no data: ${escapeHtml(v.missing.join(", "))} not in the catalog</p>` : ""}</div></section>`)
    .join("\n");
  const charts = views.filter((v) => !v.missing.length).map((v) => ({ id: v.id, spec: v.spec }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ETL dashboard</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
  section { margin-bottom: 2rem; }
  h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  .empty { color: #888; }
</style>
${scripts()}
</head>
<body>
<h1>ETL dashboard</h1>
<p>Generated ${escapeHtml(new Date().toISOString())} from the local lake.</p>
${sections}
<script>
  const charts = ${inlineJson(charts)};
  window.dashboardReady = Promise.all(charts.map((c) => vegaEmbed("#" + c.id, c.spec, { actions: false, renderer: "svg" })));
</script>
</body>
</html>
`;
}
