package closeout.sipstation_test

import rego.v1

import data.closeout.sipstation

# A request that trips nothing: the port has completed, the location's
# services are cancelled, its DID is ported and the date is the cycle end.
clean := {
	"schema_version": 1,
	"provider": "sipstation",
	"request": {
		"requested_by": "c-1",
		"requested_date": "2026-12-14",
		"reason": "Moving to a new carrier",
		"confirmed": true,
		"location_id": "loc-1",
	},
	"billing": {"cycle_end": "2026-12-14"},
	"telephony": {
		"dids": [{"number": "+12565550100", "location_id": "loc-1", "disposition": "ported"}],
		"port_outs": [{
			"id": "PO-1", "numbers": ["+12565550100"], "status": "completed",
			"foc_date": "2026-11-10", "location_id": "loc-1",
		}],
		"services": [{"id": "trunk-1", "kind": "trunk", "location_id": "loc-1", "status": "cancelled"}],
	},
}

ids(findings) := {f.id | some f in findings}

with_telephony(telephony) := object.union(clean, {"telephony": telephony})

with_request(request) := object.union(clean, {"request": request})

test_clean_trips_nothing if {
	count(sipstation.deny) == 0 with input as clean
	count(sipstation.warn) == 0 with input as clean
}

# SIP-001

test_sip001_trips_on_authorized_port if {
	snapshot := with_telephony({"port_outs": [{
		"id": "PO-3", "numbers": ["+12565550100"], "status": "authorized",
		"foc_date": "2026-12-01", "location_id": "loc-1",
	}]})
	sipstation.deny == {{
		"id": "SIP-001",
		"msg": "port-out PO-3 of +12565550100 is authorized, FOC 2026-12-01",
		"pointer": "/telephony/port_outs/0",
	}} with input as snapshot
}

test_sip001_trips_on_pending_and_foc_received if {
	snapshot := with_telephony({"port_outs": [
		{"id": "PO-4", "numbers": ["+12565550101"], "status": "pending", "location_id": "loc-1"},
		{"id": "PO-5", "numbers": ["+12565550102"], "status": "foc_received", "foc_date": "2026-11-30", "location_id": "loc-2"},
	]})
	findings := sipstation.deny with input as snapshot
	ids(findings) == {"SIP-001"}
	{f.pointer | some f in findings} == {"/telephony/port_outs/0", "/telephony/port_outs/1"}
}

test_sip001_trips_on_unfinished_port_with_foc_after_requested_date if {
	snapshot := with_telephony({"port_outs": [{
		"id": "PO-6", "numbers": ["+12565550103"], "foc_date": "2026-12-20", "location_id": "loc-1",
	}]})
	findings := sipstation.deny with input as snapshot
	ids(findings) == {"SIP-001"}
	some f in findings
	f.pointer == "/telephony/port_outs/0"
	contains(f.msg, "after the requested date 2026-12-14")
}

# A port-out without a status is not finished: `not port_out.status in ...`
# was undefined in OPA for an absent status, so a late FOC went unreported.
test_sip001_trips_on_port_without_status_and_late_foc if {
	snapshot := with_telephony({"port_outs": [{"id": "PO-9", "numbers": ["+12565550113"], "foc_date": "2026-12-20"}]})
	sipstation.deny == {{
		"id": "SIP-001",
		"msg": "port-out PO-9 of +12565550113 is without a status, FOC 2026-12-20, after the requested date 2026-12-14",
		"pointer": "/telephony/port_outs/0",
	}} with input as snapshot
}

test_sip001_clears_on_finished_ports if {
	snapshot := with_telephony({"port_outs": [
		{"id": "PO-1", "numbers": ["+12565550100"], "status": "completed", "foc_date": "2026-12-20", "location_id": "loc-1"},
		{"id": "PO-2", "numbers": ["+12565550101"], "status": "cancelled", "foc_date": "2026-12-20", "location_id": "loc-1"},
	]})
	count(sipstation.deny) == 0 with input as snapshot
}

test_sip001_ignores_unpaid_balance if {
	snapshot := object.union(clean, {"billing": {"invoices": [
		{"id": "INV-9", "amount_due": 80.0, "due_date": "2026-11-01", "status": "overdue"},
	]}})
	count(sipstation.deny) == 0 with input as snapshot
}

# SIP-007

test_sip007_trips_on_rejected_port if {
	snapshot := with_telephony({"port_outs": [{
		"id": "PO-7", "numbers": ["+12565550104", "+12565550105"], "status": "rejected",
		"foc_date": "2026-12-20", "location_id": "loc-1",
	}]})
	sipstation.deny == {{
		"id": "SIP-007",
		"msg": "port-out PO-7 of +12565550104, +12565550105 was rejected",
		"pointer": "/telephony/port_outs/0",
	}} with input as snapshot
}

