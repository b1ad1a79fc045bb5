// An instant in the viewer's local time: /public/temp-keys.js rewrites the text; without JS the UTC text stays.
export const utcText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

export function LocalTime({ iso }: { iso: string }): JSX.Element {
  return (
    <time datetime={iso} data-local="" safe>
      {utcText(iso)}
    </time>
  )
}
