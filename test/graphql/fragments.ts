/** Documents whose fragments nest pathologically, for the depth/complexity rule tests. */

/**
 * `query { ...F0 }`, each Fi spreading F(i+1) twice (once through an inline fragment), and
 * F(n) `{ models { id } }`: 2^(n+1) fields once expanded, in a document linear in n.
 */
export function nestedFragments(n: number): string {
  const parts = ['query { ...F0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} ... on Query { ...F${i + 1} } }`);
  parts.push(`fragment F${n} on Query { models { id } }`);
  return parts.join('\n');
}
