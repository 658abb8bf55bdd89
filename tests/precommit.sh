#!/usr/bin/env bash
# The pre-commit hooks in .pre-commit-hooks.yaml, run the way a user runs them:
# `pre-commit try-repo <this repo> guardrails-system --all-files` in throwaway git repos,
# with the debug binary on PATH. The vulnerable sample must fail the hook, the safe
# sample must pass, and a commit touching no template or Python file must pass.
#
#   bash tests/precommit.sh          # the language: system hook (fast; what CI runs)
#   bash tests/precommit.sh --rust   # also the language: rust hook (cargo installs a release build: slow)
#
# pre-commit is pip-installed into .tools/venv when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

PRE_COMMIT_VERSION=4.7.0
run_rust=0
[ "${1:-}" = "--rust" ] && run_rust=1

pre_commit="$root/.tools/venv/bin/pre-commit"
if [ ! -x "$pre_commit" ]; then
  python3 -m venv "$root/.tools/venv"
  "$root/.tools/venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION"
fi
"$pre_commit" --version

bin="${GUARDRAILS_BIN:-${CARGO_TARGET_DIR:-target}/debug/guardrails}"
if [ ! -x "$bin" ]; then
  cargo build --locked --quiet
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

work="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$bin" "$work/bin/guardrails"
export PATH="$work/bin:$PATH"
export PRE_COMMIT_HOME="$root/.tools/pre-commit-cache"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git_id=(-c user.name=guardrails-test -c user.email=test@example.invalid -c init.defaultBranch=main)

# try-repo clones HEAD plus *tracked* uncommitted changes (git add -u) and staged files;
# untracked files are invisible to it. Snapshot what a commit would contain (tracked and
# untracked, minus ignored) into a repo of its own, so the hooks are tested as they are now.
hooks_repo="$work/hooks-repo"
mkdir -p "$hooks_repo"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    [ -e "$f" ] || continue   # deleted but still in the index
    mkdir -p "$hooks_repo/$(dirname "$f")"
    cp -p "$f" "$hooks_repo/$f"
  done
git "${git_id[@]}" -C "$hooks_repo" init -q
git "${git_id[@]}" -C "$hooks_repo" add -A
git "${git_id[@]}" -C "$hooks_repo" commit -q -m snapshot

# A throwaway project: $1 = vulnerable | safe | none.
make_project() {
  local dir="$work/project-$1"
  mkdir -p "$dir"
  case "$1" in
    vulnerable)
      mkdir -p "$dir/templates" "$dir/functions/vulnerable"
      cp testdata/templates/vulnerable-sam.yaml "$dir/templates/"
      cp testdata/functions/vulnerable/app.py "$dir/functions/vulnerable/"
      ;;
    safe)
      mkdir -p "$dir/templates" "$dir/functions/safe"
      cp testdata/templates/app-sam.yaml "$dir/templates/"
      cp testdata/functions/safe/app.py "$dir/functions/safe/"
      ;;
  esac
  # Files the hook must ignore: YAML/JSON that is not CloudFormation, and other files.
  printf 'name: not-cloudformation\nsteps: [build]\n' > "$dir/config.yaml"
  printf '{"name": "web", "private": true}\n' > "$dir/package.json"
  printf '# project\n' > "$dir/README.md"
  git "${git_id[@]}" -C "$dir" init -q
  git "${git_id[@]}" -C "$dir" add -A
  echo "$dir"
}

fails=0
# expect HOOK PROJECT WANT(pass|fail) PATTERN...
expect() {
  local hook="$1" project="$2" want="$3"
  shift 3
  local dir log status=0
  dir="$(make_project "$project")"
  log="$work/$hook-$project.log"
  (cd "$dir" && "$pre_commit" try-repo "$hooks_repo" "$hook" --all-files --verbose) >"$log" 2>&1 || status=$?
  local got=pass
  [ "$status" -ne 0 ] && got=fail
  local ok=1
  [ "$got" = "$want" ] || ok=0
  for pattern in "$@"; do
    grep -q -- "$pattern" "$log" || { ok=0; echo "  missing in output: $pattern"; }
  done
  if [ "$ok" = 1 ]; then
    echo "ok: $hook on $project sample: $got"
  else
    echo "FAILED: $hook on $project sample: wanted $want, got $got (exit $status)"
    sed 's/^/  | /' "$log"
    fails=$((fails + 1))
  fi
}

expect guardrails-system vulnerable fail \
  "CODE001" "ENV001" "templates/vulnerable-sam.yaml:" "functions/vulnerable/app.py:" "FAILED (fail-on HIGH)"
expect guardrails-system safe pass "PASSED"
# No template or Python file among the matched files: nothing to scan, and no fallback to
# scanning the whole directory.
expect guardrails-system none pass "0 findings"

if [ "$run_rust" = 1 ]; then
  expect guardrails vulnerable fail "CODE001" "FAILED (fail-on HIGH)"
  expect guardrails safe pass "PASSED"
fi

passed=$((3 + 2 * run_rust - fails))
echo "pre-commit hooks: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
