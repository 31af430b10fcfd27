#!/usr/bin/env bash
# Runs the ONNX backend test data through berth_conformance and checks the passing lists.
#
#   tests/conformance/run_conformance.sh [--runner PATH] [--work-dir DIR] [--jobs N]
#                                        [--update] [-- EXTRA RUNNER ARGS]
#
# Two sources, each with its own passing list in this folder:
#   debian: /usr/share/libonnx-testdata/data/{node,pytorch-converted,pytorch-operator,simple}
#           (onnx 1.12)                                          -> passing_debian.txt
#   wheel:  the onnx wheel in .venv: its data/{pytorch-converted,pytorch-operator,simple} plus
#           node/ and light/ generated once into WORK_DIR by generate_wheel_data.py
#                                                                  -> passing_wheel.txt
# --update rewrites the passing lists from this run instead of checking them (review the diff:
# a case that disappears from a list is a regression).
# Exit status: non-zero if any listed case no longer passes or any case crashes.
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${HERE}/../.." && pwd)"
RUNNER="${ROOT}/build/bin/berth_conformance"
WORK_DIR="${ROOT}/build/conformance"
JOBS=2
UPDATE=0
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runner) RUNNER="$2"; shift 2 ;;
    --work-dir) WORK_DIR="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --update) UPDATE=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run_conformance.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [[ ! -x "${RUNNER}" ]]; then
  echo "run_conformance.sh: no runner at ${RUNNER} (build berth_conformance, or pass --runner)" >&2
  exit 1
fi
mkdir -p "${WORK_DIR}"

# run_source NAME PASSING_LIST SUITE_DIR...
run_source() {
  local name="$1" list="$2"
  shift 2
  local args=("$@" --jobs "${JOBS}" --json "${WORK_DIR}/results_${name}.json")
  if [[ "${UPDATE}" == 1 ]]; then
    args+=(--write-passing-list "${list}")
  elif [[ -f "${list}" ]]; then
    args+=(--passing-list "${list}")
  fi
  echo "=== ${name}: $* ==="
  "${RUNNER}" "${args[@]}" "${EXTRA[@]}" > "${WORK_DIR}/log_${name}.txt" 2>&1
  local rc=$?
  # The per-case lines are in the log; show crashes, regressions and the summaries.
  grep -E '^(CRASH |!!!|REGRESSION|  [a-z-]+/[^ ]+: |suite |total:|no regressions|FAILED|wrote |warning: |[0-9]+ cases? pass)' \
    "${WORK_DIR}/log_${name}.txt"
  echo "(full log: ${WORK_DIR}/log_${name}.txt, exit ${rc})"
  return "${rc}"
}

status=0

DEBIAN_DATA=/usr/share/libonnx-testdata/data
if [[ -d "${DEBIAN_DATA}/node" ]]; then
  run_source debian "${HERE}/passing_debian.txt" \
    "${DEBIAN_DATA}/node" "${DEBIAN_DATA}/pytorch-converted" "${DEBIAN_DATA}/pytorch-operator" \
    "${DEBIAN_DATA}/simple" || status=1
else
  echo "skipping the Debian suites: ${DEBIAN_DATA} is missing (apt-get install libonnx-testdata)"
fi

PYTHON="${ROOT}/.venv/bin/python"
if [[ -x "${PYTHON}" ]]; then
  WHEEL_DATA="$("${PYTHON}" -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data"))')"
  ONNX_VERSION="$("${PYTHON}" -c 'import onnx; print(onnx.__version__)')"
  GENERATED="${WORK_DIR}/wheel-data-${ONNX_VERSION}"
  if [[ ! -f "${GENERATED}/.complete" ]]; then
    rm -rf "${GENERATED}"
    "${PYTHON}" "${HERE}/generate_wheel_data.py" "${GENERATED}" > "${WORK_DIR}/generate.log" 2>&1 \
      && touch "${GENERATED}/.complete"
    if [[ ! -f "${GENERATED}/.complete" ]]; then
      echo "run_conformance.sh: generating the wheel's node cases failed; see ${WORK_DIR}/generate.log" >&2
      tail -5 "${WORK_DIR}/generate.log" >&2
      exit 1
    fi
  fi
  run_source wheel "${HERE}/passing_wheel.txt" \
    "${GENERATED}/node" "${WHEEL_DATA}/pytorch-converted" "${WHEEL_DATA}/pytorch-operator" \
    "${WHEEL_DATA}/simple" "${GENERATED}/light" || status=1
else
  echo "skipping the wheel suites: no ${PYTHON} (run scripts/setup or create the venv)"
fi

exit "${status}"
