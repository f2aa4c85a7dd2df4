#!/usr/bin/env bash
# Create the secret files compose.yaml expects under ./secrets/ (existing files are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
gen() { python3 -c "import secrets; print(secrets.token_urlsafe($1))"; }
[ -s secrets/secret_key ] || gen 50 >secrets/secret_key
[ -s secrets/db_password ] || gen 24 >secrets/db_password
[ -s secrets/netkeep_secret_keys ] || python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' >secrets/netkeep_secret_keys
if [ ! -s secrets/admin_password ]; then
  gen 12 >secrets/admin_password
  echo "First admin: ${NETKEEP_ADMIN_USER:-admin} / $(cat secrets/admin_password)  (you will be asked to change it)"
fi
echo "secrets in $(pwd)/secrets: $(ls secrets | tr '\n' ' ')"
