# Shared helpers for scripts/run and scripts/test. Sourced, not executed.

# Packages the build and the tests need (Debian 12).
UM_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3
  libboost1.81-dev libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev libsodium-dev prometheus-cpp-dev librocksdb-dev
  libgtest-dev libgmock-dev libbenchmark-dev libxxhash-dev
  librdkafka-dev libpq-dev libcurl4-openssl-dev
)
UM_TEST_PACKAGES=(clang-14 clang libclang-rt-14-dev clang-format-14 python3 curl
  python3-jsonschema python3-yaml chromium postgresql clickhouse-server clickhouse-client)

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

# The dashboard (web/) needs Node.js >= 20.19 with npm; machines of this kind
# have Node 20 preinstalled (Debian 12's own nodejs 18 is too old for Vite).
um_require_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "Node.js >= 20.19 and npm are needed to build the dashboard (web/); install Node 20 or newer." >&2
    exit 1
  fi
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "Node.js $(node --version) is too old for the dashboard (web/): it needs >= 20.19." >&2
    exit 1
  fi
}

# Installs the dashboard's npm packages from the lock file when they are
# missing or older than the lock file.
um_web_install() {
  um_require_node
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    um_log "installing the dashboard's npm packages (npm ci)"
    npm --prefix web ci --no-audit --no-fund
  fi
}

# Builds the dashboard into web/build (served by `unmogrowp serve` at /).
um_web_build() {
  um_web_install
  um_log "building the dashboard (web/build)"
  npm --prefix web run --silent build
}
