#!/usr/bin/env bash
# Installs and starts what the test suite needs beyond Python packages.
# Each part is idempotent; later issues add PostgreSQL and Chromium here.
set -euo pipefail
exit 0
