// Why this Node cannot run etl's TypeScript, or undefined when it can. Plain JavaScript, because it
// runs before Node has said whether it strips types at all.

/** Type stripping is on by default from Node 22.18 on the 22 line, 23.6 on, and every 24+. */
function stripsByDefault(version) {
  const [major, minor] = version.split(".").map(Number);
  return major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
}

/**
 * @param {string} version process.versions.node
 * @param {{ typescript?: unknown }} features process.features
 * @returns {string | undefined}
 */
export function typescriptProblem(version, features) {
  if (features.typescript) return undefined;
  if (stripsByDefault(version)) {
    return `etl runs its TypeScript with Node's type stripping, which is off in this Node ${version} (--no-experimental-strip-types, in NODE_OPTIONS or on the command line); run it without that flag.`;
  }
  return `etl needs Node 22.18 or newer to run TypeScript (this is Node ${version}); npx etl uses the Node the project installs.`;
}
