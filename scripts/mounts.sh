#!/bin/bash
# Mount what BPF tests need (tracefs, bpffs) when absent. Root only.
set -euo pipefail
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
