/**
 * Writes media/cnn-yaml.schema.json, the JSON Schema of `*.cnn.yaml`
 * definitions (draft-07, for the Red Hat YAML extension's yamlValidation),
 * from the Keras layer table (src/core/keras/schema.ts). Rerun after adding
 * a layer or an argument; test/unit/cnn-yaml-schema.test.ts checks the
 * committed file is current.
 * Run: node --import tsx scripts/gen-cnn-yaml-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cnnYamlSchema, untypedArguments } from '../src/core/keras/schema';

export const SCHEMA_PATH = resolve(__dirname, '..', 'media', 'cnn-yaml.schema.json');

const untyped = untypedArguments();
if (untyped.length) console.warn(`arguments without a type in the schema (add them to src/core/keras/schema.ts): ${untyped.join(', ')}`);
writeFileSync(SCHEMA_PATH, `${JSON.stringify(cnnYamlSchema(), null, 2)}\n`);
console.log(`wrote ${SCHEMA_PATH}`);
