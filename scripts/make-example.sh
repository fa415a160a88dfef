#!/usr/bin/env bash
# Regenerates the bundled example archives from examples/multistage/ with the real engine:
#   examples/multistage-builder.tar  (docker save of layerscope-example/multistage:builder)
#   examples/multistage-final.tar    (docker save of layerscope-example/multistage:final)
# Usage: bash scripts/make-example.sh   (from anywhere; needs a running Docker engine and
# layerscope-test/busybox:latest — bash ../shared/tools/docker-up.sh && bash ../shared/tools/base-images.sh)
# The classic builder is used (DOCKER_BUILDKIT=0), as on the engine the tests run against.
set -euo pipefail
cd "$(dirname "$0")/.."

ctx=examples/multistage
export DOCKER_BUILDKIT=0
docker image inspect layerscope-test/busybox:latest >/dev/null 2>&1 || {
  echo "make-example: layerscope-test/busybox:latest is missing; run ../shared/tools/base-images.sh" >&2
  exit 2
}
for stage in builder final; do
  docker build -q --force-rm --target "$stage" -t "layerscope-example/multistage:$stage" "$ctx" >/dev/null
  docker save -o "examples/multistage-$stage.tar" "layerscope-example/multistage:$stage"
  chmod 644 "examples/multistage-$stage.tar" # docker save writes 0600
done

# Keep the package small: all committed archives together must stay under 5 MB.
total=0
for f in examples/*.tar; do
  size=$(wc -c <"$f")
  printf '%10d  %s\n' "$size" "$f"
  total=$((total + size))
done
printf '%10d  total\n' "$total"
if ((total >= 5000000)); then
  echo "make-example: archives total $total bytes, over the 5 MB budget; shrink the generated files" >&2
  exit 1
fi
