/**
 * The toolbar's "Colour nodes by" dropdown: the overlays of OVERLAY_MENU, the
 * measured latency listed but disabled until a run has measured it, and the
 * change overlay offered (first) only in a compare view.
 */
import { CHANGE_OVERLAY, OVERLAY_MENU, type OverlayMode } from '../graph/overlay';
import { dropdown, setOptionDisabled, setOptionPresent } from '../ui/toolkit';

export class OverlayPicker {
  readonly element: HTMLElement & { value: string };

  constructor(value: OverlayMode, onChange: (mode: OverlayMode) => void) {
    this.element = dropdown(OVERLAY_MENU, value, onChange, { title: 'Colour nodes by', id: 'overlay' });
    setOptionDisabled(this.element, 'latency', true);
  }

  /** The chosen overlay, as the dropdown reads it. */
  get value(): string {
    return this.element.value;
  }

  set value(mode: string) {
    this.element.value = mode;
  }

  /** Latency is offered once there is a measured run. */
  setLatency(measured: boolean): void {
    setOptionDisabled(this.element, 'latency', !measured, measured ? 'Measured time per layer (median of the timed runs)' : 'Run the model first: Profile (run)');
  }

  /** A compare view offers the change overlay; a single model does not list it. */
  setCompare(on: boolean): void {
    setOptionPresent(this.element, CHANGE_OVERLAY, on);
  }
}
