#!/usr/bin/env bash
# Type-checks sst.config.ts and stacks/ against SST's real types, offline (docs/design.md decision 7).
set -euo pipefail
cd "$(dirname "$0")/.."

# `sst install` fetches the platform and the AWS provider from npm and writes the types tsc needs.
if [ ! -f .sst/platform/config.d.ts ]; then
  SST_STAGE=ci SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 SST_TELEMETRY_DISABLED=1 npx sst install
fi
npx tsc --noEmit -p tsconfig.infra.json
