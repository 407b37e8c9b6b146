// Checks recorded HTTP exchanges against an OpenAPI 3.0 document.
//
//   node validate_exchanges.mjs DOC DIR
//
// DIR holds *.jsonl files, one JSON object a line, as tests/integration/harness.cpp writes
// them with COPSCHED_EXCHANGE_LOG_DIR set: method, target, request_content_type,
// request_body, status, response_content_type, response_body. For each exchange whose
// path (query string ignored) matches a path of the document:
//   - the operation (path and method) is documented; HEAD uses GET's; a method the
//     document does not list for the path must have been answered 405;
//   - the status is declared for it (or NXX, or default);
//   - the answer's media type is one the document declares for that status, and an
//     answer with a body is one the document declares a body for;
//   - a JSON answer validates against the (dereferenced) schema of its media type and
//     holds no member that schema does not describe (see closed());
//   - for a 2xx answer the request is one the document accepts: its media type, and a
//     JSON body validated against the requestBody schema (a required body is present).
// Exchanges with paths the document does not describe (unknown routes the tests probe)
// are skipped and counted. Prints each mismatch once with how often it occurred, then
// `openapi exchanges: N passed, M failed`. Exits 1 on any failure, and when fewer than
// OPENAPI_MIN_EXCHANGES (default 300) exchanges were checked: an empty recording must
// not pass.

import fs from "node:fs";
import path from "node:path";

import { load } from "./packages.mjs";
const SwaggerParser = await load("@apidevtools/swagger-parser");
const Ajv2019 = await load("ajv/dist/2019.js");
const addFormats = await load("ajv-formats");

const [docPath, dir] = process.argv.slice(2);
if (!docPath || !dir) {
  console.error("usage: node validate_exchanges.mjs DOC DIR");
  process.exit(2);
}
const minimum = Number(process.env.OPENAPI_MIN_EXCHANGES ?? 300);

const api = await SwaggerParser.dereference(docPath);
// OpenAPI-only keywords (example, discriminator, xml, ...) are annotations here; nullable
// is understood by Ajv itself. Draft 2019-09 for unevaluatedProperties (see closed()).
const ajv = new Ajv2019({ strict: false, allErrors: true, discriminator: false });
addFormats(ajv);
const validators = new Map();

// An answer must not hold members the document does not describe: a copy of a response
// schema in which every object schema that lists properties (or composes them with allOf)
// and says nothing about other members gets unevaluatedProperties: false. That keyword sees
// through allOf, so only the outermost schema of a composition is closed, not its parts.
// Requests are checked as documented (their schemas close themselves where the service
// rejects unknown fields).
const closedCopies = new Map();
function closed(schema, part = false, stack = new Set()) {
  if (typeof schema !== "object" || schema === null || stack.has(schema)) return schema;
  if (!part && closedCopies.has(schema)) return closedCopies.get(schema);
  stack.add(schema);
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "allOf" || k === "anyOf" || k === "oneOf") out[k] = v.map((s) => closed(s, true, stack));
    else if (k === "properties") out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, closed(s, false, stack)]));
    else if ((k === "items" || k === "additionalProperties" || k === "not") && typeof v === "object") out[k] = closed(v, false, stack);
    else out[k] = v;
  }
  stack.delete(schema);
  if (!part && (out.properties || out.allOf) && out.additionalProperties === undefined) out.unevaluatedProperties = false;
  if (!part) closedCopies.set(schema, out);
  return out;
}

// A schema Ajv cannot compile (e.g. nullable without type) fails every exchange it
// would check, with the reason.
function validatorFor(schema) {
  let v = validators.get(schema);
  if (!v) {
    try {
      v = ajv.compile(schema);
    } catch (e) {
      v = () => false;
      v.errors = [{ instancePath: "", message: `the schema cannot be compiled: ${e.message}`, schemaPath: "#", params: {} }];
    }
    validators.set(schema, v);
  }
  return v;
}

// Path templates as regular expressions over decoded segments; the most specific (most
// literal characters) first, so /api/v1/events/{id}.ics wins over /api/v1/events/{id}.
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const templates = Object.keys(api.paths)
  .map((template) => {
    const segments = template.split("/").slice(1).map((seg) => {
      const re = seg
        .split(/(\{[^}]+\})/)
        .map((part) => (/^\{[^}]+\}$/.test(part) ? "(.+)" : escape(part)))
        .join("");
      return new RegExp(`^${re}$`);
    });
    const literal = template.replace(/\{[^}]+\}/g, "").length;
    return { template, segments, literal };
  })
  .sort((a, b) => b.literal - a.literal);

function decodedSegments(target) {
  const pathOnly = target.split("?")[0].split("#")[0];
  if (!pathOnly.startsWith("/")) return null;
  try {
    return pathOnly.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return null;
  }
}

function matchTemplates(target) {
  const segments = decodedSegments(target);
  if (!segments) return [];
  return templates.filter(
    (t) => t.segments.length === segments.length && t.segments.every((re, i) => re.test(segments[i]))
  );
}

const mediaType = (contentType) => (contentType ?? "").split(";")[0].trim().toLowerCase();
const isJson = (mt) => mt === "application/json" || mt.endsWith("+json");

function declaredResponse(op, status) {
  const r = op.responses ?? {};
  return r[String(status)] ?? r[`${String(status)[0]}XX`] ?? r.default;
}

