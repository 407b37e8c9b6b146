// Validates an OpenAPI document (default: docs/openapi.json) against the OpenAPI 3.0
// specification with @apidevtools/swagger-parser: the structure of every object and
// every $ref. Prints each error; exits 1 when there is any.
//
//   node validate_document.mjs [DOC]

import path from "node:path";
import { fileURLToPath } from "node:url";

import { load } from "./packages.mjs";
const SwaggerParser = await load("@apidevtools/swagger-parser");

const here = path.dirname(fileURLToPath(import.meta.url));
const doc = process.argv[2] ?? path.join(here, "..", "..", "docs", "openapi.json");

try {
  const api = await SwaggerParser.validate(doc);
  if (!/^3\.0\.\d+$/.test(api.openapi ?? "")) {
    console.error(`${doc}: openapi is ${JSON.stringify(api.openapi)}, expected 3.0.x`);
    process.exit(1);
  }
  console.log(`${doc}: valid OpenAPI ${api.openapi} (${Object.keys(api.paths).length} paths)`);
} catch (e) {
  console.error(`${doc}: not a valid OpenAPI 3.0 document`);
  console.error(e.message); // one line per error, with its JSON pointer
  process.exit(1);
}
