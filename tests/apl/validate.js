#!/usr/bin/env node
// Validates APL documents and datasources with apl-suggester (the validator behind Amazon's APL authoring
// tool). Input on stdin: a JSON list of {"name", "document"?, "datasources"?}. Output on stdout: a JSON list
// of {"name", "what": "document"|"datasources", "level", "path", "message"} for every finding; empty when clean.
"use strict";
// The suggester logs notes ("No mixin for component") with console.log: keep stdout for the findings.
console.log = (...args) => process.stderr.write(args.join(" ") + "\n");
const { StaticAplTemplateValidator } = require("apl-suggester");

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const validator = new StaticAplTemplateValidator();
  const findings = [];
  for (const item of JSON.parse(input)) {
    const checks = [];
    if (item.document !== undefined) checks.push(["document", () => validator.validate(item.document)]);
    if (item.datasources !== undefined) checks.push(["datasources", () => validator.validateDataSources(item.datasources)]);
    for (const [what, check] of checks) {
      for (const info of (await check()) || []) {
        findings.push({ name: item.name, what, level: info.level || "ERROR", path: info.path,
                        message: info.errorMessage });
      }
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exit(2); });
