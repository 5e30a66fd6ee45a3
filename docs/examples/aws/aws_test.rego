package closeout.aws_test

import rego.v1

import data.closeout.aws

# The evaluation time of every test, as closeout passes it (--now
# 2026-11-21T00:00:00Z); the tests set it themselves, so they hold under any
# --data file.
context := {"now": "2026-11-21T00:00:00Z", "now_ns": 1795219200000000000, "max_export_age_days": 7}

# A standalone account whose closure is requested by its root user: it trips no
# block or warn condition.
clean := {
	"schema_version": 1,
	"snapshot_id": "test",
	"exported_at": "2026-11-20T09:00:00Z",
	"provider": "aws",
	"account": {"id": "111122223333", "name": "Acme Analytics"},
	"request": {"requester": {"type": "root", "arn": "arn:aws:iam::111122223333:root", "account_id": "111122223333"}},
	"billing": {"currency": "USD"},
}

# The clean snapshot with some parts merged in (objects merge deeply, lists replace).
snapshot(extra) := object.union(clean, extra)

# The clean snapshot with request.requester replaced as a whole.
with_requester(requester) := object.union(
	json.remove(clean, ["request/requester"]),
	{"request": {"requester": requester}},
)

deny_findings(snap) := findings if {
	findings := aws.deny with input as snap with data.closeout.context as context
}

warn_findings(snap) := findings if {
	findings := aws.warn with input as snap with data.closeout.context as context
}

info_findings(snap) := findings if {
	findings := aws.info with input as snap with data.closeout.context as context
}

deny_ids(snap) := {f.id | some f in deny_findings(snap)}

warn_ids(snap) := {f.id | some f in warn_findings(snap)}

info_ids(snap) := {f.id | some f in info_findings(snap)}

test_clean_trips_no_block_or_warn if {
	deny_ids(clean) == set()
	warn_ids(clean) == set()
	info_ids(clean) == {"AWS-007"}
}

# AWS-001

management := {"organization": {
	"id": "o-a1b2c3d4e5",
	"role": "management",
	"management_account_id": "111122223333",
	"members": [
		{"id": "111122223333", "name": "Acme Analytics", "status": "ACTIVE"},
		{"id": "444455556666", "name": "acme-dev", "status": "ACTIVE"},
		{"id": "777788889999", "status": "PENDING_CLOSURE"},
		{"id": "222233334444", "name": "acme-sandbox", "status": "SUSPENDED"},
	],
}}

test_aws_001_active_and_closing_members_trip if {
	findings := deny_findings(snapshot(management))
	findings == {
		{
			"id": "AWS-001",
			"msg": "member account \"acme-dev\" (444455556666) of organization o-a1b2c3d4e5 is still in it (status ACTIVE)",
			"pointer": "/organization/members/1",
		},
		{
			"id": "AWS-001",
			"msg": "member account 777788889999 of organization o-a1b2c3d4e5 is still in it (status PENDING_CLOSURE: its closure has not finished)",
			"pointer": "/organization/members/2",
		},
	}
}

test_aws_001_member_without_status_trips if {
	findings := deny_findings(snapshot({"organization": {"role": "management", "members": [{"id": "444455556666"}]}}))
	findings == {{
		"id": "AWS-001",
		"msg": "member account 444455556666 of organization (unknown) is still in it (status unknown)",
		"pointer": "/organization/members/0",
	}}
}

test_aws_001_suspended_members_and_itself_clear if {
	deny_ids(snapshot({"organization": {
		"id": "o-a1b2c3d4e5",
		"role": "management",
		"members": [
			{"id": "111122223333", "status": "ACTIVE"},
			{"id": "444455556666", "status": "SUSPENDED"},
		],
	}})) == set()
}

test_aws_001_member_account_with_other_members_clears if {
	# Only the management account waits for the members; a member account's
	# snapshot may list its siblings without tripping AWS-001.
	deny_ids(snapshot({"organization": {
		"role": "member",
		"management_account_id": "999900001111",
		"members": [{"id": "444455556666", "status": "ACTIVE"}],
	}})) == set()
}

# AWS-002

test_aws_002_iam_user_trips if {
	findings := deny_findings(snapshot({"request": {"requester": {
		"type": "iam_user",
		"arn": "arn:aws:iam::111122223333:user/ops",
		"account_id": "111122223333",
	}}}))
	findings == {{
		"id": "AWS-002",
		"msg": "the request is submitted by IAM user arn:aws:iam::111122223333:user/ops, not by the root user of account \"Acme Analytics\" (111122223333)",
		"pointer": "/request/requester",
	}}
}

test_aws_002_missing_requester_trips if {
	snap := json.remove(clean, ["request/requester"])
	findings := deny_findings(snap)
	findings == {{
		"id": "AWS-002",
		"msg": "the request does not record who submits it: account \"Acme Analytics\" (111122223333) can only be closed by its root user",
		"pointer": "/request/requester",
	}}
}

