/** scripts/build.mjs: the service transpiled to JavaScript in `out` (default dist/), same layout; resolves to `out`. */
export function buildService(options?: { out?: string; extra?: string[] }): Promise<string>;
