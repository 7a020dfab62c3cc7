/** One page of a list: items plus where it sits in the whole. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}
export interface PageRequest {
  page: number;
  pageSize: number;
}
export const offsetOf = (p: PageRequest) => (p.page - 1) * p.pageSize;

/** Escapes LIKE wildcards so a search for "50%" means those characters. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);