test_aws_002_requester_without_type_trips if {
	findings := deny_findings(with_requester({"account_id": "111122223333"}))
	{f.msg | some f in findings} == {"the request is submitted by a principal of type (none), not by the root user of account \"Acme Analytics\" (111122223333)"}
}

test_aws_002_root_of_another_account_trips if {
	findings := deny_findings(snapshot({"request": {"requester": {"type": "root", "account_id": "999900001111"}}}))
	{f.msg | some f in findings} == {"the request is submitted by the root user of account 999900001111, not of account \"Acme Analytics\" (111122223333)"}
}

test_aws_002_member_closed_by_iam_role_of_its_own_account_trips if {
	deny_ids(snapshot({
		"organization": {"role": "member", "management_account_id": "999900001111"},
		"request": {"requester": {"type": "iam_role", "arn": "arn:aws:iam::111122223333:role/admin", "account_id": "111122223333"}},
	})) == {"AWS-002"}
}

test_aws_002_management_account_closed_by_iam_role_trips if {
	# The exception is for member accounts only.
	deny_ids(snapshot({
		"organization": {"role": "management", "management_account_id": "111122223333"},
		"request": {"requester": {"type": "iam_role", "account_id": "111122223333"}},
	})) == {"AWS-002"}
}

test_aws_002_root_user_clears if {
	deny_ids(clean) == set()
	deny_ids(with_requester({"type": "root"})) == set()
}

test_aws_002_member_closed_from_management_account_clears if {
	deny_ids(snapshot({
		"organization": {"role": "member", "management_account_id": "999900001111"},
		"request": {"requester": {"type": "iam_role", "arn": "arn:aws:iam::999900001111:role/OrgAdmin", "account_id": "999900001111"}},
	})) == set()
}

# AWS-003

test_aws_003_unpaid_invoice_and_failed_payment_trip if {
	findings := deny_findings(snapshot({"billing": {
		"invoices": [
			{"id": "EUINGB26-1001", "amount_due": 412.37, "due_date": "2026-11-05", "status": "overdue"},
			{"id": "EUINGB26-0990", "amount_due": 0, "status": "paid"},
		],
		"payments": [{"id": "PAY-3", "amount": 412.37, "status": "failed"}],
	}}))
	findings == {
		{
			"id": "AWS-003",
			"msg": "invoice EUINGB26-1001 still has 412.37 USD due (status overdue, due 2026-11-05)",
			"pointer": "/billing/invoices/0",
		},
		{
			"id": "AWS-003",
			"msg": "payment PAY-3 of 412.37 USD is failed",
			"pointer": "/billing/payments/0",
		},
	}
}

test_aws_003_open_invoice_trips if {
	deny_ids(snapshot({"billing": {"invoices": [{"id": "INV-2", "amount_due": 3.5, "status": "open"}]}})) == {"AWS-003"}
}

test_aws_003_paid_void_and_settled_clear if {
	deny_ids(snapshot({"billing": {
		"invoices": [
			{"id": "INV-1", "amount_due": 0, "status": "paid"},
			{"id": "INV-2", "amount_due": 40, "status": "void"},
			{"id": "INV-3", "status": "paid"},
		],
		"payments": [{"id": "PAY-1", "amount": 40, "status": "settled"}],
	}})) == set()
}

# AWS-004

test_aws_004_running_reservation_and_plan_trip if {
	findings := warn_findings(snapshot({"resources": [
		{"id": "ri-0a1b2c3d", "type": "aws.reserved_instance", "name": "m5.large x2", "state": "live", "term_end": "2027-06-30", "payment_option": "No Upfront"},
		{"id": "sp-77aa", "type": "aws.savings_plan", "state": "live"},
		{"id": "ri-ending-today", "type": "aws.reserved_instance", "state": "live", "term_end": "2026-11-21"},
	]}))
	findings == {
		{
			"id": "AWS-004",
			"msg": "Reserved Instance \"m5.large x2\" (ri-0a1b2c3d), No Upfront, runs until 2027-06-30: it is invoiced until then, after the account is closed",
			"pointer": "/resources/0",
		},
		{
			"id": "AWS-004",
			"msg": "Savings Plan sp-77aa has no recorded term end, so it is taken to run on: it is invoiced until then, after the account is closed",
			"pointer": "/resources/1",
		},
		{
			"id": "AWS-004",
			"msg": "Reserved Instance ri-ending-today runs until 2026-11-21: it is invoiced until then, after the account is closed",
			"pointer": "/resources/2",
		},
	}
}

test_aws_004_ended_and_retired_clear if {
	snap := snapshot({"resources": [
		{"id": "ri-old", "type": "aws.reserved_instance", "state": "live", "term_end": "2026-11-20"},
		{"id": "ri-retired", "type": "aws.reserved_instance", "state": "gone", "term_end": "2027-06-30"},
		{"id": "sp-expired", "type": "aws.savings_plan", "state": "gone"},
	]})
	warn_ids(snap) == set()
	deny_ids(snap) == set()
}

