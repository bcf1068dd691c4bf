#!/usr/bin/env bash
# Downloads the Debian 12 packages that cpnas needs besides LibTorch and CUDA (Open MPI, HDF5,
# Boost, spdlog, fmt, nlohmann-json, GoogleTest and the libraries they load) into DIR, for a GPU
# node that has PyTorch and the CUDA toolkit but cannot reach a package archive; bench/gpu/run.sh
# installs them there. Run it on a Debian 12 machine with apt.
# Usage: bash bench/gpu/fetch-debs.sh [DIR]   (default .gpu-debs, ignored by git)
set -euo pipefail
dest=${1:-.gpu-debs}
dev=(libhdf5-dev libboost1.74-dev libboost-program-options1.74-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev libopenmpi-dev openmpi-common)
runtime=(libhdf5-103-1 libcurl3-gnutls libboost-program-options1.74.0 libspdlog1.10 libfmt9
  libopenmpi3 openmpi-bin libpmix2 libhwloc15 libfabric1 libucx0)
# What any Linux system with a compiler has, and hwloc's X11/OpenCL plugins, which nothing needs.
base='adduser|cdebconf|debconf|dpkg|gcc-12-base|install-info|libc6|libgcc-s1|libstdc\+\+6|tar'
base+='|libpam.*|passwd|openssh-client|readline-common|libdebian-installer4|libnewt0.52'
base+='|libtextwrap1|libsemanage.*|libaudit.*|libcap-ng0|libicu72|libhwloc-plugins|libxml2'
base+='|ocl-icd-libopencl1|libx.*|libudev1|libselinux1|libsepol2|libpcre2-8-0|libacl1|libmd0'
base+='|libbsd0|libtinfo6|libreadline8|libedit2|libdb5.3|libfido2-1|libcbor0.8|libcrypt1|libuuid1'
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${runtime[@]}" | grep -v '^[ <]' | sort -u | grep -vxE "$base")
mkdir -p "$dest"
cd "$dest"
# shellcheck disable=SC2086 # one package name per word
apt-get download "${dev[@]}" $closure
echo "$(ls ./*.deb | wc -l) packages, $(du -sh . | cut -f1) in $PWD"
