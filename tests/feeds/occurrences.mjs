#!/usr/bin/env node
// occurrences.mjs: list the VEVENT occurrences of an iCalendar feed as JSON, using an
// independent JavaScript parser, so tests can check what real clients would see.
//
//   node tests/feeds/occurrences.mjs --parser icaljs|nodeical FILE_OR_URL --from ISO --to ISO
//
// FILE_OR_URL is a path or an http(s):// URL (fetched, non-2xx is an error). --from/--to
// are UTC instants ("2026-03-01T00:00:00Z"; a bare date means 00:00Z; no zone means UTC).
// An occurrence is listed when its start lies in [from, to); an all-day start counts as
// 00:00Z of its date. The output (stdout) is a JSON array, one object per line, sorted by
// start, uid, recurrence_id; occurrences.py prints the same bytes for the same feed:
//   {"uid", "recurrence_id", "all_day", "start_utc", "end_utc", "status", "summary", "sequence"}
// timed: start_utc/end_utc "YYYY-MM-DDTHH:MM:SSZ"; all-day: "all_day": true and "start"/"end"
// "YYYY-MM-DD" (end exclusive, as DTEND). recurrence_id is null for a single event and the
// occurrence's original start (its RECURRENCE-ID, same format) for every instance of a
// series. status is STATUS or null (cancelled ones are listed), sequence defaults to 0.
// Floating times are read as UTC (occurrences.py reads them in X-WR-TIMEZONE when the
// feed has one, so floating times show up as a disagreement). Exit 1 (message on stderr)
// when the feed cannot be read or parsed, or uses a TZID without a VTIMEZONE in the feed;
// exit 2 on bad usage.
//
// icaljs: Mozilla ical.js. Times follow the feed's own VTIMEZONE (ical.js 2.x finds it in
//   the VCALENDAR tree; it is also registered with TimezoneService, which 1.x needed and
//   which covers components used apart from their calendar). RRULEs are expanded with
//   Event.iterator (honours EXDATE), overrides via relateException/getOccurrenceDetails.
// nodeical: node-ical's parser and its expandRecurringEvent (EXDATE, RECURRENCE-ID). It
//   takes an IANA TZID from Intl, not from the VTIMEZONE; an unknown TZID becomes UTC.
// Series are expanded over the window widened by MARGIN_DAYS on both sides and then
// filtered, so an override moved into (or out of) the window by less than that is right.
process.env.TZ = 'UTC'; // node-ical handles all-day dates in host-local time
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';

const MARGIN_DAYS = 400;
const DAY_MS = 86400e3;

function usage(msg) {
  process.stderr.write(`occurrences.mjs: ${msg}\nusage: node occurrences.mjs --parser icaljs|nodeical FILE_OR_URL --from ISO --to ISO\n`);
  process.exit(2);
}

function parseInstant(s, name) {
  if (!s) usage(`--${name} is required`);
  let t = s;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += 'T00:00:00Z';
  else if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) t += 'Z';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) usage(`--${name}: not an ISO date-time: ${s}`);
  return d;
}

