// Entrance-panel PINs: 6 digits derived from a random seed with the server's PIN secret, so the guest page can show a
// key's PIN again from its seed while the log and read models hold only the seed and the PIN's keyed hash (HMAC):
// neither tells the PIN without the secret. Hashes are compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const PIN_PATTERN = /^\d{6}$/

export type MintedPin = { pin: string; hash: string; seed: string }

const randomSeed = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')

export class Pins {
  constructor(
    private readonly secret: string,
    // Where seeds come from: random; tests pass a short cycle to make PINs collide.
    private readonly seeds: () => string = randomSeed,
  ) {}

  // 48 bits of the HMAC reduced to 6 digits: a bias below 1e-8 between PINs.
  pinOf(seed: string): string {
    const digest = createHmac('sha256', this.secret).update(`pin:${seed}`).digest()
    return String(digest.readUIntBE(0, 6) % 1_000_000).padStart(6, '0')
  }

  hashOf(pin: string): string {
    return createHmac('sha256', this.secret).update(`pin-hash:${pin}`).digest('hex')
  }

  mint(): MintedPin {
    const seed = this.seeds()
    const pin = this.pinOf(seed)
    return { pin, hash: this.hashOf(pin), seed }
  }

  // Constant time for equal lengths; a hash of another length (none, in practice) is simply unequal.
  static sameHash(a: string, b: string): boolean {
    const left = Buffer.from(a)
    const right = Buffer.from(b)
    return left.length === right.length && timingSafeEqual(left, right)
  }
}
