/**
 * Worker thread (dist/definition-worker.js) for definitions in the text
 * editor: each analysis (parse → lower → profile) and each Export to ONNX
 * runs here, so a huge or hostile definition never freezes the extension
 * host; the extension stops this thread when one runs too long.
 * Requests: DefinitionWorkerApi (definition-requests.ts).
 */
import { definitionRequestHandlers, type DefinitionWorkerApi } from './definition-requests';
import { serveRequests } from './worker-thread';

serveRequests<DefinitionWorkerApi>(definitionRequestHandlers);
