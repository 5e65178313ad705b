#!/usr/bin/env bash
# Compiles and lints the infrastructure, then tests the compiled ARM template.
#
#   npm run infra:check        (or: bash infra/check.sh)
#
# 1. Finds a Bicep CLI: $BICEP, else `bicep` on PATH, else the one `az bicep install` puts in
#    ~/.azure/bin, else (Linux) restores the NuGet package Azure.Bicep.CommandLine.<rid>
#    with `dotnet` into infra/.bicep/ (gitignored) and uses the self-contained binary in it.
# 2. bicep build infra/main.bicep -> infra/build/main.json, and build-params for every
#    infra/parameters/*.bicepparam -> infra/build/<name>.parameters.json.
# 3. bicep lint on the template and the parameter files: any diagnostic fails the check
#    (infra/bicepconfig.json raises every linter rule to at least a warning).
# 4. vitest over the compiled JSON (tests/infra, its own config; the root suite excludes it).
#
# Idempotent, non-interactive (CI=true, no stdin), and offline once the package is cached.
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

infra_dir="infra"
cache_dir="$infra_dir/.bicep"
build_dir="$infra_dir/build"

say() { printf '==> %s\n' "$*"; }
fail() { printf 'infra:check: %s\n' "$*" >&2; exit 1; }

# --- 1. Bicep CLI ---------------------------------------------------------------------------

nuget_rid() {
  local os arch
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os" in
    Linux) ;;
    *) return 1 ;;
  esac
  case "$arch" in
    x86_64 | amd64) echo "linux-x64" ;;
    aarch64 | arm64) echo "linux-arm64" ;;
    *) return 1 ;;
  esac
}

restore_bicep() {
  local rid="$1"
  local package="Azure.Bicep.CommandLine.$rid"
  local package_lower
  package_lower="$(printf '%s' "$package" | tr '[:upper:]' '[:lower:]')"
  local binary="$cache_dir/packages/$package_lower/$BICEP_VERSION/tools/bicep"

  if [[ -x "$binary" ]]; then
    echo "$binary"
    return 0
  fi

  command -v dotnet >/dev/null 2>&1 ||
    fail "no bicep on PATH and no dotnet to restore $package with. Install the Bicep CLI (az bicep install) or the .NET SDK."

  local sdk_major
  sdk_major="$(dotnet --version | cut -d. -f1)"
  [[ "$sdk_major" =~ ^[0-9]+$ ]] || fail "cannot read the .NET SDK version from 'dotnet --version'"

  say "restoring $package $BICEP_VERSION with dotnet $(dotnet --version) into $cache_dir (first run only)" >&2
  mkdir -p "$cache_dir/restore" "$cache_dir/packages"
  # A throwaway project whose only job is to download the package.
  cat >"$cache_dir/restore/bicep-cli.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$sdk_major.0</TargetFramework>
    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
    <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    dotnet restore "$cache_dir/restore/bicep-cli.csproj" \
    --packages "$cache_dir/packages" --nologo --verbosity quiet >&2 ||
    fail "dotnet restore of $package $BICEP_VERSION failed"

  [[ -f "$binary" ]] || fail "restored $package but found no bicep binary at $binary"
  chmod +x "$binary"
  echo "$binary"
}

find_bicep() {
  if [[ -n "${BICEP:-}" ]]; then
    [[ -x "$BICEP" ]] || fail "BICEP=$BICEP is not an executable"
    echo "$BICEP"
  elif command -v bicep >/dev/null 2>&1; then
    command -v bicep
  elif [[ -x "$HOME/.azure/bin/bicep" ]]; then
    echo "$HOME/.azure/bin/bicep"
  else
    local rid
    if rid="$(nuget_rid)"; then
      restore_bicep "$rid"
    else
      fail "no Bicep CLI found on $(uname -s)/$(uname -m). Install it with 'az bicep install' (it goes to ~/.azure/bin) or put 'bicep' on PATH, or set BICEP=/path/to/bicep, then run again."
    fi
  fi
}

say "finding the Bicep CLI"
bicep="$(find_bicep)"
bicep_version="$("$bicep" --version)"
say "using $bicep ($bicep_version)"
case "$bicep_version" in
  *"$BICEP_VERSION"*) ;;
  *) say "note: the check is pinned to Bicep $BICEP_VERSION; this one may lint differently" ;;
esac

# Runs a bicep command and fails on a non-zero exit or on any diagnostic it prints.
run_bicep() {
  local label="$1"
  shift
  local output status=0
  output="$("$bicep" "$@" 2>&1)" || status=$?
  if [[ $status -ne 0 || -n "$output" ]]; then
    [[ -n "$output" ]] && printf '%s\n' "$output" >&2
    fail "$label: bicep reported diagnostics (exit $status); the check allows none"
  fi
}

# --- 2. Build ------------------------------------------------------------------------------

rm -rf "$build_dir"
mkdir -p "$build_dir"

say "bicep build $infra_dir/main.bicep -> $build_dir/main.json"
run_bicep "build main.bicep" build "$infra_dir/main.bicep" --outfile "$build_dir/main.json"

shopt -s nullglob
param_files=("$infra_dir"/parameters/*.bicepparam)
shopt -u nullglob
[[ ${#param_files[@]} -gt 0 ]] || fail "no parameter files in $infra_dir/parameters"

# The parameter files read DEPLOYER_PRINCIPAL_ID from the environment: build them without it
# (as CI does), and dev once more with a sample id to test that path.
for param_file in "${param_files[@]}"; do
  name="$(basename "$param_file" .bicepparam)"
  say "bicep build-params $param_file -> $build_dir/$name.parameters.json"
  (
    unset DEPLOYER_PRINCIPAL_ID
    run_bicep "build-params $param_file" build-params "$param_file" --outfile "$build_dir/$name.parameters.json"
  )
done
say "bicep build-params $infra_dir/parameters/dev.bicepparam with DEPLOYER_PRINCIPAL_ID -> $build_dir/dev.with-deployer.parameters.json"
DEPLOYER_PRINCIPAL_ID="11111111-1111-4111-8111-111111111111" \
  run_bicep "build-params dev.bicepparam (deployer)" build-params "$infra_dir/parameters/dev.bicepparam" \
  --outfile "$build_dir/dev.with-deployer.parameters.json"

# --- 3. Lint -------------------------------------------------------------------------------

say "bicep lint $infra_dir/main.bicep (and its modules)"
run_bicep "lint main.bicep" lint "$infra_dir/main.bicep"
for param_file in "${param_files[@]}"; do
  say "bicep lint $param_file"
  run_bicep "lint $param_file" lint "$param_file"
done
say "lint: no warnings, no errors"

# --- 4. Tests over the compiled template ---------------------------------------------------

say "vitest over $build_dir (tests/infra)"
npx --no-install vitest run --config tests/infra/vitest.config.ts

say "infra:check passed"
