/** `map.set(key, value)`, first dropping the oldest tenth of the entries when it holds `max`. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max) {
    let drop = Math.max(1, Math.floor(max / 10));
    for (const k of map.keys()) {
      map.delete(k);
      if (--drop <= 0) break;
    }
  }
  map.set(key, value);
}
