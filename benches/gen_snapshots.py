#!/usr/bin/env python3
"""Seeded generator of synthetic account snapshots (format v1) for benchmarks.

Every snapshot is built from the shapes of the bundled fixtures: an account
with contacts, a cancellation request, billing, cases, and the provider's own
parts (Aptible stacks/environments/apps/databases/backups/drains; Tencent
Cloud rights, orders, resources, integrations, sub-users, API keys, documents;
SIPStation DIDs, port-outs and services; UKFast contracts, VPCs, instances,
volumes, v1 VMs, servers, databases, Exchange domains). The four providers
come in turn; roughly 40% of the snapshots are clean (eligible, or with only
warnings and notes), the rest carry one to three problems drawn from each
provider's conditions, plus some from the common ones (stale export, open
dispute). A few optional members are left out now and then, as exporters do.
Each snapshot is about 4 KB as an indented file.

Snapshot i depends only on (seed, i): the same seed gives the same data
whatever --count, and the first N of a larger run are the N of a smaller one.

  gen_snapshots.py --count 10000 --out snaps.jsonl      # JSON Lines, one per line
  gen_snapshots.py --count 10000 --dir snaps/           # one indented file each
  gen_snapshots.py --count 200 --dir d --validate 50    # check 50 against the schema

--validate N checks the first N generated snapshots against
schema/snapshot-v1.json with the `jsonschema` package (formats included) and
exits 1 on any violation.
"""

import argparse
import json
import pathlib
import random
import sys

PROVIDERS = ("aptible", "tencentcloud", "sipstation", "ukfast")
CLEAN_SHARE = 0.40

FIRST = ["Maya", "Luis", "Ada", "Priya", "Alan", "Jo", "Victor", "Hana", "Tom", "Ines", "Kofi",
         "Mei", "Sven", "Aisha", "Ravi", "Elena", "Noah", "Zoe", "Omar", "Lena"]
LAST = ["Chen", "Ortega", "Zhang", "Natarajan", "Whitworth", "Kershaw", "Stone", "Sato", "Brandt",
        "Silva", "Mensah", "Lin", "Berg", "Khan", "Patel", "Rossi", "Walker", "Fischer", "Haddad", "Novak"]
ORG_A = ["Northwind", "Granite", "Hollis", "Ribble", "Lotus", "Kestrel", "Acme", "Bluefin", "Cobalt",
         "Juniper", "Harbour", "Summit", "Meridian", "Oakridge", "Pioneer", "Quarry", "Saffron", "Tidewater"]
ORG_B = ["Health", "Logistics", "Dental", "Dairy", "Analytics", "Retail", "Foods", "Robotics", "Legal",
         "Media", "Energy", "Labs", "Travel", "Studios", "Freight", "Insurance"]
ORG_C = ["Inc", "Ltd", "LLC", "Group", "GmbH", "plc"]
REASONS = ["Consolidating providers", "Moving hosting to our parent group's platform",
           "Migrating to the corporate phone system", "Reducing IT costs", "Project ended",
           "Company is winding down", "Moved all numbers to our new UCaaS provider",
           "Replatforming onto our own cloud accounts"]
CURRENCY = {"aptible": "USD", "tencentcloud": "USD", "sipstation": "USD", "ukfast": "GBP"}


class Gen:
    """One snapshot's worth of seeded choices."""

    def __init__(self, seed, index):
        self.r = random.Random(f"closeout-bench/{seed}/{index}")
        self.index = index

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def hexid(self, n=8):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def digits(self, n):
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def money(self, lo, hi):
        return round(self.r.uniform(lo, hi), 2)

    def date(self, y, m, d_lo, d_hi):
        return f"{y:04d}-{m:02d}-{self.r.randint(d_lo, d_hi):02d}"

    def ts(self, y, m, d_lo, d_hi):
        return f"{self.date(y, m, d_lo, d_hi)}T{self.r.randint(0, 23):02d}:{self.r.choice((0, 15, 30, 45)):02d}:00Z"

    def maybe_drop(self, obj, key, p=0.03):
        """Exporters leave optional members out now and then."""
        if key in obj and self.chance(p):
            del obj[key]
        return obj


