// Which operation a GraphQL document runs, read from its text: the IDE routes subscriptions over
// graphql-ws even before its editor has parsed the document (its parsed AST can be stale then).

/** The document's top-level operations in order: [{ kind, name }] (anonymous: name null). */
export function findOperations(source) {
  const ops = [];
  let depth = 0;
  let current = null; // the definition whose keyword was read and whose body has not opened
  let expectName = false;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < source.length && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 3;
      } else {
        i++;
        while (i < source.length && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
        i++;
      }
      expectName = false;
    } else if (c === '{' || c === '(' || c === '[') {
      if (depth === 0 && c === '{') {
        if (!current)
          ops.push({ kind: 'query', name: null }); // the `{ … }` shorthand
        else if (current.kind !== 'fragment') ops.push({ kind: current.kind, name: current.name });
        current = null;
      }
      expectName = false;
      depth++;
      i++;
    } else if (c === '}' || c === ')' || c === ']') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < source.length && /\w/.test(source[i])) i++;
      const word = source.slice(start, i);
      if (depth > 0) continue;
      if (expectName) {
        current.name = word;
        expectName = false;
      } else if (!current && (word === 'query' || word === 'mutation' || word === 'subscription' || word === 'fragment')) {
        current = { kind: word, name: null };
        expectName = true;
      }
    } else {
      if (c === '@' || c === '$') expectName = false;
      i++;
    }
  }
  return ops;
}

/**
 * The operation a request runs: { kind, operationName }. A stale `operationName` that the
 * document no longer has is dropped when the document holds a single operation. `kind` is null
 * when it cannot be told (several operations and no valid name: the server will say so).
 */
export function selectOperation(query, operationName) {
  const ops = findOperations(query);
  const named = operationName ? ops.find((op) => op.name === operationName) : undefined;
  if (named) return { kind: named.kind, operationName };
  if (ops.length === 1) return { kind: ops[0].kind, operationName: ops[0].name ?? undefined };
  return { kind: null, operationName: operationName ?? undefined };
}
