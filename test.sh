#!/usr/bin/env bash
# Runs the whole AgentPortal test suite: unit, HTTP, component and browser tests.
# Installs the Debian packages the tests need when they are missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")"

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
[ -x /usr/sbin/clickhouse-server ] || packages+=(clickhouse-server)
[ -x /usr/sbin/mariadbd ] || packages+=(mariadb-server)

if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${packages[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

dotnet test AgentPortal.Dashboard.sln "$@"
