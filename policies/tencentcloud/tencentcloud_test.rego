package closeout.tencentcloud_test

import rego.v1

import data.closeout.tencentcloud

# A snapshot that trips no block condition: verified enterprise account with a
# colour business identification, verified recovery mobile, the obligations
# attestation made, and nothing else.
clean := {
	"schema_version": 1,
	"snapshot_id": "test",
	"exported_at": "2026-11-20T10:00:00Z",
	"provider": "tencentcloud",
	"account": {
		"id": "100012345678",
		"name": "Acme Ltd",
		"type": "enterprise",
		"identity_verified": true,
		"recovery_mobile_verified": true,
	},
	"request": {
		"identity_documents": [{"kind": "business_identification", "color_scan": true}],
		"attestations": {"not_evading_obligations": true},
	},
}

# The clean snapshot with some parts merged in (objects merge deeply, lists replace).
snapshot(extra) := object.union(clean, extra)

deny_findings(snap) := findings if {
	findings := tencentcloud.deny with input as snap
}

deny_ids(snap) := {f.id | some f in deny_findings(snap)}

info_ids(snap) := {f.id | some f in infos} if {
	infos := tencentcloud.info with input as snap
}

test_clean_trips_nothing if {
	deny_ids(clean) == set()
}

# TCC-001

test_tcc_001_pending_order_trips if {
	deny_ids(snapshot({"billing": {"orders": [{"id": "ORD-9", "product": "cvm", "status": "pending"}]}})) == {"TCC-001"}
}

test_tcc_001_in_progress_order_trips if {
	findings := deny_findings(snapshot({"billing": {"orders": [
		{"id": "ORD-1", "status": "completed"},
		{"id": "ORD-2", "status": "in_progress"},
	]}}))
	findings == {{"id": "TCC-001", "msg": "order ORD-2 is still in progress", "pointer": "/billing/orders/1"}}
}

test_tcc_001_completed_and_cancelled_orders_clear if {
	deny_ids(snapshot({"billing": {"orders": [
		{"id": "ORD-1", "status": "completed"},
		{"id": "ORD-2", "status": "cancelled"},
	]}})) == set()
}

# TCC-002

test_tcc_002_unsettled_payment_and_unpaid_invoice_trip if {
	findings := deny_findings(snapshot({"billing": {
		"currency": "CNY",
		"payments": [{"id": "PAY-7", "amount": 30, "status": "unsettled"}, {"id": "PAY-8", "amount": 5, "status": "failed"}],
		"invoices": [{"id": "INV-1", "amount_due": 120.5, "status": "overdue"}],
	}}))
	{f.id | some f in findings} == {"TCC-002"}
	{f.pointer | some f in findings} == {"/billing/payments/0", "/billing/payments/1", "/billing/invoices/0"}
}

test_tcc_002_settled_payment_and_paid_invoice_clear if {
	deny_ids(snapshot({"billing": {
		"payments": [{"id": "PAY-7", "amount": 30, "status": "settled"}],
		"invoices": [
			{"id": "INV-1", "amount_due": 0, "status": "paid"},
			{"id": "INV-2", "status": "void"},
		],
	}})) == set()
}

# TCC-003

test_tcc_003_unused_voucher_trips if {
	findings := deny_findings(snapshot({"rights": {"vouchers": [{"id": "V-1", "balance": 50, "status": "unused"}]}}))
	findings == {{"id": "TCC-003", "msg": "voucher V-1 still holds 50 (status unused)", "pointer": "/rights/vouchers/0"}}
}

test_tcc_003_cash_gift_card_and_resource_trip if {
	findings := deny_findings(snapshot({
		"rights": {"cash_balance": 12.5, "gift_cards": [{"id": "GC-1", "balance": 10, "status": "active"}]},
		"resources": [{"id": "ins-1", "type": "tencentcloud.cvm", "state": "failed"}],
	}))
	{f.id | some f in findings} == {"TCC-003"}
	{f.pointer | some f in findings} == {"/rights/cash_balance", "/rights/gift_cards/0", "/resources/0"}
}

test_tcc_003_used_expired_empty_and_gone_clear if {
	deny_ids(snapshot({
		"rights": {
			"cash_balance": 0,
			"gift_cards": [{"id": "GC-1", "balance": 10, "status": "expired"}, {"id": "GC-2", "balance": 0, "status": "active"}],
			"vouchers": [{"id": "V-1", "balance": 50, "status": "used"}],
		},
		"resources": [
			{"id": "ins-1", "type": "tencentcloud.cvm", "state": "gone"},
			{"id": "i-9", "type": "ukfast.ecloud_v1_vm", "state": "live"},
		],
	})) == set()
}

