// Reference data (settings, active slots and flowers) read once per inbound batch instead of once per message.
// Only code run inside withReferenceCache() sees the cache; everywhere else reads the database every time.
// Nothing a chat message does changes this data, so within one batch transaction the cached copy is the
// value the database would give, unless an admin commits a change mid-batch: then the batch acts as if the
// change came just after it.
import { AsyncLocalStorage } from 'node:async_hooks';

const store = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

export function withReferenceCache<T>(fn: () => Promise<T>): Promise<T> {
  return store.run(new Map(), fn);
}

/** True inside withReferenceCache(): reading a whole small table once beats one query per key. */
export function referenceCacheActive(): boolean {
  return store.getStore() !== undefined;
}

/** The value of `load()` for `key`, shared by everything in the current withReferenceCache() scope. */
export function cachedReference<T>(key: string, load: () => Promise<T>): Promise<T> {
  const cache = store.getStore();
  if (!cache) return load();
  let hit = cache.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    cache.set(key, hit);
    // A failed read is not remembered: the next caller tries again.
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

/** Puts a value read some other way (several tables in one query) into the current scope's cache. */
export function primeReference<T>(key: string, value: T): void {
  store.getStore()?.set(key, Promise.resolve(value));
}
