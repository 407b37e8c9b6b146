// The web pages in a real browser: Debian's chromium, headless, driven by puppeteer-core
// (which downloads no browser). Starts copsched on a temporary SQLite file and a free
// loopback port, builds a programme through the API (with hostile names, titles and
// comments), then walks the pages as a participant and as an organiser:
//   participant: the personal page (subscribe links, answer an invitation with a comment,
//                join and leave a working group, a join waiting for approval, reminder
//                opt-out), the RSVP link page;
//   organiser:   sign in with a token, see the year, preview and book a year plan, mark
//                presence (one, bulk, everyone who accepted), the reports with their SVG
//                charts and CSV downloads, the outbox, approve a membership request; sign out.
// On every page: axe-core finds no WCAG 2.1 A/AA violation, no script runs that the page
// did not ship (no dialog, no CSP violation), the page fits 375 px without sideways
// scrolling; a screenshot of each is written to SHOT_DIR.
//
//   node browser_test.mjs COPSCHED_BINARY SHOT_DIR [CHROMIUM]
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const load = async (name) => {
  try {
    return await import(name);
  } catch (e) {
    console.error(`cannot load ${name} (${e.code ?? e.message}): run npm ci in tests/pages`);
    process.exit(1);
  }
};
const puppeteer = (await load("puppeteer-core")).default;
const axeSource = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");

const [binary, shotDir, chromiumArg] = process.argv.slice(2);
if (!binary || !shotDir) {
  console.error("usage: node browser_test.mjs COPSCHED_BINARY SHOT_DIR [CHROMIUM]");
  process.exit(2);
}
const chromium = chromiumArg || "/usr/bin/chromium";
fs.mkdirSync(shotDir, { recursive: true });

let failures = 0;
const check = (ok, what) => {
  if (ok) console.log(`ok    ${what}`);
  else {
    failures++;
    console.log(`FAIL  ${what}`);
  }
};

// --- the service -----------------------------------------------------------------------------
const work = fs.mkdtempSync(path.join(os.tmpdir(), "copsched-pages-"));
const database = path.join(work, "copsched.db");
const cli = (...args) => execFileSync(binary, ["--database", database, ...args], { encoding: "utf8" }).trim();
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

