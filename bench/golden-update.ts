/**
 * Regenerates test/fixtures/golden-*.json from the current code.
 * Only for an intended change of the algorithm: a speed optimization must
 * pass the golden test unchanged, never regenerate it.
 */
import { writeFileAtomic } from '../src/io/files.js';
import { GOLDEN_CASES, goldenFit, goldenFixturePath, goldenRecord, toGoldenJson } from '../test/golden-cases.js';

for (const c of GOLDEN_CASES) {
  const start = performance.now();
  const fitted = goldenFit(c);
  writeFileAtomic(goldenFixturePath(c), toGoldenJson(goldenRecord(fitted)));
  console.log(
    `${goldenFixturePath(c)}: ${fitted.iterations} iterations, ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
}
