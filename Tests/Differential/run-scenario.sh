#!/usr/bin/env bash
# Runs one scenario file in the current network namespace and writes its transcript to
# stdout (see transcript.sh).
set -u
. "$(dirname "$0")/transcript.sh"
transcribe "$1"
