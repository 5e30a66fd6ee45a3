package closeout.ukfast_test

import rego.v1

import data.closeout.ukfast

# A clean snapshot: only UKF-009 (always reported) comes out of it.
base := {
	"schema_version": 1,
	"snapshot_id": "test-ukfast",
	"exported_at": "2026-11-20T10:00:00Z",
	"provider": "ukfast",
	"account": {
		"id": "10042",
		"name": "Acme Ltd",
		"type": "enterprise",
		"primary_contact_id": "c-1",
		"contacts": [
			{"id": "c-1", "name": "Ada Lovelace", "roles": ["primary"]},
			{"id": "c-2", "name": "Bob Smith", "roles": ["billing"]},
		],
	},
	"request": {"requested_by": "c-1", "requested_date": "2027-01-05"},
	"billing": {"currency": "GBP", "invoices": [], "invoice_queries": []},
	"contracts": [],
	"resources": [{
		"id": "i-keep",
		"type": "ukfast.ecloud_vpc_instance",
		"name": "db-1",
		"state": "live",
		"status": "complete",
		"in_contract": true,
		"holds_data": true,
		"last_backup_at": "2026-11-19T02:00:00Z",
	}],
}

with_request(req) := object.union(base, {"request": req})

with_resources(rs) := object.union(base, {"resources": rs})

with_contracts(cs) := object.union(base, {"contracts": cs})

with_billing(b) := object.union(base, {"billing": b})

findings(snapshot) := (d | w) | n if {
	d := ukfast.deny with input as snapshot
	w := ukfast.warn with input as snapshot
	n := ukfast.info with input as snapshot
}

ids(snapshot) := {f.id | some f in findings(snapshot)}

denied(snapshot) := d if {
	d := ukfast.deny with input as snapshot
}

warned(snapshot) := w if {
	w := ukfast.warn with input as snapshot
}

resource(id, type, extra) := object.union({"id": id, "type": type, "state": "live", "status": "running"}, extra)

# The base snapshot itself: nothing but the account-manager notice.
test_base_is_clean if {
	ids(base) == {"UKF-009"}
}

# UKF-001

test_ukf001_trips_for_another_contact if {
	s := with_request({"requested_by": "c-2"})
	ids(s) == {"UKF-001", "UKF-009"}
	some f in denied(s)
	f == {
		"id": "UKF-001",
		"msg": "the request was raised by contact \"Bob Smith\" (c-2), not by the primary contact \"Ada Lovelace\" (c-1)",
		"pointer": "/request/requested_by",
	}
}

test_ukf001_trips_without_requester if {
	ids(json.remove(base, ["request/requested_by"])) == {"UKF-001", "UKF-009"}
}

test_ukf001_trips_without_primary_contact if {
	s := json.remove(base, ["account/primary_contact_id"])
	ids(s) == {"UKF-001", "UKF-009"}
}

test_ukf001_clears_for_primary_contact if {
	ids(with_request({"requested_by": "c-1"})) == {"UKF-009"}
}

# An absent requested_by or primary_contact_id must still give UKF-001 its
# message: `not is_string(<absent field>)` is undefined in OPA, not true.
test_ukf001_message_when_request_names_no_requester if {
	s := json.remove(base, ["request/requested_by"])
	denied(s) == {{
		"id": "UKF-001",
		"msg": "the request does not name who raised it; only the primary contact can close the account",
		"pointer": "/request/requested_by",
	}}
}

test_ukf001_message_when_account_has_no_primary_contact if {
	s := json.remove(with_request({"requested_by": "c-2"}), ["account/primary_contact_id"])
	denied(s) == {{
		"id": "UKF-001",
		"msg": "the account has no primary contact on record, so contact \"Bob Smith\" (c-2) cannot be confirmed as the primary contact",
		"pointer": "/request/requested_by",
	}}
}

# Two contacts sharing an id: the label is the first listed one with a name,
# never two values (a conflict error in OPA and in closeout).
test_ukf001_duplicate_contact_ids_label_the_first_listed if {
	s := object.union(with_request({"requested_by": "c-2"}), {"account": {"contacts": [
		{"id": "c-1", "name": "Ada Lovelace"},
		{"id": "c-2"},
		{"id": "c-2", "name": "Bob Smith"},
		{"id": "c-2", "name": "Robert Smith"},
	]}})
	denied(s) == {{
		"id": "UKF-001",
		"msg": "the request was raised by contact \"Bob Smith\" (c-2), not by the primary contact \"Ada Lovelace\" (c-1)",
		"pointer": "/request/requested_by",
	}}
}

# UKF-002

