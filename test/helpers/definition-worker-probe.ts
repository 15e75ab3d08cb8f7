/**
 * The definition worker (src/extension/definition-worker.ts) with two
 * stand-ins for hostile input, so tests of its client do not depend on how
 * long a real definition takes nor on limits the core may add: a text
 * containing `# hang` never finishes, one containing `# crash` ends the thread.
 */
import { definitionRequestHandlers, type DefinitionWorkerApi } from '../../src/extension/definition-requests';
import { serveRequests } from '../../src/extension/worker-thread';

serveRequests<DefinitionWorkerApi>({
  ...definitionRequestHandlers,
  analyse(params) {
    if (params.text.includes('# crash')) process.exit(3);
    if (params.text.includes('# hang')) for (;;);
    return definitionRequestHandlers.analyse(params);
  },
});
