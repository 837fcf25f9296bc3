#!/usr/bin/python3
"""Idempotent creation of the test cloud's Keystone entities and Nova/Glance resources.

Run by setup.sh with Debian's /usr/bin/python3 (never a pyenv python) and the secrets in the environment:
  cloud.py identity   -> projects, users, role assignments, services, endpoints
  cloud.py resources  -> compute host up + mapped, flavors, image, then writes cloud.json
Progress lines go to stdout (setup.sh timestamps them); details/tracebacks to stderr.
"""
import calendar
import json
import os
import subprocess
import sys
import tempfile
import time

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3 as ksa_v3
from keystoneclient.v3 import client as ks_client

AUTH_URL = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"
STATE_DIR = "/var/lib/fnstack-test-cloud"
CLOUD_JSON = os.path.join(STATE_DIR, "cloud.json")
NOVA_HOST = "fnstack-cloud"
E = os.environ
WITH_MURANO = E.get("WITH_MURANO") == "1"
WITH_HORIZON = E.get("WITH_HORIZON") == "1"
WITH_HEAT = E.get("WITH_HEAT") == "1"

ENDPOINTS = {  # service type -> (service name, url)
    "identity": ("keystone", "http://127.0.0.1:5000/v3/"),
    "placement": ("placement", "http://127.0.0.1:8778"),
    "image": ("glance", "http://127.0.0.1:9292"),
    "network": ("neutron", "http://127.0.0.1:9696"),
    "compute": ("nova", "http://127.0.0.1:8774/v2.1"),
    "function": ("fnstack", "http://127.0.0.1:7700"),
}
if WITH_MURANO:
    ENDPOINTS["application-catalog"] = ("murano", "http://127.0.0.1:8082")
if WITH_HEAT:
    ENDPOINTS["orchestration"] = ("heat", "http://127.0.0.1:8004/v1/%(tenant_id)s")

SERVICE_USERS = (["nova", "glance", "placement", "neutron"] + (["murano"] if WITH_MURANO else [])
                 + (["heat"] if WITH_HEAT else []))
# Heat's stack domain: wait condition handles and software deployments get users there
HEAT_DOMAIN = "heat"
HEAT_DOMAIN_ADMIN = "heat_domain_admin"

FLAVORS = [  # name, id, ram MiB, vcpus, disk GiB
    ("fn.tiny", "fn.tiny", 256, 1, 1),
    ("fn.small", "fn.small", 512, 1, 2),
    ("fn.medium", "fn.medium", 1024, 1, 5),
    ("fn.large", "fn.large", 2048, 2, 10),
    ("fn.xlarge", "fn.xlarge", 4096, 4, 20),
]
IMAGE_NAME = "fnstack-nodejs20"
IMAGE_PROPS = {"fnstack_runtime": "nodejs20"}
IMAGE_SIZE = 1024 * 1024  # 1 MiB of zeros, raw


def say(msg):
    print(msg, flush=True)


def creds(user, password, project):
    return {
        "username": user,
        "password": password,
        "project_name": project,
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }


def users_spec():
    """(cloud.json key, username, password, project, [roles on project])"""
    return [
        ("admin", "admin", E["ADMIN_PASS"], "admin", ["admin"]),
        ("demo", "demo", E["DEMO_PASS"], "demo", ["member"]),
        ("demo2", "demo2", E["DEMO2_PASS"], "demo2", ["member"]),
        ("demo_reader", "demo-reader", E["READER_PASS"], "demo", ["reader"]),
        ("fnstack_service", "fnstack", E["FNSTACK_PASS"], "service", ["admin", "service"]),
    ] + ([
        # the Murano/Heat deploy tests' own tenant: stacks, servers and ports they can count
        ("deploy", "deploy", E["DEMO_PASS"], "deploy", ["member"]),
    ] if WITH_HEAT else []) + [(None, u, E["SERVICE_PASS"], "service", ["admin", "service"]) for u in SERVICE_USERS]


def session_for(user, password, project):
    auth = ksa_v3.Password(auth_url=AUTH_URL, **creds(user, password, project))
    return ksa_session.Session(auth=auth, timeout=60)


def admin_session():
    return session_for("admin", E["ADMIN_PASS"], "admin")


def can_login(user, password, project):
    try:
        session_for(user, password, project).get_token()
        return True
    except ksa_exc.Unauthorized:
        return False


