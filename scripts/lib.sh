# Shared helpers for scripts/run and scripts/test. Sourced, not executed.

# Packages the build and the tests need (Debian 12).
UM_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev libsodium-dev prometheus-cpp-dev librocksdb-dev
  libgtest-dev libgmock-dev libbenchmark-dev libxxhash-dev
)
UM_TEST_PACKAGES=(clang-14 clang libclang-rt-14-dev clang-format-14 python3 curl
  python3-jsonschema python3-yaml)

um_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the given Debian packages when any is missing.
um_apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    um_log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# um_build PRESET [TARGET...]
um_build() {
  local preset=$1
  shift
  if [ ! -f "build/$preset/build.ninja" ]; then
    cmake --preset "$preset" >/dev/null
  fi
  if (($#)); then
    cmake --build --preset "$preset" --target "$@"
  else
    cmake --build --preset "$preset"
  fi
}
