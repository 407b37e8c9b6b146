// node compare.mjs DUMP_BINARY EXCEPTIONS FIRST_YEAR LAST_YEAR
//
// Compares the general days off copsched lists (DUMP_BINARY: tests/holidays/dump.cpp) with
// the holidays of type "public" and "bank" of date-holidays (package-lock.json pins the
// version), day by day, for every country and subdivision copsched supports. A day differs
// when one side has it off and the other not. Every difference must be excused by a line of
// EXCEPTIONS (with its reason), and every line there must excuse at least one difference, so
// the list stays exact. date-holidays entries that start in the afternoon (DE Heiliger Abend
// "14:00") are half days, not days off, and are left out before comparing.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import Holidays from 'date-holidays'

const [dump, exceptionsFile, firstArg, lastArg] = process.argv.slice(2)
if (!lastArg) {
  console.error('usage: node compare.mjs DUMP_BINARY EXCEPTIONS FIRST_YEAR LAST_YEAR')
  process.exit(2)
}
const first = Number(firstArg)
const last = Number(lastArg)

// side | country | subdivision | name | years | reason
//   side: "copsched" (a day off only copsched lists: name is its key) or "date-holidays"
//   (only date-holidays: name is its English name); subdivision: empty for the whole country,
//   "*" for the country and all its subdivisions, or an ISO 3166-2 code; years: empty for all,
//   or "2015,2020" and "2021-2040" ranges.
function readExceptions (file) {
  const out = []
  readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (!line) return
    const fields = line.split('|').map(f => f.trim())
    const where = `${file} line ${i + 1}`
    if (fields.length !== 6) throw new Error(`${where}: expected 6 fields separated by |`)
    const [side, country, subdivision, name, years, reason] = fields
    if (side !== 'copsched' && side !== 'date-holidays') throw new Error(`${where}: side is copsched or date-holidays`)
    if (!reason) throw new Error(`${where}: every exception gives its reason`)
    const yearSet = years ? new Set(years.split(',').flatMap(part => {
      const [from, to = from] = part.split('-').map(Number)
      if (!(from <= to)) throw new Error(`${where}: bad years "${years}"`)
      return Array.from({ length: to - from + 1 }, (_, k) => from + k)
    })) : null
    out.push({ side, country, subdivision, name, yearSet, reason, where, used: 0 })
  })
  return out
}

// copsched: "country|subdivision" -> Map(date -> [keys]) of days off; every pair listed.
const ours = new Map()
const csv = execFileSync(dump, [String(first), String(last)], { encoding: 'utf8', maxBuffer: 1 << 28 })
for (const line of csv.trim().split('\n').slice(1)) {
  const [date, country, subdivision, key, dayOff] = line.split(',')
  const pair = `${country}|${subdivision}`
  if (!ours.has(pair)) ours.set(pair, new Map())
  if (dayOff !== '1') continue
  const days = ours.get(pair)
  days.set(date, [...(days.get(date) || []), key])
}

function theirs (country, subdivision) {
  const state = subdivision ? subdivision.slice(country.length + 1) : undefined
  const hd = state ? new Holidays(country, state, { languages: ['en'] }) : new Holidays(country, { languages: ['en'] })
  const days = new Map()
  for (let year = first - 1; year <= last + 1; ++year) {
    for (const h of hd.getHolidays(year) || []) {
      if (h.type !== 'public' && h.type !== 'bank') continue
      const [date, time] = h.date.split(' ')
      if (time !== '00:00:00') continue // a half day
      if (Number(date.slice(0, 4)) < first || Number(date.slice(0, 4)) > last) continue
      days.set(date, [...(days.get(date) || []), h.name])
    }
  }
  return days
}

const exceptions = readExceptions(exceptionsFile)
function excuse (side, country, subdivision, date, names) {
  const year = Number(date.slice(0, 4))
  const e = exceptions.find(e => e.side === side && e.country === country &&
    (e.subdivision === '*' || e.subdivision === subdivision) && names.includes(e.name) &&
    (!e.yearSet || e.yearSet.has(year)))
  if (e) e.used++
  return e
}

const started = Date.now()
const unexcused = []
let days = 0
let excused = 0
for (const [pair, mine] of [...ours].sort()) {
  const [country, subdivision] = pair.split('|')
  const other = theirs(country, subdivision)
  for (const [date, keys] of mine) {
    if (other.has(date)) continue
    if (excuse('copsched', country, subdivision, date, keys)) excused++
    else unexcused.push(`${date} ${pair}: copsched has ${keys.join(', ')} off, date-holidays nothing`)
  }
  for (const [date, names] of other) {
    if (mine.has(date)) continue
    if (excuse('date-holidays', country, subdivision, date, names)) excused++
    else unexcused.push(`${date} ${pair}: date-holidays has ${names.join(', ')}, copsched no day off`)
  }
  days += mine.size
}

const unused = exceptions.filter(e => e.used === 0)
const version = JSON.parse(readFileSync(new URL('./node_modules/date-holidays/package.json', import.meta.url))).version
console.log(`date-holidays ${version}: ${ours.size} countries and subdivisions, ${first}-${last}, ` +
  `${days} days off compared, ${excused} differences excused by ${exceptions.length - unused.length} exceptions ` +
  `(${Date.now() - started} ms)`)
for (const u of unexcused) console.log(`DIFFERENT ${u}`)
for (const e of unused) console.log(`UNUSED ${e.where}: ${e.side} | ${e.country} | ${e.subdivision} | ${e.name}`)
if (unexcused.length || unused.length) {
  console.log(`${unexcused.length} unexcused differences, ${unused.length} unused exceptions`)
  process.exit(1)
}