test_ukf002_trips_within_term if {
	s := with_contracts([{"id": "K-1", "product": "eCloud VPC", "status": "active", "term_end": "2027-03-31", "notice_period_days": 30}])
	ids(s) == {"UKF-002", "UKF-009"}
	some f in denied(s)
	f.pointer == "/contracts/0"
	f.msg == "contract K-1 (eCloud VPC) is active and cannot end by the requested date 2027-01-05: its term runs to 2027-03-31"
}

test_ukf002_trips_within_notice if {
	s := with_contracts([{"id": "K-2", "product": "Shared Exchange", "status": "active", "term_end": "2026-12-31", "notice_period_days": 90}])
	ids(s) == {"UKF-002", "UKF-009"}
	some f in denied(s)
	f.msg == "contract K-2 (Shared Exchange) is active and cannot end by the requested date 2027-01-05: its 90-day notice period from 2026-11-20 runs to 2027-02-18"
}

test_ukf002_one_finding_for_term_and_notice if {
	s := with_contracts([{"id": "K-3", "status": "active", "term_end": "2027-06-30", "notice_period_days": 90}])
	count({f | some f in denied(s)}) == 1
	ids(s) == {"UKF-002", "UKF-009"}
}

test_ukf002_trips_without_requested_date if {
	# the export date 2026-11-20 stands in; the 30-day notice runs to 2026-12-20
	s := object.union(
		json.remove(base, ["request/requested_date"]),
		{"contracts": [{"id": "K-4", "status": "active", "term_end": "2026-11-01", "notice_period_days": 30}]},
	)
	ids(s) == {"UKF-002", "UKF-009"}
}

test_ukf002_clears_after_term_and_notice if {
	# term ends on the requested date and the 30-day notice ends on 2026-12-20
	ids(with_contracts([{"id": "K-5", "status": "active", "term_end": "2027-01-05", "notice_period_days": 30}])) == {"UKF-009"}
}

test_ukf002_clears_on_notice_end_date if {
	s := object.union(with_request({"requested_date": "2027-02-18"}), {"contracts": [{"id": "K-6", "status": "active", "term_end": "2027-01-31", "notice_period_days": 90}]})
	ids(s) == {"UKF-009"}
}

# No notice_period_days means no notice: a requested date before the export
# date is not "within a 0-day notice period", and the term has ended.
test_ukf002_clears_without_notice_period_for_a_date_before_the_export if {
	s := object.union(
		with_request({"requested_by": "c-1", "requested_date": "2026-11-01"}),
		{"contracts": [{"id": "K-9", "status": "active", "term_end": "2026-10-01"}]},
	)
	ids(s) == {"UKF-009"}
}

test_ukf002_without_notice_period_still_trips_on_term if {
	s := object.union(
		with_request({"requested_by": "c-1", "requested_date": "2026-11-01"}),
		{"contracts": [{"id": "K-10", "status": "active", "term_end": "2026-12-31"}]},
	)
	denied(s) == {{
		"id": "UKF-002",
		"msg": "contract K-10 is active and cannot end by the requested date 2026-11-01: its term runs to 2026-12-31",
		"pointer": "/contracts/0",
	}}
}

test_ukf002_clears_for_ended_contract if {
	cs := [
		{"id": "K-7", "status": "ended", "term_end": "2027-03-31", "notice_period_days": 90},
		{"id": "K-8", "status": "terminated", "term_end": "2028-01-31", "notice_period_days": 90},
	]
	ids(with_contracts(cs)) == {"UKF-009"}
}

# UKF-003

test_ukf003_trips_for_live_vm if {
	s := with_resources([resource("vm-1", "ukfast.ecloud_v1_vm", {"name": "legacy-web"})])
	ids(s) == {"UKF-003", "UKF-009"}
	some f in denied(s)
	f == {
		"id": "UKF-003",
		"msg": "eCloud Public v1 VM \"legacy-web\" (vm-1) is not in contract and still exists (status \"running\")",
		"pointer": "/resources/0",
	}
}

test_ukf003_clears_for_gone_or_contracted_vm if {
	ids(with_resources([
		resource("vm-2", "ukfast.ecloud_v1_vm", {"state": "gone", "status": "deleted"}),
		resource("vm-3", "ukfast.ecloud_v1_vm", {"in_contract": true}),
	])) == {"UKF-009"}
}

# UKF-004

test_ukf004_trips_for_uncontracted_instance if {
	s := with_resources([resource("i-1", "ukfast.ecloud_vpc_instance", {"in_contract": false})])
	ids(s) == {"UKF-004", "UKF-009"}
	some f in denied(s)
	f.pointer == "/resources/0"
}

