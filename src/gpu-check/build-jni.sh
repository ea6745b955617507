#!/usr/bin/env bash
# Builds DJL 0.36's PyTorch JNI library (libdjl_torch.so) from DJL's C++ sources against a given
# libtorch, offline. DJL ships this library built for libtorch 2.7.1 only, and it does not work
# with another version (docs/gpu.md, "libtorch builds"). Rebuilt, it lets the workbench run on a
# machine whose only libtorch is another version, such as Python torch's.
#
# Usage: build-jni.sh DJL_SOURCES TORCH_DIR OUTPUT_SO
#   DJL_SOURCES  folder with native/ (DJL's engines/pytorch/pytorch-native/src/main/native at
#                v0.36.0, plus the JNI header that `javac -h` writes for PyTorchLibrary) and
#                api/djl/utils.h (DJL's api/src/main/native/djl/utils.h). djl-sources.tsv beside this
#                script lists the file versions to put there and how to fetch them.
#   TORCH_DIR    folder with include/ and lib/ of libtorch, e.g. Python's site-packages/torch
#   OUTPUT_SO    the library to write
# The script also compiles every .cc file in djl-missing/ beside it. Those files are this project's
# own definitions of the native methods that none of the DJL file versions in djl-sources.tsv defines.
# Environment:
#   JAVA_HOME    a folder with include/jni.h (default: the JDK of `javac`)
#   JOBS         compiles at a time (default: the number of cores)
#   CXX          the compiler (default: g++)
#   USE_CUDA     1 or 0 (default: 1 when TORCH_DIR/lib has libtorch_cuda.so)
#   CUDA_HOME    the CUDA toolkit (default: found from nvcc, /usr/local/cuda or the CUDA runtime wheel)
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 DJL_SOURCES TORCH_DIR OUTPUT_SO" >&2
  exit 2
fi
for folder in "$1" "$2"; do
  if [[ ! -d $folder ]]; then
    echo "error: $folder is not a folder; see the usage at the top of $0" >&2
    exit 1
  fi
done
SOURCES=$(cd "$1" && pwd)
TORCH_DIR=$(cd "$2" && pwd)
OUTPUT_SO=$3

# Fail before the compiles, which take minutes, when the output cannot be written.
if [[ -d $OUTPUT_SO ]]; then
  echo "error: $OUTPUT_SO is a folder; give the library's file name, such as $OUTPUT_SO/libdjl_torch.so" >&2
  exit 1
fi
# Folders this script creates for the output are removed again when the build fails.
first_created=""
ancestor=$(dirname "$OUTPUT_SO")
while [[ ! -e $ancestor ]]; do
  first_created=$ancestor
  ancestor=$(dirname "$ancestor")
done
objects=""
clean_up() {
  if [[ -n $objects ]]; then
    rm -rf "$objects"
  fi
  if [[ -n $first_created && ! -e $OUTPUT_SO ]]; then
    find "$first_created" -depth -type d -empty -delete 2>/dev/null || true
  fi
}
trap clean_up EXIT
if ! mkdir -p "$(dirname "$OUTPUT_SO")" || [[ ! -w $(dirname "$OUTPUT_SO") ]]; then
  echo "error: cannot write $OUTPUT_SO; choose a writable folder" >&2
  exit 1
fi
JOBS=${JOBS:-$(nproc)}
CXX=${CXX:-g++}

for required in "$SOURCES/native/ai_djl_pytorch_jni_PyTorchLibrary.h" "$SOURCES/api/djl/utils.h" \
    "$TORCH_DIR/include/torch/script.h" "$TORCH_DIR/lib/libtorch_cpu.so" "$TORCH_DIR/lib/libc10.so"; do
  if [[ ! -e $required ]]; then
    echo "error: $required is missing; see the usage at the top of $0" >&2
    if [[ $required == *PyTorchLibrary.h ]]; then
      echo "  write it with javac -h (docs/gpu.md, \"Another libtorch version\", step 1)" >&2
    elif [[ $(basename "$TORCH_DIR") == lib ]]; then
      echo "  TORCH_DIR must be the folder above lib/, which also contains include/" >&2
    fi
    exit 1
  fi
done