test_sip007_clears_on_cancelled_port if {
	snapshot := with_telephony({"port_outs": [{
		"id": "PO-7", "numbers": ["+12565550104"], "status": "cancelled", "location_id": "loc-1",
	}]})
	count(sipstation.deny) == 0 with input as snapshot
}

# SIP-002

test_sip002_trips_on_undecided_did_at_location if {
	snapshot := with_telephony({"dids": [
		{"number": "+12565550100", "location_id": "loc-1", "disposition": "ported"},
		{"number": "+12565550106", "location_id": "loc-1", "disposition": "undecided"},
	]})
	sipstation.deny == {{
		"id": "SIP-002",
		"msg": "DID +12565550106 at location loc-1 is undecided (not ported, moved or marked not needed)",
		"pointer": "/telephony/dids/1",
	}} with input as snapshot
}

test_sip002_trips_everywhere_when_request_names_no_location if {
	snapshot := json.remove(
		with_telephony({"dids": [{"number": "+12565550107", "location_id": "loc-2", "disposition": "undecided"}]}),
		["request/location_id"],
	)
	findings := sipstation.deny with input as snapshot
	ids(findings) == {"SIP-002"}
	{f.pointer | some f in findings} == {"/telephony/dids/0"}
}

test_sip002_clears_on_decided_dids_and_other_location if {
	snapshot := with_telephony({"dids": [
		{"number": "+12565550100", "location_id": "loc-1", "disposition": "ported"},
		{"number": "+12565550108", "location_id": "loc-1", "disposition": "moved"},
		{"number": "+12565550109", "location_id": "loc-1", "disposition": "not_needed"},
		{"number": "+12565550110", "location_id": "loc-1", "disposition": "porting"},
		{"number": "+12565550111", "location_id": "loc-2", "disposition": "undecided"},
	]})
	count(sipstation.deny) == 0 with input as snapshot
}

# SIP-003

test_sip003_trips_on_missing_requested_date if {
	snapshot := json.remove(clean, ["request/requested_date"])
	sipstation.deny == {{
		"id": "SIP-003",
		"msg": "the cancellation request has no requested cancellation date",
		"pointer": "/request/requested_date",
	}} with input as snapshot
}

test_sip003_trips_once_per_missing_field if {
	snapshot := json.remove(with_request({"reason": "  "}), ["request/requested_date"])
	findings := sipstation.deny with input as snapshot
	ids(findings) == {"SIP-003"}
	{f.pointer | some f in findings} == {"/request/requested_date", "/request/reason"}
}

test_sip003_trips_on_absent_reason if {
	snapshot := json.remove(clean, ["request/reason"])
	findings := sipstation.deny with input as snapshot
	{[f.id, f.pointer] | some f in findings} == {["SIP-003", "/request/reason"]}
}

# A request that carries neither field: both are reported (`not
# has_text(<absent field>)` was undefined in OPA, so neither was).
test_sip003_trips_on_request_without_date_or_reason if {
	snapshot := object.union(object.remove(clean, ["request"]), {"request": {"confirmed": true}})
	sipstation.deny == {
		{"id": "SIP-003", "msg": "the cancellation request has no requested cancellation date", "pointer": "/request/requested_date"},
		{"id": "SIP-003", "msg": "the cancellation request gives no reason for cancellation", "pointer": "/request/reason"},
	} with input as snapshot
}

test_sip003_clears_on_complete_form if {
	count(sipstation.deny) == 0 with input as with_request({"reason": "x", "requested_date": "2026-12-14"})
}

# SIP-004

test_sip004_trips_when_not_confirmed if {
	sipstation.deny == {{
		"id": "SIP-004",
		"msg": "the cancellation is not confirmed (the confirmation switch is not on)",
		"pointer": "/request/confirmed",
	}} with input as with_request({"confirmed": false})
}

test_sip004_trips_when_confirmation_absent if {
	ids(sipstation.deny) == {"SIP-004"} with input as json.remove(clean, ["request/confirmed"])
}

test_sip004_clears_when_confirmed if {
	count(sipstation.deny) == 0 with input as with_request({"confirmed": true})
}

# SIP-005

test_sip005_trips_on_active_service_after_completed_port if {
	snapshot := with_telephony({"services": [
		{"id": "trunk-1", "kind": "trunk", "location_id": "loc-1", "status": "active"},
		{"id": "fax-1", "kind": "fax", "location_id": "loc-1", "status": "cancelled"},
	]})
	count(sipstation.deny) == 0 with input as snapshot
	sipstation.warn == {{
		"id": "SIP-005",
		"msg": "trunk trunk-1 at location loc-1 is still active after port-out PO-1 completed: it keeps being billed monthly",
		"pointer": "/telephony/services/0",
	}} with input as snapshot
}