def base(g, provider):
    org = f"{g.pick(ORG_A)} {g.pick(ORG_B)} {g.pick(ORG_C)}"
    slug = org.lower().replace(" ", "-")
    domain = slug.rsplit("-", 1)[0] + ".example"
    people = g.r.sample(range(len(FIRST)), 3)
    contacts = []
    for n, p in enumerate(people[: g.r.randint(1, 3)]):
        name = f"{FIRST[p]} {LAST[(p * 7 + g.index) % len(LAST)]}"
        roles = ["primary", "owner"] if n == 0 else [g.pick(["billing", "technical", "admin"])]
        contacts.append({"id": f"c-{n + 1}", "name": name,
                         "email": f"{name.split()[0].lower()}@{domain}", "roles": roles})
    account_ids = {"aptible": f"org-{g.hexid()}", "tencentcloud": "2" + g.digits(11),
                   "sipstation": f"SS-{g.digits(5)}", "ukfast": g.digits(5)}
    individual = provider == "tencentcloud" and g.chance(0.1)
    stale = g.chance(0.03)
    snap = {
        "schema_version": 1,
        "snapshot_id": f"{provider}-{slug}-{g.index:07d}",
        "exported_at": g.ts(2026, 11, 1, 12) if stale else g.ts(2026, 11, 15, 20),
        "provider": provider,
        "account": {
            "id": account_ids[provider],
            "name": f"{FIRST[people[0]]} {LAST[people[1]]}" if individual else org,
            "type": "individual" if individual else "enterprise",
            "identity_verified": True,
            "recovery_mobile_verified": True,
            "primary_contact_id": "c-1",
            "support_plan": "standard",
            "contacts": contacts,
        },
        "request": {
            "requested_by": "c-1",
            "requested_date": g.pick([g.date(2026, 12, 1, 31), g.date(2027, 1, 2, 29)]),
            "reason": g.pick(REASONS),
            "confirmed": True,
        },
        "billing": {
            "currency": CURRENCY[provider],
            "cycle_end": g.pick(["2026-11-30", "2026-12-14", "2026-12-31"]),
            "invoices": [],
            "payments": [],
        },
        "cases": [],
    }
    b = snap["billing"]
    for m in range(g.r.randint(2, 4)):
        month = 11 - m
        b["invoices"].append({"id": f"INV-2026{month:02d}-{g.digits(4)}", "amount_due": 0.0,
                              "due_date": g.date(2026, month, 1, 28), "status": g.pick(["paid", "paid", "void"])})
    for _ in range(g.r.randint(1, 3)):
        b["payments"].append({"id": f"PAY-{g.digits(6)}", "amount": g.money(20, 2500), "status": "settled"})
    for _ in range(g.r.randint(0, 2)):
        snap["cases"].append({"id": f"CS-{g.digits(4)}", "kind": g.pick(["complaint", "dispute", "chargeback"]),
                              "status": "closed", "opened_at": g.ts(2026, g.r.randint(1, 9), 1, 28)})
    return snap


def common_problem(g, snap):
    kind = g.pick(["dispute", "chargeback", "litigation", "legal_hold"])
    snap["cases"].append({"id": f"CS-{g.digits(4)}", "kind": kind, "status": "open",
                          "opened_at": g.ts(2026, 11, 1, 14)})


# --- Aptible -----------------------------------------------------------------

