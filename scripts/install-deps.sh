#!/usr/bin/env bash
# Installs what ts2onnx needs to build and test, only what is missing. Debian 12.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
set -euo pipefail

packages=(cmake g++ make libprotobuf-dev protobuf-compiler libonnx-dev libfmt-dev doctest-dev
          libabsl-dev zlib1g-dev nlohmann-json3-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