// Ajv's errors, array indexes folded ("/items/3/rsvp" -> "/items/*/rsvp") so the same
// mismatch in many items is printed once.
function ajvErrors(errors) {
  const distinct = [
    ...new Set(
      errors.map((e) => {
        const extra =
          e.keyword === "additionalProperties"
            ? ` (${e.params.additionalProperty})`
            : e.keyword === "unevaluatedProperties"
              ? ` (${e.params.unevaluatedProperty}: not in the document)`
              : e.keyword === "enum"
              ? ` (${JSON.stringify(e.params.allowedValues)})`
              : "";
        const at = (e.instancePath || "/").replace(/\/\d+(?=\/|$)/g, "/*");
        return `${at} ${e.message}${extra} [${e.schemaPath}]`;
      })
    ),
  ];
  const shown = distinct.slice(0, 6);
  if (distinct.length > shown.length) shown.push(`... ${distinct.length - shown.length} more`);
  return shown.join("; ");
}

// Returns the list of mismatches of one exchange (empty: it matches the document), or
// null when the document does not describe its path.
function check(x) {
  const candidates = matchTemplates(x.target);
  if (candidates.length === 0) return null;
  const method = String(x.method).toLowerCase();
  const head = method === "head";
  let found = candidates.find((t) => api.paths[t.template][method]);
  if (!found && head) found = candidates.find((t) => api.paths[t.template].get);
  const where = `${x.method} ${found?.template ?? candidates[0].template} -> ${x.status}`;
  // A method the document does not list for this path: the service must refuse it.
  if (!found) return x.status === 405 ? [] : [`${where}: the operation is not documented`];
  const op = api.paths[found.template][method] ?? api.paths[found.template].get;

  const problems = [];
  const response = declaredResponse(op, x.status);
  if (!response) {
    problems.push(`${where}: status ${x.status} is not declared (declared: ${Object.keys(op.responses ?? {}).join(", ")})`);
  } else {
    const declared = Object.keys(response.content ?? {});
    const mt = mediaType(x.response_content_type);
    const body = x.response_body ?? "";
    if (declared.length === 0) {
      if (body.length > 0) problems.push(`${where}: answer has a ${mt || "untyped"} body, the document declares none`);
    } else if (body.length === 0 && (head || x.status === 304)) {
      // no body by definition
    } else if (!declared.includes(mt)) {
      problems.push(`${where}: answer is ${mt || "untyped"}${body.length ? "" : " without body"}, the document declares ${declared.join(", ")}`);
    } else if (isJson(mt)) {
      let value;
      try {
        value = JSON.parse(body);
      } catch (e) {
        problems.push(`${where}: answer is not JSON: ${e.message}`);
      }
      const schema = response.content[mt].schema;
      if (value !== undefined && schema) {
        const validate = validatorFor(closed(schema));
        if (!validate(value)) problems.push(`${where}: answer ${mt}: ${ajvErrors(validate.errors)}`);
      }
    }
  }

  // The service accepted this request: the document must accept it too.
  if (x.status >= 200 && x.status < 300) {
    const body = x.request_body ?? "";
    const rb = op.requestBody;
    if (!rb) {
      if (body.length > 0) problems.push(`${where}: request with a body accepted, the document declares no request body`);
    } else if (body.length === 0) {
      if (rb.required) problems.push(`${where}: request without body accepted, the document requires one`);
    } else {
      const mt = mediaType(x.request_content_type);
      const declared = Object.keys(rb.content ?? {});
      if (!declared.includes(mt)) {
        problems.push(`${where}: request of type ${mt || "none"} accepted, the document declares ${declared.join(", ")}`);
      } else if (isJson(mt) && rb.content[mt].schema) {
        let value;
        try {
          value = JSON.parse(body);
        } catch (e) {
          problems.push(`${where}: request accepted with a body that is not JSON: ${e.message}`);
        }
        if (value !== undefined) {
          const validate = validatorFor(rb.content[mt].schema);
          if (!validate(value)) problems.push(`${where}: request ${mt}: ${ajvErrors(validate.errors)}`);
        }
      }
    }
  }
  return problems;
}

let files = [];
try {
  files = fs.readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort();
} catch (e) {
  console.error(`cannot read ${dir}: ${e.message}`);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedPaths = new Map();
const mismatches = new Map(); // message -> count
for (const file of files) {
  const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let x;
    try {
      x = JSON.parse(line);
    } catch (e) {
      failed++;
      mismatches.set(`${file}:${i + 1}: unreadable line: ${e.message}`, 1);
      return;
    }
    const problems = check(x);
    if (problems === null) {
      skipped++;
      const p = String(x.target).split("?")[0];
      skippedPaths.set(p, (skippedPaths.get(p) ?? 0) + 1);
      return;
    }
    if (problems.length === 0) {
      passed++;
      return;
    }
    failed++;
    for (const p of problems) mismatches.set(p, (mismatches.get(p) ?? 0) + 1);
  });
}

for (const [message, count] of mismatches) console.log(`MISMATCH ${message}${count > 1 ? ` (x${count})` : ""}`);
if (skipped > 0) {
  const examples = [...skippedPaths.keys()].slice(0, 8).join(", ");
  console.log(`skipped ${skipped} exchanges whose path the document does not describe (${examples}${skippedPaths.size > 8 ? ", ..." : ""})`);
}
const checked = passed + failed;
if (checked < minimum) {
  console.log(`only ${checked} exchanges recorded in ${files.length} files under ${dir}, expected at least ${minimum}: did the integration tests run with COPSCHED_EXCHANGE_LOG_DIR?`);
}
console.log(`openapi exchanges: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 || checked < minimum ? 1 : 0);
