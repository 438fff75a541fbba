/**
 * S3 lists keys in UTF-8 byte order. JavaScript compares UTF-16 code units, which differs only
 * between a surrogate (U+D800–DFFF, i.e. a character above U+FFFF) and U+E000–FFFF: shifting
 * those two ranges past each other gives code-point order, which is UTF-8 byte order.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** The keys of one bucket in listing order: binary search, so listing a prefix never scans the bucket. */
export class SortedKeys {
  private readonly keys: string[];

  constructor(keys: Iterable<string> = []) {
    this.keys = [...keys].sort(compareKeys);
  }

  /** Index of the first key that is not before `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Keys from `from` on (inclusive) that start with `prefix`, in order. */
  *from(from: string, prefix: string): Generator<string> {
    for (let i = this.lowerBound(compareKeys(from, prefix) > 0 ? from : prefix); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) return;
      yield key;
    }
  }
}
