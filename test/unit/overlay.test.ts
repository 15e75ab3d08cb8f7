/** Heat-map overlays: per-layer figures, group aggregation, and the log colour scale. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerReport } from '../../src/core/report/profile';
import { availableModes, CHANGE_OVERLAY, groupValue, heatScale, OVERLAY_MENU, OVERLAY_MODES, overlayValue, overlayValues, RAMP, rampColor, textOn } from '../../webview/graph/overlay';

/** matplotlib's viridis at 7 even samples (`viridis(np.linspace(0, 1, 7))`), written out: not read from the code under test. */
const VIRIDIS = ['#440154', '#443983', '#31688e', '#21918c', '#35b779', '#90d743', '#fde725'];

function layer(p: Partial<LayerReport>): LayerReport {
  return { name: 'l', op: 'Conv', inputs: [], outputs: [], params: 0, macs: 0, flops: 0, receptiveField: null, activationBytes: 0, savedBytes: 0, ...p };
}

/** Channel-wise luminance proxy for monotonicity: viridis gets lighter from purple to yellow. */
const lum = (hex: string) => {
  const n = parseInt(hex.slice(1), 16);
  return 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
};

describe('overlay modes', () => {
  it('every mode the menu offers is one the graph view accepts (a mode missing there was silently not painted)', () => {
    for (const m of [...OVERLAY_MENU, CHANGE_OVERLAY]) assert.ok(OVERLAY_MODES.includes(m.value), m.value);
    for (const m of availableModes([1], true)) assert.ok(OVERLAY_MODES.includes(m), m);
  });

  it('kept for training: each layer\'s saved bytes', () => {
    assert.equal(overlayValue(layer({ savedBytes: 4096 }), 'training'), 4096);
    assert.equal(overlayValue(layer({ savedBytes: null }), 'training'), undefined);
  });
});

describe('overlay values', () => {
  it('MACs, parameters, activation memory are the report figures', () => {
    // ResNet-50's first conv: 7×7×3×64 weights = 9,408 params, ×112×112 outputs = 118,013,952 MACs; 1×64×112×112 float32 = 3,211,264 B.
    const conv1 = layer({ params: 9408, macs: 118_013_952, activationBytes: 3_211_264 });
    assert.equal(overlayValue(conv1, 'macs'), 118_013_952);
    assert.equal(overlayValue(conv1, 'params'), 9408);
    assert.equal(overlayValue(conv1, 'memory'), 3_211_264);
    assert.equal(overlayValue(conv1, 'none'), undefined);
  });

  it('receptive field: the largest side; global is larger than any; none is missing', () => {
    assert.equal(overlayValue(layer({ receptiveField: { size: [7, 3], stride: [2, 1], offset: [0, 0] } }), 'receptiveField'), 7);
    assert.equal(overlayValue(layer({ receptiveField: { global: true } }), 'receptiveField'), Infinity);
    assert.equal(overlayValue(layer({}), 'receptiveField'), undefined);
  });

  it('latency comes only from measured values, and is offered only with them', () => {
    const ls = [layer({}), layer({})];
    assert.deepEqual(overlayValues(ls, 'latency'), [undefined, undefined]);
    assert.deepEqual(overlayValues(ls, 'latency', [0.5, 1.25]), [0.5, 1.25]);
    assert.ok(!availableModes().includes('latency'));
    assert.ok(availableModes([0.5]).includes('latency'));
  });
});

describe('group values', () => {
  it('sums work, weights, memory and time over the member layers', () => {
    assert.equal(groupValue([100, 20, undefined, 3], 'macs'), 123);
    assert.equal(groupValue([100, 20], 'params'), 120);
    assert.equal(groupValue([1024, 2048], 'memory'), 3072);
    assert.equal(groupValue([0.25, 0.5], 'latency'), 0.75);
  });

  it('takes the largest receptive field (a group sees what its widest layer sees), global included', () => {
    assert.equal(groupValue([3, 7, 5], 'receptiveField'), 7);
    assert.equal(groupValue([3, Infinity], 'receptiveField'), Infinity);
  });

  it('has no value when no member has one', () => {
    assert.equal(groupValue([undefined, undefined], 'macs'), undefined);
    assert.equal(groupValue([], 'receptiveField'), undefined);
  });
});

describe('heat scale', () => {
  const values = [1e3, 1e5, 1e9, 0, undefined];
  const s = heatScale(values, 'macs');

  it('maps the smallest positive value and the largest to the two ends of the ramp', () => {
    assert.equal(s.colorOf(1e3), VIRIDIS[0]);
    assert.equal(s.colorOf(1e9), VIRIDIS[6]);
  });

  it('is logarithmic: the geometric middle (10^6 between 10^3 and 10^9) is the ramp middle', () => {
    assert.equal(s.colorOf(1e6), VIRIDIS[3]);
    assert.equal(s.colorOf(1e6), '#21918c');
    // 10^3.5 is 1/12 of the way: halfway between the first two samples, #440154 and #443983 → (0x44, 0x1d, 0x6c).
    assert.equal(s.colorOf(10 ** 3.5), '#441d6c');
    assert.equal(rampColor(1 / 12), '#441d6c');
  });

  it('is monotonic: larger values are lighter', () => {
    let prev = -1;
    for (let e = 3; e <= 9; e += 0.25) {
      const l = lum(s.colorOf(10 ** e)!);
      assert.ok(l >= prev, `10^${e}`);
      prev = l;
    }
  });

  it('zero, negative and missing values get no colour', () => {
    assert.equal(s.colorOf(0), null);
    assert.equal(s.colorOf(undefined), null);
    assert.equal(s.colorOf(-5), null);
    assert.equal(heatScale([0, 0], 'macs').stops.length, 0);
  });

  it('legend stops run from the smallest to the largest value, labelled in the mode\'s unit', () => {
    assert.equal(s.stops.length, 7);
    assert.equal(s.stops[0].label, '1.00 K');
    assert.equal(s.stops.at(-1)!.label, '1.00 G');
    assert.deepEqual(s.stops.map((x) => x.color), VIRIDIS);
    assert.deepEqual(RAMP, VIRIDIS);
    // 2^20 B = 1 MiB up to 2^30 B = 1 GiB.
    const m = heatScale([2 ** 20, 2 ** 30], 'memory');
    assert.deepEqual([m.stops[0].label, m.stops.at(-1)!.label], ['1.00 MiB', '1.00 GiB']);
  });

  it('a single distinct value is the top of the ramp, one stop', () => {
    const one = heatScale([42, 42], 'params');
    assert.equal(one.colorOf(42), VIRIDIS[6]);
    assert.deepEqual(one.stops.map((x) => x.label), ['42']);
  });

  it('a global receptive field maps to the top and gets its own legend stop', () => {
    const rf = heatScale([3, 27, Infinity], 'receptiveField');
    assert.equal(rf.colorOf(Infinity), VIRIDIS[6]);
    assert.equal(rf.colorOf(3), VIRIDIS[0]);
    assert.deepEqual(rf.stops.at(-1), { value: Infinity, color: VIRIDIS[6], label: 'global' });
    assert.equal(rf.stops[0].label, '3 px');
  });

  it('text on a fill: light text on dark purple, dark text on yellow', () => {
    assert.equal(textOn(VIRIDIS[0]), 'light');
    assert.equal(textOn(VIRIDIS[6]), 'dark');
  });
});