test_ukf004_clears_for_gone_or_contracted_instance if {
	ids(with_resources([
		resource("i-2", "ukfast.ecloud_vpc_instance", {"state": "gone"}),
		resource("i-3", "ukfast.ecloud_vpc_instance", {"in_contract": true}),
	])) == {"UKF-009"}
}

# UKF-005

test_ukf005_trips_for_empty_vpc if {
	s := with_resources([resource("vpc-1", "ukfast.ecloud_vpc", {"name": "prod"})])
	ids(s) == {"UKF-005", "UKF-009"}
	some f in denied(s)
	f.msg == "eCloud VPC \"prod\" (vpc-1) is not in contract and still exists (status \"running\")"
}

test_ukf005_message_lists_what_the_vpc_holds if {
	s := with_resources([
		resource("vpc-1", "ukfast.ecloud_vpc", {"name": "prod", "status": "complete"}),
		resource("i-1", "ukfast.ecloud_vpc_instance", {"parent_id": "vpc-1", "in_contract": true}),
		resource("i-0", "ukfast.ecloud_vpc_instance", {"parent_id": "vpc-1", "state": "gone"}),
		resource("vol-1", "ukfast.ecloud_volume", {"parent_id": "vpc-1", "in_contract": true}),
	])
	ids(s) == {"UKF-005", "UKF-009"}
	some f in denied(s)
	f.msg == "eCloud VPC \"prod\" (vpc-1) is not in contract and still exists (status \"complete\"), holding instances i-1; volumes vol-1"
}

test_ukf005_clears_for_gone_or_contracted_vpc if {
	ids(with_resources([
		resource("vpc-2", "ukfast.ecloud_vpc", {"state": "gone"}),
		resource("vpc-3", "ukfast.ecloud_vpc", {"in_contract": true}),
	])) == {"UKF-009"}
}

# UKF-006

test_ukf006_trips_for_exchange_domain if {
	s := with_resources([resource("ex-1", "ukfast.shared_exchange_domain", {"name": "acme.example"})])
	ids(s) == {"UKF-006", "UKF-009"}
}

test_ukf006_clears_for_gone_or_contracted_domain if {
	ids(with_resources([
		resource("ex-2", "ukfast.shared_exchange_domain", {"state": "gone"}),
		resource("ex-3", "ukfast.shared_exchange_domain", {"in_contract": true}),
	])) == {"UKF-009"}
}

# UKF-007

test_ukf007_trips_without_backup if {
	s := with_resources([
		resource("srv-1", "ukfast.dedicated_server", {"in_contract": true, "holds_data": true, "last_backup_at": null}),
		resource("db-1", "ukfast.mysql_database", {"in_contract": true, "holds_data": true}),
	])
	ids(s) == {"UKF-007", "UKF-009"}
	{f.pointer | some f in warned(s)} == {"/resources/0/last_backup_at", "/resources/1/last_backup_at"}
}

test_ukf007_trips_for_stale_backup if {
	# one second more than 30 days before exported_at
	s := with_resources([resource("srv-2", "ukfast.dedicated_server", {"in_contract": true, "holds_data": true, "last_backup_at": "2026-10-21T09:59:59Z"})])
	ids(s) == {"UKF-007", "UKF-009"}
}

# An absent last_backup_at is "no backup": `not is_timestamp(r.last_backup_at)`
# was undefined in OPA for an absent field, so only null warned there.
test_ukf007_message_when_last_backup_at_absent if {
	s := with_resources([resource("db-1", "ukfast.mysql_database", {"in_contract": true, "holds_data": true})])
	warned(s) == {{
		"id": "UKF-007",
		"msg": "MySQL database db-1 holds data and has no backup on record",
		"pointer": "/resources/0/last_backup_at",
	}}
}

# RFC 3339 allows lower-case "t" and "z" (the schema accepts them); OPA's
# time.parse_rfc3339_ns does not, so the policy upper-cases before parsing.
test_ukf007_reads_lower_case_timestamps if {
	stale := object.union(
		with_resources([resource("srv-2", "ukfast.dedicated_server", {"in_contract": true, "holds_data": true, "last_backup_at": "2026-10-21t09:59:59z"})]),
		{"exported_at": "2026-11-20t10:00:00z"},
	)
	warned(stale) == {{
		"id": "UKF-007",
		"msg": "dedicated server srv-2 holds data and was last backed up 2026-10-21t09:59:59z, more than 30 days before the export",
		"pointer": "/resources/0/last_backup_at",
	}}
	recent := with_resources([resource("srv-3", "ukfast.dedicated_server", {"in_contract": true, "holds_data": true, "last_backup_at": "2026-10-21t10:00:00z"})])
	ids(recent) == {"UKF-009"}
}

