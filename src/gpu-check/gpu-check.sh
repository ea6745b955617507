#!/usr/bin/env bash
# Checks the workbench on a GPU machine and measures it there, from the repository root, with
# the bundle that make-bundle.sh writes (.device-bundle/). Uses the machine's Python torch as
# libtorch; when it is not 2.7.1, it first builds DJL's JNI library against it (build-jni.sh).
# It writes at most 8 files under $OUT, the most that the project's device tool returns.
# DEVICE is part of their names:
#   env.txt      GPU, driver, torch, the JNI build's output
#   summary.txt  each command with its exit code and the end of its output, without INFO or WARN lines
#   self-check-gpu-float32.txt, self-check-gpu-float16.txt
#   bench-gpu-float32.txt/.json   the default random Llama (hidden 1024, 8 layers)
#   bench-gpu-7b-float16.txt/.json  a random model with Llama-2-7B's shapes, float16
# Every step gets its own time limit, and all of them end within BUDGET_SECONDS (default 560 s,
# under the device tool's 600 s per call). The exit code is 0 when every step passed, else 1.
# Environment: OUT (default /tmp/gpu-check-out), BUDGET_SECONDS, TORCH_DIR (default: Python
# torch's folder; a libtorch folder with build-version works too), DEVICE (default gpu), SKIP_7B (set to skip the 7B benchmark). The JNI library
# is kept in /tmp/pke-djl-cache and reused by a later run on the same machine.
set -uo pipefail

bundle=.device-bundle
OUT=${OUT:-/tmp/gpu-check-out}
DEVICE=${DEVICE:-gpu}
deadline=$(( $(date +%s) + ${BUDGET_SECONDS:-560} ))
status=0

if [[ ! -f $bundle/app/pke-workbench.jar ]]; then
  echo "error: $bundle/app/pke-workbench.jar is missing; run this from the repository root after make-bundle.sh" >&2
  exit 1
fi
torch=${TORCH_DIR:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)}
if [[ -z $torch ]]; then
  echo "error: python3 cannot import torch; set TORCH_DIR to a torch or libtorch folder" >&2
  exit 1
fi
if [[ ! -d $torch/lib || ! ( -f $torch/version.py || -f $torch/build-version ) ]]; then
  echo "error: '$torch' is neither a Python torch folder (version.py, lib/) nor a libtorch folder" \
    "(build-version, lib/); set TORCH_DIR" >&2
  exit 1
fi
mkdir -p "$OUT"
summary=$OUT/summary.txt
: > "$summary"

runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT
tar -C "$runtime" -xJf "$bundle/jre.tar.xz"
java=$runtime/pke-jre/bin/java
if [[ -f $torch/version.py ]]; then
  version=$(sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" "$torch/version.py")
  cuda=$(sed -n "s/^cuda[^=]*= '\([0-9.]*\)'.*/\1/p" "$torch/version.py")
  flavor=${cuda:+cu${cuda//./}}
else
  # A libtorch archive records, for example, 2.7.1+cu128.
  recorded=$(tr -d '[:space:]' < "$torch/build-version")
  version=${recorded%%+*}
  [[ $recorded == *+cu* ]] && flavor=${recorded#*+}
fi
flavor=${flavor:-cpu}
djl_version=$(basename "$bundle"/app/lib/api-*.jar .jar | sed 's/^api-//')

{
  date -u
  if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  else
    echo "nvidia-smi: not found"
  fi
  echo "torch folder $torch, version $version, CUDA ${cuda:-none}, DJL flavor $flavor, DJL $djl_version"
} > "$OUT/env.txt" 2>&1

export DJL_CACHE_DIR=/tmp/pke-djl-cache PYTORCH_LIBRARY_PATH=$torch/lib PYTORCH_VERSION=$version \
  PYTORCH_FLAVOR=$flavor
if [[ $version != 2.7.1 ]]; then
  # DJL loads the JNI library from its cache folder when PYTORCH_LIBRARY_PATH has none.
  jni=$DJL_CACHE_DIR/pytorch/$version-$flavor-linux-x86_64/$djl_version-libdjl_torch.so
  left=$(( deadline - $(date +%s) - 60 ))
  # A library from an earlier run is reused when it exports DJL's JNI functions; a damaged one is rebuilt.
  exported=$(nm -D --defined-only "$jni" 2>/dev/null | grep -c ' T Java_ai_djl_pytorch_jni_PyTorchLibrary_' || true)
  if (( exported > 0 )); then
    echo "JNI library for torch $version ($flavor): reusing $jni ($exported JNI functions)" \
      | tee -a "$summary" "$OUT/env.txt"
  elif [[ ! -d $bundle/djl-sources ]]; then
    echo "error: torch $version is not 2.7.1, and the bundle has no DJL sources to build the JNI library" \
      | tee -a "$summary"
    exit 1
  elif (( left < 60 )); then
    echo "error: $left s left for the JNI build, which takes about 100 s on 2 cores and under a minute on 16;" \
      "raise BUDGET_SECONDS" | tee -a "$summary"
    exit 1
  else
    echo "== building DJL's JNI library against torch $version" >> "$OUT/env.txt"
    JAVA_HOME=$PWD/$bundle/jni-headers timeout $(( left < 240 ? left : 240 )) bash "$bundle/build-jni.sh" \
      "$bundle/djl-sources" "$torch" "$jni" >> "$OUT/env.txt" 2>&1
    built=$?
    echo "JNI build for torch $version ($flavor): exit $built" | tee -a "$summary"
    if (( built == 124 )); then
      echo "the JNI build timed out; raise BUDGET_SECONDS" | tee -a "$summary"
    fi
    if (( built != 0 )); then
      tail -5 "$OUT/env.txt" | tee -a "$summary"
      rm -f "$jni" "$jni.partial"
      exit 1
    fi
  fi
fi

# DJL counts GPUs through the CUDA runtime library, which it finds with JNA. Python torch keeps that
# library in its nvidia packages, outside the system's library folders, so JNA is pointed there too.
java_options=(-Xmx8g)
cudart=$(find "$torch/lib" "$torch/../nvidia" -name 'libcudart.so*' 2>/dev/null | head -1)
if [[ -n $cudart ]]; then
  java_options+=("-Djna.library.path=$(dirname "$cudart")")
  echo "CUDA runtime for DJL's GPU count: $cudart" >> "$OUT/env.txt"
fi

# run NAME LIMIT_SECONDS ARGUMENTS...: runs the workbench and writes its output to $OUT/NAME.txt.
run() {
  local name=$1 limit=$2 left code
  shift 2
  left=$(( deadline - $(date +%s) ))
  if (( left < 30 )); then
    echo "== $name: skipped, $left s left" | tee -a "$summary"
    status=1
    return
  fi
  (( limit > left )) && limit=$left
  echo "== $name ($limit s at most): $*" | tee -a "$summary"
  timeout "$limit" "$java" "${java_options[@]}" -jar "$bundle/app/pke-workbench.jar" "$@" > "$OUT/$name.txt" 2>&1
  code=$?
  echo "exit $code" | tee -a "$summary"
  (( code != 0 )) && status=1
  # The results without the log's DEBUG, INFO and WARN lines and stack frames.
  grep -Ev '^[0-9:.]+ (DEBUG|INFO|WARN) |^[[:space:]]+at ' "$OUT/$name.txt" | tail -45 | tee -a "$summary"
}

run "self-check-$DEVICE-float32" 90 self-check --device "$DEVICE"
run "self-check-$DEVICE-float16" 90 self-check --device "$DEVICE" --dtype float16
run "bench-$DEVICE-float32" 150 bench --random-llama --device "$DEVICE" --json "$OUT/bench-$DEVICE-float32.json"
if [[ -z ${SKIP_7B:-} ]]; then
  run "bench-$DEVICE-7b-float16" 330 bench --random-llama --device "$DEVICE" --dtype float16 --hidden 4096 \
    --layers 32 --intermediate 11008 --heads 32 --weights-dtype float16 --repeats 3 --decode-tokens 32 \
    --record-tokens 128 --json "$OUT/bench-$DEVICE-7b-float16.json"
fi
exit $status
