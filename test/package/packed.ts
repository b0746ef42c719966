// The package as users get it: `npm pack`ed (what `npm publish` would upload) and unpacked into
// node_modules/gosync of a fresh temporary project. No registry is involved: the tarball is unpacked,
// not installed. Node's types are linked in for the consumer projects that use them.

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const exec = promisify(execFile);
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Packs the repository (built first if dist/ is missing) into a new project; returns its directory. */
export async function installPacked(): Promise<string> {
  if (!existsSync(join(ROOT, "dist/esm/index.js")))
    await exec(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
  const dir = mkdtempSync(join(tmpdir(), "gosync-consumer-"));
  // --ignore-scripts: pack what is built (npm test builds first) instead of building again.
  const { stdout } = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: ROOT,
  });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const installed = join(dir, "node_modules/gosync");
  mkdirSync(installed, { recursive: true });
  await exec("tar", ["xzf", join(dir, filename), "-C", installed, "--strip-components=1"]);
  symlinkSync(join(ROOT, "node_modules/@types"), join(dir, "node_modules/@types"), "dir");
  return dir;
}

/** Removes a project made by installPacked. */
export function removePacked(dir: string): void {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
}
