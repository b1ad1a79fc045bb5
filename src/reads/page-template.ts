// A page rendered once and served many times: rendered with markers where each view's own tokens go (the browser's
// CSRF token, a fresh one-time open token), kept as the pieces between them, and filled per view.
const MARK = crypto.randomUUID().replaceAll('-', '')
export const CSRF_MARK = `csrf${MARK}`
export const ONCE_MARK = `once${MARK}`
const MARKS = new RegExp(`(${CSRF_MARK}|${ONCE_MARK})`)

export type PageTemplate = string[]

export const toTemplate = (rendered: string): PageTemplate => rendered.split(MARKS)

export const newOnceToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url')

export function fillTemplate(template: PageTemplate, csrfToken: string): string {
  const onceToken = newOnceToken()
  return template.map((piece) => (piece === CSRF_MARK ? csrfToken : piece === ONCE_MARK ? onceToken : piece)).join('')
}
