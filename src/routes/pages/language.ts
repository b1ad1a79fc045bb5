// Which language a guest's page speaks: a ?lang= the reader chose (kept in a cookie for a year), else that cookie,
// else the browser's Accept-Language. Only the guest's pages and sign-in are translated (views/i18n).
import { cookieName, readCookie } from '../../auth/principal'
import type { Deps } from '../../deps'
import { isLang, type Lang } from '../../../views/i18n'
import { negotiateLanguage } from '../../../views/i18n/negotiate'
import { cookie } from './support'

export const LANG_COOKIE = 'spkey_lang'
const YEAR_SECONDS = 365 * 24 * 60 * 60

export type PageLanguage = { lang: Lang; setCookie: string | null }

export function pageLanguage(deps: Deps, request: Request, chosen?: string): PageLanguage {
  const kept = readCookie(request.headers, cookieName(deps, LANG_COOKIE))
  if (isLang(chosen)) return { lang: chosen, setCookie: chosen === kept ? null : cookie(deps, LANG_COOKIE, chosen, YEAR_SECONDS) }
  if (isLang(kept)) return { lang: kept, setCookie: null }
  return { lang: negotiateLanguage(request.headers.get('accept-language')), setCookie: null }
}

// The page in its language: Content-Language says which, and a new choice is remembered.
export function inLanguage(response: Response, language: PageLanguage): Response {
  response.headers.set('content-language', language.lang)
  if (language.setCookie) response.headers.append('set-cookie', language.setCookie)
  return response
}