def aptible(g, snap, clean):
    acct = snap["account"]
    acct["support_plan"] = g.pick(["standard", "standard", "premium", "enterprise"])
    req = snap["request"]
    req["organization_name_confirmation"] = acct["name"]
    del snap["billing"]["cycle_end"]
    res, exports = [], []

    def add(kind, name, parent=None, data=False, **extra):
        rid = {"aptible.dedicated_stack": "stack-", "aptible.environment": "env-", "aptible.app": "app-",
               "aptible.endpoint": "ep-", "aptible.database": "db-", "aptible.database_backup": "bk-",
               "aptible.log_drain": "ld-", "aptible.metric_drain": "md-"}[kind] + g.digits(4)
        r = {"id": rid, "type": kind, "name": name, "state": "gone", "status": "deprovisioned",
             "in_contract": False, "holds_data": data}
        if parent:
            r["parent_id"] = parent
        r.update(extra)
        res.append(r)
        return r

    word = snap["snapshot_id"].split("-")[1]
    stack = add("aptible.dedicated_stack", f"{word}-prod-stack") if g.chance(0.5) else None
    env = add("aptible.environment", f"{word}-production", stack["id"] if stack else None)
    apps = [add("aptible.app", f"{word}-{n}", env["id"]) for n in g.r.sample(["web", "api", "worker", "portal"], 2)]
    for a in apps:
        add("aptible.endpoint", f"{a['name']}.{word}.example", a["id"])
    dbs = []
    for n in range(g.r.randint(1, 2)):
        db = add("aptible.database", f"{word}-pg-{n}", env["id"], True, last_backup_at=g.ts(2026, 11, 15, 20))
        dbs.append(db)
        exports.append({"resource_id": db["id"], "exported_at": g.ts(2026, 11, 15, 20), "method": "db:tunnel"})
    if g.chance(0.4):
        add("aptible.database", f"{dbs[0]['name']}-replica", env["id"], True,
            last_backup_at=g.ts(2026, 11, 15, 20), replica_of=dbs[0]["id"])
    add("aptible.database_backup", f"{dbs[0]['name']} final backup", env["id"], True,
        status="completed", database_id=dbs[0]["id"], final=True, created_at=g.ts(2026, 10, 20, 31))
    add("aptible.log_drain", g.pick(["papertrail", "sumologic", "elk"]), env["id"])
    add("aptible.metric_drain", g.pick(["datadog-metrics", "influx"]), env["id"])
    for r in res:
        g.maybe_drop(r, "name", 0.02)
    if not clean:
        problems = ["live-app", "live-db", "live-drain", "live-env", "unexported", "failed", "deletion-request",
                    "live-backup"]
        for p in g.r.sample(problems, g.r.randint(1, 3)):
            if p == "live-app":
                a = g.pick(apps)
                a.update(state="live", status="provisioned")
            elif p == "live-db":
                dbs[0].update(state="live", status="provisioned")
            elif p == "live-drain":
                d = g.pick([r for r in res if r["type"].endswith("_drain")])
                d.update(state="live", status="provisioned")
            elif p == "live-env":
                env.update(state="live", status="provisioned")
            elif p == "unexported":
                exports.pop()
                dbs[-1].update(state="live", status="provisioned")
            elif p == "failed":
                r = g.pick(res)
                r.update(state=g.pick(["changing", "failed"]), status=g.pick(["deprovisioning", "failed"]))
            elif p == "deletion-request":
                acct["support_plan"] = g.pick(["premium", "enterprise"])
                if g.chance(0.5):
                    req["organization_name_confirmation"] = acct["name"].split()[0]
                else:
                    req["reason"] = "  "
            elif p == "live-backup":
                bk = [r for r in res if r["type"] == "aptible.database_backup"][0]
                bk.update(state="live", status="completed")
    snap["resources"] = res
    snap["data_exports"] = exports


# --- Tencent Cloud -------------------------------------------------------------

TC_PRODUCTS = [("cvm", "ins-", "RUNNING", "TERMINATED"), ("cbs", "disk-", "ATTACHED", "RELEASED"),
               ("cdb", "cdb-", "RUNNING", "ISOLATED"), ("cos_bucket", "bucket-", "normal", "deleted"),
               ("clb", "lb-", "NORMAL", "RELEASED"), ("eip", "eip-", "BIND", "RELEASED"),
               ("lighthouse", "lhins-", "RUNNING", "TERMINATED")]


