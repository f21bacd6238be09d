#!/usr/bin/env bash
# Re-pin the dependencies after pyproject.toml changes (or to take newer releases):
#   requirements-runtime.lock  what the service needs (the Docker image installs it)
#   requirements.lock          the same pins plus the dev tools (CI and developers install it)
# Both carry a sha256 hash for every file, so pip installs them with --require-hashes.
# Needs pip-tools (pip install pip-tools) in the Python the service runs on (3.11).
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links --allow-unsafe)
pip-compile "${common[@]}" ${UPGRADE:+--upgrade} --output-file requirements-runtime.lock pyproject.toml
pip-compile "${common[@]}" --extra dev --constraint requirements-runtime.lock \
  --output-file requirements.lock pyproject.toml
