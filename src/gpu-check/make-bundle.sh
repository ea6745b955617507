#!/usr/bin/env bash
# Builds .device-bundle/ in the repository root: what gpu-check.sh needs on a GPU machine that has
# Python torch and a C++ compiler but no JDK and no network. The folder is ignored by git (through
# .git/info/exclude) and is carried to that machine with the working tree.
#
# Usage: src/gpu-check/make-bundle.sh [DJL_SOURCES]
#   DJL_SOURCES  optional folder for build-jni.sh (see its usage and djl-sources.tsv). Without it,
#                the GPU machine's libtorch must be 2.7.1, the version DJL's bundled JNI library is
#                built for.
#
# The bundle contains a Java 17 runtime made by jlink (jre.tar.xz) and the workbench jar with its
# libraries minus JavaFX, the charts and the CPU libtorch (app/). It also contains the JDK's two JNI
# headers (jni-headers/include), DJL_SOURCES (djl-sources/), the two scripts and djl-missing/:
# about 52 MiB.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
sources=${1:-}
bundle=$repo/.device-bundle
cd "$repo"

if [[ -n $sources && ! -e $sources/native/ai_djl_pytorch_jni_PyTorchLibrary.h ]]; then
  echo "error: $sources/native/ai_djl_pytorch_jni_PyTorchLibrary.h is missing; see build-jni.sh's usage" >&2
  exit 1
fi
grep -qsx '/.device-bundle/' .git/info/exclude || echo '/.device-bundle/' >> .git/info/exclude
mvn -q -o -DskipTests package

rm -rf "$bundle"
mkdir -p "$bundle/app/lib" "$bundle/jni-headers/include/linux"
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")

# java.desktop is needed although the bundle has no JavaFX: the command line loads java.beans.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
jlink --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$staging/pke-jre"
tar -C "$staging" -cJf "$bundle/jre.tar.xz" pke-jre

cp target/pke-workbench.jar "$bundle/app/"
for jar in target/lib/*.jar; do
  case $(basename "$jar") in
    javafx*|controlsfx*|jfreechart*|org.jfree*|pytorch-native-cpu*) continue ;;
  esac
  cp "$jar" "$bundle/app/lib/"
done
# Only linux-x86_64 native code is needed there.
(cd "$bundle/app/lib" \
  && zip -q -d tokenizers-*.jar 'native/lib/linux-aarch64/*' 'native/lib/osx-*' 'native/lib/win-*' \
  && zip -q -d pytorch-jni-*.jar 'jnilib/osx-*' 'jnilib/win-*')

cp "$jdk/include/jni.h" "$bundle/jni-headers/include/"
cp "$jdk/include/linux/jni_md.h" "$bundle/jni-headers/include/linux/"
if [[ -n $sources ]]; then
  mkdir -p "$bundle/djl-sources"
  cp -r "$sources/native" "$sources/api" "$bundle/djl-sources/"
fi
cp src/gpu-check/gpu-check.sh src/gpu-check/build-jni.sh "$bundle/"
# build-jni.sh finds djl-missing/ beside itself: the project's own definitions of the methods the DJL sources lack.
cp -r src/gpu-check/djl-missing "$bundle/"

# The device tool carries at most 64 MiB: the tracked files and the bundle together.
bundle_bytes=$(du -sb "$bundle" | cut -f1)
tracked_bytes=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
echo "bundle $((bundle_bytes / 1048576)) MiB, tracked files $((tracked_bytes / 1048576)) MiB, limit 64 MiB together"
if (( bundle_bytes + tracked_bytes > 64 * 1048576 )); then
  echo "error: the bundle and the tracked files exceed the 64 MiB that one device call carries;" \
    "check what else the bundle picked up from target/lib" >&2
  exit 1
fi
