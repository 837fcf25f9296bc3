#!/usr/bin/env bash
# Registers fnstack in the Keystone catalog: a service of type `function` and its public,
# internal and admin endpoints in one region (created when missing). Idempotent: an
# existing service is reused, an endpoint with another URL is updated, duplicates are
# removed. `--delete` removes the service's endpoints in that region, and the service
# once it has no endpoint left anywhere.
#
#   RegisterKeystone.sh --public-url URL [--internal-url URL] [--admin-url URL]
#                       [--service-name fnstack] [--service-type function]
#                       [--region RegionOne] [--settings FILE] [--delete]
#
# Credentials (a user with the admin role): OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
# OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME from the environment, else
# the FNSTACK_OS_* lines of --settings (the file DeployFnstack.sh gets). Needs curl and node.
set -euo pipefail

NAME=fnstack TYPE=function REGION="" PUBLIC="" INTERNAL="" ADMIN="" SETTINGS="" DELETE=0
DESCRIPTION="fnstack Function-as-a-Service"
log() { printf '%s RegisterKeystone: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --service-name) NAME=$2; shift 2 ;;
    --service-type) TYPE=$2; shift 2 ;;
    --region) REGION=$2; shift 2 ;;
    --public-url) PUBLIC=$2; shift 2 ;;
    --internal-url) INTERNAL=$2; shift 2 ;;
    --admin-url) ADMIN=$2; shift 2 ;;
    --description) DESCRIPTION=$2; shift 2 ;;
    --settings) SETTINGS=$2; shift 2 ;;
    --delete) DELETE=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
command -v curl >/dev/null || die "curl is required"
command -v node >/dev/null || die "node is required (DeployFnstack.sh installs it)"

setting() { # FNSTACK_* key from --settings, empty if absent
  [ -n "$SETTINGS" ] && [ -f "$SETTINGS" ] || return 0
  grep -m1 "^$1=" "$SETTINGS" | cut -d= -f2- || true
}
AUTH_URL=${OS_AUTH_URL:-$(setting FNSTACK_OS_AUTH_URL)}
USERNAME=${OS_USERNAME:-$(setting FNSTACK_OS_USERNAME)}
PASSWORD=${OS_PASSWORD:-$(setting FNSTACK_OS_PASSWORD)}
PROJECT=${OS_PROJECT_NAME:-$(setting FNSTACK_OS_PROJECT_NAME)}
USER_DOMAIN=${OS_USER_DOMAIN_NAME:-$(setting FNSTACK_OS_USER_DOMAIN_NAME)}
PROJECT_DOMAIN=${OS_PROJECT_DOMAIN_NAME:-$(setting FNSTACK_OS_PROJECT_DOMAIN_NAME)}
REGION=${REGION:-${OS_REGION_NAME:-$(setting FNSTACK_OS_REGION)}}
REGION=${REGION:-RegionOne}
for v in AUTH_URL USERNAME PASSWORD PROJECT; do [ -n "${!v}" ] || die "missing credential: $v"; done
[ "$DELETE" = 1 ] || [ -n "$PUBLIC" ] || die "--public-url is required"
INTERNAL=${INTERNAL:-$PUBLIC} ADMIN=${ADMIN:-$INTERNAL}
AUTH_URL=${AUTH_URL%/}

# json EXPR [ARGS...]: evaluates EXPR with `d` = JSON from stdin, `a` = ARGS; prints strings raw.
json() {
  node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8") || "null");
    const a = process.argv.slice(2);
    const r = new Function("d", "a", "return (" + process.argv[1] + ")")(d, a);
    if (r !== undefined && r !== null) process.stdout.write(typeof r === "string" ? r : JSON.stringify(r));
  ' "$@"
}

# ---- token -------------------------------------------------------------------------------
body=$(json '({auth: {identity: {methods: ["password"], password: {user: {name: a[0], password: a[1], domain: {name: a[2]}}}},
               scope: {project: {name: a[3], domain: {name: a[4]}}}}})' \
        "$USERNAME" "$PASSWORD" "${USER_DOMAIN:-Default}" "$PROJECT" "${PROJECT_DOMAIN:-Default}" <<<'null')
