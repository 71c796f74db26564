#!/usr/bin/env bash
# Set up, build, and run the main job on the built-in default model (no ../shared needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTINYOPS_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target tinyops
./build/tinyops demo --out out/demo
