package closeout.aptible_test

import rego.v1

import data.closeout.aptible

# Every condition id the package reports for the input under test.
ids contains f.id if some f in aptible.deny

ids contains f.id if some f in aptible.info

# [id, pointer] pairs, to check where a finding points.
at contains [f.id, f.pointer] if some f in aptible.deny

at contains [f.id, f.pointer] if some f in aptible.info

msgs[f.id] contains f.msg if some f in aptible.deny

account := {"id": "org-1", "name": "Northwind Health Inc", "support_plan": "standard"}

complete_request := {
	"requested_by": "c-1",
	"reason": "Consolidating hosting",
	"organization_name_confirmation": "Northwind Health Inc",
}

snapshot(resources, exports) := {
	"account": account,
	"request": complete_request,
	"resources": resources,
	"data_exports": exports,
}

db(state) := {"id": "db-1", "type": "aptible.database", "name": "pg", "state": state, "status": "provisioned"}

backup(state, final, db_id) := {
	"id": "bk-1", "type": "aptible.database_backup", "name": "pg final",
	"state": state, "final": final, "database_id": db_id,
}

export(id) := {"resource_id": id, "exported_at": "2026-11-19T08:00:00Z", "method": "db:tunnel"}

# --- APT-001 -----------------------------------------------------------------

test_apt001_trips_on_unexported_database if {
	ids == {"APT-001", "APT-005", "APT-009"} with input as snapshot([db("live")], [])
	["APT-001", "/resources/0"] in at with input as snapshot([db("live")], [])
}

test_apt001_trips_on_backup_of_unexported_database if {
	inp := snapshot([db("gone"), backup("live", true, "db-1")], [])
	ids == {"APT-001", "APT-006", "APT-009"} with input as inp
	["APT-001", "/resources/1"] in at with input as inp
	found := msgs["APT-001"] with input as inp
	some m in found
	contains(m, "restore it to a new database")
}

test_apt001_trips_on_backup_naming_no_database if {
	b := object.remove(backup("live", false, "db-1"), ["database_id"])
	ids == {"APT-001", "APT-006", "APT-009"} with input as snapshot([b], [export("db-1")])
}

# A backup without database_id cannot be shown to be covered by an export:
# `not b.database_id in exported` was undefined in OPA for an absent field.
test_apt001_message_for_backup_naming_no_database if {
	b := object.remove(backup("live", true, "db-1"), ["database_id"])
	msgs["APT-001"] == {`backup "pg final" (bk-1) of an unnamed database has not been exported: restore it to a new database and export that`} with input as snapshot([b], [export("db-1")])
}

test_apt001_clears_when_exported if {
	ids == {"APT-005", "APT-009"} with input as snapshot([db("live")], [export("db-1")])
	ids == {"APT-006", "APT-009"} with input as snapshot([backup("live", true, "db-1")], [export("db-1")])
	ids == {"APT-009"} with input as snapshot([db("gone"), backup("gone", true, "db-1")], [])
}

# --- APT-002 / APT-003 ---------------------------------------------------------

drain(type, state) := {"id": "d-1", "type": type, "name": "papertrail", "state": state}

test_apt002_trips_on_metric_drain if {
	inp := snapshot([drain("aptible.metric_drain", "live")], [])
	ids == {"APT-002", "APT-009"} with input as inp
	["APT-002", "/resources/0"] in at with input as inp
}

test_apt002_clears_when_metric_drain_gone if {
	ids == {"APT-009"} with input as snapshot([drain("aptible.metric_drain", "gone")], [])
}

test_apt003_trips_on_log_drain if {
	inp := snapshot([drain("aptible.log_drain", "live")], [])
	ids == {"APT-003", "APT-009"} with input as inp
	msgs["APT-003"] == {`log drain "papertrail" (d-1) still exists`} with input as inp
}

test_apt003_clears_when_log_drain_gone if {
	ids == {"APT-009"} with input as snapshot([drain("aptible.log_drain", "gone")], [])
}

