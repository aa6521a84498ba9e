// Prints the result of a jest run from its --json output: the totals, the counts per file and,
// for each test that did not pass, its name and the first lines of its failure message.
// Usage: node summary.cjs LABEL RESULT.json
const fs = require("node:fs");
const path = require("node:path");

const [label, file] = process.argv.slice(2);
const run = JSON.parse(fs.readFileSync(file, "utf8"));
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
// Jest calls a test.skip "pending".
const statusName = (status) => (status === "pending" ? "skipped" : status);

console.log(`\n== ${label}`);
for (const suite of run.testResults.sort((a, b) => a.name.localeCompare(b.name))) {
  const counts = {};
  for (const t of suite.assertionResults) counts[statusName(t.status)] = (counts[statusName(t.status)] || 0) + 1;
  const shown = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ");
  console.log(`  ${path.basename(suite.name).padEnd(36)} ${shown || suite.status}`);
  // A file that fails to compile or load has no assertion results, only a message.
  if (suite.assertionResults.length === 0 && suite.message) {
    console.log(`    ${stripAnsi(suite.message).trim().split("\n").slice(0, 8).join("\n    ")}`);
  }
  for (const t of suite.assertionResults) {
    if (t.status === "passed") continue;
    console.log(`    ${statusName(t.status)}: ${t.fullName}`);
    for (const m of t.failureMessages || []) {
      console.log(`      ${stripAnsi(m).split("\n").slice(0, 6).join("\n      ")}`);
    }
  }
}
console.log(
  `  ${label}: ${run.numPassedTests} passed, ${run.numFailedTests} failed, ${run.numPendingTests} skipped ` +
    `(${run.numTotalTests} tests in ${run.numTotalTestSuites} files, ${run.numFailedTestSuites} files failed)`,
);