# ------------------------------------------------------------------ identity
def identity():
    sess = admin_session()
    ks = ks_client.Client(session=sess, interface="public", region_name=REGION)
    dom = ks.domains.get("default")

    projects = {p.name: p for p in ks.projects.list(domain=dom)}
    for name, desc in [("service", "OpenStack service users"), ("demo", "fnstack test tenant"),
                       ("demo2", "fnstack second test tenant (isolation tests)")] + (
                          [("deploy", "Murano/Heat deploy tests")] if WITH_HEAT else []):
        if name not in projects:
            projects[name] = ks.projects.create(name=name, domain=dom, description=desc)
            say(f"created project {name}")

    roles = {r.name: r for r in ks.roles.list()}
    for name in ("admin", "member", "reader", "service") + (("heat_stack_user",) if WITH_HEAT else ()):
        if name not in roles:
            roles[name] = ks.roles.create(name=name)
            say(f"created role {name}")

    users = {u.name: u for u in ks.users.list(domain=dom)}
    for _key, uname, pw, proj, rnames in users_spec():
        u = users.get(uname)
        if u is None:
            u = ks.users.create(name=uname, domain=dom, password=pw, default_project=projects[proj],
                                enabled=True)
            users[uname] = u
            say(f"created user {uname}")
        have = {a.role["id"] for a in ks.role_assignments.list(user=u, project=projects[proj])}
        for rn in rnames:
            if roles[rn].id not in have:
                ks.roles.grant(roles[rn], user=u, project=projects[proj])
                say(f"granted {rn} to {uname} on {proj}")
        if uname != "admin" and not can_login(uname, pw, proj):
            ks.users.update(u, password=pw, enabled=True)
            say(f"reset password of {uname}")

    if WITH_HEAT:
        heat_domain()

    services = {}
    for s in ks.services.list():
        services.setdefault(s.type, s)
    endpoints = ks.endpoints.list()
    for stype, (sname, url) in ENDPOINTS.items():
        svc = services.get(stype)
        if svc is None:
            svc = ks.services.create(name=sname, type=stype, description=f"{sname} ({stype})", enabled=True)
            say(f"created service {sname} ({stype})")
        for iface in ("public", "internal", "admin"):
            mine = [e for e in endpoints if e.service_id == svc.id and e.interface == iface]
            if not mine:
                ks.endpoints.create(service=svc, url=url, interface=iface, region=REGION)
                say(f"created {iface} endpoint {stype} {url}")
            else:
                for e in mine:
                    if e.url.rstrip("/") != url.rstrip("/") or getattr(e, "region_id", REGION) != REGION:
                        ks.endpoints.update(e, url=url, region=REGION)
                        say(f"updated {iface} endpoint {stype} {url}")
    if not WITH_HEAT and "orchestration" in services:
        ks.services.delete(services["orchestration"])
        say("removed the orchestration (heat) service: heat-api is not run")
    if not WITH_MURANO and "application-catalog" in services:
        ks.services.delete(services["application-catalog"])  # its endpoints go with it
        say("removed the application-catalog (murano) service: murano-api is not run")
    say(f"identity ok: {len(projects)} projects, {len(users_spec())} users, {len(ENDPOINTS)} services")


def heat_domain():
    """domain `heat` and its admin (heat.conf stack_domain_admin), admin on that domain"""
    sess = admin_session()
    ks = ks_client.Client(session=sess, interface="public", region_name=REGION)
    found = ks.domains.list(name=HEAT_DOMAIN)
    dom = found[0] if found else ks.domains.create(name=HEAT_DOMAIN, description="Heat stack users")
    users = ks.users.list(domain=dom, name=HEAT_DOMAIN_ADMIN)
    u = users[0] if users else ks.users.create(name=HEAT_DOMAIN_ADMIN, domain=dom, password=E["SERVICE_PASS"])
    admin = [r for r in ks.roles.list() if r.name == "admin"][0]
    if not list(ks.role_assignments.list(user=u, domain=dom, role=admin)):
        ks.roles.grant(admin, user=u, domain=dom)
    ks.users.update(u, password=E["SERVICE_PASS"], enabled=True)
    say(f"heat stack domain {HEAT_DOMAIN} with {HEAT_DOMAIN_ADMIN}")


# ------------------------------------------------------------------ resources
def wait(what, fn, timeout, interval=1.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            r = fn()
            if r:
                return r
        except Exception as e:  # noqa: BLE001 - retried until timeout
            last = e
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last!r})" if last else ""))


def nova(sess, method, path, **kw):
    kw.setdefault("headers", {})["OpenStack-API-Version"] = "compute 2.79"
    kw.setdefault("raise_exc", True)
    return sess.request(path, method, endpoint_filter={"service_type": "compute", "interface": "public",
                                                       "region_name": REGION}, **kw)