cli("migrate");
cli("seed-demo", "--history"); // a programme with a past: the year, the charts and the screenshots show real shapes
const admin = cli("token", "create", "--role", "admin", "--name", "browser test");
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const logPath = path.join(work, "serve.log");
const log = fs.openSync(logPath, "w");
const server = spawn(binary, ["--database", database, "--host", "127.0.0.1", "--port", String(port), "--access-log", "true", "serve"], {
  stdio: ["ignore", log, log],
});
let browser;
const stop = async () => {
  if (browser) await browser.close().catch(() => {});
  server.kill("SIGTERM");
};
process.on("uncaughtException", async (e) => {
  console.error(e);
  await stop();
  process.exit(1);
});
for (let i = 0; i < 200; i++) {
  try {
    if ((await fetch(`${base}/readyz`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 50));
}

async function api(method, target, body, token = admin) {
  const res = await fetch(base + target, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  if (!res.ok && !(method === "GET" && res.status === 404)) console.log(`      ${method} ${target} -> ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, json, text };
}

// --- the programme: the demo, with hostile texts and events now and ahead ---------------------
const programme = (await api("GET", "/api/v1/programmes")).json.items[0];
const slug = programme.slug;
const groups = (await api("GET", `/api/v1/programmes/${slug}/working-groups?limit=200`)).json.items;
const people = (await api("GET", `/api/v1/programmes/${slug}/people?limit=200`)).json.items;
const organisations = (await api("GET", `/api/v1/programmes/${slug}/organisations?limit=200`)).json.items;
const HOSTILE_NAME = `<script>window.__pwned=1</script>Eve "><img src=x onerror=alert(1)>`;
const HOSTILE_TITLE = `"><img src=x onerror=alert(2)> Sessie <b>vet</b>`;
const HOSTILE_COMMENT = `<script>alert(3)</script> ' " & ok`;
const eve = (
  await api("POST", `/api/v1/programmes/${slug}/people`, {
    name: HOSTILE_NAME, email: "eve@example.org", organisation_id: organisations[0].id, role: "buyer", language: "nl",
  })
).json;
const group = groups[0];
await api("POST", `/api/v1/working-groups/${group.id}/members`, { person_id: eve.id, from: "2020-01-01" });

const local = (d) => {
  const p = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).format(d);
  return p.replace(" ", "T").slice(0, 16);
};
const hour = 3600 * 1000;
const now = Date.now();
// Books an event, accepting the soft conflicts the first answer lists (holidays, weekends:
// they depend on the day the test runs).
async function book(event) {
  let r = await api("POST", `/api/v1/programmes/${slug}/events`, event);
  if (r.status === 409) r = await api("POST", `/api/v1/programmes/${slug}/events`, { ...event, accept_conflicts: r.json.conflicts.map((c) => c.type) });
  return r.json?.event ?? r.json;
}
await api("PATCH", `/api/v1/programmes/${slug}`, { ends_on: "2099-12-31" });
// A javascript: online link never gets in through the API ...
const refused = await api("POST", `/api/v1/programmes/${slug}/events`, {
  kind: "other", title: "x", start: local(new Date(now + 30 * 24 * hour)), end: local(new Date(now + 30 * 24 * hour + hour)), online_url: "javascript:alert(4)",
});
check(refused.status === 422 && refused.text.includes("online_url"), "the API refuses a javascript: online link, naming the field");
// A session of Eve's group that started an hour ago (presence can be recorded) ...
const ongoing = await book({
  kind: "working_group_session", title: HOSTILE_TITLE, working_group_id: group.id,
  start: local(new Date(now - hour)), end: local(new Date(now + 2 * hour)),
});
// ... and one three weeks ahead with a real online link.
const ahead = await book({
  kind: "working_group_session", title: "Werksessie vooruit", working_group_id: group.id,
  start: local(new Date(now + 21 * 24 * hour)), end: local(new Date(now + 21 * 24 * hour + 2 * hour)),
  online_url: "https://meet.example.org/werksessie",
});
check(ongoing?.id && ahead?.id, "events created through the API");
const eveFull = (await api("GET", `/api/v1/people/${eve.id}`)).json;
check(typeof eveFull.page_url === "string" && eveFull.page_url.includes("/my/"), "the person resource carries page_url");
const pagePath = new URL(eveFull.page_url).pathname;
const organiser = (
  await api("POST", "/api/v1/tokens", { name: "browser organiser", role: "organiser", programme: slug })
).json.token;

// --- the browser -------------------------------------------------------------------------------
browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
const page = await browser.newPage();
const dialogs = [];
page.on("dialog", async (d) => {
  dialogs.push(d.message());
  await d.dismiss();
});
const consoleErrors = [];
page.on("console", (m) => {
  // The 401 and 404 answers this test asks for show as "Failed to load resource".
  if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) consoleErrors.push(m.text());
});
page.on("pageerror", (e) => consoleErrors.push(String(e)));
await page.evaluateOnNewDocument(() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
});
await page.setViewport({ width: 1200, height: 900 });

// axe-core through the DevTools protocol (not a <script>: the pages' CSP allows none).
async function audit(name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  });
  check(result.length === 0, `${name}: axe finds no WCAG 2.1 A/AA violation${result.length ? "\n        " + result.join("\n        ") : ""}`);
  const csp = await page.evaluate(() => window.__csp ?? []);
  check(csp.length === 0, `${name}: no Content-Security-Policy violation${csp.length ? ": " + csp.join("; ") : ""}`);
  const pwned = await page.evaluate(() => window.__pwned === 1);
  check(!pwned && dialogs.length === 0, `${name}: no injected script ran${dialogs.length ? " (dialogs: " + dialogs.join(", ") + ")" : ""}`);
  // 375 px: nothing wider than the screen.
  await page.setViewport({ width: 375, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(shotDir, `${name}-375.png`), fullPage: true });
  check(wide <= 375, `${name}: fits 375 px (scroll width ${wide})`);
  await page.setViewport({ width: 1200, height: 900 });
  await page.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });
}
const text = () => page.evaluate(() => document.body.innerText);
const go = async (p) => {
  const res = await page.goto(base + p, { waitUntil: "load" });
  return res;
};

