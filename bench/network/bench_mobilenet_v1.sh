#!/usr/bin/env bash
# Host seconds of MobileNet-v1 (224x224) end to end under each policy, functional and
# timing-only (--no-data). Usage: bench/network/bench_mobilenet_v1.sh [build-dir] [runs]
exec "$(dirname "$0")/bench_network.sh" "${1:-build}" "${2:-3}" mobilenet_v1