test_sip005_clears_at_another_location if {
	snapshot := with_telephony({
		"port_outs": [
			{"id": "PO-1", "numbers": ["+12565550100"], "status": "completed", "location_id": "loc-1"},
			{"id": "PO-8", "numbers": ["+12565550112"], "status": "completed", "location_id": "loc-2"},
		],
		"services": [
			{"id": "trunk-1", "kind": "trunk", "location_id": "loc-1", "status": "cancelled"},
			{"id": "trunk-2", "kind": "trunk", "location_id": "loc-2", "status": "active"},
		],
	})
	count(sipstation.warn) == 0 with input as snapshot
}

test_sip005_trips_everywhere_when_request_names_no_location if {
	snapshot := json.remove(
		with_telephony({
			"port_outs": [{"id": "PO-8", "numbers": ["+12565550112"], "status": "completed", "location_id": "loc-2"}],
			"services": [{"id": "trunk-2", "kind": "trunk", "location_id": "loc-2", "status": "active"}],
		}),
		["request/location_id"],
	)
	ids(sipstation.warn) == {"SIP-005"} with input as snapshot
}

# With no location named, the whole account closes: a port-out or a service
# without a location_id is at "the request's location" and pairs with every
# counterpart. Both used to be missed.
test_sip005_trips_for_service_without_location_when_request_names_none if {
	snapshot := json.remove(
		with_telephony({
			"port_outs": [{"id": "PO-8", "numbers": ["+12565550112"], "status": "completed", "location_id": "loc-2"}],
			"services": [{"id": "trunk-2", "kind": "trunk", "status": "active"}],
		}),
		["request/location_id"],
	)
	sipstation.warn == {{
		"id": "SIP-005",
		"msg": "trunk trunk-2 (no location recorded) is still active after port-out PO-8 completed: it keeps being billed monthly",
		"pointer": "/telephony/services/0",
	}} with input as snapshot
}

test_sip005_trips_for_port_without_location_when_request_names_none if {
	snapshot := json.remove(
		with_telephony({
			"port_outs": [
				{"id": "PO-8", "numbers": ["+12565550112"], "status": "completed"},
				{"id": "PO-9", "numbers": ["+12565550113"], "status": "completed", "location_id": "loc-3"},
			],
			"services": [
				{"id": "trunk-2", "kind": "trunk", "location_id": "loc-2", "status": "active"},
				{"id": "trunk-4", "kind": "trunk", "status": "active"},
			],
		}),
		["request/location_id"],
	)
	{f.msg | some f in sipstation.warn} == {
		"trunk trunk-2 at location loc-2 is still active after port-out PO-8 completed: it keeps being billed monthly",
		"trunk trunk-4 (no location recorded) is still active after port-out PO-8, PO-9 completed: it keeps being billed monthly",
	} with input as snapshot
}

test_sip005_clears_for_unlocated_objects_when_request_names_a_location if {
	snapshot := with_telephony({
		"port_outs": [
			{"id": "PO-1", "numbers": ["+12565550100"], "status": "completed", "location_id": "loc-1"},
			{"id": "PO-8", "numbers": ["+12565550112"], "status": "completed"},
		],
		"services": [
			{"id": "trunk-1", "kind": "trunk", "location_id": "loc-1", "status": "cancelled"},
			{"id": "trunk-2", "kind": "trunk", "status": "active"},
		],
	})
	count(sipstation.warn) == 0 with input as snapshot
}

test_sip005_clears_for_different_known_locations_when_request_names_none if {
	snapshot := json.remove(
		with_telephony({
			"port_outs": [{"id": "PO-8", "numbers": ["+12565550112"], "status": "completed", "location_id": "loc-2"}],
			"services": [{"id": "trunk-3", "kind": "trunk", "location_id": "loc-3", "status": "active"}],
		}),
		["request/location_id"],
	)
	count(sipstation.warn) == 0 with input as snapshot
}

# SIP-006

test_sip006_trips_before_cycle_end if {
	snapshot := with_request({"requested_date": "2026-12-07"})
	count(sipstation.deny) == 0 with input as snapshot
	sipstation.warn == {{
		"id": "SIP-006",
		"msg": "the requested date 2026-12-07 is 7 days before the billing cycle ends on 2026-12-14: those days are not refunded, and cancelled numbers cannot be recovered",
		"pointer": "/request/requested_date",
	}} with input as snapshot
}

test_sip006_clears_at_cycle_end_or_without_cycle if {
	count(sipstation.warn) == 0 with input as with_request({"requested_date": "2026-12-14"})
	count(sipstation.warn) == 0 with input as json.remove(with_request({"requested_date": "2026-12-07"}), ["billing/cycle_end"])
}