// --- participant: the personal page ----------------------------------------------------------------
let res = await go(pagePath);
check(res.status() === 200, "the personal page answers 200");
const headers = res.headers();
check((headers["content-security-policy"] ?? "").includes("frame-ancestors 'none'") && !(headers["content-security-policy"] ?? "").includes("unsafe-inline"),
  "the page's CSP forbids framing and inline script");
let body = await text();
check(body.includes(HOSTILE_NAME.slice(0, 30)), "the hostile name is shown as text");
check(body.includes(HOSTILE_TITLE), "the hostile title is shown as text");
check(!(await page.$('a[href^="javascript:"]')), "no javascript: link on the page");
check(body.includes("Werksessie vooruit") && (await page.$('a[href="https://meet.example.org/werksessie"]')) !== null, "the upcoming event with its online link");
const feedUrl = eveFull.feed_url;
const webcal = await page.$eval("#subscribe-webcal", (a) => a.getAttribute("href"));
const google = await page.$eval("#subscribe-google", (a) => a.getAttribute("href"));
const outlook = await page.$eval("#subscribe-outlook", (a) => a.getAttribute("href"));
const copied = await page.$eval("#feed-url", (i) => i.value);
check(webcal === eveFull.webcal_url && webcal.startsWith("webcal://"), "subscribe: webcal link is the person's feed");
check(google === "https://calendar.google.com/calendar/r?cid=" + encodeURIComponent(eveFull.webcal_url), "subscribe: Google Calendar 'from URL' link");
check(outlook.startsWith("https://outlook.live.com/calendar/0/addfromweb?url=" + encodeURIComponent(feedUrl)), "subscribe: Outlook.com 'add from web' link");
check(copied === feedUrl, "subscribe: the copy field holds the feed URL");
const feed = await fetch(feedUrl.replace(/^https?:\/\/[^/]+/, base));
check(feed.ok && (await feed.text()).includes("BEGIN:VCALENDAR"), "subscribe: the feed URL answers with a calendar");
const ics = await page.$eval(`#event-${ahead.id} a[href$=".ics"]`, (a) => a.href);
const icsRes = await fetch(ics);
check(icsRes.ok && (await icsRes.text()).includes("Werksessie vooruit"), "add to calendar: the event's .ics");
await audit("participant-page");

// Answer the invitation ahead with a hostile comment.
await page.type(`#comment-${ahead.id}`, HOSTILE_COMMENT);
await Promise.all([page.waitForNavigation(), page.click(`#event-${ahead.id} button[value="accepted"]`)]);
body = await text();
check(body.includes("opgeslagen"), "RSVP from the personal page: the page says it is saved");
let att = (await api("GET", `/api/v1/events/${ahead.id}/attendance?limit=200`)).json;
let mine = att.items.find((i) => i.person_id === eve.id);
check(mine?.rsvp === "accepted" && mine?.rsvp_comment === HOSTILE_COMMENT, "RSVP from the personal page: stored with the comment as typed");
check(body.includes(HOSTILE_COMMENT), "the hostile comment is shown back as text");
await audit("participant-page-answered");

