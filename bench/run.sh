#!/usr/bin/env bash
# `make bench`: berth side by side with ONNX Runtime on the shared benchmark models, one run,
# then the inference server benchmarks.
# Models are made once (fixed seeds) into bench/models; ORT for Node is installed on first use
# by the shared harness. Results go to stdout; record them in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${BERTH_SHARED:-../shared}
mkdir -p bench/models
/usr/bin/python3 "$SHARED/bench/compare.py" --berth build/bin/berth --models bench/models \
  --threads 2 --batch 1 "$@"
# The quantized models (resnet50 int8-static, bert_small int8-dynamic, made by berth optimize):
# cosine similarity to fp32, berth fp32 vs int8, berth vs ORT on the same file.
.venv/bin/python bench/quantized.py --berth build/bin/berth --models bench/models
# The inference server: protocol cost against nginx, server overhead against in-process
# latency, dynamic batching on and off (bench/server/run_server_bench.sh; loopback only).
bash bench/server/run_server_bench.sh
# Serverless: `berth lambda`'s cold start for mlp against a fake Lambda Runtime API.
.venv/bin/python bench/lambda_cold_start.py --berth build/bin/berth --model bench/models/mlp.onnx
