// Accept-Language negotiation (RFC 9110 §12.5.4 with RFC 4647 lookup): ranges by q-value, highest first (ties keep
// the header's order); a range matches a language when it names it or a region of it (el-GR -> el); q=0 never
// matches; '*' and anything unknown fall back to the default.
import { DEFAULT_LANG, isLang, type Lang } from './index'

type Range = { tag: string; q: number; order: number }

const RANGE = /^([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)$/
const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i

function parseRange(part: string, order: number): Range | null {
  const [tag = '', ...params] = part.split(';').map((piece) => piece.trim())
  if (!RANGE.test(tag)) return null
  let q = 1
  for (const param of params) {
    const match = QVALUE.exec(param)
    if (!match) return null
    q = Number(match[1])
  }
  return { tag: tag.toLowerCase(), q, order }
}

// The primary subtag is all a catalogue is chosen by: el-GR, el-CY and el are one language here.
const languageOf = (tag: string): Lang | null => {
  const primary = tag.split('-')[0]
  return isLang(primary) ? primary : null
}

export function negotiateLanguage(header: string | null | undefined): Lang {
  if (!header) return DEFAULT_LANG
  const ranges = header
    .slice(0, 1000)
    .split(',')
    .map((part, order) => parseRange(part.trim(), order))
    .filter((range): range is Range => range !== null && range.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order)
  for (const range of ranges) {
    const lang = languageOf(range.tag)
    if (lang) return lang
  }
  return DEFAULT_LANG
}