def glance(sess, method, path, **kw):
    kw.setdefault("raise_exc", True)
    return sess.request(path, method, endpoint_filter={"service_type": "image", "interface": "public",
                                                       "region_name": REGION}, **kw)


def host_mapped():
    out = subprocess.run(["mysql", "--protocol=tcp", "-h127.0.0.1", "-uroot", "-N", "-e",
                          f"SELECT COUNT(*) FROM nova_api.host_mappings WHERE host='{NOVA_HOST}'"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return out == "1"


def started_at(name):
    """epoch at which setup.sh last started daemon NAME (0 if unknown)"""
    try:
        with open(os.path.join(STATE_DIR, "stamps", f"started-{name}")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 0


def compute_ready(sess):
    svcs = nova(sess, "GET", "/os-services").json()["services"]
    want = {"nova-conductor", "nova-scheduler", "nova-compute"}
    up = set()
    for s in svcs:
        if s["state"] != "up" or s["status"] != "enabled" or s["host"] != NOVA_HOST or s["binary"] not in want:
            continue
        # a service killed < 60 s ago still looks 'up': require a heartbeat from the process we started
        beat = calendar.timegm(time.strptime(s["updated_at"][:19], "%Y-%m-%dT%H:%M:%S")) if s["updated_at"] else 0
        if beat + 1 >= started_at(s["binary"]):
            up.add(s["binary"])
    missing = want - up
    if missing:
        return None
    return True


def resources():
    sess = admin_session()
    t0 = time.time()
    wait("nova-conductor, nova-scheduler and nova-compute to report 'up'", lambda: compute_ready(sess), 120)
    if not host_mapped():
        say("mapping the compute host (nova-manage cell_v2 discover_hosts)")
        subprocess.run(["su", "-s", "/bin/sh", "nova", "-c", "nova-manage cell_v2 discover_hosts --verbose"],
                       check=True, stdout=sys.stderr, stderr=sys.stderr)
    hyp = wait("an 'up' hypervisor", lambda: [
        h for h in nova(sess, "GET", "/os-hypervisors/detail").json()["hypervisors"]
        if h["state"] == "up" and h["status"] == "enabled"], 120)[0]
    say(f"compute ready: hypervisor {hyp['hypervisor_hostname']} up ({time.time() - t0:.1f}s)")

    # placement must know the node's inventory before the first boot can be scheduled
    def inventory():
        r = sess.get("/resource_providers", endpoint_filter={"service_type": "placement"},
                     headers={"OpenStack-API-Version": "placement 1.14"}).json()["resource_providers"]
        if not r:
            return None
        inv = sess.get(f"/resource_providers/{r[0]['uuid']}/inventories",
                       endpoint_filter={"service_type": "placement"}).json()["inventories"]
        return inv if "MEMORY_MB" in inv else None
    inv = wait("placement inventory of the compute node", inventory, 90)
    say("placement inventory: " + ", ".join(f"{k}={v['total']}" for k, v in sorted(inv.items())))

    # flavors (public)
    existing = {f["id"]: f for f in nova(sess, "GET", "/flavors/detail?is_public=None").json()["flavors"]}
    flavors = []
    for name, fid, ram, vcpus, disk in FLAVORS:
        f = existing.get(fid)
        if f and (f["name"], f["ram"], f["vcpus"], f["disk"], f["os-flavor-access:is_public"]) != (name, ram, vcpus, disk, True):
            nova(sess, "DELETE", f"/flavors/{fid}")
            say(f"deleted flavor {fid} with wrong specs")
            f = None
        if not f:
            nova(sess, "POST", "/flavors", json={"flavor": {
                "name": name, "id": fid, "ram": ram, "vcpus": vcpus, "disk": disk,
                "os-flavor-access:is_public": True}})
            say(f"created flavor {name}")
        flavors.append({"name": name, "id": fid, "ram": ram, "vcpus": vcpus, "disk": disk})

    # quotas: the suites run side by side, each booting servers; Nova's default of 10 instances is too few
    for pname in ("service", "demo", "demo2") + (("deploy",) if WITH_HEAT else ()):
        found = sess.get(f"/projects?name={pname}", endpoint_filter={"service_type": "identity", "interface": "public"}).json()["projects"]
        if found:
            nova(sess, "PUT", f"/os-quota-sets/{found[0]['id']}", json={"quota_set": {"instances": 200, "cores": 800, "ram": 800 * 1024}})
    say("quotas: 200 instances, 800 cores, 800 GiB RAM for service, demo, demo2")

    # image
    imgs = glance(sess, "GET", f"/v2/images?name={IMAGE_NAME}").json()["images"]
    active = [i for i in imgs if i["status"] == "active" and i.get("visibility") == "public"
              and all(i.get(k) == v for k, v in IMAGE_PROPS.items())]
    for i in imgs:
        if i not in active[:1]:
            glance(sess, "DELETE", f"/v2/images/{i['id']}")
            say(f"deleted stale image {i['id']} ({i['status']})")
    if active:
        image = active[0]
    else:
        body = {"name": IMAGE_NAME, "disk_format": "raw", "container_format": "bare",
                "visibility": "public", "min_disk": 0, "min_ram": 0}
        body.update(IMAGE_PROPS)
        image = glance(sess, "POST", "/v2/images", json=body).json()
        glance(sess, "PUT", f"/v2/images/{image['id']}/file", data=b"\0" * IMAGE_SIZE,
               headers={"Content-Type": "application/octet-stream"})
        image = wait("image to become active",
                     lambda: (lambda i: i if i["status"] == "active" else None)(
                         glance(sess, "GET", f"/v2/images/{image['id']}").json()), 60, 0.5)
        say(f"uploaded image {IMAGE_NAME} {image['id']}")

    # ids
    ks = ks_client.Client(session=sess, interface="public", region_name=REGION)
    pids = {p.name: p.id for p in ks.projects.list(domain="default")}
    uids = {u.name: u.id for u in ks.users.list(domain="default")}
    versions = nova(sess, "GET", "/").json()["version"]

    rabbit_pw = E["RABBIT_PASS"]
    doc = {
        "schema_version": 1,
        "auth_url": AUTH_URL,
        "region": REGION,
        "identity_api_version": 3,
        "interface": "public",
    }
    for key, uname, pw, proj, rnames in users_spec():
        if key:
            doc[key] = dict(creds(uname, pw, proj), roles=rnames)
    doc["project_ids"] = {k: pids[k] for k in ("admin", "demo", "demo2", "service") + (("deploy",) if WITH_HEAT else ())}
    doc["user_ids"] = {k: uids[k] for k in ("admin", "demo", "demo2", "demo-reader", "fnstack")}
    doc["flavors"] = flavors
    doc["image"] = {"id": image["id"], "name": IMAGE_NAME, "disk_format": "raw", "container_format": "bare",
                    "size": image.get("size"), "properties": IMAGE_PROPS}
    doc["rabbit"] = {
        "url": f"amqp://openstack:{rabbit_pw}@127.0.0.1:5672/%2Fopenstack",
        "transport_url": f"rabbit://openstack:{rabbit_pw}@127.0.0.1:5672/%2Fopenstack",
        "host": "127.0.0.1", "port": 5672, "username": "openstack", "password": rabbit_pw, "vhost": "/openstack",
    }
    doc["endpoints"] = {t: u.rstrip("/") for t, (_n, u) in ENDPOINTS.items()}
    doc["notifications"] = {
        "nova": {"exchange": "nova", "routing_key": "versioned_notifications.info",
                 "error_routing_key": "versioned_notifications.error", "format": "versioned",
                 "notify_on_state_change": "vm_and_task_state"},
        "glance": {"exchange": "glance", "routing_key": "notifications.info",
                   "error_routing_key": "notifications.error", "format": "messagingv2 (unversioned)"},
    }
    doc["compute"] = {
        "host": NOVA_HOST, "hypervisor_hostname": hyp["hypervisor_hostname"], "virt_driver": "fake.FakeDriver",
        "min_version": versions["min_version"], "max_version": versions["version"],
        "user_data_min_microversion": "2.3", "network_for_servers": "none",
    }
    if WITH_HORIZON:
        doc["horizon"] = {"url": "http://127.0.0.1:8080/", "login_url": "http://127.0.0.1:8080/auth/login/"}
    if WITH_MURANO:
        doc["murano"] = {"url": "http://127.0.0.1:8082"}
    if WITH_HEAT:
        doc["heat"] = {"url": "http://127.0.0.1:8004", "murano_engine": WITH_MURANO}
    changed = write_json(doc)
    say(f"cloud.json {'written' if changed else 'unchanged'}: {len(flavors)} flavors, image {image['id']}")


def write_json(doc):
    data = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    try:
        with open(CLOUD_JSON) as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=STATE_DIR, prefix=".cloud.json.")
    with os.fdopen(fd, "w") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, CLOUD_JSON)
    return True


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "identity":
        identity()
    elif cmd == "resources":
        resources()
    else:
        sys.exit(__doc__)