// Join a working group, then leave it.
const other = groups.find((g) => g.id !== group.id);
await Promise.all([page.waitForNavigation(), page.click(`form[action$="/groups"] input[value="${other.id}"] ~ button`)]);
let own = (await api("GET", `/api/v1/people/${eve.id}`)).json;
let ms = await (await fetch(`${base}/api/v1/working-groups/${other.id}/members`, { headers: { Authorization: `Bearer ${admin}` } })).json();
const joinedMembership = ms.items.find((m) => m.person_id === eve.id);
check(joinedMembership !== undefined, "join a working group from the page");
await Promise.all([page.waitForNavigation(), page.click(`form[action$="/groups/${joinedMembership?.id}/leave"] button`)]);
body = await text();
ms = await (await fetch(`${base}/api/v1/working-groups/${other.id}/members`, { headers: { Authorization: `Bearer ${admin}` } })).json();
check((body.includes("verlaten") || body.includes("left")) && ms.items.find((m) => m.id === joinedMembership?.id)?.until,
  "leave a working group from the page");
check((await page.$$(`form[action$="/leave"]`)).length === 0, "the last working group cannot be left (no button)");
// With the programme's memberships.approval "organiser", joining makes a request that waits.
await api("PATCH", `/api/v1/programmes/${slug}`, { memberships: { approval: "organiser" } });
const third = groups.find((g) => g.id !== group.id && g.id !== other.id && !g.archived_at);
await go(pagePath);
await Promise.all([page.waitForNavigation(), page.click(`form[action$="/groups"] input[value="${third.id}"] ~ button`)]);
body = await text();
const waiting = (await api("GET", `/api/v1/programmes/${slug}/membership-requests?state=pending`)).json.items;
const request = waiting.find((r) => r.person_id === eve.id && r.working_group_id === third.id);
check(request !== undefined && body.includes("Wacht op goedkeuring van een organisator"), "join with approval: a pending request, and the page says it waits");
ms = await (await fetch(`${base}/api/v1/working-groups/${third.id}/members`, { headers: { Authorization: `Bearer ${admin}` } })).json();
check(ms.items.find((m) => m.person_id === eve.id) === undefined, "join with approval: no membership yet");
await audit("participant-page-requested");
// Reminders: opt out.
await Promise.all([page.waitForNavigation(), page.click(`form[action$="/reminders"] button`)]);
own = (await api("GET", `/api/v1/people/${eve.id}`)).json;
check(own.reminders_opt_out === true, "reminder opt-out from the page");
// English.
await go(pagePath + "?lang=en");
body = await text();
check(body.includes("Upcoming events") && (await page.$eval("html", (h) => h.lang)) === "en", "the page in English");
await audit("participant-page-en");

// A forged link: 404 and a page.
res = await go(pagePath.slice(0, -2) + "xx");
check(res.status() === 404, "an altered personal link answers 404");

// --- participant: the RSVP link page -----------------------------------------------------------
const feedText = await (await fetch(feedUrl.replace(/^https?:\/\/[^/]+/, base))).text();
const unfolded = feedText.replace(/\r\n[ \t]/g, "");
const rsvpMatch = unfolded.match(new RegExp(`/rsvp/${ahead.id}\\.[A-Za-z0-9_.-]+`));
check(rsvpMatch !== null, "the personal feed carries the RSVP link" + (rsvpMatch ? "" : ": " + unfolded.split("\r\n").filter((l) => l.includes("rsvp") || l.includes(ahead.id) || l.includes("Werksessie")).join(" | ").slice(0, 600)));
check(unfolded.includes("/my/"), "the personal feed's description carries the personal page link");
if (rsvpMatch) {
  res = await go(rsvpMatch[0]);
  check(res.status() === 200, "the RSVP link page answers 200");
  body = await text();
  check(body.includes("Online") || body.includes("Locatie") || body.includes("Venue"), "the RSVP page shows where");
  check((await page.$('a[href$=".ics"]')) !== null, "the RSVP page has an add-to-calendar link");
  await audit("rsvp-page");
}

