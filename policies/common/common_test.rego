package closeout.common_test

import rego.v1

import data.closeout.common

# now = 2026-11-21T00:00:00Z, limit 7 days
context := {
	"now": "2026-11-21T00:00:00Z",
	"now_ns": 1795219200000000000,
	"max_export_age_days": 7,
}

fresh := {
	"schema_version": 1,
	"snapshot_id": "acme-2026-11-20",
	"exported_at": "2026-11-20T10:00:00Z",
	"provider": "acme",
	"cases": [{"id": "CS-1", "kind": "complaint", "status": "open", "opened_at": "2026-10-02T09:00:00Z"}],
}

ids(findings) := {f.id | some f in findings}

test_fresh_trips_nothing if {
	count(common.deny) == 0 with input as fresh with data.closeout.context as context
}

# GEN-001

test_gen001_trips_on_stale_export if {
	snapshot := object.union(fresh, {"snapshot_id": "acme-2026-11-01", "exported_at": "2026-11-01T10:00:00Z"})
	common.deny == {{
		"id": "GEN-001",
		"msg": "snapshot acme-2026-11-01 was exported at 2026-11-01T10:00:00Z, 19.6 days before now (limit 7 days)",
		"pointer": "/exported_at",
	}} with input as snapshot with data.closeout.context as context
}

test_gen001_trips_just_past_the_limit if {
	snapshot := object.union(fresh, {"exported_at": "2026-11-13T23:59:59Z"})
	ids(common.deny) == {"GEN-001"} with input as snapshot with data.closeout.context as context
}

test_gen001_clears_at_exactly_the_limit if {
	snapshot := object.union(fresh, {"exported_at": "2026-11-14T00:00:00Z"})
	count(common.deny) == 0 with input as snapshot with data.closeout.context as context
}

test_gen001_follows_the_configured_limit if {
	snapshot := object.union(fresh, {"exported_at": "2026-11-01T10:00:00Z"})
	count(common.deny) == 0 with input as snapshot
		with data.closeout.context as object.union(context, {"max_export_age_days": 30})
	ids(common.deny) == {"GEN-001"} with input as fresh
		with data.closeout.context as object.union(context, {"max_export_age_days": 0})
}

# GEN-002

test_gen002_trips_on_open_holding_cases if {
	snapshot := object.union(fresh, {"cases": [
		{"id": "CS-1", "kind": "complaint", "status": "open"},
		{"id": "CS-2", "kind": "legal_hold", "status": "open", "opened_at": "2026-09-01T08:00:00Z"},
		{"id": "CS-3", "kind": "dispute", "status": "open"},
		{"id": "CS-4", "kind": "chargeback", "status": "open"},
		{"id": "CS-5", "kind": "litigation", "status": "open"},
	]})
	findings := common.deny with input as snapshot with data.closeout.context as context
	ids(findings) == {"GEN-002"}
	{f.pointer | some f in findings} == {"/cases/1", "/cases/2", "/cases/3", "/cases/4"}
	some f in findings
	f.pointer == "/cases/1"
	f.msg == "legal hold case CS-2 is open since 2026-09-01T08:00:00Z"
}

test_gen002_clears_on_closed_cases if {
	snapshot := object.union(fresh, {"cases": [
		{"id": "CS-2", "kind": "legal_hold", "status": "closed"},
		{"id": "CS-3", "kind": "dispute", "status": "closed"},
		{"id": "CS-6", "kind": "report", "status": "open"},
	]})
	count(common.deny) == 0 with input as snapshot with data.closeout.context as context
}

# RFC 3339 allows lower-case "t" and "z", and the snapshot schema accepts them.
# A stale snapshot must trip GEN-001 however it spells them (the old shape check
# rejected "t", so the snapshot passed; OPA's parser rejects "z").
test_gen001_trips_on_lower_case_t if {
	snapshot := object.union(fresh, {"snapshot_id": "acme-2026-11-01", "exported_at": "2026-11-01t10:00:00Z"})
	common.deny == {{
		"id": "GEN-001",
		"msg": "snapshot acme-2026-11-01 was exported at 2026-11-01t10:00:00Z, 19.6 days before now (limit 7 days)",
		"pointer": "/exported_at",
	}} with input as snapshot with data.closeout.context as context
}

test_gen001_trips_on_lower_case_z if {
	snapshot := object.union(fresh, {"exported_at": "2026-11-01T10:00:00z"})
	ids(common.deny) == {"GEN-001"} with input as snapshot with data.closeout.context as context
}

test_gen001_clears_on_fresh_lower_case_timestamp if {
	snapshot := object.union(fresh, {"exported_at": "2026-11-20t10:00:00z"})
	count(common.deny) == 0 with input as snapshot with data.closeout.context as context
}

# GEN-003

reads := {
	"common": {"GEN-001": ["exported_at"], "GEN-002": ["cases"], "GEN-003": []},
	"acme": {"ACM-001": ["billing.invoices", "account.plan"]},
}

test_gen003_trips_on_an_unknown_path_a_condition_reads if {
	snapshot := object.union(fresh, {"unknown": ["billing.invoices"]})
	findings := {f | some f in common.deny; f.id == "GEN-003"} with input as snapshot
		with data.closeout.context as context
		with data.closeout.reads as reads
	findings == {{
		"id": "GEN-003",
		"msg": "the export could not see billing.invoices (listed in unknown), read by ACM-001, which cannot be decided without it",
		"pointer": "/unknown/0",
	}}
}

test_gen003_trips_when_the_unknown_path_contains_or_lies_inside_a_read if {
	contains_read := object.union(fresh, {"unknown": ["billing"]})
	count({f | some f in common.deny; f.id == "GEN-003"}) == 1 with input as contains_read
		with data.closeout.context as context
		with data.closeout.reads as reads
	inside_read := object.union(fresh, {"unknown": ["cases.0.kind"]})
	count({f | some f in common.deny; f.id == "GEN-003"}) == 1 with input as inside_read
		with data.closeout.context as context
		with data.closeout.reads as reads
}

test_gen003_clears_for_paths_no_condition_reads if {
	snapshot := object.union(fresh, {"unknown": ["billing.payments", "account.planet", "accounts"]})
	count({f | some f in common.deny; f.id == "GEN-003"}) == 0 with input as snapshot
		with data.closeout.context as context
		with data.closeout.reads as reads
}

test_gen003_trips_on_any_unknown_path_without_the_reads_table if {
	snapshot := object.union(fresh, {"unknown": ["anything"]})
	count({f | some f in common.deny; f.id == "GEN-003"}) == 1 with input as snapshot
		with data.closeout.context as context
		with data.closeout.reads as null
}

test_gen003_trips_on_a_missing_fact_of_the_provider if {
	facts := {"acme": {"missing_facts": {{"path": "account.plan", "ids": ["ACM-001"], "pointer": "/account/plan"}}}}
	{f | some f in common.deny; f.id == "GEN-003"} == {{
		"id": "GEN-003",
		"msg": "the snapshot does not give account.plan (absent or null), which ACM-001 needs to decide",
		"pointer": "/account/plan",
	}} with input as fresh
		with data.closeout.context as context
		with data.closeout.reads as reads
		with data.closeout.facts as facts
}
