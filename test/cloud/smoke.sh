#!/bin/bash
# End-to-end check of the test cloud with plain curl: as `demo`, boot a server with networks "none" and
# user_data; wait for ACTIVE; read OS-EXT-SRV-ATTR:user_data as `admin` (microversion 2.3+); the
# reader and demo2 must not see it; delete it; wait until it is gone (404). Reads cloud.json.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
CJ=${FNSTACK_CLOUD_JSON:-/var/lib/fnstack-test-cloud/cloud.json}
PY=/usr/bin/python3
j() { $PY -c "import json,sys; d=json.load(open('$CJ')); print($1)"; }
t0=$(date +%s.%N)
el() { awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.2f", a-b}'; }

token() { # token KEY -> X-Subject-Token for the cloud.json user KEY (project scoped)
  local body
  body=$($PY -c "
import json; d=json.load(open('$CJ'))['$1']
print(json.dumps({'auth': {'identity': {'methods': ['password'], 'password': {'user': {
  'name': d['username'], 'password': d['password'], 'domain': {'name': d['user_domain_name']}}}},
  'scope': {'project': {'name': d['project_name'], 'domain': {'name': d['project_domain_name']}}}}}))")
  curl -sf -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "$(j "d['auth_url']")/auth/tokens" |
    awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r'
}
NOVA=$(j "d['endpoints']['compute']")
FLAVOR=$(j "d['flavors'][3]['id']") # fn.large, 2 GiB
IMAGE=$(j "d['image']['id']")
DEMO=$(token demo)
ADMIN=$(token admin)
READER=$(token demo_reader)
DEMO2=$(token demo2)
[ -n "$DEMO" ] && [ -n "$ADMIN" ] && [ -n "$READER" ] && [ -n "$DEMO2" ] || { echo "FAIL: could not get tokens"; exit 1; }
echo "tokens for demo, admin, demo-reader, demo2 ($(el)s)"

UD_PLAIN="fnstack smoke $(date +%s)"
UD=$(printf '%s' "$UD_PLAIN" | base64 -w0)
NAME="fnstack-smoke-$$"
H=(-H 'Content-Type: application/json' -H 'OpenStack-API-Version: compute 2.79')
resp=$(curl -s "${H[@]}" -H "X-Auth-Token: $DEMO" -w '\n%{http_code}' "$NOVA/servers" -d "{\"server\": {
  \"name\": \"$NAME\", \"flavorRef\": \"$FLAVOR\", \"imageRef\": \"$IMAGE\", \"networks\": \"none\",
  \"user_data\": \"$UD\", \"metadata\": {\"fnstack\": \"smoke\"}}}")
code=$(tail -1 <<<"$resp")
[ "$code" = 202 ] || { echo "FAIL: POST /servers -> $code: $(head -1 <<<"$resp")"; exit 1; }
SID=$(head -1 <<<"$resp" | $PY -c 'import json,sys; print(json.load(sys.stdin)["server"]["id"])')
t_post=$(el)
echo "POST /servers as demo -> 202, server $SID (${t_post}s)"

cleanup() { [ -n "${SID:-}" ] && curl -s -o /dev/null "${H[@]}" -H "X-Auth-Token: $ADMIN" -X DELETE "$NOVA/servers/$SID" || true; }
trap cleanup EXIT

status=""
for i in $(seq 1 120); do
  status=$(curl -s "${H[@]}" -H "X-Auth-Token: $DEMO" "$NOVA/servers/$SID" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["server"]["status"])' 2>/dev/null || echo "?")
  [ "$status" = ACTIVE ] || [ "$status" = ERROR ] && break
  sleep 0.25
done
if [ "$status" != ACTIVE ]; then
  echo "FAIL: server status $status"
  curl -s "${H[@]}" -H "X-Auth-Token: $ADMIN" "$NOVA/servers/$SID" | head -c 2000; echo
  exit 1
fi
echo "server ACTIVE $(awk -v a="$(el)" -v b="$t_post" 'BEGIN{printf "%.2f", a-b}')s after POST"

got=$(curl -s "${H[@]}" -H "X-Auth-Token: $ADMIN" "$NOVA/servers/$SID" |
  $PY -c 'import json,sys,base64; print(base64.b64decode(json.load(sys.stdin)["server"]["OS-EXT-SRV-ATTR:user_data"]).decode())')
[ "$got" = "$UD_PLAIN" ] || { echo "FAIL: admin read user_data '$got', expected '$UD_PLAIN'"; exit 1; }
echo "admin reads OS-EXT-SRV-ATTR:user_data (microversion 2.79): '$got'"
has=$(curl -s "${H[@]}" -H "X-Auth-Token: $DEMO" "$NOVA/servers/$SID" |
  $PY -c 'import json,sys; print("OS-EXT-SRV-ATTR:user_data" in json.load(sys.stdin)["server"])')
[ "$has" = False ] || { echo "FAIL: demo (member) sees user_data"; exit 1; }
rc=$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -H "X-Auth-Token: $READER" "$NOVA/servers/$SID")
[ "$rc" = 200 ] || { echo "FAIL: demo-reader GET server -> $rc"; exit 1; }
rc=$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -H "X-Auth-Token: $DEMO2" "$NOVA/servers/$SID")
[ "$rc" = 404 ] || { echo "FAIL: demo2 GET demo's server -> $rc (expected 404)"; exit 1; }
echo "demo does not see user_data; demo-reader sees the server (200); demo2 does not (404)"

t_del=$(el)
rc=$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -H "X-Auth-Token: $DEMO" -X DELETE "$NOVA/servers/$SID")
[ "$rc" = 204 ] || { echo "FAIL: DELETE -> $rc"; exit 1; }
for i in $(seq 1 120); do
  rc=$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -H "X-Auth-Token: $DEMO" "$NOVA/servers/$SID")
  [ "$rc" = 404 ] && break
  sleep 0.25
done
[ "$rc" = 404 ] || { echo "FAIL: server still there after delete ($rc)"; exit 1; }
SID=""
echo "DELETE -> 204, GET -> 404 $(awk -v a="$(el)" -v b="$t_del" 'BEGIN{printf "%.2f", a-b}')s later"
echo "smoke OK ($(el)s)"