// --- organiser: sign in --------------------------------------------------------------------------
res = await go("/dashboard");
check(page.url().endsWith("/dashboard/sign-in"), "the dashboard without a session leads to sign-in");
await audit("sign-in");
await page.type("#token", "cps_wrongwrongwrongwrongwrongwrongwrongwrongwro");
await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
check((await text()).includes("onbekend") || (await text()).includes("unknown"), "a wrong token is refused on the page");
await page.type("#token", organiser);
await Promise.all([page.waitForNavigation(), page.click('main button[type="submit"]')]);
check(page.url().includes(`/dashboard/programmes/${slug}`), "signed in: the programme's year");
const cookies = await page.cookies();
const session = cookies.find((c) => c.name === "copsched_session");
check(session && session.httpOnly && session.sameSite === "Strict", "the session cookie is HttpOnly and SameSite=Strict");
check(!(await page.evaluate(() => document.cookie)).includes("copsched_session"), "scripts cannot read the session cookie");
check(!page.url().includes(organiser) && !page.url().includes(session?.value ?? "x"), "no token or session id in the URL");

// --- the year ------------------------------------------------------------------------------------
const thisYear = new Date().getFullYear();
body = await text();
check(body.includes("Koningsdag") || body.includes("King's Day"), "the year shows the Dutch holidays");
check(body.includes(HOSTILE_TITLE.slice(0, 20)), "the year shows the sessions");
await audit("dashboard-year");

// --- plan preview and booking --------------------------------------------------------------------
const planYear = thisYear + 2;
await go(`/dashboard/programmes/${slug}/plan?year=${planYear}`);
const rows = await page.$$eval("#plan tbody tr", (r) => r.length);
check(rows === programme.meeting_rules.per_year, `the plan preview shows ${programme.meeting_rules.per_year} meetings (${rows})`);
await audit("dashboard-plan");
await Promise.all([page.waitForNavigation(), page.click("#book-plan")]);
check(page.url().includes("note=booked"), "booking the plan goes back to the year");
const booked = (await api("GET", `/api/v1/programmes/${slug}/events?kind=cop_meeting&from=${planYear}-01-01T00:00&to=${planYear + 1}-01-01T00:00&limit=200`)).json;
check(booked.items.length === programme.meeting_rules.per_year, `the plan is booked: ${booked.items.length} CoP meetings in ${planYear}`);

// --- an event: presence ----------------------------------------------------------------------------
await api("PUT", `/api/v1/events/${ongoing.id}/attendance/${eve.id}`, { rsvp: "accepted" });
await go(`/dashboard/events/${ongoing.id}`);
await audit("dashboard-event");
await Promise.all([page.waitForNavigation(), page.click("#accepted-present")]);
att = (await api("GET", `/api/v1/events/${ongoing.id}/attendance?limit=200`)).json;
check(att.items.find((i) => i.person_id === eve.id)?.presence === "present", "everyone who accepted: marked present");
const others = att.items.filter((i) => i.person_id !== eve.id);
if (others.length >= 2) {
  await Promise.all([page.waitForNavigation(), page.click(`button[name="one"][value="${others[0].person_id}|absent"]`)]);
  await page.click(`#sel-${others[1].person_id}`);
  await page.select("#bulk-presence", "excused");
  await Promise.all([page.waitForNavigation(), page.click("#bulk-mark")]);
  att = (await api("GET", `/api/v1/events/${ongoing.id}/attendance?limit=200`)).json;
  check(att.items.find((i) => i.person_id === others[0].person_id)?.presence === "absent", "one person marked absent");
  check(att.items.find((i) => i.person_id === others[1].person_id)?.presence === "excused", "bulk marking: excused");
} else check(false, `the session has at least 3 invitations (${att.items.length})`);

