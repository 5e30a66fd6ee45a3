package closeout.aws

import rego.v1

# Closing an AWS account (example pack, not bundled): the considerations of
# AWS's "Close an AWS account" page
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html)
# and, for the organization and root-user rules, the AWS Organizations pages it
# links to. See README.md beside this file for the snapshot fields it reads.
#
# AWS-specific data uses fields the snapshot schema does not define (it allows
# unknown fields): the top-level `organization` object, `request.requester`,
# and resources of types aws.* with `term_end` and `payment_option` for
# Reserved Instances and Savings Plans.

day_ns := ((24 * 60) * 60) * 1000000000

# The evaluation date in UTC, YYYY-MM-DD, from the context (never the clock).
# Dates in AWS-specific fields are compared with it as strings: the schema does
# not check unknown fields, so they are never parsed (a malformed value cannot
# make the evaluation fail).
today := format_date(data.closeout.context.now_ns)

format_date(ns) := sprintf("%04d-%02d-%02d", [d[0], d[1], d[2]]) if {
	d := time.date(ns)
}

# Every lookup of input.request.attestations goes through here, so an absent
# attestation (or attestations object) reads as "not made".
attested(name) if input.request.attestations[name] == true

currency_suffix := sprintf(" %s", [input.billing.currency]) if {
	is_string(input.billing.currency)
} else := ""

money(x) := sprintf("%v%s", [x, currency_suffix])

named(obj) if {
	is_string(obj.name)
	obj.name != ""
}

# `what "name" (id)`, or `what id` when the object has no name.
describe(what, obj) := sprintf("%s \"%s\" (%s)", [what, obj.name, obj.id]) if {
	named(obj)
} else := sprintf("%s %s", [what, obj.id])

account_label := sprintf("\"%s\" (%s)", [input.account.name, input.account.id]) if {
	named(input.account)
} else := object.get(input.account, "id", "(unknown)")

# A resource exists unless it is gone; live, changing and failed all exist.
exists(r) if r.state != "gone"

is_aws(r) if startswith(r.type, "aws.")

# Commitments: billed for their term whatever runs in the account.
commitment_types := {"aws.reserved_instance", "aws.savings_plan"}

is_commitment(r) if r.type in commitment_types

# Resources whose data is the point of the resource: they hold data unless the
# exporter says otherwise (holds_data false). Any other aws.* resource holds
# data only when holds_data is true.
data_store_types := {"aws.s3_bucket", "aws.rds_instance"}

holds_data(r) if r.holds_data == true

holds_data(r) if {
	r.type in data_store_types
	not r.holds_data == false
}

product_labels := {
	"ec2_instance": "EC2 instance",
	"ebs_volume": "EBS volume",
	"s3_bucket": "S3 bucket",
	"rds_instance": "RDS DB instance",
	"dynamodb_table": "DynamoDB table",
	"elastic_ip": "Elastic IP address",
	"nat_gateway": "NAT gateway",
	"load_balancer": "load balancer",
	"reserved_instance": "Reserved Instance",
	"savings_plan": "Savings Plan",
}

resource_label(r) := object.get(product_labels, substring(r.type, count("aws."), -1), r.type) if {
	is_aws(r)
} else := sprintf("resource of type %s", [r.type])

describe_resource(r) := describe(resource_label(r), r)

# `state live, status "running"`, or `state live` without a status text.
state_phrase(r) := sprintf("state %s, status \"%s\"", [r.state, r.status]) if {
	is_string(r.status)
} else := sprintf("state %s", [r.state])