# --- APT-004 -----------------------------------------------------------------

app(state) := {"id": "app-1", "type": "aptible.app", "name": "portal", "state": state}

endpoint(id, state) := {"id": id, "type": "aptible.endpoint", "state": state, "parent_id": "app-1"}

test_apt004_trips_on_app_and_counts_endpoints if {
	inp := snapshot([app("live"), endpoint("ep-1", "live"), endpoint("ep-2", "gone")], [])
	ids == {"APT-004", "APT-009"} with input as inp
	at == {["APT-004", "/resources/0"], ["APT-009", "/resources"]} with input as inp
	found := msgs["APT-004"] with input as inp
	some m in found
	contains(m, "1 endpoint(s) ep-1")
}

test_apt004_clears_when_app_gone if {
	ids == {"APT-009"} with input as snapshot([app("gone"), endpoint("ep-1", "gone")], [])
}

# --- APT-005 -----------------------------------------------------------------

replica(state) := {
	"id": "db-2", "type": "aptible.database", "name": "pg-replica",
	"state": state, "replica_of": "db-1",
}

test_apt005_trips_on_primary_and_replica if {
	inp := snapshot([db("live"), replica("live")], [export("db-1"), export("db-2")])
	at == {["APT-005", "/resources/0"], ["APT-005", "/resources/1"], ["APT-009", "/resources"]} with input as inp
	found := msgs["APT-005"] with input as inp
	some m in found
	contains(m, "deprovision its replicas first: db-2")
}

test_apt005_primary_without_live_replicas_says_nothing_of_them if {
	inp := snapshot([db("live"), replica("gone")], [export("db-1")])
	msgs["APT-005"] == {`database "pg" (db-1) is still provisioned`} with input as inp
}

test_apt005_clears_when_databases_gone if {
	ids == {"APT-009"} with input as snapshot([db("gone"), replica("gone")], [])
}

# --- APT-006 -----------------------------------------------------------------

test_apt006_trips_on_final_and_manual_backups if {
	manual := object.union(backup("live", false, "db-1"), {"id": "bk-2"})
	inp := snapshot([backup("live", true, "db-1"), manual], [export("db-1")])
	ids == {"APT-006", "APT-009"} with input as inp
	msgs["APT-006"] == {
		`final backup "pg final" (bk-1) of database db-1 still exists`,
		`manual backup "pg final" (bk-2) of database db-1 still exists`,
	} with input as inp
}

test_apt006_clears_when_backup_deleted if {
	ids == {"APT-009"} with input as snapshot([backup("gone", true, "db-1")], [export("db-1")])
}

# --- APT-007 -----------------------------------------------------------------

env(state) := {"id": "env-1", "type": "aptible.environment", "name": "production", "state": state}

test_apt007_trips_on_environment_and_lists_holdings if {
	held := object.union(drain("aptible.log_drain", "live"), {"parent_id": "env-1"})
	gone := object.union(app("gone"), {"parent_id": "env-1"})
	inp := snapshot([env("live"), held, gone], [])
	ids == {"APT-003", "APT-007", "APT-009"} with input as inp
	msgs["APT-007"] == {`environment "production" (env-1) is still provisioned and still holds d-1`} with input as inp
}

test_apt007_clears_when_environment_gone if {
	ids == {"APT-009"} with input as snapshot([env("gone")], [])
}

# --- APT-008 -----------------------------------------------------------------

stack(state) := {"id": "stack-1", "type": "aptible.dedicated_stack", "name": "shared-prod", "state": state}

test_apt008_trips_on_dedicated_stack_with_wrong_name if {
	req := object.union(complete_request, {"organization_name_confirmation": "Northwind"})
	inp := object.union(snapshot([stack("live")], []), {"request": req})
	at == {["APT-008", "/request/organization_name_confirmation"], ["APT-009", "/resources"]} with input as inp
}

