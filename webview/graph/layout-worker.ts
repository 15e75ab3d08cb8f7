/**
 * The ELK layout Web Worker (bundled to dist/layout-worker.js; the view
 * starts it from a blob of this file's text, see layout.ts).
 *
 * elkjs's own worker script does the work: loaded in a worker it installs
 * `self.onmessage` as ELK's dispatcher, which answers
 * `{ id, cmd: 'register', algorithms: ['layered'] }` (once, first) and
 * `{ id, cmd: 'layout', graph, layoutOptions?, options? }` with `{ id, data: graph }`
 * or `{ id, error }`. (elk.bundled.js cannot run inside a worker: it sees a
 * worker global, installs that same dispatcher and then has no in-process
 * worker to lay out with.)
 */
import 'elkjs/lib/elk-worker.min.js';