# METADATA
# title: The management account still has member accounts
# description: >-
#   The account is the management account of an AWS Organization
#   (organization.role is management) and a member account other than itself
#   is listed in organization.members with a status other than SUSPENDED
#   (ACTIVE, or PENDING_CLOSURE while AWS is still closing it). One finding per
#   member. Members removed from the organization are simply not listed.
# related_resources:
#   - ref: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close_management.html
#     description: >-
#       "To close the management account in your organization, you must first
#       either close or remove all member accounts in the organization."
#   - ref: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close_management.html
#     description: >-
#       "Verify that there are no active member accounts remaining in your
#       organization. To do this, go to the AWS Organizations console, and make
#       sure that all member accounts are showing Suspended next to their
#       account names."
# custom:
#   id: AWS-001
#   kind: block
#   reads: [organization]
#   remediation: >-
#     Close or remove every member account first: from the management account,
#     open the AWS Organizations console (AWS accounts page) and either close
#     each member (Close, then enter its account ID) or remove it from the
#     organization so it becomes a standalone account. Wait until every closed
#     member shows SUSPENDED, then export a fresh snapshot. Closing the
#     management account also deletes the organization and its policies after
#     the post-closure period.
deny contains finding if {
	input.organization.role == "management"
	some i, m in input.organization.members
	not is_this_account(m)
	not suspended(m)
	finding := {
		"id": "AWS-001",
		"msg": sprintf("member account %s of organization %s is still in it (%s)", [
			describe_member(m), object.get(input.organization, "id", "(unknown)"), member_status(m),
		]),
		"pointer": sprintf("/organization/members/%d", [i]),
	}
}

# Helpers, so that the negations above hold when a member has no id or status
# (a member of unknown status is not known to be closed).
is_this_account(m) if m.id == input.account.id

suspended(m) if m.status == "SUSPENDED"

describe_member(m) := sprintf("\"%s\" (%s)", [m.name, object.get(m, "id", "(no id)")]) if {
	named(m)
} else := object.get(m, "id", "(no id)")

member_status(m) := "status PENDING_CLOSURE: its closure has not finished" if {
	m.status == "PENDING_CLOSURE"
} else := sprintf("status %s", [m.status]) if {
	is_string(m.status)
} else := "status unknown"

# METADATA
# title: The closure is not requested by the account's root user
# description: >-
#   request.requester is absent, or it is not the root user of this account
#   (type root and, when given, account_id equal to account.id). The one
#   exception is a member account (organization.role is member) closed from its
#   organization's management account: a requester whose account_id is
#   organization.management_account_id may be an IAM user or role.
# related_resources:
#   - ref: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close_management.html
#     description: >-
#       "Sign in to the AWS Management Console as the root user for the
#       management account that you want to close. You can't close an account
#       while signed in as an IAM user or role."
#   - ref: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close.html
#     description: >-
#       "You can also close an AWS account directly from the Account page in
#       the AWS Management Console after signing in as the root user."
#   - ref: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close.html
#     description: >-
#       "When you sign in to the organization's management account, you can
#       close member accounts that are part of your organization."
# custom:
#   id: AWS-002
#   kind: block
#   reads: [request.requester, account.id]
#   remediation: >-
#     Close the account as its root user, as the last step: sign in to the AWS
#     Management Console with the root user's email address and password (use
#     "Forgot password" if the root password was never set, as for accounts
#     created by AWS Organizations), choose the account name, then Account, and
#     use the Close account section at the bottom of the page. A member account
#     of an organization in All features mode can instead be closed by an
#     authorised IAM user or role of the management account, from the AWS
#     Organizations console. Record who submits the request in
#     request.requester.
#   after: all
deny contains finding if {
	not root_requester
	not closed_from_management_account
	finding := {
		"id": "AWS-002",
		"msg": requester_msg,
		"pointer": "/request/requester",
	}
}

requester_given if is_object(input.request.requester)

# The root user of this account; a requester without account_id is taken to be
# of this account.
root_requester if {
	input.request.requester.type == "root"
	object.get(input.request.requester, "account_id", input.account.id) == input.account.id
}

closed_from_management_account if {
	input.organization.role == "member"
	is_string(input.organization.management_account_id)
	input.request.requester.account_id == input.organization.management_account_id
}

# The requester's type and ARN, for messages; the type may be missing.
requester_type := input.request.requester.type if {
	is_string(input.request.requester.type)
} else := "(none)"

requester_kind := object.get(requester_kinds, requester_type, sprintf("a principal of type %s", [requester_type]))

requester_label := sprintf("%s %s", [requester_kind, input.request.requester.arn]) if {
	is_string(input.request.requester.arn)
} else := requester_kind

requester_kinds := {
	"root": "the root user",
	"iam_user": "IAM user",
	"iam_role": "IAM role",
	"federated": "federated user",
	"assumed_role": "assumed-role session",
}