hdrs=$(mktemp)
trap 'rm -f "$hdrs"' EXIT
code=$(curl -sS -o /dev/null -D "$hdrs" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "$body" "$AUTH_URL/auth/tokens") || die "Keystone $AUTH_URL is not reachable"
[ "$code" = 201 ] || die "Keystone login as $USERNAME failed: HTTP $code"
TOKEN=$(grep -i '^x-subject-token:' "$hdrs" | cut -d' ' -f2 | tr -d '\r\n')

# api METHOD PATH [BODY]: prints the response body; fails on a status >= 400 except 404
api() {
  local out code
  out=$(mktemp)
  code=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H "X-Auth-Token: $TOKEN" \
    -H 'Content-Type: application/json' ${3:+-d "$3"} "$AUTH_URL$2") || { rm -f "$out"; die "$1 $2: no answer"; }
  if [ "$code" -ge 400 ] && [ "$code" != 404 ]; then
    log "$1 $2 -> HTTP $code: $(head -c 300 "$out")"; rm -f "$out"; return 1
  fi
  cat "$out"; rm -f "$out"
}
enc() { node -p 'encodeURIComponent(process.argv[1])' "$1"; }

service_id=$(api GET "/services?type=$(enc "$TYPE")" | json 'd.services.filter(s => s.name === a[0]).map(s => s.id).sort()[0]' "$NAME")

if [ "$DELETE" = 1 ]; then
  [ -n "$service_id" ] || { log "no service $NAME ($TYPE): nothing to delete"; exit 0; }
  for id in $(api GET "/endpoints?service_id=$service_id&region_id=$(enc "$REGION")" | json 'd.endpoints.map(e => e.id).join(" ")'); do
    api DELETE "/endpoints/$id" >/dev/null; log "deleted endpoint $id"
  done
  left=$(api GET "/endpoints?service_id=$service_id" | json 'd.endpoints.length')
  if [ "$left" = 0 ]; then api DELETE "/services/$service_id" >/dev/null; log "deleted service $service_id"; fi
  echo "unregistered $NAME ($TYPE) in $REGION"
  exit 0
fi

if [ -z "$service_id" ]; then
  service_id=$(api POST /services "$(json '({service: {name: a[0], type: a[1], description: a[2], enabled: true}})' \
    "$NAME" "$TYPE" "$DESCRIPTION" <<<'null')" | json 'd.service.id')
  log "created service $NAME ($TYPE): $service_id"
else
  log "service $NAME ($TYPE) exists: $service_id"
fi

if [ -z "$(api GET "/regions/$(enc "$REGION")" | json 'd && d.region && d.region.id')" ]; then
  api POST /regions "$(json '({region: {id: a[0]}})' "$REGION" <<<'null')" >/dev/null
  log "created region $REGION"
fi

for pair in "public $PUBLIC" "internal $INTERNAL" "admin $ADMIN"; do
  iface=${pair%% *} url=${pair#* }
  ids=$(api GET "/endpoints?service_id=$service_id&interface=$iface&region_id=$(enc "$REGION")" \
        | json 'd.endpoints.map(e => e.id + "=" + e.url).sort().join("\n")')
  first=${ids%%$'\n'*}
  if [ -z "$ids" ]; then
    id=$(api POST /endpoints "$(json '({endpoint: {service_id: a[0], interface: a[1], region_id: a[2], url: a[3], enabled: true}})' \
      "$service_id" "$iface" "$REGION" "$url" <<<'null')" | json 'd.endpoint.id')
    log "created $iface endpoint $id: $url"
  else
    id=${first%%=*}
    if [ "${first#*=}" != "$url" ]; then
      api PATCH "/endpoints/$id" "$(json '({endpoint: {url: a[0]}})' "$url" <<<'null')" >/dev/null
      log "updated $iface endpoint $id: $url"
    else
      log "$iface endpoint $id is up to date"
    fi
    while IFS= read -r extra; do
      if [ -z "$extra" ] || [ "$extra" = "$first" ]; then continue; fi
      api DELETE "/endpoints/${extra%%=*}" >/dev/null; log "deleted duplicate $iface endpoint ${extra%%=*}"
    done <<<"$ids"
  fi
done
echo "registered $NAME ($TYPE) in $REGION: service $service_id"
