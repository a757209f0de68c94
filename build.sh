#!/bin/sh
# The two set-up commands of README.md, on a fresh Debian 12 machine as root:
#   ./build.sh run    build everything and start a container on the busybox image
#   ./build.sh test   build everything and run every test
# Both install the Debian packages they need first, then hand over to make.
set -eu
cd "$(dirname "$0")"
tools/install-deps.sh
exec make "${@:-run}"