# AWS-005

test_aws_005_live_changing_and_failed_resources_trip if {
	findings := warn_findings(snapshot({"resources": [
		{"id": "i-0abc", "type": "aws.ec2_instance", "name": "web-1", "state": "live", "status": "running", "region": "eu-west-2"},
		{"id": "eipalloc-1", "type": "aws.elastic_ip", "state": "changing"},
		{"id": "lambda-1", "type": "aws.lambda_function", "state": "failed"},
	]}))
	findings == {
		{
			"id": "AWS-005",
			"msg": "EC2 instance \"web-1\" (i-0abc) still exists (state live, status \"running\", Region eu-west-2): it is deleted when the post-closure period ends",
			"pointer": "/resources/0",
		},
		{
			"id": "AWS-005",
			"msg": "Elastic IP address eipalloc-1 still exists (state changing): it is deleted when the post-closure period ends",
			"pointer": "/resources/1",
		},
		{
			"id": "AWS-005",
			"msg": "aws.lambda_function lambda-1 still exists (state failed): it is deleted when the post-closure period ends",
			"pointer": "/resources/2",
		},
	}
}

test_aws_005_gone_commitments_and_other_providers_clear if {
	warn_ids(snapshot({"resources": [
		{"id": "i-0abc", "type": "aws.ec2_instance", "state": "gone"},
		{"id": "ri-1", "type": "aws.reserved_instance", "state": "live", "term_end": "2020-01-01"},
		{"id": "ins-1", "type": "tencentcloud.cvm", "state": "live"},
	]})) == set()
}

# AWS-006

test_aws_006_unexported_bucket_database_and_volume_trip if {
	findings := deny_findings(snapshot({"resources": [
		{"id": "acme-raw-events", "type": "aws.s3_bucket", "state": "live"},
		{"id": "db-orders", "type": "aws.rds_instance", "name": "orders", "state": "live", "holds_data": true},
		{"id": "vol-1", "type": "aws.ebs_volume", "state": "live", "holds_data": true},
		{"id": "db-reports", "type": "aws.rds_instance", "state": "live"},
	]}))
	findings == {
		{"id": "AWS-006", "msg": "S3 bucket acme-raw-events holds data that has not been exported", "pointer": "/resources/0"},
		{"id": "AWS-006", "msg": "RDS DB instance \"orders\" (db-orders) holds data that has not been exported", "pointer": "/resources/1"},
		{"id": "AWS-006", "msg": "EBS volume vol-1 holds data that has not been exported", "pointer": "/resources/2"},
		{"id": "AWS-006", "msg": "RDS DB instance db-reports holds data that has not been exported", "pointer": "/resources/3"},
	}
}

test_aws_006_exported_empty_dataless_and_gone_clear if {
	deny_ids(snapshot({
		"resources": [
			{"id": "acme-raw-events", "type": "aws.s3_bucket", "state": "live"},
			{"id": "acme-empty", "type": "aws.s3_bucket", "state": "live", "holds_data": false},
			{"id": "i-0abc", "type": "aws.ec2_instance", "state": "live"},
			{"id": "db-old", "type": "aws.rds_instance", "state": "gone"},
		],
		"data_exports": [{"resource_id": "acme-raw-events", "exported_at": "2026-11-19T12:00:00Z", "method": "aws s3 sync"}],
	})) == set()
}

test_aws_006_data_retention_waived_clears if {
	deny_ids(snapshot({
		"request": {"attestations": {"data_retention_waived": true}},
		"resources": [{"id": "acme-raw-events", "type": "aws.s3_bucket", "state": "live"}],
	})) == set()
}

# AWS-007

test_aws_007_counts_from_requested_date if {
	findings := info_findings(snapshot({"request": {"requested_date": "2026-12-01"}}))
	findings == {{
		"id": "AWS-007",
		"msg": "if account \"Acme Analytics\" (111122223333) is closed on 2026-12-01, it can be reopened until 2027-03-01 (the 90-day post-closure period); after that AWS closes it permanently and deletes the content and resources left in it",
		"pointer": "/request/requested_date",
	}}
}

test_aws_007_counts_from_today_without_a_date if {
	findings := info_findings(json.remove(clean, ["account/name"]))
	findings == {{
		"id": "AWS-007",
		"msg": "if account 111122223333 is closed on 2026-11-21, it can be reopened until 2027-02-19 (the 90-day post-closure period); after that AWS closes it permanently and deletes the content and resources left in it",
		"pointer": "",
	}}
}

# AWS-007 is an info: it never clears, and it is never a block or a warning.
test_aws_007_is_never_a_block_or_warning if {
	not "AWS-007" in deny_ids(clean)
	not "AWS-007" in warn_ids(clean)
}
