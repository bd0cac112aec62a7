# The two commands: `make demo` and `make test`. Everything installs itself (scripts/setup.sh).
.PHONY: setup setup-tests build demo test lint typecheck dev worker clean llm chroma

setup:
	@bash scripts/setup.sh

# The test tiers' own parts (VictoriaLogs, Chroma, the production Temporal server): `make test` only.
setup-tests: setup
	@bash scripts/setup-tests.sh

build: setup

demo: setup
	@node bin/aifb.mjs run examples/demo.yaml
	@echo "The run stays in data/temporal/dev.sqlite: 'npx aifb dev' brings back the stack and its Web UI (http://127.0.0.1:8233)."

# The real LLM of the llm tier and examples/llamacpp-smollm2.yaml: llama-server built from
# source and SmolLM2-135M, once per machine, into ~/.cache/aifb/llm (AIFB_CACHE moves it).
llm:
	@bash scripts/llm/install.sh

# The real Chroma of the vector-search tests and examples/chroma-vector-search.yaml (make test runs it
# too): PyPI chromadb in a venv in ~/.cache/aifb/chroma (AIFB_CACHE moves it).
chroma:
	@bash scripts/chroma/install.sh

lint:
	@npx biome ci .

typecheck:
	@npx tsc -p tsconfig.json

test: setup-tests
	@echo "==> lint (biome)" && npx biome ci . && echo "==> typecheck (tsc --strict)" && npx tsc -p tsconfig.json && bash scripts/test.sh

dev: setup
	@node bin/aifb.mjs dev

worker: setup
	@node --import tsx workers/main.ts

clean:
	rm -rf dist data/test-reports

# The local Slurm + sshd test cluster of the slurm executor (root; scripts/cluster/).
.PHONY: cluster-up cluster-down
cluster-up:
	@bash scripts/cluster/up.sh

cluster-down:
	@bash scripts/cluster/down.sh