test_tcc_003_rights_waived_clears if {
	deny_ids(snapshot({
		"request": {"attestations": {"rights_waived": true}},
		"rights": {"cash_balance": 3, "vouchers": [{"id": "V-1", "balance": 50, "status": "unused"}]},
		"resources": [{"id": "cos-1", "type": "tencentcloud.cos_bucket", "state": "live"}],
	})) == set()
}

# TCC-004

test_tcc_004_active_integration_trips if {
	findings := deny_findings(snapshot({"integrations": [
		{"id": "oauth-3", "kind": "oauth_app", "name": "CI deployer", "status": "active"},
		{"id": "saml-1", "kind": "external_authorization", "status": "revoked"},
	]}))
	findings == {{
		"id": "TCC-004",
		"msg": "third-party app \"CI deployer\" (oauth-3) is still bound to the account (status active)",
		"pointer": "/integrations/0",
	}}
}

test_tcc_004_revoked_integrations_clear if {
	deny_ids(snapshot({"integrations": [
		{"id": "oauth-3", "kind": "oauth_app", "status": "revoked"},
		{"id": "wx-1", "kind": "linked_account", "status": "revoked"},
	]})) == set()
}

# TCC-005

test_tcc_005_principal_trips if {
	findings := deny_findings(snapshot({"principals": [{"id": "mr-1", "kind": "message_recipient", "name": "Ops inbox"}]}))
	findings == {{"id": "TCC-005", "msg": "message recipient \"Ops inbox\" (mr-1) has not been deleted", "pointer": "/principals/0"}}
}

test_tcc_005_no_principals_clear if {
	deny_ids(snapshot({"principals": []})) == set()
}

# TCC-006

test_tcc_006_sub_user_key_trips_before_sub_user if {
	findings := deny_findings(snapshot({
		"principals": [{"id": "u-5", "kind": "sub_user", "name": "ops-bot"}],
		"api_keys": [{"id": "AKID5", "owner_id": "u-5", "status": "disabled"}],
	}))
	{f.id | some f in findings} == {"TCC-005", "TCC-006"}
	some f in findings
	f.id == "TCC-006"
	f.msg == "API key AKID5 of sub-user \"ops-bot\" (u-5) is disabled, not deleted; delete it before deleting the sub-user"
}

test_tcc_006_exporter_key_trips_with_last_advice if {
	findings := deny_findings(snapshot({"api_keys": [{"id": "AKIDroot", "owner_id": "100012345678", "status": "active"}]}))
	findings == {{
		"id": "TCC-006",
		"msg": "API key AKIDroot of the account owner 100012345678 is active, not deleted; it may be the exporter's own key: delete it last, after the export",
		"pointer": "/api_keys/0",
	}}
}

# A sub-user who is also a message recipient appears twice in principals
# under one id: the key's owner is the first listed, not a conflict error.
test_tcc_006_owner_listed_twice_is_the_first_listed if {
	findings := deny_findings(snapshot({
		"principals": [
			{"id": "u-5", "kind": "sub_user", "name": "ops"},
			{"id": "u-5", "kind": "message_recipient", "name": "ops"},
		],
		"api_keys": [{"id": "AKID5", "owner_id": "u-5", "status": "active"}],
	}))
	{f.pointer | some f in findings} == {"/principals/0", "/principals/1", "/api_keys/0"}
	{f.msg | some f in findings; f.id == "TCC-006"} == {"API key AKID5 of sub-user \"ops\" (u-5) is active, not deleted; delete it before deleting the sub-user"}
}

# The snapshot format: owner_id absent = the account itself.
test_tcc_006_key_without_owner_is_the_account_owners if {
	findings := deny_findings(snapshot({"api_keys": [{"id": "AKIDroot", "status": "active"}]}))
	findings == {{
		"id": "TCC-006",
		"msg": "API key AKIDroot of the account owner 100012345678 is active, not deleted; it may be the exporter's own key: delete it last, after the export",
		"pointer": "/api_keys/0",
	}}
}

test_tcc_006_deleted_keys_clear if {
	deny_ids(snapshot({"api_keys": [{"id": "AKID1", "owner_id": "100012345678", "status": "deleted"}]})) == set()
}

# TCC-007

data_resource := {"id": "cdb-1", "type": "tencentcloud.cdb", "name": "orders", "state": "live", "holds_data": true}

