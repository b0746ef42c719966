// The package as users get it: `npm pack`ed and unpacked into fresh consumer projects (no registry at
// test time), then typechecked the strict way a user's project does it — `strict`, `skipLibCheck:
// false`, so every shipped .d.ts is checked — under each module resolution in use (nodenext, node16,
// bundler, and the node10 way through `typesVersions`), importing every subpath the package exports; and bundled for a browser (no `node:` import may remain where none is needed).
// The subpaths come from package.json's `exports`, so a new entry point is covered without an edit.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { exec, installPacked, ROOT, removePacked } from "./packed.js";

interface Conditions {
  readonly import: { readonly types: string; readonly default: string };
  readonly require: { readonly types: string; readonly default: string };
}
interface PackageJson {
  readonly exports: Record<string, Conditions | string>;
  readonly typesVersions: Record<string, Record<string, readonly string[]>>;
  readonly types: string;
  readonly main: string;
}
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

/** Every entry point, as a consumer spells it: "gosync", "gosync/etcd", ... */
const SPECIFIERS = Object.keys(pkg.exports)
  .filter((k) => k !== "./package.json")
  .map((k) => (k === "." ? "gosync" : `gosync/${k.slice(2)}`));

const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

let dir = "";
before(async () => {
  dir = await installPacked();
});
after(() => removePacked(dir));

/** A module that imports every entry point (ESM syntax) and uses a few exports, so types must resolve. */
function esmSource(specifiers: readonly string[]): string {
  const imports = specifiers.map((s, i) => `import * as m${i} from "${s}";`).join("\n");
  return `${imports}
import { Canceled, Chan, background, recv, select, withCancel } from "gosync";
export const modules = [${specifiers.map((_, i) => `m${i}`).join(", ")}];
export async function demo(): Promise<number> {
  const ch = new Chan<number>(1);
  const [ctx, cancel] = withCancel(background());
  await ch.send(1, ctx);
  const got: number = await select(recv(ch, (v, ok) => (ok ? (v ?? 0) : -1)));
  cancel();
  return ctx.err() === Canceled ? got : 0;
}
`;
}

/** The same through CommonJS `import = require` (a .cts file, or a node10 project). */
function cjsSource(specifiers: readonly string[]): string {
  const imports = specifiers.map((s, i) => `import m${i} = require("${s}");`).join("\n");
  return `${imports}
export const modules = [${specifiers.map((_, i) => `m${i}`).join(", ")}];
export const ch: m0.Chan<string> = new m0.Chan<string>(2);
`;
}

interface Project {
  readonly name: string;
  /** The entry points its files import. */
  readonly specifiers: readonly string[];
  readonly compilerOptions: Record<string, unknown>;
  readonly files: Record<string, string>;
}

// The strictest settings in common use (@tsconfig/strictest's type-checking flags), so the shipped
// declarations hold under any of them.
const strict = {
  strict: true,
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noPropertyAccessFromIndexSignature: true,
  noEmit: true,
  target: "es2022",
};
const nodeLib = { ...strict, lib: ["es2022"], types: ["node"] };

const PROJECTS: readonly Project[] = [
  {
    name: "nodenext (ESM and CJS files)",
    specifiers: SPECIFIERS,
    compilerOptions: { ...nodeLib, module: "nodenext", moduleResolution: "nodenext" },
    files: { "esm.mts": esmSource(SPECIFIERS), "cjs.cts": cjsSource(SPECIFIERS) },
  },
  {
    name: "node16 (ESM and CJS files)",
    specifiers: SPECIFIERS,
    compilerOptions: { ...nodeLib, module: "node16", moduleResolution: "node16" },
    files: { "esm.mts": esmSource(SPECIFIERS), "cjs.cts": cjsSource(SPECIFIERS) },
  },
  {
    name: "bundler",
    specifiers: SPECIFIERS,
    compilerOptions: { ...nodeLib, module: "esnext", moduleResolution: "bundler" },
    files: { "index.ts": esmSource(SPECIFIERS) },
  },
  {
    name: "bundler, browser only (DOM lib, no Node types): the core and gosync/etcd",
    specifiers: ["gosync", "gosync/etcd"],
    compilerOptions: {
      ...strict,
      lib: ["es2022", "dom", "esnext.disposable"],
      types: [],
      module: "esnext",
      moduleResolution: "bundler",
    },
    files: { "index.ts": esmSource(["gosync", "gosync/etcd"]) },
  },
  {
    // TypeScript 7 removed moduleResolution node10; bundler resolution without `exports` resolves
    // the same way (main/types, subpaths through typesVersions), as TypeScript 5's node10 does.
    name: "no exports map, the node10 way (subpaths through typesVersions)",
    specifiers: SPECIFIERS,
    compilerOptions: {
      ...nodeLib,
      module: "esnext",
      moduleResolution: "bundler",
      resolvePackageJsonExports: false,
      resolvePackageJsonImports: false,
    },
    files: { "index.ts": esmSource(SPECIFIERS) },
  },
];

