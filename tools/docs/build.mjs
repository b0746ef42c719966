// `npm run docs`: gosync's API site (TypeDoc) in docs/api, one module per subpath of package.json
// `exports`, so a new subpath (gosync/threads, say) is picked up without touching this file. A
// warning fails the build (treatWarningsAsErrors): an undocumented export, a link to a symbol that is
// not exported, a broken {@link}.
//
// Each subpath gets a generated entry file (`export * from "../../src/<path>/index.js"`) whose module
// comment is the subpath's name plus the header comment of its source index, so the site says
// `gosync/etcd`, not `etcd/index`. A subpath whose source is not there yet (exported ahead of a
// merge) is reported and skipped; a source folder with an index.ts but no export is not published,
// so it is not documented either.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, LogLevel, ReferenceType, ReflectionKind } from "typedoc";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const entriesDir = join(here, "entries");
const out = join(root, "docs", "api");

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** The `//` header comment at the top of a source file, as plain lines. */
function header(source) {
  const lines = [];
  for (const line of readFileSync(source, "utf8").split("\n")) {
    if (!line.startsWith("//")) break;
    lines.push(line.replace(/^\/\/ ?/, ""));
  }
  return lines;
}

/** One entry per exported subpath with types: [module name, source index]. */
function subpaths() {
  const found = [];
  for (const [key, target] of Object.entries(pkg.exports)) {
    const types = target?.import?.types;
    if (typeof types !== "string") continue; // ./package.json
    const source = join(root, types.replace(/^\.\/dist\/esm\//, "src/").replace(/\.d\.ts$/, ".ts"));
    const name = key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`;
    if (!existsSync(source)) {
      console.warn(`docs: skipping ${name}: ${relative(root, source)} is not there (yet)`);
      continue;
    }
    found.push([name, source]);
  }
  return found;
}

function writeEntries(found) {
  rmSync(entriesDir, { recursive: true, force: true });
  mkdirSync(entriesDir, { recursive: true });
  return found.map(([name, source]) => {
    const file = join(entriesDir, `${name.replaceAll("/", "-")}.ts`);
    const spec = relative(entriesDir, source).replace(/\.ts$/, ".js");
    const doc = [...header(source), "", `@module ${name}`]
      .map((line) => ` *${line === "" ? "" : ` ${line.replaceAll("*/", "*\\/")}`}`)
      .join("\n");
    writeFileSync(file, `/**\n${doc}\n */\n\nexport * from "${spec}";\n`);
    return file;
  });
}

const entryPoints = writeEntries(subpaths());
const app = await Application.bootstrapWithPlugins({
  name: pkg.name,
  entryPoints,
  entryPointStrategy: "resolve",
  tsconfig: join(here, "tsconfig.json"),
  out,
  readme: join(root, "README.md"),
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: true,
  excludeExternals: true,
  githubPages: false,
  hideGenerator: true,
  sort: ["kind", "instance-first", "alphabetical-ignoring-documents"],
  packagesRequiringDocumentation: [pkg.name],
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  logLevel: LogLevel.Info,
});

// The package is the repository's, not this workspace's (where the entry files are): TypeDoc takes
// the package name from here, and checks exports and documentation for that package only.
app.options.packageDir = root;

/**
 * Types that public declarations may name without exporting them: `KeysOf` (the key filter of
 * atomicAdd & co., shown expanded) and the internal interfaces a public class names in its
 * `implements` clause (the cancellation and waiter protocols). The latter are found in the project,
 * not listed, because TypeDoc also warns about a listed name that nothing references.
 */
function intentionallyNotExported(project) {
  const names = new Set(["KeysOf"]);
  for (const cls of project.getReflectionsByKind(ReflectionKind.Class))
    for (const t of cls.implementedTypes ?? [])
      if (t instanceof ReferenceType && t.reflection === undefined && t.package === pkg.name)
        names.add(t.name);
  return [...names];
}

const project = await app.convert();
if (project === undefined) {
  process.exitCode = 1;
} else {
  app.options.setValue("intentionallyNotExported", intentionallyNotExported(project));
  app.validate(project);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exitCode = 1;
  else await app.generateDocs(project, out);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exitCode = 1;
}
rmSync(entriesDir, { recursive: true, force: true });
if (process.exitCode === 1) console.error("docs: failed (warnings count as errors)");
else console.log(`docs: ${entryPoints.length} modules -> ${relative(root, out)}/index.html`);
