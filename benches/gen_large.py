#!/usr/bin/env python3
"""One large account snapshot (format v1) of one provider, for the size benchmark.

  gen_large.py --provider aptible --resources 10000 > big.json

The account holds about N resources (for SIPStation: N telephony records,
DIDs, port-outs and services), shaped to exercise every rule that relates
records to one another: apps with endpoints, environments holding apps and
databases, replicas of primaries, backups of databases, VPCs holding
instances, floating IPs and volumes, Tencent resources with data exports and
API keys of sub-users, SIPStation services beside completed port-outs. About
a third of them are gone (deprovisioned), so the rules filter as well as
report. The output is deterministic: the same arguments give the same bytes.
"""

import argparse
import json
import sys


def base(provider, n):
    return {
        "schema_version": 1,
        "snapshot_id": f"{provider}-large-{n}",
        "exported_at": "2026-11-20T10:00:00Z",
        "provider": provider,
        "account": {
            "id": f"{provider.upper()}-1",
            "name": "Large Account Ltd",
            "type": "enterprise",
            "identity_verified": True,
            "recovery_mobile_verified": True,
            "primary_contact_id": "c-1",
            "support_plan": "standard",
            "contacts": [{"id": "c-1", "name": "Ada Lovelace", "roles": ["primary"]}],
        },
        "request": {
            "requested_by": "c-1",
            "requested_date": "2026-12-07",
            "reason": "Consolidating providers",
            "organization_name_confirmation": "Large Account Ltd",
            "confirmed": True,
            "location_id": "loc-1",
            "identity_documents": [{"kind": "business_identification", "color_scan": True}],
            "attestations": {"not_evading_obligations": True},
        },
        "billing": {"currency": "GBP", "cycle_end": "2026-12-14"},
    }


def state(i):
    return "gone" if i % 3 == 2 else "live"


def aptible(snap, n):
    res = []
    envs = max(1, n // 50)
    for e in range(envs):
        res.append({"id": f"env-{e}", "type": "aptible.environment", "name": f"env {e}", "state": state(e)})
    i = 0
    while len(res) < n:
        env = f"env-{i % envs}"
        kind = i % 6
        if kind == 0:
            res.append({"id": f"app-{i}", "type": "aptible.app", "name": f"app {i}", "state": state(i), "parent_id": env})
        elif kind == 1:
            res.append({"id": f"ep-{i}", "type": "aptible.endpoint", "state": state(i), "parent_id": f"app-{i - 1}"})
        elif kind == 2:
            res.append({"id": f"db-{i}", "type": "aptible.database", "name": f"db {i}", "state": state(i), "parent_id": env, "holds_data": True})
        elif kind == 3:
            res.append({"id": f"db-{i}", "type": "aptible.database", "state": state(i), "parent_id": env, "replica_of": f"db-{i - 1}"})
        elif kind == 4:
            res.append({"id": f"bk-{i}", "type": "aptible.database_backup", "state": state(i), "parent_id": env, "database_id": f"db-{i - 2}", "final": True})
        else:
            res.append({"id": f"ld-{i}", "type": "aptible.log_drain", "state": state(i), "parent_id": env})
        i += 1
    snap["resources"] = res
    snap["data_exports"] = [{"resource_id": f"db-{k}", "exported_at": "2026-11-19T08:00:00Z"} for k in range(2, n, 12)]


def tencentcloud(snap, n):
    products = ["cvm", "cbs", "cos_bucket", "cdb", "clb", "eip"]
    snap["resources"] = [
        {"id": f"ins-{i}", "type": f"tencentcloud.{products[i % len(products)]}", "name": f"res {i}",
         "state": state(i), "status": "RUNNING", "holds_data": i % 2 == 0}
        for i in range(n)
    ]
    snap["data_exports"] = [{"resource_id": f"ins-{i}", "exported_at": "2026-11-19T08:00:00Z"} for i in range(0, n, 4)]
    users = max(1, n // 20)
    snap["principals"] = [{"id": f"u-{i}", "kind": "sub_user", "name": f"user {i}"} for i in range(users)]
    snap["api_keys"] = [{"id": f"AKID{i}", "owner_id": f"u-{i % users}", "status": "active"} for i in range(users)]
    snap["rights"] = {"cash_balance": 0}


def sipstation(snap, n):
    third = max(1, n // 3)
    snap["telephony"] = {
        "dids": [{"number": f"+1256555{i:07d}", "location_id": f"loc-{i % 5}", "disposition": "ported"} for i in range(third)],
        "port_outs": [{"id": f"PO-{i}", "numbers": [f"+1256555{i:07d}"], "status": "completed" if i % 2 else "cancelled",
                       "location_id": f"loc-{i % 5}"} for i in range(third)],
        "services": [{"id": f"svc-{i}", "kind": "trunk", "location_id": f"loc-{i % 5}",
                      "status": "active" if i % 7 == 0 else "cancelled"} for i in range(n - 2 * third)],
    }


def ukfast(snap, n):
    res = []
    vpcs = max(1, n // 20)
    for v in range(vpcs):
        res.append({"id": f"vpc-{v}", "type": "ukfast.ecloud_vpc", "state": state(v)})
    kinds = ["ukfast.ecloud_vpc_instance", "ukfast.ecloud_floating_ip", "ukfast.ecloud_volume", "ukfast.mysql_database"]
    i = 0
    while len(res) < n:
        r = {"id": f"r-{i}", "type": kinds[i % len(kinds)], "name": f"res {i}", "state": state(i), "parent_id": f"vpc-{i % vpcs}"}
        if i % 4 == 3:
            r["holds_data"] = True
            r["last_backup_at"] = "2026-11-01T00:00:00Z"
        res.append(r)
        i += 1
    snap["resources"] = res
    snap["contracts"] = [{"id": "K-1", "product": "eCloud VPC", "status": "ended", "term_end": "2026-01-31"}]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--provider", required=True, choices=["aptible", "tencentcloud", "sipstation", "ukfast"])
    ap.add_argument("--resources", type=int, required=True)
    args = ap.parse_args()
    snap = base(args.provider, args.resources)
    globals()[args.provider](snap, args.resources)
    json.dump(snap, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