test_tcc_007_unexported_data_trips if {
	findings := deny_findings(snapshot({
		"request": {"attestations": {"rights_waived": true}},
		"resources": [data_resource],
	}))
	findings == {{
		"id": "TCC-007",
		"msg": "TencentDB for MySQL (CDB) instance \"orders\" (cdb-1) holds data that has not been exported",
		"pointer": "/resources/0",
	}}
}

test_tcc_007_exported_gone_or_dataless_clear if {
	deny_ids(snapshot({
		"request": {"attestations": {"rights_waived": true}},
		"resources": [
			data_resource,
			{"id": "cbs-1", "type": "tencentcloud.cbs", "state": "gone", "holds_data": true},
			{"id": "clb-1", "type": "tencentcloud.clb", "state": "live", "holds_data": false},
		],
		"data_exports": [{"resource_id": "cdb-1", "method": "mysqldump"}],
	})) == set()
}

test_tcc_007_retention_waived_clears if {
	deny_ids(snapshot({
		"request": {"attestations": {"rights_waived": true, "data_retention_waived": true}},
		"resources": [data_resource],
	})) == set()
}

# TCC-008

test_tcc_008_missing_attestation_trips if {
	findings := deny_findings(json.remove(clean, ["request/attestations/not_evading_obligations"]))
	{f.pointer | some f in findings} == {"/request/attestations/not_evading_obligations"}
	{f.id | some f in findings} == {"TCC-008"}
}

test_tcc_008_false_attestation_trips if {
	deny_ids(snapshot({"request": {"attestations": {"not_evading_obligations": false}}})) == {"TCC-008"}
}

test_tcc_008_attested_clears if {
	deny_ids(snapshot({"request": {"attestations": {"not_evading_obligations": true}}})) == set()
}

# TCC-009

test_tcc_009_open_complaint_and_report_trip if {
	findings := deny_findings(snapshot({"cases": [
		{"id": "CS-1", "kind": "complaint", "status": "open"},
		{"id": "CS-2", "kind": "report", "status": "open"},
	]}))
	{f.id | some f in findings} == {"TCC-009"}
	count(findings) == 2
}

test_tcc_009_closed_or_other_cases_clear if {
	deny_ids(snapshot({"cases": [
		{"id": "CS-1", "kind": "complaint", "status": "closed"},
		{"id": "CS-2", "kind": "report", "status": "closed"},
	]})) == set()
}

# TCC-010

test_tcc_010_unverified_mobile_trips if {
	deny_ids(snapshot({"account": {"recovery_mobile_verified": false}})) == {"TCC-010"}
	deny_ids(json.remove(clean, ["account/recovery_mobile_verified"])) == {"TCC-010"}
}

test_tcc_010_verified_mobile_clears if {
	deny_ids(snapshot({"account": {"recovery_mobile_verified": true}})) == set()
}

# TCC-011

test_tcc_011_wrong_document_kind_trips if {
	findings := deny_findings(snapshot({"request": {"identity_documents": [{"kind": "passport", "color_scan": true}]}}))
	{f.id | some f in findings} == {"TCC-011"}
	{f.pointer | some f in findings} == {"/request/identity_documents"}
}

test_tcc_011_no_documents_trips if {
	deny_ids(json.remove(clean, ["request/identity_documents"])) == {"TCC-011"}
}

test_tcc_011_black_and_white_scan_trips if {
	findings := deny_findings(snapshot({
		"account": {"type": "individual"},
		"request": {"identity_documents": [{"kind": "drivers_license", "color_scan": false}]},
	}))
	findings == {{
		"id": "TCC-011",
		"msg": "identity document 0 (driver's licence) is not a colour scan",
		"pointer": "/request/identity_documents/0",
	}}
}

test_tcc_011_right_colour_document_clears if {
	deny_ids(snapshot({
		"account": {"type": "individual"},
		"request": {"identity_documents": [{"kind": "passport", "color_scan": true}]},
	})) == set()
}

test_tcc_011_no_type_accepts_any_kind if {
	snap := json.remove(snapshot({"request": {"identity_documents": [{"kind": "passport", "color_scan": true}]}}), ["account/type"])
	deny_ids(snap) == set()
}

test_tcc_011_unverified_identity_needs_no_documents if {
	deny_ids(json.remove(snapshot({"account": {"identity_verified": false}}), ["request/identity_documents"])) == set()
}

# TCC-012

test_tcc_012_always_informs if {
	info_ids(clean) == {"TCC-012"}
	infos := tencentcloud.info with input as clean
	{f.pointer | some f in infos} == {""}
}

test_tcc_012_informs_even_when_blocked if {
	info_ids(snapshot({"account": {"recovery_mobile_verified": false}})) == {"TCC-012"}
}
