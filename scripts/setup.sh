#!/usr/bin/env bash
# Installs exactly the Debian packages janus.cpp needs to build and test; skips what is present.
# Idempotent; safe to run again. Needs root (or sudo) only when something is missing.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git
  libdnnl-dev            # oneDNN: GEMM and convolutions
  libpcre2-dev           # tokenizer pre-tokenizer regexes (Unicode-aware, JIT)
  nlohmann-json3-dev     # JSON: configs, safetensors headers, tokenizer.json
  libcurl4-openssl-dev   # HF hub downloads
  libpng-dev libjpeg-dev libwebp-dev libgif-dev  # image codecs
  libcli11-dev           # command line
  libcpp-httplib-dev     # janus serve (HTTP server)
  libgtest-dev libbenchmark-dev  # tests and micro-benchmarks
  libyaml-cpp-dev                # janus studio: campaign files
  libfreetype-dev libharfbuzz-dev libfribidi-dev libfontconfig-dev  # janus studio: text shaping and layout
  fonts-dejavu-core fonts-noto-core fonts-noto-cjk                  # janus studio: Latin, Arabic, CJK faces
)
TEST_PKGS=(
  python3 python3-numpy python3-pil  # tiny checkpoint generator, image reference cases, fake hub server
  clang libclang-rt-14-dev           # libFuzzer targets
  chromium                           # janus serve web UI test (driven by playwright-core from npm)
)
# janus serve tests run the official openai client and Playwright under Node; a Node installed
# from elsewhere (with its own npm) is kept as it is.
command -v node >/dev/null || TEST_PKGS+=(nodejs)
command -v npm >/dev/null || TEST_PKGS+=(npm)
# python3-torch regenerates goldens; only `scripts/setup.sh --reference` installs it (large).
if [[ "${1:-}" == "--reference" ]]; then TEST_PKGS+=(python3-torch nodejs npm); fi

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present" >&2
fi
