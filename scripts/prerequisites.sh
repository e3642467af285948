#!/usr/bin/env bash
# Debian packages a make target needs: installed when missing and we are root, named otherwise.
#   scripts/prerequisites.sh venv            python3's venv/ensurepip (make demo, make test)
#   scripts/prerequisites.sh venv tests      and what the tests run: git, openssl, unshare
set -euo pipefail
python=${PYTHON:-python3}
need=()
for what in "$@"; do
  case $what in
    venv) "$python" -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv) ;;
    tests)
      command -v git >/dev/null || need+=(git)
      command -v openssl >/dev/null || need+=(openssl)
      command -v unshare >/dev/null || need+=(util-linux) ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]} (apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing ${need[*]}" >&2
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