test_apt008_trips_on_premium_support_without_reason if {
	inp := {"account": object.union(account, {"support_plan": "premium"}), "request": object.remove(complete_request, ["reason"])}
	at == {["APT-008", "/request/reason"]} with input as inp
}

test_apt008_reports_each_missing_field if {
	inp := {
		"account": object.union(account, {"support_plan": "enterprise"}),
		"request": {"requested_by": "c-1", "reason": "  "},
	}
	at == {["APT-008", "/request/reason"], ["APT-008", "/request/organization_name_confirmation"]} with input as inp
}

test_apt008_message_when_confirmation_absent if {
	inp := {
		"account": object.union(account, {"support_plan": "premium"}),
		"request": object.remove(complete_request, ["organization_name_confirmation"]),
	}
	msgs["APT-008"] == {`the deletion request does not confirm the organization name "Northwind Health Inc", so Aptible cannot remove premium support`} with input as inp
}

# A snapshot without account.name leaves nothing to confirm the name against:
# that is a mismatch, whatever the request says.
test_apt008_trips_when_account_has_no_name if {
	inp := {"account": object.remove(account, ["name"]), "request": complete_request, "resources": [stack("live")]}
	at == {["APT-008", "/request/organization_name_confirmation"], ["APT-009", "/resources"]} with input as inp
	msgs["APT-008"] == {`the deletion request confirms the organization name as "Northwind Health Inc", but the snapshot records no account name to match it, so Aptible cannot remove dedicated stack "shared-prod" (stack-1)`} with input as inp
}

test_apt008_trips_when_neither_name_is_given if {
	inp := {
		"account": {"id": "org-1", "support_plan": "enterprise"},
		"request": object.remove(complete_request, ["organization_name_confirmation"]),
	}
	msgs["APT-008"] == {"the deletion request does not confirm the organization name, and the snapshot records no account name, so Aptible cannot remove enterprise support"} with input as inp
}

test_apt008_clears_with_complete_request if {
	inp := {"account": object.union(account, {"support_plan": "premium"}), "request": complete_request}
	ids == set() with input as inp
	ids == {"APT-009"} with input as snapshot([stack("live")], [])
}

test_apt008_clears_without_stack_or_paid_support if {
	req := {"requested_by": "c-1", "reason": ""}
	ids == set() with input as {"account": account, "request": req}
	ids == {"APT-009"} with input as {"account": account, "request": req, "resources": [stack("gone")]}
}

# --- APT-009 -----------------------------------------------------------------

test_apt009_trips_when_anything_was_provisioned if {
	at == {["APT-009", "/resources"]} with input as snapshot([env("gone")], [])
}

test_apt009_clears_without_resources if {
	ids == set() with input as {"account": account, "request": complete_request}
	ids == set() with input as snapshot([], [])
}

# --- APT-010 -----------------------------------------------------------------

test_apt010_trips_on_failed_and_changing_resources if {
	failed := object.union(endpoint("ep-1", "failed"), {"status": "deprovision_failed"})
	changing := object.union(endpoint("ep-2", "changing"), {"status": "deprovisioning"})
	inp := snapshot([failed, changing], [])
	at == {["APT-010", "/resources/0"], ["APT-010", "/resources/1"], ["APT-009", "/resources"]} with input as inp
	msgs["APT-010"] == {
		"endpoint ep-1 is in state failed (status deprovision_failed): the operation needs Aptible Support",
		"endpoint ep-2 is in state changing (status deprovisioning): wait for the operation to finish",
	} with input as inp
}

test_apt010_clears_on_settled_states if {
	ids == {"APT-009"} with input as snapshot([endpoint("ep-1", "live"), endpoint("ep-2", "gone")], [])
}

# --- shape -------------------------------------------------------------------

test_findings_have_exactly_id_msg_pointer if {
	inp := snapshot([db("failed"), env("live"), stack("live")], [])
	denied := aptible.deny with input as inp
	count(denied) == 4
	every f in denied {
		object.keys(f) == {"id", "msg", "pointer"}
	}
}
