#!/usr/bin/env bash
# Installs the tools from outside Maven that tests run, from Debian packages, unless they are
# already on the PATH. Idempotent.
#   prometheus, promtool (package prometheus)        PrometheusDeployIT
#   docker-compose 1.29  (package docker-compose)    ComposeConfigIT (`docker-compose config` needs
#                                                    no Docker engine, so docker.io, only recommended,
#                                                    is not installed)
#   chromium             (package chromium)          BacktestReportBrowserTest (headless; its
#                                                    recommends, desktop extras, are not installed)
#
# The prometheus package ships a systemd unit and an init script that would start a server on
# :9090; the test starts its own server on a free port, so the system one must stay down.
# policy-rc.d exiting 101 tells invoke-rc.d (used by the package's maintainer scripts) not to
# start anything; we install one for the duration of the install when the machine does not
# already have it, and remove only what we created.
set -euo pipefail

packages=()
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  packages+=(prometheus)
fi
command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)

report() {
  echo "$(prometheus --version 2>&1 | head -n1); $(promtool --version 2>&1 | head -n1);" \
    "$(docker-compose version --short 2>&1 | sed 's/^/docker-compose /');" \
    "$(chromium --version 2>/dev/null | head -n1)" >&2
}

if ((${#packages[@]} == 0)); then
  echo "already installed: $(report 2>&1)" >&2
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# Temporary: keep services from starting during install-deploy-tools.sh\nexit 101\n' \
    | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  created_policy=true
fi
cleanup() {
  if [ "$created_policy" = true ]; then $SUDO rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"

# Belt and braces: where systemd does run, make sure the packaged service is not left up.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

echo "installed ${packages[*]}: $(report 2>&1)" >&2
