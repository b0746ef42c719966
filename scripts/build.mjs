// Builds the ESM and CJS outputs (with .d.ts) using TypeScript's own compiler.
// TypeScript 7 is the native compiler; `tsc` emits both module formats directly, so no bundler sits
// between the sources and what consumers load.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";

const tsc = (project) => execFileSync("npx", ["tsc", "-p", project], { stdio: "inherit" });
rmSync("dist", { recursive: true, force: true });
tsc("tsconfig.build.json");
tsc("tsconfig.cjs.json");
writeFileSync("dist/cjs/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
