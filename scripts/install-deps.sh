#!/usr/bin/env bash
# Installs what cpnas needs to build, run and test, from Debian packages. Idempotent: installs
# only what is missing, so a second run costs a few seconds. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ccache         # ccache: rebuilds of a fresh clone reuse compilations
  libtorch-dev libopenblas0-openmp     # LibTorch; OpenBLAS makes its matrix maths ~30x faster
  libopenmpi-dev openmpi-bin           # MPI ranks
  libhdf5-dev                          # cohorts, checkpoints, model files
  libboost-program-options-dev libboost-math-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev                         # tests
  slurm-wlm munge                      # the single-node SLURM cluster of the slurm tests
  chromium fonts-dejavu-core           # headless browser (and a font) of the report test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
echo "install-deps: all packages present"
