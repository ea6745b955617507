#!/usr/bin/env bash
# Checks the workbench on a GPU machine and measures it there, from the repository root, with
# the bundle that make-bundle.sh writes (.device-bundle/). Uses the machine's Python torch as
# libtorch; when it is not 2.7.1, it first builds DJL's JNI library against it (build-jni.sh).
# It writes at most 8 files under $OUT, the most that the project's device tool returns.
#   env.txt      GPU, driver, torch, the JNI build's output
#   summary.txt  each command with its exit code and the end of its output
#   self-check-gpu-float32.txt, self-check-gpu-float16.txt
#   bench-gpu-float32.txt/.json   the default random Llama (hidden 1024, 8 layers)
#   bench-gpu-7b-float16.txt/.json  a random model with Llama-2-7B's shapes, float16
# Every step gets its own time limit, and all of them end within BUDGET_SECONDS (default 560 s,
# under the device tool's 600 s per call).
# Environment: OUT, BUDGET_SECONDS, TORCH_DIR (default: Python torch's folder), DEVICE (default gpu),
# SKIP_7B (set to skip the 7B benchmark).
set -uo pipefail

bundle=.device-bundle
OUT=${OUT:-/tmp/gpu-check-out}
DEVICE=${DEVICE:-gpu}
deadline=$(( $(date +%s) + ${BUDGET_SECONDS:-560} ))
mkdir -p "$OUT"
summary=$OUT/summary.txt

tar -C /tmp -xJf "$bundle/jre.tar.xz"
java=/tmp/pke-jre/bin/java
torch=${TORCH_DIR:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
version=$(sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" "$torch/version.py")
cuda=$(sed -n "s/^cuda[^=]*= '\([0-9.]*\)'.*/\1/p" "$torch/version.py")
flavor=${cuda:+cu${cuda//./}}
flavor=${flavor:-cpu}
djl_version=$(basename "$bundle"/app/lib/api-*.jar .jar | sed 's/^api-//')

{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  echo "torch folder $torch, version $version, CUDA ${cuda:-none}, DJL flavor $flavor, DJL $djl_version"
  python3 -c 'import torch; print("Python torch sees a GPU:", torch.cuda.is_available())'
} > "$OUT/env.txt" 2>&1

export DJL_CACHE_DIR=/tmp/pke-djl-cache PYTORCH_LIBRARY_PATH=$torch/lib PYTORCH_VERSION=$version \
  PYTORCH_FLAVOR=$flavor
if [[ $version != 2.7.1 ]]; then
  if [[ -d $bundle/djl-sources ]]; then
    # DJL loads the JNI library from its cache folder when PYTORCH_LIBRARY_PATH has none.
    jni=$DJL_CACHE_DIR/pytorch/$version-$flavor-linux-x86_64/$djl_version-libdjl_torch.so
    echo "== building DJL's JNI library against torch $version" >> "$OUT/env.txt"
    JAVA_HOME=$PWD/$bundle/jni-headers timeout 240 bash "$bundle/build-jni.sh" "$bundle/djl-sources" "$torch" \
      "$jni" >> "$OUT/env.txt" 2>&1
    echo "JNI build for torch $version ($flavor): exit $?" | tee -a "$summary"
  else
    echo "torch $version is not 2.7.1, and the bundle has no DJL sources to build the JNI library;" \
      "the checks will fail at the libtorch probe" | tee -a "$summary"
  fi
fi

# run NAME LIMIT_SECONDS ARGUMENTS...: runs the workbench and writes its output to $OUT/NAME.txt.
run() {
  local name=$1 limit=$2 left
  shift 2
  left=$(( deadline - $(date +%s) ))
  if (( left < 30 )); then
    echo "== $name: skipped, $left s left" | tee -a "$summary"
    return
  fi
  (( limit > left )) && limit=$left
  echo "== $name ($limit s at most): $*" | tee -a "$summary"
  timeout "$limit" "$java" -Xmx8g -jar "$bundle/app/pke-workbench.jar" "$@" > "$OUT/$name.txt" 2>&1
  echo "exit $?" | tee -a "$summary"
  tail -15 "$OUT/$name.txt" | tee -a "$summary"
}

run self-check-gpu-float32 90 self-check --device "$DEVICE"
run self-check-gpu-float16 90 self-check --device "$DEVICE" --dtype float16
run bench-gpu-float32 150 bench --random-llama --device "$DEVICE" --json "$OUT/bench-gpu-float32.json"
if [[ -z ${SKIP_7B:-} ]]; then
  run bench-gpu-7b-float16 330 bench --random-llama --device "$DEVICE" --dtype float16 --hidden 4096 --layers 32 \
    --intermediate 11008 --heads 32 --weights-dtype float16 --repeats 3 --decode-tokens 32 --record-tokens 128 \
    --json "$OUT/bench-gpu-7b-float16.json"
fi