requester_msg := sprintf("the request does not record who submits it: account %s can only be closed by its root user", [account_label]) if {
	not requester_given
} else := sprintf("the request is submitted by the root user of account %v, not of account %s", [
	input.request.requester.account_id, account_label,
]) if {
	input.request.requester.type == "root"
} else := sprintf("the request is submitted by %s, not by the root user of account %s", [requester_label, account_label])

# METADATA
# title: An invoice is unpaid
# description: >-
#   An invoice that is not void has amount_due greater than 0, or a payment
#   has status unsettled or failed. One finding per invoice or payment. AWS's
#   page does not make this a precondition of closing (the owner stays
#   responsible for the invoices); this pack blocks so that they are settled
#   while the account is fully accessible.
# related_resources:
#   - ref: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html
#     description: >-
#       "You remain responsible for all outstanding fees and charges for the
#       services consumed before account closure."
#   - ref: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html
#     description: >-
#       "You also remain responsible for any unpaid invoices and outstanding
#       Reserved Instances and Savings Plans."
# custom:
#   id: AWS-003
#   kind: block
#   reads: [billing.invoices, billing.payments]
#   remediation: >-
#     Pay every invoice with an amount due and retry or replace every failed
#     or unsettled payment in the AWS Billing and Cost Management console
#     (Payments), then export a fresh snapshot. The usage of the month of
#     closure is billed at the start of the following month, and that bill
#     must be paid too.
deny contains finding if {
	some problem in billing_problems
	finding := object.union({"id": "AWS-003"}, problem)
}

billing_problems contains {"msg": msg, "pointer": sprintf("/billing/invoices/%d", [i])} if {
	some i, inv in input.billing.invoices
	inv.status != "void"
	inv.amount_due > 0
	msg := sprintf("invoice %s still has %s due (status %s%s)", [inv.id, money(inv.amount_due), inv.status, due_phrase(inv)])
}

billing_problems contains {"msg": msg, "pointer": sprintf("/billing/payments/%d", [i])} if {
	some i, p in input.billing.payments
	p.status in {"unsettled", "failed"}
	msg := sprintf("payment %s%s is %s", [p.id, amount_phrase(p), p.status])
}

due_phrase(inv) := sprintf(", due %s", [inv.due_date]) if {
	is_string(inv.due_date)
} else := ""

amount_phrase(p) := sprintf(" of %s", [money(p.amount)]) if {
	is_number(p.amount)
} else := ""