def tencentcloud(g, snap, clean):
    acct, req, b = snap["account"], snap["request"], snap["billing"]
    req["organization_name_confirmation"] = acct["name"]
    kind = "passport" if acct["type"] == "individual" else "business_identification"
    req["identity_documents"] = [{"kind": kind, "color_scan": True}]
    req["attestations"] = {"not_evading_obligations": True, "rights_waived": False,
                           "data_retention_waived": False, "other_matters_handled": True}
    b["invoice_queries"] = []
    b["orders"] = [{"id": "2026" + g.digits(13), "product": g.pick(["cvm", "cbs", "cdb"]),
                    "status": g.pick(["completed", "cancelled"])} for _ in range(g.r.randint(1, 3))]
    snap["rights"] = {
        "cash_balance": 0.0,
        "gift_cards": [{"id": f"GC-{g.digits(4)}", "balance": g.money(5, 50), "status": "expired",
                        "expires_at": g.ts(2026, g.r.randint(1, 10), 1, 28)}],
        "vouchers": [{"id": f"V-{g.digits(4)}", "balance": 0.0, "status": "used",
                      "expires_at": g.ts(2027, g.r.randint(1, 6), 1, 28)} for _ in range(g.r.randint(1, 2))],
    }
    snap["contracts"] = []
    res, exports = [], []
    for prod, prefix, live_status, gone_status in g.r.sample(TC_PRODUCTS, g.r.randint(2, 4)):
        rid = prefix + g.hexid(8)
        data = prod in ("cvm", "cbs", "cdb", "cos_bucket", "lighthouse")
        r = {"id": rid, "type": f"tencentcloud.{prod}", "name": f"{prod}-{g.r.randint(1, 9)}", "state": "gone",
             "status": gone_status, "holds_data": data}
        if data:
            r["last_backup_at"] = g.ts(2026, 11, 10, 19)
            exports.append({"resource_id": rid, "exported_at": g.ts(2026, 11, 15, 19),
                            "method": g.pick(["snapshot download", "custom image export to COS", "mysqldump"])})
        res.append(g.maybe_drop(r, "last_backup_at", 0.05))
        r["_live"] = live_status
    snap["resources"] = res
    snap["data_exports"] = exports
    snap["integrations"] = [{"id": f"oauth-{g.hexid(6)}", "kind": g.pick(["oauth_app", "external_authorization"]),
                             "name": g.pick(["WeCom SSO", "Okta SAML", "CI deployer"]), "status": "revoked"}]
    snap["principals"] = []
    snap["api_keys"] = [{"id": "AKID" + g.hexid(24), "owner_id": acct["id"], "status": "deleted",
                         "created_at": g.ts(2025, g.r.randint(1, 12), 1, 28)}]
    if not clean:
        problems = ["order", "payment", "voucher", "live-resource", "integration", "principal", "api-key",
                    "unexported", "complaint", "mobile", "document", "attestation"]
        for p in g.r.sample(problems, g.r.randint(1, 3)):
            if p == "order":
                b["orders"][0]["status"] = g.pick(["pending", "in_progress"])
            elif p == "payment":
                b["payments"][0]["status"] = g.pick(["unsettled", "failed"])
            elif p == "voucher":
                snap["rights"]["vouchers"][0].update(balance=g.money(10, 200), status="unused")
            elif p == "live-resource":
                r = g.pick(res)
                r.update(state="live", status=r["_live"])
            elif p == "integration":
                snap["integrations"][0]["status"] = "active"
            elif p == "principal":
                snap["principals"].append({"id": "1000" + g.digits(8), "kind": g.pick(["sub_user", "collaborator"]),
                                           "name": g.pick(["deploy-bot", "ops", "auditor"])})
            elif p == "api-key":
                snap["api_keys"][0]["status"] = g.pick(["active", "disabled"])
            elif p == "unexported" and exports:
                gone = exports.pop(0)["resource_id"]
                r = [x for x in res if x["id"] == gone][0]
                r.update(state="live", status=r["_live"])
            elif p == "complaint":
                snap["cases"].append({"id": f"CMP-2026-{g.digits(4)}", "kind": g.pick(["complaint", "report"]),
                                      "status": "open", "opened_at": g.ts(2026, 11, 1, 14)})
            elif p == "mobile":
                acct["recovery_mobile_verified"] = False
            elif p == "document":
                req["identity_documents"][0]["color_scan"] = False
            elif p == "attestation":
                req["attestations"]["not_evading_obligations"] = False
    for r in res:
        del r["_live"]


# --- SIPStation ----------------------------------------------------------------

def sipstation(g, snap, clean):
    req = snap["request"]
    locs = ["loc-1", "loc-2"] if g.chance(0.5) else ["loc-1"]
    req["location_id"] = "loc-1"
    area = g.pick(["256", "205", "615", "404"])
    dids, ports, services = [], [], []
    for li, loc in enumerate(locs):
        numbers = [f"+1{area}555{li}{n:03d}" for n in range(g.r.randint(3, 6))]
        ported = numbers[: max(1, len(numbers) - 1)]
        for num in numbers:
            dids.append({"number": num, "location_id": loc,
                         "disposition": "ported" if num in ported else g.pick(["moved", "not_needed"])})
        ports.append({"id": f"PO-{g.digits(3)}", "numbers": ported, "status": "completed",
                      "foc_date": g.date(2026, 11, 1, 14), "location_id": loc})
        for kind in g.r.sample(["trunk", "e911", "fax", "sms"], 2):
            services.append({"id": f"{kind}-{li + 1}", "kind": kind, "location_id": loc, "status": "cancelled"})
    snap["resources"] = []
    snap["telephony"] = {"dids": dids, "port_outs": ports, "services": services}
    if not clean:
        problems = ["in-flight", "rejected", "undecided", "form", "unconfirmed", "service-after-port", "refund"]
        for p in g.r.sample(problems, g.r.randint(1, 3)):
            if p == "in-flight":
                ports[0].update(status=g.pick(["pending", "authorized", "foc_received"]),
                                foc_date=g.date(2026, 12, 1, 28))
            elif p == "rejected":
                ports.append({"id": f"PO-{g.digits(3)}", "numbers": [dids[-1]["number"]], "status": "rejected",
                              "location_id": "loc-1"})
            elif p == "undecided":
                dids[-1]["disposition"] = "undecided"
            elif p == "form":
                if g.chance(0.5):
                    req["reason"] = "   "
                else:
                    del req["requested_date"]
            elif p == "unconfirmed":
                req["confirmed"] = False
            elif p == "service-after-port":
                services[0]["status"] = "active"
            elif p == "refund":
                snap["billing"]["cycle_end"] = "2027-01-31"


