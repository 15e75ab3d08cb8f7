/**
 * Worker thread (dist/layout-worker-node.js) that lays out model graphs with
 * ELK for the views, off the extension host's event loop. One lives as long
 * as the extension (layout-host.ts): ELK is JIT-compiled once, so after the
 * first model every first view is laid out warm (ResNet-50: ~120 ms instead
 * of the ~400 ms a fresh page's worker takes), while the page boots.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from '../../webview/graph/elk-graph';
import { compactLayout } from '../../webview/graph/ahead';
import { serveRequests } from './worker-thread';

export type LayoutWorkerApi = {
  layout: { params: { graph: ElkNode }; reply: ElkNode };
};

const elk = new ELK();
serveRequests<LayoutWorkerApi>({
  // Sent to the extension host and on to the page: only what drawing needs.
  layout: async ({ graph }) => compactLayout((await elk.layout(graph as never)) as unknown as ElkNode),
});
