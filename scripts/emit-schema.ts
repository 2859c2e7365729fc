/** `npm run schema`: writes schema/schema.graphql from the type-graphql classes (commit the result). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSamplingService, printSamplingSchema } from '../src/index.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));

const sdl = printSamplingSchema(createSamplingService().schema);
writeFileSync(SCHEMA_FILE, sdl);
console.log(`wrote ${SCHEMA_FILE} (${sdl.split('\n').length} lines)`);