# --- UKFast ----------------------------------------------------------------------

def ukfast(g, snap, clean):
    req, b = snap["request"], snap["billing"]
    req["attestations"] = {"not_evading_obligations": True, "rights_waived": False,
                           "data_retention_waived": False, "other_matters_handled": True}
    b["invoice_queries"] = [{"id": f"IQ-{g.digits(4)}", "invoice_id": b["invoices"][0]["id"], "status": "resolved"}]
    b["orders"] = []
    snap["rights"] = {"cash_balance": 0.0, "gift_cards": [], "vouchers": []}
    snap["contracts"] = [
        {"id": f"CON-{g.digits(4)}", "product": "eCloud VPC", "status": "ended", "term_end": "2026-10-31",
         "notice_period_days": 90},
        {"id": f"CON-{g.digits(4)}", "product": "Shared Exchange", "status": "active",
         "term_end": "2026-12-31", "notice_period_days": g.pick([7, 14])},
    ]
    word = snap["snapshot_id"].split("-")[1][:4]
    vpc = {"id": f"vpc-{g.hexid()}", "type": "ukfast.ecloud_vpc", "name": f"{word}-production", "state": "live",
           "status": "complete", "in_contract": True, "holds_data": False}
    res = [
        {"id": f"vm-{g.digits(5)}", "type": "ukfast.ecloud_v1_vm", "name": f"{word}-legacy-web", "state": "gone",
         "status": "Deleted", "in_contract": False, "holds_data": False},
        vpc,
    ]
    for n in range(g.r.randint(1, 3)):
        res.append({"id": f"i-{g.hexid()}", "type": "ukfast.ecloud_vpc_instance", "name": f"{word}-app-0{n + 1}",
                    "state": "live", "status": "complete", "in_contract": True, "parent_id": vpc["id"],
                    "holds_data": True, "last_backup_at": g.ts(2026, 11, 12, 19)})
    res.append({"id": f"vol-{g.hexid()}", "type": "ukfast.ecloud_volume", "name": f"{word}-app-data",
                "state": "live", "status": "complete", "in_contract": True, "parent_id": vpc["id"],
                "holds_data": True, "last_backup_at": g.ts(2026, 11, 12, 19)})
    res.append({"id": f"fip-{g.hexid()}", "type": "ukfast.ecloud_floating_ip", "state": "gone",
                "status": "deleted", "in_contract": False, "holds_data": False})
    res.append({"id": f"exd-{g.digits(5)}", "type": "ukfast.shared_exchange_domain",
                "name": f"{word}.example", "state": "gone", "status": "Deleted", "in_contract": False,
                "holds_data": False})
    res.append({"id": f"mysql-{g.digits(4)}", "type": "ukfast.mysql_database", "name": f"{word}_orders",
                "state": "live", "status": "Online", "in_contract": True, "holds_data": True,
                "last_backup_at": g.ts(2026, 11, 10, 19)})
    snap["resources"] = res
    snap["data_exports"] = [{"resource_id": res[-1]["id"], "exported_at": g.ts(2026, 11, 15, 19),
                             "method": "mysqldump"}]
    snap["integrations"], snap["principals"], snap["api_keys"] = [], [], []
    if not clean:
        problems = ["requester", "contract", "invoice", "query", "v1-vm", "vpc-instance", "fip", "exchange",
                    "stale-backup", "operation", "dedicated", "vpc"]
        for p in g.r.sample(problems, g.r.randint(1, 3)):
            if p == "requester":
                snap["account"]["contacts"].append({"id": "c-9", "name": "Sam Finance",
                                                    "email": "accounts@example.org", "roles": ["billing"]})
                req["requested_by"] = "c-9"
            elif p == "contract":
                snap["contracts"][1].update(term_end="2027-06-30", notice_period_days=90)
            elif p == "invoice":
                b["invoices"][0].update(amount_due=g.money(20, 900), status=g.pick(["open", "overdue"]))
            elif p == "query":
                b["invoice_queries"][0]["status"] = "open"
            elif p == "v1-vm":
                res[0].update(state="live", status="Online", holds_data=True, last_backup_at=g.ts(2026, 11, 1, 9))
            elif p == "vpc-instance":
                res[2]["in_contract"] = False
            elif p == "fip":
                r = [x for x in res if x["type"] == "ukfast.ecloud_floating_ip"][0]
                r.update(state="live", status="unassigned")
            elif p == "exchange":
                r = [x for x in res if x["type"] == "ukfast.shared_exchange_domain"][0]
                r.update(state="live", status="Active", holds_data=True, last_backup_at=None)
            elif p == "stale-backup":
                res[-1]["last_backup_at"] = g.ts(2026, 9, 1, 28)
            elif p == "operation":
                res[2].update(state="changing", status="Powering off")
            elif p == "vpc":
                vpc["in_contract"] = False
            elif p == "dedicated":
                res.append({"id": f"ds-{g.digits(5)}", "type": "ukfast.dedicated_server", "name": f"{word}-db-01",
                            "state": "live", "status": "running", "in_contract": False, "holds_data": True,
                            "last_backup_at": g.ts(2026, 11, 1, 19)})
    for r in res:
        g.maybe_drop(r, "last_backup_at", 0.02)