describe("the packed package in strict consumer projects (skipLibCheck: false)", { concurrency: 1 }, () => {
  test("the entry points under test are package.json's exports", () => {
    assert.ok(SPECIFIERS.includes("gosync"));
    for (const s of ["gosync/etcd", "gosync/debug", "gosync/testing"]) assert.ok(SPECIFIERS.includes(s), s);
  });

  test("the tarball holds every file exports names, the CommonJS marker, and the license and changelog", () => {
    const installed = join(dir, "node_modules/gosync");
    for (const [sub, entry] of Object.entries(pkg.exports)) {
      const targets =
        typeof entry === "string"
          ? [entry]
          : [entry.import.types, entry.import.default, entry.require.types, entry.require.default];
      for (const t of targets) assert.ok(existsSync(join(installed, t)), `${sub}: ${t}`);
    }
    // Without it Node and TypeScript take dist/cjs for ES modules ("type": "module" above it).
    const marker = JSON.parse(readFileSync(join(installed, "dist/cjs/package.json"), "utf8")) as {
      type?: string;
    };
    assert.equal(marker.type, "commonjs");
    for (const f of ["LICENSE", "README.md", "CHANGELOG.md"]) assert.ok(existsSync(join(installed, f)), f);
    assert.ok(
      !existsSync(join(installed, "test")) && !existsSync(join(installed, "bench")),
      "no tests or benchmarks",
    );
  });

  test("typesVersions maps every subpath to its CommonJS types, as `types` does the root", () => {
    const map = pkg.typesVersions["*"] ?? {};
    const subpaths = SPECIFIERS.filter((s) => s !== "gosync").map((s) => s.slice("gosync/".length));
    assert.deepEqual(Object.keys(map).sort(), subpaths.sort());
    for (const sub of subpaths) {
      const entry = pkg.exports[`./${sub}`] as Conditions;
      assert.deepEqual(map[sub], [entry.require.types], sub);
    }
    assert.equal(pkg.types, (pkg.exports["."] as Conditions).require.types);
  });

  for (const project of PROJECTS) {
    test(project.name, { timeout: 180_000 }, async () => {
      const where = join(dir, project.name.replace(/\W+/g, "-"));
      mkdirSync(where);
      for (const [file, text] of Object.entries(project.files)) writeFileSync(join(where, file), text);
      const config = { compilerOptions: project.compilerOptions, files: Object.keys(project.files) };
      writeFileSync(join(where, "tsconfig.json"), JSON.stringify(config, null, 2));
      const run = (...args: string[]): Promise<{ ok: boolean; out: string }> =>
        exec(process.execPath, [TSC, "-p", where, ...args]).then(
          (r) => ({ ok: true, out: r.stdout }),
          (e: { stdout?: string; stderr?: string }) => ({
            ok: false,
            out: `${e.stdout ?? ""}${e.stderr ?? ""}`,
          }),
        );
      // The shipped declarations are part of the program (not an untyped `any` import)...
      const listed = await run("--listFilesOnly");
      for (const s of project.specifiers) {
        const sub = s === "gosync" ? "" : `${s.slice("gosync/".length)}/`;
        assert.match(listed.out, new RegExp(`node_modules/gosync/dist/(esm|cjs)/${sub}index\\.d\\.ts`), s);
      }
      // ...and any error in them, or in the consumer's use of them, fails the check.
      const check = await run();
      assert.ok(check.ok && check.out === "", `tsc reported errors:\n${check.out}`);
    });
  }
});

describe("bundling for a browser (esbuild, platform browser)", { concurrency: 1 }, () => {
  /** Bundles `entry` as a file in the consumer project; returns the output and the inputs it used. */
  async function bundle(entry: string): Promise<{ text: string; inputs: string[] }> {
    const r = await build({
      stdin: { contents: entry, resolveDir: dir, sourcefile: "entry.mjs" },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    return { text: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) };
  }

  test("the core bundles with no node: import", { timeout: 60_000 }, async () => {
    const { text, inputs } = await bundle(`import * as g from "gosync"; globalThis.g = g;`);
    assert.doesNotMatch(text, /["']node:/);
    assert.ok(inputs.some((i) => i.includes("node_modules/gosync/dist/esm/chan/chan.js")));
  });

  test("gosync/etcd with only embedded() bundles with no node: import, and runs", {
    timeout: 60_000,
  }, async () => {
    const { text } = await bundle(`
      import { embedded, text } from "gosync/etcd";
      const b = embedded();
      await b.put({ key: "k", value: "v" });
      const r = await b.range({ key: "k" });
      globalThis.__embedded = text(r.kvs[0].value);
      await b.close();
    `);
    assert.doesNotMatch(text, /["']node:/);
    // The bundle is plain ESM: run it here to see that the embedded store works from it.
    const file = join(dir, "embedded.bundle.mjs");
    writeFileSync(file, text);
    const g = globalThis as { __embedded?: string };
    await import(file);
    assert.equal(g.__embedded, "v");
    delete g.__embedded;
  });
});
