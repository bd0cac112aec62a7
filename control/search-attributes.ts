/**
 * Registers aifb's search attributes on a Temporal server that lacks them. A workflow that
 * upserts an unknown attribute fails its task over and over, so every entry point that may
 * meet a fresh server (the API, the CLI, test servers) calls this first.
 */
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../core/search-attributes';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (@temporalio/proto is not ours to import). */
const KEYWORD = 2;

/** The line people run on a server where aifb may not register them itself (e.g. Temporal Cloud). */
export const REGISTER_COMMAND = `temporal operator search-attribute create ${SEARCH_ATTRIBUTE_KEYS.map(
  (k) => `--name ${k.name} --type Keyword`,
).join(' ')}`;

const UNIMPLEMENTED = 12; // gRPC status code

/** Custom attributes the server knows; empty when it cannot say (the time-skipping test server). */
async function registeredNames(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (err) {
    if ((err as { code?: number }).code === UNIMPLEMENTED) return new Set();
    throw err;
  }
}

/** Returns the names it registered (empty when all were there). */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const known = await registeredNames(connection, namespace);
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, KEYWORD])),
    });
  } catch (err) {
    throw new Error(
      `the Temporal server lacks aifb's search attributes (${missing.map((k) => k.name).join(', ')}) and refused to register them: ${
        err instanceof Error ? err.message : String(err)
      }\nRegister them once with: ${REGISTER_COMMAND}`,
    );
  }
  return missing.map((k) => k.name);
}