# METADATA
# title: A Reserved Instance or Savings Plan term is still running
# description: >-
#   A resource of type aws.reserved_instance or aws.savings_plan exists (not
#   gone: a retired reservation or an expired plan is gone) and its term_end
#   (YYYY-MM-DD) is today or later, or absent. Its invoices keep coming after
#   the account is closed, until the term ends. One finding per commitment.
# related_resources:
#   - ref: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html
#     description: >-
#       "You will continue receiving invoices for Reserved Instances and Savings
#       Plans after closing your account until they expire."
# custom:
#   id: AWS-004
#   kind: warn
#   reads: [resources]
#   remediation: >-
#     Decide about each commitment before closing: a Standard Reserved Instance
#     can be listed for sale on the EC2 Reserved Instance Marketplace; anything
#     kept is invoiced (for partial or no upfront payment options, monthly)
#     until its term ends, after the account is closed. Make sure whoever pays
#     those invoices knows, and keep a way to pay them.
warn contains finding if {
	some i, r in input.resources
	is_commitment(r)
	exists(r)
	not term_over(r)
	finding := {
		"id": "AWS-004",
		"msg": sprintf("%s%s %s: it is invoiced until then, after the account is closed", [
			describe_resource(r), commitment_detail(r), term_phrase(r),
		]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# Takes the resource, not its term_end, so that the negation above never has an
# absent reference pulled out of it in OPA.
term_over(r) if {
	is_string(r.term_end)
	r.term_end < today
}

term_phrase(r) := sprintf("runs until %s", [r.term_end]) if {
	is_string(r.term_end)
} else := "has no recorded term end, so it is taken to run on"

commitment_detail(r) := sprintf(", %s,", [r.payment_option]) if {
	is_string(r.payment_option)
} else := ""

# METADATA
# title: Resources are still provisioned
# description: >-
#   An aws.* resource other than a Reserved Instance or Savings Plan exists
#   (state live, changing or failed). AWS does not require deleting resources
#   before closing, but they stop being reachable at closure, their charges
#   restart if the account is reopened, and AWS deletes them when the
#   post-closure period ends. One finding per resource.
# related_resources:
#   - ref: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html
#     description: >-
#       "You can reopen your account during the post-closure period. Charges for
#       the services that remained in your account will restart if you reopen
#       it."
#   - ref: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
#     description: >-
#       "Resources remaining within the account after closing will be
#       automatically deleted after 90 days."
# custom:
#   id: AWS-005
#   kind: warn
#   reads: [resources]
#   remediation: >-
#     After exporting their data (AWS-006), terminate or delete the resources
#     you no longer need (EC2 instances, EBS volumes, RDS DB instances, S3
#     buckets, Elastic IP addresses, load balancers, ...) in every Region, so
#     that nothing is billed again if the account is reopened and nothing is
#     deleted unnoticed at the end of the post-closure period. Then export a
#     fresh snapshot.
#   after: [AWS-006]
warn contains finding if {
	some i, r in input.resources
	is_aws(r)
	not is_commitment(r)
	exists(r)
	finding := {
		"id": "AWS-005",
		"msg": sprintf("%s still exists (%s%s): it is deleted when the post-closure period ends", [
			describe_resource(r), state_phrase(r), region_phrase(r),
		]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

region_phrase(r) := sprintf(", Region %s", [r.region]) if {
	is_string(r.region)
} else := ""

# METADATA
# title: Data has not been backed up
# description: >-
#   An aws.* resource that exists holds data (an S3 bucket or RDS DB instance
#   unless holds_data is false; any other resource when holds_data is true),
#   has no entry in data_exports, and the requester has not waived the data
#   (request.attestations.data_retention_waived is not true).
# related_resources:
#   - ref: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html
#     description: >-
#       "You don't need to delete resources in your AWS account before closing
#       it. However, we recommend you back up any resources or data that you
#       want to keep."
# custom:
#   id: AWS-006
#   kind: block
#   reads: [resources, data_exports, request.attestations]
#   remediation: >-
#     Back up the data you want to keep before the account is closed and
#     anything is deleted: copy S3 buckets out of the account (for example
#     with `aws s3 sync` to storage you keep), export RDS DB instances (a dump,
#     or a snapshot exported to S3 and copied out), and record each export in
#     the snapshot's data_exports. Or record that the requester gives the data
#     up (request.attestations.data_retention_waived = true).
deny contains finding if {
	not attested("data_retention_waived")
	some i, r in input.resources
	is_aws(r)
	exists(r)
	holds_data(r)
	not data_exported(r)
	finding := {
		"id": "AWS-006",
		"msg": sprintf("%s holds data that has not been exported", [describe_resource(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# Takes the resource, not its id (see term_over).
data_exported(r) if {
	some e in input.data_exports
	e.resource_id == r.id
}

# METADATA
# title: The account can be reopened for 90 days, then closes permanently
# description: >-
#   Every AWS closure: after closing, the account can be reopened during the
#   90-day post-closure period; then AWS closes it permanently and deletes
#   what remains in it. The date is counted from request.requested_date, or
#   from today when the request names no date.
# related_resources:
#   - ref: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-closing.html
#     description: >-
#       "After you've closed it, you can reopen it within 90 days from the day
#       you closed the account. The timespan between the day you closed the
#       account and when AWS permanently closes the account is referred to as
#       the post-closure period."
# custom:
#   id: AWS-007
#   kind: info
#   remediation: ""
info contains finding if {
	finding := {
		"id": "AWS-007",
		"msg": sprintf(
			"if account %s is closed on %s, it can be reopened until %s (the 90-day post-closure period); after that AWS closes it permanently and deletes the content and resources left in it",
			[account_label, closing_date, format_date(time.add_date(closing_ns, 0, 0, 90))],
		),
		"pointer": closing_pointer,
	}
}

closing_date := input.request.requested_date if {
	is_string(input.request.requested_date)
} else := today

closing_pointer := "/request/requested_date" if {
	is_string(input.request.requested_date)
} else := ""

closing_ns := time.parse_rfc3339_ns(concat("", [closing_date, "T00:00:00Z"]))
