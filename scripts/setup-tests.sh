#!/usr/bin/env bash
# What only the test tiers need, on top of scripts/setup.sh (which `make demo` runs alone, so a
# first demo does not wait for builds it never uses). Each is built once per machine and version,
# outside the clone (~/.cache/aifb; AIFB_CACHE moves it), and takes a second once cached. Best
# effort: a tier whose part is missing fails saying why. llama.cpp is the llm tier's own global
# setup (scripts/llm/install.sh).
set -uo pipefail
cd "$(dirname "$0")/.."

# The telemetry tier's log store (VictoriaLogs from the Go module proxy; ~1 min on 2 cores).
bash scripts/victorialogs/install.sh || echo "warning: VictoriaLogs not installed; the telemetry tier will fail saying so" >&2
# The real Chroma of the vector-search tests and example: PyPI chromadb in a venv.
bash scripts/chroma/install.sh || echo "warning: could not install chromadb; the vector-search tests will fail" >&2
# The deploy tier's production Temporal server and its SQL schema tool, from the Go module proxy
# (scripts/temporal-server/install.sh; minutes).
bash scripts/temporal-server/install.sh || echo "warning: the Temporal server was not built; the deploy tier will fail saying so" >&2
