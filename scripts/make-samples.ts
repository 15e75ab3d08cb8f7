// Writes the bundled sample images (media/samples/*.png) from src/core/image/samples.ts.
// `npm run samples`; a unit test checks the committed files equal what this writes.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLES } from '../src/core/image/samples';
import { encodePng } from '../src/core/image/decode';

const dir = join(__dirname, '..', 'media', 'samples');
mkdirSync(dir, { recursive: true });
for (const s of SAMPLES) {
  const bytes = encodePng(s.make());
  writeFileSync(join(dir, s.file), bytes);
  console.log(`${s.file}: ${bytes.length.toLocaleString('en-US')} bytes`);
}
