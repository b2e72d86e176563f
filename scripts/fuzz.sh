#!/usr/bin/env bash
# `npm run fuzz`: the fuzz tests (test/fuzz-*.test.ts) with many cases; docs/fuzzing.md. NP_FUZZ_RUNS (cases per
# in-process property), NP_FUZZ_CLI_RUNS (per end-to-end property) and NP_FUZZ_SEED override the defaults here.
set -euo pipefail
export NP_FUZZ_RUNS="${NP_FUZZ_RUNS:-1000}" NP_FUZZ_CLI_RUNS="${NP_FUZZ_CLI_RUNS:-20}"
echo "fuzz: NP_FUZZ_RUNS=$NP_FUZZ_RUNS NP_FUZZ_CLI_RUNS=$NP_FUZZ_CLI_RUNS NP_FUZZ_SEED=${NP_FUZZ_SEED:-23}" >&2
exec node --test --test-reporter=spec dist/test/fuzz-readers.test.js dist/test/fuzz-cli.test.js
