#!/usr/bin/env bash
# Installs every Debian package TinyOps needs (run as root on Debian 12).
set -euo pipefail
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake g++ clang-14 libclang-rt-14-dev \
  libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev libfmt-dev libcli11-dev doctest-dev libstb-dev \
  libbenchmark-dev python3 python3-matplotlib \
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib binutils-arm-none-eabi \
  qemu-system-arm >/dev/null
