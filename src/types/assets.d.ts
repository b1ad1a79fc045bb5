// Files imported as text or as embedded paths (Bun import attributes).
declare module '*.sql' {
  const text: string
  export default text
}
declare module '*.css' {
  const path: string
  export default path
}
declare module 'htmx.org/dist/htmx.min.js' {
  const path: string
  export default path
}
// Page scripts under public/ are served as files, never imported as code.
declare module '*/public/temp-keys.js' {
  const path: string
  export default path
}
declare module '*/@scalar/api-reference/dist/browser/standalone.js' {
  const path: string
  export default path
}
declare module '*.svg' {
  const path: string
  export default path
}
declare module '*.ico' {
  const path: string
  export default path
}
