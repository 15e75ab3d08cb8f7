// Extension entry point (bundled to dist/extension.js).
export { activate, deactivate } from './extension/activate';