test_ukf007_clears_for_recent_backup_or_no_data if {
	ids(with_resources([
		resource("srv-3", "ukfast.dedicated_server", {"in_contract": true, "holds_data": true, "last_backup_at": "2026-10-21T10:00:00Z"}),
		resource("srv-4", "ukfast.dedicated_server", {"in_contract": true, "holds_data": false}),
		resource("srv-5", "ukfast.dedicated_server", {"in_contract": true, "state": "gone", "holds_data": true}),
	])) == {"UKF-009"}
}

# UKF-008

test_ukf008_trips_for_amount_due if {
	s := with_billing({"currency": "GBP", "invoices": [{"id": "INV-1", "amount_due": 120.5, "due_date": "2026-11-01", "status": "overdue"}]})
	ids(s) == {"UKF-008", "UKF-009"}
	some f in denied(s)
	f == {"id": "UKF-008", "msg": "invoice INV-1 still has 120.5 GBP due (status overdue)", "pointer": "/billing/invoices/0"}
}

test_ukf008_trips_for_open_query if {
	s := with_billing({"invoices": [{"id": "INV-2", "amount_due": 0, "status": "paid"}], "invoice_queries": [{"id": "Q-1", "invoice_id": "INV-2", "status": "open"}]})
	ids(s) == {"UKF-008", "UKF-009"}
	some f in denied(s)
	f.pointer == "/billing/invoice_queries/0"
}

test_ukf008_clears_for_paid_invoice_and_resolved_query if {
	ids(with_billing({
		"invoices": [
			{"id": "INV-3", "amount_due": 0, "status": "paid"},
			{"id": "INV-4", "amount_due": 0, "status": "void"},
		],
		"invoice_queries": [{"id": "Q-2", "invoice_id": "INV-3", "status": "resolved"}],
	})) == {"UKF-009"}
}

# UKF-009

test_ukf009_reported_once_for_every_snapshot if {
	s := with_request({"requested_by": "c-2"})
	infos := ukfast.info with input as s
	infos == {{
		"id": "UKF-009",
		"msg": "closing account \"Acme Ltd\" (10042) goes through its UKFast Account Manager",
		"pointer": "/account",
	}}
}

test_ukf009_is_never_a_block_or_warning if {
	s := with_resources([resource("vm-1", "ukfast.ecloud_v1_vm", {"holds_data": true})])
	{f.id | some f in denied(s)} == {"UKF-003"}
	{f.id | some f in warned(s)} == {"UKF-007"}
}

# UKF-010

test_ukf010_trips_for_floating_ip_and_volume if {
	s := with_resources([
		resource("i-9", "ukfast.ecloud_vpc_instance", {"state": "gone", "status": "deleted"}),
		resource("fip-1", "ukfast.ecloud_floating_ip", {"status": "unassigned"}),
		resource("vol-1", "ukfast.ecloud_volume", {"status": "available"}),
	])
	ids(s) == {"UKF-010", "UKF-009"}
	{f.pointer | some f in denied(s)} == {"/resources/1", "/resources/2"}
}

test_ukf010_clears_for_gone_or_contracted if {
	ids(with_resources([
		resource("fip-2", "ukfast.ecloud_floating_ip", {"state": "gone"}),
		resource("vol-2", "ukfast.ecloud_volume", {"in_contract": true}),
	])) == {"UKF-009"}
}

# UKF-011

test_ukf011_trips_for_changing_and_failed if {
	s := with_resources([
		resource("srv-6", "ukfast.dedicated_server", {"in_contract": true, "state": "changing", "status": "Reinstalling OS"}),
		resource("db-2", "ukfast.mysql_database", {"in_contract": true, "state": "failed", "status": "deprovision_failed"}),
	])
	ids(s) == {"UKF-011", "UKF-009"}
	{f.msg | some f in denied(s)} == {
		"dedicated server srv-6 is changing (status \"Reinstalling OS\")",
		"MySQL database db-2 is failed (status \"deprovision_failed\")",
	}
}

test_ukf011_also_reports_the_uncontracted_resource if {
	s := with_resources([resource("i-4", "ukfast.ecloud_vpc_instance", {"state": "failed", "status": "failed"})])
	ids(s) == {"UKF-004", "UKF-011", "UKF-009"}
}

test_ukf011_clears_for_live_and_gone if {
	ids(with_resources([
		resource("srv-7", "ukfast.dedicated_server", {"in_contract": true}),
		resource("srv-8", "ukfast.dedicated_server", {"state": "gone"}),
	])) == {"UKF-009"}
}
