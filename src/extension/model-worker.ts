/**
 * Worker thread (dist/model-worker.js) that holds one open model: loading,
 * profiling and weight statistics run here, off the extension host's event
 * loop, one request at a time in the order they were sent. No `vscode`
 * import. Requests: ModelWorkerApi (model-requests.ts).
 */
import { describeModelError, modelRequestHandlers, type ModelWorkerApi } from './model-requests';
import { serveRequests } from './worker-thread';

serveRequests<ModelWorkerApi>(modelRequestHandlers(), describeModelError);
