// Accept-Language negotiation: q-values, region fallback, exclusions and the English default; and the catalogues,
// which all carry every message.
import { describe, expect, it } from 'bun:test'
import { CATALOGUES, LANGUAGES } from '../../views/i18n'
import { negotiateLanguage } from '../../views/i18n/negotiate'

describe('negotiateLanguage', () => {
  it('should take the highest q-value, whatever the order', () => {
    expect(negotiateLanguage('en;q=0.5, de;q=0.9, fr;q=0.7')).toBe('de')
    expect(negotiateLanguage('it, es;q=0.9')).toBe('it')
  })

  it("should keep the header's order between equal q-values", () => {
    expect(negotiateLanguage('fr, es')).toBe('fr')
    expect(negotiateLanguage('es;q=0.8, fr;q=0.8')).toBe('es')
  })

  it('should fall back from a region to its language (el-GR -> el)', () => {
    expect(negotiateLanguage('el-GR,el;q=0.9,en;q=0.8')).toBe('el')
    expect(negotiateLanguage('de-AT')).toBe('de')
    expect(negotiateLanguage('EN-gb')).toBe('en')
  })

  it('should skip languages it does not speak and take the next one', () => {
    expect(negotiateLanguage('ja-JP, pt;q=0.9, it;q=0.1')).toBe('it')
  })

  it('should answer English for an unknown language, a wildcard, nothing, or a malformed header', () => {
    expect(negotiateLanguage('ja, zh-CN;q=0.8')).toBe('en')
    expect(negotiateLanguage('*')).toBe('en')
    expect(negotiateLanguage('')).toBe('en')
    expect(negotiateLanguage(null)).toBe('en')
    expect(negotiateLanguage('el;q=high, <script>')).toBe('en')
  })

  it('should never pick a language the header refuses with q=0', () => {
    expect(negotiateLanguage('el;q=0, fr;q=0.2')).toBe('fr')
    expect(negotiateLanguage('de;q=0')).toBe('en')
  })
})

type Tree = { [key: string]: Tree | string }

// The shape of a catalogue: its keys, with functions called on sample arguments.
function leaves(messages: unknown, prefix = ''): [string, string][] {
  if (typeof messages === 'function') return [[prefix, String(messages(1, 2))]]
  if (typeof messages === 'string') return [[prefix, messages]]
  return Object.entries(messages as Tree).flatMap(([key, value]) => leaves(value, `${prefix}.${key}`))
}

describe('the catalogues', () => {
  it('should carry the same messages in every language, none empty', () => {
    const english = leaves(CATALOGUES.en).map(([key]) => key)
    for (const lang of LANGUAGES) {
      const messages = leaves(CATALOGUES[lang])
      expect({ lang, keys: messages.map(([key]) => key) }).toEqual({ lang, keys: english })
      expect({ lang, empty: messages.filter(([, text]) => text.trim() === '').map(([key]) => key) }).toEqual({ lang, empty: [] })
    }
  })

  it("should translate the guest's words, not copy the English", () => {
    for (const lang of LANGUAGES.filter((code) => code !== 'en')) {
      expect({ lang, same: CATALOGUES[lang].guest.open === CATALOGUES.en.guest.open }).toEqual({ lang, same: false })
      expect({ lang, same: CATALOGUES[lang].refusals.expired === CATALOGUES.en.refusals.expired }).toEqual({ lang, same: false })
    }
  })
})