// --- reports -----------------------------------------------------------------------------------------
await go(`/dashboard/programmes/${slug}/reports?year=${thisYear}`);
check((await page.$$("figure.chart svg[role=img]")).length >= 1, "the reports show SVG charts");
await audit("dashboard-reports");
const csvHref = await page.$eval('a[href*="attendance.csv"]', (a) => a.href);
// The browser would download it; fetched here with the page's session cookie.
const csvRes = await fetch(csvHref, { headers: { Cookie: `copsched_session=${session?.value}` } });
const csv = { status: csvRes.status, type: csvRes.headers.get("content-type") ?? "", disposition: csvRes.headers.get("content-disposition") ?? "", text: await csvRes.text() };
check(csv.status === 200 && csv.type.startsWith("text/csv") && csv.disposition.includes("attachment") && csv.text.split("\n")[0].includes("Q1"),
  "download a CSV beside the chart");

// --- outbox ---------------------------------------------------------------------------------------------
await go(`/dashboard/programmes/${slug}/outbox`);
check((await page.$("#outbox")) !== null, "the outbox summary");
await audit("dashboard-outbox");

// --- membership requests ------------------------------------------------------------------------------
await go(`/dashboard/programmes/${slug}/membership-requests`);
check((await page.$(`form[action$="/membership-requests/${request?.id}/approve"]`)) !== null, "the pending request is listed with an Approve button");
check((await text()).includes(third.name), "the request names its working group");
await audit("dashboard-membership-requests");
await Promise.all([page.waitForNavigation(), page.click(`form[action$="/membership-requests/${request?.id}/approve"] button`)]);
ms = await (await fetch(`${base}/api/v1/working-groups/${third.id}/members`, { headers: { Authorization: `Bearer ${admin}` } })).json();
check(page.url().includes("note=approved") && ms.items.find((m) => m.person_id === eve.id) !== undefined, "approving the request makes the membership");
check((await page.$(`form[action$="/membership-requests/${request?.id}/approve"]`)) === null, "the approved request leaves the list");
await audit("dashboard-membership-requests-approved");
await api("PATCH", `/api/v1/programmes/${slug}`, { memberships: { approval: "none" } });

// --- the README's screenshots: a year held, and a demo participant's page ------------------------------------------
await go(`/dashboard/programmes/${slug}?year=${thisYear - 1}`);
check((await page.$$("li.k-session")).length >= 30, "a year of the demo's history shows its sessions");
await audit("dashboard-year-held");
await page.screenshot({ path: path.join(shotDir, "readme-dashboard-year.png") });

// --- sign out ---------------------------------------------------------------------------------------------
await Promise.all([page.waitForNavigation(), page.click('form[action="/dashboard/sign-out"] button')]);
check(page.url().endsWith("/dashboard/sign-in"), "signed out");
res = await go(`/dashboard/programmes/${slug}`);
check(page.url().endsWith("/dashboard/sign-in"), "after sign-out the dashboard asks to sign in again");
// The old session id no longer works, even when sent again by hand.
const replay = await fetch(`${base}/dashboard/programmes/${slug}`, { headers: { Cookie: `copsched_session=${session?.value}` }, redirect: "manual" });
check(replay.status === 303, "the signed-out session id is refused");

const demoPerson = people.find((p) => p.language === "nl" && !p.name.includes("<"));
const demoPage = new URL((await api("GET", `/api/v1/people/${demoPerson.id}`)).json.page_url).pathname;
res = await go(demoPage);
check(res.status() === 200 && (await text()).includes(demoPerson.name), "a demo participant's page");
await audit("participant-page-demo");
await page.screenshot({ path: path.join(shotDir, "readme-participant-page.png") });

check(consoleErrors.length === 0, `no script errors in the console${consoleErrors.length ? ": " + consoleErrors.join("; ") : ""}`);
await stop();
await new Promise((r) => setTimeout(r, 300));
const serverLog = fs.readFileSync(logPath, "utf8");
check(!serverLog.includes(organiser) && !serverLog.includes(admin) && (!session || !serverLog.includes(session.value)) && !serverLog.includes(pagePath),
  "no token, session id or personal link in the service's log");
check(serverLog.includes("/dashboard/programmes/{slug}"), "the access log names routes, not URLs");
fs.rmSync(work, { recursive: true, force: true });
console.log(failures === 0 ? "all page checks passed" : `${failures} page check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
