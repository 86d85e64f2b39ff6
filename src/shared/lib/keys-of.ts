/**
 * The keys of a table that says something about every member of a closed set (a label, the
 * requirements of a feature), in the table's order and typed as a non-empty tuple for `z.enum`.
 * The set is then written once, in the table, instead of once as a list and again as the table's
 * keys; the table's `Record<Member, …>`-like shape still makes every member carry its data.
 */
export function keysOf<K extends string>(table: Readonly<Record<K, unknown>>): readonly [K, ...K[]] {
  const keys = Object.keys(table) as K[];
  if (keys.length === 0) throw new Error('keysOf: the table is empty');
  return keys as [K, ...K[]];
}
