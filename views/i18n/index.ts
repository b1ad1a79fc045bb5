// The languages the guest's pages speak, one catalogue each; English is the fallback.
import { de } from './de'
import { el } from './el'
import { en, type Messages } from './en'
import { es } from './es'
import { fr } from './fr'
import { it } from './it'

export type { GuestRefusal, Messages } from './en'

export const LANGUAGES = ['en', 'el', 'de', 'fr', 'es', 'it'] as const
export type Lang = (typeof LANGUAGES)[number]
export const DEFAULT_LANG: Lang = 'en'

export const CATALOGUES: Record<Lang, Messages> = { en, el, de, fr, es, it }

export const isLang = (value: string | null | undefined): value is Lang => LANGUAGES.some((lang) => lang === value)

export const messagesFor = (lang: Lang): Messages => CATALOGUES[lang]