# This project's definitions of the native methods that the DJL sources lack. A method defined both
# there and in DJL_SOURCES would fail the link with a "multiple definition" error after minutes of
# compiling, so the check runs first.
MISSING_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/djl-missing
missing_sources=("$MISSING_DIR"/*.cc)
if [[ ! -e ${missing_sources[0]} ]]; then
  echo "error: $MISSING_DIR has no .cc file; it is part of this repository, restore it from git" >&2
  exit 1
fi
for missing_source in "${missing_sources[@]}"; do
  if [[ -e $SOURCES/native/$(basename "$missing_source") ]]; then
    echo "error: $SOURCES/native and $MISSING_DIR both contain $(basename "$missing_source"); rename one of them" >&2
    exit 1
  fi
  for function in $(grep -o 'Java_ai_djl_pytorch_jni_PyTorchLibrary_[A-Za-z0-9_]*(' "$missing_source" | tr -d '('); do
    if duplicate=$(grep -l -F "$function(" "$SOURCES"/native/*.cc); then
      echo "error: $function is defined in both $missing_source and $duplicate" >&2
      echo "  use the DJL file versions that djl-sources.tsv lists, or remove the definition from one of the files" >&2
      exit 1
    fi
  done
done

if [[ -z ${JAVA_HOME:-} ]]; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
if [[ ! -e $JAVA_HOME/include/jni.h ]]; then
  echo "error: $JAVA_HOME/include/jni.h is missing; set JAVA_HOME to a JDK or a folder with include/jni.h" >&2
  exit 1
fi

if [[ -z ${USE_CUDA:-} ]]; then
  if [[ -e $TORCH_DIR/lib/libtorch_cuda.so ]]; then USE_CUDA=1; else USE_CUDA=0; fi
fi

# The C++ standard library ABI must match libtorch's, and its exported names show which one it uses.
# grep -c reads all of nm's output, because with grep -q nm can die of SIGPIPE and fail the pipeline.
cxx11_names=$(nm -D --defined-only "$TORCH_DIR/lib/libc10.so" | grep -c '__cxx11' || true)
if [[ $cxx11_names -gt 0 ]]; then CXX11_ABI=1; else CXX11_ABI=0; fi

# libtorch 2.7.1 and 2.13 build with C++17. The headers of 2.14 stop with an #error unless C++20 is used.
if grep -q 'C++20 or later' "$TORCH_DIR/include/ATen/ATen.h"; then STANDARD=c++20; else STANDARD=c++17; fi

# The definitions that DJL's CMakeLists.txt passes for libtorch 2.x, with position-independent code.
flags=("-std=$STANDARD" -O2 -fPIC -DNDEBUG "-D_GLIBCXX_USE_CXX11_ABI=$CXX11_ABI" -Wno-deprecated-declarations
  -I"$SOURCES/native" -I"$SOURCES/api"
  -isystem "$TORCH_DIR/include" -isystem "$TORCH_DIR/include/torch/csrc/api/include"
  -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux")
libs=(-L"$TORCH_DIR/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10)
if [[ $USE_CUDA == 1 ]]; then
  # The first folder with include/cuda_runtime.h: CUDA_HOME, nvcc's toolkit, /usr/local/cuda, or the
  # CUDA runtime wheel beside Python torch.
  nvcc=$(command -v nvcc || true)
  cuda_include=
  for candidate in ${CUDA_HOME:-} ${nvcc:+$(dirname "$(dirname "$(readlink -f "$nvcc")")")} /usr/local/cuda \
      "$TORCH_DIR"/../nvidia/cu13 "$TORCH_DIR"/../nvidia/cuda_runtime; do
    if [[ -e $candidate/include/cuda_runtime.h ]]; then cuda_include=$candidate/include; break; fi
  done
  if [[ -z $cuda_include ]]; then
    echo "error: cuda_runtime.h not found; set CUDA_HOME to the CUDA toolkit, or USE_CUDA=0" >&2
    exit 1
  fi
  flags+=(-DUSE_CUDA -isystem "$cuda_include")
  libs+=(-ltorch_cuda -lc10_cuda)
fi
libs+=(-Wl,--as-needed)

objects=$(mktemp -d)
echo "building $OUTPUT_SO against $TORCH_DIR: $STANDARD, C++11 ABI $CXX11_ABI, CUDA $USE_CUDA${cuda_include:+ ($cuda_include)}, $JOBS compiles at a time"
started=$(date +%s)

# Each source compiles on its own. xargs runs JOBS compilers at once and stops at the first failure.
{ find "$SOURCES/native" -name '*.cc' -print0; printf '%s\0' "${missing_sources[@]}"; } | xargs -0 -P "$JOBS" -I{} sh -c \
  'source=$1; shift; echo "compiling $(basename "$source")"
   '"$CXX"' "$@" -c "$source" -o "$0/$(basename "$source" .cc).o" || exit 255' \
  "$objects" {} "${flags[@]}"

# Link under a temporary name and rename, so that a stopped build never leaves a partial library.
"$CXX" -shared -o "$OUTPUT_SO.partial" "$objects"/*.o "${libs[@]}"
mv "$OUTPUT_SO.partial" "$OUTPUT_SO"
exported=$(nm -D --defined-only "$OUTPUT_SO" | grep -c ' T Java_ai_djl_pytorch_jni_PyTorchLibrary_' || true)
echo "built $OUTPUT_SO in $(( $(date +%s) - started )) s; $exported JNI functions (DJL 0.36 declares 265)"