async function readInput(src) {
  if (!/^https?:\/\//i.test(src)) return readFileSync(src, 'utf8');
  const res = await fetch(src);
  if (!res.ok) throw new Error(`GET ${src}: HTTP ${res.status}`);
  return await res.text();
}

const utc = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function fail(msg) {
  process.stderr.write(`occurrences.mjs: ${msg}\n`);
  process.exit(1);
}

// One output object; start/end are either UTC strings (timed) or dates (all-day).
function record({uid, recurrenceId, allDay, start, end, status, summary, sequence}) {
  const r = {uid: uid ?? null, recurrence_id: recurrenceId ?? null, all_day: allDay};
  if (allDay) Object.assign(r, {start, end});
  else Object.assign(r, {start_utc: start, end_utc: end});
  return Object.assign(r, {
    status: status ?? null,
    summary: summary ?? null,
    sequence: Number(sequence ?? 0),
  });
}

// ---- ical.js --------------------------------------------------------------------------

async function withIcalJs(text, lo, hi) {
  const {default: ICAL} = await import('ical.js');
  let jcal = ICAL.parse(text); // throws ICAL.parse.ParserError on malformed input
  const roots = (Array.isArray(jcal[0]) ? jcal : [jcal]).map((j) => new ICAL.Component(j));

  const known = new Set(['UTC', 'Z', 'GMT']);
  for (const root of roots) {
    for (const vtz of root.getAllSubcomponents('vtimezone')) {
      const zone = new ICAL.Timezone(vtz);
      ICAL.TimezoneService.register(zone);
      known.add(zone.tzid);
    }
  }

  const vevents = roots.flatMap((r) => r.getAllSubcomponents('vevent'));
  for (const ev of vevents) {
    for (const prop of ev.getAllProperties()) {
      const tzid = prop.getParameter('tzid');
      if (tzid && !known.has(tzid)) throw new Error(`TZID ${tzid} has no VTIMEZONE in the feed`);
    }
  }

  const fmt = (t) => (t.isDate ? t.toString() : utc(t.toUnixTime() * 1000));
  const out = [];
  const emit = (item, start, end, recurrenceId) =>
    out.push(record({
      uid: item.uid,
      recurrenceId: recurrenceId ? fmt(recurrenceId) : null,
      allDay: start.isDate,
      start: fmt(start),
      end: fmt(end),
      status: item.component.getFirstPropertyValue('status'),
      summary: item.summary,
      sequence: item.sequence,
    }));

  const masters = new Map();
  const exceptions = [];
  for (const comp of vevents) {
    const ev = new ICAL.Event(comp);
    if (ev.isRecurrenceException()) exceptions.push(ev);
    else masters.set(ev.uid, ev);
  }
  for (const ex of exceptions) {
    const master = masters.get(ex.uid);
    if (master) master.relateException(ex);
    else emit(ex, ex.startDate, ex.endDate, ex.recurrenceId); // orphan override
  }

  const stop = hi.getTime() + MARGIN_DAYS * DAY_MS;
  for (const ev of masters.values()) {
    if (!ev.isRecurring()) {
      emit(ev, ev.startDate, ev.endDate, null);
      continue;
    }
    const it = ev.iterator();
    for (let next = it.next(); next; next = it.next()) {
      if (next.toUnixTime() * 1000 > stop) break;
      const d = ev.getOccurrenceDetails(next);
      emit(d.item, d.startDate, d.endDate, d.recurrenceId);
    }
  }
  return out;
}

// ---- node-ical ------------------------------------------------------------------------

async function withNodeIcal(text, lo, hi) {
  const {default: nodeIcal} = await import('node-ical');
  // node-ical maps unknown TZIDs silently; enforce "every TZID has its VTIMEZONE" on the text.
  const unfolded = text.replace(/\r?\n[ \t]/g, '');
  const defined = new Set(['UTC', 'Z', 'GMT']);
  for (const m of unfolded.matchAll(/^TZID:(.*?)\r?$/gm)) defined.add(m[1]);
  for (const m of unfolded.matchAll(/^[^:\r\n]*;TZID=("[^"]*"|[^;:]*)/gm)) {
    const tzid = m[1].replace(/^"|"$/g, '');
    if (!defined.has(tzid)) throw new Error(`TZID ${tzid} has no VTIMEZONE in the feed`);
  }

  const data = nodeIcal.sync.parseICS(text);
  const val = (v) => (v && typeof v === 'object' && 'val' in v ? v.val : v);
  const fmt = (d, allDay) => (allDay ? utc(d.getTime()).slice(0, 10) : utc(d.getTime()));
  const from = new Date(lo.getTime() - MARGIN_DAYS * DAY_MS);
  const to = new Date(hi.getTime() + MARGIN_DAYS * DAY_MS);
  const out = [];
  for (const ev of Object.values(data)) {
    if (ev.type !== 'VEVENT') continue;
    for (const inst of nodeIcal.expandRecurringEvent(ev, {from, to})) {
      const item = inst.event;
      let recurrenceId = null;
      if (inst.isOverride) recurrenceId = fmt(item.recurrenceid, inst.isFullDay);
      else if (inst.isRecurring) recurrenceId = fmt(inst.start, inst.isFullDay);
      out.push(record({
        uid: item.uid ?? ev.uid,
        recurrenceId,
        allDay: inst.isFullDay,
        start: fmt(inst.start, inst.isFullDay),
        end: fmt(inst.end, inst.isFullDay),
        status: item.status,
        summary: val(item.summary),
        sequence: item.sequence,
      }));
    }
  }
  return out;
}

// ---- main -----------------------------------------------------------------------------

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {parser: {type: 'string'}, from: {type: 'string'}, to: {type: 'string'}},
  });
} catch (e) {
  usage(e.message);
}
const {parser} = args.values;
if (!['icaljs', 'nodeical'].includes(parser)) usage('--parser must be icaljs or nodeical');
if (args.positionals.length !== 1) usage('exactly one FILE_OR_URL is required');
const lo = parseInstant(args.values.from, 'from');
const hi = parseInstant(args.values.to, 'to');

try {
  const text = await readInput(args.positionals[0]);
  const all = await (parser === 'icaljs' ? withIcalJs : withNodeIcal)(text, lo, hi);
  const startKey = (r) => (r.all_day ? r.start : r.start_utc);
  const inWindow = (r) => {
    const t = Date.parse(r.all_day ? `${r.start}T00:00:00Z` : r.start_utc);
    return t >= lo.getTime() && t < hi.getTime();
  };
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const rows = all.filter(inWindow).sort((a, b) =>
    cmp(startKey(a), startKey(b)) || cmp(a.uid ?? '', b.uid ?? '') ||
    cmp(a.recurrence_id ?? '', b.recurrence_id ?? ''));
  process.stdout.write(rows.length ? `[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]\n` : '[]\n');
} catch (e) {
  fail([e?.message ?? String(e), e?.cause?.message].filter(Boolean).join(": "));
}
