// What page tests read back from spkey's HTML.

// The one-time token of a guest page's Open form (a double submit opens once).
export const onceOf = (html: string): string => /name="_once" value="([^"]+)"/.exec(html)?.[1] ?? ''
