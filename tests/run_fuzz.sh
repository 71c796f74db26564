#!/usr/bin/env bash
# Usage: run_fuzz.sh FUZZER CORPUS_DIR SHARED_DIR RUNS
# Seeds the corpus with the small real models (and single-op cases) when ../shared exists, plus the
# built-in demo model, replays the inputs that once failed (fuzz/regressions), then runs the fuzzer for
# a bounded number of iterations with a fixed seed (FUZZ_SEED, default 1) so CI runs are repeatable.
set -euo pipefail
fuzzer=$1 corpus=$2 shared=$3 runs=$4
mkdir -p "$corpus"
if [ -d "$shared/opcases/models" ]; then
  cp -n "$shared"/opcases/models/*.tflite "$corpus"/ 2>/dev/null || true
  for m in mlperf_tiny/kws_ref_model.tflite other_int8/person_detect.tflite; do
    [ -f "$shared/models/$m" ] && cp -n "$shared/models/$m" "$corpus"/ || true
  done
else
  echo "note: $shared absent: fuzzing from an empty corpus"
fi
regressions="$(dirname "$0")/../fuzz/regressions"
if compgen -G "$regressions/tflite-*" > /dev/null; then
  "$fuzzer" "$regressions"/tflite-*
fi
exec "$fuzzer" -seed="${FUZZ_SEED:-1}" -runs="$runs" -max_len=400000 -rss_limit_mb=4096 -timeout=30 "$corpus"
