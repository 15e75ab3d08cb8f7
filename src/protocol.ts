/**
 * The one message protocol between the extension and its webviews. Every
 * message either side sends is a member of these unions.
 */
import type { ProfileReport } from './core/report/profile';

export type ToWebviewMessage =
  | { type: 'profile'; file: string; report: ProfileReport }
  | { type: 'error'; file: string; message: string };

export type FromWebviewMessage =
  | { type: 'ready' }
  | { type: 'reveal'; layer: string };