BUILDERS = {"aptible": aptible, "tencentcloud": tencentcloud, "sipstation": sipstation, "ukfast": ukfast}


def snapshot(seed, index):
    g = Gen(seed, index)
    provider = PROVIDERS[index % len(PROVIDERS)]
    clean = g.chance(CLEAN_SHARE)
    snap = base(g, provider)
    BUILDERS[provider](g, snap, clean)
    if not clean and g.chance(0.08):
        common_problem(g, snap)
    g.maybe_drop(snap["request"], "reason", 0.01)
    return snap


def validator(repo):
    import jsonschema  # noqa: E402 (only for --validate)

    schema = json.loads((repo / "schema" / "snapshot-v1.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def main():
    here = pathlib.Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", help="write JSON Lines here (- for stdout)")
    ap.add_argument("--dir", help="write one indented NNNNNNN-<provider>.json file per snapshot here")
    ap.add_argument("--validate", type=int, default=0, metavar="N",
                    help="validate the first N snapshots against schema/snapshot-v1.json (needs jsonschema)")
    ap.add_argument("--repo", default=str(here.parent))
    args = ap.parse_args()
    if not (args.out or args.dir or args.validate):
        ap.error("give --out FILE.jsonl, --dir DIR and/or --validate N")

    check = validator(pathlib.Path(args.repo)) if args.validate else None
    out = None
    if args.out:
        out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    out_dir = pathlib.Path(args.dir) if args.dir else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    invalid = 0
    total_bytes = 0
    for i in range(args.count):
        snap = snapshot(args.seed, i)
        if out:
            out.write(json.dumps(snap, ensure_ascii=False, separators=(",", ":")) + "\n")
        if out_dir or check:
            text = json.dumps(snap, ensure_ascii=False, indent=2) + "\n"
            total_bytes += len(text.encode("utf-8"))
            if out_dir:
                (out_dir / f"{i:07d}-{snap['provider']}.json").write_text(text, encoding="utf-8")
        if check and i < args.validate:
            for err in check.iter_errors(snap):
                invalid += 1
                path = "/" + "/".join(str(p) for p in err.absolute_path)
                print(f"invalid: snapshot {i} at {path}: {err.message}", file=sys.stderr)
    if out and out is not sys.stdout:
        out.close()
    if check:
        checked = min(args.validate, args.count)
        print(f"schema: {checked} snapshot(s) checked, {invalid} violation(s)", file=sys.stderr)
    if out_dir or check:
        print(f"{args.count} snapshot(s), {total_bytes / max(args.count, 1) / 1024:.1f} KiB each on average "
              "(indented)", file=sys.stderr)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
